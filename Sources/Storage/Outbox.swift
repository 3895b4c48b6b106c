import Foundation
import GRDB
import Model

/// One change kept for the district server (issue #18): a row of a shared table as it was before and after,
/// written by SQLite in the same transaction as the change itself.
public struct OutboxEntry: Hashable, Sendable {
    /// The outbox's own number: 1, 2, 3… in the order the changes were made on this kiosk.
    public var seq: Int64
    /// When (UTC, ISO 8601, this kiosk's clock: shown, never used to order anything).
    public var at: String
    /// The table (`case_record`, `case_event`, `referral`, `service_provider`, `app_user`, `audit_log`).
    public var table: String
    /// The row's key (a UUID's text; the sequence number for an audit row).
    public var rowID: String
    /// `insert`, `update` or `delete`.
    public var op: String
    /// The row before (nil for an insert) and after (nil for a delete), column → value.
    public var old: [String: SyncValue]?
    public var new: [String: SyncValue]?
    /// The server version of the row when the change was made (nil: the kiosk had never pulled the row).
    public var baseVersion: Int? = nil
}

extension KingaStore {
    /// The tables whose changes go to the district server, and the kind of thing each row is on the wire.
    /// Concerns (`case_concern`) are not listed: they are written once with the case and are in its report.
    static let sharedTables: [String: SyncEntityOrRecord] = [
        "case_record": .entity(.caseRecord), "referral": .entity(.referral), "service_provider": .entity(.provider),
        "app_user": .entity(.user), "case_event": .record(.timelineEntry), "audit_log": .record(.auditRow),
    ]

    /// Columns that stay on the kiosk and are never copied into the outbox: a user's PIN hash (it would let
    /// anyone who sees the traffic or the server try every PIN — issue #17), their failed PIN attempts and
    /// lock-out (this kiosk's business), and the search keys (worked out again from the name and village).
    static let localColumns: Set<String> = ["pin_hash", "failed_attempts", "locked_until", "name_key", "village_key"]

    /// The setting that switches the outbox on: set when the kiosk joins a district (issue #18). Until then
    /// nothing is copied, so a kiosk that is not linked keeps no second copy of its records.
    static let districtLinkSetting = "setting.district_link"

    /// What a shared table's rows are on the wire.
    enum SyncEntityOrRecord: Hashable, Sendable {
        case entity(SyncEntity)
        case record(SyncRecordKind)
    }

    /// TEMP triggers after every INSERT, UPDATE and DELETE of a shared table that copy the row's before and
    /// after images into `outbox`, while a change that is not upkeep passes the door (`kinga_shared()`).
    /// Together with the door's guard this means a change cannot reach the database without its outbox
    /// entry, in the same transaction. The column lists are read from the schema when installed.
    static func installOutboxTriggers(_ db: Database) throws {
        guard try db.tableExists("outbox"),
              try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [districtLinkSetting]) == "on" else { return }
        let hasBase = try db.columns(in: "outbox").contains { $0.name == "base_version" }
        for table in sharedTables.keys.sorted() where try db.tableExists(table) {
            let columns = try sharedColumns(db, table)
            func image(_ row: String) -> String { imageSQL(columns, row: row) }
            let key = table == "audit_log" ? "seq" : "id"
            // The audit chain travels whole: an audit row is kept also while a pull from the district passes.
            let when = table == "audit_log" ? "kinga_audit_shared() = 1" : "kinga_shared() = 1"
            for (op, old, new, keyRow) in [("insert", "NULL", image("NEW"), "NEW"), ("update", image("OLD"), image("NEW"), "NEW"),
                                           ("delete", image("OLD"), "NULL", "OLD")] {
                // An update that changed only kiosk-only columns (a login clearing its failure counter) keeps nothing.
                let changed = op == "update" ? " AND \(old) IS NOT \(new)" : ""
                // The server version of the row as last pulled (`sync_shadow`), read when the change is made: the
                // patch's base version, which tells the server which other kiosks' changes this one had seen.
                let base = hasBase ? ", base_version" : ""
                let baseValue = hasBase ? ", (SELECT version FROM main.sync_shadow WHERE tbl = '\(table)' AND row_id = \(keyRow).\(key))" : ""
                try db.execute(sql: """
                    CREATE TEMP TRIGGER IF NOT EXISTS outbox_\(table)_\(op) AFTER \(op.uppercased()) ON main.\(table)
                    WHEN \(when)\(changed) BEGIN
                        INSERT INTO main.outbox(at, tbl, row_id, op, old_json, new_json, actor\(base))
                        VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), '\(table)', \(keyRow).\(key), '\(op)', \(old), \(new), kinga_actor()\(baseValue));
                    END
                    """)
            }
        }
    }

    /// The columns of a shared table that travel (all but `localColumns`), as the schema has them now.
    static func sharedColumns(_ db: Database, _ table: String) throws -> [String] {
        try db.columns(in: table).map(\.name).filter { !localColumns.contains($0) }
    }

    /// SQL for a row's image as a JSON object (`json_object('id', NEW.id, …)`); `row` is `NEW`, `OLD` or a
    /// table name.
    static func imageSQL(_ columns: [String], row: String) -> String {
        "json_object(" + columns.map { "'\($0)', \(row).\($0)" }.joined(separator: ", ") + ")"
    }

    /// Copies every row the kiosk already holds into the outbox as an insert, when it joins a district: the
    /// server gets the cases, referrals, directory, users and the whole audit chain recorded before enrolment,
    /// so nothing made offline before joining is left behind. In an order the server can apply (a case before its
    /// referrals and timeline), inside the joining transaction.
    /// - Parameter actor: who joined the kiosk (the outbox's `actor` of these rows).
    static func queueEverythingForTheDistrict(_ db: Database, actor: String) throws {
        for table in ["service_provider", "app_user", "case_record", "referral", "case_event", "audit_log"] where try db.tableExists(table) {
            let key = table == "audit_log" ? "seq" : "id"
            let order = table == "audit_log" ? "seq" : "rowid"
            try db.execute(sql: """
                INSERT INTO outbox(at, tbl, row_id, op, old_json, new_json, actor)
                SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), '\(table)', \(key), 'insert', NULL, \(imageSQL(try sharedColumns(db, table), row: table)), ?
                FROM \(table) ORDER BY \(order)
                """, arguments: [actor])
        }
    }

    /// Switches the outbox on (the kiosk has joined a district): from the next change on, every change a person
    /// makes is kept for the server. Called by enrolment (issue #18), and by tests.
    /// - Throws: database errors.
    func switchOutboxOn() throws {
        try door(.kiosk("district link")) { db in
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, 'on') ON CONFLICT(key) DO UPDATE SET value = 'on'",
                           arguments: [Self.districtLinkSetting])
            try audit(db, actor: "district link", action: "sync.outbox_on")
        }
        try installDoorGuard()
    }

    /// The outbox's rows, oldest first, at most `limit` after `seq`: changes not yet numbered for a push,
    /// numbered and waiting, and acknowledged ones kept until the kiosk pulls them back (`SyncPush.swift`).
    /// - Throws: database errors.
    public func outbox(after seq: Int64 = 0, limit: Int = 500) throws -> [OutboxEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [seq, limit]).map(OutboxEntry.init(row:))
        }
    }

    /// How many rows the outbox holds (waiting or acknowledged; `syncStanding` tells them apart).
    public func outboxCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox") ?? 0 }
    }

    /// Forgets the changes the district server acknowledged at or before server sequence number `serverSeq`
    /// (`KioskOutbox.pulled(through:)`: once the kiosk has pulled through that number, the server's copy shows
    /// them). Changes not yet acknowledged are never forgotten. As Kinga's district link, audited.
    /// - Throws: database errors.
    public func forgetAcknowledged(pulledThrough serverSeq: Int) throws {
        try door(.kiosk("district link")) { db in
            try Self.forgetAcknowledged(db, through: serverSeq)
            try audit(db, actor: "district link", action: "sync.acknowledged", detail: "pulled through server \(serverSeq)")
        }
    }

    /// The rows of `forgetAcknowledged(pulledThrough:)`, inside a transaction the caller holds (a pull's).
    static func forgetAcknowledged(_ db: Database, through serverSeq: Int) throws {
        try db.execute(sql: "DELETE FROM outbox WHERE acked_server_seq IS NOT NULL AND acked_server_seq <= ?", arguments: [serverSeq])
    }

    /// A row image from its JSON (column → scalar; SQLite writes booleans as 0 and 1). Nil when unreadable.
    static func image(_ json: String) -> [String: SyncValue]? {
        try? JSONDecoder().decode([String: SyncValue].self, from: Data(json.utf8))
    }
}

