import CSodium
import Foundation

/// A kiosk's own Ed25519 key pair (issue #18), made when it joins a district: the server keeps the public key and
/// checks that every push and pull is signed with the secret one (`sign`), so the kiosk's bearer token alone no
/// longer speaks for it.
///
/// The key lives in a file of its own beside the database (`<database>.kiosk-key`, mode 0600: readable only by
/// Kinga's user), never inside the database, so a backup never carries it: a kiosk restored from a backup cannot
/// speak as the kiosk it was copied from and must join the district afresh (issue #19). When the database is
/// encrypted, the secret key in that file is encrypted too (libsodium's `crypto_secretbox`, XSalsa20-Poly1305,
/// under a key derived from the database key with `crypto_kdf_derive_from_key`, context `kioskid`), so it opens
/// only while the database is unlocked. In memory the secret key stays in locked memory (`SecureBytes`).
public final class KioskIdentity: @unchecked Sendable {
    /// The Ed25519 public key (32 bytes), sent to the server when the kiosk enrols.
    public let publicKey: Data
    private let secret: SecureBytes

    private init(publicKey: Data, secret: SecureBytes) {
        self.publicKey = publicKey
        self.secret = secret
    }

    /// A new random key pair (libsodium's `crypto_sign_keypair`).
    /// - Throws: `VaultError.outOfLockedMemory`.
    public static func generate() throws -> KioskIdentity {
        var pk = Data(count: Int(crypto_sign_publickeybytes()))
        let sk = try SecureBytes(count: Int(crypto_sign_secretkeybytes())) { out in
            pk.withUnsafeMutableBytes { _ = crypto_sign_keypair($0.bindMemory(to: UInt8.self).baseAddress!, out.bindMemory(to: UInt8.self).baseAddress!) }
        }
        return KioskIdentity(publicKey: pk, secret: sk)
    }

    /// The detached Ed25519 signature (64 bytes) of `message` (`crypto_sign_detached`).
    public func sign(_ message: Data) -> Data {
        var signature = Data(count: Int(crypto_sign_bytes()))
        signature.withUnsafeMutableBytes { s in
            message.withUnsafeBytes { m in
                secret.withBytes { k in
                    _ = crypto_sign_detached(s.bindMemory(to: UInt8.self).baseAddress!, nil, m.bindMemory(to: UInt8.self).baseAddress,
                                             UInt64(message.count), k.bindMemory(to: UInt8.self).baseAddress!)
                }
            }
        }
        return signature
    }

    /// Whether `signature` is `publicKey`'s Ed25519 signature of `message` (`crypto_sign_verify_detached`).
    public static func isValid(signature: Data, of message: Data, publicKey: Data) -> Bool {
        precondition(sodiumReady, "libsodium could not be initialised")
        guard signature.count == Int(crypto_sign_bytes()), publicKey.count == Int(crypto_sign_publickeybytes()) else { return false }
        return signature.withUnsafeBytes { s in
            message.withUnsafeBytes { m in
                publicKey.withUnsafeBytes { p in
                    crypto_sign_verify_detached(s.bindMemory(to: UInt8.self).baseAddress!, m.bindMemory(to: UInt8.self).baseAddress,
                                                UInt64(message.count), p.bindMemory(to: UInt8.self).baseAddress!) == 0
                }
            }
        }
    }

    /// The secret key's bytes, for tests that look for them in files (internal: never used by Kinga itself).
    var secretForTests: Data { secret.withBytes { Data($0) } }

    /// The file beside a database that holds its kiosk key: `<database>.kiosk-key`.
    public static func url(forDatabase database: URL) -> URL {
        database.deletingLastPathComponent().appendingPathComponent(database.lastPathComponent + ".kiosk-key")
    }

    /// What the file holds (JSON): the public key, and the secret key either sealed under the database key or,
    /// for a plaintext database, as it is.
    private struct Stored: Codable {
        var format = 1
        var publicKey: Data
        var sealed: Bool
        var nonce: Data?
        var secret: Data
    }

