import Foundation
import GRDB
import Model

/// Who makes a change that passes the door (`KingaStore.door`).
///
/// Issue #16: every change has one actor, and it is never a string a caller makes up. A person's change is
/// the session's (`KingaStore.actor`, begun by a right PIN); the other two cases are Kinga itself, named by
/// what it is doing, so the audit log never shows a person who did not act.
enum Author: Sendable {
    /// The person logged in. Refused (`StoreError.accessDenied`, audited) when nobody is.
    case session
    /// Kinga with nobody logged in: PIN checks, the first user, a child's report, a refusal, a command-line
    /// tool's record. `name` is what the audit log shows (for example "child-friendly report").
    case kiosk(String)
    /// The database's own upkeep: seeding the demo, the synthetic archive of the benchmark, marking the
    /// demo. Refused while a person is logged in, so no screen can write through it.
    case maintenance
    /// Changes that came down from the district server (issue #18), applied by the district link: their rows
    /// never go back into the outbox (the server has them), but the audit entry that records the pull does, so
    /// the kiosk's audit chain reaches the server whole.
    case district
    /// The person logged in keeping what they are typing (a draft report, a half-written form). As `.session`, but
    /// still allowed once their account was deactivated, so nothing typed is lost while their screen locks; it
    /// never reaches a case (saving one is a `.session` change, refused by then).
    case typing
}

/// Whether the door is open on this store's writer connection: set only inside `KingaStore.door`, read by
/// the SQL function `kinga_door()` that the guard triggers call.
final class DoorLatch: @unchecked Sendable {
    private let lock = NSLock()
    private var depth = 0
    private var upkeep = false
    private var pulled = false
    private var actor = ""
    var isOpen: Bool { lock.withLock { depth > 0 } }
    /// True while a change made by a person or by Kinga for them (not upkeep, not pulled from the district)
    /// passes: what the outbox keeps.
    var isShared: Bool { lock.withLock { depth > 0 && !upkeep && !pulled } }
    /// True while a change whose audit rows the outbox keeps passes: a shared change, or a pull from the district
    /// (its rows stay home, its audit entry travels so the chain has no gap).
    var auditIsShared: Bool { lock.withLock { depth > 0 && !upkeep } }
    /// Who makes the change passing now (a person's name, or what Kinga is doing): the outbox's `actor`.
    var actorName: String { lock.withLock { actor } }
    func open(upkeep: Bool = false, pulled: Bool = false, actor: String = "") {
        lock.withLock {
            depth += 1
            self.upkeep = upkeep
            self.pulled = pulled
            if depth == 1 { self.actor = actor }
        }
    }
    func close() { lock.withLock { depth -= 1; if depth == 0 { upkeep = false; pulled = false; actor = "" } } }
}

extension KingaStore {
    /// The tables the door guards: a row of any of them changed by a statement that did not come through
    /// `door` is refused by SQLite itself ("kinga: a change outside the door").
    static let guardedTables = ["case_record", "case_concern", "case_event", "case_counter", "referral", "service_provider",
                                "app_user", "audit_log", "draft", "unfinished_form", "meta", "outbox", "sync_shadow", "sync_conflict",
                                "district_kiosk_slot", "sync_unapplied"]

    /// The message SQLite gives for a change that did not come through the door.
    static let outsideTheDoor = "kinga: a change outside the door"

    /// Installs the guard on this store's writer connection: a SQL function `kinga_door()` that is 1 only
    /// while `door` runs, and a TEMP trigger before every INSERT, UPDATE and DELETE of every guarded table that
    /// aborts the statement when it is 0. TEMP triggers live in the connection, not in the file: they bind
    /// every statement this Kinga runs, whichever Swift code runs it, and cost one function call per row.
    /// Called by the opener after migrating (the tables must exist) and again after the demo is reset.
    /// - Throws: database errors.
    func installDoorGuard() throws {
        let latch = doorLatch
        try pool.writeWithoutTransaction { db in
            db.add(function: DatabaseFunction("kinga_door", argumentCount: 0, pure: false) { _ in latch.isOpen ? 1 : 0 })
            db.add(function: DatabaseFunction("kinga_shared", argumentCount: 0, pure: false) { _ in latch.isShared ? 1 : 0 })
            db.add(function: DatabaseFunction("kinga_audit_shared", argumentCount: 0, pure: false) { _ in latch.auditIsShared ? 1 : 0 })
            db.add(function: DatabaseFunction("kinga_actor", argumentCount: 0, pure: false) { _ in latch.actorName })
            for table in Self.guardedTables where try db.tableExists(table) {
                for op in ["INSERT", "UPDATE", "DELETE"] {
                    try db.execute(sql: """
                        CREATE TEMP TRIGGER IF NOT EXISTS door_\(table)_\(op.lowercased()) BEFORE \(op) ON main.\(table)
                        WHEN kinga_door() = 0 BEGIN SELECT RAISE(ABORT, '\(Self.outsideTheDoor)'); END
                        """)
                }
            }
            try Self.installOutboxTriggers(db)
        }
    }

