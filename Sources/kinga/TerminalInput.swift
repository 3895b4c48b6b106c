import Exports
import Foundation
import Model
#if canImport(Glibc)
import Glibc
#endif

/// Writes `text` to standard error, and nothing more when it cannot: a terminal that has vanished (its window
/// closed, the SSH link gone) makes the write fail with EIO, and Foundation's `FileHandle.write(_:)` would trap on
/// that, so Kinga would crash (a slow crash report) instead of ending quietly.
func writeToStandardError(_ text: String) {
    try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
}

/// The terminal settings to put back if Ctrl-C comes while the PIN is typed (read by the signal handler).
nonisolated(unsafe) var pinTerminal = termios()

/// Reads a PIN: from the terminal without echo, or the first line of standard input when it is not a terminal.
/// Not `getpass(3)`: glibc's turns signals off too, so Ctrl-C could not stop the command at the prompt.
enum PINInput {
    /// - Returns: the PIN, or nil when nothing was typed (Enter on an empty line, Ctrl-D).
    static func read(prompt: String) -> String? {
        guard isatty(0) == 1 else { return readLine(strippingNewline: true).flatMap { $0.isEmpty ? nil : $0 } }
        writeToStandardError(prompt)
        tcgetattr(0, &pinTerminal)
        var quiet = pinTerminal
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(0, TCSAFLUSH, &quiet)
        // Ctrl-C at the prompt: echo back on, a word, exit 130 (only async-signal-safe calls in the handler).
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            tcsetattr(0, TCSAFLUSH, &pinTerminal)
            let text = "\nCancelled. Nothing was exported.\n"
            _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
            _exit(130)
        }
        sigemptyset(&action.sa_mask)
        var previous = sigaction()
        sigaction(SIGINT, &action, &previous)
        let line = readLine(strippingNewline: true)
        sigaction(SIGINT, &previous, nil)
        tcsetattr(0, TCSAFLUSH, &pinTerminal)
        writeToStandardError("\n")
        return line.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// Set by the signal handler of `CancelOnSignal` (only an async-signal-safe store happens there).
nonisolated(unsafe) var cancelSignalled: sig_atomic_t = 0

/// Ctrl-C (SIGINT) and SIGTERM ask a long command to stop at its next safe point instead of killing it.
///
/// A plain `sigaction` handler that sets a flag the command polls. Not a Dispatch signal source: on Linux
/// those read the signal through a `signalfd` and need it blocked in every thread; with the signal ignored
/// and not blocked (as it is when Kinga runs in a terminal) the kernel throws it away and Ctrl-C did nothing.
/// The end-to-end test only passed because the test runner's threads had the signal blocked (issue #14).
final class CancelOnSignal: @unchecked Sendable {
    init() {
        cancelSignalled = 0
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in cancelSignalled = 1 }
        sigemptyset(&action.sa_mask)
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for sig in [SIGINT, SIGTERM] {
            sigaction(sig, &action, nil)
            sigaddset(&unblock, sig)
        }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }
    var requested: Bool { cancelSignalled != 0 }
}

/// A one-line progress bar on standard error (only when it is a terminal): done of total, and an estimate.
final class ProgressBar {
    let label: String
    private let tty = isatty(2) == 1
    private var lastDraw = 0.0
    init(label: String) { self.label = label }

    func show(_ p: CaseExport.Progress) {
        guard tty, p.elapsed - lastDraw >= 0.1 || p.done == p.total else { return }
        lastDraw = p.elapsed
        let width = 24
        let filled = p.total == 0 ? width : min(width, p.done * width / p.total)
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let f = NumberFormatter()
        f.numberStyle = .decimal
        let count = "\(f.string(from: NSNumber(value: p.done)) ?? "\(p.done)") of \(f.string(from: NSNumber(value: p.total)) ?? "\(p.total)")"
        let left = p.remaining.map { $0 < 1 ? "less than a second left" : "about \(Int($0.rounded())) s left" } ?? "estimating…"
        writeToStandardError("\r\u{1B}[K\(label) \(bar) \(count) · \(left) · Ctrl-C cancels")
    }

    func clear() { if tty { writeToStandardError("\r\u{1B}[K") } }
}
