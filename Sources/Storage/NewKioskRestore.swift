import Foundation
import GRDB
import Model
import Vault

/// Restoring an encrypted backup onto a new laptop (issue #17): the old kiosk was stolen or broke, and the district
/// office brings its recovery key.
extension KingaStore {
    /// Whether `dbPath` is free for a new kiosk: no database there, or only what a first start left before anyone
    /// was made (an empty encrypted database whose key file holds no slot at all).
    public static func isEmptyKiosk(at dbPath: String) -> Bool {
        let fm = FileManager.default
        let slots = KeySlotFile.url(forDatabase: URL(fileURLWithPath: dbPath))
        if fm.fileExists(atPath: slots.path) {
            guard let file = try? KeySlotFile.load(from: slots) else { return false }
            return file.users.isEmpty && file.recovery == nil
        }
        return ((try? fm.attributesOfItem(atPath: dbPath))?[.size] as? Int ?? 0) == 0
    }

    /// Makes a kiosk at `dbPath` from an encrypted backup of another, with the district office's recovery key:
    ///
    /// 1. The backup's key file (`<backup>.keys`, the recovery slot) opens with `recoveryKey`, giving the database
    ///    key and the audit chain's key sealed beside it (backups made from this version on carry it).
    /// 2. The backup is checked with that key and copied to `dbPath`; the audit key is written beside it (0400).
    /// 3. The copy is opened and its audit chain verified with that key: a chain that does not verify stops here and
    ///    what was written is removed.
    /// 4. A new key file is written: a slot for every active user from the PIN hash stored in the backup
    ///    (`KeySlotFile.setUser(_:pinHash:key:)`: everyone's PIN as it was when the backup was made opens the new
    ///    kiosk), the same recovery slot, the kiosk's settings and its inbox key. The kiosk keeps the old device id:
    ///    it replaces the old laptop (two laptops must never run the same backup).
    /// 5. The restore is written to the audit log as `restore.new_kiosk`, by "district recovery key".
    ///
    /// - Parameters: `backup`, an encrypted backup with its `.keys` file beside it; `dbPath`, where the new kiosk's
    ///   database goes (see `isEmptyKiosk(at:)`); `auditKeyFile`, the old kiosk's `.audit-key` file when the backup
    ///   carries none (an older backup).
    /// - Returns: how many users' PINs open the new kiosk.
    /// - Throws: `StoreError.cannotOpen` with a plain reason (a kiosk already at `dbPath`, no key file beside the
    ///   backup, a recovery key of another district, an older backup without its audit key); `.backupDamaged`.
    ///   Nothing at `dbPath` is kept after a failure.
    @discardableResult
    public static func restoreOntoNewKiosk(from backup: String, to dbPath: String, recoveryKey: DistrictSecretKey, clock: Clock,
                                           auditKeyFile: String? = nil) throws -> Int {
        let fm = FileManager.default
        let slotsURL = KeySlotFile.url(forDatabase: URL(fileURLWithPath: dbPath))
        guard isEmptyKiosk(at: dbPath) else {
            throw StoreError.cannotOpen(path: dbPath, reason: "a kiosk already works here. Restore onto it with 'kinga restore FILE --recovery-key KEY --yes' on that kiosk's database, or choose another --db.")
        }
        let backupSlots: KeySlotFile
        do { backupSlots = try KeySlotFile.load(from: KeySlotFile.url(forDatabase: URL(fileURLWithPath: backup))) } catch VaultError.slotFileMissing {
            throw StoreError.cannotOpen(path: backup, reason: "the file ending in .keys that was made with this backup is not beside it. Copy both files together, then try again.")
        } catch let e as VaultError { throw StoreError.cannotOpen(path: backup, reason: e.description) }
        let key: DatabaseKey, auditKey: [UInt8]
        do {
            key = try backupSlots.unlock(recoveryKey: recoveryKey)
            if let sealed = try backupSlots.auditKey(recoveryKey: recoveryKey) {
                auditKey = sealed
            } else if let file = auditKeyFile, let data = fm.contents(atPath: file), data.count == 32 {
                auditKey = [UInt8](data)
            } else {
                throw StoreError.cannotOpen(path: backup, reason: "this backup was made by an older Kinga that did not keep the audit key with it. Copy the old kiosk's file ending in .audit-key and add --audit-key FILE. Nothing was restored.")
            }
        } catch let e as VaultError { throw StoreError.cannotOpen(path: backup, reason: e.description) }
        // Whatever a first start left at dbPath holds nothing anyone entered.
        func clear() {
            for suffix in ["", "-wal", "-shm", ".audit-key"] { try? fm.removeItem(atPath: dbPath + suffix) }
            try? fm.removeItem(at: slotsURL)
        }
        clear()
        do {
            try fm.createDirectory(atPath: (dbPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                                   attributes: [.posixPermissions: 0o700])
            guard fm.createFile(atPath: dbPath + ".audit-key", contents: Data(auditKey), attributes: [.posixPermissions: 0o400]) else {
                throw StoreError.cannotOpen(path: dbPath + ".audit-key", reason: "the audit key could not be written")
            }
            try restore(from: backup, to: dbPath, clock: clock, key: key)
            let store = try KingaStore(path: dbPath, clock: clock, key: key)
            defer { try? store.pool.close() }
            guard case .intact = try store.verifyAudit() else {
                throw StoreError.cannotOpen(path: backup, reason: "its audit log does not verify with the audit key it came with, so Kinga did not make a kiosk from it. Ask the district office.")
            }
            var slots = KeySlotFile(deviceID: store.deviceID)
            if let recovery = backupSlots.recovery { try slots.setRecovery(districtPublicKey: recovery.districtPublicKey, key: key) }
            let people = try store.addSlotsFromStoredPINs(to: &slots, key: key)
            if let text = try store.upkeepRead({ db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'inbox_secret_key'") }) {
                slots.inboxPublicKey = try DistrictSecretKey(recoveryText: text).publicKey
            } else {
                let inbox = try DistrictSecretKey.generate()
                slots.inboxPublicKey = inbox.publicKey
                try store.upkeep { db in
                    try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('inbox_secret_key', ?)", arguments: [inbox.recoveryText])
                }
            }
            try store.auditAlone(actor: "district recovery key", action: "restore.new_kiosk",
                                 detail: "from \((backup as NSString).lastPathComponent); \(people) users' PINs kept")
            try store.pool.writeWithoutTransaction { db in _ = try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            try slots.write(to: slotsURL)
            return people
        } catch let e as StoreError {
            clear()
            throw e
        } catch let e as VaultError {
            clear()
            throw StoreError.cannotOpen(path: dbPath, reason: e.description)
        } catch {
            clear()
            throw StoreError.cannotOpen(path: dbPath, reason: plainReason(error))
        }
    }
}
