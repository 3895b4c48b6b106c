import Foundation
import I18n
import Model
import Storage

/// One question of a generic form.
struct FormField {
    enum Kind {
        /// One line of text, at most `limit` characters.
        case line(limit: Int)
        /// Several lines of text.
        case area(rows: Int)
        /// A PIN or passphrase: typed like a line, shown as dots.
        case secret(limit: Int)
        /// Pick one answer.
        case choice([String])
        /// Tick any number of answers.
        case checks([String])
    }
    let id: String
    let label: String
    var hint: String?
    let kind: Kind
    init(_ id: String, _ label: String, hint: String? = nil, _ kind: Kind) {
        self.id = id
        self.label = label
        self.hint = hint
        self.kind = kind
    }
}

/// A guided form for the steps of the case cycle (assessment, plan, referral, follow-up, closure, directory):
/// the same keys and look as the guided report. `onSubmit` validates through Model/Storage and either
/// returns the next action or sets `errors` (shown at the fields, what was typed stays).
final class FormScreen: Screen {
    let title: String
    let intro: String
    let submitLabel: String
    private(set) var fields: [FormField]
    private var texts: [String: TextField] = [:]
    private var choices: [String: Int] = [:]
    private var checks: [String: Set<Int>] = [:]
    private var cursor: [String: Int] = [:]
    var errors: [String: String] = [:]
    /// A warning shown above the questions (for example: consent is missing).
    var banner: (String, Style)?
    private var focus = 0
    private var scroll = 0
    private var dirty = false
    private let onSubmit: (FormScreen, App) -> Action
    /// False on the login and lock screens: Esc must not leave them.
    var escapeLeaves = true
    /// True on short forms (login): Enter in the last text field submits.
    var enterSubmitsFromLastField = false
    /// Extra key handling before the form's own (for example Ctrl-Q on the login screen).
    var extraKeys: ((Key, App) -> Action?)?
    /// Key hints shown before the usual ones (for keys `extraKeys` or the app handle).
    var extraHints: [(String, String)] = []

    /// The help page F1 opens (a key of locales/templates/help.pot).
    var helpKey = "help.keys"

    /// The case as the user saw it when this edit began: saving is refused, and the other changes shown at
    /// the top, when someone else changed the case in between (optimistic concurrency). Passed on to a
    /// form this one opens.
    var editContext: EditContext?

    init(title: String, intro: String, submitLabel: String, helpKey: String = "help.keys", fields: [FormField], onSubmit: @escaping (FormScreen, App) -> Action) {
        self.helpKey = helpKey
        self.title = title
        self.intro = intro
        self.submitLabel = submitLabel
        self.fields = fields
        self.onSubmit = onSubmit
        for f in fields {
            switch f.kind {
            case .line(let limit): texts[f.id] = TextField("", multiline: false, limit: limit)
            case .area: texts[f.id] = TextField("", multiline: true, limit: TextLimits.narrative)
            case .secret(let limit): texts[f.id] = TextField("", multiline: false, limit: limit)
            default: break
            }
        }
    }

    // MARK: values

