import CSodium
import Foundation

/// How hard a PIN is made to guess: the Argon2id (libsodium `crypto_pwhash`, ALG_ARGON2ID13) limits used to turn a
/// PIN into the key that wraps a user's slot. Stored in each slot, so slots made with other limits keep opening.
public struct KeyDerivation: Codable, Hashable, Sendable {
    /// Passes over memory (Argon2id's t).
    public var opslimit: UInt64
    /// Memory in bytes (Argon2id's m).
    public var memlimit: UInt64

    /// Creates limits; `unwrap`/`setUser` refuse values outside `allowedPasses` and `allowedMemory`.
    public init(opslimit: UInt64, memlimit: UInt64) { (self.opslimit, self.memlimit) = (opslimit, memlimit) }

    /// Kinga's limits for every role: 64 MiB and 3 passes (libsodium's INTERACTIVE memory, one pass more).
    ///
    /// Measured on this 2-core machine (../shared/ENCRYPTION.md): one hash takes about 0.076 s, so trying all
    /// 10^6 six-digit PINs costs about 21 core-hours (`kinga-bench keys` measured 0.100 s, 27.8 core-hours, while
    /// two other builds shared the cores), against 3.1 core-hours at 19 MiB/2 (OWASP's floor). 256 MiB
    /// (4.6 core-days) would quadruple the memory Kinga needs at login on kiosks that have little, for a factor
    /// that still does not make a six-digit PIN safe on a stolen laptop: passphrases and full-disk encryption are
    /// the real answer there. A country profile may ask more for some roles; `kinga-bench keys` prints the
    /// figure on the machine at hand.
    public static let standard = KeyDerivation(opslimit: 3, memlimit: 64 * 1024 * 1024)

    /// The smallest limits libsodium accepts (1 pass, 8 KiB): for tests only, never for real slots.
    public static let fastForTestsOnly = KeyDerivation(opslimit: 1, memlimit: 8 * 1024)

    /// Passes Kinga accepts in a slot file (a damaged file cannot make a login spin for hours).
    public static let allowedPasses: ClosedRange<UInt64> = 1...16
    /// Memory Kinga accepts in a slot file, in bytes: 8 KiB to 2 GiB (a damaged file cannot exhaust memory).
    public static let allowedMemory: ClosedRange<UInt64> = 8 * 1024...(2 << 30)

    var isAllowed: Bool { Self.allowedPasses.contains(opslimit) && Self.allowedMemory.contains(memlimit) }

    /// Argon2id(PIN, salt) into a 32-byte key in locked memory. The PIN is NFC-normalised first, so a passphrase
    /// typed with combining accents opens the same slot as one typed with precomposed letters.
    func deriveKey(pin: String, salt: Data) throws -> SecureBytes {
        guard isAllowed else { throw VaultError.keyDerivationOutOfRange }
        var pinBytes = Array(pin.precomposedStringWithCanonicalMapping.utf8CString.dropLast())
        defer { sodium_memzero(&pinBytes, pinBytes.count) }
        let keyBytes = Int(crypto_aead_xchacha20poly1305_ietf_keybytes())
        return try SecureBytes(count: keyBytes) { out in
            let rc = salt.withUnsafeBytes { s in
                crypto_pwhash(out.bindMemory(to: UInt8.self).baseAddress!, UInt64(keyBytes), pinBytes, UInt64(pinBytes.count),
                              s.bindMemory(to: UInt8.self).baseAddress!, opslimit, Int(memlimit), crypto_pwhash_alg_argon2id13())
            }
            guard rc == 0 else { throw VaultError.keyDerivationFailed }
        }
    }
}

/// One user's key slot: who they are (for the login screen, before the database is open) and the database key
/// wrapped under Argon2id(their PIN). Names, roles and language only; no case data.
public struct UserKeySlot: Codable, Hashable, Sendable {
    /// The user's id (Storage's `User.id`); part of the associated data, so a slot cannot be moved to another user.
    public var userID: UUID
    /// The name shown on the login screen.
    public var name: String
    /// Role names (Model's `Role` raw values, e.g. "focal_point").
    public var roles: [String]
    /// The user's language code ("en", "id", …) for the login screen.
    public var language: String
    /// False for a deactivated user (whose slot `removeUser` normally deletes outright).
    public var active: Bool
    /// Argon2id salt (16 bytes, random per slot, new at every PIN change).
    public var salt: Data
    /// Argon2id passes used for this slot.
    public var opslimit: UInt64
    /// Argon2id memory in bytes used for this slot.
    public var memlimit: UInt64
    /// XChaCha20-Poly1305 nonce (24 random bytes).
    public var nonce: Data
    /// The wrapped database key: 32 bytes of ciphertext and a 16-byte tag.
    public var ciphertext: Data
    /// Wrong PINs typed for this person on the login screen before the database was open (nil: none). Kinga
    /// locks the slot after five (Model's `PINRule`) and writes them to the audit log at the next unlock.
    public var failedAttempts: Int?
    /// No PIN is tried for this slot before this moment (nil: not locked).
    public var lockedUntil: Date?

