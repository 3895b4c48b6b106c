import Foundation
import GRDB
import Vault
import Model

/// One backup file in the backups folder.
public struct BackupInfo: Hashable, Sendable {
    public let path: String
    /// When it was made (from the file's name, UTC).
    public let madeAt: Date
    /// Why: "daily", "before-update", "before-restore" or "manual".
    public let reason: String
    /// Size in bytes.
    public let bytes: Int
}

/// What `kinga check` found. Every field true (and `problems` empty) means the database is sound.
public struct CheckReport: Sendable {
    /// `PRAGMA integrity_check` said "ok".
    public var integrity: Bool
    /// `PRAGMA foreign_key_check` found nothing.
    public var foreignKeys: Bool
    /// The search index is consistent (FTS5 `integrity-check`).
    public var searchIndex: Bool
    /// The case tally the home screen reads (`CaseTally`) equals the cases counted one by one.
    public var caseCounts: Bool = false
    /// The audit chain verifies (every entry, in order).
    public var audit: AuditVerification?
    /// `PRAGMA synchronous` of the writer (2 = FULL).
    public var synchronous: Int
    /// Cases and timeline entries counted.
    public var cases: Int
    public var events: Int
    /// Plain sentences about anything wrong.
    public var problems: [String]
    public var ok: Bool { problems.isEmpty }
}

/// Backups with SQLite's online backup API (issue #7): a consistent copy taken from one read snapshot while
/// Kinga keeps working, written to a temporary name and renamed only when complete (a crash never leaves
/// half a backup under a real name). Kept beside the database in `backups/`, readable only by Kinga's user;
/// the newest `keep` are kept.
extension KingaStore {
    /// How many automatic backups are kept (issue #7: the last 7).
    public static let backupsKept = 7
    /// A new automatic backup is made when the newest is older than this (seconds): at least daily.
    public static let backupInterval: TimeInterval = 24 * 3600

    /// `<database folder>/backups`.
    public var backupsFolder: String { Self.backupsFolder(for: path) }

