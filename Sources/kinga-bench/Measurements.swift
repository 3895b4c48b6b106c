import ArgumentParser
import Foundation
import Harness
import Model
import Storage

extension Run {
    /// Per keystroke of `query`: the CPU time in ms (user + sys, as `.timer` prints it with microseconds; its wall
    /// clock has only milliseconds) the sqlite3 shell takes for the statements Kinga runs, after one warm-up pass.
    /// Plaintext archives only (the Debian sqlite3 shell cannot open SQLCipher files).
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

    /// Per keystroke of `query`: wall time in ms of `fzf --filter` over the export (one process per keystroke,
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

    /// The real binary in tmux at 80x24: process start to the first frame (the login screen), Enter after the
    /// PIN to the home screen (plaintext: the PIN check; encrypted: the unlock, then the first frame), and the `c`
    /// key to the case list on screen; its peak memory (VmHWM). A plaintext archive is opened with
    /// `--keep-plaintext` (else Kinga would encrypt it on start); the encrypted twin as a kiosk opens it.
    func tmuxTimes(kinga: String, db: String, encrypted: Bool) throws -> TmuxResult {
        let w = TmuxWindow()
        w.pollMicroseconds = 2_000
        defer { w.stop() }
        let t0 = monotonicNanos()
        try w.start("env KINGA_NOW=\(ISO8601.format(benchNow)) LANG=C.UTF-8 TERM=xterm-256color \(kinga) --db \(db)\(encrypted ? "" : " --keep-plaintext")")
        try w.waitFor("Choose your name", seconds: 60)
        let first = Double(monotonicNanos() - t0) / 1e6
        try w.send("1", "Tab")
        try w.type(benchPIN)
        let t1 = monotonicNanos()
        try w.send("Enter")
        try w.waitFor("What would you like to do?", seconds: 60)
        let t2 = monotonicNanos()
        try w.send("c")
        try w.waitFor("/ Search", seconds: 60)
        let list = Double(monotonicNanos() - t2) / 1e6
        let rss = try w.pid(of: "kinga").flatMap { peakRSSMegabytes(of: $0) }
        try w.send("Escape", "q")
        return TmuxResult(firstFrameMs: first, enterToHomeMs: Double(t2 - t1) / 1e6, caseListMs: list, peakRSSMB: rss)
    }

    /// The real binary exporting the whole archive (`kinga export cases`, JSON, `--user` with the PIN on stdin,
    /// which also unlocks an encrypted twin): how long, and its peak memory, which must stay flat as the archive
    /// grows (batches of 500).
    func exportTimes(kinga: String, db: String, cases: Int) throws -> ExportResult {
        let pin = dataDir + "/bench-pin.txt", out = dataDir + "/bench-export.json"
        try (benchPIN + "\n").write(toFile: pin, atomically: true, encoding: .utf8)
        try? FileManager.default.removeItem(atPath: out)
        defer { try? FileManager.default.removeItem(atPath: out) }
        var env = ProcessInfo.processInfo.environment
        env["KINGA_NOW"] = ISO8601.format(benchNow)
        let r = try spawnAndMeasureOwnPeak([kinga, "export", "cases", "--db", db, "--user", benchUser, "--out", out], stdin: pin, environment: env)
        guard r.status == 0 else { throw ValidationError("kinga export cases failed on \(db) with status \(r.status)") }
        return ExportResult(seconds: r.seconds, casesPerSecond: Double(cases) / r.seconds, peakRSSMB: r.peakMB)
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
}