    /// The associated data that binds the wrapped key to this user: `kinga-db:v1:user=<UUID, upper case>`.
    public static func associatedData(for userID: UUID) -> [UInt8] { Array("kinga-db:v1:user=\(userID.uuidString)".utf8) }

    var derivation: KeyDerivation { KeyDerivation(opslimit: opslimit, memlimit: memlimit) }
}

/// The district recovery slot: the database key sealed to the district office's public key.
public struct RecoverySlot: Codable, Hashable, Sendable {
    /// The district office's public key the key was sealed to.
    public var districtPublicKey: DistrictPublicKey
    /// `crypto_box_seal(database key, districtPublicKey)`: 80 bytes.
    public var sealedKey: Data
    /// Beside a backup only: the kiosk's audit-chain key (32 bytes), `crypto_box_seal`ed to the same district key
    /// (80 bytes), so that a backup restored onto a new laptop with the recovery key keeps a verifiable audit log.
    /// Absent in the kiosk's own key file (its audit key is the file beside the database) and in older backups.
    public var sealedAuditKey: Data?
}

/// Who a slot is for, as `KeySlotFile.setUser` takes it.
public struct KeySlotUser: Hashable, Sendable {
    /// The user's id (Storage's `User.id`).
    public var id: UUID
    /// The name shown on the login screen.
    public var name: String
    /// Role names (Model's `Role` raw values).
    public var roles: [String]
    /// Language code for the login screen.
    public var language: String
    /// False for a deactivated user.
    public var active: Bool
    /// Describes a user for their key slot.
    public init(id: UUID, name: String, roles: [String], language: String = "en", active: Bool = true) {
        self.id = id; self.name = name; self.roles = roles; self.language = language; self.active = active
    }
}

/// The key-slot file beside a database (`<database>.keys`, mode 0600, JSON): everything needed to unlock the
/// database key before the database is open, and nothing about any case.
///
/// ```json
/// {"kind":"kinga-key-slots","format":1,"deviceID":"…","users":[{"userID":"…","name":"Ana","roles":["focal_point"],
///  "language":"en","active":true,"salt":"<base64>","opslimit":3,"memlimit":67108864,"nonce":"<base64>",
///  "ciphertext":"<base64>"}],"recovery":{"districtPublicKey":"<64 hex digits>","sealedKey":"<base64>"}}
/// ```
/// Wrapping: XChaCha20-Poly1305 (`crypto_aead_xchacha20poly1305_ietf`) with key Argon2id(PIN, salt) and associated
/// data `kinga-db:v1:user=<uuid>`; recovery: `crypto_box_seal` to the district's X25519 key. All libsodium.
public struct KeySlotFile: Codable, Hashable, Sendable {
    /// Always "kinga-key-slots": tells Kinga's file from any other JSON.
    public var kind: String
    /// The file format; this Kinga writes `currentFormat` and refuses newer ones.
    public var format: Int
    /// The kiosk this file (and its database) belongs to.
    public var deviceID: UUID
    /// One slot per active user.
    public var users: [UserKeySlot]
    /// The district recovery slot, once the district key is set up.
    public var recovery: RecoverySlot?
    /// The kiosk's settings the screens need before the database is open: `language` (ISO 639-1) and `theme`.
    /// Never anything about a case or a person.
    public var settings: [String: String]?
    /// The kiosk's inbox key: a child's report made before anyone unlocked the database is sealed to it
    /// (`crypto_box_seal`), and only the secret key inside the encrypted database opens it.
    public var inboxPublicKey: DistrictPublicKey?

    /// The value of `kind`.
    public static let kindName = "kinga-key-slots"
    /// The format this Kinga reads and writes.
    public static let currentFormat = 1

    /// An empty file for a kiosk (add users with `setUser`, the district with `setRecovery`).
    public init(deviceID: UUID) {
        kind = Self.kindName; format = Self.currentFormat; self.deviceID = deviceID; users = []; recovery = nil
    }

    /// Where the key-slot file of a database lives: the database's path with `.keys` appended.
    public static func url(forDatabase database: URL) -> URL {
        database.deletingLastPathComponent().appendingPathComponent(database.lastPathComponent + ".keys")
    }

