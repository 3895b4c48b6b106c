import Foundation
import I18n
import Model
import Storage

/// How a supervisor sees and decides a conflict from the district (issue #18, "Conflicts go to people"), in the
/// review queue: a line per conflict, and a question with the two values to choose from.
extension S {
    /// What a column is called on screen ("Risk level"); the column's own name for one without a label.
    static func conflictField(_ column: String) -> String {
        let key = "conflict.field.\(column)"
        let label = tr(key)
        return label == key ? column : label
    }

    /// A value as a person reads it: a risk level or status in words, yes or no, a date as written, "(empty)".
    static func conflictValue(_ column: String, _ value: SyncValue) -> String {
        switch (column, value) {
        case (_, .null): return tr("conflict.empty")
        case ("risk_level", .string(let s)): return RiskLevel(rawValue: s).map(S.risk) ?? s
        case ("status", .string(let s)): return CaseStatus(rawValue: s).map(S.status) ?? s
        case ("urgent", .int(let i)): return i != 0 ? tr("conflict.yes") : tr("conflict.no")
        case ("urgent", .bool(let b)): return b ? tr("conflict.yes") : tr("conflict.no")
        case (_, .string(let s)): return s.replacingOccurrences(of: "\n", with: " ")
        default: return value.description
        }
    }

    /// One line of the queue: the case, the detail, the two values and who wrote the second; or the decision
    /// waiting to go.
    static func conflictLine(_ c: SyncConflictItem) -> String {
        let what = [c.caseNumber, c.childName].compactMap { $0 }.joined(separator: " ")
        let field = conflictField(c.conflict.field)
        if let d = c.decided {
            return tr("conflict.decidedLine", ["case": what, "field": field, "value": conflictValue(c.conflict.field, d)])
        }
        return tr("conflict.line", ["case": what, "field": field, "server": conflictValue(c.conflict.field, c.conflict.current),
                                    "other": conflictValue(c.conflict.field, c.conflict.incoming), "who": c.conflict.actor])
    }

    /// The question that decides a conflict: keep the district's value, take the other, or not now. Deciding goes
    /// with the next sync; `done` runs after a decision (the queue reads itself again).
    static func decideConflict(_ c: SyncConflictItem, done: @escaping (App) -> Void) -> DialogScreen {
        let f = c.conflict.field
        let server = conflictValue(f, c.conflict.current), other = conflictValue(f, c.conflict.incoming)
        func choose(_ value: SyncValue) -> (App) -> Action {
            { app in
                guard app.session != nil else { return .pop }
                do {
                    try app.store.decideSyncConflict(c.id, value: value)
                    app.flash = (tr("conflict.decided"), .success)
                } catch { app.flash = (S.cycleError(error), .danger) }
                done(app)
                return .pop
            }
        }
        let what = [c.caseNumber, c.childName].compactMap { $0 }.joined(separator: " ")
        return DialogScreen(title: tr("conflict.title"), question: tr("conflict.question", [
            "case": what, "field": conflictField(f), "server": server, "other": other, "who": c.conflict.actor,
        ]), choices: [
            (tr("conflict.keep", ["value": server]), choose(c.conflict.current)),
            (tr("conflict.take", ["value": other]), choose(c.conflict.incoming)),
            (tr("conflict.notNow"), { _ in .pop }),
        ], selected: 2)
    }
}

/// How a supervisor sees and decides a possible duplicate across kiosks (issue #19, "the same child reported at two
/// kiosks"), in the review queue: a line per pair, and a question with both cases side by side.
extension S {
    /// One case of a pair in a few words: number, name, village, and the kiosk that made it.
    static func duplicateCase(_ c: CaseSummary) -> String {
        tr("districtDuplicate.case", ["case": c.number.description, "name": c.childName.isEmpty ? S.unnamed : c.childName,
                                      "village": c.village, "kiosk": c.number.kiosk?.rawValue ?? "—"])
    }

    /// One line of the queue: both cases.
    static func districtDuplicateLine(_ d: DistrictDuplicate) -> String {
        tr("districtDuplicate.line", ["older": "\(d.older.number) \(d.older.childName)", "newer": "\(d.newer.number) \(d.newer.childName)"])
    }

    /// The question that decides a pair: the same child (the newer report joins the older case), different
    /// children, or not now. `done` runs after a decision (the queue reads itself again).
    static func decideDistrictDuplicate(_ d: DistrictDuplicate, done: @escaping (App) -> Void) -> DialogScreen {
        func decide(_ same: Bool) -> (App) -> Action {
            { app in
                guard app.session != nil else { return .pop }
                do {
                    try app.store.decideDistrictDuplicate(d, sameChild: same)
                    app.flash = (same ? tr("districtDuplicate.joined", ["newer": d.newer.number.description, "older": d.older.number.description])
                                      : tr("districtDuplicate.kept"), .success)
                } catch { app.flash = (S.cycleError(error), .danger) }
                done(app)
                return .pop
            }
        }
        return DialogScreen(title: tr("districtDuplicate.title"), question: tr("districtDuplicate.question", [
            "older": duplicateCase(d.older), "newer": duplicateCase(d.newer),
        ]), choices: [
            (tr("districtDuplicate.same", ["newer": d.newer.number.description, "older": d.older.number.description]), decide(true)),
            (tr("districtDuplicate.different"), decide(false)),
            (tr("conflict.notNow"), { _ in .pop }),
        ], selected: 2)
    }
}
