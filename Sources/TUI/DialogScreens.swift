import Foundation
import I18n
import Model
import Storage

/// A question with a few answers. The chosen answer's action runs; Esc picks the last (safe) one.
final class DialogScreen: Screen {
    let title: String
    let question: String
    let choices: [(String, (App) -> Action)]
    private var selected = 0
    init(title: String, question: String, choices: [(String, (App) -> Action)], selected: Int = 0) {
        self.title = title
        self.question = question
        self.choices = choices
        self.selected = selected
    }
    func hints(_ app: App) -> [(String, String)] { [("↑↓", S.kMove), ("Enter", S.kChoose), ("Esc", S.kBack)] }
    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let w = min(area.width - 4, 64)
        let x = area.x + (area.width - w) / 2
        var y = Draw.paragraph(&g, question, x: x, y: area.y + 2, width: w, maxY: area.maxY, style: .title) + 1
        for (i, c) in choices.enumerated() where y < area.maxY {
            Draw.menuItem(&g, key: "\(i + 1)", label: c.0, x: x, y: y, width: w, selected: i == selected)
            y += 1
        }
    }
    func handle(_ key: Key, _ app: App) -> Action {
        switch key {
        case .up: selected = (selected + choices.count - 1) % choices.count
        case .down, .tab: selected = (selected + 1) % choices.count
        case .enter: return choices[selected].1(app)
        case .escape: return choices[choices.count - 1].1(app)
        case .char(let c):
            if let n = c.wholeNumberValue, n >= 1, n <= choices.count { return choices[n - 1].1(app) }
        default: break
        }
        return .none
    }
}

/// A message (an error or a confirmation) and one way on.
final class MessageScreen: Screen {
    let title: String
    let message: String
    let style: Style
    init(title: String, message: String, style: Style = .normal) {
        self.title = title
        self.message = message
        self.style = style
    }
    func hints(_ app: App) -> [(String, String)] { [("Enter", S.kBack)] }
    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let y = Draw.paragraph(&g, message, x: area.x + 2, y: area.y + 1, width: area.width - 4, maxY: area.maxY, style: style)
        Draw.paragraph(&g, S.pressAnyKey, x: area.x + 2, y: y + 1, width: area.width - 4, maxY: area.maxY, style: .muted)
    }
    func handle(_ key: Key, _ app: App) -> Action {
        switch key {
        case .enter, .escape: return .pop
        default: return .none
        }
    }
}

/// Lists unfinished reports when there is more than one.
final class DraftListScreen: Screen {
    var helpKey: String { "help.drafts" }
    var title: String { S.draftsTitle }
    private var drafts: [Draft] = []
    private var selected = 0
    func appear(_ app: App) {
        drafts = (try? app.store.drafts()) ?? []
        selected = min(selected, max(0, drafts.count - 1))
    }
    func hints(_ app: App) -> [(String, String)] { [("↑↓", S.kMove), ("Enter", S.kOpen), ("Esc", S.kBack)] }
    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        var y = area.y + 1
        for (i, d) in drafts.enumerated() where y < area.maxY {
            let label = "\(S.draftLine(d))  · \(S.dateTime(d.updatedAt, app.clock.timeZone))"
            Draw.menuItem(&g, key: nil, label: label, x: area.x + 2, y: y, width: area.width - 4, selected: i == selected)
            y += 1
        }
    }
    func handle(_ key: Key, _ app: App) -> Action {
        switch key {
        case .up: selected = max(0, selected - 1)
        case .down: selected = min(max(0, drafts.count - 1), selected + 1)
        case .enter: if drafts.indices.contains(selected) { return .replace(ReportWizardScreen(draft: drafts[selected])) }
        case .escape: return .pop
        default: break
        }
        return .none
    }
}
