import Foundation

/// A throwaway PostgreSQL 15 cluster for the server's tests and benchmarks (issues #18, #19): `initdb` as the `postgres` user into a `mktemp`
/// folder it owns, listening only on a Unix socket in that folder (no TCP port), ready once `pg_isready` says
/// so (with a deadline, never a blind sleep), stopped and removed by `stop()`, and also when the process that started it ends without stopping it.
///
/// PostgreSQL refuses to run as root, hence `runuser -u postgres` when the tests run as root. When Debian's
/// binaries are missing, `start()` throws `ThrowawayPostgres.Missing`, whose message says to install `postgresql`.
public final class ThrowawayPostgres: @unchecked Sendable {
    /// Debian's PostgreSQL 15 binaries.
    public static let bin = "/usr/lib/postgresql/15/bin"

    /// PostgreSQL is not installed.
    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "PostgreSQL 15 is not installed (\(ThrowawayPostgres.bin)/initdb is missing): the server's tests need it. Install it with `apt-get install -y postgresql` (or `make deps-test`)."
        }
    }

    /// A command that failed.
    public struct Failed: Error, CustomStringConvertible {
        public var description: String
    }

    /// The folder holding the cluster (`data/`), its log and its socket.
    public let folder: String
    private var databases = 0
    private var running = false

    private init(folder: String) { self.folder = folder }

    /// Makes, starts and waits for a cluster.
    /// - Parameter initdb: where `initdb` is looked for (a test points it elsewhere to see the message).
    /// - Throws: `Missing`, or `Failed` with the command's output (the folder is removed then).
    public static func start(initdb: String = "\(bin)/initdb") throws -> ThrowawayPostgres {
        guard FileManager.default.isExecutableFile(atPath: initdb) else { throw Missing() }
        let folder = try run("/usr/bin/mktemp", ["-d", "/tmp/kinga-pg.XXXXXX"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let pg = ThrowawayPostgres(folder: folder)
        do {
            if getuid() == 0 { _ = try run("/bin/chown", ["postgres:postgres", folder]) }
            _ = try pg.asPostgres("\(bin)/initdb", ["-D", "\(folder)/data", "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C.UTF-8"])
            try pg.launch()
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
        afterThisProcess(run: """
            [ -d '\(folder)/data' ] && \(stop) -D '\(folder)/data' -m immediate -w stop
            rm -rf '\(folder)'
            """)
    }

    /// Starts the cluster's server and waits, with a deadline, until `pg_isready` says it answers.
    /// - Throws: `Failed` with the command's output, or with PostgreSQL's log when it is not ready within 30 s.
    private func launch() throws {
        try asPostgres("\(Self.bin)/pg_ctl", ["-D", "\(folder)/data", "-l", "\(folder)/log", "-W",
                                             "-o", "-k \(folder) -c listen_addresses='' -c fsync=off", "start"])
        running = true
        let deadline = Date().addingTimeInterval(30)
        while (try? asPostgres("\(Self.bin)/pg_isready", ["-q", "-h", folder])) == nil {
            guard Date() < deadline else {
                let log = (try? String(contentsOfFile: "\(folder)/log", encoding: .utf8)) ?? ""
                throw Failed(description: "PostgreSQL did not become ready within 30 s. Its log:\n\(log)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Stops the server as a power cut would (`pg_ctl stop -m immediate`: no checkpoint, crash recovery at the next
    /// start), for the district link's fault runs (issue #19). The data stays.
    /// - Throws: `Failed` when `pg_ctl` fails.
    public func crash() throws {
        try asPostgres("\(Self.bin)/pg_ctl", ["-D", "\(folder)/data", "-m", "immediate", "-w", "stop"])
        running = false
    }

    /// Starts the server again after `crash()`, and waits until it answers.
    /// - Throws: `Failed` as `start()` does.
    public func restart() throws { try launch() }

    /// Creates a new empty database and returns its name.
    public func createDatabase() throws -> String {
        databases += 1
        let name = "kinga_test_\(databases)"
        _ = try asPostgres("\(Self.bin)/createdb", ["-h", folder, "-U", "postgres", name])
        return name
    }

    /// The path of the cluster's Unix socket (PostgreSQL's default port number names it).
    public var socketPath: String { "\(folder)/.s.PGSQL.5432" }

    /// The `--postgres` URL of `database`, as `kinga-server` takes it.
    public func url(_ database: String) -> String { "postgres://postgres@/\(database)?host=\(folder)" }

    /// Stops the cluster (immediately: it is thrown away) and removes its folder. Safe to call twice.
    public func stop() {
        if running {
            _ = try? asPostgres("\(Self.bin)/pg_ctl", ["-D", "\(folder)/data", "-m", "immediate", "-w", "stop"])
            running = false
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs a PostgreSQL binary as the `postgres` user (directly when not root).
    /// - Throws: `Failed` with its output when it exits non-zero.
    @discardableResult
    public func asPostgres(_ tool: String, _ args: [String]) throws -> String {
        getuid() == 0 ? try Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", tool] + args) : try Self.run(tool, args)
    }

    /// Runs a command and returns what it printed (standard output and error).
    ///
    /// With `posix_spawn` and `waitpid` on its pid, not Foundation's `Process` (whose wait for a `runuser` child
    /// was seen never to return inside the test process), and output to a temporary file, never a pipe (a
    /// server left running by `pg_ctl start` could hold a pipe open for ever).
    /// - Throws: `Failed` with its output when it cannot start or exits non-zero.
    @discardableResult
    public static func run(_ tool: String, _ args: [String]) throws -> String {
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
