import Foundation

/// The result a `waitFor` task hands back to the waiting thread.
private final class ResultBox<T>: @unchecked Sendable { var result: Result<T, Error>? }

/// Runs `body` to its end from synchronous code (a command-line tool's `run`: `kinga sync`, `kinga enroll`,
/// `kinga-bench sync`), on a task of its own, and waits for it on this thread.
/// - Throws: what `body` throws.
public func waitFor<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}
