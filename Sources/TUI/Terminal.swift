/// What the app needs from a terminal. `NcursesTerminal` is the real one; tests use `RecordingTerminal`.
public protocol Terminal: AnyObject {
    /// Current size in cells (columns, rows).
    var size: (width: Int, height: Int) { get }
    /// Shows a finished frame.
    func draw(_ grid: Grid)
    /// Waits up to `timeoutMs` milliseconds for input. Returns the events decoded (possibly none).
    func nextEvents(timeoutMs: Int) -> [Event]
    /// A signal that asks Kinga to stop (SIGINT, SIGTERM, SIGHUP, SIGQUIT), taken once; nil when none.
    /// A terminal that has gone away (end of file, EIO, hang-up on its input) answers SIGHUP from then on.
    func takeSignal() -> Int32?
    /// Blanks the screen now (lock, logout): nothing of the last person stays visible.
    func wipe()
    /// Uses these colours from the next frame on (terminals without colour ignore it).
    func apply(theme: Theme.Kind)
}

public extension Terminal {
    func apply(theme: Theme.Kind) {}
}

/// A terminal for tests: a fixed size, events queued by the test, the last frame kept.
public final class RecordingTerminal: Terminal {
    public var size: (width: Int, height: Int)
    public private(set) var frames: [Grid] = []
    public var queued: [Event] = []
    public var pendingSignal: Int32?
    public private(set) var wipes = 0
    /// The last theme the app asked for.
    public private(set) var theme: Theme.Kind = .standard
    public func apply(theme: Theme.Kind) { self.theme = theme }

    public init(width: Int, height: Int) { size = (width, height) }

    public func draw(_ grid: Grid) {
        frames.append(grid)
        if frames.count > 8 { frames.removeFirst(frames.count - 8) }
    }

    public func nextEvents(timeoutMs: Int) -> [Event] {
        defer { queued = [] }
        return queued
    }

    public func takeSignal() -> Int32? {
        defer { pendingSignal = nil }
        return pendingSignal
    }

    public func wipe() { wipes += 1 }

    public var lastFrame: Grid? { frames.last }
}
