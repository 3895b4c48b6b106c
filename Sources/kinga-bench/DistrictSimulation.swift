import ArgumentParser
import DistrictLink
import Foundation
import Harness
import KingaServer
import Logging
import Model
import PostgresNIO

/// `kinga-bench simulate`: issue #19's "simulation of 1,000 kiosks and 10^6 random operations with faults against
/// one PostgreSQL: zero lost, zero silent overwrites, all converged; time and memory reported".
///
/// One real PostgreSQL 15 (a throwaway cluster) and the real server's store (`DistrictStore`, in this process: the
/// HTTPS layer is the fault run's and the fuzzing run's subject, not this one's). The kiosks are the Model's: each
/// keeps its outbox (`KioskOutbox`), the rows it holds as last pulled, its records, conflicts and cursor, by the
/// same rules Storage follows, so a thousand fit in one process. Village kiosks (ten to a village by default) and
/// one supervisor's kiosk that holds the whole district and decides the conflicts it learns of. Workers run
/// kiosks side by side, so pushes and pulls meet at the server as they would.
///
/// Operations, drawn at random: report a case, change one or two details of a case the kiosk holds (risk level,
/// urgency, status, caregiver, and now and then the village, which moves the case to other kiosks), add a timeline
/// note (sometimes saved twice, sometimes the same note id with other words), push, pull. Faults: push replies
/// lost (the kiosk sends the same push again), pull replies lost, pulls cut to a few changes, kiosk clocks a day
/// behind or ahead (changes carry the device's time, which must not matter), and PostgreSQL killed with
/// `pg_ctl stop -m immediate` while a push is being applied, then started again.
///
/// Then every kiosk syncs until nothing waits and the supervisor has decided every conflict, and the run checks:
/// each change every kiosk made is in the server's log exactly once and unchanged (none lost, none twice); the
/// log, replayed in the server's order through `SyncReplay`, loses no value and opens a conflict for every
/// disagreement (no silent overwrite) and ends exactly where the server's tables are; every kiosk holds exactly
/// its catchment (`DistrictStore.catchment(of:)`) with the server's values and records (converged).
/// - Throws: `ValidationError` when any of those checks fails, after printing the figures.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Many kiosks and random operations with faults against one PostgreSQL (issue #19): nothing lost, nothing overwritten, all converged.")

    @Option(help: "Village kiosks (one supervisor's kiosk is added).") var kiosks = 1000
    @Option(help: "Random operations, all kiosks together.") var operations = 1_000_000
    @Option(help: "Kiosks in each village.") var perVillage = 10
    @Option(help: "Times PostgreSQL is killed during a push and started again.") var crashes = 20
    @Option(help: "Workers running kiosks side by side.") var workers = 4
    @Option(help: "Seed of the random operations.") var seed: UInt64 = 0x2026_1207
    @Flag(help: "A short run for CI: 40 kiosks, 10,000 operations, 2 crashes.") var quick = false
    @Option(help: "Write the figures as JSON here.") var json: String?

    func run() throws {
        var settings = SimulationSettings(kiosks: kiosks, operations: operations, perVillage: perVillage, crashes: crashes,
                                          workers: workers, seed: seed)
        if quick { (settings.kiosks, settings.operations, settings.crashes) = (40, 10_000, 2) }
        guard settings.kiosks >= 1, settings.operations >= 1, settings.perVillage >= 1, settings.workers >= 1, settings.crashes >= 0 else {
            throw ValidationError("--kiosks, --operations, --per-village and --workers must be at least 1, --crashes at least 0.")
        }
        let pg = try ThrowawayPostgres.start()
        defer { pg.stop() }
        let database = try pg.createDatabase()
        var logger = Logger(label: "kinga-bench.simulate")
        logger.logLevel = .error
        let configuration = try PostgresURL.configuration(pg.url(database))
        let report = try waitFor { [settings, logger, configuration] in
            try await PostgresSession.with(configuration, logger: logger) { client in
                try await DistrictSimulation(settings: settings, pg: pg, client: client, logger: logger).run()
            }
        }
        report.print()
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
        }
        if !report.holds { throw ValidationError("The simulation found a problem (above).") }
    }
}

