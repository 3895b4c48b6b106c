import Foundation
import Harness
import Testing

/// Drives the real `kinga` binary inside a private tmux server: `send-keys` in, `capture-pane` out.
final class TmuxSession {
    let socket: String
    let dataHome: String
    let repo: String
    var width: Int
    var height: Int

    static var repoRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// The binary under test: `$KINGA_BIN`, else the debug build (the README's `make test` builds it first).
    static var binary: String {
        if let b = ProcessInfo.processInfo.environment["KINGA_BIN"], !b.isEmpty { return b }
        return repoRoot + "/.build/debug/kinga"
    }

    init(width: Int = 80, height: Int = 24, dataHome: String? = nil) {
        socket = "kinga-e2e-" + UUID().uuidString.prefix(8)
        self.dataHome = dataHome ?? NSTemporaryDirectory() + "kinga-e2e-" + UUID().uuidString
        repo = Self.repoRoot
        self.width = width
        self.height = height
        try? FileManager.default.createDirectory(atPath: self.dataHome, withIntermediateDirectories: true)
        Self.started?.add(socket: socket, dataHome: self.dataHome)
    }

    deinit {
        _ = try? tmux(["kill-server"])
    }

    /// What the tests of the current scope started (see `CleansUp`): bound per test, so tests running at the
    /// same time never tear down each other's servers.
    @TaskLocal static var started: Started?

