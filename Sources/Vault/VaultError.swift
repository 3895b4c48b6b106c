import Foundation

/// What can go wrong with keys and key slots, each in words a screen can show as it is (what happened, what to do).
/// No case carries key material or a PIN.
public enum VaultError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The PIN or passphrase does not open this user's slot (or the slot was tampered with).
    case wrongPIN
    /// This user has no key slot on this kiosk (never set up, or deactivated).
    case noSlot(userID: UUID)
    /// The slot file has no district recovery slot.
    case noRecoverySlot
    /// The recovery key is well formed but is not the one this file was sealed to.
    case wrongRecoveryKey
    /// The recovery key text cannot be read (wrong length, or a character that recovery keys never use).
    case recoveryKeyUnreadable(String)
    /// The recovery key text is readable but its check characters do not match: a typing mistake.
    case recoveryKeyTypo
    /// A district public key (text or file) is not 64 hexadecimal digits.
    case publicKeyUnreadable
    /// No key-slot file at this path.
    case slotFileMissing(path: String)
    /// The key-slot file at this path is damaged or not Kinga's (detail says what is wrong). Nothing was changed.
    case slotFileDamaged(path: String, detail: String)
    /// The key-slot file was written by a newer Kinga (its format number).
    case slotFileTooNew(path: String, format: Int)
    /// The key-slot file belongs to another kiosk (another device id).
    case slotFileFromOtherKiosk(path: String)
    /// The key-slot file could not be written (path and the system's reason). The old file, if any, is unchanged.
    case cannotWrite(path: String, reason: String)
    /// Key-derivation limits outside what Kinga accepts (see `KeyDerivation.allowedPasses`/`allowedMemory`).
    case keyDerivationOutOfRange
    /// Argon2id could not run (almost always: not enough memory for the chosen limit).
    case keyDerivationFailed
    /// The system refused locked memory for a key (ulimit -l too small).
    case outOfLockedMemory
    /// A libsodium call failed where it should not (its name).
    case cryptoFailed(String)
    /// The kiosk's own district key (`KioskIdentity`) cannot be used (detail says why). Nothing was changed.
    case kioskKeyDamaged(path: String, detail: String)

    /// What happened and what to do, in plain words for the screen.
    public var description: String {
        switch self {
        case .wrongPIN: return "That PIN is not right. Please try again."
        case .noSlot: return "This person cannot unlock Kinga on this computer yet. Ask an administrator to set their PIN again."
        case .noRecoverySlot: return "This key file has no district recovery key, so the recovery key cannot open it. Use a user's PIN on the kiosk it came from."
        case .wrongRecoveryKey: return "This recovery key belongs to another district office or another kiosk. Check that it is the key kept for this kiosk."
        case .recoveryKeyUnreadable(let why): return "The recovery key cannot be read: \(why). Type it again exactly as it was written down."
        case .recoveryKeyTypo: return "The recovery key has a typing mistake somewhere. Check each group of four characters and type it again."
        case .publicKeyUnreadable: return "The district public key should be 64 characters, digits 0-9 and letters a-f. Ask the district office for the file again."
        case .slotFileMissing(let path): return "Kinga cannot find its key file at \(path). Restore it from a backup, or open the database with the district recovery key."
        case .kioskKeyDamaged(let path, let detail):
            return "This kiosk's district key at \(path) cannot be used (\(detail)). The kiosk cannot sync until it joins the district again: ask the district office for a new enrolment code. Nothing was changed."
        case .slotFileDamaged(let path, let detail): return "The key file at \(path) is damaged or is not Kinga's (\(detail)). Nothing was changed. Restore it from a backup, or use the district recovery key."
        case .slotFileTooNew(let path, let format): return "The key file at \(path) was made by a newer Kinga (format \(format)). Install the newer Kinga. Nothing was changed."
        case .slotFileFromOtherKiosk(let path): return "The key file at \(path) belongs to another kiosk. Use that kiosk's database, or the district recovery key. Nothing was changed."
        case .cannotWrite(let path, let reason): return "Kinga could not save its key file at \(path): \(reason). The previous file is unchanged."
        case .keyDerivationOutOfRange: return "The PIN protection settings are outside what Kinga accepts. Check the country profile."
        case .keyDerivationFailed: return "Kinga does not have enough memory to check the PIN. Close other programs and try again."
        case .outOfLockedMemory: return "The computer refused Kinga the protected memory it keeps keys in. Ask a technician to raise the locked-memory limit (ulimit -l)."
        case .cryptoFailed(let name): return "An encryption step failed (\(name)). Please tell a technician."
        }
    }
}
