import Foundation
import GRDB
import Model
import Vault

extension KingaStore {
    /// Encrypts a database made before encryption at rest (issue #17), at the first start of a version that
    /// encrypts, with nothing lost and no PIN asked:
    ///
    /// 1. The plaintext database is opened as always (checked, its schema brought up to date after a backup).
    /// 2. An encrypted copy is made beside it (`DatabaseCipher.exportEncrypted`: SQLCipher's `sqlcipher_export`)
    ///    under a new random key, and checked: `quick_check`, the same number of rows in every table, and an
    ///    intact audit chain (the audit key stays the same file, so the chain carries over untouched).
    /// 3. The key-slot file is written beside it as `<db>.keys.pending`: a slot for every active user made from
    ///    the Argon2id hash of their PIN already stored (`KeySlotFile.setUser(_:pinHash:key:)`, so everyone's PIN
    ///    keeps working), the district recovery slot when the district key is set, the kiosk's settings and its
    ///    inbox key.
    /// 4. The encrypted copy is renamed over the database (one atomic step), then the pending slot file to
    ///    `<db>.keys`. A start interrupted between the two finishes the second (`openKiosk`).
    /// 5. The plaintext original, and every plaintext backup in `backups/` (each first encrypted the same way), is
    ///    overwritten with zeros through its still-open file before it is let go. (On flash disks and journalling
    ///    file systems old blocks may survive an overwrite: full-disk encryption is still advised; README.)
    ///
    /// - Returns: the kiosk, locked: the login screen unlocks it with any user's usual PIN.
    /// - Throws: `StoreError.cannotOpen` with a plain reason; the plaintext database is then as it was.
    static func encryptPlaintext(path: String, clock: Clock, derivation: KeyDerivation) throws -> LockedKiosk {
        let fm = FileManager.default
        let slotsURL = KeySlotFile.url(forDatabase: URL(fileURLWithPath: path))
        let pendingURL = URL(fileURLWithPath: slotsURL.path + ".pending")
        let copy = path + ".encrypting"
        for suffix in ["", "-wal", "-shm", "-journal"] { try? fm.removeItem(atPath: copy + suffix) }
        try? fm.removeItem(at: pendingURL)
        do {
            let key = try DatabaseKey.random()
            let inbox = try DistrictSecretKey.generate()
            var slots: KeySlotFile
            let before: [String: Int]
            do {
                let plain = try KingaStore(path: path, clock: clock)
                defer { try? plain.pool.close() }
                guard case .intact = try plain.verifyAudit() else {
                    throw StoreError.cannotOpen(path: path, reason: "its audit log does not verify, so Kinga will not copy it into an encrypted database. Run 'kinga audit verify' and ask your supervisor.")
                }
                before = try plain.rowCounts()
                slots = KeySlotFile(deviceID: plain.deviceID)
                slots.inboxPublicKey = inbox.publicKey
                _ = try plain.addSlotsFromStoredPINs(to: &slots, key: key)
                if let district = try plain.districtKey() { try slots.setRecovery(districtPublicKey: district, key: key) }
                try plain.pool.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                    try DatabaseCipher.exportEncrypted(db, to: copy, key: key)
                }
            }
            // The copy, checked as a whole store with its key: every row, the audit chain; then the inbox key.
            do {
                let encrypted = try KingaStore(path: copy, clock: clock, auditKeyPath: path + ".audit-key", key: key)
                defer { try? encrypted.pool.close() }
                guard try encrypted.rowCounts() == before, case .intact = try encrypted.verifyAudit() else {
                    throw StoreError.cannotOpen(path: path, reason: "the encrypted copy did not match the database, so nothing was changed. Please tell a technician.")
                }
                try encrypted.upkeep { db in
                    try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('inbox_secret_key', ?)", arguments: [inbox.recoveryText])
                }
                try encrypted.pool.writeWithoutTransaction { db in _ = try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            }
            try slots.write(to: pendingURL)
            // Keep the plaintext open while it is replaced, to overwrite it afterwards.
            let original = FileHandle(forUpdatingAtPath: path)
            guard rename(copy, path) == 0 else {
                throw StoreError.cannotOpen(path: path, reason: "the encrypted copy could not take its place (\(String(cString: strerror(errno)))). Nothing was changed.")
            }
            for suffix in ["-wal", "-shm"] {
                try? fm.removeItem(atPath: path + suffix)
                if fm.fileExists(atPath: copy + suffix) { try? fm.moveItem(atPath: copy + suffix, toPath: path + suffix) }
            }
            guard rename(pendingURL.path, slotsURL.path) == 0 else {
                throw StoreError.cannotOpen(path: path, reason: "the key file could not be put in place. Start Kinga again to finish.")
            }
            if let original { Self.zeroAndClose(original) }
            Self.encryptPlaintextBackups(of: path, key: key)
            return LockedKiosk(path: path, clock: clock, book: KeySlotBook(url: slotsURL, derivation: derivation))
        } catch {
            if !fm.fileExists(atPath: slotsURL.path) {
                for suffix in ["", "-wal", "-shm", "-journal"] { try? fm.removeItem(atPath: copy + suffix) }
                try? fm.removeItem(at: pendingURL)
            }
            if let e = error as? StoreError { throw e }
            if let e = error as? VaultError { throw StoreError.cannotOpen(path: path, reason: e.description) }
            throw StoreError.cannotOpen(path: path, reason: plainReason(error))
        }
    }

