import ArgumentParser
import Foundation
import Harness
import Model
import Storage
import SyntheticData

/// `kinga-reliability`: nothing lost, nothing leaked, no crash (issue #7).
///
/// Drives the real `kinga` binary the way SQLite tests itself: kills it with SIGKILL at random moments in the
/// middle of typing and saving, runs several writers on one database at once, injects database faults and
/// odd terminals, and after each one checks the database (integrity, every saved record unchanged, the audit
/// chain, the unfinished report offered back). Ends with a report of its figures; exits 1 when anything was
/// lost, damaged or left on screen.
struct Reliability: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinga-reliability",
        abstract: "Kill, fault and stress the real kinga binary, and check that nothing is lost.",
        subcommands: [Suite.self, Writer.self],
        defaultSubcommand: Suite.self)
}

let pin = "902134"
let nowText = "2026-03-02T09:00:00Z"
let pinnedClock = Clock.fixed(ISO8601.parse(nowText)!, timeZone: TimeZone(identifier: "UTC")!)

/// The figures the suite ends with.
struct Figures: Codable {
    var killsSurvived = 0
    var killsMidSave = 0
    /// Answers the kills' checks confirmed in the saved case or the draft afterwards.
    var fieldsChecked = 0
    var faultsInjected = 0
    var hostileInputsTried = 0
    var processesConcurrently = 0
    var concurrentWrites = 0
    var conflictsDetected = 0
    var terminalsTried = 0
    /// Terminals that vanished without a signal, and Kinga ended by itself (issue #14).
    var terminalLossExits = 0
    /// The slowest of those exits, in seconds (at most 2).
    var terminalLossSlowest = 0.0
    var recordsLost = 0
    var terminalsLeftDirty = 0
    var problems: [String] = []
    /// The district link's run (`--sync`, issue #19).
    var sync: SyncFigures?
}