    /// The tmux servers and data folders one test started.
    final class Started: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [(socket: String, dataHome: String)] = []
        func add(socket: String, dataHome: String) { lock.withLock { items.append((socket, dataHome)) } }
        var all: [(socket: String, dataHome: String)] { lock.withLock { items } }
    }

    /// Processes running from the binary under test whose environment names `dataHome` (every Kinga a
    /// test starts gets its own `XDG_DATA_HOME` and `HOME`).
    static func kingaProcesses(using dataHome: String) -> [pid_t] {
        let procs = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return procs.compactMap { pid_t($0) }.filter { pid in
            guard let cmd = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                  String(decoding: cmd.prefix { $0 != 0 }, as: UTF8.self) == binary,
                  let env = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)).flatMap { s in
                s.lastIndex(of: ")").map { s[s.index(after: $0)...].trimmingCharacters(in: .whitespaces).first } } ?? nil
            if state == "Z" { return false }
            return env.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == "XDG_DATA_HOME=\(dataHome)" }
        }
    }

    /// Stops this session's tmux server and waits until it has gone (`kill-server` returns before it has), so
    /// the socket can be used again at once.
    func stopServer() throws {
        _ = try? tmux(["kill-server"])
        let deadline = Date().addingTimeInterval(10)
        while (try? Self.run(["tmux", "-L", socket, "-f", "/dev/null", "list-sessions"]))?.status == 0 {
            if Date() > deadline { Issue.record("the tmux server \(socket) did not stop"); return }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Runs a tmux command on this session's private server; returns stdout.
    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        try Self.run(["tmux", "-L", socket, "-f", "/dev/null"] + args).output
    }

    struct SpawnError: Error { let code: Int32 }

    /// Runs a program (found on PATH) with stdin from /dev/null and stdout to a file, and waits for it.
    ///
    /// Not Foundation's `Process`: its `waitUntilExit` never returns after `tmux new-session`, because the
    /// tmux server it starts inherits the descriptor `Process` watches. `posix_spawnp` + `waitpid` do not care.
    static func run(_ argv: [String]) throws -> (status: Int32, output: String) {
        let outFile = NSTemporaryDirectory() + "kinga-run-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: outFile) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) } }
        // No blocked signals and default actions in the child (see `cleanSignalAttributes`).
        var attributes = cleanSignalAttributes()
        defer { posix_spawnattr_destroy(&attributes) }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, &attributes, &cargs, environ)
        guard rc == 0 else { throw SpawnError(code: rc) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let out = (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
        return ((status >> 8) & 0xff, out)
    }

    /// Starts a shell command in a new window of the given size. `env` is added to a clean environment
    /// with a pinned clock, the private data folder and UTF-8.
    func start(_ command: String, env: [String: String] = [:], term: String? = "xterm-256color") throws {
        // One session per server: `-t 0` must never mean an older session whose program has ended.
        if (try? Self.run(["tmux", "-L", socket, "-f", "/dev/null", "list-sessions"]))?.status == 0 { try stopServer() }
        var e: [String: String] = [
            "KINGA_NOW": "2026-03-02T09:00:00Z", "XDG_DATA_HOME": dataHome, "LANG": "C.UTF-8", "TZ": "UTC",
            "HOME": dataHome, "PATH": "/usr/bin:/bin", "USER": "e2e",
        ]
        if let t = term { e["TERM"] = t }
        for (k, v) in env { e[k] = v }
        let assignments = e.keys.sorted().map { "\($0)=\(Self.quote(e[$0]!))" }.joined(separator: " ")
        let unset = term == nil ? "-u TERM " : ""
        let tail = "code=$?; modes=$(stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(echo|icanon)$' | tr '\\n' ' '); echo \"EXIT=$code STTY: $modes END-OF-RUN\"; sleep 600"
        // The shells around Kinga ignore Ctrl-C (as an interactive shell does): otherwise a Ctrl-C that Kinga
        // handles would also kill the `sh -c` waiting for it, and the pane would close before the test reads it.
        // Kinga installs its own handlers, so it still gets the signal.
        let shell = "trap '' INT QUIT; env -i \(unset)\(assignments) sh -c \(Self.quote(command)); " + tail
        try tmux(["new-session", "-d", "-x", "\(width)", "-y", "\(height)", "-c", repo, shell])
        try tmux(["set-option", "-g", "status", "off"])
    }

    /// Starts Kinga itself with arguments and, unless `logIn` is false, gets to the home screen: the first-run
    /// set-up on an empty database (user "E2E Focal Point", PIN 902134, generic profile), the login otherwise
    /// (the demo's "Supervisor Demo" with the published PIN 123456).
    func startKinga(_ args: String = "", env: [String: String] = [:], term: String? = "xterm-256color", logIn: Bool = true) throws {
        try start("\(Self.quote(Self.binary)) \(args)", env: env, term: term)
        guard logIn else { return }
        var s = try waitForAny(["First, choose the language", "Choose your name"])
        if s.contains("First, choose the language") {
            try send("1")   // English
            s = try waitForAny(["Welcome to Kinga"])
        }
        if s.contains("Welcome to Kinga") {
            try type("E2E Focal Point")
            try send("Tab")
            try type("902134")
            try send("Tab")
            try type("902134")
            try send("Tab", "1", "F2")
            try waitFor("District recovery key")
            try send("3", "F2")                         // later: the tests that need it set it with the command line
        } else if s.contains("Demo: every PIN") {
            try send("3", "Tab")
            try type("123456")
            try send("Enter")
        } else {
            try send("1", "Tab")
            try type("902134")
            try send("Enter")
        }
        try waitFor("What would you like to do?")
    }

    /// The words on each screen of the child-friendly report, as a test waits for them.
    struct ChildScreens {
        var language: String, hello: String, safe: String, who: String, name: String, what: String
        var whenWhere: String, talkTo: String, reach: String, send: String, thanks: String
        static let english = ChildScreens(
            language: "Which language do you want?", hello: "Hello. We are glad you came.", safe: "Are you safe right now?",
            who: "Who is this about?", name: "What can we call you?", what: "What happened?",
            whenWhere: "When and where did it happen?", talkTo: "Who would you like to talk to?",
            reach: "How can we reach you safely?", send: "Can we send what you told us", thanks: "Thank you for telling us.")
        static let indonesian = ChildScreens(
            language: "Kamu mau pakai bahasa apa?", hello: "Halo. Kami senang kamu datang.", safe: "Apakah kamu aman sekarang?",
            who: "Ini tentang siapa?", name: "Kami boleh memanggilmu siapa?", what: "Apa yang terjadi?",
            whenWhere: "Kapan dan di mana itu terjadi?", talkTo: "Kamu mau bicara dengan siapa?",
            reach: "Bagaimana cara aman untuk menghubungimu?", send: "Bolehkah kami mengirim", thanks: "Terima kasih sudah bercerita.")
    }

    /// From a screen where F3 starts the child-friendly report: a child who is safe tells about themself (made to
    /// work), would talk to anyone, and agrees to send it. Stops on the thank-you screen and returns it.
    func tellAsChild(languageKey: String, _ words: ChildScreens, name: String, place: String = "") throws -> String {
        try send("F3")
        try waitFor(words.language)
        try send(languageKey)
        try waitFor(words.hello)
        try send("Enter")
        try waitFor(words.safe)
        try send("1")
        try waitFor(words.who)
        try send("1")
        try waitFor(words.name)
        try type(name)
        try send("Enter")
        try waitFor(words.what)
        try send("3", "8")
        try waitFor(words.whenWhere)
        if !place.isEmpty { try type(place) }
        try send("Enter")
        try waitFor(words.talkTo)
        try send("3")
        try waitFor(words.reach)
        try send("Enter")
        try waitFor(words.send)
        try send("1")
        return try waitFor(words.thanks)
    }

    /// A session whose data folder holds the demo database (Kinga started with `--demo`, then quit).
    static func withDemoDatabase() throws -> TmuxSession {
        let t = TmuxSession()
        try t.startKinga("--demo")
        try t.waitFor("DEMO — fictional data")
        try t.send("q")
        try t.waitForExit()
        return t
    }

    /// Runs a `kinga` command line (not full screen) on this session's data, with the pinned clock;
    /// returns its exit status and what it printed (standard output and error together).
    func command(_ args: String) throws -> (status: Int32, output: String) {
        try Self.run(["sh", "-c", "XDG_DATA_HOME='\(dataHome)' KINGA_NOW=2026-03-02T09:00:00Z '\(Self.binary)' \(args) 2>&1"])
    }

    /// Stops this tmux server and starts Kinga again on the same data, logged in (a restart of the kiosk).
    func restart(_ args: String = "", logIn: Bool = true) throws -> TmuxSession {
        try stopServer()
        let again = TmuxSession(width: width, height: height, dataHome: dataHome)
        try again.startKinga(args, logIn: logIn)
        return again
    }

    /// From the home screen of an administrator: adds a focal point with `pin` through the Users screen, and
    /// comes back home.
    func addFocalPoint(_ name: String, pin: String = "580214") throws {
        try send("m")
        try waitFor("Users")
        try send("n")
        try waitFor("Add a person")
        try type(name)
        try send("Tab", "Space", "Tab")
        try type(pin)
        try send("Tab")
        try type(pin)
        try send("F2")
        try waitFor(name)
        try send("Escape")
    }

    /// Locks (l on the home screen) and logs in as the user at `position` in the name list.
    func switchUser(to position: Int, pin: String) throws {
        try send("l")
        try waitFor("Kinga is locked")
        try send("\(position)", "Tab")
        try type(pin)
        try send("Enter")
        try waitFor("What would you like to do?")
    }

    /// Waits until the screen shows any of `texts`.
    @discardableResult
    func waitForAny(_ texts: [String], seconds: Double = 10) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var s = ""
        while Date() < deadline {
            s = try screen()
            if texts.contains(where: { s.contains($0) }) { return s }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("timed out waiting for any of \(texts); screen was:\n\(s)")
        return s
    }

    func send(_ keys: String...) throws { try tmux(["send-keys", "-t", "0"] + keys) }
    /// Types text literally (no key names).
    func type(_ text: String) throws { try tmux(["send-keys", "-t", "0", "-l", text]) }

    func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", "0"]) }

    /// Waits until the screen contains `text` (polling every 50 ms), up to `seconds`.
    @discardableResult
    func waitFor(_ text: String, seconds: Double = 10) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var s = ""
        while Date() < deadline {
            s = try screen()
            if s.contains(text) { return s }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("timed out waiting for \"\(text)\"; screen was:\n\(s)")
        return s
    }

    /// Waits, with a deadline, until `condition` holds (something Kinga wrote, observed on disk).
    func waitUntil(_ what: String, seconds: Double = 15, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("timed out waiting for \(what)")
    }

    /// Waits until `sql`, read on `db` as the sqlite3 shell prints it (also when encrypted: `sqlite`), gives `expected` (trimmed): what Kinga wrote is
    /// observed on disk instead of guessed from elapsed time.
    func waitForSQL(_ db: String, _ sql: String, equals expected: String, seconds: Double = 15) throws {
        let deadline = Date().addingTimeInterval(seconds)
        var got = ""
        while Date() < deadline {
            got = Self.sqlite(db, sql).output.trimmingCharacters(in: .whitespacesAndNewlines)
            if got == expected { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("timed out waiting for \(sql) to give \(expected); it gave \(got)")
    }

    /// Waits until the command in the pane has ended; returns the screen (with `EXIT=n STTY: … END-OF-RUN`).
    @discardableResult
    func waitForExit(seconds: Double = 10) throws -> String { try waitFor("END-OF-RUN", seconds: seconds) }

    /// The Kingas running in this session's own tmux server (not in another session on the same data).
    func kingaPIDs() throws -> [Int32] {
        let panes = try tmux(["list-panes", "-a", "-F", "#{pane_pid}"]).split(separator: "\n").compactMap { Int32($0) }
        var found: [Int32] = []
        var queue = panes
        while let p = queue.first {
            queue.removeFirst()
            if let cmd = FileManager.default.contents(atPath: "/proc/\(p)/cmdline"),
               String(decoding: cmd.prefix { $0 != 0 }, as: UTF8.self) == Self.binary { found.append(p) }
            let kids = (try? String(contentsOfFile: "/proc/\(p)/task/\(p)/children", encoding: .utf8)) ?? ""
            queue += kids.split(separator: " ").compactMap { Int32($0) }
        }
        return found
    }

    /// The pid of the newest `kinga` running in this session's own tmux server. Never a system-wide search: other
    /// tests run at the same time, and a signal meant for this Kinga once reached another test's `kinga check`.
    func kingaPID() throws -> Int32? {
        try kingaPIDs().max()
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

/// Tears down everything an end-to-end test started, also when it fails or throws: its tmux servers (and
/// with them the Kinga in each), then checks that no Kinga it started is still running (a Kinga whose
/// terminal is gone must end by itself) and that no tmux server of it is left. Anything left is an error of
/// the test (issue #14: `make test` used to leave about 30 tmux servers and several Kinga processes behind).
struct CleansUp: TestTrait, SuiteTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // A suite-level scope wraps the whole suite; the per-test scopes below it do the work.
        guard !test.isSuite else { return try await function() }
        let started = TmuxSession.Started()
        var failure: Error?
        do {
            try await TmuxSession.$started.withValue(started) { try await function() }
        } catch {
            failure = error
        }
        func tmux(_ socket: String, _ command: String) -> Int32? {
            (try? TmuxSession.run(["tmux", "-L", socket, "-f", "/dev/null", command]))?.status
        }
        for s in started.all { _ = tmux(s.socket, "kill-server") }
        // `kill-server` returns before the server has gone: wait (with a deadline) until neither a server nor
        // a Kinga of this test answers any more.
        let homes = Set(started.all.map(\.dataHome))
        let deadline = Date().addingTimeInterval(10)
        var kingas: [pid_t] = []
        var servers: [String] = []
        repeat {
            kingas = homes.flatMap { TmuxSession.kingaProcesses(using: $0) }
            servers = started.all.map(\.socket).filter { tmux($0, "list-sessions") == 0 }
            if kingas.isEmpty && servers.isEmpty { break }
            try? await Task.sleep(for: .milliseconds(50))
        } while Date() < deadline
        if !kingas.isEmpty {
            Issue.record("Kinga was still running 10 s after its terminal was closed (pids \(kingas)); killed now")
            for p in kingas { kill(p, SIGKILL) }
        }
        if !servers.isEmpty { Issue.record("tmux servers still running 10 s after the test: \(servers)") }
        for h in homes { try? FileManager.default.removeItem(atPath: h) }
        if let f = failure { throw f }
    }
}

extension Trait where Self == CleansUp {
    /// See `CleansUp`.
    static var cleansUp: CleansUp { CleansUp() }
}
