import Foundation
import Harness
import Model
import Storage
import SyntheticData
import Vault

/// The district link's figures (issue #19): what one `--sync` run did and what it found.
struct SyncFigures: Codable {
    var kiosks = 0
    var rounds = 0
    /// `kinga sync` runs started (each a real process, through the fault relay).
    var syncs = 0
    /// Of those, the ones that ended in an error (a fault struck them), and that the next sync made good.
    var syncsFailed = 0
    /// Connections the relay dropped, cut, reset, delayed or left half-open.
    var linkFaults = 0
    var kioskKills = 0
    var serverKills = 0
    var postgresCrashes = 0
    /// Kiosk clocks as set for the run ("a day behind", …).
    var clocks: [String] = []
    /// Cases, notes and risk-level changes made at the kiosks.
    var changesMade = 0
    var changesLost = 0
    var changesAppliedTwice = 0
    var silentOverwrites = 0
    var conflictsToReview = 0
    var kiosksConverged = 0
    var auditChainsVerified = 0
    /// Kiosks whose audit chain reached the server whole, every signed receipt holding (`kinga-server audit verify`).
    var serverAuditChainsWhole = 0
    /// Signed receipts the server gave in the run.
    var auditReceipts = 0
    var caseNumbersUnique = false
    /// Every kiosk's changes were logged by the server in the kiosk's own order, whatever its clock said.
    var orderKept = false
    /// The revoked kiosk's sync was refused, and the changes it held stayed there, waiting (none lost).
    var revokedRefused = false
    var revokedKeptWaiting = 0
    var seconds = 0.0
    /// Seconds each kind of sync took, slowest first: "postgres stopped" → [12.1, 3.0, …].
    var syncSeconds: [String: [Double]] = [:]
    var problems: [String] = []

    /// True when the run found nothing wrong.
    var clean: Bool {
        changesLost == 0 && changesAppliedTwice == 0 && silentOverwrites == 0 && kiosksConverged == kiosks
            && auditChainsVerified == kiosks && serverAuditChainsWhole == kiosks && caseNumbersUnique && orderKept && revokedRefused && problems.isEmpty
    }
}

/// `kinga-reliability --sync` (issue #19, "Faults"): the district link under the field's faults, with the real
/// binaries — a throwaway PostgreSQL 15, the real `kinga-server`, kiosks enrolled and synced by the real `kinga`
/// (`kinga enroll`, `kinga sync`), and between them `LinkProxy`, which drops, cuts, resets, delays and leaves
/// connections half-open on loopback (tc netem is not available on these machines).
///
/// Three encrypted kiosks share one village, so each should end holding every case. Each has its own clock: a
/// day behind, a day ahead, and one running fast across New Year. In each round every kiosk makes a few changes
/// (new cases, notes, risk levels chosen in an assessment, some on cases another kiosk made, so the same detail
/// is changed two ways) and then syncs under a fault drawn at random: none, a link fault, `kinga sync` killed
/// with SIGKILL at a random moment, the server killed mid-sync, or PostgreSQL stopped with
/// `pg_ctl stop -m immediate` mid-sync (each brought back afterwards); the kiosk keeps working while its sync
/// runs. Then the link is made good and every kiosk syncs until nothing waits, and the run checks:
/// - lost: a case or note made anywhere that some kiosk does not hold (with the same words);
/// - applied twice: a case or note that a kiosk holds more than once;
/// - silent overwrites: a risk level chosen at a kiosk (different from the one the case had there) that is not
///   the final value, is in no conflict for a supervisor, and was not the value a later change started from
///   (values repeat, so this last test can only miss an overwrite, never invent one);
/// - converged: every kiosk holds the same cases, with the same numbers, words, status, risk level and timeline
///   (but for the line each kiosk writes for itself when it learns that another changed a case);
/// - audit chains: `kinga check`'s checks (integrity, search index, audit chain, checked against the server's signed
///   receipts) pass on every kiosk, and `kinga-server audit verify` finds every kiosk's chain whole at the server with
///   every receipt holding;
/// - case numbers unique in the district, and the server's log in each kiosk's own order;
/// - then one kiosk is revoked while it holds changes not yet sent: its sync must be refused, and the changes
///   must stay on it, waiting.
struct SyncFaults {
    let kinga: String
    let server: String
    let folder: String
    let rounds: Int
    /// One half-open connection in the run (it costs the kiosk's 30-second read timeout).
    let halfOpen: Bool