/// What to simulate.
struct SimulationSettings: Codable, Sendable {
    var kiosks: Int
    var operations: Int
    var perVillage: Int
    var crashes: Int
    var workers: Int
    var seed: UInt64
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a seeded generator, so a run can be repeated.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uuid() -> UUID {
        let a = next(), b = next()
        return withUnsafeBytes(of: (a, b)) { UUID(uuid: $0.load(as: uuid_t.self)) }
    }
}

/// One simulated kiosk: what Storage keeps for the district link, as Model values.
struct SimulatedKiosk: Sendable {
    var outbox: KioskOutbox
    /// Its villages' key (nil: the supervisor's kiosk, which holds the whole district).
    var village: String?
    /// Rows as last pulled.
    var shadow: [UUID: SyncRow] = [:]
    /// Cases it holds or made, for picking one to change.
    var held: [UUID] = []
    var heldSet: Set<UUID> = []
    var records: [UUID: SyncRecord] = [:]
    var lastRecord: SyncRecord?
    var cursor = 0
    var conflicts: [ConflictID: SyncConflict] = [:]
    /// A fingerprint of each change it made, by `kiosk_seq` - 1.
    var made: [Int] = []
    /// How wrong its clock is, in seconds.
    var skew: TimeInterval

    var code: KioskCode { outbox.kiosk }

    mutating func hold(_ id: UUID) {
        if heldSet.insert(id).inserted { held.append(id) }
    }

    mutating func append(_ body: SyncBody, actor: String, now: Date) {
        let change = outbox.append(body, actor: actor, madeAt: now.addingTimeInterval(skew).formatted(.iso8601))
        made.append(change.hashValue)
    }

    /// Applies a pull reply as Storage does: rows it holds (or a patch that makes a row) take the server's
    /// columns, records are kept, conflicts learnt and forgotten, the cursor moves on.
    mutating func take(_ reply: PullReply) {
        for change in reply.changes {
            if let p = change.patch, p.entity == .caseRecord {
                if let row = shadow[p.id] {
                    shadow[p.id] = KioskOutbox.applyPulled(p, to: row)
                } else if KioskPull.creates(p) || heldSet.contains(p.id) {
                    shadow[p.id] = KioskOutbox.applyPulled(p, to: .empty)
                    hold(p.id)
                }
            }
            if let r = change.record { records[r.id] = r }
            for c in change.opened { conflicts[c.id] = c }
            for id in change.resolved { conflicts[id] = nil }
            cursor = change.serverSeq
        }
        if !reply.more { cursor = max(cursor, reply.serverSeq) }
        outbox.pulled(through: cursor)
    }
}

/// Counts of what happened.
struct SimulationTally: Codable, Sendable {
    var operations = 0, casesReported = 0, edits = 0, moves = 0, notes = 0, notesSavedTwice = 0, notesRewritten = 0
    var pushes = 0, pushesFailed = 0, pushRepliesLost = 0, pulls = 0, pullsFailed = 0, pullRepliesLost = 0, pullsCut = 0
    var decisions = 0, crashes = 0, refusals = 0, timeouts = 0

    static func + (a: Self, b: Self) -> Self {
        var s = a
        s.operations += b.operations; s.casesReported += b.casesReported; s.edits += b.edits; s.moves += b.moves
        s.notes += b.notes; s.notesSavedTwice += b.notesSavedTwice; s.notesRewritten += b.notesRewritten
        s.pushes += b.pushes; s.pushesFailed += b.pushesFailed; s.pushRepliesLost += b.pushRepliesLost
        s.pulls += b.pulls; s.pullsFailed += b.pullsFailed; s.pullRepliesLost += b.pullRepliesLost; s.pullsCut += b.pullsCut
        s.decisions += b.decisions; s.crashes += b.crashes; s.refusals += b.refusals; s.timeouts += b.timeouts
        return s
    }
}

