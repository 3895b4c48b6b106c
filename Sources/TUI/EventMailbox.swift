import Foundation
import I18n
import Model
import Storage

/// Events handed to the loop from outside it (`App.post(_:)`): any thread may post, the loop takes them all on
/// its next turn, oldest first.
public final class EventMailbox: @unchecked Sendable {
    private let lock = NSLock()
    private var waiting: [Event] = []

    /// Creates an empty mailbox.
    public init() {}

    /// Leaves `event` for the loop; returns at once. Thread-safe.
    public func post(_ event: Event) { lock.withLock { waiting.append(event) } }

    /// Everything posted since the last call, oldest first (then the mailbox is empty). Thread-safe.
    public func take() -> [Event] {
        lock.withLock {
            defer { waiting = [] }
            return waiting
        }
    }
}