    /// One kiosk of the run: its database, its clock and the harness's session on it (its supervisor's).
    final class Site {
        let code: String
        let user: String
        let db: String
        let clock: Model.Clock
        var store: KingaStore!
        var me: User!
        init(code: String, db: String, clock: Model.Clock) {
            self.code = code
            self.user = "Supervisor \(code)"
            self.db = db
            self.clock = clock
        }
    }

    /// What the kiosks did, to compare with what they hold at the end.
    struct Ledger {
        /// Case id → the child's name (unique in the run) and the kiosk that made the case.
        var cases: [UUID: (name: String, kiosk: String)] = [:]
        /// Timeline entry id → (its case, its words, unique in the run).
        var notes: [UUID: (caseID: UUID, text: String)] = [:]
        /// Each risk level chosen: where, on what, what it started from and what it set, in the order made.
        var edits: [(caseID: UUID, kiosk: String, base: RiskLevel?, value: RiskLevel)] = []
        var count: Int { cases.count + notes.count + edits.count }
    }

    static let village = "Kampung Uji"

    func run(_ f: inout SyncFigures, _ rng: inout SyntheticArchive.Random) throws {
        let t0 = monotonicNanos()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let pg = try ThrowawayPostgres.start()
        defer { pg.stop() }
        let postgres = pg.url(try pg.createDatabase())
        let initOut = try ThrowawayPostgres.run(server, ["init", "--data", folder + "/server", "--postgres", postgres, "--hostnames", "localhost"])
        guard let fingerprint = initOut.split(separator: "\n").last.map(String.init), fingerprint.contains(":") else {
            throw SyncRunError("kinga-server init printed no fingerprint: \(initOut)")
        }
        let port = try LinkProxy.freePort()
        var serverStarts = 0
        var serverPID: pid_t = 0
        func startServer() throws {
            serverStarts += 1
            serverPID = try spawn([server, "serve", "--data", folder + "/server", "--port", "\(port)", "--host", "127.0.0.1", "--postgres", postgres],
                                  stdout: "\(folder)/server-\(serverStarts).log")
            afterThisProcess(run: "kill -KILL \(serverPID) 2>/dev/null")
            _ = try waitUntil("kinga-server to listen on \(port)", seconds: 60) { loopbackAccepts(port: port) }
        }
        func stopServer(_ signal: Int32) {
            kill(serverPID, signal)
            // SIGTERM must end the server within its bounded shutdown (10 s for requests in flight, 5 s more once
            // cancelled): past 30 s it is a problem of the run, and SIGKILL ends it.
            if signal == SIGTERM && (try? waitUntil("kinga-server to stop after SIGTERM", seconds: 30) { processEnded(serverPID) }) == nil {
                f.problems.append("kinga-server did not stop within 30 seconds of SIGTERM")
                kill(serverPID, SIGKILL)
            }
            var status: Int32 = 0
            while waitpid(serverPID, &status, 0) == -1 && errno == EINTR {}
        }
        try startServer()
        defer { stopServer(SIGTERM) }
        let proxy = try LinkProxy(upstreamPort: port)
        defer { proxy.stop() }
        let url = "https://127.0.0.1:\(proxy.port)"
        let pinFile = folder + "/pin"
        try "\(pin)\n".write(toFile: pinFile, atomically: true, encoding: .utf8)

        // The kiosks' clocks: a day behind, a day ahead, and one that crosses New Year a few seconds into the run.
        let start = Date()
        let newYear = ISO8601.parse("2026-12-31T23:59:50Z")!
        let utc = TimeZone(identifier: "UTC")!
        let sites = [
            Site(code: "K01", db: folder + "/K01.sqlite", clock: Model.Clock(timeZone: utc) { Date().addingTimeInterval(-86_400) }),
            Site(code: "K02", db: folder + "/K02.sqlite", clock: Model.Clock(timeZone: utc) { Date().addingTimeInterval(86_400) }),
            Site(code: "K03", db: folder + "/K03.sqlite", clock: Model.Clock(timeZone: utc) { newYear.addingTimeInterval(Date().timeIntervalSince(start) * 4) }),
        ]
        f.clocks = ["K01: a day behind", "K02: a day ahead", "K03: 2026-12-31 23:59:50, running 4× fast across New Year"]
        f.kiosks = sites.count
        let environment = ["PATH": "/usr/bin:/bin", "HOME": folder, "LANG": "C.UTF-8"]
        for s in sites {
            _ = try Kiosk.make(s.db, user: s.user, clock: s.clock)
            let out = try ThrowawayPostgres.run(server, ["kiosk", "add", "Pos Uji \(s.code)", "--code", s.code, "--villages", Self.village, "--postgres", postgres])
            guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("Enrolment code") }),
                  let code = line.split(separator: " ").last else { throw SyncRunError("kinga-server kiosk add printed no code: \(out)") }
            let status = try spawnAndWait([kinga, "enroll", url, String(code), "--fingerprint", fingerprint, "--user", s.user, "--db", s.db],
                                          stdin: pinFile, stdout: "\(folder)/enroll-\(s.code).out", environment: environment)
            guard status == 0 else { throw SyncRunError("kinga enroll failed at \(s.code): \(read("\(folder)/enroll-\(s.code).out"))") }
            // The harness's session opens after the join, as the kiosk's screens would be opened again.
            (s.store, s.me) = try Kiosk.open(s.db, as: s.user, pin: pin, clock: s.clock)
        }

        var ledger = Ledger()
        var serial = 0
        /// One change at `site`, chosen at random; recorded in the ledger once it is committed.
        func change(at site: Site) {
            serial += 1
            let label = "\(site.code)-\(serial)"
            do {
                let held = try site.store.casePage(after: nil, limit: 500, viewer: .user(site.me))
                let roll = rng.below(10)
                if held.isEmpty || roll < 4 {
                    var r = Report()
                    r.reporterKind = .teacher; r.sex = serial % 2 == 0 ? .female : .male; r.approximateAgeText = "\(6 + serial % 9)"
                    r.village = Self.village; r.childName = "Anak Uji \(label)"; r.concerns = ["neglect"]
                    r.narrative = "A fictional report for the district link's fault run (\(label))."; r.inDangerNow = false
                    r.childAssent = .yes; r.caregiverConsent = .yes
                    let c = try site.store.registerCase(from: r, draftID: UUID())
                    ledger.cases[c.id] = (r.childName, site.code)
                } else if roll < 7 {
                    let target = held[rng.below(held.count)].id
                    let text = "Follow-up visit \(label): the child is at school."
                    let e = try site.store.addNote(caseID: target, text: text)
                    ledger.notes[e.id] = (target, text)
                } else {
                    // Recent cases first, so that kiosks often choose a risk level on the same case.
                    let target = held[rng.below(min(held.count, 4))].id
                    let base = try site.store.caseRecord(id: target, viewer: .user(site.me))?.risk
                    let value = RiskLevel.allCases[rng.below(3)]
                    let answers = RiskAnswers(immediateDanger: false, harmerHasAccess: rng.chance(0.5), severity: .moderate, frequency: .sometimes,
                                              safeAdult: true, childViews: "")
                    try site.store.recordAssessment(caseID: target, Assessment(answers: answers, chosen: value, whyDifferent: "Seen at the visit (\(label))."))
                    ledger.edits.append((target, site.code, base, value))
                }
            } catch {
                f.problems.append("\(site.code): a change could not be made: \(error)")
            }
        }

        /// Runs `kinga sync` at `site` (its output kept under `name`), making `during` changes while it runs;
        /// `meanwhile` runs once it has started (a kill, a crash). Returns its exit status (nil: killed).
        func sync(_ site: Site, _ name: String, kind: String, during: Int = 0, meanwhile: (pid_t) throws -> Void = { _ in }) throws -> Int32? {
            f.syncs += 1
            let began = monotonicNanos()
            defer { f.syncSeconds[kind, default: []].append(Double(monotonicNanos() - began) / 1e9) }
            let pid = try spawn([kinga, "sync", "--db", site.db, "--user", site.user], stdin: pinFile, stdout: "\(folder)/\(name).out",
                                environment: environment)
            for _ in 0..<during { change(at: site) }
            try meanwhile(pid)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            if status & 0x7f != 0 { return nil }
            let code = (status >> 8) & 0xff
            if code != 0 { f.syncsFailed += 1 }
            return code
        }

        print("  3 kiosks (K01 a day behind, K02 a day ahead, K03 across New Year), server on \(port), relay on \(proxy.port)"); fflush(nil)
        var halfOpenDone = !halfOpen
        for round in 0..<rounds {
            for site in sites {
                for _ in 0..<(1 + rng.below(3)) { change(at: site) }
                let name = "r\(round)-\(site.code)"
                let roll = rng.below(100)
                switch roll {
                case 0..<30:
                    _ = try sync(site, name, kind: "no fault", during: rng.below(2))
                case 30..<62:
                    let fault: LinkFault
                    switch rng.below(6) {
                    case 0: fault = .drop
                    case 1: fault = .cutUp(after: 200 + rng.below(6000))
                    case 2, 3: fault = .cutDown(after: 200 + rng.below(6000))
                    case 4: fault = .reset(after: 200 + rng.below(8000))
                    default: fault = .delay(milliseconds: 20 + rng.below(60))
                    }
                    proxy.fault = fault
                    defer { proxy.fault = .none }
                    _ = try sync(site, name, kind: "link fault", during: rng.below(2))
                case 62..<80:
                    let wait = useconds_t(rng.below(1_500_000))
                    _ = try sync(site, name, kind: "kiosk killed", during: rng.below(2)) { pid in
                        usleep(wait)
                        if kill(pid, SIGKILL) == 0 { f.kioskKills += 1 }
                    }
                case 80..<90:
                    let wait = useconds_t(100_000 + rng.below(1_200_000))
                    _ = try sync(site, name, kind: "server killed") { _ in
                        usleep(wait)
                        stopServer(SIGKILL)
                        f.serverKills += 1
                    }
                    try startServer()
                default:
                    let wait = useconds_t(100_000 + rng.below(1_200_000))
                    _ = try sync(site, name, kind: "PostgreSQL stopped") { _ in
                        usleep(wait)
                        try pg.crash()
                        f.postgresCrashes += 1
                    }
                    try pg.restart()
                }
            }
            if !halfOpenDone && round >= rounds / 2 {
                // Once in the run: the link goes silent mid-sync and the kiosk waits out its read timeout.
                halfOpenDone = true
                proxy.fault = .halfOpen(after: 300 + rng.below(3000), seconds: 40)
                _ = try sync(sites[rng.below(sites.count)], "r\(round)-half-open", kind: "half-open")
                proxy.fault = .none
            }
            print("  round \(round + 1) of \(rounds): \(ledger.count) changes made, \(f.syncs) syncs (\(f.syncsFailed) failed under a fault, \(f.kioskKills) kiosks killed)"); fflush(nil)
        }
        f.rounds = rounds
        f.linkFaults = proxy.faultsDone

        // The link made good: every kiosk syncs until nothing waits anywhere, then once more all round so each
        // has what the others sent last.
        proxy.fault = .none
        var settled = false
        for pass in 0..<8 where !settled {
            var waiting = 0
            for site in sites {
                guard try sync(site, "settle-\(pass)-\(site.code)", kind: "settling, good link") == 0 else {
                    f.problems.append("\(site.code): kinga sync failed on a good link: \(read("\(folder)/settle-\(pass)-\(site.code).out"))")
                    continue
                }
                waiting += try site.store.syncStanding().waiting
            }
            settled = waiting == 0 && pass > 0
        }
        if !settled { f.problems.append("changes still waited after eight syncs on a good link") }

        try verify(sites, ledger: ledger, pg: pg, postgres: postgres, &f)
        f.changesMade = ledger.count

        // Last, a kiosk revoked while it holds changes not yet sent (reported stolen the day after its last
        // sync): its sync is refused and what it holds stays there, waiting, for the district office to decide.
        let stolen = sites[2]
        let before = ledger.count
        for _ in 0..<3 { change(at: stolen) }
        let made = ledger.count - before
        _ = try ThrowawayPostgres.run(server, ["kiosk", "revoke", stolen.code, "--postgres", postgres])
        let refusedStatus = try sync(stolen, "revoked-\(stolen.code)", kind: "revoked kiosk")
        if refusedStatus != 0 { f.syncsFailed -= 1 }   // refused as it should be: not a fault's failure
        let said = read("\(folder)/revoked-\(stolen.code).out")
        let waiting = try stolen.store.syncStanding().waiting
        f.revokedKeptWaiting = made
        f.revokedRefused = refusedStatus != 0 && refusedStatus != nil && waiting >= made
        if !f.revokedRefused {
            f.problems.append("the revoked kiosk's sync ended \(refusedStatus.map(String.init) ?? "killed") with \(waiting) of its \(made) changes waiting: \(said)")
        }
        f.seconds = Double(monotonicNanos() - t0) / 1e9
    }

    /// Compares what each kiosk and the server hold with the ledger; fills the figures.
    func verify(_ sites: [Site], ledger: Ledger, pg: ThrowawayPostgres, postgres: String, _ f: inout SyncFigures) throws {
        struct Held: Equatable {
            var number: String, name: String, status: CaseStatus, risk: RiskLevel?, events: [UUID: String]
        }
        var holdings: [[UUID: Held]] = []
        var lost = Set<UUID>()
        var numbers: [String: UUID] = [:]
        var numbersUnique = true
        for s in sites {
            let store = try Kiosk.open(s.db)
            let report = try store.check()
            if report.problems.isEmpty, case .intact = report.audit { f.auditChainsVerified += 1 } else {
                f.problems += report.problems.map { "\(s.code): \($0)" }
            }
            var held: [UUID: Held] = [:]
            var cursor: CaseCursor?
            var names: [String: Int] = [:]
            var texts: [String: Int] = [:]
            while true {
                let page = try store.casePage(after: cursor, limit: 200, viewer: .systemMaintenance)
                if page.isEmpty { break }
                for row in page {
                    guard let c = try store.caseRecord(id: row.id, viewer: .systemMaintenance) else { continue }
                    // "Changed at kiosk K02 by …" is each kiosk's own line, written when it learns of the change
                    // (never sent): not part of what must converge.
                    let events = try store.events(caseID: c.id, viewer: .systemMaintenance).filter { $0.fact?.kind != .changedElsewhere }
                    held[c.id] = Held(number: c.number.description, name: c.childName, status: c.status, risk: c.risk,
                                      events: Dictionary(uniqueKeysWithValues: events.map { ($0.id, $0.summary + "\n" + $0.body) }))
                    names[c.childName, default: 0] += 1
                    for e in events where e.body.hasPrefix("Follow-up visit ") { texts[e.body, default: 0] += 1 }
                    if let other = numbers[c.number.description], other != c.id { numbersUnique = false }
                    numbers[c.number.description] = c.id
                }
                cursor = page.last.map(CaseCursor.init)
            }
            for (id, c) in ledger.cases where held[id]?.name != c.name { lost.insert(id) }
            for (id, note) in ledger.notes where !(held[note.caseID]?.events[id]?.contains(note.text) ?? false) { lost.insert(id) }
            f.changesAppliedTwice += names.values.filter { $0 > 1 }.count + texts.values.filter { $0 > 1 }.count
            holdings.append(held)
        }
        f.changesLost = lost.count
        if !lost.isEmpty { f.problems.append("\(lost.count) cases or notes are missing from some kiosk") }
        f.kiosksConverged = holdings.filter { $0 == holdings[0] }.count
        if f.kiosksConverged < sites.count {
            for (i, h) in holdings.enumerated() where h != holdings[0] {
                let differing = Set(h.keys).union(holdings[0].keys).filter { h[$0] != holdings[0][$0] }
                for id in differing.sorted(by: { $0.uuidString < $1.uuidString }).prefix(3) {
                    f.problems.append("\(sites[i].code) differs from K01 on \(h[id]?.number ?? holdings[0][id]?.number ?? "?"): \(Self.difference(holdings[0][id], h[id]))")
                }
            }
        }
        // Unique in the district, and each carries the code of the kiosk that made it.
        let misnumbered = ledger.cases.filter { id, c in !(holdings[0][id]?.number.contains("-\(c.kiosk)-") ?? true) }
        f.caseNumbersUnique = numbersUnique && misnumbered.isEmpty
        if !f.caseNumbersUnique { f.problems.append("case numbers: \(numbersUnique ? "" : "two cases share a number; ")\(misnumbered.count) lack their kiosk's code") }

        // The server: its final risk levels, its conflicts, and the order of each kiosk's changes in its log.
        func query(_ sql: String) throws -> [[String]] {
            let out = try pg.asPostgres("\(ThrowawayPostgres.bin)/psql", ["-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", postgres, "-c", sql])
            return out.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        }
        let finalRisk = Dictionary(try query("SELECT id, coalesce(fields->>'risk_level', '') FROM sync_row WHERE entity = 'case'").compactMap { r in
            r.count == 2 ? UUID(uuidString: r[0]).map { ($0, r[1]) } : nil
        }, uniquingKeysWith: { a, _ in a })
        let conflicts = try query("SELECT row_id, field, coalesce(current #>> '{}', ''), coalesce(incoming #>> '{}', '') FROM conflict")
        f.conflictsToReview = conflicts.count
        // A level chosen again (the same as the case had there) changes no detail: its assessment is a timeline
        // entry, which the convergence check covers.
        for (i, e) in ledger.edits.enumerated() where e.base != e.value {
            let v = e.value.rawValue
            let final = finalRisk[e.caseID] ?? ""
            let inConflict = conflicts.contains { $0.count == 4 && UUID(uuidString: $0[0]) == e.caseID && $0[1] == "risk_level" && ($0[2] == v || $0[3] == v) }
            let builtOn = ledger.edits[(i + 1)...].contains { $0.caseID == e.caseID && $0.base == e.value }
            if final != v && !inConflict && !builtOn {
                f.silentOverwrites += 1
                let history = ledger.edits.filter { $0.caseID == e.caseID }.map { "\($0.kiosk) \($0.base?.rawValue ?? "none")→\($0.value.rawValue)" }
                let logged = (try? query("SELECT k.code || ' ' || c.kiosk_seq || ' ' || c.change::text FROM change_log c JOIN kiosk k ON k.id = c.kiosk_id WHERE c.entity_id = '\(e.caseID.uuidString)' AND c.change::text LIKE '%risk_level%' ORDER BY c.server_seq").map { $0.joined() }) ?? []
                f.problems.append("a risk level \(v) chosen at \(e.kiosk) is neither the district's (\(final)), nor in a conflict, nor built on. Chosen: \(history.joined(separator: ", ")); the server's log: \(logged.joined(separator: "; "))")
            }
        }
        // The server's side of the audit chains: every kiosk's entries 1…N with no gap, every receipt holding.
        do {
            let out = try ThrowawayPostgres.run(server, ["audit", "verify", "--data", folder + "/server", "--postgres", postgres, "--log-level", "error"])
            for line in out.split(separator: "\n") where line.contains("none missing") && (line.hasSuffix("all hold") || line.hasSuffix("which holds")) {
                f.serverAuditChainsWhole += 1
                if let n = line.split(separator: ";").last?.split(separator: " ").first.flatMap({ Int($0) }) { f.auditReceipts += n }
            }
        } catch {
            f.problems.append("kinga-server audit verify: \(error)")
        }
        let log = try query("SELECT k.code, c.kiosk_seq FROM change_log c JOIN kiosk k ON k.id = c.kiosk_id WHERE c.audience IS NULL ORDER BY c.server_seq")
        var last: [String: Int] = [:]
        f.orderKept = true
        for r in log where r.count == 2 {
            let seq = Int(r[1]) ?? 0
            if seq <= last[r[0], default: 0] { f.orderKept = false }
            last[r[0]] = seq
        }
        if !f.orderKept { f.problems.append("the server's log holds a kiosk's changes out of that kiosk's order") }
    }

    /// What differs between two kiosks' copies of a case, in a few words.
    static func difference<H: Equatable>(_ a: H?, _ b: H?) -> String {
        guard let a, let b else { return a == nil ? "K01 does not hold it" : "this kiosk does not hold it" }
        var out: [String] = []
        for (x, y) in zip(Mirror(reflecting: a).children, Mirror(reflecting: b).children) where "\(x.value)" != "\(y.value)" {
            if let ex = x.value as? [UUID: String], let ey = y.value as? [UUID: String] {
                out.append("timeline: \(ex.count) entries at K01, \(ey.count) here; only at K01: \(ex.keys.filter { ey[$0] == nil }.map { ex[$0]!.prefix(40) }), only here: \(ey.keys.filter { ex[$0] == nil }.map { ey[$0]!.prefix(40) })")
            } else {
                out.append("\(x.label ?? "?"): \(x.value) at K01, \(y.value) here")
            }
        }
        return out.joined(separator: "; ")
    }

    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
}

/// The fault run could not be set up (a server or kiosk that would not start or join).
struct SyncRunError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
