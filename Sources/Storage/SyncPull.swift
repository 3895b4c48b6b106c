import Foundation
import GRDB
import Model

/// What one pull brought to this kiosk (issue #18), for the Sync screen and `kinga sync`.
public struct PullSummary: Equatable, Sendable {
    /// Changes from the server in this pull (this kiosk's own included, as the server applied them).
    public var received = 0
    /// Rows of this kiosk that changed because of them (new cases, notes and referrals from other kiosks, edits).
    public var changedHere = 0
    /// Columns left as this kiosk has them because a change made here still waits to go up (it goes next; the
    /// server merges it or sends it to a supervisor).
    public var keptWaiting = 0
    /// Changes about rows this kiosk does not hold (a later edit of a case outside its catchment, another kiosk's
    /// user, a record of a case it does not have): the server keeps them; nothing is lost.
    public var notHeldHere = 0
    /// Conflicts the server opened for a supervisor, and conflicts a supervisor resolved.
    public var conflictsOpened = 0
    public var conflictsResolved = 0
    /// Changes this kiosk's database refused (a constraint of this version's schema): skipped, so they never block
    /// the changes after them; the server keeps them, the audit entry of the pull names them, and `sync_unapplied`
    /// keeps each whole for a later version to apply.
    public var notApplied = 0

    /// Cases another kiosk changed, for the timeline (`EventFact.Kind.changedElsewhere`), in the order pulled.
    var notes: [PulledNote] = []
    /// People added or changed here (a name, roles, switched off): their key slots follow once the pull is in.
    var users: Set<UUID> = []
    /// Cases this pull brought or renamed (or moved to another village): compared with every case held here for
    /// possible duplicates across kiosks (`noteDistrictDuplicates`).
    var compare: Set<UUID> = []

    /// Everything zero.
    public init() {}

    /// Adds another pull's figures to these.
    public mutating func add(_ o: PullSummary) {
        received += o.received; changedHere += o.changedHere; keptWaiting += o.keptWaiting
        notHeldHere += o.notHeldHere; conflictsOpened += o.conflictsOpened; conflictsResolved += o.conflictsResolved
        notApplied += o.notApplied
    }
}

/// A case another kiosk changed, as the timeline says it.
struct PulledNote: Equatable, Sendable {
    var caseID: UUID
    var kiosk: KioskCode
    var actor: String
    var fields: [String]
}

extension KingaStore {
    /// Keys in `meta` for the pull side of the district link.
    enum PullKeys {
        /// The last server sequence number this kiosk has applied (0: none).
        static let pulledThrough = "district.pulled_through"
        /// When the last pull was applied (ISO 8601, UTC).
        static let lastPullAt = "district.last_pull_at"
    }

    /// The table of each kind of mutable row.
    static let tableOfEntity: [SyncEntity: String] = [.caseRecord: "case_record", .referral: "referral", .provider: "service_provider", .user: "app_user"]

    /// How many cases of one other kiosk a kiosk can hold per year apart from its own (the other kiosk's serials up
    /// to 99,999: a kiosk records a few hundred cases a year). Its cases are numbered here `slot × 100,000 + serial`
    /// inside the local search index, which keys a case by year and serial (`SearchIndex.docidYear`).
    static let slotWidth = 100_000

    /// The next pull to ask for: the changes after the last server number this kiosk applied, in a page of at most
    /// `SyncLimits.pageBytes` (so a slow link answers it in time).
    /// - Throws: `DistrictJoinError.notLinked`; database errors.
    public func preparePull(limit: Int = SyncLimits.maxChangesPerPull) throws -> PullRequest {
        guard let link = try districtLink() else { throw DistrictJoinError.notLinked }
        return PullRequest(kioskCode: link.kioskCode, after: try pulledThrough(), limit: limit, maxBytes: SyncLimits.pageBytes, lightEcho: true)
    }

