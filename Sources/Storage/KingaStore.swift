import Foundation
import GRDB
import Model
import Vault

/// Errors Storage reports in words a screen can turn into a kind message.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The user's role does not allow this (the attempt is in the audit log).
    case accessDenied
    /// The case was changed by someone else since it was read (optimistic concurrency).
    case changedElsewhere
    /// No such case or draft.
    case notFound
    /// The report is not complete; the screen should have stopped this earlier.
    case invalidReport([ReportField])
    /// The database file could not be opened (path and the underlying reason).
    case cannotOpen(path: String, reason: String)
    /// A backup (path) is not a sound Kinga database: it fails SQLite's check or is something else.
    case backupDamaged(String)
    /// The database (path) failed SQLite's check when opened: Kinga did not open it, so nothing was written.
    case damaged(String)
    /// This unfinished report was already saved as the case with this number (in another session, or on
    /// another terminal of the same person): it is never written or saved again (issue #14: a "ghost draft"
    /// that became a second case).
    case draftSavedAsCase(CaseNumber)
    /// Another session wrote a newer version of this unfinished report since this one read it.
    case draftContinuedElsewhere

    public var description: String {
        switch self {
        case .accessDenied: return "This case is not assigned to you. Ask your supervisor if you need to work on it."
        case .changedElsewhere: return "Someone else changed this case while you were working on it. Their change is shown at the top; your answers are still here."
        case .notFound: return "That record could not be found."
        case .invalidReport(let f): return "The report is missing: \(f.map(\.rawValue).joined(separator: ", "))."
        case .cannotOpen(let path, let reason): return "Kinga could not open its database at \(path): \(reason)"
        case .damaged(let path): return "The database at \(path) is damaged. Kinga has not opened it, so nothing more can be lost. Go back to the newest backup (kinga check lists them; kinga restore FILE --yes), and keep the damaged file for a technician."
        case .backupDamaged(let path): return "\(path) is not a sound Kinga backup (it is damaged, or it is another kind of file). Choose another backup."
        case .draftSavedAsCase(let n): return "This report was already saved as \(n) in another session, so it is not saved again. Add anything missing to \(n) as a note."
        case .draftContinuedElsewhere: return "This unfinished report was continued in another session since you opened it."
        }
    }
}

/// What went wrong with the database itself, for a kind message (the exact SQLite error goes to no screen).
public enum DatabaseProblem: String, Sendable {
    /// Another session held the database longer than the busy timeout.
    case busy
    /// The disk (or the file system holding the database) is full.
    case full
    /// The file or its folder may not be written.
    case readOnly
    /// SQLite found damage.
    case damaged
    /// Reading or writing the file failed (a disk error, a removed USB stick).
    case io
}

extension KingaStore {
    /// The kind of database trouble behind `error`, or nil when it is not a database error.
    public static func problem(in error: Error) -> DatabaseProblem? {
        guard let e = error as? DatabaseError else { return nil }
        switch e.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .busy
        case .SQLITE_FULL: return .full
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH: return .readOnly
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return .damaged
        default: return .io
        }
    }
}

/// One change someone else made to a case while the user was editing it.
public struct CaseChange: Hashable, Sendable {
    public let author: String
    /// When it was saved (UTC).
    public let at: Date
    public let kind: EventKind
    /// The English words stored with the entry (see `CaseEvent.summary`); show them through `fact`.
    public let summary: String
    public let body: String
    /// What the change records, as data (nil: shown with its stored words).
    public let fact: EventFact?
}

/// A case as the user saw it when they started an edit: its version then, and when (optimistic concurrency,
/// issue #7). Bind it with `KingaStore.$editContext.withValue(ctx) { … }` around a save: when someone else
/// changed the case in between, the save is refused with `StoreError.changedElsewhere` and `conflict` lists
/// their changes. The screen shows them beside the user's own answers; `acknowledge()` then lets the next
/// save go ahead. Nothing is ever overwritten silently.
public final class EditContext: @unchecked Sendable {
    public let caseID: UUID
    /// The case's version when the edit began (or when the user last acknowledged other changes).
    public private(set) var version: Int
    /// The newest timeline entry the user has seen (SQLite rowid, so clocks do not matter).
    public private(set) var lastEventRowID: Int64
    /// The changes found by the last refused save (nil when the last save went ahead or none was tried).
    public private(set) var conflict: [CaseChange]?
    private var latest: (version: Int, rowID: Int64)?

    init(caseID: UUID, version: Int, lastEventRowID: Int64) {
        self.caseID = caseID
        self.version = version
        self.lastEventRowID = lastEventRowID
    }

    func found(_ changes: [CaseChange], version current: Int, lastEventRowID row: Int64) {
        conflict = changes
        latest = (current, row)
    }

    /// The user has seen the other changes: the next save goes ahead on top of them (and is refused again
    /// if yet another change comes in first).
    public func acknowledge() {
        if let l = latest { version = l.version; lastEventRowID = l.rowID }
        conflict = nil
        latest = nil
    }
}

