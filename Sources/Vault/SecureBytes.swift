import CSodium
import Foundation

/// libsodium is initialised once, the first time the vault needs it (sodium_init is safe to call again).
let sodiumReady: Bool = kinga_sodium_init() >= 0

/// A fixed number of secret bytes in memory that libsodium's `sodium_malloc` gave: locked (mlock, never swapped),
/// kept out of core dumps (MADV_DONTDUMP), surrounded by guard pages, read-only once filled (sodium_mprotect_readonly:
/// a stray write crashes instead of changing a key), and zeroed by `sodium_free` when released. Immutable once
/// filled, so it may be shared between threads.
final class SecureBytes: @unchecked Sendable {
    let count: Int
    private let pointer: UnsafeMutableRawPointer

    /// Allocates `count` bytes and lets `fill` write them once. Throws `VaultError.outOfLockedMemory` when
    /// libsodium cannot allocate, and rethrows whatever `fill` throws (the bytes are then zeroed and freed).
    init(count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        precondition(sodiumReady, "libsodium could not be initialised")
        guard let p = sodium_malloc(count) else { throw VaultError.outOfLockedMemory }
        // Filled before the stored properties are set, so a throw here frees the memory once (deinit never runs).
        do { try fill(UnsafeMutableRawBufferPointer(start: p, count: count)) } catch { sodium_free(p); throw error }
        sodium_mprotect_readonly(p)
        self.count = count
        self.pointer = p
    }

    deinit { sodium_free(pointer) }

    /// Reads the bytes; the buffer must not escape `body`.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Constant-time comparison (sodium_memcmp).
    func isEqual(to other: SecureBytes) -> Bool {
        count == other.count && sodium_memcmp(pointer, other.pointer, count) == 0
    }
}

/// Random bytes from libsodium (randombytes_buf: the kernel's getrandom).
func randomData(count: Int) -> Data {
    precondition(sodiumReady, "libsodium could not be initialised")
    var d = Data(count: count)
    d.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) }
    return d
}