    /// The last server sequence number this kiosk has applied (0 before its first pull).
    /// - Throws: database errors.
    public func pulledThrough() throws -> Int {
        try pool.read { db in Int(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [PullKeys.pulledThrough]) ?? "0") ?? 0 }
    }

    /// How many conflicts the server sent that wait for a supervisor (the home screen says so).
    /// - Throws: database errors.
    public func openSyncConflicts() throws -> Int { try syncStanding().conflicts }

    /// Applies a pull reply through the door, with the district server as actor, in one transaction (issue #18):
    /// all of it or nothing, then the pull cursor moves and the acknowledged changes the pull brought back are
    /// forgotten (`KioskOutbox.pulled(through:)`).
    ///
    /// The rules are the Model's (`KioskPull`): a column with a change of this kiosk still waiting is never
    /// overwritten; each device keeps its own bookkeeping columns; a new case, referral or provider from another
    /// kiosk is added (another kiosk's pre-enrolment case number gets that kiosk's code, `CaseNumber.districtKey`);
    /// a timeline entry of a case held here is added; another kiosk's audit rows stay on the server (each kiosk
    /// keeps its own chain). A person from the district is added with no PIN on this kiosk (PINs never travel:
    /// a PIN's Argon2id hash opens a key slot, issue #17), so they cannot log in here until an administrator of this
    /// kiosk sets one with them (`setPIN`); a person switched off elsewhere is switched off here too and loses their
    /// key slot; a name already used here by someone else gets the other kiosk's code ("Amina (K03)"). An open
    /// conflict shows the more protective value (`KioskPull.shown`) until a supervisor resolves it. Rows changed here get `version` + 1, so a screen that holds the case notices (issue #7).
    /// Audited as `sync.pull`, naming who asked, when it brought anything; that audit row goes up with the next push.
    /// - Parameters: the reply and the request it answers (checked with `SyncValidation.validate` first).
    /// - Returns: what changed here.
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in; `DistrictJoinError.notLinked`;
    ///   `SyncRefusal` when the server refused or the reply is out of order (nothing applied); database errors.
    @discardableResult
    public func takePull(_ reply: PullReply, for request: PullRequest) throws -> PullSummary {
        let me = try sessionUser("sync.pull")
        guard let link = try districtLink() else { throw DistrictJoinError.notLinked }
        if let refusal = reply.refusal ?? SyncValidation.validate(reply, for: request) { throw refusal }
        let now = ISO8601.format(clock.now)
        let summary = try door(.district) { db -> PullSummary in
            // Another sync (the command line beside the screen's background one) applied this reply already.
            guard Int(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [PullKeys.pulledThrough]) ?? "0") == request.after else {
                return PullSummary()
            }
            var summary = PullSummary()
            var refused: [String] = []
            for change in reply.changes {
                summary.received += 1
                // This kiosk's own change is back: from here on it no longer shields its columns from other kiosks'
                // later changes (the pull is in the server's order).
                if change.kiosk == link.kioskCode {
                    try db.execute(sql: "UPDATE outbox SET pulled_back = 1 WHERE kiosk_seq = ?", arguments: [change.kioskSeq])
                }
                // Each change in a savepoint of its own: one this database refuses is skipped whole (its partial
                // effects undone) and named in the audit entry, never a poison that blocks every later pull.
                var attempt = summary
                do {
                    try db.inSavepoint {
                        try Self.applyPulled(db, change, me: link.kioskCode, now: now, summary: &attempt)
                        return .commit
                    }
                    summary = attempt
                } catch let e as DatabaseError {
                    summary.notApplied += 1
                    refused.append("server \(change.serverSeq) (\(change.kiosk.rawValue) \(change.kioskSeq)): \(e.resultCode)")
                    // Kept whole for a later version to apply.
                    try db.execute(sql: "INSERT OR REPLACE INTO sync_unapplied(server_seq, change_json, reason) VALUES (?, ?, ?)",
                                   arguments: [change.serverSeq, try Self.encode(change), "\(e.resultCode): \(e.message ?? "")"])
                }
            }
            try Self.noteDistrictDuplicates(db, cases: summary.compare, me: link.kioskCode, today: clock.today, now: now)
            // The timeline of each case another kiosk changed says so, in words, by the district link (never in the
            // outbox: every kiosk writes its own line).
            for note in summary.notes {
                try insertEvent(db, caseID: note.caseID, at: clock.now,
                                fact: EventFact(.changedElsewhere, ["kiosk": note.kiosk.rawValue, "who": note.actor, "fields": note.fields.joined(separator: ",")]),
                                author: Self.linkActor, intake: true)
            }
            let through = reply.more ? (reply.changes.last?.serverSeq ?? request.after)
                                     : max(request.after, reply.serverSeq, reply.changes.last?.serverSeq ?? 0)
            for (key, value) in [(PullKeys.pulledThrough, String(through)), (PullKeys.lastPullAt, now)] {
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               arguments: [key, value])
            }
            try Self.forgetAcknowledged(db, through: through)
            // A pull that brought nothing changed nothing: no audit entry (a kiosk syncing every few minutes in the
            // background would otherwise fill its chain, and its pushes, with its own bookkeeping).
            guard summary.received > 0 else { return summary }
            try audit(db, actor: Self.linkActor, action: "sync.pull",
                      detail: "asked by \(me.name); \(summary.received) changes through server \(through), \(summary.changedHere) changed here, "
                        + "\(summary.keptWaiting) kept for changes waiting here, \(summary.notHeldHere) not held here, "
                        + "\(summary.conflictsOpened) conflicts opened, \(summary.conflictsResolved) resolved"
                        + (refused.isEmpty ? "" : "; not applied here: " + refused.prefix(20).joined(separator: ", ")))
            return summary
        }
        // The login screen's list and the key slots follow the people the pull changed (a slot of someone switched
        // off elsewhere goes; a new name or role shows). Outside the transaction: the database is the record.
        for id in summary.users.sorted(by: { $0.uuidString < $1.uuidString }) { refreshSlot(for: id) }
        return summary
    }

    /// Applies one pulled change inside the pull's transaction.
    private static func applyPulled(_ db: Database, _ change: ServerChange, me: KioskCode, now: String, summary: inout PullSummary) throws {
        if let patch = change.patch { try applyPatch(db, echoed(db, patch, change, me: me), change, me: me, now: now, summary: &summary) }
        if let record = change.record { try applyRecord(db, record, now: now, summary: &summary) }
        for conflict in change.opened {
            guard let entity = conflict.entity, let table = tableOfEntity[entity] else { continue }
            try db.execute(sql: """
                INSERT INTO sync_conflict(conflict_key, tbl, row_id, field, status, opened_seq, conflict_json) VALUES (?, ?, ?, ?, 'open', ?, ?)
                ON CONFLICT(conflict_key) DO NOTHING
                """, arguments: [conflict.id.description, table, conflict.rowID.uuidString, conflict.field, change.serverSeq, try encode(conflict)])
            summary.conflictsOpened += 1
            try showConflicted(db, entity, conflict.rowID, field: conflict.field, server: conflict.current, after: change, me: me, now: now, summary: &summary)
        }
        // This kiosk's own change, back from the server: a column it changed while a conflict on it waits shows the
        // more protective value again. Someone here chose a value while the conflict waited, which is not a decision
        // (only a supervisor's is): deadlines here must follow the same value as on every other kiosk. When the
        // server found the value the same as its own it sends no field back, so this is not left to `applyPatch`
        // (found by `kinga-reliability --sync`: one kiosk kept its own "medium" while the others showed "high").
        if change.kiosk == me,
           let row = try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE kiosk_seq = ?", arguments: [change.kioskSeq]),
           case .patch(let own)? = OutboxEntry(row: row).body(auditID: { _ in UUID() }), let table = tableOfEntity[own.entity] {
            for field in own.fields.keys.sorted() {
                guard let waiting = try openConflicts(db, table: table, rowID: own.id.uuidString, field: field).first else { continue }
                try showConflicted(db, own.entity, own.id, field: field, server: waiting.current, after: change, me: me, now: now, summary: &summary)
            }
        }
        for id in change.resolved {
            guard let row = try Row.fetchOne(db, sql: "SELECT conflict_json FROM sync_conflict WHERE conflict_key = ? AND status <> 'resolved'",
                                             arguments: [id.description]),
                  let conflict = try? decode(SyncConflict.self, row["conflict_json"]), let entity = conflict.entity else { continue }
            try db.execute(sql: "UPDATE sync_conflict SET status = 'resolved' WHERE conflict_key = ?", arguments: [id.description])
            summary.conflictsResolved += 1
            // The server's value now: the resolution's, or the one the server kept all along.
            let server = change.patch.flatMap { $0.id == conflict.rowID ? $0.fields[conflict.field]?.new : nil } ?? conflict.current
            try showConflicted(db, entity, conflict.rowID, field: conflict.field, server: server, after: change, me: me, now: now, summary: &summary)
        }
    }

    /// A light echo of this kiosk's own patch (`ServerChange.echo(of:)`: no columns, "applied as sent") made whole
    /// again from the outbox: the columns as this kiosk sent them, which the server applied as they were. Applying
    /// them changes nothing here but the waiting conflicts' record of the server's value, which must follow this
    /// kiosk's own change as it follows every other kiosk's (found by `kinga-reliability --sync --long`: a kiosk kept
    /// showing the safer value of a conflict after its own change had made the district's value the other one).
    /// Any other patch is returned as it is.
    private static func echoed(_ db: Database, _ patch: FieldPatch, _ change: ServerChange, me: KioskCode) throws -> FieldPatch {
        guard change.kiosk == me, patch.fields.isEmpty,
              let json = try String.fetchOne(db, sql: "SELECT change_json FROM outbox WHERE kiosk_seq = ?", arguments: [change.kioskSeq]),
              let pushed = try? JSONDecoder().decode(SyncChange.self, from: Data(json.utf8)),
              case .patch(let sent) = pushed.body, sent.entity == patch.entity, sent.id == patch.id
        else { return patch }
        return FieldPatch(entity: patch.entity, id: patch.id, baseVersion: patch.baseVersion, fields: sent.fields)
    }

    /// Applies a pulled field patch to this kiosk's row (see `takePull`).
    private static func applyPatch(_ db: Database, _ patch: FieldPatch, _ change: ServerChange, me: KioskCode, now: String,
                                   summary: inout PullSummary) throws {
        guard let table = tableOfEntity[patch.entity] else { return }
        let id = patch.id.uuidString
        let local = Set(try sharedColumns(db, table))
        let existing = try Row.fetchOne(db, sql: "SELECT * FROM \(table) WHERE id = ?", arguments: [id])
        let pending = try pendingColumns(db, table: table, rowID: id, after: change, me: me)
        summary.keptWaiting += pending.intersection(patch.fields.keys).count
        var values = KioskPull.columns(of: patch, pending: pending, rowExists: existing != nil).filter { local.contains($0.key) }
        // A case assigned to someone who has no account on this kiosk (users come with key slots, issue #17) shows
        // here as not assigned; the server keeps who it is.
        if case .string(let user)? = values["assigned_to"],
           try Int.fetchOne(db, sql: "SELECT 1 FROM app_user WHERE id = ?", arguments: [user]) == nil { values["assigned_to"] = .null }
        // A column a supervisor has yet to decide shows the more protective value; the server's value is kept with the conflict.
        for (f, v) in values {
            let open = try openConflicts(db, table: table, rowID: id, field: f)
            guard !open.isEmpty else { continue }
            for var c in open {
                c.current = v
                try db.execute(sql: "UPDATE sync_conflict SET conflict_json = ? WHERE conflict_key = ?", arguments: [try encode(c), c.id.description])
            }
            values[f] = KioskPull.shown(patch.entity, field: f, server: v, conflicts: open)
        }
        if let existing {
            let changed = values.filter { existing[$0.key] as DatabaseValue != $0.value.databaseValue }
            if !changed.isEmpty {
                try update(db, table: table, id: id, changed, now: now)
                summary.changedHere += 1
                if patch.entity == .user { summary.users.insert(patch.id) }
                if table == "case_record", change.kiosk != me {
                    summary.notes.append(PulledNote(caseID: patch.id, kiosk: change.kiosk, actor: change.actor, fields: changed.keys.sorted()))
                    if changed["child_name"] != nil || changed["village"] != nil || changed["date_of_birth"] != nil { summary.compare.insert(patch.id) }
                }
            }
        } else if KioskPull.creates(patch), try insert(db, table: table, values, from: change.kiosk, me: me) {
            summary.changedHere += 1
            if patch.entity == .user { summary.users.insert(patch.id) }
            if table == "case_record" { summary.compare.insert(patch.id) }
        } else {
            summary.notHeldHere += 1
            return
        }
        try db.execute(sql: """
            INSERT INTO sync_shadow(tbl, row_id, version) VALUES (?, ?, ?)
            ON CONFLICT(tbl, row_id) DO UPDATE SET version = max(version, excluded.version)
            """, arguments: [table, id, patch.baseVersion < Int.max ? patch.baseVersion + 1 : patch.baseVersion])
    }

    /// Sets a column that has (or had) a conflict to what it shows now: the more protective value while conflicts
    /// on it wait, the server's once none does. Never over a change of this kiosk still waiting.
    private static func showConflicted(_ db: Database, _ entity: SyncEntity, _ rowID: UUID, field: String, server: SyncValue,
                                       after change: ServerChange, me: KioskCode, now: String, summary: inout PullSummary) throws {
        guard let table = tableOfEntity[entity], try sharedColumns(db, table).contains(field),
              let existing = try Row.fetchOne(db, sql: "SELECT * FROM \(table) WHERE id = ?", arguments: [rowID.uuidString]),
              !(try pendingColumns(db, table: table, rowID: rowID.uuidString, after: change, me: me).contains(field)) else { return }
        let shown = KioskPull.shown(entity, field: field, server: server, conflicts: try openConflicts(db, table: table, rowID: rowID.uuidString, field: field))
        if existing[field] as DatabaseValue != shown.databaseValue {
            try update(db, table: table, id: rowID.uuidString, [field: shown], now: now)
            summary.changedHere += 1
        }
    }

    /// Updates columns of an existing row and its local bookkeeping (`KioskPull.bookkeeping`).
    private static func update(_ db: Database, table: String, id: String, _ values: [String: SyncValue], now: String) throws {
        let columns = values.keys.sorted()
        var sets = columns.map { "\($0) = ?" }
        var args: [DatabaseValueConvertible?] = columns.map { values[$0]!.databaseValue }
        let have = Set(try db.columns(in: table).map(\.name))
        if have.contains("version") { sets.append("version = version + 1") }
        if have.contains("updated_at") { sets.append("updated_at = ?"); args.append(now) }
        if have.contains("last_activity_at") { sets.append("last_activity_at = max(last_activity_at, ?)"); args.append(now) }
        args.append(id)
        try db.execute(sql: "UPDATE \(table) SET \(sets.joined(separator: ", ")) WHERE id = ?", arguments: StatementArguments(args))
        if table == "case_record", values["child_name"] != nil || values["village"] != nil { try refreshSearchKeys(db, id) }
    }

    /// Inserts a row another kiosk created. A case gets this kiosk's local numbering for that kiosk (`slotWidth`)
    /// and, when its number predates enrolment, the creating kiosk's code in its number. Returns false, having
    /// changed nothing, when the row cannot stand here (a referral of a case not held here, a number out of range).
    private static func insert(_ db: Database, table: String, _ incoming: [String: SyncValue], from kiosk: KioskCode, me: KioskCode) throws -> Bool {
        var values = incoming
        if table == "case_record" {
            guard case .string(let text)? = values["case_number"], let number = CaseNumber(text),
                  case .int(let serial)? = values["number_serial"] else { return false }
            if kiosk != me {
                guard serial < slotWidth else { return false }
                values["case_number"] = .string(number.districtKey(origin: kiosk).description)
                values["number_serial"] = .int(try slot(db, for: kiosk) * slotWidth + serial)
            }
        }
        if table == "app_user" {
            // No PIN on this kiosk (`noPINHere`) until an administrator here sets one with the person.
            values["pin_hash"] = .string(noPINHere)
            if case .string(let name)? = values["name"], let id = values["id"]?.stringValue,
               try Int.fetchOne(db, sql: "SELECT 1 FROM app_user WHERE name = ? AND id <> ?", arguments: [name, id]) != nil {
                values["name"] = .string("\(name) (\(kiosk.rawValue))")
            }
        }
        for (column, parent) in [("case_id", "case_record"), ("provider_id", "service_provider")] {
            if case .string(let ref)? = values[column],
               try Int.fetchOne(db, sql: "SELECT 1 FROM \(parent) WHERE id = ?", arguments: [ref]) == nil { return false }
        }
        guard try insertRow(db, table: table, values) else { return false }
        if table == "case_record", let id = values["id"]?.stringValue {
            try refreshSearchKeys(db, id)
            let report = (try? decode(Report.self, values["report_json"]?.stringValue ?? "")) ?? Report()
            for (i, c) in report.concerns.enumerated() {
                try db.execute(sql: "INSERT OR IGNORE INTO case_concern(case_id, concern, position) VALUES (?, ?, ?)", arguments: [id, c, i])
            }
        }
        return true
    }

    /// Inserts one row in a savepoint of its own; false, having changed nothing, when SQLite refuses it (a
    /// constraint: a column this kiosk requires is missing, a number already taken).
    private static func insertRow(_ db: Database, table: String, _ values: [String: SyncValue]) throws -> Bool {
        let columns = values.keys.sorted()
        do {
            try db.inSavepoint {
                try db.execute(sql: "INSERT INTO \(table)(\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
                               arguments: StatementArguments(columns.map { values[$0]!.databaseValue }))
                return .commit
            }
            return true
        } catch let e as DatabaseError where e.resultCode == .SQLITE_CONSTRAINT {
            return false
        }
    }

    /// The search keys of a case, worked out again from its name and village (they never travel).
    private static func refreshSearchKeys(_ db: Database, _ id: String) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT child_name, village FROM case_record WHERE id = ?", arguments: [id]) else { return }
        try db.execute(sql: "UPDATE case_record SET name_key = ?, village_key = ? WHERE id = ?",
                       arguments: [DuplicateRule.key(row["child_name"]), DuplicateRule.key(row["village"]), id])
    }

    /// The local number of another kiosk (1, 2, 3… in the order this kiosk first held one of its cases).
    private static func slot(_ db: Database, for kiosk: KioskCode) throws -> Int {
        if let s = try Int.fetchOne(db, sql: "SELECT slot FROM district_kiosk_slot WHERE code = ?", arguments: [kiosk.rawValue]) { return s }
        let next = (try Int.fetchOne(db, sql: "SELECT max(slot) FROM district_kiosk_slot") ?? 0) + 1
        try db.execute(sql: "INSERT INTO district_kiosk_slot(code, slot) VALUES (?, ?)", arguments: [kiosk.rawValue, next])
        return next
    }

    /// Adds a pulled record: a timeline entry of a case held here (the case's version goes up, so a screen holding
    /// it notices). Audit rows of other kiosks stay on the server.
    private static func applyRecord(_ db: Database, _ record: SyncRecord, now: String, summary: inout PullSummary) throws {
        guard record.kind == .timelineEntry, let caseID = record.caseID?.uuidString else { return }
        guard try Int.fetchOne(db, sql: "SELECT 1 FROM case_record WHERE id = ?", arguments: [caseID]) != nil else {
            summary.notHeldHere += 1
            return
        }
        guard try Int.fetchOne(db, sql: "SELECT 1 FROM case_event WHERE id = ?", arguments: [record.id.uuidString]) == nil else { return }
        let local = Set(try sharedColumns(db, "case_event"))
        var values = record.payload.filter { local.contains($0.key) }
        values["id"] = .string(record.id.uuidString)
        values["case_id"] = .string(caseID)
        guard try insertRow(db, table: "case_event", values) else {
            summary.notHeldHere += 1
            return
        }
        let at = values["created_at"]?.stringValue ?? now
        try db.execute(sql: "UPDATE case_record SET version = version + 1, last_activity_at = max(last_activity_at, ?) WHERE id = ?",
                       arguments: [at, caseID])
        summary.changedHere += 1
    }

    /// The columns of a row with changes of this kiosk that the pulled `change` must not overwrite: the changes the
    /// server applied after it, or has not yet. For this kiosk's own change coming back, those numbered after it or
    /// not yet numbered; for another kiosk's, those whose own change has not come back in the pull yet (the pull is
    /// in the server's order, so a change of this kiosk applied before it would already have come back; an
    /// acknowledgement's number cannot tell, since a resent push is acknowledged at the server's latest number).
    private static func pendingColumns(_ db: Database, table: String, rowID: String, after change: ServerChange, me: KioskCode) throws -> Set<String> {
        let rows = change.kiosk == me
            ? try Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE tbl = ? AND row_id = ? AND (kiosk_seq IS NULL OR kiosk_seq > ?)",
                               arguments: [table, rowID, change.kioskSeq])
            : try Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE tbl = ? AND row_id = ? AND pulled_back = 0", arguments: [table, rowID])
        var out: Set<String> = []
        for r in rows {
            if case .patch(let p)? = OutboxEntry(row: r).body(auditID: { _ in UUID() }) { out.formUnion(p.fields.keys) }
        }
        return out
    }

    /// The open conflicts on one column of one row.
    private static func openConflicts(_ db: Database, table: String, rowID: String, field: String) throws -> [SyncConflict] {
        try String.fetchAll(db, sql: "SELECT conflict_json FROM sync_conflict WHERE tbl = ? AND row_id = ? AND field = ? AND status <> 'resolved'",
                            arguments: [table, rowID, field]).compactMap { try? decode(SyncConflict.self, $0) }
    }
}

extension SyncValue {
    /// The value as SQLite stores it: booleans as 0 and 1, a list as its JSON text.
    var databaseValue: DatabaseValue {
        switch self {
        case .null: return .null
        case .bool(let b): return (b ? 1 : 0).databaseValue
        case .int(let i): return i.databaseValue
        case .string(let s): return s.databaseValue
        case .list: return (try? JSONEncoder().encode(self)).map { String(decoding: $0, as: UTF8.self) }.databaseValue
        }
    }
}