    // MARK: Users

    /// Adds the user's slot, or replaces it (a PIN change rewrites this one slot with a new salt and nonce).
    /// Takes `derivation.memlimit` bytes of memory and its time (about 0.08 s at `.standard`).
    public mutating func setUser(_ user: KeySlotUser, pin: String, key: DatabaseKey,
                                 derivation: KeyDerivation = .standard) throws {
        let salt = randomData(count: Int(crypto_pwhash_saltbytes()))
        let wrapping = try derivation.deriveKey(pin: pin, salt: salt)
        try put(user, key: key, wrapping: wrapping, salt: salt, derivation: derivation)
    }

    /// Adds or replaces the user's slot without their PIN, from the Argon2id hash Kinga stored for it (libsodium's
    /// `crypto_pwhash_str` PHC string, `$argon2id$v=19$m=<KiB>,t=<passes>,p=1$<salt>$<hash>`): the 32-byte hash in
    /// that string is exactly Argon2id(PIN, salt) at those limits, the key `unlock(userID:pin:)` derives from the
    /// PIN, so the slot opens with the same PIN. This is how a database made before encryption at rest gets a slot
    /// for every user at once (issue #17); the string itself is then only inside the encrypted database.
    /// - Throws: `VaultError.slotFileDamaged` when the string is not such a hash (`detail` says so); crypto errors.
    public mutating func setUser(_ user: KeySlotUser, pinHash: String, key: DatabaseKey) throws {
        guard let parsed = Self.parseArgon2idHash(pinHash) else {
            throw VaultError.slotFileDamaged(path: "", detail: "the stored PIN hash of \(user.name) is not an Argon2id hash")
        }
        let derivation = KeyDerivation(opslimit: parsed.passes, memlimit: parsed.memoryKiB * 1024)
        guard derivation.isAllowed else { throw VaultError.keyDerivationOutOfRange }
        let wrapping = try SecureBytes(count: parsed.hash.count) { out in parsed.hash.copyBytes(to: out.bindMemory(to: UInt8.self)) }
        try put(user, key: key, wrapping: wrapping, salt: parsed.salt, derivation: derivation)
    }

