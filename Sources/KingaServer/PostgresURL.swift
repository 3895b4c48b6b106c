import Foundation
import Logging
import PostgresNIO

/// Reads the `--postgres URL` of `kinga-server` into PostgresNIO's client configuration.
///
/// Shapes accepted (libpq's, without its many options):
/// - `postgres://USER:PASSWORD@HOST:PORT/DATABASE` — TCP (loopback: no TLS to PostgreSQL; any other host: TLS
///   required);
/// - `postgres://USER@/DATABASE?host=/path/to/socket/folder&port=5432` — a Unix socket in that folder
///   (`/path/to/socket/folder/.s.PGSQL.5432`).
/// The scheme may also be `postgresql`. The port defaults to 5432, the user to `postgres`.
public enum PostgresURL {
    /// Why a URL was refused.
    public struct Invalid: Error, CustomStringConvertible {
        /// One plain sentence.
        public var description: String
    }

    /// Parses `text`.
    /// - Returns: the configuration, with the connection pool's defaults.
    /// - Throws: `Invalid` for another scheme, a missing database name, or no host and no `host=` socket folder.
    public static func configuration(_ text: String) throws -> PostgresClient.Configuration {
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw Invalid(description: "The PostgreSQL URL must look like postgres://user:password@127.0.0.1:5432/kinga or postgres://user@/kinga?host=/socket/folder.")
        }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw Invalid(description: "The PostgreSQL URL names no database (…/DATABASE).") }
        let user = url.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        let password = url.password.flatMap { $0.removingPercentEncoding }
        let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, b in b })
        let port = url.port ?? query["port"].flatMap(Int.init) ?? 5432
        if let folder = query["host"], folder.hasPrefix("/") {
            return PostgresClient.Configuration(unixSocketPath: "\(folder)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
        guard let host = url.host, !host.isEmpty else {
            throw Invalid(description: "The PostgreSQL URL names no host: give one (…@127.0.0.1:5432/…) or a socket folder (?host=/folder).")
        }
        let loopback = ["127.0.0.1", "localhost", "::1"].contains(host)
        let tls: PostgresClient.Configuration.TLS = loopback ? .disable : .require(.makeClientConfiguration())
        return PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }
}

/// A PostgreSQL pool for the length of one piece of work (a command-line step, a test).
public enum PostgresSession {
    /// Runs `body` with a running `PostgresClient` on `configuration`, after migrating the schema when
    /// `migrate` is true; the pool is shut down afterwards, also when `body` throws.
    /// - Throws: what `body` or the migrations throw; PostgresNIO's connection errors.
    public static func with<T: Sendable>(_ configuration: PostgresClient.Configuration, logger: Logger, migrate: Bool = true,
                                         _ body: (PostgresClient) async throws -> T) async throws -> T {
        // The pool warns when leased before `run()` is scheduled, which is a race of no consequence here (the
        // lease waits): its background log shows errors only; the work's own log is unchanged.
        var background = logger
        background.logLevel = max(logger.logLevel, .error)
        let client = PostgresClient(configuration: configuration, backgroundLogger: background)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            if migrate { try await Migrations.migrate(client, logger: logger) }
            let result = try await body(client)
            group.cancelAll()
            return result
        }
    }
}

extension PostgresClient {
    /// `withTransaction`, rethrowing the body's own error when the rollback went well (PostgresNIO wraps it in a
    /// `PostgresTransactionError`), so callers can catch `StoreRefusal` and `KioskRegistryError` as such.
    /// - Throws: the body's error, or PostgresNIO's (begin, commit, rollback).
    func transaction<T: Sendable>(logger: Logger, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await withTransaction(logger: logger) { try await body($0) }
        } catch let e as PostgresTransactionError where e.rollbackError == nil && e.closureError != nil {
            throw e.closureError!
        }
    }
}
