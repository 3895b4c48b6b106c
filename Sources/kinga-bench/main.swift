import ArgumentParser
import Foundation
import Harness
import I18n
import Model
import Storage
import SyntheticData
import TUI
import Vault

/// `kinga-bench`: how fast Kinga finds a case in a large archive, side by side with the sqlite3 shell
/// (the floor: the same SQL, no application around it) and `fzf --filter` (a peer: a fast fuzzy finder
/// over a text export of the same records). Issue #6. Figures are reported, never asserted.
struct KingaBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinga-bench",
        abstract: "Measure search, scrolling, first frame and memory at 10,000 to 1,000,000 fictional cases.",
        discussion: """
            Generates (once, then reuses) deterministic fictional archives under --data-dir, then for each size:
            the first frame of the case list (headless, and the real binary in tmux), per-keystroke search
            latency for a fixed set of queries, page-down latency near the top and deep in the list, frame
            render time and peak memory; the same searches in the sqlite3 shell and in fzf --filter, with ratios.
            Prints a table and writes JSON.
            """,
        subcommands: [Run.self, Session.self, ShowSQL.self, Generate.self, Keys.self],
        defaultSubcommand: Run.self
    )
}

/// The pinned "now" of every benchmark archive (dates in the data are relative to it).
let benchNow = ISO8601.parse("2026-11-01T09:00:00Z")!
let benchClock = Clock.fixed(benchNow, timeZone: TimeZone(identifier: "UTC")!)
let benchUser = "Bench Supervisor"
let benchPIN = "902134"
/// Rows the case list loads when its results change (twice a 20-row page), so the floor runs the same.
let pageRows = 40

/// The fixed queries, typed one character at a time: (kind, text).
let benchQueries: [(kind: String, text: String)] = [
    ("name prefix", "jos"), ("name prefix", "chil"), ("name prefix", "mwila ban"), ("name prefix", "siti rah"),
    ("accented name", "josé"), ("accented name", "zoë"), ("accented name", "núñez"), ("accented name", "hélène"),
    ("case number", "KG-2024-0042"), ("case number", "2023-1234"), ("case number", "777"),
    ("report words", "quarry"), ("report words", "married harvest"), ("report words", "flood camp"), ("report words", "border"),
    ("other script", "ана"), ("other script", "ليلى"),
]

// MARK: - Results

struct QueryResult: Codable {
    var kind: String
    var query: String
    var kinga: Stats
    var sqlite3: Stats?
    var fzf: Stats?
    /// What the list said after the last keystroke (for example "More than 1,000 cases match").
    var kingaSaid: String
}

struct SessionResult: Codable {
    var firstFrameHomeMs: Double
    var firstFrameCaseListMs: Double
    var renderMs: Stats
    var queries: [QueryResult]
    var pageDownTopMs: Stats
    var pageDownDeepMs: Stats
    var endKeyMs: Double
    var filtersMs: [String: Stats]
    var peakRSSMB: Double
    /// Milliseconds from the process start until the database was open (program loading and opening).
    var storeOpenMs: Double
    /// Milliseconds spent reading the language catalogues (libgettextpo), part of the first frame.
    var cataloguesMs: Double
    /// Resident memory after loading the program and opening the database, and after the first frame.
    var rssAtStartMB: Double
    var rssAfterFirstFrameMB: Double
}

struct SizeResult: Codable {
    var cases: Int
    var events: Int
    var generatedSeconds: Double?
    var databaseMB: Double
    var bytesPerCase: Double
    var session: SessionResult
    var keystrokeKinga: Stats
    var keystrokeSqlite3: Stats?
    var keystrokeFzf: Stats?
    var tmuxFirstFrameMs: Double?
    var tmuxCaseListMs: Double?
    var tmuxPeakRSSMB: Double?
    /// `kinga export cases` (JSON, pseudonymised) of the whole archive: seconds, cases per second, peak MB.
    var exportSeconds: Double?
    var exportCasesPerSecond: Double?
    var exportPeakRSSMB: Double?
}

