import ArgumentParser
import Foundation
import Harness
import Model
import Storage
import SyntheticData

/// `kinga-bench run` (the default): for each size, the plaintext archive and its encrypted twin, measured one
/// after the other in the same run (headless sessions, tmux, export); the sqlite3 floor and fzf on the plaintext
/// archive only. Prints the table after each size and writes the JSON (`BenchReport`) at the end.
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

    @Flag(name: .long, help: "Skip the encrypted twin (plaintext figures only, as before issue #17).")
    var noEncrypted = false

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
        if !noEncrypted { print("Plaintext and encrypted, one after the other. \(plaintextOnlyNote)") }
        let kinga = useTmux ? try kingaBinary() : nil
        var results: [SizeResult] = []
        for n in counts {
            results.append(try measure(cases: n, useFzf: useFzf, kinga: kinga))
            printTable(results)
        }
        let report = BenchReport(machine: machineDescription(), date: ISO8601.format(Date()), kingaVersion: "0.6",
                                 sqliteVersion: sqliteVersion(), fzfVersion: useFzf ? fzfVersion() : nil, sizes: results,
                                 note: noEncrypted ? nil : plaintextOnlyNote)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let path = json ?? dataDir + "/results.json"
        try enc.encode(report).write(to: URL(fileURLWithPath: path))
        print("\nMachine: \(report.machine)\nsqlite3 \(report.sqliteVersion)\(report.fzfVersion.map { ", fzf \($0)" } ?? "")\nJSON: \(path)")
    }

    /// Everything for one size: archive (and twin) made or reused, then plaintext and encrypted measured.
    /// - Parameter kinga: the `kinga` binary for tmux and export, or nil to skip those.
    func measure(cases n: Int, useFzf: Bool, kinga: String?) throws -> SizeResult {
        print("— \(n) cases")
        let (path, generated) = try archive(cases: n)
        let store = try KingaStore(path: path, clock: benchClock)
        let events = try store.eventCount()
        let twin = noEncrypted ? nil : try encryptedArchive(of: store, plainPath: path, cases: n, fresh: generated != nil)
        let size = Double(fileSize(path) + fileSize(path + "-wal"))
        print("  database: \(String(format: "%.0f", size / 1e6)) MB, \(events) events")
        // The headless sessions, each in a fresh process (its own memory and cold caches of its own).
        let out = dataDir + "/session-\(n).json"
        var session = try runSession(db: path, out: out, encrypted: false)
        print("  plaintext: first frame of the case list \(fmt(session.firstFrameCaseListMs)) ms from process start (PIN check \(fmt(session.unlockMs ?? 0)) ms left out)")
        var encrypted: EncryptedResult?
        if let (twinPath, seconds) = twin {
            let encOut = dataDir + "/session-\(n)-encrypted.json"
            let s = try runSession(db: twinPath, out: encOut, encrypted: true)
            let bytes = Double(fileSize(twinPath) + fileSize(twinPath + "-wal"))
            let limits = benchSlotLimits(twin: twinPath)
            print("  encrypted: unlock \(fmt(s.unlockMs ?? 0)) ms (Argon2id \(limits.map { "\(fmt($0.memoryMiB)) MiB, \($0.passes) passes" } ?? "?")), then the case list in \(fmt(s.firstFrameCaseListAfterPINMs ?? 0)) ms")
            encrypted = EncryptedResult(databaseMB: bytes / 1e6, bytesPerCase: bytes / Double(n), encryptSeconds: seconds, session: s,
                                        keystrokeKinga: try Self.allKeystrokes(encOut), unlockArgon2idMiB: limits?.memoryMiB,
                                        unlockArgon2idPasses: limits?.passes, tmux: nil, export: nil)
        }
        // The same searches in the sqlite3 shell and fzf (plaintext: neither can read the encrypted twin).
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
            let t = try tmuxTimes(kinga: k, db: path, encrypted: false)
            result.tmuxFirstFrameMs = t.firstFrameMs
            result.tmuxEnterToHomeMs = t.enterToHomeMs
            result.tmuxCaseListMs = t.caseListMs
            result.tmuxPeakRSSMB = t.peakRSSMB
            if let twinPath = twin?.0 { encrypted?.tmux = try tmuxTimes(kinga: k, db: twinPath, encrypted: true) }
            let e = try exportTimes(kinga: k, db: path, cases: n)
            result.exportSeconds = e.seconds
            result.exportCasesPerSecond = e.casesPerSecond
            result.exportPeakRSSMB = e.peakRSSMB
            if let twinPath = twin?.0 { encrypted?.export = try exportTimes(kinga: k, db: twinPath, cases: n) }
        }
        result.encrypted = encrypted
        result.ratios = encrypted.map { Ratios(plain: result, encrypted: $0) }
        return result
    }

    /// Runs `kinga-bench session` on `db` in a fresh process and reads what it measured (`SessionResult`).
    /// - Parameters: `out`, the JSON it writes (the keystroke samples go to `<out>.samples`); `encrypted`, the
    ///   archive is an encrypted twin (the session unlocks it with the bench PIN).
    func runSession(db: String, out: String, encrypted: Bool) throws -> SessionResult {
        var argv = [CommandLine.arguments[0], "session", "--db", db, "--out", out]
        if quick { argv.append("--quick") }
        if encrypted { argv.append("--encrypted") }
        argv += ["--spawned-at", String(monotonicNanos())]
        guard try spawnAndWait(argv) == 0, let data = FileManager.default.contents(atPath: out) else {
            throw ValidationError("the measuring session failed on \(db) (run the same command by hand to see why: \(argv.joined(separator: " ")))")
        }
        return try JSONDecoder().decode(SessionResult.self, from: data)
    }

    /// Every per-keystroke sample of the session (all queries together), in ms.
    static func allKeystrokes(_ sessionFile: String) throws -> Stats {
        let data = FileManager.default.contents(atPath: sessionFile + ".samples") ?? Data()
        let samples = try JSONDecoder().decode([Double].self, from: data)
        return Stats(samples)
    }
}