/// The figures and the verdict of one run.
struct SimulationReport: Codable, Sendable {
    var settings: SimulationSettings
    var tally: SimulationTally
    var changesMade = 0
    var changesLost = 0
    var changesAppliedTwice = 0
    var changesAltered = 0
    var silentOverwrites = 0
    var conflictsOpened = 0
    var conflictsLeftOpen = 0
    var serverRowsDiffering = 0
    var kiosksConverged = 0
    var kiosksTotal = 0
    var settleRounds = 0
    var operationSeconds = 0.0
    var settleSeconds = 0.0
    var checkSeconds = 0.0
    var changesPerSecond = 0.0
    var peakMemoryMB = 0.0
    var databaseMB = 0.0
    var problems: [String] = []

    var holds: Bool {
        changesLost == 0 && changesAppliedTwice == 0 && changesAltered == 0 && silentOverwrites == 0 && conflictsLeftOpen == 0
            && serverRowsDiffering == 0 && kiosksConverged == kiosksTotal && problems.isEmpty
    }

    func print() {
        let t = tally
        let lines: [(String, String)] = [
            ("kiosks (+1 supervisor's)", "\(settings.kiosks), \(settings.perVillage) to a village"),
            ("operations", "\(t.operations): \(t.casesReported) cases reported, \(t.edits) edits (\(t.moves) moves), \(t.notes) notes, \(t.pushes) pushes, \(t.pulls) pulls, \(t.decisions) decisions"),
            ("faults", "\(t.pushRepliesLost) push replies lost, \(t.pullRepliesLost) pull replies lost, \(t.pullsCut) pulls cut short, \(t.crashes) PostgreSQL kills mid-push (\(t.pushesFailed) pushes and \(t.pullsFailed) pulls failed, \(t.timeouts) of them after waiting 20 s), \(t.notesSavedTwice) notes saved twice, \(t.notesRewritten) rewritten"),
            ("changes made", "\(changesMade)"),
            ("changes lost (must be 0)", "\(changesLost)"),
            ("changes applied twice (must be 0)", "\(changesAppliedTwice)"),
            ("changes altered on the way (must be 0)", "\(changesAltered)"),
            ("silent overwrites (must be 0)", "\(silentOverwrites)"),
            ("conflicts sent to review", "\(conflictsOpened) (left open: \(conflictsLeftOpen))"),
            ("server rows unlike the replayed log (must be 0)", "\(serverRowsDiffering)"),
            ("kiosks converged (must be all)", "\(kiosksConverged)/\(kiosksTotal) after \(settleRounds) rounds"),
            ("time", String(format: "%.0f s of operations (%.0f changes/s applied), %.0f s to settle, %.0f s to check", operationSeconds, changesPerSecond, settleSeconds, checkSeconds)),
            ("memory", String(format: "%.0f MB peak for the simulation (every kiosk's copy), %.0f MB of PostgreSQL database", peakMemoryMB, databaseMB)),
        ]
        let width = lines.map(\.0.count).max() ?? 0
        for (k, v) in lines { Swift.print(k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v) }
        for p in problems.prefix(20) { Swift.print("PROBLEM: \(p)") }
    }
}

/// One run of the simulation.
struct DistrictSimulation: Sendable {
    let settings: SimulationSettings
    let pg: ThrowawayPostgres
    let client: PostgresClient
    let logger: Logger
    var store: DistrictStore { DistrictStore(client: client, logger: logger) }

    static let supervisor = KioskCode("K0000")!
    static let choices: [String: [SyncValue]] = [
        "status": [.string("open"), .string("closed"), .string("transferred")],
        "risk_level": [.null, .string("low"), .string("medium"), .string("high")],
        "urgent": [.bool(false), .bool(true)],
        "caregiver": [.string("Ibu Sari Fiktif"), .string("Pak Budi Contoh"), .string("Mama Ruth Fiksi")],
    ]
    static let editable = ["status", "risk_level", "urgent", "caregiver", "caregiver", "risk_level", "urgent"]