struct BenchReport: Codable {
    var machine: String
    var date: String
    var kingaVersion: String
    var sqliteVersion: String
    var fzfVersion: String?
    var sizes: [SizeResult]
}

// MARK: - run

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the benchmark (the default).")

    @Option(name: .long, help: "Archive sizes, comma-separated.")
    var sizes = "10000,100000,1000000"

    @Option(name: .long, help: "Where archives and exports are kept between runs.")
    var dataDir = (ProcessInfo.processInfo.environment["KINGA_BENCH_DIR"] ?? NSTemporaryDirectory() + "kinga-bench")

    @Option(name: .long, help: "Write the results as JSON here (default: <data-dir>/results.json).")
    var json: String?

    @Flag(name: .long, help: "Skip the tmux measurements.")
    var noTmux = false

    @Flag(name: .long, help: "Skip the fzf comparison.")
    var noFzf = false

    @Flag(name: .long, help: "Fewer queries and pages (for CI).")
    var quick = false

    func run() throws {
        let counts = sizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.allSatisfy({ $0 > 0 }) else { throw ValidationError("--sizes needs positive whole numbers, like 10000,100000") }
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let useFzf = !noFzf && onPath("fzf")
        let useTmux = !noTmux && onPath("tmux")
        if !noFzf && !useFzf { print("fzf is not installed: the fzf comparison is skipped (apt-get install fzf).") }
        if !noTmux && !useTmux { print("tmux is not installed: the terminal measurements are skipped.") }
        let kinga = useTmux ? try kingaBinary() : nil
        var results: [SizeResult] = []
        for n in counts {
            print("— \(n) cases")
            let (path, generated) = try archive(cases: n)
            let store = try KingaStore(path: path, clock: benchClock)
            let events = try store.eventCount()
            let size = Double(fileSize(path) + fileSize(path + "-wal"))
            print("  database: \(String(format: "%.0f", size / 1e6)) MB, \(events) events")
            // The headless session, in a fresh process (its own memory and cold caches of its own).
            let out = dataDir + "/session-\(n).json"
            var argv = [CommandLine.arguments[0], "session", "--db", path, "--out", out]
            if quick { argv.append("--quick") }
            argv += ["--spawned-at", String(monotonicNanos())]
            guard try spawnAndWait(argv) == 0, let data = FileManager.default.contents(atPath: out) else {
                throw ValidationError("the measuring session failed on \(path)")
            }
            var session = try JSONDecoder().decode(SessionResult.self, from: data)
            print("  first frame of the case list: \(fmt(session.firstFrameCaseListMs)) ms from process start")
            // The same searches in the sqlite3 shell and fzf.
            let queries = quick ? Array(benchQueries.prefix(6)) : benchQueries
            var floors: [Double] = [], peers: [Double] = []
            for (i, q) in queries.enumerated() {
                let floor = try sqliteFloor(store: store, path: path, query: q.text)
                session.queries[i].sqlite3 = Stats(floor)
                floors += floor
            }
            if useFzf {
                let lines = dataDir + "/lines-\(n)-v\(SyntheticArchive.version).txt"
                if !FileManager.default.fileExists(atPath: lines) { try SyntheticArchive.exportSearchLines(from: store, to: lines) }
                for (i, q) in queries.enumerated() {
                    let t = try fzfTimes(lines: lines, query: q.text)
                    session.queries[i].fzf = Stats(t)
                    peers += t
                }
            }
            var result = SizeResult(cases: n, events: events, generatedSeconds: generated, databaseMB: size / 1e6, bytesPerCase: size / Double(n),
                                    session: session, keystrokeKinga: try Self.allKeystrokes(out),
                                    keystrokeSqlite3: floors.isEmpty ? nil : Stats(floors), keystrokeFzf: peers.isEmpty ? nil : Stats(peers))
            if let k = kinga {
                let t = try tmuxTimes(kinga: k, db: path)
                result.tmuxFirstFrameMs = t.first
                result.tmuxCaseListMs = t.list
                result.tmuxPeakRSSMB = t.rss
                let e = try exportTimes(kinga: k, db: path)
                result.exportSeconds = e.seconds
                result.exportCasesPerSecond = Double(n) / e.seconds
                result.exportPeakRSSMB = e.peakMB
            }
            results.append(result)
            printTable(results)
        }
        let report = BenchReport(machine: machineDescription(), date: ISO8601.format(Date()), kingaVersion: "0.6",
                                 sqliteVersion: sqliteVersion(), fzfVersion: useFzf ? fzfVersion() : nil, sizes: results)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let path = json ?? dataDir + "/results.json"
        try enc.encode(report).write(to: URL(fileURLWithPath: path))
        print("\nMachine: \(report.machine)\nsqlite3 \(report.sqliteVersion)\(report.fzfVersion.map { ", fzf \($0)" } ?? "")\nJSON: \(path)")
    }

    /// Every per-keystroke sample of the session (all queries together).
    static func allKeystrokes(_ sessionFile: String) throws -> Stats {
        let data = FileManager.default.contents(atPath: sessionFile + ".samples") ?? Data()
        let samples = try JSONDecoder().decode([Double].self, from: data)
        return Stats(samples)
    }

    /// The archive for `cases`, generated when missing (or from an older generator). Returns its path and
    /// how long generating took (nil when reused).
    func archive(cases: Int) throws -> (String, Double?) {
        let path = "\(dataDir)/archive-\(cases)-v\(SyntheticArchive.version).sqlite"
        if FileManager.default.fileExists(atPath: path), let s = try? KingaStore(path: path, clock: benchClock),
           (try? s.setting("bench.complete")) == "\(cases)" {
            return (path, nil)
        }
        let seconds = try buildArchive(at: path, cases: cases)
        print("  generated in \(fmt(seconds)) s")
        return (path, seconds)
    }

    /// Per keystroke of `query`: the CPU time (user + sys, as `.timer` prints it with microseconds; its wall
    /// clock has only milliseconds) the sqlite3 shell takes for the statements Kinga runs, after one warm-up pass.
    func sqliteFloor(store: KingaStore, path: String, query: String) throws -> [Double] {
        var perKey: [[String]] = []
        var typed = ""
        for c in query {
            typed.append(c)
            perKey.append(try store.caseListSQL(CaseQuery(text: typed), limit: pageRows, today: benchClock.today))
        }
        let script = dataDir + "/floor.sql"
        let all = perKey.flatMap { $0 }
        try (".timer on\n" + (all + all).joined(separator: "\n") + "\n").write(toFile: script, atomically: true, encoding: .utf8)
        let out = dataDir + "/floor.out"
        try spawnAndWait(["sqlite3", "-readonly", path], stdin: script, stdout: out)
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let times = text.split(separator: "\n").compactMap { line -> Double? in
            guard line.hasPrefix("Run Time:") else { return nil }
            let f = line.split(separator: " ")
            guard let u = f.firstIndex(of: "user"), let s = f.firstIndex(of: "sys"), u + 1 < f.count, s + 1 < f.count,
                  let user = Double(f[u + 1]), let sys = Double(f[s + 1]) else { return nil }
            return (user + sys) * 1000
        }
        let measured = Array(times.suffix(all.count))
        var out2: [Double] = []
        var i = 0
        for stmts in perKey {
            out2.append(measured[i..<min(measured.count, i + stmts.count)].reduce(0, +))
            i += stmts.count
        }
        return out2
    }

    /// Per keystroke of `query`: wall time of `fzf --filter` over the export (one process per keystroke,
    /// as a search box driving fzf would run it).
    func fzfTimes(lines: String, query: String) throws -> [Double] {
        var typed = ""
        var out: [Double] = []
        try spawnAndWait(["fzf", "--filter", query], stdin: lines)   // warm the page cache
        for c in query {
            typed.append(c)
            let t = typed
            out.append(try milliseconds { try spawnAndWait(["fzf", "--filter", t], stdin: lines) })
        }
        return out
    }

    /// The real binary in tmux at 80x24: process start to the first frame (the login screen), and from the
    /// `c` key to the case list on screen; its peak memory (VmHWM).
    func tmuxTimes(kinga: String, db: String) throws -> (first: Double, list: Double, rss: Double?) {
        let w = TmuxWindow()
        w.pollMicroseconds = 2_000
        defer { w.stop() }
        let t0 = monotonicNanos()
        try w.start("env KINGA_NOW=\(ISO8601.format(benchNow)) LANG=C.UTF-8 TERM=xterm-256color \(kinga) --db \(db) --keep-plaintext")
        try w.waitFor("Choose your name", seconds: 60)
        let first = Double(monotonicNanos() - t0) / 1e6
        try w.send("1", "Tab")
        try w.type(benchPIN)
        try w.send("Enter")
        try w.waitFor("What would you like to do?", seconds: 60)
        let t1 = monotonicNanos()
        try w.send("c")
        try w.waitFor("/ Search", seconds: 60)
        let list = Double(monotonicNanos() - t1) / 1e6
        let rss = try w.pid(of: "kinga").flatMap { peakRSSMegabytes(of: $0) }
        try w.send("Escape", "q")
        return (first, list, rss)
    }

    /// The real binary exporting the whole archive (`kinga export cases`, JSON, PIN from a file): how long,
    /// and its peak memory, which must stay flat as the archive grows (batches of 500).
    func exportTimes(kinga: String, db: String) throws -> (seconds: Double, peakMB: Double) {
        let pin = dataDir + "/bench-pin.txt", out = dataDir + "/bench-export.json"
        try (benchPIN + "\n").write(toFile: pin, atomically: true, encoding: .utf8)
        try? FileManager.default.removeItem(atPath: out)
        defer { try? FileManager.default.removeItem(atPath: out) }
        var env = ProcessInfo.processInfo.environment
        env["KINGA_NOW"] = ISO8601.format(benchNow)
        let r = try spawnAndMeasure([kinga, "export", "cases", "--db", db, "--user", benchUser, "--out", out], stdin: pin, environment: env)
        guard r.status == 0 else { throw ValidationError("kinga export cases failed with status \(r.status)") }
        return (r.seconds, r.peakMB)
    }

    /// The `kinga` binary built beside this one (built now when missing).
    func kingaBinary() throws -> String {
        if let k = siblingExecutable("kinga") { return k }
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let release = me.path.contains("/release/")
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        print("Building kinga (\(release ? "release" : "debug")) for the tmux measurements…")
        try spawnAndWait(["swift", "build", "--package-path", root, "-c", release ? "release" : "debug", "--product", "kinga"])
        guard let k = siblingExecutable("kinga") else { throw ValidationError("could not build kinga beside \(me.path)") }
        return k
    }

    func printTable(_ rs: [SizeResult]) {
        var rows: [[String]] = [[""] + rs.map { "\($0.cases)" }]
        func row(_ cells: [String]) { rows.append(cells) }
        row(["DB KB/case"] + rs.map { fmt($0.bytesPerCase / 1000) })
        row(["1st frame ms"] + rs.map { fmt($0.session.firstFrameCaseListMs) })
        row(["tmux 1st ms"] + rs.map { $0.tmuxFirstFrameMs.map(fmt) ?? "–" })
        row(["tmux c→list"] + rs.map { $0.tmuxCaseListMs.map(fmt) ?? "–" })
        row(["export s"] + rs.map { $0.exportSeconds.map(fmt) ?? "–" })
        row(["export/s"] + rs.map { $0.exportCasesPerSecond.map { fmt($0.rounded()) } ?? "–" })
        row(["export MB"] + rs.map { $0.exportPeakRSSMB.map(fmt) ?? "–" })
        row(["key p50 ms"] + rs.map { fmt($0.keystrokeKinga.p50) })
        row(["key p99 ms"] + rs.map { fmt($0.keystrokeKinga.p99) })
        row(["sqlite3 p50"] + rs.map { $0.keystrokeSqlite3.map { fmt($0.p50) } ?? "–" })
        row(["sqlite3 p99"] + rs.map { $0.keystrokeSqlite3.map { fmt($0.p99) } ?? "–" })
        row(["fzf p50 ms"] + rs.map { $0.keystrokeFzf.map { fmt($0.p50) } ?? "–" })
        row(["fzf p99 ms"] + rs.map { $0.keystrokeFzf.map { fmt($0.p99) } ?? "–" })
        row(["PgDn top p99"] + rs.map { fmt($0.session.pageDownTopMs.p99) })
        row(["PgDn deep p99"] + rs.map { fmt($0.session.pageDownDeepMs.p99) })
        row(["render p50"] + rs.map { fmt($0.session.renderMs.p50) })
        row(["peak MB"] + rs.map { fmt($0.session.peakRSSMB) })
        row(["tmux peak MB"] + rs.map { $0.tmuxPeakRSSMB.map(fmt) ?? "–" })
        print("")
        print(textTable(rows))
    }
}

