import CSodium
import Foundation

/// Files sealed to the district office (issue #17): identifying case exports leave the kiosk readable only by
/// whoever holds the district's secret key (the recovery key the office keeps offline). Nobody at the kiosk —
/// not even the person who made the export — can open it again.
///
/// Construction (all libsodium; the same shape as the `age` tool's, with libsodium's primitives): a random
/// 32-byte file key, sealed to the district's X25519 public key with `crypto_box_seal`; the contents encrypted
/// with that key by `crypto_secretstream_xchacha20poly1305` in chunks of `chunkBytes`, the last one tagged
/// FINAL, so a cut, reordered or altered file is refused rather than opened in part.
///
/// Layout, version 1: the 16 bytes `magic` · the sealed file key (80 bytes) · the stream header (24 bytes) ·
/// chunks, each a 4-byte big-endian length followed by that many bytes of ciphertext (at most
/// `chunkBytes` + 17).
public enum SealedFile {
    /// The first bytes of every sealed file ("KINGA-SEALED-01" and a newline).
    public static let magic = Data("KINGA-SEALED-01\n".utf8)
    /// Plaintext bytes per chunk: 64 KiB (memory stays flat whatever the size of the export).
    public static let chunkBytes = 64 * 1024
    /// The name sealed files end with.
    public static let fileExtension = "sealed"

    /// Why a sealed file could not be opened, in words for the person at the district office.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// Not a sealed Kinga file (another kind of file, or its first bytes are damaged).
        case notSealed
        /// The recovery key given is not the district key this file was sealed to.
        case wrongKey
        /// The file was cut short, altered or damaged after it was sealed: nothing of it is trusted.
        case damaged
        /// A libsodium call failed where it should not (its name).
        case cryptoFailed(String)