    func village(_ n: Int) -> String { "Desa Contoh \(n + 1)" }
    var villages: Int { max(1, (settings.kiosks + settings.perVillage - 1) / settings.perVillage) }

    func run() async throws -> SimulationReport {
        var report = SimulationReport(settings: settings, tally: SimulationTally())
        let registry = KioskRegistry(client: client, logger: logger)
        // The district: village kiosks K0001… and the supervisor's K0000, each with its own clock.
        var all: [SimulatedKiosk] = []
        _ = try await registry.add(name: "Supervisor", code: Self.supervisor, villages: [], wholeDistrict: true)
        all.append(SimulatedKiosk(outbox: KioskOutbox(kiosk: Self.supervisor), village: nil, skew: 0))
        let skews: [TimeInterval] = [0, 0, -86_400, 86_400, 0]
        for n in 1...settings.kiosks {
            let code = KioskCode(String(format: "K%04d", n))!
            let v = village((n - 1) / settings.perVillage)
            _ = try await registry.add(name: "Kiosk \(n)", code: code, villages: [v])
            all.append(SimulatedKiosk(outbox: KioskOutbox(kiosk: code), village: DuplicateRule.key(v), skew: skews[n % skews.count]))
        }
        // Worker w runs kiosks w, w + workers, … (the supervisor's is worker 0's).
        let w = min(settings.workers, all.count)
        var groups = (0..<w).map { i in stride(from: i, to: all.count, by: w).map { all[$0] } }
        let started = monotonicNanos()
        let crashEvery = settings.crashes > 0 ? max(1, settings.operations / w / (settings.crashes + 1)) : Int.max
        let results = try await withThrowingTaskGroup(of: (Int, [SimulatedKiosk], SimulationTally).self) { group in
            for i in 0..<w {
                let kiosks = groups[i], share = settings.operations / w + (i < settings.operations % w ? 1 : 0)
                group.addTask {
                    var rng = SeededGenerator(state: settings.seed &+ UInt64(i) &* 0x1000_0000_01)
                    var worker = Worker(kiosks: kiosks, simulation: self)
                    try await worker.operate(share, crashEvery: i == 0 ? crashEvery : Int.max, crashesLeft: settings.crashes, rng: &rng)
                    return (i, worker.kiosks, worker.tally)
                }
            }
            var out: [(Int, [SimulatedKiosk], SimulationTally)] = []
            for try await r in group { out.append(r) }
            return out
        }
        for (i, kiosks, tally) in results {
            groups[i] = kiosks
            report.tally = report.tally + tally
        }
        report.operationSeconds = Double(monotonicNanos() - started) / 1e9
        // Everyone syncs until nothing waits and the supervisor has decided everything.
        let settleStart = monotonicNanos()
        for round in 1...30 {
            report.settleRounds = round
            groups = try await eachGroup(groups) { worker in try await worker.pushEverything() }
            groups = try await eachGroup(groups) { worker in try await worker.pullEverything() }
            let waiting = groups.joined().contains { !$0.outbox.entries.isEmpty }
            let open = try await store.openConflicts().count
            if !waiting && open == 0 { break }
            groups = try await eachGroup(groups) { worker in worker.decideEverything() }
        }
        report.settleSeconds = Double(monotonicNanos() - settleStart) / 1e9
        let checkStart = monotonicNanos()
        try await check(groups.flatMap { $0 }, into: &report)
        report.checkSeconds = Double(monotonicNanos() - checkStart) / 1e9
        report.peakMemoryMB = peakRSSMegabytes()
        for try await (bytes) in try await client.query("SELECT pg_database_size(current_database())", logger: logger).decode(Int64.self) {
            report.databaseMB = Double(bytes) / 1_048_576
        }
        return report
    }