struct Suite: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the suite (short by default; --long for hundreds of kills).")

    @Flag(name: .long, help: "The long version: hundreds of kills and more concurrent writes (several minutes).")
    var long = false

    @Option(name: .long, help: "Number of kills (default: 12, or 300 with --long).")
    var kills: Int?

    @Option(name: .long, help: "Seed for the random moments (the same seed repeats a run).")
    var seed: UInt64 = 20261130

    @Option(name: .long, help: "Write the figures as JSON here too.")
    var json: String?

    @Flag(name: .long, help: "The district link instead (issue #19): a real PostgreSQL, kinga-server and three kiosks syncing through dropped, cut, reset, delayed and half-open connections, with kiosks, the server and PostgreSQL killed mid-sync (short: 6 rounds; with --long: 60).")
    var sync = false

    @Option(name: .long, help: "Rounds of the --sync run (each: every kiosk changes a few things and syncs under a fault).")
    var rounds: Int?

    func run() throws {
        if sync { return try runSync() }
        guard onPath("tmux") else { throw ValidationError("tmux is needed (apt-get install tmux)") }
        let kinga = try kingaBinary()
        let work = NSTemporaryDirectory() + "kinga-reliability-\(getpid())"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        var f = Figures()
        var rng = SyntheticArchive.Random(seed: seed)
        let t0 = monotonicNanos()
        func section(_ name: String, _ body: () throws -> Void) {
            print("— \(name)")
            do { try body() } catch { f.problems.append("\(name): \(error)") }
        }
        section("kills") { try KillLoop(kinga: kinga, folder: work + "/kills", count: kills ?? (long ? 300 : 12)).run(&f, &rng) }
        section("writers") { try concurrentWriters(work: work + "/writers", processes: 4, casesEach: long ? 200 : 25, &f) }
        section("database faults") { try Faults(kinga: kinga, folder: work + "/faults").run(&f) }
        section("terminals") { try Terminals(kinga: kinga, folder: work + "/terminals").run(&f, long: long) }
        let seconds = Double(monotonicNanos() - t0) / 1e9
        print("""

            Reliability report (\(long ? "long" : "short") run, seed \(seed), \(String(format: "%.0f", seconds)) s)
              kills survived (SIGKILL at random moments):  \(f.killsSurvived)  (\(f.killsMidSave) while saving; \(f.fieldsChecked) typed answers found again)
              database faults injected:                    \(f.faultsInjected)
              hostile inputs tried (in the real binary):   \(f.hostileInputsTried)
              processes writing concurrently:              \(f.processesConcurrently)  (\(f.concurrentWrites) writes, \(f.conflictsDetected) edit conflicts caught)
              terminal set-ups tried:                      \(f.terminalsTried)
              terminals vanished, Kinga exited by itself:  \(f.terminalLossExits)  (slowest \(String(format: "%.2f", f.terminalLossSlowest)) s; at most 2)
              records lost:                                \(f.recordsLost)  (must be 0)
              terminals left dirty:                        \(f.terminalsLeftDirty)  (must be 0)
            """)
        for p in f.problems { print("  PROBLEM: \(p)") }
        if let j = json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(f).write(to: URL(fileURLWithPath: j))
        }
        if f.recordsLost > 0 || f.terminalsLeftDirty > 0 || !f.problems.isEmpty { throw ExitCode(1) }
        print("All good.")
    }

    /// `--sync`: the district link's fault run and its report; exits 1 when anything was lost, applied twice or
    /// overwritten silently, a kiosk did not converge or an audit chain did not verify.
    func runSync() throws {
        let kinga = try kingaBinary()
        guard let server = siblingExecutable("kinga-server") else { throw ValidationError("build kinga-server first (swift build): it is not beside this program") }
        let work = NSTemporaryDirectory() + "kinga-reliability-sync-\(getpid())"
        var rng = SyntheticArchive.Random(seed: seed)
        var s = SyncFigures()
        let rounds = self.rounds ?? (long ? 60 : 6)
        print("— the district link under faults (\(long ? "long" : "short") run, \(rounds) rounds)")
        do {
            try SyncFaults(kinga: kinga, server: server, folder: work, rounds: rounds, halfOpen: true).run(&s, &rng)
        } catch {
            s.problems.append("the run stopped: \(error)")
        }
        print("""

            District link report (\(long ? "long" : "short") run, seed \(seed), \(String(format: "%.0f", s.seconds)) s)
              kiosks, rounds:                              \(s.kiosks), \(s.rounds)  (clocks: \(s.clocks.joined(separator: "; ")))
              syncs (the real kinga sync):                 \(s.syncs)  (\(s.syncsFailed) ended in an error under a fault, made good later)
              link faults (drop, cut, reset, delay, half-open): \(s.linkFaults)
              kiosks killed mid-sync (SIGKILL):            \(s.kioskKills)
              server killed mid-sync (SIGKILL):            \(s.serverKills)
              PostgreSQL stopped mid-sync (-m immediate):  \(s.postgresCrashes)
              changes made:                                \(s.changesMade)
              changes lost:                                \(s.changesLost)  (must be 0)
              changes applied twice:                       \(s.changesAppliedTwice)  (must be 0)
              silent overwrites:                           \(s.silentOverwrites)  (must be 0)
              conflicts sent to review:                    \(s.conflictsToReview)
              kiosks converged:                            \(s.kiosksConverged) of \(s.kiosks)  (must be all)
              audit chains verified:                       \(s.auditChainsVerified) of \(s.kiosks)  (must be all)
              audit chains whole at the server:            \(s.serverAuditChainsWhole) of \(s.kiosks)  (must be all; \(s.auditReceipts) signed receipts hold)
              case numbers unique, with their kiosk code:  \(s.caseNumbersUnique ? "yes" : "NO")
              each kiosk's changes in its own order:       \(s.orderKept ? "yes" : "NO")
              a revoked kiosk's sync refused, its changes kept: \(s.revokedRefused ? "yes (\(s.revokedKeptWaiting) waiting there)" : "NO")
            """)
        for (kind, times) in s.syncSeconds.sorted(by: { $0.key < $1.key }) {
            let sorted = times.sorted()
            print("  \(kind): \(times.count) syncs, median \(String(format: "%.1f", sorted[sorted.count / 2])) s, slowest \(String(format: "%.1f", sorted.last ?? 0)) s")
        }
        for p in s.problems { print("  PROBLEM: \(p)") }
        if let j = json {
            var f = Figures()
            f.sync = s
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(f).write(to: URL(fileURLWithPath: j))
        }
        guard s.clean else {
            print("  The kiosks, the server's folder and every kinga sync's output are kept in \(work) to look at.")
            throw ExitCode(1)
        }
        try? FileManager.default.removeItem(atPath: work)
        print("All good.")
    }

    /// The `kinga` binary built beside this one.
    func kingaBinary() throws -> String {
        guard let k = siblingExecutable("kinga") else { throw ValidationError("build kinga first (swift build): it is not beside this program") }
        return k
    }
}

