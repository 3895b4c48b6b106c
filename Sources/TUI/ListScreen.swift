import Foundation
import I18n
import Model
import Storage

/// A simple selectable list used by Due today, Referrals and the Service directory.
class ListScreen: Screen {
    var title: String { "" }
    var helpKey: String { "help.keys" }
    var selected = 0
    var top = 0
    var rows: [(text: String, style: Style)] { [] }
    var header: String? { nil }
    var emptyText: String { "" }
    func hints(_ app: App) -> [(String, String)] { [("↑↓", S.kMove), ("Enter", S.kOpen), ("Esc", S.kBack), ("?", S.kHelp)] }
    /// Declared here (not only in the protocol extension) so subclasses' overrides are called through `Screen`.
    func appear(_ app: App) {}
    func open(_ index: Int, _ app: App) -> Action { .none }
    func other(_ key: Key, _ app: App) -> Action { .none }
    /// False for a row that only says something (a blank line, a section heading): the selection never
    /// rests on it, so a list with nothing to choose shows no lone `▸`.
    func isSelectable(_ index: Int) -> Bool { true }

    /// The nearest selectable row from `index` in direction `step` (+1 or -1), else the nearest the other
    /// way, else nil (nothing to choose).
    private func selectable(from index: Int, _ step: Int, count n: Int) -> Int? {
        guard n > 0 else { return nil }
        let start = max(0, min(index, n - 1))
        for i in stride(from: start, to: step > 0 ? n : -1, by: step > 0 ? 1 : -1) where isSelectable(i) { return i }
        for i in stride(from: start, to: step > 0 ? -1 : n, by: step > 0 ? -1 : 1) where isSelectable(i) { return i }
        return nil
    }

    func handle(_ key: Key, _ app: App) -> Action {
        let n = rows.count
        // The list may have shrunk since the last frame (keys arrive in batches): never read past its end.
        selected = max(0, min(selected, n - 1))
        func move(to target: Int, _ step: Int) { selected = selectable(from: target, step, count: n) ?? selected }
        switch key {
        case .up: move(to: selected - 1, -1)
        case .down: move(to: selected + 1, +1)
        case .pageUp: move(to: selected - 10, -1)
        case .pageDown: move(to: selected + 10, +1)
        case .home: move(to: 0, +1)
        case .end: move(to: n - 1, -1)
        case .enter: if n > 0 && isSelectable(selected) { return open(selected, app) }
        case .escape, .char("q"): return .pop
        default: return other(key, app)
        }
        return .none
    }

    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let x = area.x + 2, w = area.width - 3
        var y = area.y
        if let h = header {
            g.put(DisplayWidth.truncate(h, to: w), x: x, y: y, style: .title, clip: area)
            y += 1
        }
        let all = rows
        if all.isEmpty {
            Draw.paragraph(&g, emptyText, x: x, y: y + 1, width: w, maxY: area.maxY, style: .muted)
            return
        }
        let chosen = selectable(from: selected, +1, count: all.count)
        selected = chosen ?? 0
        let visible = area.maxY - y
        if selected < top { top = selected }
        if selected >= top + visible { top = selected - visible + 1 }
        for (i, r) in all.enumerated().dropFirst(top).prefix(visible) {
            let rowY = y + i - top
            let isSel = i == chosen
            if isSel { g.fill(Rect(x: area.x, y: rowY, width: area.width, height: 1), style: .focus) }
            g.put(DisplayWidth.truncate(r.text, to: w), x: x, y: rowY, style: isSel ? .focus : r.style, clip: Rect(x: x, y: rowY, width: w, height: 1))
            if isSel { g.put("▸", x: area.x, y: rowY, style: .focus) }
        }
    }
}