    /// Runs `body` on every worker's kiosks side by side.
    func eachGroup(_ groups: [[SimulatedKiosk]], _ body: @escaping @Sendable (inout Worker) async throws -> Void) async throws -> [[SimulatedKiosk]] {
        try await withThrowingTaskGroup(of: (Int, [SimulatedKiosk]).self) { group in
            for (i, kiosks) in groups.enumerated() {
                group.addTask {
                    var worker = Worker(kiosks: kiosks, simulation: self)
                    try await body(&worker)
                    return (i, worker.kiosks)
                }
            }
            var out = groups
            for try await (i, kiosks) in group { out[i] = kiosks }
            return out
        }
    }

    /// The checks (see `Simulate`).
    func check(_ kiosks: [SimulatedKiosk], into report: inout SimulationReport) async throws {
        let byCode = Dictionary(uniqueKeysWithValues: kiosks.map { ($0.code, $0) })
        report.changesMade = kiosks.reduce(0) { $0 + $1.made.count }
        // Each change in the log once: counted per kiosk.
        for try await (code, count, distinct, last) in try await client.query("""
            SELECT k.code, count(c.kiosk_seq), count(DISTINCT c.kiosk_seq), coalesce(max(c.kiosk_seq), 0)::bigint
            FROM kiosk k LEFT JOIN change_log c ON c.kiosk_id = k.id AND c.audience IS NULL GROUP BY k.code
            """, logger: logger).decode((String, Int64, Int64, Int64).self) {
            guard let k = KioskCode(code).flatMap({ byCode[$0] }) else { continue }
            report.changesAppliedTwice += Int(count - distinct)
            report.changesLost += max(0, k.made.count - Int(distinct))
            if Int(last) > k.made.count { report.problems.append("\(code): the log has number \(last), the kiosk made \(k.made.count)") }
        }
        // The log replayed in the server's order: unchanged, nothing lost, every disagreement a conflict.
        var replay = SyncReplay()
        var after: Int64 = 0
        while true {
            var page = 0
            for try await (seq, code, kioskSeq, text) in try await client.query("""
                SELECT c.server_seq, k.code, c.kiosk_seq, c.change::text FROM change_log c JOIN kiosk k ON k.id = c.kiosk_id
                WHERE c.audience IS NULL AND c.server_seq > \(after) ORDER BY c.server_seq LIMIT 20000
                """, logger: logger).decode((Int64, String, Int64, String).self) {
                page += 1
                after = seq
                guard let kiosk = KioskCode(code), let change = try? JSONDecoder().decode(SyncChange.self, from: Data(text.utf8)) else {
                    report.problems.append("server change \(seq) cannot be read")
                    continue
                }
                if let k = byCode[kiosk], kioskSeq >= 1, Int(kioskSeq) <= k.made.count, k.made[Int(kioskSeq) - 1] != change.hashValue {
                    report.changesAltered += 1
                }
                let (effect, problems) = replay.apply(change, from: kiosk)
                report.silentOverwrites += problems.count
                report.conflictsOpened += effect.opened.count
                if report.problems.count < 50 { report.problems += problems }
            }
            if page == 0 { break }
        }
        // The server's tables are where the replay ends.
        var seen = 0
        for try await (id, text) in try await client.query("SELECT id, merge_state::text FROM sync_row", logger: logger).decode((UUID, String).self) {
            seen += 1
            let row = try? JSONDecoder().decode(SyncRow.self, from: Data(text.utf8))
            if row == nil || row != replay.rows[id] { report.serverRowsDiffering += 1 }
        }
        report.serverRowsDiffering += abs(replay.rows.count - seen)
        var serverRecords: [UUID: SyncRecord] = [:]
        for try await (id, text) in try await client.query("SELECT id, payload::text FROM sync_record", logger: logger).decode((UUID, String).self) {
            serverRecords[id] = try? JSONDecoder().decode(SyncRecord.self, from: Data(text.utf8))
        }
        if serverRecords != replay.records { report.serverRowsDiffering += 1; report.problems.append("the server's records differ from the replayed log's") }
        report.conflictsLeftOpen = try await store.openConflicts().count
        if report.conflictsLeftOpen != replay.open.count { report.problems.append("open conflicts: server \(report.conflictsLeftOpen), replay \(replay.open.count)") }
        // Converged: each kiosk holds exactly its catchment, with the server's values and records.
        var lastSeq: Int64 = 0
        for try await (n) in try await client.query("SELECT coalesce(max(server_seq), 0)::bigint FROM change_log", logger: logger).decode(Int64.self) { lastSeq = n }
        var recordsByCase: [UUID: [UUID: SyncRecord]] = [:]
        for r in replay.records.values { if let c = r.caseID { recordsByCase[c, default: [:]][r.id] = r } }
        report.kiosksTotal = kiosks.count
        for k in kiosks {
            let catchment = try await store.catchment(of: k.code)
            var why: String?
            if !k.outbox.entries.isEmpty { why = "\(k.outbox.entries.count) changes still waiting" }
            else if k.cursor != Int(lastSeq) { why = "pulled to \(k.cursor) of \(lastSeq)" }
            else if Set(k.shadow.keys) != catchment { why = "holds \(k.shadow.count) cases, its catchment is \(catchment.count)" }
            else if let id = catchment.first(where: { k.shadow[$0]?.values != replay.rows[$0]?.values }) {
                why = "case \(id): \(k.shadow[id]?.values ?? [:]) here, \(replay.rows[id]?.values ?? [:]) at the server"
            } else {
                let expected = catchment.reduce(into: [UUID: SyncRecord]()) { $0.merge(recordsByCase[$1] ?? [:]) { a, _ in a } }
                let held = k.records.filter { $0.value.caseID.map(catchment.contains) ?? false }
                if held != expected { why = "holds \(held.count) notes of its cases, the server \(expected.count)" }
            }
            if let why { report.problems.append("\(k.code) not converged: \(why)") } else { report.kiosksConverged += 1 }
        }
        let seconds = report.operationSeconds
        report.changesPerSecond = seconds > 0 ? Double(replay.applied) / seconds : 0
    }
}

