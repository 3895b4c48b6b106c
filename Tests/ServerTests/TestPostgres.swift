import Foundation
@testable import KingaServer
import Logging
import Model
import PostgresNIO
import XCTest
import Harness

/// The tests' name for the harness's throwaway cluster.
typealias TestPostgres = ThrowawayPostgres

extension ThrowawayPostgres {
    /// The client configuration for `database` over the Unix socket.
    func configuration(_ database: String) -> PostgresClient.Configuration {
        PostgresClient.Configuration(unixSocketPath: socketPath, username: "postgres", password: nil, database: database)
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
