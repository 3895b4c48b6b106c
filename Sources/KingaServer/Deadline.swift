import Foundation

/// The district's database did not answer in time (`withDeadline`).
public struct DatabaseTimeout: Error, CustomStringConvertible, Sendable {
    /// The deadline that passed, in seconds.
    public let seconds: Double
    public var description: String { "The server's database did not answer within \(Int(seconds)) seconds." }
}

/// Runs `body`, giving up after `seconds`: `body` is cancelled, left to end on its own, and `DatabaseTimeout` thrown.
///
/// Why: PostgresNIO 1.33.2's pool was seen (by `kinga-bench simulate`, issue #19) to leave some requests waiting
/// for ever, cancellation or not, after PostgreSQL was killed and started again while several requests were in
/// flight, although new connections were up. So the caller does not wait for `body` (a task group would): it
/// gets an answer in time, and the server answers 503 rather than never. A kiosk whose push timed out sends it
/// again, and a push applied meanwhile is acknowledged, not applied twice.
/// - Throws: `DatabaseTimeout`, or what `body` throws.
public func withDeadline<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let first = FirstAnswer<T>()
    return try await withCheckedThrowingContinuation { continuation in
        first.waiting = continuation
        let work = Task {
            do { first.give(.success(try await body())) } catch { first.give(.failure(error)) }
        }
        Task {
            try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
            if first.give(.failure(DatabaseTimeout(seconds: seconds))) { work.cancel() }
        }
    }
}

/// Hands the first of several answers to a waiting continuation, once.
private final class FirstAnswer<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var given = false
    var waiting: CheckedContinuation<T, Error>?

    /// Resumes the continuation with `result` unless an answer was given already; true when this one was.
    @discardableResult
    func give(_ result: Result<T, Error>) -> Bool {
        lock.lock()
        guard !given, let c = waiting else { lock.unlock(); return false }
        given = true
        waiting = nil
        lock.unlock()
        c.resume(with: result)
        return true
    }
}