/// A worker: some of the kiosks, operated one after another.
struct Worker: Sendable {
    var kiosks: [SimulatedKiosk]
    let simulation: DistrictSimulation
    var tally = SimulationTally()
    var store: DistrictStore { simulation.store }

    /// `count` random operations; every `crashEvery` operations, a push during which PostgreSQL is killed.
    mutating func operate(_ count: Int, crashEvery: Int, crashesLeft: Int, rng: inout SeededGenerator) async throws {
        var crashes = crashesLeft
        let now = Date()
        for n in 1...max(1, count) {
            tally.operations += 1
            if n % max(1, count / 10) == 0, crashEvery != Int.max {
                FileHandle.standardError.write(Data("simulate: \(n * 100 / max(1, count))% of worker 0's operations\n".utf8))
            }
            if crashes > 0 && n % crashEvery == 0, let target = kiosks.indices.first(where: { kiosks[$0].outbox.nextPush() != nil }) {
                crashes -= 1
                try await pushDuringCrash(target, rng: &rng)
                continue
            }
            let k = Int.random(in: 0..<kiosks.count, using: &rng)
            if kiosks[k].village == nil {
                try await supervise(k, rng: &rng)
                continue
            }
            let roll = Int.random(in: 0..<100, using: &rng)
            switch roll {
            case 0..<5: report(k, now: now, rng: &rng)
            case 5..<40: if kiosks[k].held.isEmpty { report(k, now: now, rng: &rng) } else { edit(k, now: now, rng: &rng) }
            case 40..<50: if !kiosks[k].held.isEmpty { note(k, now: now, rng: &rng) }
            case 50..<70: try await push(k, loseReply: Int.random(in: 0..<10, using: &rng) == 0)
            default:
                let cut = Int.random(in: 0..<4, using: &rng) != 0
                try await pull(k, limit: cut ? Int.random(in: 1...50, using: &rng) : 500, loseReply: Int.random(in: 0..<20, using: &rng) == 0)
                if cut { tally.pullsCut += 1 }
            }
        }
    }