func fmt(_ v: Double) -> String { v >= 100 ? String(format: "%.0f", v) : v >= 10 ? String(format: "%.1f", v) : String(format: "%.2f", v) }

func fileSize(_ path: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0 }

func firstLine(_ argv: [String]) -> String? {
    let out = NSTemporaryDirectory() + "kinga-bench-\(getpid()).txt"
    defer { try? FileManager.default.removeItem(atPath: out) }
    guard (try? spawnAndWait(argv, stdout: out)) == 0 else { return nil }
    return (try? String(contentsOfFile: out, encoding: .utf8))?.split(separator: "\n").first.map(String.init)
}

func sqliteVersion() -> String { firstLine(["sqlite3", "--version"]).map { String($0.prefix(while: { $0 != " " })) } ?? "?" }
func fzfVersion() -> String? { firstLine(["fzf", "--version"]) }

func machineDescription() -> String {
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
        .first { $0.hasPrefix("model name") }.map { String($0.split(separator: ":").last ?? "").trimmingCharacters(in: .whitespaces) } ?? "?"
    let mem = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8))?.split(separator: "\n").first
        .flatMap { Double($0.split(separator: " ").dropFirst().first ?? "") }.map { String(format: "%.0f GiB", $0 / 1_048_576) } ?? "?"
    return "\(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)), \(mem) RAM"
}