// MARK: - the database as it should be

/// Everything saved, to compare after a kill: each case's fields and report, and its timeline entries.
struct Snapshot: Equatable {
    struct Case: Equatable {
        var number: String
        var name: String
        var report: Report
        var status: CaseStatus
        var events: [UUID: String]
    }
    var cases: [UUID: Case] = [:]

    static func take(_ store: KingaStore) throws -> Snapshot {
        var s = Snapshot()
        var cursor: CaseCursor?
        while true {
            let page = try store.casePage(after: cursor, limit: 200, viewer: .systemMaintenance)
            if page.isEmpty { break }
            for row in page {
                guard let c = try store.caseRecord(id: row.id, viewer: .systemMaintenance) else { continue }
                let events = try store.events(caseID: c.id, viewer: .systemMaintenance)
                s.cases[c.id] = Case(number: c.number.description, name: c.childName, report: c.report, status: c.status,
                                     events: Dictionary(uniqueKeysWithValues: events.map { ($0.id, $0.summary + "\n" + $0.body) }))
            }
            cursor = page.last.map(CaseCursor.init)
        }
        return s
    }

    /// Sentences about anything in `self` that is missing or changed in `now` (new cases and new timeline
    /// entries are fine).
    func losses(in now: Snapshot) -> [String] {
        var out: [String] = []
        for (id, c) in cases {
            guard let n = now.cases[id] else { out.append("case \(c.number) is gone"); continue }
            if n.number != c.number || n.name != c.name || n.report != c.report { out.append("case \(c.number) changed") }
            for (e, text) in c.events where n.events[e] != text { out.append("a timeline entry of \(c.number) is gone or changed") }
        }
        return out
    }
}

/// Opens the database after a run and checks it whole. Returns the problems found.
func verify(_ path: String, against before: Snapshot) -> (Snapshot?, [String]) {
    do {
        let store = try Kiosk.open(path)
        let report = try store.check()
        let now = try Snapshot.take(store)
        return (now, report.problems + before.losses(in: now))
    } catch {
        return (nil, ["cannot open the database after the run: \(error)"])
    }
}

// MARK: - kills

/// Starts kinga in tmux, types a report or a note, and kills it with SIGKILL at a random moment; then
/// checks that the database is sound, every saved record is unchanged, and the unfinished report is
/// offered back with at most the field being typed lost.
struct KillLoop {
    let kinga: String
    let folder: String
    let count: Int

    /// One step of a script: keys to send, then (when `field` is set) what the draft must hold once the
    /// key has been handled.
    struct Step {
        var keys: [String] = []
        var text: String?
        var waitFor: String?
        var expect: ((Report) -> Bool)?
        var saves = false
    }