        public var description: String {
            switch self {
            case .notSealed: return "This is not a sealed Kinga export (or its first bytes are damaged)."
            case .wrongKey: return "This recovery key does not open the file: it was sealed to another district's key."
            case .damaged: return "The file was cut short or changed after it was made, so none of it can be trusted. Ask for the export again."
            case .cryptoFailed(let what): return "The encryption library failed (\(what)). Please tell a technician."
            }
        }
    }

    /// Encrypts a stream as it is written: create it with the district's public key and a function that
    /// writes bytes to the destination; `append` what would have been written in plain, then `finish`.
    /// The plaintext never reaches the destination.
    public final class Writer {
        private var state = crypto_secretstream_xchacha20poly1305_state()
        private var buffer = Data()
        private let write: (Data) throws -> Void
        private var finished = false

        /// Writes the magic, the sealed file key and the stream header.
        /// - Throws: `Failure.cryptoFailed`; whatever `write` throws.
        public init(to district: DistrictPublicKey, write: @escaping (Data) throws -> Void) throws {
            precondition(sodiumReady, "libsodium could not be initialised")
            self.write = write
            let fileKey = try SecureBytes(count: Int(crypto_secretstream_xchacha20poly1305_keybytes())) { k in
                crypto_secretstream_xchacha20poly1305_keygen(k.bindMemory(to: UInt8.self).baseAddress!)
            }
            let sealed = try fileKey.withBytes { try district.seal($0) }
            var header = Data(count: Int(crypto_secretstream_xchacha20poly1305_headerbytes()))
            let initRC = header.withUnsafeMutableBytes { h in
                fileKey.withBytes { k in
                    crypto_secretstream_xchacha20poly1305_init_push(&state, h.bindMemory(to: UInt8.self).baseAddress!,
                                                                    k.bindMemory(to: UInt8.self).baseAddress!)
                }
            }
            guard initRC == 0 else { throw Failure.cryptoFailed("init_push") }
            try write(SealedFile.magic + sealed + header)
        }

        /// Adds plaintext; full chunks are encrypted and written at once.
        public func append(_ data: Data) throws {
            buffer.append(data)
            while buffer.count >= SealedFile.chunkBytes {
                try push(buffer.prefix(SealedFile.chunkBytes), final: false)
                buffer = Data(buffer.dropFirst(SealedFile.chunkBytes))
            }
        }

        /// Encrypts what is left as the FINAL chunk (possibly empty). Call exactly once, at the end.
        public func finish() throws {
            guard !finished else { return }
            finished = true
            try push(buffer, final: true)
            buffer = Data()
        }

        private func push(_ plain: Data, final: Bool) throws {
            var cipher = Data(count: plain.count + Int(crypto_secretstream_xchacha20poly1305_abytes()))
            let tag = final ? crypto_secretstream_xchacha20poly1305_tag_final() : crypto_secretstream_xchacha20poly1305_tag_message()
            let rc = cipher.withUnsafeMutableBytes { c in
                plain.withUnsafeBytes { m in
                    crypto_secretstream_xchacha20poly1305_push(&state, c.bindMemory(to: UInt8.self).baseAddress!, nil,
                                                              m.bindMemory(to: UInt8.self).baseAddress, UInt64(m.count), nil, 0, tag)
                }
            }
            guard rc == 0 else { throw Failure.cryptoFailed("push") }
            var length = UInt32(cipher.count).bigEndian
            try write(Data(bytes: &length, count: 4) + cipher)
        }
    }

    /// Opens a sealed file held in memory (a small export, a test) with the district's secret key.
    /// - Throws: as `open(read:with:output:)`.
    public static func open(_ sealed: Data, with secret: DistrictSecretKey) throws -> Data {
        var offset = sealed.startIndex
        var out = Data()
        try open(read: { n in
            let end = min(sealed.endIndex, offset + n)
            defer { offset = end }
            return sealed.subdata(in: offset..<end)
        }, with: secret) { out.append($0) }
        return out
    }

    /// Opens a sealed file with the district's secret key, writing the plaintext to `output` chunk by chunk.
    /// Nothing is trusted until the FINAL chunk checks: a caller writing to a file should write to a temporary
    /// name and keep it only when this returns.
    /// - Parameters: `read(n)` returns up to n bytes (fewer only at the end of the input).
    /// - Throws: `Failure.notSealed`, `.wrongKey`, `.damaged`; whatever `output` throws.
    public static func open(read: (Int) throws -> Data, with secret: DistrictSecretKey, output: (Data) throws -> Void) throws {
        precondition(sodiumReady, "libsodium could not be initialised")
        guard try read(magic.count) == magic else { throw Failure.notSealed }
        let keyBytes = Int(crypto_secretstream_xchacha20poly1305_keybytes())
        let sealed = try read(keyBytes + Int(crypto_box_sealbytes()))
        let header = try read(Int(crypto_secretstream_xchacha20poly1305_headerbytes()))
        guard sealed.count == keyBytes + Int(crypto_box_sealbytes()), header.count == Int(crypto_secretstream_xchacha20poly1305_headerbytes()) else {
            throw Failure.damaged
        }
        let fileKey = try SecureBytes(count: keyBytes) { k in
            let rc = sealed.withUnsafeBytes { c in
                secret.publicKey.bytes.withUnsafeBytes { pk in
                    secret.storage.withBytes { sk in
                        crypto_box_seal_open(k.bindMemory(to: UInt8.self).baseAddress!, c.bindMemory(to: UInt8.self).baseAddress!,
                                             UInt64(c.count), pk.bindMemory(to: UInt8.self).baseAddress!, sk.bindMemory(to: UInt8.self).baseAddress!)
                    }
                }
            }
            guard rc == 0 else { throw Failure.wrongKey }
        }
        var state = crypto_secretstream_xchacha20poly1305_state()
        let initRC = header.withUnsafeBytes { h in
            fileKey.withBytes { k in
                crypto_secretstream_xchacha20poly1305_init_pull(&state, h.bindMemory(to: UInt8.self).baseAddress!, k.bindMemory(to: UInt8.self).baseAddress!)
            }
        }
        guard initRC == 0 else { throw Failure.damaged }
        let maxChunk = chunkBytes + Int(crypto_secretstream_xchacha20poly1305_abytes())
        while true {
            let prefix = try read(4)
            guard prefix.count == 4 else { throw Failure.damaged }          // ended before the FINAL chunk
            let length = Int(prefix.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            guard length >= Int(crypto_secretstream_xchacha20poly1305_abytes()), length <= maxChunk else { throw Failure.damaged }
            let cipher = try read(length)
            guard cipher.count == length else { throw Failure.damaged }
            var plain = Data(count: length - Int(crypto_secretstream_xchacha20poly1305_abytes()))
            var tag: UInt8 = 0
            let rc = plain.withUnsafeMutableBytes { m in
                cipher.withUnsafeBytes { c in
                    crypto_secretstream_xchacha20poly1305_pull(&state, m.bindMemory(to: UInt8.self).baseAddress, nil, &tag,
                                                              c.bindMemory(to: UInt8.self).baseAddress!, UInt64(c.count), nil, 0)
                }
            }
            guard rc == 0 else { throw Failure.damaged }
            try output(plain)
            if tag == crypto_secretstream_xchacha20poly1305_tag_final() {
                guard try read(1).isEmpty else { throw Failure.damaged }     // nothing may follow the end
                return
            }
        }
    }
}