    static func backupsFolder(for dbPath: String) -> String {
        ((dbPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("backups")
    }

    /// Copies the whole database to `destination` (which must not exist), then checks the copy.
    /// - Throws: `StoreError.cannotOpen` when the copy cannot be written (folder missing or read-only, disk
    ///   full); `StoreError.backupDamaged` when the copy fails its check. A failed copy is removed.
    public func backup(to destination: String) throws {
        try Self.copy(pool, key: key, to: destination)
        writeBackupSlots(beside: destination)
    }

    /// Beside an encrypted backup, `<backup>.keys`: the district recovery slot only (issue #17). Users' PIN slots
    /// do not travel with backups: a copied backup is then exactly as safe as the district office's recovery key,
    /// however short the PINs are, where with PIN slots beside it anyone holding it could try every six-digit PIN
    /// offline in about a day (README, "What is encrypted"). On this kiosk its users' PINs still restore it (the
    /// kiosk's own slot file holds the same key); elsewhere, the recovery key does, with the audit chain's key sealed
    /// to the same district key beside it (`restoreOntoNewKiosk`). Best effort: a backup without it is restored on
    /// this kiosk as before.
    func writeBackupSlots(beside backup: String) {
        guard let book = keySlots, let own = try? book.read() else { return }
        var slots = KeySlotFile(deviceID: own.deviceID)
        slots.recovery = own.recovery
        // The audit chain's key, sealed to the district too: a backup restored onto a new laptop keeps a log
        // that verifies (`restoreOntoNewKiosk`).
        if slots.recovery != nil { try? slots.sealAuditKeyForRecovery(auditKey) }
        try? slots.write(to: KeySlotFile.url(forDatabase: URL(fileURLWithPath: backup)))
    }

    /// Copies `pool` into a new file at `destination` with SQLite's online backup API, under the same `key` (an
    /// encrypted database's backups are encrypted with its key), then checks the copy.
    static func copy(_ pool: DatabasePool, key: DatabaseKey?, to destination: String) throws {
        let fm = FileManager.default
        guard !fm.fileExists(atPath: destination) else { throw StoreError.cannotOpen(path: destination, reason: "a file with that name already exists") }
        let folder = (destination as NSString).deletingLastPathComponent
        let temporary = (folder.isEmpty ? "." : folder) + "/.kinga-backup-\(UUID().uuidString).tmp"
        do {
            let dest = try Opener.queue(temporary, key: key)
            try pool.backup(to: dest)
            try dest.close()
            chmod(temporary, 0o600)
            guard Self.quickCheck(temporary, key: key) else { throw StoreError.backupDamaged(destination) }
            try fm.moveItem(atPath: temporary, toPath: destination)
        } catch let e as StoreError {
            try? fm.removeItem(atPath: temporary)
            throw e
        } catch {
            try? fm.removeItem(atPath: temporary)
            throw StoreError.cannotOpen(path: destination, reason: Self.plainReason(error))
        }
    }

    /// Makes a backup in the backups folder and removes the oldest beyond `backupsKept`.
    /// - Parameter reason: a word for the file name ("daily", "before-update", "before-restore", "manual").
    /// - Returns: the new backup's path.
    @discardableResult
    public func makeAutomaticBackup(reason: String) throws -> String {
        let made = try Self.makeBackup(pool, key: key, dbPath: path, now: clock.now, reason: reason)
        writeBackupSlots(beside: made)
        return made
    }

    static func makeBackup(_ pool: DatabasePool, key: DatabaseKey?, dbPath: String, now: Date, reason: String) throws -> String {
        let folder = backupsFolder(for: dbPath)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var dest = folder + "/" + backupName(at: now, reason: reason)
        if FileManager.default.fileExists(atPath: dest) { dest = dest.replacingOccurrences(of: ".sqlite", with: "-\(UUID().uuidString.prefix(4)).sqlite") }
        try copy(pool, key: key, to: dest)
        pruneBackups(dbPath: dbPath)
        return dest
    }

    /// Makes the daily backup when the newest is more than a day old (or there is none) and the database
    /// holds at least one case. Safe to call from a background thread while Kinga is used.
    /// - Returns: the new backup's path, or nil when none was due.
    @discardableResult
    public func backupIfDue() throws -> String? {
        guard try caseCount(reader: nil) > 0 else { return nil }
        if let newest = backups().first, clock.now.timeIntervalSince(newest.madeAt) < Self.backupInterval { return nil }
        return try makeAutomaticBackup(reason: "daily")
    }

    /// The backups in the backups folder, newest first.
    public func backups() -> [BackupInfo] { Self.backups(for: path) }

    /// The backups kept beside the database at `dbPath` (newest first), without opening it.
    public static func backups(for dbPath: String) -> [BackupInfo] {
        let folder = backupsFolder(for: dbPath)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.compactMap { name -> BackupInfo? in
            guard let (date, reason) = parseBackupName(name) else { return nil }
            let p = folder + "/" + name
            let size = ((try? FileManager.default.attributesOfItem(atPath: p))?[.size] as? Int) ?? 0
            return BackupInfo(path: p, madeAt: date, reason: reason, bytes: size)
        }.sorted { ($0.madeAt, $0.path) > ($1.madeAt, $1.path) }
    }

    /// Removes stale temporary copies and all but the newest `backupsKept` backups.
    static func pruneBackups(dbPath: String) {
        let fm = FileManager.default
        let folder = backupsFolder(for: dbPath)
        for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".kinga-backup-") {
            try? fm.removeItem(atPath: folder + "/" + name)
        }
        for old in backups(for: dbPath).dropFirst(backupsKept) {
            try? fm.removeItem(atPath: old.path)
            try? fm.removeItem(atPath: old.path + ".keys")
        }
    }

    /// `kinga-20261130-090000-daily.sqlite` (UTC).
    static func backupName(at date: Date, reason: String) -> String {
        let iso = ISO8601.format(date)   // 2026-11-30T09:00:00.000Z
        let digits = iso.prefix(19).filter(\.isNumber)
        return "kinga-\(digits.prefix(8))-\(digits.dropFirst(8))-\(reason).sqlite"
    }

    static func parseBackupName(_ name: String) -> (Date, String)? {
        guard name.hasPrefix("kinga-"), name.hasSuffix(".sqlite") else { return nil }
        let parts = name.dropFirst(6).dropLast(7).split(separator: "-", maxSplits: 2)
        guard parts.count == 3, parts[0].count == 8, parts[1].count == 6 else { return nil }
        let d = parts[0], t = parts[1]
        let iso = "\(d.prefix(4))-\(d.dropFirst(4).prefix(2))-\(d.suffix(2))T\(t.prefix(2)):\(t.dropFirst(2).prefix(2)):\(t.suffix(2)).000Z"
        guard let date = ISO8601.parse(iso) else { return nil }
        return (date, String(parts[2]))
    }

    /// True when the file is an SQLite database that passes `PRAGMA quick_check` (opened with `key` when it is
    /// encrypted).
    static func quickCheck(_ path: String, key: DatabaseKey? = nil) -> Bool { Opener.damageCheck(path, key: key) == .sound }

    /// Whether a file passed SQLite's check (see `Opener.damageCheck`).
    enum Soundness { case sound, damaged, unknown }

    /// Replaces the database at `dbPath` with the backup at `source`.
    ///
    /// The backup is checked first (it must be a sound Kinga database); the current database, when it can
    /// still be read, is itself backed up first ("before-restore"), so a restore can be undone. Stop every
    /// Kinga session on this database before restoring. A backup of a kiosk that had joined a district comes back
    /// with its link set aside (`setAsideDistrictLink`): it joins the district afresh before it syncs again.
    /// - Returns: the path of the copy of the replaced database, when one was made.
    /// - Parameter key: the key of the backup and of the database (nil for plaintext files).
    /// - Throws: `StoreError.backupDamaged` (the backup is not a sound Kinga database, or `key` does not open
    ///   it), `.cannotOpen`.
    @discardableResult
    public static func restore(from source: String, to dbPath: String, clock: Clock, key: DatabaseKey? = nil) throws -> String? {
        guard quickCheck(source, key: key) else { throw StoreError.backupDamaged(source) }
        let isKinga = (try? Opener.queue(source, key: key, readonly: true).read { db in
            try db.tableExists("case_record") && db.tableExists("audit_log")
        }) ?? false
        guard isKinga else { throw StoreError.backupDamaged(source) }
        var saved: String?
        if FileManager.default.fileExists(atPath: dbPath), quickCheck(dbPath, key: key),
           let current = try? KingaStore(path: dbPath, clock: clock, key: key) {
            saved = try current.makeAutomaticBackup(reason: "before-restore")
        } else if FileManager.default.fileExists(atPath: dbPath) {
            // A damaged database is kept as it is, for a technician, never overwritten.
            let keep = dbPath + ".damaged-" + backupName(at: clock.now, reason: "kept")
            try FileManager.default.moveItem(atPath: dbPath, toPath: keep)
            for suffix in ["-wal", "-shm"] { try? FileManager.default.moveItem(atPath: dbPath + suffix, toPath: keep + suffix) }
            saved = keep
        }
        do {
            let from = try Opener.queue(source, key: key, readonly: true)
            let to = try Opener.pool(dbPath, key: key)
            try from.backup(to: to)
            try to.close()
            chmod(dbPath, 0o600)
        } catch {
            throw StoreError.cannotOpen(path: dbPath, reason: plainReason(error))
        }
        // A backup of a kiosk that joined a district is older than the kiosk's last sync: it joins afresh.
        if Self.backupHasDistrictLink(dbPath, key: key) {
            let restored = try KingaStore(path: dbPath, clock: clock, key: key)
            defer { try? restored.pool.close() }
            try restored.setAsideDistrictLink()
        }
        return saved
    }

    /// True when the database at `path` holds a district link (`district.kiosk_code` in `meta`).
    static func backupHasDistrictLink(_ path: String, key: DatabaseKey?) -> Bool {
        (try? Opener.queue(path, key: key, readonly: true).read { db in
            try db.tableExists("meta") && String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [DistrictKeys.kioskCode]) != nil
        }) ?? false
    }