extension OutboxEntry {
    /// An entry as the `outbox` table holds it.
    init(row r: Row) {
        self.init(seq: r["seq"], at: r["at"], table: r["tbl"], rowID: r["row_id"], op: r["op"],
                  old: (r["old_json"] as String?).flatMap(KingaStore.image), new: (r["new_json"] as String?).flatMap(KingaStore.image),
                  baseVersion: r.hasColumn("base_version") ? r["base_version"] : nil)
    }

    /// This change in the district link's wire format (`SyncBody`, Sources/Model/Sync): a field patch with the
    /// values each column started from for a case, referral, provider or user (an insert starts from nothing,
    /// base version 0; an update from the server version the kiosk had pulled when the change was made, 0 when
    /// it never pulled the row, which the server reads as "saw no other kiosk's change": the safe side); a record for a timeline entry or an audit row. Kiosk-only columns are left out. Nil
    /// for a table that is not shared, a row whose key is not a UUID (audit rows are keyed by `auditID`), or an
    /// update that changed only kiosk-only columns.
    /// - Parameter auditID: the UUID that names this kiosk's audit row `seq` everywhere (the caller derives it
    ///   from the kiosk's device id and the sequence number).
    public func body(auditID: (Int64) -> UUID) -> SyncBody? {
        if let decision = resolution { return .resolution(decision) }
        guard let kind = KingaStore.sharedTables[table] else { return nil }
        switch kind {
        case .record(let record):
            guard op == "insert", let payload = new else { return nil }
            let id = record == .auditRow ? Int64(rowID).map(auditID) : UUID(uuidString: rowID)
            guard let id else { return nil }
            let caseID = payload["case_id"].flatMap { if case .string(let s) = $0 { return UUID(uuidString: s) } else { return nil } }
            return .record(SyncRecord(kind: record, id: id, caseID: caseID, payload: payload))
        case .entity(let entity):
            guard let id = UUID(uuidString: rowID) else { return nil }
            let before = old ?? [:], after = new ?? [:]
            var fields: [String: FieldChange] = [:]
            for column in Set(before.keys).union(after.keys) where !KingaStore.localColumns.contains(column) {
                // An update sends what a person changed; each device keeps its own bookkeeping (`KioskPull.bookkeeping`).
                if op != "insert" && KioskPull.bookkeeping.contains(column) { continue }
                let o = before[column] ?? .null, n = after[column] ?? .null
                if o != n || op == "insert" { fields[column] = FieldChange(old: op == "insert" ? .null : o, new: n) }
            }
            guard !fields.isEmpty else { return nil }
            return .patch(FieldPatch(entity: entity, id: id, baseVersion: op == "insert" ? 0 : (baseVersion ?? 0), fields: fields))
        }
    }
}
