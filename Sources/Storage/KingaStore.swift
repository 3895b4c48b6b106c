import Foundation
import GRDB
import Model
import Vault

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
///
/// **Sessions are values** (issue #16). A `KingaStore` is a handle on the database for one person, or for
/// nobody: `actor` is fixed when the handle is made and never changes. Opening a database gives a handle with
/// nobody logged in (`actor == nil`: maintenance reads, the login, the first run); a right PIN gives a new handle
/// for that person (`login`, `createFirstUser`, `LockedKiosk.unlock`) sharing the same connections; locking the
/// kiosk is dropping that handle. No code can change who a handle acts for, so a background task holding a
/// screen's handle can never find itself acting for the next person at the kiosk.
public final class KingaStore: @unchecked Sendable {
    /// The GRDB pool, shared by every session handle of this database. Internal so screens cannot run SQL.
    let pool: DatabasePool
    /// The database file path.
    public let path: String
    /// The id of this database's device, stamped on every record it creates.
    public let deviceID: UUID
    /// Source of "now" for timestamps.
    public let clock: Clock
    /// The audit chain's HMAC key (from `auditKeyPath`, never stored in the database).
    let auditKey: [UInt8]
    /// Open only while `door` runs: the guard triggers refuse any other change (see `installDoorGuard`). Shared
    /// by every session handle (the triggers live in the shared connections).
    let doorLatch: DoorLatch
    /// The database key, in locked memory while Kinga runs (issue #17); nil for a plaintext file. Backups are
    /// written under it.
    let key: DatabaseKey?
    /// Where the audit key lives: beside the database, `<name>.audit-key`.
    public let auditKeyPath: String
    /// The kiosk-wide settings below, one box shared by every session handle of this database.
    let settings: StoreSettings

    /// The edit being saved in this task, when the screen asked for a version check (see `EditContext`).
    @TaskLocal public static var editContext: EditContext?

    /// The key-slot file kept in step with the users (issue #17); nil for a plaintext file and for tools that
    /// opened the database with the recovery key only. Set by `openKiosk` and `LockedKiosk.unlock`.
    var keySlots: KeySlotBook? {
        get { settings.read { $0.keySlots } }
        set { settings.write { $0.keySlots = newValue } }
    }

    /// True for the demo database (trainers may work only there).
    public var isDemo: Bool {
        get { settings.read { $0.isDemo } }
        set { settings.write { $0.isDemo = newValue } }
    }

    /// A private folder in memory for files about children that must not outlive this run of Kinga (printouts,
    /// issue #17): the executable sets `<$XDG_RUNTIME_DIR>/kinga` (a tmpfs of the user's own, mode 0700, emptied
    /// at logout). Nil: such files go beside the database and are removed when Kinga closes.
    public var sessionFilesFolder: String? {
        get { settings.read { $0.sessionFilesFolder } }
        set { settings.write { $0.sessionFilesFolder = newValue } }
    }

    /// What new PINs must be: the country profile's `pin_policy` (set by the executable from the profile;
    /// Kinga's defaults until then), checked when a user is made and when a PIN changes.
    public var pinPolicy: PINPolicy {
        get { settings.read { $0.pinPolicy } }
        set { settings.write { $0.pinPolicy = newValue } }
    }

    /// The person this handle acts for, fixed for its life: every change made through it is theirs (the author
    /// of its timeline entry and the actor of its audit entry) and is checked against their role here, in
    /// Storage, so no screen can bypass it or write under another name. Nil for the handle with nobody logged
    /// in, through which no case can be changed or read for a person. Handles for a person come only from a
    /// right PIN (`login`, `createFirstUser`, `LockedKiosk.unlock`).
    public let actor: User?

    /// The handle with nobody logged in on the same database (itself when it is one): what a kiosk goes back to
    /// when it locks, and what maintenance reads go through.
    public var withoutSession: KingaStore { actor == nil ? self : KingaStore(sharing: self, actor: nil) }

    /// A handle on `base`'s database acting for `actor`: same connections, latch, key and settings.
    init(sharing base: KingaStore, actor: User?) {
        pool = base.pool
        path = base.path
        deviceID = base.deviceID
        clock = base.clock
        auditKey = base.auditKey
        doorLatch = base.doorLatch
        key = base.key
        auditKeyPath = base.auditKeyPath
        settings = base.settings
        self.actor = actor
    }

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
        actor = nil
        doorLatch = DoorLatch()
        settings = StoreSettings()
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
            // A database encrypted in an older format is re-encrypted in the current one first (`CipherFormat`). When
            // that cannot be done now (no room on the disk for the copy, most likely), the kiosk opens as it is, in
            // its older format, and tries again at the next start: nobody is locked out by an upgrade.
            var format = CipherFormat.current
            if let key, size > 0 {
                do {
                    format = try Opener.format(of: path, key: key)
                    if format != .current {
                        do {
                            try Self.reencryptToCurrentFormat(path: path, key: key)
                            format = .current
                        } catch let e as StoreError {
                            if case .damaged = e { throw e }
                        } catch CipherError.wrongKey {
                            throw CipherError.wrongKey
                        } catch {}
                    }
                } catch CipherError.wrongKey {
                    throw StoreError.cannotOpen(path: path, reason: CipherError.wrongKey.description)
                } catch let e as StoreError {
                    throw e
                } catch {}
            }
            if size > 0, size <= Self.checkOnOpenBytes, Opener.damageCheck(path, key: key) == .damaged {
                throw StoreError.damaged(path)
            }
            pool = try Opener.pool(path, key: key, format: format)
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
}

/// The kiosk-wide settings every session handle of one database shares (see `KingaStore`), behind a lock:
/// the executable sets them at start and the unlock sets the key slots, while screens' tasks read them.
final class StoreSettings: @unchecked Sendable {
    struct Values {
        var keySlots: KeySlotBook?
        var isDemo = false
        var sessionFilesFolder: String?
        var pinPolicy = PINPolicy()
    }
    private var values = Values()
    private let lock = NSLock()

    func read<T>(_ f: (Values) -> T) -> T { lock.withLock { f(values) } }
    func write(_ f: (inout Values) -> Void) { lock.withLock { f(&values) } }
}