    func run(_ f: inout Figures, _ rng: inout SyntheticArchive.Random) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let db = folder + "/kinga.sqlite"
        _ = try Kiosk.make(db)
        // One connection of the harness's own, to watch the draft on disk while Kinga runs (WAL: reading never
        // blocks Kinga's writes).
        let watcher = try Kiosk.open(db)
        var before = try Snapshot.take(watcher)
        for i in 0..<count {
            let name = Self.name(&rng)
            let report = rng.chance(0.75) || before.cases.isEmpty
            let steps = report ? reportScript(name: name, village: "Kijiji \(i)") : noteScript(text: "Note \(i) " + Self.name(&rng))
            let killAt = rng.below(steps.count + 1)   // steps.count: after the last step
            let delay = useconds_t(rng.below(40_000))
            let w = TmuxWindow()
            defer { w.stop() }
            try w.start("env -i PATH=/usr/bin:/bin HOME=\(folder) KINGA_NOW=\(nowText) LANG=C.UTF-8 TERM=xterm-256color \(kinga) --db \(db)")
            try w.waitFor("Choose your name")
            try w.send("1", "Tab")
            try w.type(pin)
            try w.send("Enter")
            try w.waitFor("What would you like to do?")
            var confirmed: [(Report) -> Bool] = []
            var savedSeen = false
            var midSave = false
            var unobserved: String?
            for (k, step) in steps.enumerated() {
                if !step.keys.isEmpty { try w.send(step.keys) }
                if let t = step.text { try w.type(t) }
                if k == killAt {
                    // The keys are on their way; kill within the next 40 ms, before, during or after they are handled.
                    usleep(delay)
                    midSave = step.saves
                    break
                }
                if let wait = step.waitFor { try w.waitFor(wait) }
                if step.saves { savedSeen = step.waitFor != nil }
                if let e = step.expect {
                    // An answer counts as finished only once it is seen in the draft on disk (never after a
                    // guessed delay: under load Kinga may handle the keys later, and that is not a loss).
                    do {
                        try waitUntil("answer \(confirmed.count) in the draft on disk", seconds: 30) {
                            try watcher.drafts().contains { e($0.report) }
                        }
                        confirmed.append(e)
                    } catch let n as NotObserved {
                        unobserved = n.description
                        break
                    }
                }
            }
            if let u = unobserved {
                // Kinga showed the next step but never wrote the answer: a lost answer, not a harness guess.
                f.recordsLost += 1
                f.problems.append("kill \(i): Kinga did not keep an answer it had handled: \(u)")
            }
            guard let pid = try w.pid(of: "kinga") else { f.problems.append("kill \(i): kinga was not running"); continue }
            kill(pid, SIGKILL)
            try waitUntil("kinga to end after SIGKILL", seconds: 10) { processEnded(pid) }
            let (after, problems) = verify(db, against: before)
            f.recordsLost += problems.count
            f.problems += problems.map { "kill \(i): \($0)" }
            if let now = after {
                // The report typed: saved as a case, or offered back as a draft with every confirmed field.
                if report {
                    let store = try Kiosk.open(db)
                    let drafts = try store.drafts()
                    let saved = now.cases.values.first { $0.name == name }
                    if savedSeen && saved == nil { f.recordsLost += 1; f.problems.append("kill \(i): the saved report about \(name) is missing") }
                    if let c = saved {
                        if !drafts.isEmpty { f.problems.append("kill \(i): both a case and its draft exist") }
                        for (j, e) in confirmed.enumerated() where !e(c.report) { f.recordsLost += 1; f.problems.append("kill \(i): saved case lacks field \(j)") }
                        f.fieldsChecked += confirmed.count
                    } else if !confirmed.isEmpty {
                        if let d = drafts.first {
                            f.fieldsChecked += confirmed.count
                            for (j, e) in confirmed.enumerated() where !e(d.report) {
                                f.recordsLost += 1
                                f.problems.append("kill \(i): the draft lost field \(j) (more than the field being typed)")
                            }
                        } else {
                            f.recordsLost += 1
                            f.problems.append("kill \(i): the unfinished report was not kept as a draft")
                        }
                    }
                    try clearDrafts(store)
                }
                before = now
            }
            f.killsSurvived += 1
            if midSave { f.killsMidSave += 1 }
            if (i + 1) % 25 == 0 || i + 1 == count { print("  \(i + 1) kills") }
        }
    }

    static func name(_ rng: inout SyntheticArchive.Random) -> String {
        let letters = Array("abcdefghijklmnoprstuvwyz")
        func word() -> String { String((0..<7).map { _ in letters[rng.below(letters.count)] }).capitalized }
        return word() + " " + word()
    }

    func reportScript(name: String, village: String) -> [Step] {
        [
            Step(keys: ["n"], waitFor: "Step 1 of 6"),
            Step(keys: ["4", "PageDown"], waitFor: "Step 2 of 6", expect: { $0.reporterKind == .teacher }),
            Step(text: name),
            Step(keys: ["Tab"], expect: { $0.childName == name }),
            Step(keys: ["1", "Tab", "Tab"], expect: { $0.sex == .female }),
            Step(text: "7"),
            Step(keys: ["Tab"], expect: { $0.approximateAgeText == "7" }),
            Step(text: village),
            Step(keys: ["Tab"], expect: { $0.village == village }),
            Step(text: "Grandmother"),
            Step(keys: ["Tab"], expect: { $0.caregiver == "Grandmother" }),
            Step(keys: ["PageDown"], waitFor: "Step 3 of 6"),
            Step(keys: ["Space", "Tab", "Tab", "Tab"], expect: { !$0.concerns.isEmpty }),
            Step(text: "Seen working at the quarry every day. "),
            Step(text: "She says she is tired and hungry."),
            Step(keys: ["PageDown"], waitFor: "Step 4 of 6", expect: { $0.narrative.hasSuffix("hungry.") }),
            Step(keys: ["2", "PageDown"], waitFor: "Step 5 of 6", expect: { $0.inDangerNow == false }),
            Step(keys: ["1", "Tab", "1", "PageDown"], waitFor: "Step 6 of 6", expect: { $0.childAssent == .yes && $0.caregiverConsent == .yes }),
            Step(keys: ["Enter"], waitFor: "Report saved", saves: true),
        ]
    }

    func noteScript(text: String) -> [Step] {
        [
            Step(keys: ["c"], waitFor: "/ Search"),
            Step(keys: ["Enter"], waitFor: "Timeline"),
            Step(keys: ["a"], waitFor: "F2"),
            Step(text: text),
            Step(keys: ["F2"], waitFor: "Note saved", saves: true),
        ]
    }
}