/// Makes a deterministic fictional archive of `cases` cases at `path` (replacing any file there), with the
/// bench supervisor and eight focal points (PIN `benchPIN`).
/// - Returns: seconds spent generating the cases.
func buildArchive(at path: String, cases: Int) throws -> Double {
    for suffix in ["", "-wal", "-shm", ".audit-key"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    let store = try KingaStore(path: path, clock: benchClock)
    // The bench supervisor sets the kiosk up (the first user: administrator and supervisor) and adds the team.
    let boss = try store.createFirstUser(name: benchUser, pin: benchPIN)
    var team = [boss.id]
    for i in 1...8 { team.append(try store.createUser(name: "Focal Point \(i)", roles: [.focalPoint], pin: benchPIN).id) }
    try store.setSetting("language", "en")
    try store.setSetting("profile", "generic")
    // The archive itself is Kinga's upkeep, written with nobody logged in.
    store.endSession()
    let seconds = try milliseconds {
        try SyntheticArchive.generate(into: store, cases: cases, assignees: team) { done in
            if done % 100_000 == 0 || done == cases { print("  generated \(done) cases") }
        }
    } / 1000
    guard case .success = try store.login(userID: boss.id, pin: benchPIN) else { throw ValidationError("the bench PIN was refused") }
    try store.setSetting("bench.complete", "\(cases)")
    store.endSession()
    try store.checkpoint()
    return seconds
}

/// `kinga-bench generate`: one fictional archive, for tests that need many cases (export progress, cancel).
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a fictional archive of N cases at PATH (users: \"Bench Supervisor\" and focal points, PIN 902134).")
    @Option var cases: Int
    @Option var out: String
    @Flag(help: "Replace the file at --out (and its audit key) when it exists.") var force = false
    func run() throws {
        if FileManager.default.fileExists(atPath: out) && !force {
            throw ValidationError("\(out) exists. Use --force to replace it (this deletes it and its .audit-key).")
        }
        let seconds = try buildArchive(at: out, cases: cases)
        print("\(cases) fictional cases in \(out) (\(fmt(seconds)) s)")
    }
}

