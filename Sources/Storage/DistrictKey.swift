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
}
