import Foundation
import GRDB
import Model

/// A conflict the district server sent about a row this kiosk holds, as a supervisor's queue shows it (issue #18,
/// "Conflicts go to people").
public struct SyncConflictItem: Equatable, Sendable, Identifiable {
    /// `K07:42:risk_level`: names the conflict the same way on every device.
    public var id: String
    /// The conflict as the server opened it: the column, the server's value (`current`), the other kiosk's value
    /// (`incoming`), who wrote that (`actor`), and whether it is a value conflict or a status change to review.
    public var conflict: SyncConflict
    /// The case it is about (for a case or one of its referrals), with its number and the child's name; nil for
    /// the directory or a user.
    public var caseID: UUID?
    public var caseNumber: String?
    public var childName: String?
    /// The value a supervisor chose on this kiosk, waiting to go with the next sync; nil while undecided.
    public var decided: SyncValue?
}

extension KingaStore {
    /// The name in `outbox.tbl` of a supervisor's decision waiting to go up (not a table: the outbox carries it
    /// as `SyncBody.resolution`).
    static let resolutionOutbox = "sync_resolution"

    /// The conflicts waiting on this kiosk, oldest first: undecided ones, then those decided here and not yet synced.
    /// - Throws: `StoreError.accessDenied` (audited) unless the session's user may review work (a supervisor).
    public func syncConflicts() throws -> [SyncConflictItem] {
        let me = try sessionUser("sync.conflicts")
        guard me.can(.reviewQueue, demo: isDemo) else {
            try auditAlone(actor: me.name, action: "access.denied", detail: "sync.conflicts")
            throw StoreError.accessDenied
        }
        return try pool.read { db in
            guard try db.tableExists("sync_conflict") else { return [] }
            return try Row.fetchAll(db, sql: """
                SELECT s.conflict_key, s.tbl, s.row_id, s.conflict_json, s.decided_json, s.status,
                       c.id AS case_id, c.case_number, c.child_name
                FROM sync_conflict s
                LEFT JOIN referral r ON s.tbl = 'referral' AND r.id = s.row_id
                LEFT JOIN case_record c ON c.id = CASE s.tbl WHEN 'case_record' THEN s.row_id WHEN 'referral' THEN r.case_id END
                WHERE s.status <> 'resolved' ORDER BY s.status = 'decided', s.opened_seq, s.conflict_key
                """).compactMap { r -> SyncConflictItem? in
                guard let conflict = try? Self.decode(SyncConflict.self, r["conflict_json"]) else { return nil }
                let decided = (r["decided_json"] as String?).flatMap { try? JSONDecoder().decode(SyncValue.self, from: Data($0.utf8)) }
                return SyncConflictItem(id: r["conflict_key"], conflict: conflict, caseID: (r["case_id"] as String?).flatMap(UUID.init(uuidString:)),
                                        caseNumber: r["case_number"], childName: r["child_name"], decided: decided)
            }
        }
    }

    /// A supervisor decides a conflict: `value` becomes the column's value everywhere once it syncs. The decision
    /// waits in the outbox as a resolution (`SyncBody.resolution`) and goes with the next sync; the server applies
    /// it (a second, different decision elsewhere becomes a new conflict: `SyncMerge.resolve`) and every kiosk,
    /// this one included, gets the value through its pull. Until then the row keeps showing the safer value.
    /// Audited as `sync.decided`.
    /// - Parameters:
    ///   - id: the conflict (`SyncConflictItem.id`).
    ///   - value: one of the two values (the server's `current` or the other kiosk's `incoming`).
    ///   - note: why, in the supervisor's words (may be empty).
    /// - Throws: `StoreError.accessDenied` (audited) unless a supervisor is logged in; `StoreError.notFound` when
    ///   no undecided conflict has this id; `CycleError.required("value")` for a value that is neither side's.
    public func decideSyncConflict(_ id: String, value: SyncValue, note: String = "") throws {
        let me = try sessionUser("sync.decide")
        guard me.can(.reviewQueue, demo: isDemo) else {
            try auditAlone(actor: me.name, action: "access.denied", detail: "sync.decide \(id)")
            throw StoreError.accessDenied
        }
        let why = TextSafety.clean(note, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
        try door { db in
            guard let json = try String.fetchOne(db, sql: "SELECT conflict_json FROM sync_conflict WHERE conflict_key = ? AND status = 'open'", arguments: [id]),
                  let conflict = try? Self.decode(SyncConflict.self, json) else { throw StoreError.notFound }
            guard value == conflict.current || value == conflict.incoming else { throw CycleError.required("value") }
            let decision: [String: SyncValue] = [
                "kiosk": .string(conflict.id.kiosk.rawValue), "kiosk_seq": .int(conflict.id.kioskSeq), "field": .string(conflict.id.field),
                "value": value, "note": .string(why),
            ]
            try db.execute(sql: "INSERT INTO outbox(at, tbl, row_id, op, new_json, actor) VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, ?, 'insert', ?, ?)",
                           arguments: [Self.resolutionOutbox, id, try Self.encode(decision), me.name])
            try db.execute(sql: "UPDATE sync_conflict SET status = 'decided', decided_json = ? WHERE conflict_key = ?",
                           arguments: [try Self.encode(value), id])
            try audit(db, actor: me.name, action: "sync.decided", detail: "\(id): \(value)" + (why.isEmpty ? "" : " (\(why))"))
        }
    }
}

extension OutboxEntry {
    /// A supervisor's decision waiting in the outbox (`KingaStore.decideSyncConflict`) in the wire format; nil for
    /// any other entry or one that cannot be read.
    var resolution: ConflictResolution? {
        guard table == KingaStore.resolutionOutbox, let d = new, case .string(let k)? = d["kiosk"], let kiosk = KioskCode(k),
              case .int(let seq)? = d["kiosk_seq"], case .string(let field)? = d["field"], let value = d["value"] else { return nil }
        return ConflictResolution(conflict: ConflictID(kiosk: kiosk, kioskSeq: seq, field: field), value: value, note: d["note"]?.stringValue ?? "")
    }
}