    /// The salt, limits and hash of a libsodium Argon2id PHC string with one lane, a 16-byte salt and a 32-byte
    /// hash (base64 without padding, as libsodium writes them), or nil.
    static func parseArgon2idHash(_ phc: String) -> (salt: Data, hash: Data, passes: UInt64, memoryKiB: UInt64)? {
        let parts = phc.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0].isEmpty, parts[1] == "argon2id", parts[2] == "v=19" else { return nil }
        var limits: [Substring: UInt64] = [:]
        for item in parts[3].split(separator: ",") {
            let kv = item.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, let v = UInt64(kv[1]) else { return nil }
            limits[kv[0]] = v
        }
        func unpadded(_ text: Substring) -> Data? {
            Data(base64Encoded: String(text) + String(repeating: "=", count: (4 - text.count % 4) % 4))
        }
        guard let m = limits["m"], let t = limits["t"], limits["p"] == 1,
              let salt = unpadded(parts[4]), salt.count == Int(crypto_pwhash_saltbytes()),
              let hash = unpadded(parts[5]), hash.count == DatabaseKey.byteCount else { return nil }
        return (salt, hash, t, m)
    }

    /// Wraps `key` under `wrapping` into the user's slot (a fresh nonce every time).
    private mutating func put(_ user: KeySlotUser, key: DatabaseKey, wrapping: SecureBytes, salt: Data, derivation: KeyDerivation) throws {
        let nonce = randomData(count: Int(crypto_aead_xchacha20poly1305_ietf_npubbytes()))
        let ad = UserKeySlot.associatedData(for: user.id)
        var ciphertext = Data(count: DatabaseKey.byteCount + Int(crypto_aead_xchacha20poly1305_ietf_abytes()))
        let rc = ciphertext.withUnsafeMutableBytes { c in
            key.withUnsafeBytes { m in
                nonce.withUnsafeBytes { n in
                    wrapping.withBytes { k in
                        crypto_aead_xchacha20poly1305_ietf_encrypt(
                            c.bindMemory(to: UInt8.self).baseAddress!, nil, m.bindMemory(to: UInt8.self).baseAddress!,
                            UInt64(m.count), ad, UInt64(ad.count), nil, n.bindMemory(to: UInt8.self).baseAddress!,
                            k.bindMemory(to: UInt8.self).baseAddress!)
                    }
                }
            }
        }
        guard rc == 0 else { throw VaultError.cryptoFailed("crypto_aead_xchacha20poly1305_ietf_encrypt") }
        let slot = UserKeySlot(userID: user.id, name: user.name, roles: user.roles, language: user.language,
                               active: user.active, salt: salt, opslimit: derivation.opslimit,
                               memlimit: derivation.memlimit, nonce: nonce, ciphertext: ciphertext)
        if let i = users.firstIndex(where: { $0.userID == user.id }) { users[i] = slot } else { users.append(slot) }
    }

    /// Changes what the login screen shows for a user (name, roles, language, active) without touching the
    /// wrapped key. Returns false when the user has no slot.
    @discardableResult
    public mutating func updateUser(_ user: KeySlotUser) -> Bool {
        guard let i = users.firstIndex(where: { $0.userID == user.id }) else { return false }
        users[i].name = user.name
        users[i].roles = user.roles
        users[i].language = user.language
        users[i].active = user.active
        return true
    }

    /// Removes the user's slot (a deactivated user can no longer unlock). Returns false when there was none.
    @discardableResult
    public mutating func removeUser(_ userID: UUID) -> Bool {
        let before = users.count
        users.removeAll { $0.userID == userID }
        return users.count != before
    }

    /// Opens the user's slot with their PIN. Throws `VaultError.noSlot` (no slot for this user),
    /// `VaultError.wrongPIN` (the PIN, or a tampered slot), or a derivation error; never returns a wrong key.
    public func unlock(userID: UUID, pin: String) throws -> DatabaseKey {
        guard let slot = users.first(where: { $0.userID == userID }) else { throw VaultError.noSlot(userID: userID) }
        let wrapping = try slot.derivation.deriveKey(pin: pin, salt: slot.salt)
        let ad = UserKeySlot.associatedData(for: userID)
        let storage = try SecureBytes(count: DatabaseKey.byteCount) { m in
            let rc = slot.ciphertext.withUnsafeBytes { c in
                slot.nonce.withUnsafeBytes { n in
                    wrapping.withBytes { k in
                        crypto_aead_xchacha20poly1305_ietf_decrypt(
                            m.bindMemory(to: UInt8.self).baseAddress!, nil, nil, c.bindMemory(to: UInt8.self).baseAddress!,
                            UInt64(c.count), ad, UInt64(ad.count), n.bindMemory(to: UInt8.self).baseAddress!,
                            k.bindMemory(to: UInt8.self).baseAddress!)
                    }
                }
            }
            guard rc == 0 else { throw VaultError.wrongPIN }
        }
        return DatabaseKey(storage: storage)
    }

    // MARK: District recovery

    /// Seals the database key to the district's public key (replacing any earlier recovery slot).
    public mutating func setRecovery(districtPublicKey: DistrictPublicKey, key: DatabaseKey) throws {
        let sealed = try key.withUnsafeBytes { try districtPublicKey.seal($0) }
        recovery = RecoverySlot(districtPublicKey: districtPublicKey, sealedKey: sealed)
    }

    /// Seals the kiosk's audit-chain key (`auditKey`, 32 bytes) into the recovery slot, for a backup's key file
    /// (issue #17: a backup restored onto a new laptop). Throws `VaultError.noRecoverySlot` when there is no
    /// recovery slot yet; crypto errors.
    public mutating func sealAuditKeyForRecovery(_ auditKey: [UInt8]) throws {
        guard var r = recovery else { throw VaultError.noRecoverySlot }
        r.sealedAuditKey = try auditKey.withUnsafeBytes { try r.districtPublicKey.seal($0) }
        recovery = r
    }

    /// The audit-chain key sealed into the recovery slot (see `sealAuditKeyForRecovery`), opened with the district's
    /// secret key; nil when the file holds none (a kiosk's own key file, a backup from before it was kept).
    /// - Throws: `VaultError.noRecoverySlot`, `.wrongRecoveryKey` (not the key it was sealed to).
    public func auditKey(recoveryKey: DistrictSecretKey) throws -> [UInt8]? {
        guard let recovery else { throw VaultError.noRecoverySlot }
        guard recoveryKey.publicKey == recovery.districtPublicKey else { throw VaultError.wrongRecoveryKey }
        guard let sealed = recovery.sealedAuditKey else { return nil }
        return try recoveryKey.openSealed(sealed)
    }

    /// Opens the recovery slot with the district's secret key. Throws `VaultError.noRecoverySlot`, or
    /// `VaultError.wrongRecoveryKey` when the secret key is not the one the slot was sealed to.
    public func unlock(recoveryKey: DistrictSecretKey) throws -> DatabaseKey {
        guard let recovery else { throw VaultError.noRecoverySlot }
        guard recoveryKey.publicKey == recovery.districtPublicKey else { throw VaultError.wrongRecoveryKey }
        let storage = try SecureBytes(count: DatabaseKey.byteCount) { m in
            let rc = recovery.sealedKey.withUnsafeBytes { c in
                recovery.districtPublicKey.bytes.withUnsafeBytes { pk in
                    recoveryKey.storage.withBytes { sk in
                        crypto_box_seal_open(m.bindMemory(to: UInt8.self).baseAddress!, c.bindMemory(to: UInt8.self).baseAddress!,
                                             UInt64(c.count), pk.bindMemory(to: UInt8.self).baseAddress!,
                                             sk.bindMemory(to: UInt8.self).baseAddress!)
                    }
                }
            }
            guard rc == 0 else { throw VaultError.wrongRecoveryKey }
        }
        return DatabaseKey(storage: storage)
    }

    // MARK: Reading and writing

    /// Reads and checks a key-slot file. Never writes. Throws `VaultError.slotFileMissing`, `.slotFileDamaged`
    /// (not JSON, not Kinga's, or a field of the wrong size), `.slotFileTooNew`, or `.slotFileFromOtherKiosk`
    /// when `expectedDeviceID` is given and differs.
    public static func load(from url: URL, expectedDeviceID: UUID? = nil) throws -> KeySlotFile {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw VaultError.slotFileMissing(path: path) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw VaultError.slotFileDamaged(path: path, detail: "it cannot be read")
        }
        struct Header: Decodable { var kind: String?; var format: Int? }
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw VaultError.slotFileDamaged(path: path, detail: "it is not a key file")
        }
        guard header.kind == kindName, let format = header.format else {
            throw VaultError.slotFileDamaged(path: path, detail: "it is not a key file")
        }
        guard format <= currentFormat else { throw VaultError.slotFileTooNew(path: path, format: format) }
        let file: KeySlotFile
        do { file = try JSONDecoder().decode(KeySlotFile.self, from: data) } catch {
            throw VaultError.slotFileDamaged(path: path, detail: "some of its fields are missing or unreadable")
        }
        if let problem = file.problem { throw VaultError.slotFileDamaged(path: path, detail: problem) }
        if let expectedDeviceID, file.deviceID != expectedDeviceID { throw VaultError.slotFileFromOtherKiosk(path: path) }
        return file
    }

    /// What is wrong with the fields' sizes and limits, or nil when all is well.
    var problem: String? {
        if Set(users.map(\.userID)).count != users.count { return "a person has two slots" }
        for s in users {
            if s.salt.count != Int(crypto_pwhash_saltbytes()) || s.nonce.count != Int(crypto_aead_xchacha20poly1305_ietf_npubbytes())
                || s.ciphertext.count != DatabaseKey.byteCount + Int(crypto_aead_xchacha20poly1305_ietf_abytes()) {
                return "the slot of \(s.name) has the wrong size"
            }
            if !s.derivation.isAllowed { return "the slot of \(s.name) has PIN settings out of range" }
        }
        if let r = recovery, r.sealedKey.count != DatabaseKey.byteCount + Int(crypto_box_sealbytes())
            || (r.sealedAuditKey.map { $0.count != 32 + Int(crypto_box_sealbytes()) } ?? false) {
            return "the recovery slot has the wrong size"
        }
        return nil
    }

    /// Writes the file atomically with mode 0600: a new file is written and flushed beside it, then renamed over
    /// the old one (which stays whole if anything fails). Throws `VaultError.cannotWrite`.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(self) } catch {
            throw VaultError.cannotWrite(path: url.path, reason: "it could not be encoded")
        }
        try AtomicFile.write(data, to: url, mode: 0o600)
    }
}

/// Writes a file so that readers see either the old or the new whole file, with the permissions set from the start.
enum AtomicFile {
    static func write(_ data: Data, to url: URL, mode: mode_t) throws {
        let path = url.path
        let dir = url.deletingLastPathComponent().path
        let temp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        func fail(_ what: String) -> VaultError { .cannotWrite(path: path, reason: "\(what): \(String(cString: strerror(errno)))") }
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw fail("cannot create a file in \(dir)") }
        var ok = data.withUnsafeBytes { buf -> Bool in
            var offset = 0
            while offset < buf.count {
                let n = Foundation.write(fd, buf.baseAddress! + offset, buf.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        let error = fail("cannot write")
        close(fd)
        guard ok, rename(temp, path) == 0 else {
            let e = ok ? fail("cannot replace the old file") : error
            unlink(temp)
            throw e
        }
        let dfd = open(dir, O_RDONLY | O_DIRECTORY)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }
}