    mutating func report(_ k: Int, now: Date, rng: inout SeededGenerator) {
        guard let village = kiosks[k].village else { return }
        let id = rng.uuid()
        let fields: [String: SyncValue] = [
            "id": .string(id.uuidString), "village": .string(village), "status": .string("open"),
            "risk_level": Self.pick("risk_level", &rng), "urgent": .bool(false), "caregiver": Self.pick("caregiver", &rng),
        ]
        kiosks[k].append(.patch(FieldPatch(entity: .caseRecord, id: id, baseVersion: 0,
                                           fields: fields.mapValues { FieldChange(old: .null, new: $0) })),
                         actor: "focal\(k)", now: now)
        kiosks[k].hold(id)
        tally.casesReported += 1
    }

    static func pick(_ field: String, _ rng: inout SeededGenerator) -> SyncValue {
        DistrictSimulation.choices[field]!.randomElement(using: &rng)!
    }

    mutating func edit(_ k: Int, now: Date, rng: inout SeededGenerator) {
        let id = kiosks[k].held.randomElement(using: &rng)!
        let shown = kiosks[k].outbox.overlay(.caseRecord, id: id, shadow: kiosks[k].shadow[id]?.values ?? [:])
        var fields: [String: FieldChange] = [:]
        let count = Int.random(in: 0..<3, using: &rng) == 0 ? 2 : 1
        for _ in 0..<count {
            let name = DistrictSimulation.editable.randomElement(using: &rng)!
            let new = Self.pick(name, &rng), old = shown[name] ?? .null
            if new != old { fields[name] = FieldChange(old: old, new: new) }
        }
        if Int.random(in: 0..<40, using: &rng) == 0 {
            // The family moved: the case goes to another village's kiosks.
            let v = DuplicateRule.key(simulation.village(Int.random(in: 0..<simulation.villages, using: &rng)))
            let old = shown["village"] ?? .null
            if old.stringValue.map(DuplicateRule.key) != v {
                fields["village"] = FieldChange(old: old, new: .string(v))
                tally.moves += 1
            }
        }
        guard !fields.isEmpty else { return }
        let base = kiosks[k].shadow[id]?.version ?? 0
        kiosks[k].append(.patch(FieldPatch(entity: .caseRecord, id: id, baseVersion: base, fields: fields)), actor: "focal\(k)", now: now)
        tally.edits += 1
    }

    mutating func note(_ k: Int, now: Date, rng: inout SeededGenerator) {
        let variant = Int.random(in: 0..<40, using: &rng)
        var r: SyncRecord
        if variant == 0, let last = kiosks[k].lastRecord {
            r = last
            tally.notesSavedTwice += 1
        } else if variant == 1, var last = kiosks[k].lastRecord {
            last.payload["body"] = .string("written again at \(kiosks[k].code)")
            r = last
            tally.notesRewritten += 1
        } else {
            let caseID = kiosks[k].held.randomElement(using: &rng)!
            r = SyncRecord(kind: .timelineEntry, id: rng.uuid(), caseID: caseID,
                           payload: ["fact": .string("note"), "body": .string("Visited the family (\(kiosks[k].made.count)).")])
            tally.notes += 1
        }
        kiosks[k].lastRecord = r
        kiosks[k].append(.record(r), actor: "focal\(k)", now: now)
    }

    /// One push of up to 50 waiting changes; true when the server answered.
    @discardableResult
    mutating func push(_ k: Int, loseReply: Bool = false) async throws -> Bool {
        guard let request = kiosks[k].outbox.nextPush(limit: 50) else { return true }
        tally.pushes += 1
        let reply: PushReply
        do {
            let body = try JSONEncoder().encode(request), code = kiosks[k].code, store = self.store
            reply = try await withDeadline(seconds: 20) { try await store.push(body: body, from: code) }
        } catch {
            if error is DatabaseTimeout { tally.timeouts += 1 }
            tally.pushesFailed += 1
            try await Task.sleep(nanoseconds: 20_000_000)
            return false
        }
        return take(reply, kiosk: k, lost: loseReply)
    }

