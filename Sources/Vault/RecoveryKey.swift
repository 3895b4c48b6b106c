import CSodium
import Foundation

/// The district office's X25519 public key (32 bytes), to which every kiosk seals its database key
/// (`crypto_box_seal`). Public: it may be printed, copied and kept in files. In JSON it is its `text`.
public struct DistrictPublicKey: Codable, Hashable, Sendable {
    /// The 32 key bytes.
    public let bytes: Data

    /// Wraps 32 bytes; throws `VaultError.publicKeyUnreadable` for any other length.
    public init(bytes: Data) throws {
        guard bytes.count == Int(crypto_box_publickeybytes()) else { throw VaultError.publicKeyUnreadable }
        self.bytes = bytes
    }

    /// Reads the key as 64 hexadecimal digits (spaces and line breaks ignored, any case), as in a public-key file.
    public init(text: String) throws {
        let hex = text.filter { !$0.isWhitespace }.lowercased()
        guard hex.count == 64, hex.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { throw VaultError.publicKeyUnreadable }
        var data = Data()
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            data.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        try self.init(bytes: data)
    }

    /// The key as 64 lowercase hexadecimal digits (what a public-key file holds).
    public var text: String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// Reads the key from a JSON string of 64 hexadecimal digits.
    public init(from decoder: Decoder) throws { try self.init(text: try decoder.singleValueContainer().decode(String.self)) }

    /// Writes the key as a JSON string of 64 hexadecimal digits.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

extension DistrictPublicKey {
    /// `crypto_box_seal(message, self)`: an anonymous sealed box only the district's secret key opens
    /// (message length + 48 bytes).
    /// - Throws: `VaultError.cryptoFailed` when libsodium fails.
    func seal(_ message: UnsafeRawBufferPointer) throws -> Data {
        precondition(sodiumReady, "libsodium could not be initialised")
        var sealed = Data(count: message.count + Int(crypto_box_sealbytes()))
        let rc = sealed.withUnsafeMutableBytes { c in
            bytes.withUnsafeBytes { pk in
                crypto_box_seal(c.bindMemory(to: UInt8.self).baseAddress!, message.bindMemory(to: UInt8.self).baseAddress!,
                                UInt64(message.count), pk.bindMemory(to: UInt8.self).baseAddress!)
            }
        }
        guard rc == 0 else { throw VaultError.cryptoFailed("crypto_box_seal") }
        return sealed
    }
}

/// The district office's X25519 secret key: opens any kiosk's recovery slot. Shown once as recovery text (see
/// `recoveryText`) and then kept offline by the district office; Kinga never writes it to disk.
/// Held in locked memory; printing it shows `DistrictSecretKey(redacted)`.
public final class DistrictSecretKey: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let storage: SecureBytes
    /// The matching public key (computed from the secret key).
    public let publicKey: DistrictPublicKey

    init(storage: SecureBytes) throws {
        self.storage = storage
        var pk = Data(count: Int(crypto_box_publickeybytes()))
        let rc = pk.withUnsafeMutableBytes { out in
            storage.withBytes { crypto_scalarmult_base(out.bindMemory(to: UInt8.self).baseAddress!, $0.bindMemory(to: UInt8.self).baseAddress!) }
        }
        guard rc == 0 else { throw VaultError.cryptoFailed("crypto_scalarmult_base") }
        publicKey = try DistrictPublicKey(bytes: pk)
    }

    /// A new district key pair (crypto_box_keypair), for a district office that has none: show
    /// `recoveryText` once, keep `publicKey` in the kiosk's key-slot file.
    public static func generate() throws -> DistrictSecretKey {
        precondition(sodiumReady, "libsodium could not be initialised")
        var pk = [UInt8](repeating: 0, count: Int(crypto_box_publickeybytes()))
        let secret = try SecureBytes(count: Int(crypto_box_secretkeybytes())) { sk in
            guard crypto_box_keypair(&pk, sk.bindMemory(to: UInt8.self).baseAddress!) == 0 else {
                throw VaultError.cryptoFailed("crypto_box_keypair")
            }
        }
        return try DistrictSecretKey(storage: secret)
    }