extension KingaStore {
    /// Starts an edit of a case: remembers its version and newest timeline entry now.
    /// - Throws: `StoreError.notFound`.
    public func beginEdit(caseID: UUID) throws -> EditContext {
        try pool.read { db in
            guard let v = try Int.fetchOne(db, sql: "SELECT version FROM case_record WHERE id = ?", arguments: [caseID.uuidString]) else {
                throw StoreError.notFound
            }
            let row = try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM case_event WHERE case_id = ?", arguments: [caseID.uuidString]) ?? 0
            return EditContext(caseID: caseID, version: v, lastEventRowID: row)
        }
    }
}

/// A position in the case list for keyset pagination: the sort key of one row (newest activity first,
/// ties broken by case number, so the order is the same on every kiosk and every run).
public struct CaseCursor: Hashable, Sendable {
    public var lastActivityAt: Date
    public var number: CaseNumber
    public init(lastActivityAt: Date, number: CaseNumber) {
        self.lastActivityAt = lastActivityAt
        self.number = number
    }
    public init(_ s: CaseSummary) { self.init(lastActivityAt: s.lastActivityAt, number: s.number) }
    var arguments: StatementArguments { [ISO8601.format(lastActivityAt), number.year, number.serial] }
}

/// Where Kinga's cases live: one SQLite database through GRDB (`DatabasePool`, WAL).
///
/// Every change and its timeline entries commit in one transaction. `synchronous=FULL` is set on the writer
/// so a saved report survives power loss (GRDB sets NORMAL for WAL; Kinga re-asserts FULL after opening).
/// A busy timeout lets two kiosk sessions on one database wait for each other instead of failing.
public final class KingaStore: @unchecked Sendable {
    /// The GRDB pool. Internal so screens cannot run SQL.
    let pool: DatabasePool
    /// The database file path.
    public let path: String
    /// The id of this database's device, stamped on every record it creates.
    public let deviceID: UUID
    /// Source of "now" for timestamps.
    public let clock: Clock
    /// The audit chain's HMAC key (from `auditKeyPath`, never stored in the database).
    let auditKey: [UInt8]
    /// Open only while `door` runs: the guard triggers refuse any other change (see `installDoorGuard`).
    let doorLatch = DoorLatch()
    /// The database key, in locked memory while Kinga runs (issue #17); nil for a plaintext file. Backups are
    /// written under it.
    let key: DatabaseKey?
    /// Where the audit key lives: beside the database, `<name>.audit-key`.
    public let auditKeyPath: String

    /// The edit being saved in this task, when the screen asked for a version check (see `EditContext`).
    @TaskLocal public static var editContext: EditContext?

    /// True for the demo database (trainers may work only there).
    public var isDemo = false

    /// The person logged in on this kiosk session: begun by `beginSession(userID:)` (after the PIN), ended by
    /// `endSession()` at lock and logout. Every change to a case is made as this user (the author of its
    /// timeline entry and the actor of its audit entry) and checked against their role here, in Storage, so no
    /// screen can bypass it or write under another name. Nil when nobody is logged in: then no case can be
    /// changed.
    public internal(set) var actor: User?

    /// Refuses a change to a case that `actor` may not make, and any change when nobody is logged in. The
    /// refusal is audited by `write` after the refused transaction has rolled back (an audit entry inside it
    /// would roll back too).
    func requireEdit(_ db: Database, caseID: UUID) throws {
        guard let a = actor else { throw Denied(actor: "nobody logged in", caseID: caseID, what: "case.edit") }
        let assignee = try String.fetchOne(db, sql: "SELECT assigned_to FROM case_record WHERE id = ?", arguments: [caseID.uuidString])
        if !a.can(.editCase, ownCase: assignee == a.id.uuidString, demo: isDemo) {
            throw Denied(actor: a.name, caseID: caseID, what: "case.edit")
        }
    }

    /// A refusal on its way out of a transaction.
    struct Denied: Error {
        let actor: String
        let caseID: UUID?
        let what: String
    }

    /// The SQL condition limiting cases to what `viewer` may see: a focal point sees cases assigned to them,
    /// supervisors, administrators (headers only) and trainers (demo only) see all; nil = no limit. Public reads
    /// come here through a `Viewer` (see `reader(_:)`), never with a nil they did not ask for.
    func scope(_ viewer: User?, _ alias: String = "c") -> (sql: String, args: StatementArguments) {
        let (sql, values) = scopeValues(viewer, alias)
        return (sql, StatementArguments(values))
    }

    /// `scope` with its arguments as plain values (for queries that also print their SQL).
    func scopeValues(_ viewer: User?, _ alias: String = "c") -> (sql: String, args: SQLArgs) {
        guard let v = viewer else { return ("1=1", []) }
        if v.can(.viewCase, ownCase: false, demo: isDemo) { return ("1=1", []) }
        // Own cases, and the intake queue (cases nobody has taken yet).
        if v.can(.viewCase, ownCase: true, demo: isDemo) { return ("(\(alias).assigned_to = ? OR \(alias).assigned_to IS NULL)", [v.id.uuidString]) }
        return ("0=1", [])
    }

    /// Databases up to this size (bytes) are checked with `PRAGMA quick_check` every time they are opened
    /// (a kiosk's database is a few megabytes; about 9 KB per case).
    public static let checkOnOpenBytes = 256 * 1024 * 1024

    /// How long a writer waits for another session's transaction before giving up, in seconds.
    public static let busyTimeoutSeconds: TimeInterval = 10

