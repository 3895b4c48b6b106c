import Foundation

/// A private tmux server with one window, for driving the real `kinga` binary: `send-keys` in,
/// `capture-pane` out. Each instance has its own socket, so runs never see each other's windows.
public final class TmuxWindow {
    public let socket: String
    private let scratch: String
    public private(set) var width: Int
    public private(set) var height: Int
    /// How often `waitFor` looks at the screen, in microseconds (the benchmark looks every 2 ms).
    public var pollMicroseconds: useconds_t = 10_000

    public struct Timeout: Error, CustomStringConvertible {
        public let waitingFor: [String]
        public let screen: String
        public var description: String { "timed out waiting for \(waitingFor); the screen was:\n\(screen)" }
    }

    public init(width: Int = 80, height: Int = 24) {
        socket = "kinga-h-\(getpid())-\(UUID().uuidString.prefix(8))"
        scratch = NSTemporaryDirectory() + socket + ".out"
        self.width = width
        self.height = height
    }

    deinit { stop() }

    /// Runs a tmux command on this server; returns its output.
    @discardableResult
    public func tmux(_ args: [String]) throws -> String {
        try spawnAndWait(["tmux", "-L", socket, "-f", "/dev/null"] + args, stdout: scratch)
        return (try? String(contentsOfFile: scratch, encoding: .utf8)) ?? ""
    }

    /// Starts `command` (run by `sh -c`) in a new window. After it ends, the window prints the exit status
    /// and the terminal modes (`echo`, `icanon`: a restored terminal has both) and stays open.
    public func start(_ command: String) throws {
        let tail = "code=$?; modes=$(stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(echo|icanon)$' | tr '\\n' ' '); echo \"EXIT=$code STTY: $modes END-OF-RUN\"; sleep 600"
        try tmux(["new-session", "-d", "-x", "\(width)", "-y", "\(height)", "sh -c " + Self.quote(command) + "; " + tail])
        try tmux(["set-option", "-g", "status", "off"])
    }

    /// The tmux server's process id, or nil when it is not running.
    public func serverPID() -> pid_t? {
        pid_t(((try? tmux(["display-message", "-p", "#{pid}"])) ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Kills the tmux server with SIGKILL: every pane's terminal disappears at once (its other end closes),
    /// as when a terminal emulator crashes or an SSH connection's server side dies. What ran in the panes gets
    /// no SIGTERM; only the session leader of each pane gets SIGHUP from the kernel.
    public func killServerAbruptly() {
        if let p = serverPID() {
            kill(p, SIGKILL)
            _ = try? waitUntil("the tmux server to end", seconds: 10) { processEnded(p) }
        }
        // A killed server leaves its socket behind.
        let dir = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        try? FileManager.default.removeItem(atPath: "\(dir)/tmux-\(getuid())/\(socket)")
        try? FileManager.default.removeItem(atPath: scratch)
    }

    /// Stops the server (and whatever runs in it).
    public func stop() {
        _ = try? tmux(["kill-server"])
        // `kill-server` returns before the server has gone; wait, so nothing of this window outlives the call.
        _ = try? waitUntil("the tmux server \(socket) to stop", seconds: 10, pollMicroseconds: 20_000) {
            (try? spawnAndWait(["tmux", "-L", socket, "-f", "/dev/null", "list-sessions"])) != 0
        }
        try? FileManager.default.removeItem(atPath: scratch)
    }

    public func send(_ keys: String...) throws { try send(keys) }
    public func send(_ keys: [String]) throws { try tmux(["send-keys", "-t", "0"] + keys) }
    public func type(_ text: String) throws { try tmux(["send-keys", "-t", "0", "-l", text]) }
    public func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", "0"]) }

    public func resize(_ w: Int, _ h: Int) throws {
        width = w
        height = h
        try tmux(["resize-window", "-t", "0", "-x", "\(w)", "-y", "\(h)"])
    }

    /// Waits until the screen shows any of `texts`; returns the screen.
    @discardableResult
    public func waitFor(_ texts: String..., seconds: Double = 15) throws -> String {
        let t0 = monotonicNanos()
        var s = ""
        while Double(monotonicNanos() - t0) / 1e9 < seconds {
            s = try screen()
            if texts.contains(where: { s.contains($0) }) { return s }
            usleep(pollMicroseconds)
        }
        throw Timeout(waitingFor: texts, screen: s)
    }

    /// The process id of the program named `name` running in the window (a descendant of the pane's shell).
    public func pid(of name: String) throws -> pid_t? {
        guard let pane = pid_t(try tmux(["display-message", "-p", "-t", "0", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        var queue = [pane]
        while let p = queue.first {
            queue.removeFirst()
            let comm = (try? String(contentsOfFile: "/proc/\(p)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            if comm == name { return p }
            let kids = (try? String(contentsOfFile: "/proc/\(p)/task/\(p)/children", encoding: .utf8)) ?? ""
            queue += kids.split(separator: " ").compactMap { pid_t($0) }
        }
        return nil
    }

    /// Single-quotes for sh.
    public static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
