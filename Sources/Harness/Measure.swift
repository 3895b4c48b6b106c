import Foundation

// Helpers shared by the benchmark (kinga-bench) and the reliability suite (kinga-reliability): timing,
// spawning programs without Foundation's Process, and driving the real binary in tmux.

/// Monotonic time in nanoseconds (`CLOCK_MONOTONIC`: the same clock in every process on the machine, so a
/// child can measure from the moment its parent spawned it).
public func monotonicNanos() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

/// Milliseconds taken by `body`.
public func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let t0 = monotonicNanos()
    try body()
    return Double(monotonicNanos() - t0) / 1e6
}

/// Peak resident memory of this process so far, in megabytes (`getrusage` `ru_maxrss`, kilobytes on Linux).
public func peakRSSMegabytes() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024
}

/// Summary of a set of timings, in milliseconds.
public struct Stats: Codable {
    public var count: Int
    public var p50: Double
    public var p99: Double
    public var max: Double

    public init(_ samples: [Double]) {
        let s = samples.sorted()
        count = s.count
        func q(_ p: Double) -> Double {
            guard !s.isEmpty else { return 0 }
            // Nearest rank (no interpolation): the p99 of 100 samples is the 99th smallest.
            return s[Swift.max(0, Swift.min(s.count - 1, Int((p * Double(s.count)).rounded(.up)) - 1))]
        }
        p50 = q(0.50)
        p99 = q(0.99)
        max = s.last ?? 0
    }
}

/// Runs a program found on PATH and waits for it; stdin from `stdin` (default /dev/null), stdout to
/// `stdout` (default /dev/null), stderr discarded.
///
/// `posix_spawnp` + `waitpid`, not Foundation's `Process`, whose `waitUntilExit` never returns once a tmux
/// server started by the child holds the descriptor it watches.
/// - Returns: the exit status.
@discardableResult
public func spawnAndWait(_ argv: [String], stdin: String = "/dev/null", stdout: String = "/dev/null", environment: [String: String]? = nil) throws -> Int32 {
    let pid = try spawn(argv, stdin: stdin, stdout: stdout, environment: environment)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    return (status >> 8) & 0xff
}

/// Runs a program like `spawnAndWait` and measures it: wall-clock seconds and its peak resident memory in
/// megabytes (`ru_maxrss` from `wait4`, so the figure covers the whole run, not a sample).
/// - Returns: exit status, seconds, peak MB.
public func spawnAndMeasure(_ argv: [String], stdin: String = "/dev/null", stdout: String = "/dev/null",
                            environment: [String: String]? = nil) throws -> (status: Int32, seconds: Double, peakMB: Double) {
    let t0 = monotonicNanos()
    let pid = try spawn(argv, stdin: stdin, stdout: stdout, environment: environment)
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) == -1 && errno == EINTR {}
    return ((status >> 8) & 0xff, Double(monotonicNanos() - t0) / 1e9, Double(usage.ru_maxrss) / 1024)
}

/// Like `spawnAndMeasure`, but the peak memory is the child's own: its `VmHWM`, read every 5 ms
/// while it runs (a high-water mark, so only growth in its last 5 ms can be missed). `ru_maxrss` from
/// `wait4` is not the child's own on Linux: `posix_spawn` starts the child on this process's memory (vfork)
/// and `execve` carries that memory's high-water mark into the child's `ru_maxrss`, so the figure was never
/// below this benchmark's own peak (for example after encrypting a twin with a 64 MiB Argon2id).
/// - Returns: exit status, wall-clock seconds, peak MB (MiB).
public func spawnAndMeasureOwnPeak(_ argv: [String], stdin: String = "/dev/null", stdout: String = "/dev/null",
                                   environment: [String: String]? = nil) throws -> (status: Int32, seconds: Double, peakMB: Double) {
    let t0 = monotonicNanos()
    let pid = try spawn(argv, stdin: stdin, stdout: stdout, environment: environment)
    var status: Int32 = 0
    var peak = 0.0
    while true {
        if let p = peakRSSMegabytes(of: pid) { peak = max(peak, p) }
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid || (r == -1 && errno != EINTR) { break }
        usleep(5_000)
    }
    return ((status >> 8) & 0xff, Double(monotonicNanos() - t0) / 1e9, peak)
}

/// Runs the shell command `command` once this process has ended, however it ends (a crash, a kill, a normal exit):
/// a small `/bin/sh` of its own, not waited for, watches this process every second and then runs it. For servers a
/// benchmark or test started (PostgreSQL, `kinga-server`) that must not outlive it.
public func afterThisProcess(run command: String) {
    let watcher = Process()
    watcher.executableURL = URL(fileURLWithPath: "/bin/sh")
    watcher.arguments = ["-c", "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done\n" + command]
    watcher.standardInput = FileHandle.nullDevice
    watcher.standardOutput = FileHandle.nullDevice
    watcher.standardError = FileHandle.nullDevice
    try? watcher.run()
}