/// `kinga-bench keys`: what one PIN guess costs at Kinga's Argon2id limits (issue #17), and so what trying every
/// six-digit PIN against a stolen key-slot file costs. A figure for the README's threat model, never a pass/fail.
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time one Argon2id PIN check at Kinga's limits and the core-hours to try all 10^6 six-digit PINs.")
    @Option(help: "Argon2id memory in MiB (default: Kinga's).") var memoryMib = Int(KeyDerivation.standard.memlimit >> 20)
    @Option(help: "Argon2id passes (default: Kinga's).") var passes = Int(KeyDerivation.standard.opslimit)
    @Option(help: "How many timed checks (the median is reported).") var runs = 5
    func run() throws {
        let derivation = KeyDerivation(opslimit: UInt64(passes), memlimit: UInt64(memoryMib) << 20)
        let key = try DatabaseKey.random()
        let user = KeySlotUser(id: UUID(), name: "Bench", roles: ["focal_point"])
        var file = KeySlotFile(deviceID: UUID())
        try file.setUser(user, pin: benchPIN, key: key, derivation: derivation)
        var seconds: [Double] = []
        for _ in 0..<max(1, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try file.unlock(userID: user.id, pin: benchPIN)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let median = seconds.sorted()[seconds.count / 2]
        let coreHours = median * 1_000_000 / 3600
        print("Argon2id \(memoryMib) MiB, \(passes) passes, 1 lane: one PIN check \(String(format: "%.3f", median)) s (median of \(seconds.count))")
        print("Trying all 10^6 six-digit PINs: \(fmt(coreHours)) core-hours (\(fmt(coreHours / 24)) core-days) on one core of this machine")
    }
}