    func text(_ id: String) -> String { texts[id]?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
    /// A secret exactly as typed (PINs are not trimmed).
    func secret(_ id: String) -> String { texts[id]?.text ?? "" }
    /// Empties a field (a wrong PIN is cleared, never kept on screen).
    func clear(_ id: String) { texts[id]?.set("") }
    func choice(_ id: String) -> Int? { choices[id] }
    func checked(_ id: String) -> Set<Int> { checks[id] ?? [] }
    func yes(_ id: String) -> Bool? { choices[id].map { $0 == 0 } }

    func setText(_ id: String, _ value: String) { texts[id]?.set(value) }
    func setChoice(_ id: String, _ i: Int?) { choices[id] = i; cursor[id] = i }
    func setChecked(_ id: String, _ s: Set<Int>) { checks[id] = s }

    /// Marks every empty required choice and text with "Please answer this question."; returns true when all are answered.
    func require(_ ids: [String]) -> Bool {
        for id in ids {
            guard let f = fields.first(where: { $0.id == id }) else { continue }
            switch f.kind {
            case .line, .area, .secret: if text(id).isEmpty { errors[id] = S.issue(.required) }
            case .choice: if choices[id] == nil { errors[id] = S.issue(.required) }
            case .checks: if checked(id).isEmpty { errors[id] = S.issue(.required) }
            }
        }
        return errors.isEmpty
    }

    /// Moves focus to the first field with an error and says so in the flash line.
    func showErrors(_ app: App) {
        if let i = fields.firstIndex(where: { errors[$0.id] != nil }) { focus = i }
        app.flash = (S.fixBelow, .danger)
    }

    var editingText: Bool { focus < fields.count && texts[fields[focus].id] != nil }

    // MARK: keys

    func hints(_ app: App) -> [(String, String)] {
        var h: [(String, String)] = extraHints + [("Tab", S.kField)]
        if focus < fields.count, case .checks = fields[focus].kind { h.append(("Enter", S.kTick)) }
        else if focus < fields.count, case .choice = fields[focus].kind { h.append(("Enter", S.kChoose)) }
        h += [("F2", submitLabel), escapeLeaves ? ("Esc", S.kBack) : ("Ctrl-Q", S.kQuit), ("F1", S.kHelp)]
        return h
    }

    func handlePaste(_ text: String, _ app: App) -> Action {
        guard focus < fields.count, var t = texts[fields[focus].id] else { return .none }
        t.insert(text)
        texts[fields[focus].id] = t
        dirty = true
        return .none
    }

    func handle(_ key: Key, _ app: App) -> Action {
        if let extra = extraKeys, let a = extra(key, app) { return a }
        switch key {
        case .escape:
            guard escapeLeaves else { return .none }
            if !dirty { return .pop }
            return .push(DialogScreen(title: title, question: S.formDiscard, choices: [
                (S.discardYes, { [weak self] app in self?.dropKept(app); return .popMany(2) }),
                (S.discardNo, { _ in .pop }),
            ], selected: 1))
        case .function(2), .ctrl("s"), .pageDown:
            return submit(app)
        case .tab: move(+1); return .none
        case .backTab: move(-1); return .none
        default: break
        }
        guard focus < fields.count else {
            switch key {
            case .enter: return submit(app)
            case .up: move(-1)
            default: break
            }
            return .none
        }
        let f = fields[focus]
        switch f.kind {
        case .choice(let options) where options.isEmpty:
            if key == .up { move(-1) } else if key == .down || key == .enter { move(+1) }
        case .choice(let options):
            var cur = cursor[f.id] ?? choices[f.id] ?? 0
            switch key {
            case .up: if cur == 0 { move(-1); return .none }; cur -= 1
            case .down: if cur == options.count - 1 { move(+1); return .none }; cur += 1
            case .char(" "): choices[f.id] = cur; errors[f.id] = nil; dirty = true
            case .enter: choices[f.id] = cur; errors[f.id] = nil; dirty = true; cursor[f.id] = cur; move(+1); return .none
            case .char(let c):
                if let n = c.wholeNumberValue, n >= 1, n <= options.count { cur = n - 1; choices[f.id] = cur; errors[f.id] = nil; dirty = true }
            default: break
            }
            cursor[f.id] = cur
        case .checks(let options):
            var cur = cursor[f.id] ?? 0
            switch key {
            case .up: if cur == 0 { move(-1); return .none }; cur -= 1
            case .down: if cur == options.count - 1 { move(+1); return .none }; cur += 1
            case .enter, .char(" "):
                var s = checks[f.id] ?? []
                if s.contains(cur) { s.remove(cur) } else { s.insert(cur) }
                checks[f.id] = s
                errors[f.id] = nil
                dirty = true
            default: break
            }
            cursor[f.id] = cur
        case .line, .area, .secret:
            guard var t = texts[f.id] else { return .none }
            switch key {
            case .enter where !t.multiline && enterSubmitsFromLastField && !fields[(focus + 1)...].contains(where: { texts[$0.id] != nil }):
                return submit(app)
            case .enter where !t.multiline: move(+1); return .none
            case .up where !t.multiline: move(-1); return .none
            case .down where !t.multiline: move(+1); return .none
            case .up: if !t.moveLine(-1, width: 70) { move(-1) } else { texts[f.id] = t }; return .none
            case .down: if !t.moveLine(+1, width: 70) { move(+1) } else { texts[f.id] = t }; return .none
            default:
                if t.handle(key) {
                    texts[f.id] = t
                    errors[f.id] = nil
                    dirty = true
                }
            }
        }
        return .none
    }

    private func move(_ d: Int) { focus = max(0, min(fields.count, focus + d)) }

    // MARK: kept when Kinga stops

    /// Where a half-filled form is kept on disk: forms about a case (those with an edit context), by their
    /// help key; nil for the others (login, users, directory), which hold nothing about a child.
    private var keptAt: (place: String, caseID: UUID)? { editContext.map { (helpKey, $0.caseID) } }
    private var restoreChecked = false

    /// The answers as text, for `KingaStore.keepUnfinished` (never a secret).
    private var keptValues: [String: String] {
        var v: [String: String] = [:]
        for f in fields {
            switch f.kind {
            case .line, .area: v[f.id] = texts[f.id]?.text
            case .secret: break
            case .choice: v[f.id] = choices[f.id].map(String.init)
            case .checks: v[f.id] = checks[f.id].map { $0.sorted().map(String.init).joined(separator: ",") }
            }
        }
        return v.filter { !$0.value.isEmpty }
    }

    func appear(_ app: App) {
        // Once: what the person typed here before Kinga stopped, locked itself or lost its terminal.
        guard !restoreChecked, let at = keptAt else { return }
        restoreChecked = true
        guard !dirty, let kept = try? app.store.unfinished(place: at.place, caseID: at.caseID) else { return }
        for f in fields {
            guard let value = kept.values[f.id] else { continue }
            switch f.kind {
            case .line, .area: texts[f.id]?.set(value)
            case .secret: break
            case .choice(let options): if let i = Int(value), options.indices.contains(i) { setChoice(f.id, i) }
            case .checks(let options): checks[f.id] = Set(value.split(separator: ",").compactMap { Int($0) }.filter { options.indices.contains($0) })
            }
        }
        dirty = true
        app.flash = (S.unfinishedBack(S.dateTime(kept.savedAt, app.clock.timeZone)), .success)
    }

    /// The case this form changes was changed elsewhere while it is filled in: the answers stay, a calm line
    /// at the top says so (unless a conflict is already shown there), and saving shows the other changes first.
    func dataChanged(_ cases: Set<UUID>, _ app: App) {
        guard let id = editContext?.caseID, cases.isEmpty || cases.contains(id), banner == nil,
              ChangeNotice.movedSince(editContext, app) else { return }
        banner = (tr("caseChangedWhileTyping"), .warning)
    }

    func saveUnfinished(_ app: App) {
        guard dirty, let at = keptAt else { return }
        try? app.store.keepUnfinished(place: at.place, caseID: at.caseID, values: keptValues)
    }

    /// Forgets what was kept (the form was saved or thrown away).
    private func dropKept(_ app: App) {
        if let at = keptAt { try? app.store.dropUnfinished(place: at.place, caseID: at.caseID) }
    }

    private func submit(_ app: App) -> Action {
        errors = [:]
        let action = ConflictCheck.run(editContext) { onSubmit(self, app) }
        if let ctx = editContext, let changes = ctx.conflict {
            // Theirs at the top, the user's own answers below, nothing saved: F2 again saves on top of theirs.
            banner = (S.conflict(changes, app.clock.timeZone), .warning)
            ctx.acknowledge()
            scroll = 0
            return .none
        }
        if !errors.isEmpty { showErrors(app) }
        if case .none = action {} else if errors.isEmpty { dropKept(app) }
        if case .push(let next as FormScreen) = action, next.editContext == nil { next.editContext = editContext }
        return action
    }

    // MARK: drawing

    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let x = area.x + 2
        let w = max(10, min(area.width - 4, 76))
        var page = PageWriter(width: w)
        if let b = banner { page.paragraph(b.0, style: b.1); page.gap() }
        for part in intro.components(separatedBy: "\n") { page.paragraph(part, style: .muted) }
        page.gap()
        var focusTop = 0, focusBottom = 0
        var cursorAt: (Int, Int)?
        for (i, f) in fields.enumerated() {
            let top = page.lines.count
            let focused = i == focus
            let isText = texts[f.id] != nil
            page.line(DisplayWidth.truncate((focused && isText ? "▸ " : "  ") + f.label, to: w), style: focused ? .title : .normal)
            if let h = f.hint { page.paragraph(h, style: .muted, indent: 2) }
            if let e = errors[f.id] { page.paragraph("! " + e, style: .danger, indent: 2) }
            switch f.kind {
            case .choice(let options):
                let cur = cursor[f.id] ?? choices[f.id] ?? 0
                for (j, o) in options.enumerated() {
                    page.option("\(j + 1). \(choices[f.id] == j ? "(•)" : "( )") \(o)", focused: focused && j == cur, indent: 2)
                }
            case .checks(let options):
                let cur = cursor[f.id] ?? 0
                for (j, o) in options.enumerated() {
                    page.option("\(checked(f.id).contains(j) ? "[x]" : "[ ]") \(o)", focused: focused && j == cur, indent: 2)
                }
            case .line:
                var t = texts[f.id]!
                let fieldTop = page.lines.count
                if let c = page.textField(&t, rows: 1, width: min(w - 2, 60), indent: 2, focused: focused), focused { cursorAt = (c.0, fieldTop + c.1) }
                texts[f.id] = t
            case .secret:
                let t = texts[f.id]!
                var shown = TextField(String(repeating: "•", count: t.chars.count), multiline: false, limit: t.limit)
                let fieldTop = page.lines.count
                if let c = page.textField(&shown, rows: 1, width: min(w - 2, 40), indent: 2, focused: focused), focused { cursorAt = (c.0, fieldTop + c.1) }
            case .area(let rows):
                var t = texts[f.id]!
                let fieldTop = page.lines.count
                if let c = page.textField(&t, rows: rows, width: w - 2, indent: 2, focused: focused), focused { cursorAt = (c.0, fieldTop + c.1) }
                texts[f.id] = t
            }
            if focused { focusTop = top; focusBottom = page.lines.count }
            page.gap()
        }
        let buttonTop = page.lines.count
        page.button(submitLabel, focused: focus == fields.count)
        if focus == fields.count { focusTop = buttonTop; focusBottom = page.lines.count }
        let visible = area.height
        if focusBottom - scroll > visible { scroll = focusBottom - visible }
        if focusTop < scroll { scroll = focusTop }
        if focus == 0 { scroll = 0 }
        scroll = max(0, min(scroll, max(0, page.lines.count - visible)))
        page.draw(into: &g, x: x, y: area.y, height: visible, scroll: scroll)
        if let (cx, cy) = cursorAt, cy - scroll >= 0, cy - scroll < visible { g.cursor = (x + cx, area.y + cy - scroll) }
        if page.lines.count - scroll > visible {
            let more = " " + S.moreBelow + " "
            g.put(more, x: max(area.x, area.maxX - DisplayWidth.of(more)), y: area.maxY - 1, style: .warning)
        }
    }
}

/// Saves under the optimistic-concurrency check of the edit a screen began (issue #7).
enum ConflictCheck {
    /// Runs a save with the optimistic-concurrency check of `context` (none when nil).
    static func run<T>(_ context: EditContext?, _ body: () throws -> T) rethrows -> T {
        guard let c = context else { return try body() }
        return try KingaStore.$editContext.withValue(c) { try body() }
    }
}
