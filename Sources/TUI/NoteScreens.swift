import Foundation
import I18n
import Model
import Storage

/// One timeline entry, whole, scrollable.
final class EventScreen: Screen {
    var helpKey: String { "help.event" }
    let event: CaseEvent
    let caseNumber: String
    private var scroll = 0
    init(event: CaseEvent, caseNumber: String) {
        self.event = event
        self.caseNumber = caseNumber
    }
    var title: String { "\(S.caseTitle) \(caseNumber)" }
    func hints(_ app: App) -> [(String, String)] { [("↑↓", S.kMove), ("Esc", S.kBack)] }
    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let x = area.x + 2, w = area.width - 4
        var y = area.y
        g.put(DisplayWidth.truncate("\(S.eventKind(event.kind)) · \(S.dateTime(event.occurredAt, app.clock.timeZone)) · \(S.author(event.author))", to: w),
              x: x, y: y, style: .title, clip: area)
        y += 2
        let lines = DisplayWidth.wrap(event.body(in: S.words(app.profile)), width: w)
        let visible = area.maxY - y
        scroll = max(0, min(scroll, max(0, lines.count - visible)))
        for line in lines.dropFirst(scroll).prefix(visible) {
            g.put(line, x: x, y: y, clip: Rect(x: x, y: y, width: w, height: 1))
            y += 1
        }
    }
    func handle(_ key: Key, _ app: App) -> Action { ReadOnlyPage.handle(key, scroll: &scroll) }
}

/// Adds a free-text note to a case timeline. F2 or Ctrl-S saves; Esc asks before throwing text away.
final class NoteScreen: Screen {
    var helpKey: String { "help.note" }
    let caseID: UUID
    private(set) var field = TextField("", multiline: true, limit: TextLimits.narrative)
    private var error: String?
    /// See `FormScreen.editContext`.
    var editContext: EditContext?
    /// What someone else changed meanwhile, shown above the note until it is saved.
    private var conflict: String?
    /// Set when the case changed elsewhere while the note was being written: a calm line above the note.
    private(set) var changedElsewhere = false
    init(caseID: UUID) { self.caseID = caseID }

    /// The case changed elsewhere while this note is written: the note stays as typed, a calm line says so, and
    /// saving shows the other changes first (the version check of `editContext`).
    func dataChanged(_ cases: Set<UUID>, _ app: App) {
        guard cases.isEmpty || cases.contains(caseID) else { return }
        changedElsewhere = ChangeNotice.movedSince(editContext, app) || changedElsewhere
    }
    var title: String { S.noteTitle }
    var editingText: Bool { true }
    private var restoreChecked = false

    /// Once: a note this person was writing about this case when Kinga stopped, locked or lost its terminal.
    func appear(_ app: App) {
        guard !restoreChecked else { return }
        restoreChecked = true
        guard field.text.isEmpty, let kept = try? app.store.unfinished(place: "note", caseID: caseID),
              let text = kept.values["text"], !text.isEmpty else { return }
        field.set(text)
        app.flash = (S.unfinishedBack(S.dateTime(kept.savedAt, app.clock.timeZone)), .success)
    }

    /// Keeps the note being written on disk (issue #14: a dropped connection must not lose it).
    func saveUnfinished(_ app: App) {
        if field.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return }
        try? app.store.keepUnfinished(place: "note", caseID: caseID, values: ["text": field.text])
    }
    func hints(_ app: App) -> [(String, String)] { [("F2", S.kSave), ("Ctrl-S", S.kSave), ("Esc", S.kBack), ("F1", S.kHelp)] }
    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let x = area.x + 2, w = area.width - 4
        var y = Draw.paragraph(&g, S.noteHint, x: x, y: area.y + 1, width: w, maxY: area.maxY, style: .muted) + 1
        if let c = conflict { y = Draw.paragraph(&g, c, x: x, y: y, width: w, maxY: area.maxY, style: .warning) + 1 }
        else if changedElsewhere { y = Draw.paragraph(&g, tr("caseChangedWhileTyping"), x: x, y: y, width: w, maxY: area.maxY, style: .warning) + 1 }
        if let e = error { y = Draw.paragraph(&g, "! " + e, x: x, y: y, width: w, maxY: area.maxY, style: .danger) }
        let r = Rect(x: x, y: y, width: w, height: max(1, area.maxY - y - 1))
        if let c = field.render(into: &g, r, focused: true) { g.cursor = c }
    }
    func handlePaste(_ text: String, _ app: App) -> Action {
        field.insert(text)
        return .none
    }
    func handle(_ key: Key, _ app: App) -> Action {
        switch key {
        case .function(2), .ctrl("s"):
            let text = field.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { error = S.noteEmpty; return .none }
            do {
                _ = try ConflictCheck.run(editContext) { try app.store.addNote(caseID: caseID, text: field.text) }
                try? app.store.dropUnfinished(place: "note", caseID: caseID)
                app.flash = (S.noteSaved, .success)
                return .pop
            } catch StoreError.changedElsewhere {
                conflict = editContext?.conflict.map { S.conflict($0, app.clock.timeZone) }
                editContext?.acknowledge()
                error = nil
                return .none
            } catch {
                self.error = S.cycleError(error)
                return .none
            }
        case .escape:
            if field.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return .pop }
            let caseID = self.caseID
            return .push(DialogScreen(title: S.noteTitle, question: S.noteDiscard, choices: [
                (S.discardYes, { app in try? app.store.dropUnfinished(place: "note", caseID: caseID); return .popMany(2) }),
                (S.discardNo, { _ in .pop }),
            ], selected: 1))
        case .up: _ = field.moveLine(-1, width: 76)
        case .down: _ = field.moveLine(+1, width: 76)
        default:
            error = nil
            _ = field.handle(key)
        }
        return .none
    }
}
