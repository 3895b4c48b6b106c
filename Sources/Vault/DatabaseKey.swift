import CSodium
import Foundation

/// The key that encrypts Kinga's database: 32 random bytes (256 bits) that exist only in memory while Kinga runs.
///
/// On disk the key only ever appears wrapped: once per user in their key slot (under a key derived from their PIN)
/// and once sealed to the district office's public key (see `KeySlotFile`). In memory it lives in locked memory from
/// `sodium_malloc` (never swapped, not in core dumps, zeroed when the last reference goes). Printing it shows
/// `DatabaseKey(redacted)`: it never reaches a log or the screen by accident.
public final class DatabaseKey: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The key's size in bytes (SQLCipher's raw key: 256 bits for AES-256).
    public static let byteCount = 32
    let storage: SecureBytes

    init(storage: SecureBytes) {
        precondition(storage.count == Self.byteCount)
        self.storage = storage
    }

    /// A new random key (libsodium's randombytes_buf), for a new or re-keyed database.
    /// Throws `VaultError.outOfLockedMemory` when the system refuses locked memory.
    public static func random() throws -> DatabaseKey {
        DatabaseKey(storage: try SecureBytes(count: byteCount) { randombytes_buf($0.baseAddress!, byteCount) })
    }

    /// Lets `body` read the 32 key bytes. The buffer is only valid inside `body`; do not copy it out.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withBytes(body)
    }

    /// Lets `body` read the key as the 67 ASCII bytes `x'<64 lowercase hex digits>'`: SQLCipher's raw-key form
    /// (for `sqlite3_key`, `sqlite3_rekey` and `ATTACH … KEY`), which uses the bytes as the key itself and skips
    /// SQLCipher's PBKDF2. The text lives in locked memory and is zeroed afterwards; it is not NUL-terminated.
    public func withRawKeyLiteral<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let hexCount = Self.byteCount * 2
        let literal = try SecureBytes(count: hexCount + 3) { out in
            let chars = out.bindMemory(to: CChar.self).baseAddress!
            // sodium_bin2hex writes a NUL after the digits, so the closing quote is written after it.
            let hex = try SecureBytes(count: hexCount + 1) { h in
                storage.withBytes { k in
                    _ = sodium_bin2hex(h.bindMemory(to: CChar.self).baseAddress!, hexCount + 1,
                                       k.bindMemory(to: UInt8.self).baseAddress!, Self.byteCount)
                }
            }
            chars[0] = CChar(UInt8(ascii: "x")); chars[1] = CChar(UInt8(ascii: "'"))
            hex.withBytes { (out.baseAddress! + 2).copyMemory(from: $0.baseAddress!, byteCount: hexCount) }
            chars[hexCount + 2] = CChar(UInt8(ascii: "'"))
        }
        return try literal.withBytes(body)
    }

    /// True when both keys hold the same bytes (constant-time comparison).
    public func isSameKey(as other: DatabaseKey) -> Bool { storage.isEqual(to: other.storage) }

    /// Always `DatabaseKey(redacted)`.
    public var description: String { "DatabaseKey(redacted)" }
    /// Always `DatabaseKey(redacted)`.
    public var debugDescription: String { description }
}

/// Process hardening that Kinga calls once at start, before any key is in memory.
public enum ProcessHardening {
    /// Turns core dumps off for this process: RLIMIT_CORE 0 and, on Linux, PR_SET_DUMPABLE 0 (a crash then leaves
    /// no memory image that could hold the database key, and other users' processes cannot ptrace Kinga).
    /// Returns false when either call failed (Kinga can still run: keys are also in sodium_malloc'd memory, which
    /// libsodium marks MADV_DONTDUMP).
    @discardableResult
    public static func disableCoreDumps() -> Bool { kinga_disable_core_dumps() == 0 }
}
