import ArgumentParser
import DistrictLink
import Foundation
import Harness
import Model
import Storage
import Vault

/// `kinga-bench sync` (issue #18, "Figures"): the district link measured with the real binaries — a throwaway
/// PostgreSQL 15, the real `kinga-server` on loopback behind a relay that counts bytes and can hold the link to a
/// rural bit rate (`LinkProxy`), and kiosks synced by the real `kinga sync`. Figures only; nothing is asserted.
///
/// Measured, in one run:
/// - a day's work (`--day` changes: reports with their notes) pushed by `kinga sync`, on loopback and through a
///   link held to `--bits-per-second` (64 kbit/s): seconds, bytes up and down, the kiosk's peak memory;
/// - a new kiosk's first sync, which pulls a catchment of `--catchment` cases made at another kiosk, the same two
///   ways;
/// - the server's apply rate: `--throughput` changes pushed in pushes of at most `SyncLimits.maxChangesPerPush`,
///   each push timed alone (the kiosk's preparation left out), against the PostgreSQL floor: the same changes'
///   JSON inserted by `psql` into a plain table, one transaction per push's worth;
/// - many kiosks at once (issue #19, "Scale"): `--kiosks` kiosks, each with `--changes-each` changes waiting, all
///   pushing together into the one server: total seconds, changes a second, each push's latency (p50, p99),
///   against the same rows inserted by `psql`;
/// - the server's peak memory (`VmHWM`) over the whole run.
/// The kiosks are plaintext (the link is what is measured; an encrypted kiosk adds its unlock, reported by the
/// main benchmark).
struct SyncBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Measure the district link: a day's push, a new kiosk's pull, at loopback speed and at 64 kbit/s; the server's apply rate against PostgreSQL.",
        discussion: """
            Starts a throwaway PostgreSQL 15 (Debian's postgresql package), the kinga-server and kinga binaries built
            beside this one (swift build -c release --product kinga --product kinga-server), and a relay on loopback
            that counts bytes and holds the link to --bits-per-second. Everything is stopped and removed afterwards.
            """
    )

    @Option(help: "Changes in a day's work.") var day = 200
    @Option(help: "Cases in the new kiosk's catchment.") var catchment = 500
    @Option(help: "Changes pushed to measure the server's apply rate.") var throughput = 2000
    @Option(help: "The slow link's rate, each way, in bits per second.") var bitsPerSecond = 64_000
    @Option(help: "Kiosks pushing at once into the server (issue #19's scale figure; 0: none).") var kiosks = 50
    @Option(help: "Changes each of those kiosks pushes.") var changesEach = 1000
    @Flag(help: "A short run for CI: 40 changes, 40 cases, 400 changes for the apply rate, 3 kiosks of 100 changes at once.") var quick = false
    @Option(help: "Write the figures as JSON here.") var json: String?

    /// One timed `kinga sync`.
    struct Timed: Codable {
        var seconds: Double
        var bytesUp: Int
        var bytesDown: Int
        var kioskPeakMB: Double
    }

    /// Everything one run measured (the JSON written by `--json`).
    struct Figures: Codable {
        var dayChanges = 0
        var dayFast: Timed?
        var daySlow: Timed?
        var catchmentCases = 0
        var catchmentFast: Timed?
        var catchmentSlow: Timed?
        var throughputChanges = 0
        var serverChangesPerSecond = 0.0
        var floorRowsPerSecond = 0.0
        var serverPeakMB = 0.0
        var bitsPerSecond = 0
        /// Many kiosks pushing at once (issue #19, "Scale").
        var manyKiosks = 0
        var manyChanges = 0
        var manySeconds = 0.0
        var manyChangesPerSecond = 0.0
        var manyPushLatency: Stats?
        var manyFloorRowsPerSecond = 0.0
        /// What the server keeps per change it logged: `change_log` with its indexes and TOAST, divided by its rows.
        var serverBytesPerChange = 0.0
        var serverChangesLogged = 0
    }

    func run() throws {

        let (day, catchment, throughput) = quick ? (40, 40, 400) : (self.day, self.catchment, self.throughput)
        guard let kinga = siblingExecutable("kinga"), let server = siblingExecutable("kinga-server") else {
            throw ValidationError("kinga and kinga-server must be built beside kinga-bench: swift build -c release --product kinga --product kinga-server")
        }
        let pg: ThrowawayPostgres
        do { pg = try ThrowawayPostgres.start() } catch { throw ValidationError("\(error)") }
        defer { pg.stop() }
        let database = try pg.createDatabase()
        let postgres = pg.url(database)
        let folder = try ThrowawayPostgres.run("/usr/bin/mktemp", ["-d", "/tmp/kinga-sync-bench.XXXXXX"]).trimmingCharacters(in: .whitespacesAndNewlines)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let initOut = try ThrowawayPostgres.run(server, ["init", "--data", folder + "/server", "--postgres", postgres, "--hostnames", "localhost"])
        guard let fingerprint = initOut.split(separator: "\n").last.map(String.init), fingerprint.contains(":") else {
            throw ValidationError("kinga-server init printed no fingerprint: \(initOut)")
        }
        let port = try LinkProxy.freePort()
        let serverPID = try spawn([server, "serve", "--data", folder + "/server", "--port", "\(port)", "--host", "127.0.0.1",
                                   "--postgres", postgres])
        afterThisProcess(run: "kill -TERM \(serverPID) 2>/dev/null; rm -rf '\(folder)'")
        var serverPeak = 0.0
        defer {
            kill(serverPID, SIGTERM)
            var status: Int32 = 0
            waitpid(serverPID, &status, 0)
        }
        _ = try waitUntil("kinga-server listening on \(port)", seconds: 60) { loopbackAccepts(port: port) }
        let proxy = try LinkProxy(upstreamPort: port)
        defer { proxy.stop() }
        let url = "https://127.0.0.1:\(proxy.port)"
        try "\(benchPIN)\n".write(toFile: folder + "/pin", atomically: true, encoding: .utf8)

        func addKiosk(_ name: String, _ code: String) throws -> String {
            let out = try ThrowawayPostgres.run(server, ["kiosk", "add", name, "--code", code, "--villages", "Kampung Fiksi", "--postgres", postgres])
            guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("Enrolment code") }),
                  let code = line.split(separator: " ").last else { throw ValidationError("kinga-server kiosk add printed no code: \(out)") }
            return String(code)
        }
        func kiosk(_ name: String, _ code: String) throws -> (store: KingaStore, path: String) {
            let path = "\(folder)/\(code).sqlite"
            let (session, _) = try KingaStore(path: path, clock: .system).createFirstUser(name: benchUser, pin: benchPIN)
            let identity = try KioskIdentity.generate()
            let enrolment = try addKiosk(name, code)
            let join = try waitFor { try await DistrictClient.enrol(url: url, code: enrolment, fingerprint: fingerprint, publicKey: identity.publicKey) }
            try session.joinDistrict(serverURL: join.serverURL, certificatePEM: join.certificatePEM, fingerprint: join.fingerprint,
                                     kioskCode: join.enrolment.kioskCode, kioskName: join.enrolment.name, villages: join.enrolment.villages,
                                     token: join.enrolment.token, identity: identity)
            return (session, path)
        }
        func timedSync(_ path: String, slow: Bool) throws -> Timed {
            proxy.bitsPerSecond = slow ? bitsPerSecond : nil
            defer { proxy.bitsPerSecond = nil }
            proxy.resetCounts()
            let r = try spawnAndMeasureOwnPeak([kinga, "sync", "--db", path, "--user", benchUser], stdin: folder + "/pin",
                                               stdout: folder + "/sync.out")
            guard r.status == 0 else {
                throw ValidationError("kinga sync failed (\(r.status)): \((try? String(contentsOfFile: folder + "/sync.out", encoding: .utf8)) ?? "")")
            }
            if let p = peakRSSMegabytes(of: serverPID) { serverPeak = max(serverPeak, p) }
            let bytes = proxy.counts()
            return Timed(seconds: r.seconds, bytesUp: bytes.up, bytesDown: bytes.down, kioskPeakMB: r.peakMB)
        }

        var figures = Figures()
        figures.bitsPerSecond = bitsPerSecond
        print("District link, \(quick ? "short run" : "full run"): PostgreSQL \(pg.folder), server on \(port), relay on \(proxy.port)."); fflush(nil)
        let a = try kiosk("Puskesmas Fiksi", "K07")
        _ = try timedSync(a.path, slow: false)
        // A day's work, twice: once over loopback, once over the slow link.
        var made = 0
        for slow in [false, true] {
            let n = try Self.dayOfWork(a.store, changes: day, start: made)
            made += n.cases
            figures.dayChanges = n.changes
            let t = try timedSync(a.path, slow: slow)
            if slow { figures.daySlow = t } else { figures.dayFast = t }
            print("  a day's work (\(n.changes) changes) \(slow ? "at \(bitsPerSecond / 1000) kbit/s" : "on loopback"): \(fmt(t.seconds)) s, \(t.bytesUp) bytes up, \(t.bytesDown) down"); fflush(nil)
        }
        // The catchment: cases made at A until Kampung Fiksi holds `catchment`; two new kiosks pull it.
        while made < catchment { made += try Self.dayOfWork(a.store, changes: 50, start: made).cases }
        _ = try timedSync(a.path, slow: false)
        figures.catchmentCases = made
        for (slow, name, code) in [(false, "Sekolah Fiksi", "K03"), (true, "Posyandu Fiksi", "K05")] {
            let k = try kiosk(name, code)
            let t = try timedSync(k.path, slow: slow)
            let held = try k.store.caseCount(viewer: .user(try Self.me(k.store)))
            if slow { figures.catchmentSlow = t } else { figures.catchmentFast = t }
            print("  a new kiosk's first pull (\(held) cases) \(slow ? "at \(bitsPerSecond / 1000) kbit/s" : "on loopback"): \(fmt(t.seconds)) s, \(t.bytesUp) bytes up, \(t.bytesDown) down"); fflush(nil)
        }
        // The server's apply rate against the floor.
        _ = try Self.dayOfWork(a.store, changes: throughput, start: made, notesOnly: true)
        let pushed = try pushTimed(a.store)
        figures.throughputChanges = pushed.changes
        figures.serverChangesPerSecond = Double(pushed.changes) / pushed.seconds
        let floorSeconds = try floor(pushed.bodies, pg: pg, database: database, folder: folder)
        figures.floorRowsPerSecond = Double(pushed.changes) / floorSeconds
        if let p = peakRSSMegabytes(of: serverPID) { serverPeak = max(serverPeak, p) }
        // Many kiosks at once: each with its day's work ready, all pushing together; each push timed.
        let (many, each) = quick ? (3, 100) : (kiosks, changesEach)
        if many > 0 {
            var stores: [KingaStore] = []
            for i in 1...many {
                let k = try kiosk("Pos Skala \(i)", String(format: "K%03d", i))
                _ = try Self.dayOfWork(k.store, changes: each, start: 0)
                stores.append(k.store)
            }
            let r = try pushAtOnce(stores)
            figures.manyKiosks = many
            figures.manyChanges = r.changes
            figures.manySeconds = r.seconds
            figures.manyChangesPerSecond = Double(r.changes) / r.seconds
            figures.manyPushLatency = Stats(r.latencies)
            figures.manyFloorRowsPerSecond = Double(r.changes) / (try floor(r.bodies, pg: pg, database: database, folder: folder, table: "floor_many"))
            if let p = peakRSSMegabytes(of: serverPID) { serverPeak = max(serverPeak, p) }
            let lat = Stats(r.latencies)
            print("  \(many) kiosks pushing \(each) changes each at once: \(r.changes) changes in \(fmt(r.seconds)) s, \(Int(figures.manyChangesPerSecond)) a second; push p50 \(fmt(lat.p50)) s, p99 \(fmt(lat.p99)) s; psql inserted the same at \(Int(figures.manyFloorRowsPerSecond)) a second (÷ \(fmt(figures.manyFloorRowsPerSecond / figures.manyChangesPerSecond)))"); fflush(nil)
        }
        // What the log costs on the server's disk, per change (for the scaling paper: README, "A country").
        let sized = try pg.asPostgres("\(ThrowawayPostgres.bin)/psql", ["-At", "-F", " ", "-h", pg.folder, "-U", "postgres", "-d", database, "-c",
                                                                   "SELECT pg_total_relation_size('change_log'), count(*) FROM change_log"])
        let parts = sized.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if parts.count == 2, parts[1] > 0 {
            figures.serverChangesLogged = parts[1]
            figures.serverBytesPerChange = Double(parts[0]) / Double(parts[1])
            print("  the server's log: \(parts[1]) changes in \(parts[0] / 1024) KiB, \(Int(figures.serverBytesPerChange)) bytes a change"); fflush(nil)
        }
        figures.serverPeakMB = serverPeak
        print("  the server applied \(pushed.changes) changes at \(Int(figures.serverChangesPerSecond)) a second; psql inserted the same at \(Int(figures.floorRowsPerSecond)) a second (÷ \(fmt(figures.floorRowsPerSecond / figures.serverChangesPerSecond)))"); fflush(nil)
        print("  peak memory: server \(fmt(serverPeak)) MB; kiosk \(fmt([figures.dayFast, figures.daySlow, figures.catchmentFast, figures.catchmentSlow].compactMap { $0?.kioskPeakMB }.max() ?? 0)) MB"); fflush(nil)
        if let json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(figures).write(to: URL(fileURLWithPath: json))
        }
    }

    /// Adds reports (each with a note) at `store` until at least `changes` new changes wait to go to the server
    /// (each report is several: the case, its timeline entries, its audit rows; a row change that touches only a
    /// kiosk's own bookkeeping is none), or, with `notesOnly`, notes on the cases already there. The changes are
    /// numbered as a push numbers them (`preparePush`), which is how they are counted. Returns the changes and the
    /// cases added.
    static func dayOfWork(_ store: KingaStore, changes: Int, start: Int, notesOnly: Bool = false) throws -> (changes: Int, cases: Int) {
        var added = 0
        _ = try store.preparePush()
        let before = try store.numberedThrough()
        func counted() throws -> Int {
            _ = try store.preparePush()
            return try store.numberedThrough() - before
        }
        let existing = notesOnly ? try store.caseListStart(CaseQuery(), limit: 200, viewer: .user(try me(store)), today: store.clock.today).rows.map(\.summary.id) : []
        while try added % (notesOnly ? 10 : 1) != 0 || counted() < changes {
            if notesOnly, let id = existing.isEmpty ? nil : existing[added % existing.count] {
                try store.addNote(caseID: id, text: "Follow-up call \(added): the family is managing.")
            } else {
                var r = Report()
                r.reporterKind = .teacher; r.sex = added % 2 == 0 ? .female : .male; r.approximateAgeText = "\(6 + added % 10)"
                r.village = "Kampung Fiksi"; r.childName = "Anak Fiktif \(start + added + 1)"; r.concerns = ["neglect"]
                r.narrative = "A fictional report for the district link's benchmark."; r.inDangerNow = false
                r.childAssent = .yes; r.caregiverConsent = .yes
                let c = try store.registerCase(from: r, draftID: UUID())
                try store.addNote(caseID: c.id, text: "Visited the family; the child is at school.")
            }
            added += 1
        }
        return (try counted(), notesOnly ? 0 : added)
    }

    /// Pushes everything waiting at `store`, timing each push alone. Returns the changes the server took (each
    /// checked, merged and logged: new rows, field patches, timeline entries, audit rows), the seconds spent in
    /// pushes, and each push's changes as JSON (for the floor).
    func pushTimed(_ store: KingaStore) throws -> (changes: Int, seconds: Double, bodies: [[String]]) {
        guard let link = try store.districtLink(), let identity = try store.kioskIdentity() else { throw ValidationError("the kiosk has not joined") }
        let token = try store.districtToken()
        var (changes, nanos, bodies) = (0, UInt64(0), [[String]]())
        // Each push writes an audit row, itself a change for the server: stop at what was numbered by the first push
        // (it numbers everything waiting), as `kinga sync` does.
        var target: Int?
        while let push = try store.preparePush() {
            if target == nil { target = try store.numberedThrough() }
            let t0 = monotonicNanos()
            let reply = try waitFor {
                try await DistrictClient.push(push, serverURL: link.serverURL, certificatePEM: link.certificatePEM, token: token,
                                              sign: { identity.sign($0) })
            }
            nanos += monotonicNanos() - t0
            guard case .acknowledged(_, let duplicates) = try store.takePushReply(reply) else { throw ValidationError("the server refused a push") }
            guard duplicates == 0 else { throw ValidationError("the server had \(duplicates) of these changes already") }
            changes += push.changes.count
            bodies.append(try push.changes.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) })
            if reply.acceptedThrough >= (target ?? 0) || reply.acceptedThrough < (push.changes.last?.kioskSeq ?? 0) { break }
        }
        return (changes, Double(nanos) / 1e9, bodies)
    }

    /// Every kiosk of `stores` pushes everything it has waiting, all at once (a task each, each kiosk's pushes one
    /// after another over its own kept-open connection, as `kinga sync` sends them). Returns the changes the
    /// server took, the seconds from the first push to the last reply, each push's seconds, and the pushes' changes
    /// as JSON (for the floor).
    /// - Throws: `ValidationError` when the server refuses a push or had any of these changes already.
    func pushAtOnce(_ stores: [KingaStore]) throws -> (changes: Int, seconds: Double, latencies: [Double], bodies: [[String]]) {
        struct Kiosk: @unchecked Sendable { let store: KingaStore; let link: DistrictLinkInfo; let identity: KioskIdentity; let token: String }
        let ready = try stores.map { s -> Kiosk in
            guard let link = try s.districtLink(), let identity = try s.kioskIdentity() else { throw ValidationError("a kiosk has not joined") }
            return Kiosk(store: s, link: link, identity: identity, token: try s.districtToken())
        }
        let t0 = monotonicNanos()
        let results = try waitFor {
            try await withThrowingTaskGroup(of: (Int, [Double], [[String]]).self) { group in
                for k in ready {
                    group.addTask {
                        let connection = try DistrictConnection(certificatePEM: k.link.certificatePEM)
                        var (changes, latencies, bodies) = (0, [Double](), [[String]]())
                        do {
                            var target: Int?
                            while let push = try k.store.preparePush() {
                                if target == nil { target = try k.store.numberedThrough() }
                                let started = monotonicNanos()
                                let reply = try await DistrictClient.push(push, serverURL: k.link.serverURL, certificatePEM: k.link.certificatePEM,
                                                                          token: k.token, sign: { k.identity.sign($0) }, over: connection)
                                latencies.append(Double(monotonicNanos() - started) / 1e9)
                                guard case .acknowledged(_, let duplicates) = try k.store.takePushReply(reply), duplicates == 0 else {
                                    throw ValidationError("the server refused a push or had its changes already")
                                }
                                changes += push.changes.count
                                bodies.append(try push.changes.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) })
                                if reply.acceptedThrough >= (target ?? 0) { break }
                            }
                        } catch {
                            await connection.close()
                            throw error
                        }
                        await connection.close()
                        return (changes, latencies, bodies)
                    }
                }
                var all = (0, [Double](), [[String]]())
                for try await r in group { all.0 += r.0; all.1 += r.1; all.2 += r.2 }
                return all
            }
        }
        return (results.0, Double(monotonicNanos() - t0) / 1e9, results.1, results.2)
    }

    /// The PostgreSQL floor: the same changes' JSON inserted by `psql` into a plain table (`jsonb`, no index but
    /// its key), one transaction per push, one push after another. Returns the seconds `psql` took.
    func floor(_ bodies: [[String]], pg: ThrowawayPostgres, database: String, folder: String, table: String = "floor") throws -> Double {
        var sql = "CREATE TABLE \(table) (seq bigserial PRIMARY KEY, change jsonb NOT NULL);\n"
        for batch in bodies {
            sql += "BEGIN;\nINSERT INTO \(table) (change) VALUES "
            sql += batch.map { "('" + $0.replacingOccurrences(of: "'", with: "''") + "')" }.joined(separator: ",\n") + ";\nCOMMIT;\n"
        }
        let file = folder + "/floor.sql"
        try sql.write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o644)
        chmod(folder, 0o755)
        let t0 = monotonicNanos()
        try pg.asPostgres("/usr/bin/psql", ["-q", "-v", "ON_ERROR_STOP=1", "-h", pg.folder, "-U", "postgres", "-d", database, "-f", file])
        return Double(monotonicNanos() - t0) / 1e9
    }

    /// The person logged in at `store` (the kiosk's first user, administrator and supervisor).
    static func me(_ store: KingaStore) throws -> User {
        guard let me = store.actor else { throw ValidationError("nobody is logged in at the bench kiosk") }
        return me
    }
}
