import Foundation
@testable import KingaServer
import XCTest

/// `withDeadline`: a database call that never answers (PostgresNIO's pool was seen leaving requests waiting after
/// PostgreSQL restarted, issue #19) ends in `DatabaseTimeout` instead of holding the request for ever, also when
/// the call ignores cancellation; a call that answers gives its answer or its error.
final class DeadlineTests: XCTestCase {
    /// A wait that no cancellation ends, released by the test at the end.
    final class Gate: @unchecked Sendable {
        private let lock = NSLock()
        private var waiting: [CheckedContinuation<Void, Never>] = []
        private var open = false
        func wait() async {
            await withCheckedContinuation { c in
                lock.lock()
                if open { lock.unlock(); c.resume() } else { waiting.append(c); lock.unlock() }
            }
        }
        func release() {
            lock.lock()
            open = true
            let all = waiting
            waiting = []
            lock.unlock()
            all.forEach { $0.resume() }
        }
    }

    func testACallThatNeverAnswersEndsInATimeout() async throws {
        let gate = Gate()
        defer { gate.release() }
        do {
            _ = try await withDeadline(seconds: 0.2) { () async throws -> Int in
                await gate.wait()
                return 1
            }
            XCTFail("the call answered, though it never should have")
        } catch let e as DatabaseTimeout {
            XCTAssertEqual(e.seconds, 0.2)
            XCTAssertTrue(e.description.contains("did not answer"))
        }
    }

    func testACallThatAnswersGivesItsAnswerOrItsError() async throws {
        let value = try await withDeadline(seconds: 60) { 42 }
        XCTAssertEqual(value, 42)
        struct Refused: Error {}
        do {
            _ = try await withDeadline(seconds: 60) { () async throws -> Int in throw Refused() }
            XCTFail("the error was lost")
        } catch is Refused {}
    }
}