    /// Lets SQLite refresh the statistics its query planner uses, where they are missing or out of date
    /// (`PRAGMA optimize`, as SQLite recommends before closing a connection). Usually instant.
    public func optimize() {
        try? pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA optimize") }
    }

    /// Everything `kinga check` looks at. Reads only.
    public func check() throws -> CheckReport {
        var r = CheckReport(integrity: false, foreignKeys: false, searchIndex: false, audit: nil, synchronous: -1, cases: 0, events: 0, problems: [])
        try pool.read { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            r.integrity = integrity == ["ok"]
            if !r.integrity { r.problems.append("SQLite's integrity check found damage: \(integrity.prefix(3).joined(separator: "; "))") }
            let fk = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
            r.foreignKeys = fk.isEmpty
            if !r.foreignKeys { r.problems.append("\(fk.count) records point to records that do not exist.") }
            r.cases = try Int.fetchOne(db, sql: "SELECT count(*) FROM case_record") ?? 0
            r.events = try Int.fetchOne(db, sql: "SELECT count(*) FROM case_event") ?? 0
            let indexed = try Int.fetchOne(db, sql: "SELECT count(*) FROM case_search WHERE case_search MATCH ?", arguments: ["number : kg"]) ?? -1
            r.searchIndex = indexed == r.cases
            if !r.searchIndex { r.problems.append("The search index holds \(indexed) cases, the database \(r.cases): searching may miss cases.") }
            let tally = try CaseTally.mismatches(db)
            r.caseCounts = tally.isEmpty
            if !tally.isEmpty {
                r.problems.append("The case counts on the home screen disagree with the cases (\(tally.prefix(3).joined(separator: "; "))): the file was changed by something other than Kinga.")
            }
        }
        r.synchronous = try writerSynchronousMode()
        let audit = try verifyAudit()
        r.audit = audit
        if case .broken(let seq, _) = audit { r.problems.append("The audit log is broken at entry \(seq): it was changed or an entry was removed.") }
        return r
    }
}