    /// Re-encrypts the kiosk's database from an older `CipherFormat` (HMAC-SHA512, Kinga's encrypted databases made
    /// before 2026-12-07) into `CipherFormat.current`, under the same key, the first time this version opens it. No
    /// PIN is asked again and the key-slot file does not change (the key is the same).
    ///
    /// 1. The old file is checked (`quick_check`): a damaged one is never copied (`StoreError.damaged`).
    /// 2. Its write-ahead log is folded in (`wal_checkpoint(TRUNCATE)`), then `DatabaseCipher.exportEncrypted`
    ///    copies it to `<db>.reencrypting` (SQLCipher's `sqlcipher_export`: schema, rows, FTS5, triggers).
    /// 3. The copy must open in the current format and hold the same number of rows in every table, else nothing
    ///    changes and the copy is removed.
    /// 4. The copy is renamed over the database (one atomic step). The old file held only ciphertext under the same
    ///    key, so it is not overwritten. Backups stay in the format they were made in: restores and checks read
    ///    both (`Opener.queue`).
    /// An interrupted or failed run leaves the old database as it was; the kiosk then opens in its old format
    /// (`KingaStore.init`) and the next start tries again.
    /// - Throws: `StoreError.damaged`, `StoreError.cannotOpen` with a plain reason; `CipherError.wrongKey`.
    static func reencryptToCurrentFormat(path: String, key: DatabaseKey) throws {
        let fm = FileManager.default
        let copy = path + ".reencrypting"
        let removeCopy = { for suffix in ["", "-wal", "-shm", "-journal"] { try? fm.removeItem(atPath: copy + suffix) } }
        removeCopy()
        let old = try Opener.format(of: path, key: key)
        guard old != .current else { return }
        do {
            let before: [String: Int]
            do {
                let q = try Opener.queue(path, key: key, format: old)
                defer { try? q.close() }
                guard try q.read({ db in try String.fetchOne(db, sql: "PRAGMA quick_check") }) == "ok" else { throw StoreError.damaged(path) }
                before = try q.read(rowCounts)
                try q.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                    try DatabaseCipher.exportEncrypted(db, to: copy, key: key)
                }
            }
            do {
                let q = try Opener.queue(copy, key: key, readonly: true, format: .current)
                defer { try? q.close() }
                guard try q.read(rowCounts) == before else {
                    throw StoreError.cannotOpen(path: path, reason: "the re-encrypted copy did not match the database, so nothing was changed. Please tell a technician.")
                }
            }
            guard rename(copy, path) == 0 else {
                throw StoreError.cannotOpen(path: path, reason: "the re-encrypted copy could not take its place (\(String(cString: strerror(errno)))). Nothing was changed.")
            }
            for suffix in ["-wal", "-shm"] { try? fm.removeItem(atPath: path + suffix) }
            chmod(path, 0o600)
        } catch {
            removeCopy()
            throw error
        }
    }

    /// Finishes an encryption interrupted between its two renames: the database is already the encrypted copy
    /// (it no longer starts with SQLite's plaintext header) and `<db>.keys.pending` is its slot file. When the
    /// database is still plaintext, the pending file is stale and removed (the encryption then starts again).
    /// - Returns: true when a pending slot file was put in place.
    static func finishInterruptedEncryption(path: String) -> Bool {
        let slotsURL = KeySlotFile.url(forDatabase: URL(fileURLWithPath: path))
        let pending = slotsURL.path + ".pending"
        guard FileManager.default.fileExists(atPath: pending) else { return false }
        if DatabaseCipher.isPlaintextDatabase(atPath: path) {
            try? FileManager.default.removeItem(atPath: pending)
            return false
        }
        return rename(pending, slotsURL.path) == 0
    }

    /// Encrypts, under `key`, every plaintext backup in the backups folder of `path`, each checked before its
    /// plaintext is overwritten; a backup that cannot be encrypted is left as it was (and says so in `kinga check`).
    static func encryptPlaintextBackups(of path: String, key: DatabaseKey) {
        let fm = FileManager.default
        for backup in backups(for: path) where DatabaseCipher.isPlaintextDatabase(atPath: backup.path) {
            let copy = backup.path + ".encrypting"
            do {
                let q = try Opener.queue(backup.path, key: nil)
                try q.writeWithoutTransaction { db in try DatabaseCipher.exportEncrypted(db, to: copy, key: key) }
                try q.close()
                let original = FileHandle(forUpdatingAtPath: backup.path)
                guard rename(copy, backup.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
                if let original { zeroAndClose(original) }
            } catch {
                for suffix in ["", "-wal", "-shm", "-journal"] { try? fm.removeItem(atPath: copy + suffix) }
            }
        }
    }

    /// Overwrites an unlinked file's bytes with zeros through its open handle, flushes, and closes it.
    static func zeroAndClose(_ handle: FileHandle) {
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size > 0 else { return }
        try? handle.seek(toOffset: 0)
        let block = Data(count: 1 << 16)
        var left = size
        while left > 0 {
            let n = Int(min(UInt64(block.count), left))
            do { try handle.write(contentsOf: block.prefix(n)) } catch { return }
            left -= UInt64(n)
        }
        try? handle.synchronize()
    }

    /// The number of rows in every table of the database (SQLite's own tables and the search index's shadow
    /// tables left out): what an encrypted copy must match.
    func rowCounts() throws -> [String: Int] { try pool.read(Self.rowCounts) }

    /// `rowCounts()` on one connection.
    static func rowCounts(_ db: Database) throws -> [String: Int] {
        let tables = try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'
              AND name NOT IN (SELECT name || suffix FROM sqlite_master, (SELECT '_data' AS suffix UNION SELECT '_idx' UNION SELECT '_content' UNION SELECT '_docsize' UNION SELECT '_config') WHERE sql LIKE 'CREATE VIRTUAL%')
            """)
        var counts: [String: Int] = [:]
        for t in tables { counts[t] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(t)\"") ?? 0 }
        return counts
    }
}