    /// Writes the key pair to `url` (mode 0600, atomically: a new file renamed into place), sealed under
    /// `databaseKey` when there is one.
    /// - Throws: `VaultError.cannotWrite` when the file cannot be written (the old file, if any, is unchanged).
    public func write(to url: URL, databaseKey: DatabaseKey?) throws {
        var stored = Stored(publicKey: publicKey, sealed: databaseKey != nil, secret: Data())
        if let databaseKey {
            let nonce = randomData(count: Int(crypto_secretbox_noncebytes()))
            let box = try Self.boxKey(databaseKey)
            var sealed = Data(count: secret.count + Int(crypto_secretbox_macbytes()))
            sealed.withUnsafeMutableBytes { c in
                secret.withBytes { m in
                    nonce.withUnsafeBytes { n in
                        box.withBytes { k in
                            _ = crypto_secretbox_easy(c.bindMemory(to: UInt8.self).baseAddress!, m.bindMemory(to: UInt8.self).baseAddress!,
                                                      UInt64(m.count), n.bindMemory(to: UInt8.self).baseAddress!, k.bindMemory(to: UInt8.self).baseAddress!)
                        }
                    }
                }
            }
            stored.nonce = nonce
            stored.secret = sealed
        } else {
            stored.secret = secret.withBytes { Data($0) }
        }
        let data = try JSONEncoder().encode(stored)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw VaultError.cannotWrite(path: url.path, reason: String(cString: strerror(errno)))
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw VaultError.cannotWrite(path: url.path, reason: reason)
        }
    }

    /// Reads the key pair from `url`, opening it with `databaseKey` when it was sealed.
    /// - Returns: nil when there is no file (a kiosk that never joined, or one restored from a backup).
    /// - Throws: `VaultError.kioskKeyDamaged` when the file is not a kiosk key, was sealed under another key, or is
    ///   sealed and no key was given.
    public static func load(from url: URL, databaseKey: DatabaseKey?) throws -> KioskIdentity? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        func damaged(_ why: String) -> VaultError { .kioskKeyDamaged(path: url.path, detail: why) }
        guard let stored = try? JSONDecoder().decode(Stored.self, from: data), stored.format == 1,
              stored.publicKey.count == Int(crypto_sign_publickeybytes()) else { throw damaged("not a kiosk key") }
        let size = Int(crypto_sign_secretkeybytes())
        let secret: SecureBytes
        if stored.sealed {
            guard let databaseKey, let nonce = stored.nonce, nonce.count == Int(crypto_secretbox_noncebytes()),
                  stored.secret.count == size + Int(crypto_secretbox_macbytes()) else { throw damaged("sealed, and cannot be opened here") }
            let box = try boxKey(databaseKey)
            secret = try SecureBytes(count: size) { out in
                let ok = stored.secret.withUnsafeBytes { c in
                    nonce.withUnsafeBytes { n in
                        box.withBytes { k in
                            crypto_secretbox_open_easy(out.bindMemory(to: UInt8.self).baseAddress!, c.bindMemory(to: UInt8.self).baseAddress!,
                                                       UInt64(c.count), n.bindMemory(to: UInt8.self).baseAddress!, k.bindMemory(to: UInt8.self).baseAddress!)
                        }
                    }
                }
                if ok != 0 { throw damaged("sealed under another database key") }
            }
        } else {
            guard stored.secret.count == size else { throw damaged("not a kiosk key") }
            secret = try SecureBytes(count: size) { out in stored.secret.withUnsafeBytes { out.copyMemory(from: $0) } }
        }
        // The public half is the secret key's last 32 bytes: a file whose two halves disagree is refused.
        let half = secret.withBytes { Data($0.suffix(Int(crypto_sign_publickeybytes()))) }
        guard half == stored.publicKey else { throw damaged("its two halves do not match") }
        return KioskIdentity(publicKey: stored.publicKey, secret: secret)
    }

    /// The secretbox key for the kiosk key file, derived from the database key (subkey 1, context `kioskid`).
    private static func boxKey(_ databaseKey: DatabaseKey) throws -> SecureBytes {
        try SecureBytes(count: Int(crypto_secretbox_keybytes())) { out in
            let context = Array("kioskid".utf8CString.map { CChar($0) })
            databaseKey.withUnsafeBytes { k in
                _ = crypto_kdf_derive_from_key(out.bindMemory(to: UInt8.self).baseAddress!, out.count, 1, context,
                                               k.bindMemory(to: UInt8.self).baseAddress!)
            }
        }
    }
}