// MARK: - writers

/// `kinga-reliability writer`: one of several processes writing to one database at once.
struct Writer: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(internal) Write cases and notes; print what was committed.", shouldDisplay: false)
    @Option var db: String
    @Option var id: Int
    @Option var cases: Int
    @Option var out: String

    struct Result: Codable {
        var cases: [UUID] = []
        var notes: [UUID] = []
        var conflicts = 0
        var failures: [String] = []
    }

    func run() throws {
        // Each writer is a person of its own, in their own session: every change has its actor.
        let (store, me) = try Kiosk.open(db, as: "Writer \(id)", pin: "writer-\(id)-pin")
        var r = Result()
        var rng = SyntheticArchive.Random(seed: UInt64(id))
        for k in 0..<cases {
            do {
                var report = Report()
                report.reporterKind = .neighbour; report.sex = .male; report.approximateAgeText = "\(5 + k % 10)"
                report.childName = "Writer \(id) Child \(k)"; report.village = "Writer Village \(id)"; report.concerns = ["neglect"]
                report.narrative = "Written by process \(id)."; report.inDangerNow = false; report.childAssent = .yes; report.caregiverConsent = .yes
                r.cases.append(try store.registerCase(from: report, draftID: UUID()).id)
                // An edit on a case every writer shares, under optimistic concurrency: a conflict is caught,
                // acknowledged and the note saved on top, never lost.
                if let shared = try store.casePage(before: nil, limit: 1, viewer: .user(me)).first {
                    let ctx = try store.beginEdit(caseID: shared.id)
                    usleep(useconds_t(rng.below(3_000)))
                    for _ in 0..<20 {
                        do {
                            let e = try KingaStore.$editContext.withValue(ctx) {
                                try store.addNote(caseID: shared.id, text: "Writer \(id) note \(k)")
                            }
                            r.notes.append(e.id)
                            break
                        } catch StoreError.changedElsewhere {
                            r.conflicts += 1
                            ctx.acknowledge()
                        }
                    }
                }
            } catch {
                r.failures.append("\(error)")
            }
        }
        try JSONEncoder().encode(r).write(to: URL(fileURLWithPath: out))
    }
}

