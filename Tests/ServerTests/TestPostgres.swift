import Foundation
@testable import KingaServer
import Logging
import Model
import PostgresNIO
import XCTest

/// A throwaway PostgreSQL 15 cluster for the server's tests: `initdb` as the `postgres` user into a `mktemp`
/// folder it owns, listening only on a Unix socket in that folder (no TCP port), ready once `pg_isready` says
/// so (with a deadline, never a blind sleep), stopped and removed by `stop()`.
///
/// PostgreSQL refuses to run as root, hence `runuser -u postgres` when the tests run as root. When Debian's
/// binaries are missing, `start()` throws `TestPostgres.Missing`, whose message says to install `postgresql`.
final class TestPostgres: @unchecked Sendable {
    /// Debian's PostgreSQL 15 binaries.
    static let bin = "/usr/lib/postgresql/15/bin"

    /// PostgreSQL is not installed.
    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "PostgreSQL 15 is not installed (\(TestPostgres.bin)/initdb is missing): the server's tests need it. Install it with `apt-get install -y postgresql` (or `make deps-test`)."
        }
    }

    /// A command that failed.
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// The folder holding the cluster (`data/`), its log and its socket.
    let folder: String
    private var databases = 0
    private var running = false

    private init(folder: String) { self.folder = folder }

    /// Makes, starts and waits for a cluster.
    /// - Parameter initdb: where `initdb` is looked for (a test points it elsewhere to see the message).
    /// - Throws: `Missing`, or `Failed` with the command's output (the folder is removed then).
    static func start(initdb: String = "\(bin)/initdb") throws -> TestPostgres {
        guard FileManager.default.isExecutableFile(atPath: initdb) else { throw Missing() }
        let folder = try run("/usr/bin/mktemp", ["-d", "/tmp/kinga-pg.XXXXXX"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let pg = TestPostgres(folder: folder)
        do {
            if getuid() == 0 { _ = try run("/bin/chown", ["postgres:postgres", folder]) }
            _ = try pg.asPostgres("\(bin)/initdb", ["-D", "\(folder)/data", "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C.UTF-8"])
            _ = try pg.asPostgres("\(bin)/pg_ctl", ["-D", "\(folder)/data", "-l", "\(folder)/log", "-W",
                                                   "-o", "-k \(folder) -c listen_addresses='' -c fsync=off", "start"])
            pg.running = true
            let deadline = Date().addingTimeInterval(30)
            while (try? pg.asPostgres("\(bin)/pg_isready", ["-q", "-h", folder])) == nil {
                guard Date() < deadline else {
                    let log = (try? String(contentsOfFile: "\(folder)/log", encoding: .utf8)) ?? ""
                    throw Failed(description: "PostgreSQL did not become ready within 30 s. Its log:\n\(log)")
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        } catch {
            pg.stop()
            throw error
        }
        pg.reapWhenTestsEnd()
        return pg
    }

    /// Stops the cluster and removes its folder once this test process has gone, however it went: a test that traps
    /// (an index out of range, a failed `try!`) never reaches the class's tearDown, and its PostgreSQL must not stay
    /// behind. A small shell of its own, not waited for, watches this process and stops the cluster after it.
    private func reapWhenTestsEnd() {
        let stop = getuid() == 0 ? "/usr/sbin/runuser -u postgres -- \(Self.bin)/pg_ctl" : "\(Self.bin)/pg_ctl"
        let reaper = Process()
        reaper.executableURL = URL(fileURLWithPath: "/bin/sh")
        reaper.arguments = ["-c", """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            [ -d '\(folder)/data' ] && \(stop) -D '\(folder)/data' -m immediate -w stop
            rm -rf '\(folder)'
            """]
        reaper.standardInput = FileHandle.nullDevice
        reaper.standardOutput = FileHandle.nullDevice
        reaper.standardError = FileHandle.nullDevice
        try? reaper.run()
    }

    /// Creates a new empty database and returns its name.
    func createDatabase() throws -> String {
        databases += 1
        let name = "kinga_test_\(databases)"
        _ = try asPostgres("\(Self.bin)/createdb", ["-h", folder, "-U", "postgres", name])
        return name
    }

    /// The client configuration for `database` over the Unix socket.
    func configuration(_ database: String) -> PostgresClient.Configuration {
        PostgresClient.Configuration(unixSocketPath: "\(folder)/.s.PGSQL.5432", username: "postgres", password: nil, database: database)
    }

    /// The `--postgres` URL of `database`, as `kinga-server` takes it.
    func url(_ database: String) -> String { "postgres://postgres@/\(database)?host=\(folder)" }

    /// Stops the cluster (immediately: it is thrown away) and removes its folder. Safe to call twice.
    func stop() {
        if running {
            _ = try? asPostgres("\(Self.bin)/pg_ctl", ["-D", "\(folder)/data", "-m", "immediate", "-w", "stop"])
            running = false
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs a PostgreSQL binary as the `postgres` user (directly when not root).
    private func asPostgres(_ tool: String, _ args: [String]) throws -> String {
        getuid() == 0 ? try Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", tool] + args) : try Self.run(tool, args)
    }

    /// Runs a command and returns what it printed (standard output and error).
    ///
    /// With `posix_spawn` and `waitpid` on its pid, not Foundation's `Process` (whose wait for a `runuser` child
    /// was seen never to return inside the test process), and output to a temporary file, never a pipe (a
    /// server left running by `pg_ctl start` could hold a pipe open for ever).
    /// - Throws: `Failed` with its output when it cannot start or exits non-zero.
    @discardableResult
    static func run(_ tool: String, _ args: [String]) throws -> String {
        let outPath = NSTemporaryDirectory() + "kinga-pg-out-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: outPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([tool] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, tool, &actions, nil, argv, environ)
        guard spawned == 0 else { throw Failed(description: "cannot start \(tool): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let exited = status & 0x7f == 0, code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            throw Failed(description: "\(tool) \(args.joined(separator: " ")) failed (status \(status)): \(text)")
        }
        return text
    }
}

/// A base class whose tests share one throwaway cluster (started in `setUp()` the first time, stopped in the
/// class's `tearDown()`, also when a test failed) and get a fresh, migrated database each.
class PostgresTestCase: XCTestCase {
    nonisolated(unsafe) static var cluster: Result<TestPostgres, Error>?

    /// The shared cluster, started on first use.
    /// - Throws: `TestPostgres.Missing` (install `postgresql`) or why it did not start.
    static func sharedCluster() throws -> TestPostgres {
        if cluster == nil { cluster = Result { try TestPostgres.start() } }
        return try cluster!.get()
    }

    override class func tearDown() {
        if case .success(let pg)? = cluster { pg.stop() }
        cluster = nil
        super.tearDown()
    }

    /// A logger that prints warnings and worse only.
    static let logger: Logger = {
        var l = Logger(label: "kinga-server.tests")
        l.logLevel = .warning
        return l
    }()

    /// Runs `body` with a client on a fresh migrated database; the client is shut down afterwards, also when
    /// `body` throws.
    func withDatabase(_ body: (PostgresClient, TestPostgres, String) async throws -> Void) async throws {
        let pg = try Self.sharedCluster()
        let database = try pg.createDatabase()
        try await PostgresSession.with(pg.configuration(database), logger: Self.logger) { client in
            try await body(client, pg, database)
        }
    }

    /// Runs `command` with `/bin/sh` and waits for it to end.
    /// - Returns: its exit status and what it printed (standard output and error together, when the command
    ///   says `2>&1`).
    /// - Throws: when the shell cannot be started.
    func shell(_ command: String) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The port the server listens on, once it does.
    actor Port {
        var value: Int?
        func set(_ p: Int) { value = p }
    }

    /// A server on loopback with a fresh database, its certificate, another certificate (an impostor's) and kiosk
    /// K07 added; `body` gets the server's address. The server is stopped afterwards, also when `body` throws.
    func withServer(_ body: (String, ServerCertificate.Made, ServerCertificate.Made, NewKiosk, KioskRegistry) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kinga-enrol-\(UUID().uuidString)").path
        let other = folder + "-other"
        defer { for f in [folder, other] { try? FileManager.default.removeItem(atPath: f) } }
        let made = try ServerCertificate.make(in: folder, names: ["localhost"])
        let impostor = try ServerCertificate.make(in: other, names: ["localhost"])
        let pg = try Self.sharedCluster()
        let database = try pg.createDatabase()
        let port = Port()
        let configuration = pg.configuration(database)
        let logger = Self.logger
        let server = Task { [configuration, folder, logger, port] in
            try await DistrictServer.serve(postgres: configuration, folder: folder, host: "127.0.0.1", port: 0,
                                           logger: logger, onRunning: { await port.set($0) })
        }
        do {
            // Wait, with a deadline, until the server listens.
            let deadline = Date().addingTimeInterval(60)
            var listening: Int?
            while listening == nil, Date() < deadline {
                listening = await port.value
                if listening == nil { try await Task.sleep(nanoseconds: 50_000_000) }
            }
            let url = "https://127.0.0.1:\(try XCTUnwrap(listening, "the server did not start"))"
            try await PostgresSession.with(configuration, logger: logger) { client in
                let registry = KioskRegistry(client: client, logger: logger)
                let added = try await registry.add(name: "Puskesmas Fiksi", code: KioskCode("K07")!, villages: ["Kampung Fiksi"])
                try await body(url, made, impostor, added, registry)
            }
        } catch {
            server.cancel()
            _ = await server.result
            throw error
        }
        server.cancel()
        _ = await server.result
    }
}
