import Foundation
import GRDB
import Model
import Vault

/// The key-slot file of an encrypted database (`<database>.keys`, issue #17), as the store keeps it in step with
/// its users: every change is read, made and written back under an exclusive `flock` on `<database>.keys.lock`,
/// so two Kinga processes on one kiosk never lose each other's slots.
///
/// The file holds names, roles, languages and wrapped keys only (see `KeySlotFile`), never case data.
final class KeySlotBook: @unchecked Sendable {
    /// Where the slot file lives.
    let url: URL
    /// How hard new slots make a PIN to guess (`KeyDerivation.standard` for real kiosks; tests use the fastest).
    let derivation: KeyDerivation
    /// Serialises this process's threads; the `flock` serialises processes.
    private let lock = NSLock()

    init(url: URL, derivation: KeyDerivation) {
        self.url = url
        self.derivation = derivation
    }

    /// The file as it is on disk now.
    /// - Throws: `VaultError` (missing, damaged, too new).
    func read() throws -> KeySlotFile { try KeySlotFile.load(from: url) }

    /// Reads the file, lets `change` alter it, and writes it back atomically, all under the lock.
    /// - Throws: `VaultError` from reading or writing, or what `change` throws (then nothing is written).
    @discardableResult
    func update<R>(_ change: (inout KeySlotFile) throws -> R) throws -> R {
        lock.lock()
        defer { lock.unlock() }
        let fd = open(url.path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 { flock(fd, LOCK_EX) }
        defer { if fd >= 0 { flock(fd, LOCK_UN); close(fd) } }
        var file = try KeySlotFile.load(from: url)
        let result = try change(&file)
        try file.write(to: url)
        return result
    }

    /// The kiosk settings kept in the slot file for before the unlock: the login screen's language and colours,
    /// and the country profile (its idle-lock minutes apply from the first screen). None says anything about a
    /// person or a case.
    static let mirroredSettings: Set<String> = ["language", "theme", "profile"]

    /// What a user's slot says about them.
    static func slotUser(_ user: User) -> KeySlotUser {
        KeySlotUser(id: user.id, name: user.name, roles: user.roles.map(\.rawValue).sorted(), language: user.language, active: user.active)
    }
}

extension KingaStore {
    /// Gives every active user of this database who can log in here (people from the district without a PIN here
    /// have nothing to make a slot from) a slot in `slots` made from the Argon2id hash of
    /// their PIN stored here (`KeySlotFile.setUser(_:pinHash:key:)`), so each PIN opens `key` as it opened this
    /// database; and copies the settings the login screen needs (`KeySlotBook.mirroredSettings`). How a database
    /// made before encryption (`encryptPlaintext`) and a kiosk made from a backup (`restoreAsNewKiosk`) get their
    /// slots without anyone typing a PIN. Read as upkeep: nobody may be logged in on this handle.
    /// - Returns: how many people got a slot.
    /// - Throws: `StoreError.accessDenied` during a session; database and libsodium errors.
    func addSlotsFromStoredPINs(to slots: inout KeySlotFile, key: DatabaseKey) throws -> Int {
        let rows = try upkeepRead { db in
            try Row.fetchAll(db, sql: "SELECT id, name, roles, language, active, pin_hash FROM app_user WHERE active = 1 AND pin_hash <> ?", arguments: [Self.noPINHere])
        }
        var people = 0
        for row in rows {
            guard let user = Self.user(from: row), !user.roles.isEmpty else { continue }
            try slots.setUser(KeySlotBook.slotUser(user), pinHash: row["pin_hash"], key: key)
            people += 1
        }
        var settings: [String: String] = [:]
        for name in KeySlotBook.mirroredSettings { if let v = try setting(name) { settings[name] = v } }
        slots.settings = settings
        return people
    }
}

extension KingaStore {
    /// Gives `user` a slot that opens the database with `pin` (a new user, or a PIN change: a new salt and nonce),
    /// then runs `write`; when `write` fails, the slot file is put back as it was. Without a key-slot file (a
    /// plaintext database, the demo, most tests) only `write` runs.
    /// - Throws: `VaultError` when the slot file cannot be read or written (then nothing was written to the
    ///   database); what `write` throws.
    func withSlot<R>(for user: User, pin: String, _ write: () throws -> R) throws -> R {
        guard let book = keySlots, let key else { return try write() }
        let before: UserKeySlot? = try book.update { file in
            let old = file.users.first { $0.userID == user.id }
            try file.setUser(KeySlotBook.slotUser(user), pin: pin, key: key, derivation: book.derivation)
            return old
        }
        do {
            return try write()
        } catch {
            _ = try? book.update { file in
                file.removeUser(user.id)
                if let old = before { file.users.append(old) }
            }
            throw error
        }
    }

    /// Keeps the login screen's copy of a user (name, roles, language, active) in step; removes the slot of a
    /// user who is no longer active. Best effort after the database changed: a failure is audited, never thrown
    /// (the database is the record; the slot file is rewritten at the user's next PIN change).
    func refreshSlot(for userID: UUID) {
        guard let book = keySlots else { return }
        do {
            let user = try storedUser(userID)
            try book.update { file in
                if let u = user, u.active { file.updateUser(KeySlotBook.slotUser(u)) } else { file.removeUser(userID) }
            }
        } catch {
            try? auditAlone(actor: "Kinga", action: "keys.update_failed", detail: "\(error)")
        }
    }

    /// Mirrors a kiosk setting the screens need before unlocking (`KeySlotBook.mirroredSettings`) into the slot file.
    func mirrorSetting(_ key: String, _ value: String) {
        guard let book = keySlots, KeySlotBook.mirroredSettings.contains(key) else { return }
        do {
            try book.update { file in file.settings = (file.settings ?? [:]).merging([key: value]) { $1 } }
        } catch {
            try? auditAlone(actor: "Kinga", action: "keys.update_failed", detail: "\(error)")
        }
    }

    /// Seals the database key to the district office's public key in the slot file (the recovery slot).
    /// - Throws: `VaultError` when the slot file cannot be written.
    func sealRecoverySlot(_ district: DistrictPublicKey) throws {
        guard let book = keySlots, let key else { return }
        try book.update { file in try file.setRecovery(districtPublicKey: district, key: key) }
    }
}