    /// The one door every change goes through (issue #16): the actor is checked, the change runs in one
    /// write transaction with the guard open, and a refusal rolls the whole change back.
    ///
    /// - `author`: who makes the change (see `Author`); `.session` by default.
    /// - When the screen bound an `EditContext` (optimistic concurrency, issue #7), the change goes ahead only
    ///   if the case is still at the version the user saw, checked inside the same transaction.
    /// - A `Denied` thrown by `body` (a permission the actor lacks) rolls the change back, is then written to
    ///   the audit log on its own, and reaches the caller as `StoreError.accessDenied`.
    ///
    /// This is where the district link's outbox attaches (issue #18): the change and its outbox entry commit
    /// together.
    /// - Throws: `StoreError.accessDenied` (audited) when `.session` is asked and nobody is logged in, or
    ///   `.maintenance` while someone is; `StoreError.changedElsewhere`; whatever `body` throws.
    ///
    @discardableResult
    func door<T>(_ author: Author = .session, _ body: (Database) throws -> T) throws -> T {
        switch author {
        case .session, .typing:
            guard actor != nil else {
                try refuse(Denied(actor: "nobody logged in", caseID: nil, what: "change without a session"))
            }
        case .maintenance:
            if let a = actor { try refuse(Denied(actor: a.name, caseID: nil, what: "maintenance during a session")) }
        case .kiosk, .district:
            break
        }
        let latch = doorLatch
        do {
            return try pool.write { db in
                switch author {
                case .maintenance: latch.open(upkeep: true)
                case .session, .typing: latch.open(actor: actor?.name ?? "")
                case .kiosk(let name): latch.open(actor: name)
                case .district: latch.open(pulled: true, actor: Self.linkActor)
                }
                defer { latch.close() }
                // An account deactivated since its session began (by an administrator in another session on this
                // kiosk, or at another kiosk through the district link) changes nothing more.
                if case .session = author, let a = actor, !(try Self.isActive(db, a.id)) {
                    throw Denied(actor: a.name, caseID: nil, what: "change by a deactivated account")
                }
                if let ctx = Self.editContext { try Self.requireVersion(db, ctx) }
                return try body(db)
            }
        } catch let d as Denied {
            try refuse(d)
        }
    }

    /// True when the account `id` exists and is active, read inside a transaction.
    static func isActive(_ db: Database, _ id: UUID) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT active FROM app_user WHERE id = ?", arguments: [id.uuidString]) ?? false
    }

    /// True while the account of this handle's session exists and is active; false once an administrator (here,
    /// in another session, or at another kiosk through the district link) deactivated it. Without a session, true.
    /// The screens ask it when something was committed, and lock (`App.watchStore`).
    /// - Throws: database errors.
    public func sessionAccountIsActive() throws -> Bool {
        guard let a = actor else { return true }
        return try pool.read { db in try Self.isActive(db, a.id) }
    }

    /// Upkeep for the other targets of this package (the synthetic archive of the benchmark): `body` runs
    /// through the door as `.maintenance`, which is refused (audited) while anyone is logged in, and its rows
    /// never reach the outbox. The only way into the door from outside Storage; no screen can use it during a
    /// session.
    /// - Throws: `StoreError.accessDenied` during a session; whatever `body` throws.
    @discardableResult
    package func upkeep<T>(_ body: (Database) throws -> T) throws -> T {
        try door(.maintenance, body)
    }

    /// A read-only look at rows Storage has no public query for, for upkeep in the other targets of this
    /// package (the synthetic archive). Refused (audited) while anyone is logged in, like `.systemMaintenance`:
    /// a screen's reads go through the `Viewer`-checked API.
    /// - Throws: `StoreError.accessDenied` during a session; database errors.
    package func upkeepRead<T>(_ body: (Database) throws -> T) throws -> T {
        _ = try reader(.systemMaintenance)
        return try pool.read(body)
    }

    /// Writes a refusal to the audit log on its own transaction and throws `StoreError.accessDenied`.
    private func refuse(_ d: Denied) throws -> Never {
        try auditAlone(actor: d.actor, action: "access.denied", caseID: d.caseID, detail: d.what)
        throw StoreError.accessDenied
    }

    /// Optimistic concurrency (issue #7): throws `StoreError.changedElsewhere`, with the other changes in
    /// `ctx.conflict`, when the case is no longer at the version the user saw.
    private static func requireVersion(_ db: Database, _ ctx: EditContext) throws {
        let current = try Int.fetchOne(db, sql: "SELECT version FROM case_record WHERE id = ?", arguments: [ctx.caseID.uuidString]) ?? ctx.version
        guard current != ctx.version else { return }
        let rows = try Row.fetchAll(db, sql: """
            SELECT rowid, author, created_at, kind, summary, body, fact, fact_args FROM case_event WHERE case_id = ? AND rowid > ?
            ORDER BY rowid
            """, arguments: [ctx.caseID.uuidString, ctx.lastEventRowID])
        let changes = rows.compactMap { row -> CaseChange? in
            guard let at = ISO8601.parse(row["created_at"]) else { return nil }
            return CaseChange(author: row["author"], at: at, kind: EventKind(rawValue: row["kind"] ?? "") ?? .other,
                              summary: row["summary"], body: row["body"], fact: EventFact(stored: row["fact"], args: row["fact_args"]))
        }
        ctx.found(changes, version: current, lastEventRowID: rows.last?["rowid"] ?? ctx.lastEventRowID)
        throw StoreError.changedElsewhere
    }
}
