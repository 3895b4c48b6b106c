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

    /// Makes a new district key pair on this kiosk, for a district office that has none yet: the public half is
    /// set as `setDistrictKey(_:)` does, and the secret half is returned once as recovery text (56 characters in
    /// groups of four, see `DistrictSecretKey.recoveryText`) for the person to write down and give to the office.
    /// Kinga keeps no copy of it anywhere.
    /// - Returns: the recovery text.
    /// - Throws: the errors of `setDistrictKey(_:)`; crypto errors.
    public func makeRecoveryKey() throws -> String {
        let pair = try DistrictSecretKey.generate()
        try setDistrictKey(pair.publicKey)
        return pair.recoveryText
    }
}

/// Why a district key file cannot be used (the screens say it in the user's language).
public enum DistrictKeyError: Error, Equatable, Sendable {
    /// There is no file there, or it is not text.
    case unreadableFile
    /// The file does not hold a district public key (64 hexadecimal digits).
    case notAKey
}
