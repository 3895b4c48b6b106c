import Foundation

/// The district server's state kept in memory and changed by the same rules (`SyncApply.apply`), with a check of
/// every applied patch written independently of `SyncMerge` (issue #19, "zero lost, zero silent overwrites").
///
/// Two uses: the Model's simulation of a district (a server in memory), and the 1,000-kiosk simulation of
/// `kinga-bench simulate`, which replays the real server's `change_log` in its order through this and then
/// compares what it holds with the server's tables. No I/O.
public struct SyncReplay: Sendable {
    /// Current rows by id (entity, id pairs never share an id: ids are random UUIDs).
    public private(set) var rows: [UUID: SyncRow]
    /// Append-only records by id.
    public private(set) var records: [UUID: SyncRecord] = [:]
    /// Every conflict ever opened.
    public private(set) var conflicts: [ConflictID: SyncConflict] = [:]
    /// The conflicts still waiting for a supervisor.
    public private(set) var open: Set<ConflictID> = []
    /// How many changes were applied.
    public private(set) var applied = 0

    /// A replay starting from `rows` (for example as a migration from one kiosk left them).
    public init(rows: [UUID: SyncRow] = [:]) {
        self.rows = rows
    }

    /// Applies `change` from `kiosk` as the server would, and checks the outcome.
    /// - Returns: the effect (`SyncApply.Effect`) and the problems the check found, in plain words; each problem is
    ///   a change's value lost, a same-column disagreement that opened no conflict, a status change applied without
    ///   review though it raced another kiosk's change, or a record neither kept nor held as a conflict.
    public mutating func apply(_ change: SyncChange, from kiosk: KioskCode) -> (effect: SyncApply.Effect, problems: [String]) {
        applied += 1
        var context = SyncApply.Context()
        switch change.body {
        case .patch(let p): context.row = rows[p.id] ?? .empty
        case .record(let r): context.storedRecord = records[r.id]
        case .resolution(let r):
            context.conflict = conflicts[r.conflict]
            context.conflictIsOpen = open.contains(r.conflict)
            context.row = context.conflict.flatMap { rows[$0.rowID] } ?? .empty
        }
        let effect = SyncApply.apply(change, from: kiosk, context: context)
        var problems: [String] = []
        let origin = "\(kiosk):\(change.kioskSeq)"
        switch change.body {
        case .patch(let p): problems = Self.check(p, before: context.row, effect: effect, from: kiosk, origin: origin)
        case .record(let r):
            let kept = effect.insert == r || records[r.id] == r || effect.opened.contains { $0.incomingRecord == r }
            if !kept { problems.append("\(origin): record \(r.id) lost") }
        case .resolution: break
        }
        if let row = effect.row, let id = effect.rowID { rows[id] = row }
        if let r = effect.insert { records[r.id] = r }
        for c in effect.opened {
            conflicts[c.id] = c
            open.insert(c.id)
        }
        open.subtract(effect.resolved)
        return (effect, problems)
    }

    /// The check, computed without `SyncMerge`: for every column the patch changed, the new value is applied, or
    /// was already the server's, or is kept in a conflict; a server value that is neither the patch's old nor its
    /// new value must have opened a conflict; a column that needs review (`SyncMerge.reviewFields`) applied as sent
    /// must not have been changed by another kiosk since the patch's base version.
    static func check(_ p: FieldPatch, before: SyncRow, effect: SyncApply.Effect, from kiosk: KioskCode, origin: String) -> [String] {
        var problems: [String] = []
        for (f, change) in p.fields where change.old != change.new {
            let current = before[f]
            let conflict = effect.opened.first { $0.field == f }
            if current != change.old && current != change.new && conflict == nil {
                problems.append("\(origin) \(f): base \(change.old), server \(current), incoming \(change.new) and no conflict")
            }
            let appliedHere = effect.patch?.fields[f]?.new == change.new
            let agreed = current == change.new
            let kept = conflict?.incoming == change.new
            if !(appliedHere || agreed || kept) { problems.append("\(origin) \(f): \(change.new) lost") }
            if appliedHere && SyncMerge.reviewFields(p.entity).contains(f) {
                let raced = before.changedAt.contains { g, v in v > p.baseVersion && before.changedBy[g] != kiosk }
                if raced { problems.append("\(origin): a status change raced another change and was applied without review") }
            }
        }
        return problems
    }
}