/// Four processes (or more) writing at once: no lost update, unique case numbers, a sound database.
func concurrentWriters(work: String, processes: Int, casesEach: Int, _ f: inout Figures) throws {
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    let db = work + "/shared.sqlite"
    do {
        // The supervisor sets the database up and adds one account per writer process.
        let store = try Kiosk.make(db)
        for p in 0..<processes { try store.createUser(name: "Writer \(p)", roles: [.supervisor], pin: "writer-\(p)-pin") }
    }
    let me = CommandLine.arguments[0]
    var pids: [pid_t] = []
    for p in 0..<processes {
        pids.append(try spawn([me, "writer", "--db", db, "--id", "\(p)", "--cases", "\(casesEach)", "--out", "\(work)/w\(p).json"]))
    }
    for pid in pids {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        if status != 0 { f.problems.append("a writer process failed (status \(status))") }
    }
    f.processesConcurrently = max(f.processesConcurrently, processes)
    let store = try Kiosk.open(db)
    var expectedCases = 0, expectedNotes = 0
    var events = Set<UUID>()
    for p in 0..<processes {
        guard let data = FileManager.default.contents(atPath: "\(work)/w\(p).json"),
              let r = try? JSONDecoder().decode(Writer.Result.self, from: data) else { f.problems.append("writer \(p) left no result"); continue }
        f.problems += r.failures.map { "writer \(p): \($0)" }
        f.concurrentWrites += r.cases.count + r.notes.count
        f.conflictsDetected += r.conflicts
        expectedCases += r.cases.count
        expectedNotes += r.notes.count
        for id in r.cases where try store.caseRecord(id: id, viewer: .systemMaintenance) == nil { f.recordsLost += 1; f.problems.append("writer \(p): a committed case is missing") }
        events.formUnion(r.notes)
    }
    let count = try store.caseCount(viewer: .systemMaintenance)
    if count != expectedCases { f.recordsLost += abs(count - expectedCases); f.problems.append("\(count) cases, \(expectedCases) committed") }
    // Case numbers: one per case, never shared.
    let numbers = try Snapshot.take(store).cases.values.map(\.number)
    if Set(numbers).count != numbers.count { f.problems.append("two cases share a number") }
    var found = 0
    for c in try store.casePage(after: nil, limit: 100_000, viewer: .systemMaintenance) {
        found += try store.events(caseID: c.id, viewer: .systemMaintenance).filter { events.contains($0.id) }.count
    }
    if found != expectedNotes { f.recordsLost += expectedNotes - found; f.problems.append("\(expectedNotes - found) committed notes are missing") }
    let check = try store.check()
    f.problems += check.problems
    print("  \(processes) processes: \(expectedCases) cases and \(expectedNotes) notes, \(f.conflictsDetected) edit conflicts caught")
}
Reliability.main()