public struct SpawnError: Error, CustomStringConvertible {
    public let program: String
    public let code: Int32
    public var description: String { "could not start \(program) (error \(code))" }
}

/// Starts a program without waiting. See `spawnAndWait`.
public func spawn(_ argv: [String], stdin: String = "/dev/null", stdout: String = "/dev/null", environment: [String: String]? = nil) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for a in cargs { free(a) } }
    let env = environment ?? ProcessInfo.processInfo.environment
    var cenv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for e in cenv { free(e) } }
    var attributes = cleanSignalAttributes()
    defer { posix_spawnattr_destroy(&attributes) }
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, argv[0], &actions, &attributes, &cargs, &cenv)
    guard rc == 0 else { throw SpawnError(program: argv[0], code: rc) }
    return pid
}

/// True when `program` is on PATH.
public func onPath(_ program: String) -> Bool {
    (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains {
        FileManager.default.isExecutableFile(atPath: "\($0)/\(program)")
    }
}

/// The program `name` built in the same folder as the running program (the `.build/<config>` folder), or
/// nil when it is not there.
public func siblingExecutable(_ name: String) -> String? {
    let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    let path = me.deletingLastPathComponent().appendingPathComponent(name).path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
}

/// Peak resident memory of another process, in megabytes (`VmHWM` in /proc/PID/status), or nil.
public func peakRSSMegabytes(of pid: pid_t) -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
    return kb / 1024
}

/// Resident memory of this process now, in megabytes (`VmRSS` in /proc/self/status); 0 when unreadable.
public func currentRSSMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kb / 1024
}

/// Something the harness waited for did not come within its deadline.
public struct NotObserved: Error, CustomStringConvertible {
    public let what: String
    public let seconds: Double
    public var description: String { "\(what) (not seen within \(String(format: "%.0f", seconds)) s)" }
}

/// Waits until `condition` holds, looking every `pollMicroseconds`, for up to `seconds`. The harness never
/// trusts elapsed time to know that something happened: it waits until it can observe it, with a deadline
/// only so a run cannot hang (a machine under load is slow, not wrong).
/// - Returns: the seconds it took.
/// - Throws: `NotObserved(what:)` when the deadline passed first; whatever `condition` throws.
@discardableResult
public func waitUntil(_ what: @autoclosure () -> String, seconds: Double = 20, pollMicroseconds: useconds_t = 10_000,
                      _ condition: () throws -> Bool) throws -> Double {
    let t0 = monotonicNanos()
    while true {
        if try condition() { return Double(monotonicNanos() - t0) / 1e9 }
        if Double(monotonicNanos() - t0) / 1e9 > seconds { throw NotObserved(what: what(), seconds: seconds) }
        usleep(pollMicroseconds)
    }
}

/// True when process `pid` has ended (gone, or a zombie waiting for its parent to collect it).
public func processEnded(_ pid: pid_t) -> Bool {
    guard let state = processState(pid) else { return true }
    return state == "Z" || state == "X"
}

/// The state letter of process `pid` from /proc (`R`, `S`, `T` stopped, `Z` zombie…), or nil when it is gone.
public func processState(_ pid: pid_t) -> Character? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
}

/// Spawn attributes that give the child no blocked signals and every signal's default action. Without them
/// a child inherits the spawning thread's mask: test runners and Dispatch's worker threads block most
/// signals, so a tmux server started from there, and every shell in its panes, would ignore SIGHUP for
/// ever and outlive the run. The caller destroys the attributes (`posix_spawnattr_destroy`).
public func cleanSignalAttributes() -> posix_spawnattr_t {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    var all = sigset_t()
    sigfillset(&all)
    sigdelset(&all, SIGKILL)
    sigdelset(&all, SIGSTOP)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    return attributes
}

/// A plain-text table for a terminal: the first column (the labels) left-aligned, the others (the figures)
/// right-aligned, each column as wide as its widest cell, and two spaces between columns, so a label never
/// runs into a figure however long either is. Widths count characters (labels and figures are narrow text).
/// - Parameter rows: the rows, each a list of cells; shorter rows are padded with empty cells.
/// - Returns: the lines joined with newlines, without trailing spaces.
public func textTable(_ rows: [[String]]) -> String {
    let columns = rows.map(\.count).max() ?? 0
    let widths = (0..<columns).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
    return rows.map { row in
        (0..<columns).map { c -> String in
            let cell = c < row.count ? row[c] : ""
            let pad = String(repeating: " ", count: widths[c] - cell.count)
            return c == 0 ? cell + pad : pad + cell
        }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }.joined(separator: "\n")
}