    /// Opens an anonymous sealed box (`crypto_box_seal_open`) made for this key's public key.
    /// - Returns: the message (sealed length - 48 bytes).
    /// - Throws: `VaultError.wrongRecoveryKey` when it was not sealed to this key or was changed.
    func openSealed(_ sealed: Data) throws -> [UInt8] {
        let overhead = Int(crypto_box_sealbytes())
        guard sealed.count >= overhead else { throw VaultError.wrongRecoveryKey }
        var message = [UInt8](repeating: 0, count: sealed.count - overhead)
        let rc = sealed.withUnsafeBytes { c in
            publicKey.bytes.withUnsafeBytes { pk in
                storage.withBytes { sk in
                    crypto_box_seal_open(&message, c.bindMemory(to: UInt8.self).baseAddress!, UInt64(c.count),
                                         pk.bindMemory(to: UInt8.self).baseAddress!, sk.bindMemory(to: UInt8.self).baseAddress!)
                }
            }
        }
        guard rc == 0 else { throw VaultError.wrongRecoveryKey }
        return message
    }

    // MARK: Recovery text

    /// The recovery text's alphabet: Crockford's base32 (digits and capital letters without I, L, O, U), so that
    /// 0/O and 1/I/L cannot be confused and case does not matter. Chosen over hexadecimal because 32 bytes and a
    /// check take 56 characters instead of 70, which is less to copy by hand without a mistake.
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    /// Bytes of check (BLAKE2b of the secret, keyed by a domain string) appended before encoding: a typo is caught
    /// with probability 1 - 2^-24 and reported as such, instead of as "wrong key".
    static let checkByteCount = 3
    static let checkDomain = Array("kinga-recovery-key-v1".utf8)

    /// The secret key as text a person copies once: 56 characters of Crockford base32 (32 key bytes and 3 check
    /// bytes, 280 bits) in 14 groups of 4 joined by dashes, e.g. `7K3M-Q0ZT-…`. It is a plain Swift string (not in
    /// locked memory): show it, let it be written down, and drop it.
    public var recoveryText: String {
        var bytes = storage.withBytes { Array($0) }
        bytes += Self.check(of: storage)
        defer { sodium_memzero(&bytes, bytes.count) }
        var chars: [Character] = []
        var buffer = 0, bits = 0
        for byte in bytes {
            buffer = ((buffer << 8) | Int(byte)) & 0xFFFF; bits += 8
            while bits >= 5 { bits -= 5; chars.append(Self.alphabet[(buffer >> bits) & 31]) }
        }
        return stride(from: 0, to: chars.count, by: 4).map { String(chars[$0..<min($0 + 4, chars.count)]) }
            .joined(separator: "-")
    }

    /// Reads recovery text back. Spaces, dashes and case are ignored; O reads as 0 and I or L as 1.
    /// Throws `VaultError.recoveryKeyUnreadable` (wrong length, a character recovery keys never use) or
    /// `VaultError.recoveryKeyTypo` (the check characters do not match).
    public convenience init(recoveryText: String) throws {
        var values: [Int] = []
        for ch in recoveryText.uppercased() where !(ch.isWhitespace || ch == "-") {
            let c: Character = ch == "O" ? "0" : (ch == "I" || ch == "L") ? "1" : ch
            guard let v = Self.alphabet.firstIndex(of: c) else {
                throw VaultError.recoveryKeyUnreadable("'\(ch)' is not used in recovery keys")
            }
            values.append(v)
        }
        let total = Int(crypto_box_secretkeybytes()) + Self.checkByteCount
        guard values.count == (total * 8 + 4) / 5 else {
            throw VaultError.recoveryKeyUnreadable("it should have \((total * 8 + 4) / 5) letters and digits, not \(values.count)")
        }
        var bytes: [UInt8] = []
        var buffer = 0, bits = 0
        for v in values {
            buffer = ((buffer << 5) | v) & 0xFFFF; bits += 5
            if bits >= 8 { bits -= 8; bytes.append(UInt8((buffer >> bits) & 0xFF)) }
        }
        defer { sodium_memzero(&bytes, bytes.count) }
        let keyCount = Int(crypto_box_secretkeybytes())
        let secret = try SecureBytes(count: keyCount) { out in
            bytes.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<keyCount])) }
        }
        guard Array(bytes[keyCount...]) == Self.check(of: secret) else { throw VaultError.recoveryKeyTypo }
        try self.init(storage: secret)
    }

    static func check(of secret: SecureBytes) -> [UInt8] {
        var hash = [UInt8](repeating: 0, count: Int(crypto_generichash_bytes_min()))
        secret.withBytes { s in
            _ = crypto_generichash(&hash, hash.count, s.bindMemory(to: UInt8.self).baseAddress!, UInt64(s.count),
                                   checkDomain, checkDomain.count)
        }
        return Array(hash.prefix(checkByteCount))
    }

    /// Always `DistrictSecretKey(redacted)`.
    public var description: String { "DistrictSecretKey(redacted)" }
    /// Always `DistrictSecretKey(redacted)`.
    public var debugDescription: String { description }
}
