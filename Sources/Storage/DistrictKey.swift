import Foundation
import Vault

extension KingaStore {
    /// The district office's public key on this kiosk (issue #17): identifying exports are sealed to it, and
    /// (with encryption at rest) the database key's recovery slot. Nil until an administrator sets it.
    /// - Throws: database errors.
    public func districtKey() throws -> DistrictPublicKey? {
        try setting("district_public_key").flatMap { try? DistrictPublicKey(text: $0) }
    }

    /// Sets the district office's public key, as the administrator logged in (audited as a setting change,
    /// with the key itself, which is public).
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in or they may not manage users;
    ///   `StoreError.cannotOpen` when the key-slot file cannot take the recovery slot; database errors.
    public func setDistrictKey(_ key: DistrictPublicKey) throws {
        let me = try sessionUser("district_key.set")
        guard me.can(.manageUsers, demo: isDemo) else {
            try auditAlone(actor: me.name, action: "access.denied", detail: "district_key.set")
            throw StoreError.accessDenied
        }
        // With encryption at rest the database key is sealed to it first (the recovery slot, issue #17).
        do { try sealRecoverySlot(key) } catch let e as VaultError {
            throw StoreError.cannotOpen(path: path + ".keys", reason: e.description)
        }
        try writeSetting("district_public_key", key.text, as: me)
    }

    /// Sets the district office's public key from the file the office gave (`kinga office new-key` writes it: 64
    /// hexadecimal digits), as `setDistrictKey(_:)`.
    /// - Throws: `DistrictKeyError.unreadableFile` (no such file, or not text), `.notAKey` (not 64 hexadecimal
    ///   digits); the errors of `setDistrictKey(_:)`.
    public func setDistrictKey(fromFile path: String) throws {
        let expanded = (path as NSString).expandingTildeInPath
        guard let data = FileManager.default.contents(atPath: expanded), data.count <= 4096,
              let text = String(data: data, encoding: .utf8) else { throw DistrictKeyError.unreadableFile }
        let key: DistrictPublicKey
        do { key = try DistrictPublicKey(text: text) } catch { throw DistrictKeyError.notAKey }
        try setDistrictKey(key)
    }

    /// Makes a new district key pair on this kiosk, for a district office that has none yet, and sets nothing:
    /// the screen shows `recoveryText` once and, only after the person has typed its last group back, calls
    /// `keep(_:)`. A key nobody wrote down is never sealed into the kiosk's key file.
    /// - Throws: crypto errors.
    public func newRecoveryKey() throws -> PendingRecoveryKey {
        let pair = try DistrictSecretKey.generate()
        return PendingRecoveryKey(recoveryText: pair.recoveryText, publicKey: pair.publicKey)
    }

    /// Sets a recovery key made by `newRecoveryKey()` (as `setDistrictKey(_:)` does, audited).
    /// - Throws: the errors of `setDistrictKey(_:)`.
    public func keep(_ pending: PendingRecoveryKey) throws {
        try setDistrictKey(pending.publicKey)
    }
}

/// A recovery key made at the kiosk and not set yet (see `KingaStore.newRecoveryKey()`).
public struct PendingRecoveryKey: Sendable {
    /// The secret half as recovery text, 56 characters in groups of four (`DistrictSecretKey.recoveryText`): shown
    /// once, then dropped. Kinga keeps no copy.
    public let recoveryText: String
    let publicKey: DistrictPublicKey
}

/// Why a district key file cannot be used (the screens say it in the user's language).
public enum DistrictKeyError: Error, Equatable, Sendable {
    /// There is no file there, or it is not text.
    case unreadableFile
    /// The file does not hold a district public key (64 hexadecimal digits).
    case notAKey
}