    /// Opens (creating when missing) the database at `path` through the one opener (`Opener`), checks it,
    /// migrates it and guards its door.
    /// - Parameters:
    ///   - path: file path; its folder is created when missing.
    ///   - clock: the injectable clock for timestamps.
    ///   - auditKeyPath: where the audit chain's key lives (default `<path>.audit-key`).
    ///   - key: the database key (issue #17): every connection, backup and check is unlocked with it; nil for a
    ///     plaintext file.
    /// - Throws: `StoreError.cannotOpen` with the reason (folder not writable, file not a database, a key that
    ///   does not open it, a Kinga built without encryption, …); `StoreError.damaged`.
    public init(path: String, clock: Clock, auditKeyPath: String? = nil, key: DatabaseKey? = nil) throws {
        self.path = path
        self.clock = clock
        self.key = key
        self.auditKeyPath = auditKeyPath ?? path + ".audit-key"
        let folder = (path as NSString).deletingLastPathComponent
        do {
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            }
            let loaded = try AuditKey.loadOrCreate(at: self.auditKeyPath)
            auditKey = loaded.key
            // A damaged database is never opened for writing (issue #7). The check reads every page, so it
            // runs here only up to `checkOnOpenBytes`; larger archives are checked by the daily backup.
            let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
            // A wrong key is said as such, before the damage check would call the file damaged.
            if let key, size > 0 {
                do { try Opener.queue(path, key: key, readonly: true).close() } catch CipherError.wrongKey {
                    throw StoreError.cannotOpen(path: path, reason: CipherError.wrongKey.description)
                } catch {}
            }
            if size > 0, size <= Self.checkOnOpenBytes, Opener.damageCheck(path, key: key) == .damaged {
                throw StoreError.damaged(path)
            }
            pool = try Opener.pool(path, key: key)
            // Before changing the schema of a database that holds data, keep a copy (issue #7).
            let needsMigration = try pool.read { db in try db.tableExists("case_record") && !Schema.migrator.hasCompletedMigrations(db) }
            if needsMigration { _ = try Self.makeBackup(pool, key: key, dbPath: path, now: clock.now, reason: "before-update") }
            try Schema.migrator.migrate(pool)
            // A new key for a log that already has entries would make every entry look forged: refuse.
            if loaded.created, try pool.read({ db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_log") ?? 0 }) > 0 {
                try? FileManager.default.removeItem(atPath: self.auditKeyPath)
                throw AuditError.missingKey(self.auditKeyPath)
            }
            // GRDB sets synchronous=NORMAL on the WAL writer after prepareDatabase; re-assert FULL.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            deviceID = try pool.read { db in
                guard let s = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'device_id'"),
                      let id = UUID(uuidString: s) else { throw StoreError.notFound }
                return id
            }
            // Children's data: only Kinga's user may read the file.
            chmod(path, 0o600)
            // From here on, a change reaches the case tables only through `door` (issue #16).
            try installDoorGuard()
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.cannotOpen(path: path, reason: Self.plainReason(error))
        }
    }

    /// The writer connection's `PRAGMA synchronous` (2 = FULL). For tests and `kinga check`.
    public func writerSynchronousMode() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    static func plainReason(_ error: Error) -> String {
        if let e = error as? DatabaseError {
            switch e.resultCode {
            case .SQLITE_NOTADB: return "the file is not a Kinga database, or it is damaged."
            case .SQLITE_CANTOPEN: return "the file or its folder cannot be opened. Check that the folder exists and that Kinga's user may write to it (ask your administrator)."
            case .SQLITE_READONLY: return "the file is read-only. Kinga's user must be allowed to write to the database and its folder (ask your administrator)."
            case .SQLITE_FULL: return "the disk is full. Free some space on the computer, then start Kinga again."
            case .SQLITE_CORRUPT: return "the database is damaged."
            case .SQLITE_BUSY, .SQLITE_LOCKED: return "another Kinga session is busy with the database; try again in a moment."
            default: return e.message ?? "\(e.resultCode)"
            }
        }
        return "\(error)"
    }

    // MARK: - Drafts

    /// Saves a draft of a guided report: creates it, or replaces the version this session last read or wrote.
    /// Called after every answer and when Kinga stops or locks.
    ///
    /// Two sessions may hold the same draft (the same person on two terminals, `u` on a second kiosk
    /// session). The version check makes sure neither silently undoes the other, and a draft that has become a
    /// case never comes back (issue #14).
    /// - Parameters:
    ///   - expectedVersion: the draft's version when this session last read or wrote it; 0 for a new draft.
    /// - Returns: the draft as stored (version incremented).
    /// - Throws: `StoreError.draftSavedAsCase(number)` when a case was already saved from this draft;
    ///   `StoreError.draftContinuedElsewhere` when the stored version is not `expectedVersion` (another
    ///   session wrote since); `StoreError.accessDenied` for someone else's draft; database errors. Nothing
    ///   is written when it throws.
    @discardableResult
    public func saveDraft(id: UUID, step: ReportStep, report: Report, expectedVersion: Int) throws -> Draft {
        let now = clock.now
        let json = try Self.encode(report)
        let owner = actor
        return try door { db in
            if let number = try String.fetchOne(db, sql: "SELECT case_number FROM case_record WHERE source_draft_id = ?",
                                                arguments: [id.uuidString]).flatMap({ CaseNumber($0) }) {
                throw StoreError.draftSavedAsCase(number)
            }
            let existing = try Row.fetchOne(db, sql: "SELECT version, created_at, author_id FROM draft WHERE id = ?", arguments: [id.uuidString])
            if let e = existing, let o = owner, let author = e["author_id"] as String?, author != o.id.uuidString {
                throw Denied(actor: o.name, caseID: nil, what: "draft.write")
            }
            let stored = existing?["version"] as Int? ?? 0
            // A draft thrown away in another session (no row, no case) is written again: what this session
            // still holds is the person's own typing, and losing it silently would be worse.
            if existing != nil && stored != expectedVersion { throw StoreError.draftContinuedElsewhere }
            let version = max(stored, expectedVersion) + 1
            let created = existing.flatMap { ISO8601.parse($0["created_at"]) } ?? now
            try db.execute(sql: """
                INSERT INTO draft(id, device_id, version, created_at, updated_at, step, report_json, author_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at,
                    step = excluded.step, report_json = excluded.report_json
                """, arguments: [id.uuidString, deviceID.uuidString, version, ISO8601.format(created),
                                 ISO8601.format(now), step.rawValue, json, owner?.id.uuidString])
            return Draft(id: id, version: version, createdAt: created, updatedAt: now, step: step, report: report)
        }
    }

    /// Unfinished drafts, newest first: the logged-in user's own (all of them for tools, when no one is logged in).
    public func drafts() throws -> [Draft] {
        let owner = actor
        return try pool.read { db in
            if let o = owner {
                return try Row.fetchAll(db, sql: "SELECT * FROM draft WHERE author_id = ? ORDER BY updated_at DESC, id",
                                        arguments: [o.id.uuidString]).compactMap(Self.draft(from:))
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM draft ORDER BY updated_at DESC, id").compactMap(Self.draft(from:))
        }
    }

    /// Throws a draft away (the user chose "Discard"); only its author may.
    public func deleteDraft(id: UUID) throws {
        let owner = actor
        try door { db in
            if let o = owner, let author = try String.fetchOne(db, sql: "SELECT author_id FROM draft WHERE id = ?", arguments: [id.uuidString]),
               author != o.id.uuidString {
                throw Denied(actor: o.name, caseID: nil, what: "draft.delete")
            }
            try db.execute(sql: "DELETE FROM draft WHERE id = ?", arguments: [id.uuidString])
        }
    }

    static func draft(from row: Row) -> Draft? {
        guard let id = UUID(uuidString: row["id"]), let created = ISO8601.parse(row["created_at"]),
              let updated = ISO8601.parse(row["updated_at"]), let step = ReportStep(rawValue: row["step"]),
              let report = try? decode(Report.self, row["report_json"]) else { return nil }
        return Draft(id: id, version: row["version"], createdAt: created, updatedAt: updated, step: step, report: report)
    }

    // MARK: - Cases

    /// Registers a case from a complete guided report, with its first timeline events, and removes the draft,
    /// all in one transaction.
    ///
    /// Saving is idempotent per draft: a second call with the same `draftID` (Enter pressed twice, a retry
    /// after a crash) returns the case already created instead of creating another.
    /// - Parameters:
    ///   - report: the answers; must pass `ReportValidation` for `.review`.
    ///   - draftID: the draft this report was typed into.
    ///   - receivedAt: when the report was received (defaults to now).
    /// The session's user (`actor`) is recorded as the one who took the report.
    /// - Returns: the case.
    /// - Throws: `StoreError.invalidReport` listing the missing fields; `StoreError.accessDenied` (audited) when
    ///   nobody is logged in or the user may not create reports; database errors.
    @discardableResult
    public func registerCase(from report: Report, draftID: UUID, receivedAt: Date? = nil,
                             status: CaseStatus = .open, assignedTo: UUID? = nil) throws -> CaseRecord {
        let now = clock.now
        let today = clock.today
        let problems = ReportValidation.issues(for: .review, in: report, today: today)
        guard problems.isEmpty else { throw StoreError.invalidReport(problems.keys.sorted { $0.rawValue < $1.rawValue }) }
        guard let age = ReportValidation.childAge(of: report, today: today) else { throw StoreError.invalidReport([.approximateAge]) }
        let clean = Self.cleaned(report)
        let received = receivedAt ?? now
        let me = try sessionUser("report.create")
        if !me.can(.createReport, demo: isDemo) {
            try auditAlone(actor: me.name, action: "access.denied", detail: "report.create")
            throw StoreError.accessDenied
        }
        return try door { db in
            let sourceDraft: String? = draftID.uuidString
            if let existingID = try String.fetchOne(db, sql: "SELECT id FROM case_record WHERE source_draft_id = ?",
                                                   arguments: [draftID.uuidString]),
               let existing = try Self.fetchCase(db, id: existingID) {
                // The same answers again (Enter pressed twice, a retry): the case already saved.
                if existing.report == clean { return existing }
                // Different answers under a draft that is already a case (a stale session on another terminal):
                // never a second case; the person is told where the report went (issue #14).
                throw StoreError.draftSavedAsCase(existing.number)
            }
            let id = try insertCase(db, clean, age: age, received: received, status: status, assignedTo: assignedTo,
                                    source: "intake", sourceDraft: sourceDraft)
            for fact in EventFact.intake(clean) {
                try insertEvent(db, caseID: id, at: received, fact: fact, author: me.name, intake: true)
            }
            try db.execute(sql: "DELETE FROM draft WHERE id = ?", arguments: [draftID.uuidString])
            guard let saved = try Self.fetchCase(db, id: id.uuidString) else { throw StoreError.notFound }
            return saved
        }
    }

    /// Inserts a case row, its number and its concerns (no events) inside `db`'s transaction.
    /// - Parameters: `age` nil when nobody knows it (a child-friendly report); `source` "intake" or "child_friendly".
    /// - Returns: the new case's id.
    private func insertCase(_ db: Database, _ clean: Report, age: ChildAge?, received: Date, status: CaseStatus, assignedTo: UUID?,
                            source: String, sourceDraft: String?) throws -> UUID {
        let now = clock.now
        let json = try Self.encode(clean)
        let year = LocalDate(received, in: clock.timeZone).year
        let serial = (try Int.fetchOne(db, sql: "SELECT last_serial FROM case_counter WHERE year = ?", arguments: [year]) ?? 0) + 1
        try db.execute(sql: "INSERT INTO case_counter(year, last_serial) VALUES (?, ?) ON CONFLICT(year) DO UPDATE SET last_serial = excluded.last_serial",
                       arguments: [year, serial])
        let number = CaseNumber(year: year, serial: serial)
        let id = UUID()
        var dob: String?
        var approx: Int?
        var recordedOn: String?
        switch age {
        case nil: break
        case .born(let d)?: dob = d.iso
        case .approximately(let y, let on)?: approx = y; recordedOn = on.iso
        }
        let urgent = clean.inDangerNow == true
        let nowText = ISO8601.format(now)
        try db.execute(sql: """
            INSERT INTO case_record(id, case_number, number_year, number_serial, device_id, version, created_at,
                updated_at, last_activity_at, status, urgent, risk_level, child_name, sex, date_of_birth, approx_age,
                age_recorded_on, village, caregiver, report_json, source_draft_id)
            VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id.uuidString, number.description, year, serial, deviceID.uuidString, nowText, nowText,
                             ISO8601.format(received), status.rawValue, urgent, clean.childName, (clean.sex ?? .unknown).rawValue,
                             dob, approx, recordedOn, clean.village, clean.caregiver, json, sourceDraft])
        try db.execute(sql: "UPDATE case_record SET name_key = ?, village_key = ?, assigned_to = ?, source = ? WHERE id = ?",
                       arguments: [DuplicateRule.key(clean.childName), DuplicateRule.key(clean.village), assignedTo?.uuidString, source, id.uuidString])
        for (i, c) in clean.concerns.enumerated() {
            try db.execute(sql: "INSERT OR IGNORE INTO case_concern(case_id, concern, position) VALUES (?, ?, ?)",
                           arguments: [id.uuidString, c, i])
        }
        return id
    }

    /// Saves what a child told Kinga in the child-friendly session as a new case in the intake queue: nobody
    /// is assigned, every focal point sees it on "Due today" until one takes it, and the timeline says it
    /// came from a child-friendly session. Needs no login and returns nothing that could be shown: that
    /// session may create a report, never read one. Audited as "child-friendly session".
    /// - Parameters: `report` from `ChildReport.report(narrative:)`; validation is not applied (every answer
    ///   is optional for a child), only the text cleaning and length limits of every report.
    /// - Throws: database errors (what the child typed stays on their screen).
    public func registerChildReport(_ report: Report, language: String) throws {
        let clean = Self.cleaned(report)
        let now = clock.now
        let actor = Self.childSessionActor
        try door(.kiosk(actor)) { db in
            let id = try insertCase(db, clean, age: nil, received: now, status: .open, assignedTo: nil, source: "child_friendly", sourceDraft: nil)
            try insertEvent(db, caseID: id, at: now, fact: EventFact(.childReport, ["narrative": clean.narrative, "contact": clean.reporterContact, "language": language]),
                            author: actor, intake: true)
            if clean.inDangerNow == true {
                try insertEvent(db, caseID: id, at: now, fact: EventFact(.urgentChildSaid), author: actor, intake: true)
            }
        }
    }

    /// Adds a free-text note to a case timeline, written by the session's user, and moves the case to the top
    /// of the list.
    /// - Parameters:
    ///   - text: the note (control characters are removed; newlines kept); its first line is the summary.
    ///   - at: when it happened (defaults to now).
    /// - Returns: the new event.
    /// - Throws: `StoreError.notFound` when the case does not exist; `StoreError.accessDenied` (audited) when
    ///   nobody is logged in or the user may not work on this case.
    @discardableResult
    public func addNote(caseID: UUID, text: String, at: Date? = nil) throws -> CaseEvent {
        let body = TextSafety.clean(text, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
        let summary = String(body.split(separator: "\n", omittingEmptySubsequences: true).first ?? "")
        let when = at ?? clock.now
        let me = try sessionUser("case.note", caseID: caseID)
        return try door { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM case_record WHERE id = ?", arguments: [caseID.uuidString]) != nil else {
                throw StoreError.notFound
            }
            return try insertEvent(db, caseID: caseID, at: when, fact: EventFact(.note), author: me.name, summary: summary, body: body)
        }
    }

    /// Who the timeline names as the author of a child's own report (no one logs in for it); screens put it
    /// into the reader's words (`author.childSession`).
    public static let childSessionActor = "child-friendly session"

    /// Writes one timeline entry: its fact (kind and arguments), and the English words of it (`summary` and
    /// `body` when given: a note's own words; else the fact put into English), which any Kinga can show.
    @discardableResult
    func insertEvent(_ db: Database, caseID: UUID, at: Date, fact: EventFact, author: String,
                     summary: String? = nil, body: String? = nil, data: String? = nil, intake: Bool = false) throws -> CaseEvent {
        if !intake { try requireEdit(db, caseID: caseID) }
        let now = clock.now
        let english = LanguageWords.english
        let e = CaseEvent(id: UUID(), caseID: caseID, deviceID: deviceID, version: 1, createdAt: now, updatedAt: now,
                          occurredAt: at, kind: fact.kind.category, author: TextSafety.clean(author, multiline: false),
                          summary: TextSafety.clean(summary ?? fact.summary(english, stored: ""), multiline: false),
                          body: body ?? fact.body(english, stored: ""), fact: fact)
        try db.execute(sql: """
            INSERT INTO case_event(id, case_id, device_id, version, created_at, updated_at, occurred_at, kind, author, summary, body, data_json,
                fact, fact_args)
            VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [e.id.uuidString, caseID.uuidString, deviceID.uuidString, ISO8601.format(now), ISO8601.format(now),
                             ISO8601.format(at), e.kind.rawValue, e.author, e.summary, e.body, data, fact.kind.rawValue, fact.argsJSON])
        try db.execute(sql: """
            UPDATE case_record SET last_activity_at = max(last_activity_at, ?), updated_at = ?, version = version + 1
            WHERE id = ?
            """, arguments: [ISO8601.format(at), ISO8601.format(now), caseID.uuidString])
        // New facts (an assessment, a follow-up, a referral) make a waiting closure request out of date: the
        // focal point asks again, so a supervisor never approves a closure on an old picture.
        if ClosureRequestRule.makesStale(e.kind) {
            try db.execute(sql: "UPDATE case_record SET closure_request = NULL WHERE id = ?", arguments: [caseID.uuidString])
        }
        // Every timeline entry is a change to a case: audited in the same transaction.
        // The audit log says what kind of change, never the case's words (administrators read the log).
        try audit(db, actor: e.author, action: "case.\(e.kind.rawValue)", caseID: caseID, detail: "event \(e.id.uuidString)")
        return e
    }

    /// Refuses a read of one case that `viewer` may not see (issue #16: reads of one case fail closed).
    /// - Throws: `StoreError.accessDenied` (audited as `case.view`) when the case is outside what the
    ///   viewer's role allows, or `viewer` is not the session's (see `reader`).
    func mayRead(_ viewer: Viewer, caseID: UUID) throws {
        let who = try reader(viewer)
        let s = scope(who)
        let allowed = try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM case_record c WHERE c.id = ? AND \(s.sql)", arguments: [caseID.uuidString] + s.args) != nil
                || !(try Bool.fetchOne(db, sql: "SELECT 1 FROM case_record WHERE id = ?", arguments: [caseID.uuidString]) ?? false)
        }
        guard allowed else {
            try auditAlone(actor: who?.name ?? "unknown", action: "access.denied", caseID: caseID, detail: "case.view")
            throw StoreError.accessDenied
        }
    }

    /// One case, whole, for `viewer`; nil when there is no such case.
    /// - Throws: `StoreError.accessDenied` (audited) when the viewer may not see it (see `mayRead`).
    public func caseRecord(id: UUID, viewer: Viewer) throws -> CaseRecord? {
        try mayRead(viewer, caseID: id)
        return try pool.read { db in try Self.fetchCase(db, id: id.uuidString) }
    }

    /// The case with this number (`KG-2026-0042`), for `viewer`; nil when there is none.
    /// - Throws: `StoreError.accessDenied` (audited) when the viewer may not see it.
    public func caseRecord(number: CaseNumber, viewer: Viewer) throws -> CaseRecord? {
        guard let id = try pool.read({ db in
            try String.fetchOne(db, sql: "SELECT id FROM case_record WHERE case_number = ?", arguments: [number.description])
        }).flatMap(UUID.init(uuidString:)) else { return nil }
        return try caseRecord(id: id, viewer: viewer)
    }

    /// A case's timeline, oldest first, for `viewer`.
    /// - Throws: `StoreError.accessDenied` (audited) when the viewer may not see the case.
    public func events(caseID: UUID, viewer: Viewer) throws -> [CaseEvent] {
        try mayRead(viewer, caseID: caseID)
        return try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM case_event WHERE case_id = ? ORDER BY occurred_at, rowid",
                             arguments: [caseID.uuidString]).compactMap(Self.event(from:))
        }
    }

    /// Number of cases (all statuses). Uses the primary-key index.
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func caseCount(viewer: Viewer) throws -> Int {
        try caseCount(reader: try reader(viewer))
    }

    /// Number of cases `reader` may see (nil: all), for Storage's own work (backups, an export by a person
    /// whose PIN was checked, in the Exports target).
    /// - Throws: database errors.
    package func caseCount(reader: User?) throws -> Int {
        let s = scope(reader)
        return try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM case_record c WHERE \(s.sql)", arguments: s.args) ?? 0 }
    }

    /// One page of the case list, newest activity first, starting after `cursor` (nil: from the top).
    ///
    /// Keyset pagination on `(last_activity_at, id)` through the `case_by_activity` index: the cost depends on
    /// `limit`, not on how many cases exist or how deep the page is (SQLite "row values" scrolling-window queries).
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func casePage(after cursor: CaseCursor?, limit: Int, viewer: Viewer) throws -> [CaseSummary] {
        let s = try scope(viewer)
        return try pool.read { db in
            if let c = cursor {
                return try Row.fetchAll(db, sql: Self.summarySQL + " WHERE \(s.sql) AND (c.last_activity_at, c.number_year, c.number_serial) < (?, ?, ?) \(Self.newestFirst) LIMIT ?",
                                        arguments: s.args + c.arguments + [limit]).compactMap(Self.summary(from:))
            }
            return try Row.fetchAll(db, sql: Self.summarySQL + " WHERE \(s.sql) \(Self.newestFirst) LIMIT ?",
                                    arguments: s.args + [limit]).compactMap(Self.summary(from:))
        }
    }

    /// One page ending just before `cursor` (nil: the last page), still newest first. For scrolling up and End.
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func casePage(before cursor: CaseCursor?, limit: Int, viewer: Viewer) throws -> [CaseSummary] {
        let s = try scope(viewer)
        return try pool.read { db in
            let rows: [Row]
            if let c = cursor {
                rows = try Row.fetchAll(db, sql: Self.summarySQL + " WHERE \(s.sql) AND (c.last_activity_at, c.number_year, c.number_serial) > (?, ?, ?) \(Self.oldestFirst) LIMIT ?",
                                        arguments: s.args + c.arguments + [limit])
            } else {
                rows = try Row.fetchAll(db, sql: Self.summarySQL + " WHERE \(s.sql) \(Self.oldestFirst) LIMIT ?", arguments: s.args + [limit])
            }
            return rows.compactMap(Self.summary(from:)).reversed()
        }
    }

    /// The numbers on the home screen.
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func todaySummary(viewer: Viewer) throws -> TodaySummary {
        let reader = try reader(viewer)
        let s = scope(reader)
        return try pool.read { db in
            let open = try Int.fetchOne(db, sql: "SELECT count(*) FROM case_record c WHERE \(s.sql) AND status = 'open'", arguments: s.args) ?? 0
            let urgent = try Int.fetchOne(db, sql: "SELECT count(*) FROM case_record c WHERE \(s.sql) AND status = 'open' AND urgent = 1", arguments: s.args) ?? 0
            let drafts = try Int.fetchOne(db, sql: "SELECT count(*) FROM draft WHERE ? IS NULL OR author_id = ?",
                                          arguments: [reader?.id.uuidString, reader?.id.uuidString]) ?? 0
            // What the home screen's words say: open, closed and transferred. A duplicate is a report joined
            // to another case, not a case of its own.
            let all = try Int.fetchOne(db, sql: Self.allCasesCountSQL(s.sql), arguments: s.args) ?? 0
            return TodaySummary(openCases: open, urgentOpenCases: urgent, drafts: drafts, allCases: all)
        }
    }

    /// The count of "cases in all" on the home screen, within the scope condition `scope`.
    static func allCasesCountSQL(_ scope: String) -> String {
        "SELECT count(*) FROM case_record c WHERE \(scope) AND c.status IN ('open', 'closed', 'transferred')"
    }

    /// `EXPLAIN QUERY PLAN` lines of the case-list page query, for tests that forbid full-table scans.
    public func casePagePlan() throws -> [String] {
        try pool.read { db in
            let after = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + Self.summarySQL + " WHERE (c.last_activity_at, c.number_year, c.number_serial) < (?, ?, ?) \(Self.newestFirst) LIMIT 20",
                                         arguments: ["2026-01-01T00:00:00.000Z", 2026, 1]).map { $0["detail"] as String? ?? "" }
            let before = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + Self.summarySQL + " WHERE (c.last_activity_at, c.number_year, c.number_serial) > (?, ?, ?) \(Self.oldestFirst) LIMIT 20",
                                          arguments: ["2026-01-01T00:00:00.000Z", 2026, 1]).map { $0["detail"] as String? ?? "" }
            return after + before
        }
    }

    static let newestFirst = "ORDER BY c.last_activity_at DESC, c.number_year DESC, c.number_serial DESC"
    static let oldestFirst = "ORDER BY c.last_activity_at ASC, c.number_year ASC, c.number_serial ASC"

    static let summarySQL = """
        SELECT c.id, c.case_number, c.child_name, c.date_of_birth, c.approx_age, c.age_recorded_on, c.village, c.risk_level,
               c.urgent, c.status, c.last_activity_at,
               (SELECT concern FROM case_concern k WHERE k.case_id = c.id ORDER BY k.position LIMIT 1) AS first_concern,
               (SELECT count(*) FROM case_concern k WHERE k.case_id = c.id) AS concern_count
        FROM case_record c
        """

    static func age(from row: Row) -> ChildAge? {
        if let dob: String = row["date_of_birth"], let d = LocalDate(iso: dob) { return .born(d) }
        if let y: Int = row["approx_age"], let on: String = row["age_recorded_on"], let d = LocalDate(iso: on) {
            return .approximately(years: y, recordedOn: d)
        }
        return nil
    }

    static func summary(from row: Row) -> CaseSummary? {
        guard let id = UUID(uuidString: row["id"]), let number = CaseNumber(row["case_number"]),
              let last = ISO8601.parse(row["last_activity_at"]), let status = CaseStatus(rawValue: row["status"]) else { return nil }
        return CaseSummary(id: id, number: number, childName: row["child_name"], age: age(from: row), village: row["village"],
                           firstConcern: row["first_concern"], concernCount: row["concern_count"],
                           risk: (row["risk_level"] as String?).flatMap(RiskLevel.init(rawValue:)), urgent: row["urgent"],
                           status: status, lastActivityAt: last)
    }

    static func fetchCase(_ db: Database, id: String) throws -> CaseRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM case_record WHERE id = ?", arguments: [id]) else { return nil }
        let concerns = try String.fetchAll(db, sql: "SELECT concern FROM case_concern WHERE case_id = ? ORDER BY position", arguments: [id])
        guard let uuid = UUID(uuidString: row["id"]), let number = CaseNumber(row["case_number"]),
              let device = UUID(uuidString: row["device_id"]), let created = ISO8601.parse(row["created_at"]),
              let updated = ISO8601.parse(row["updated_at"]), let last = ISO8601.parse(row["last_activity_at"]),
              let status = CaseStatus(rawValue: row["status"]) else { return nil }
        let report = (try? decode(Report.self, row["report_json"])) ?? Report()
        return CaseRecord(id: uuid, number: number, deviceID: device, version: row["version"], createdAt: created,
                          updatedAt: updated, lastActivityAt: last, status: status, urgent: row["urgent"],
                          risk: (row["risk_level"] as String?).flatMap(RiskLevel.init(rawValue:)), childName: row["child_name"],
                          sex: Sex(rawValue: row["sex"]) ?? .unknown, age: age(from: row), village: row["village"],
                          caregiver: row["caregiver"], concerns: concerns, report: report)
    }

    static func event(from row: Row) -> CaseEvent? {
        guard let id = UUID(uuidString: row["id"]), let caseID = UUID(uuidString: row["case_id"]),
              let device = UUID(uuidString: row["device_id"]), let created = ISO8601.parse(row["created_at"]),
              let updated = ISO8601.parse(row["updated_at"]), let at = ISO8601.parse(row["occurred_at"]) else { return nil }
        // A kind this version does not know (a newer Kinga wrote it) is shown with its stored words, never dropped.
        let kind = EventKind(rawValue: row["kind"] ?? "") ?? .other
        return CaseEvent(id: id, caseID: caseID, deviceID: device, version: row["version"], createdAt: created, updatedAt: updated,
                         occurredAt: at, kind: kind, author: row["author"], summary: row["summary"], body: row["body"],
                         fact: EventFact(stored: row["fact"], args: row["fact_args"]))
    }

    /// Every text field cleaned for storage (NFC, no control characters); multi-line only for the narrative.
    static func cleaned(_ r: Report) -> Report {
        var c = r
        c.reporterName = TextSafety.clean(r.reporterName, multiline: false).trimmingCharacters(in: .whitespaces)
        c.reporterContact = TextSafety.clean(r.reporterContact, multiline: false).trimmingCharacters(in: .whitespaces)
        c.childName = TextSafety.clean(r.childName, multiline: false).trimmingCharacters(in: .whitespaces)
        c.dateOfBirthText = TextSafety.clean(r.dateOfBirthText, multiline: false).trimmingCharacters(in: .whitespaces)
        c.approximateAgeText = TextSafety.clean(r.approximateAgeText, multiline: false).trimmingCharacters(in: .whitespaces)
        c.village = TextSafety.clean(r.village, multiline: false).trimmingCharacters(in: .whitespaces)
        c.caregiver = TextSafety.clean(r.caregiver, multiline: false).trimmingCharacters(in: .whitespaces)
        c.nickname = TextSafety.clean(r.nickname, multiline: false).trimmingCharacters(in: .whitespaces)
        c.whenHappened = TextSafety.clean(r.whenHappened, multiline: false).trimmingCharacters(in: .whitespaces)
        c.whereHappened = TextSafety.clean(r.whereHappened, multiline: false).trimmingCharacters(in: .whitespaces)
        c.narrative = TextSafety.clean(r.narrative, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
        c.reasonWithoutConsent = TextSafety.clean(r.reasonWithoutConsent, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
        return c
    }

    /// `v` as JSON text with sorted keys, as Kinga stores reports and lists in the database.
    package static func encode<T: Encodable>(_ v: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(v), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ t: T.Type, _ s: String) throws -> T {
        try JSONDecoder().decode(t, from: Data(s.utf8))
    }
}