/// `kinga-bench sql --db PATH TEXT`: the statements the case list runs for one search, as the sqlite3 shell
/// would take them (to read or time a query plan by hand).
struct ShowSQL: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sql", abstract: "Print the SQL the case list runs for a search.")
    @Option var db: String
    @Argument var text: String
    func run() throws {
        let store = try KingaStore(path: db, clock: benchClock)
        for s in try store.caseListSQL(CaseQuery(text: text), limit: pageRows, today: benchClock.today) { print(s) }
    }
}

// MARK: - session (the measured process)

struct Session: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(internal) One measured Kinga session, headless.", shouldDisplay: false)

    @Option var db: String
    @Option var out: String
    @Option var spawnedAt: UInt64
    @Flag var quick = false

    func run() throws {
        func sinceSpawn() -> Double { Double(monotonicNanos() - spawnedAt) / 1e6 }
        let store = try KingaStore(path: db, clock: benchClock)
        let opened = sinceSpawn()
        let catalogues = milliseconds { _ = Languages.shared.english }
        let rssStart = currentRSSMegabytes()
        guard let seeds = Seeds.locate(explicit: nil, environment: ProcessInfo.processInfo.environment, executablePath: CommandLine.arguments[0]) else {
            throw ValidationError("seeds folder not found (set KINGA_SEEDS)")
        }
        let profile = try Seeds.profile(id: "generic", seeds: seeds)
        guard let account = try store.users().first(where: { $0.name == benchUser }) else { throw ValidationError("no \(benchUser) in \(db)") }
        // The PIN check (Argon2id, on purpose slow) is the person's wait before the app, not the app's: it is
        // left out of the start-up figures, which stay comparable with runs before sessions needed a PIN.
        var login: LoginResult = .failed
        let pinCheck = try milliseconds { login = try store.login(userID: account.id, pin: benchPIN) }
        guard case .success(let user) = login else { throw ValidationError("the bench PIN was refused") }
        let (w, h) = (80, 24)
        let app = App(store: store, profile: profile, clock: benchClock, demo: false, session: user)
        _ = app.render(width: w, height: h)
        let home = sinceSpawn() - pinCheck
        app.handle(.key(.char("c")))
        let listGrid = app.render(width: w, height: h)
        let list = sinceSpawn() - pinCheck
        let rssFirst = currentRSSMegabytes()
        guard listGrid.contains("/ Search") else { throw ValidationError("the case list did not open:\n\(listGrid.text)") }

        func step(_ key: Key) -> Double {
            milliseconds {
                app.handle(.key(key))
                _ = app.render(width: w, height: h)
            }
        }
        let render = (0..<100).map { _ in milliseconds { _ = app.render(width: w, height: h) } }
        // Searches, one key at a time; the first pass warms caches and is not kept (as for sqlite3 and fzf).
        let queries = quick ? Array(benchQueries.prefix(6)) : benchQueries
        var results: [QueryResult] = []
        var all: [Double] = []
        for pass in 0..<2 {
            for q in queries {
                _ = step(.char("/"))
                let samples = q.text.map { step(.char($0)) }
                let said = app.render(width: w, height: h).row(1).trimmingCharacters(in: .whitespaces)
                _ = step(.escape)
                if pass == 1 {
                    results.append(QueryResult(kind: q.kind, query: q.text, kinga: Stats(samples), sqlite3: nil, fzf: nil, kingaSaid: said))
                    all += samples
                }
            }
        }
        // Page-down near the top, then deep: End, back up, and down again.
        let pages = quick ? 20 : 100
        _ = step(.home)
        let top = (0..<pages).map { _ in step(.pageDown) }
        let end = step(.end)
        for _ in 0..<pages { _ = step(.pageUp) }
        let deep = (0..<pages).map { _ in step(.pageDown) }
        // Filters as the list runs them: the count and the first pages.
        let village = try store.caseList(CaseQuery(), after: nil, limit: 1, viewer: .user(user), today: benchClock.today).first?.summary.village ?? ""
        let filters: [(String, CaseQuery)] = [
            ("open, by name", CaseQuery(filter: CaseFilter(status: .open), sort: .childName)),
            ("one village", CaseQuery(filter: CaseFilter(village: village))),
            ("urgent, high risk", CaseQuery(filter: CaseFilter(risk: .level(.high), urgent: true))),
            ("due or overdue", CaseQuery(filter: CaseFilter(overdueOnly: true))),
            ("search + open", CaseQuery(text: "banda", filter: CaseFilter(status: .open))),
        ]
        var filterStats: [String: Stats] = [:]
        for (name, q) in filters {
            let t = try (0..<(quick ? 3 : 10)).map { _ in
                try milliseconds {
                    _ = try store.caseMatchCount(q, viewer: .user(user), today: benchClock.today)
                    _ = try store.caseList(q, after: nil, limit: pageRows, viewer: .user(user), today: benchClock.today)
                }
            }
            filterStats[name] = Stats(Array(t.dropFirst()))
        }
        let result = SessionResult(firstFrameHomeMs: home, firstFrameCaseListMs: list, renderMs: Stats(render), queries: results,
                                   pageDownTopMs: Stats(top), pageDownDeepMs: Stats(deep), endKeyMs: end, filtersMs: filterStats,
                                   peakRSSMB: peakRSSMegabytes(), storeOpenMs: opened, cataloguesMs: catalogues, rssAtStartMB: rssStart, rssAfterFirstFrameMB: rssFirst)
        try JSONEncoder().encode(result).write(to: URL(fileURLWithPath: out))
        try JSONEncoder().encode(all).write(to: URL(fileURLWithPath: out + ".samples"))
    }
}

KingaBench.main()