    mutating func take(_ reply: PushReply, kiosk k: Int, lost: Bool) -> Bool {
        if let refusal = reply.refusal {
            tally.refusals += 1
            FileHandle.standardError.write(Data("simulate: \(kiosks[k].code)'s push refused: \(refusal.message)\n".utf8))
            return false
        }
        if lost { tally.pushRepliesLost += 1; return true }
        kiosks[k].outbox.acknowledge(reply)
        return true
    }

    /// A push during which PostgreSQL is killed (`pg_ctl stop -m immediate`) and then started again.
    mutating func pushDuringCrash(_ k: Int, rng: inout SeededGenerator) async throws {
        guard let request = kiosks[k].outbox.nextPush(limit: 50) else { return }
        let body = try JSONEncoder().encode(request), code = kiosks[k].code, store = self.store, pg = simulation.pg
        let pushing = Task { try await withDeadline(seconds: 20) { try await store.push(body: body, from: code) } }
        try await Task.sleep(nanoseconds: UInt64.random(in: 0...30_000_000, using: &rng))
        try await Self.blocking { try pg.crash() }
        // Started again before the push's outcome is awaited: a push still waiting for a connection waits for this.
        try await Self.blocking { try pg.restart() }
        let result = await pushing.result
        tally.crashes += 1
        tally.pushes += 1
        if case .success(let reply) = result { _ = take(reply, kiosk: k, lost: false) } else { tally.pushesFailed += 1 }
    }

    /// Runs blocking work (a `pg_ctl` command) off the task's thread.
    static func blocking(_ work: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, Error>) in
            DispatchQueue.global().async { done.resume(with: Result { try work() }) }
        }
    }

    /// One pull: whether more changes wait, or nil when no reply arrived (the server failed or the reply was lost).
    @discardableResult
    mutating func pull(_ k: Int, limit: Int, loseReply: Bool = false) async throws -> Bool? {
        tally.pulls += 1
        let reply: PullReply
        do {
            let code = kiosks[k].code, cursor = kiosks[k].cursor, store = self.store
            reply = try await withDeadline(seconds: 20) { try await store.pull(for: code, after: cursor, limit: limit) }
        } catch {
            if error is DatabaseTimeout { tally.timeouts += 1 }
            tally.pullsFailed += 1
            try await Task.sleep(nanoseconds: 20_000_000)
            return nil
        }
        if loseReply { tally.pullRepliesLost += 1; return nil }
        kiosks[k].take(reply)
        return reply.more
    }

    /// The supervisor's kiosk: pulls, decides what it has learnt, pushes.
    mutating func supervise(_ k: Int, rng: inout SeededGenerator) async throws {
        try await pull(k, limit: 500)
        decide(k, choice: Int.random(in: 0..<2, using: &rng))
        try await push(k)
    }

    mutating func decide(_ k: Int, choice: Int) {
        for c in kiosks[k].conflicts.values.sorted(by: { $0.id < $1.id }) {
            let value: SyncValue = c.kind == .record ? .null : ((choice + c.id.kioskSeq) % 2 == 0 ? c.incoming : c.current)
            kiosks[k].append(.resolution(ConflictResolution(conflict: c.id, value: value, note: "Decided by the supervisor.")),
                             actor: "supervisor", now: Date())
            tally.decisions += 1
        }
        kiosks[k].conflicts = [:]
    }

    mutating func pushEverything() async throws {
        for k in kiosks.indices {
            var tries = 0
            while kiosks[k].outbox.nextPush() != nil, tries < 1000 {
                if !(try await push(k)) { tries += 1 }
            }
        }
    }

    mutating func pullEverything() async throws {
        for k in kiosks.indices {
            var failures = 0
            while failures < 1000 {
                switch try await pull(k, limit: 500) {
                case false?: failures = .max
                case true?: continue
                case nil: failures += 1
                }
            }
        }
    }

    mutating func decideEverything() {
        for k in kiosks.indices where kiosks[k].village == nil { decide(k, choice: 0) }
    }
}
