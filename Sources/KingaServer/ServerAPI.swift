import CompressNIO
import Crypto
import Foundation
import Hummingbird
import HummingbirdTLS
import HTTPTypes
import Logging
import Model
import NIOCore
import NIOSSL
import PostgresNIO
import ServiceLifecycle

/// A refusal of the HTTP layer, answered as `{"error":{"reason":"…","message":"…"}}` with its status.
public struct APIError: Error, Encodable, Equatable, Sendable {
    /// The machine reason: `unauthorized`, `revoked`, `malformed`, `oversized`, `not_found`, `unavailable`,
    /// `internal`.
    public var reason: String
    /// One plain English sentence (never the request's content, never a secret).
    public var message: String
    /// The HTTP status code (not encoded: it is the response's status).
    public var status: Int

    /// Memberwise: each argument sets the property of the same name.
    public init(_ status: Int, _ reason: String, _ message: String) {
        self.status = status
        self.reason = reason
        self.message = message
    }

    enum CodingKeys: String, CodingKey { case reason, message }

    /// The body sent: `{"error": {"reason": …, "message": …}}`.
    struct Body: Encodable { var error: APIError }
}

/// The district server's HTTP API (issue #18), served over HTTPS by `kinga-server serve`:
///
/// - `POST /v1/push`: body a `PushRequest` (JSON, at most `SyncLimits.maxRequestBytes`); answer a `PushReply`,
///   200 when applied, or with its `refusal` and 400 (malformed, unsupported format), 409 (gap, out of order,
///   replayed) or 413 (oversized) when nothing was applied.
/// - `GET /v1/pull?after=N&limit=M&max_bytes=B&echo=light`: a `PullReply` with the changes after server sequence number N (default 0),
///   at most M (default and most `SyncLimits.maxChangesPerPull`) and about B bytes of changes (default and most
///   `SyncLimits.maxRequestBytes`; kiosks ask for `SyncLimits.pageBytes`), in the server's order; with `echo=light` the
///   kiosk's own changes come back as light echoes (`ServerChange.echo(of:)`).
/// - `GET /v1/health`: `{"status":"ok","format":1,"server_seq":N}`, or 503 when PostgreSQL does not answer.
/// - `POST /v1/enrol`: body `{"code":"XXXX-XXXX-XXXX","public_key":"…"}` (the single-use code from `kiosk add`, the
///   kiosk's Ed25519 public key in base64); answer an
///   `Enrolment` (kiosk code, name, villages, a new bearer token), or 403 `enrolment_refused`.
/// - `GET /v1/certificate`: the server's certificate (PEM). A kiosk enrolling reads it over a connection it does
///   not yet trust, keeps it only when its SHA-256 fingerprint is the one the district office gave, and from then
///   on trusts that certificate and nothing else (a changed certificate is refused, never accepted silently).
///
/// Push and pull name their kiosk with the header `Kinga-Kiosk: K07` and authenticate with the kiosk's bearer
/// token from `kiosk add` (`Authorization: Bearer …`) and, for a kiosk that enrolled with its own Ed25519 key, the
/// request's signature (`Kinga-Signature`, see `RequestSignature`); a push naming another kiosk in its body is
/// refused. Every error is a JSON `APIError`; no input crashes the server.
public enum ServerAPI {
    /// The header naming the kiosk.
    public static let kioskHeader = HTTPField.Name("Kinga-Kiosk")!

    /// Seconds a request waits for the database before the server answers 503 (`withDeadline`): under the kiosk's
    /// 30-second wait (`DistrictClient.timeoutSeconds`), above the slowest push measured with 50 kiosks pushing at
    /// once (p99 18.3 s, README).
    public static let databaseDeadline: Double = 25

    /// The router with the five routes, over a migrated database. `certificatePEM`: what `GET /v1/certificate`
    /// answers (nil: 404, for tests of the other routes).
    public static func router(store: DistrictStore, registry: KioskRegistry, logger: Logger,
                              certificatePEM: String? = nil) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.addMiddleware { JSONErrorMiddleware() }
        router.get("/v1/certificate") { _, _ -> Response in
            await respond(logger) {
                guard let pem = certificatePEM else { throw APIError(404, "not_found", "This server has no certificate to show.") }
                return Response(status: .ok, headers: [.contentType: "application/x-pem-file"],
                                body: .init(byteBuffer: ByteBuffer(string: pem)))
            }
        }
        router.post("/v1/push") { request, _ -> Response in
            await respond(logger) {
                let code = try kioskCode(request)
                let body: ByteBuffer
                do {
                    body = try await request.body.collect(upTo: SyncLimits.maxRequestBytes)
                } catch is NIOTooManyBytesError {
                    throw APIError(413, "oversized", "A push is at most \(SyncLimits.maxRequestBytes) bytes.")
                }
                let bytes = try unpacked(body, request)
                let kiosk = try await authenticate(request, code: code, body: bytes, registry: registry)
                let reply = try await withDeadline(seconds: databaseDeadline) { try await store.push(body: bytes, from: kiosk) }
                return try json(reply, status: reply.refusal.map { status(for: $0.reason) } ?? 200, for: request)
            }
        }
        router.get("/v1/pull") { request, _ -> Response in
            await respond(logger) {
                let kiosk = try await authenticate(request, code: try kioskCode(request), body: Data(), registry: registry)
                let query = request.uri.queryParameters
                let after = try number(query.get("after"), default: 0, in: 0...Int.max, name: "after")
                let limit = try number(query.get("limit"), default: SyncLimits.maxChangesPerPull, in: 1...SyncLimits.maxChangesPerPull, name: "limit")
                let maxBytes = try number(query.get("max_bytes"), default: SyncLimits.maxRequestBytes, in: 1...SyncLimits.maxRequestBytes, name: "max_bytes")
                guard [nil, "light", "whole"].contains(query.get("echo")) else {
                    throw APIError(400, "malformed", "echo is light or whole.")
                }
                let light = query.get("echo") == "light"
                let reply = try await withDeadline(seconds: databaseDeadline) {
                    try await store.pull(for: kiosk, after: after, limit: limit, maxBytes: maxBytes, lightEcho: light)
                }
                return try json(reply, status: 200, for: request)
            }
        }
        router.post("/v1/enrol") { request, _ -> Response in
            await respond(logger) {
                struct Redeem: Decodable { var code: String; var public_key: String? }
                let body = try unpacked(try await request.body.collect(upTo: 4096), request, limit: 4096)
                guard let redeem = try? JSONDecoder().decode(Redeem.self, from: body) else {
                    throw APIError(400, "malformed", "Send {\"code\": \"XXXX-XXXX-XXXX\", \"public_key\": \"(base64)\"}.")
                }
                var publicKey: Data?
                if let text = redeem.public_key {
                    guard let key = Data(base64Encoded: text), (try? Curve25519.Signing.PublicKey(rawRepresentation: key)) != nil else {
                        throw APIError(400, "malformed", "public_key must be the kiosk's Ed25519 public key: 32 bytes in base64.")
                    }
                    publicKey = key
                }
                do {
                    let code = redeem.code, key = publicKey
                    return try json(try await withDeadline(seconds: databaseDeadline) { try await registry.redeem(code, publicKey: key) },
                                    status: 200)
                } catch let e as KioskRegistryError {
                    throw APIError(403, "enrolment_refused", e.description)
                }
            }
        }
        router.get("/v1/health") { _, _ -> Response in
            await respond(logger) {
                struct Health: Codable { var status: String; var format: Int; var server_seq: Int }
                let seq: Int
                do {
                    seq = try await withDeadline(seconds: 5) {
                        try await store.client.withConnection { try await DistrictStore.lastServerSeq($0, logger: logger) }
                    }
                } catch {
                    throw APIError(503, "unavailable", "The server's database does not answer.")
                }
                return try json(Health(status: "ok", format: SyncFormat.version, server_seq: seq), status: 200)
            }
        }
        return router
    }

    /// The HTTPS application on `port` (all addresses), with the certificate and key of `folder`.
    /// - Throws: NIOSSL's errors when the certificate or key cannot be read.
    /// - Parameter onRunning: called with the port once the server listens (port 0 asks for any free one: tests).
    public static func application(router: Router<BasicRequestContext>, folder: String, host: String = "0.0.0.0", port: Int,
                                   logger: Logger, onRunning: (@Sendable (Int) async -> Void)? = nil) throws
        -> Application<RouterResponder<BasicRequestContext>> {
        let certificates = try NIOSSLCertificate.fromPEMFile("\(folder)/\(ServerCertificate.certificateFile)")
        let key = try NIOSSLPrivateKey(file: "\(folder)/\(ServerCertificate.keyFile)", format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        return Application(router: router, server: try .tls(.http1(), tlsConfiguration: tls),
                           configuration: .init(address: .hostname(host, port: port), serverName: "kinga-server"),
                           onServerRunning: { channel in await onRunning?(channel.localAddress?.port ?? port) }, logger: logger)
    }

    /// The HTTP status of a push refusal.
    static func status(for reason: SyncRefusal.Reason) -> Int {
        switch reason {
        case .malformed, .unsupportedFormat: return 400
        case .oversized: return 413
        case .gap, .outOfOrder, .replayed: return 409
        }
    }

    /// The header carrying a kiosk's request signature (`RequestSignature.header`).
    public static let signatureHeader = HTTPField.Name(RequestSignature.header)!

    /// The kiosk the request names in its `Kinga-Kiosk` header.
    /// - Throws: `APIError` 401 when it names none.
    static func kioskCode(_ request: Request) throws -> KioskCode {
        guard let text = request.headers[kioskHeader], let code = KioskCode(text) else {
            throw APIError(401, "unauthorized", "Name the kiosk in the Kinga-Kiosk header (for example K07).")
        }
        return code
    }

    /// Checks the bearer token of the kiosk `code` and, for a kiosk with a key, the request's signature over
    /// `RequestSignature.message` (the method, the target as sent, the kiosk, the `body` as received).
    /// - Throws: `APIError` 401 (missing, unknown, wrong or revoked: said the same way; a missing or wrong
    ///   signature says so, and what a kiosk made from a backup must do).
    static func authenticate(_ request: Request, code: KioskCode, body: Data, registry: KioskRegistry) async throws -> KioskCode {
        guard let auth = request.headers[.authorization], auth.hasPrefix("Bearer "), auth.utf8.count < 200 else {
            throw APIError(401, "unauthorized", "Send the kiosk's token as Authorization: Bearer ….")
        }
        let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        let message = RequestSignature.message(method: request.method.rawValue, target: target, kiosk: code, body: body)
        do {
            let token = String(auth.dropFirst("Bearer ".count)), signature = request.headers[signatureHeader]
            try await withDeadline(seconds: databaseDeadline) {
                try await registry.authenticate(code: code, token: token, message: message, signature: signature)
            }
        } catch let e as KioskRegistryError {
            throw APIError(401, e == .badSignature(code) ? "bad_signature" : "unauthorized", e.description)
        }
        return code
    }

    /// A query number in `range`, or `default` when absent.
    /// - Throws: `APIError` 400 `malformed`.
    static func number(_ text: String?, default value: Int, in range: ClosedRange<Int>, name: String) throws -> Int {
        guard let text else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw APIError(400, "malformed", "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound).")
        }
        return n
    }

    /// A JSON response; gzipped (`Content-Encoding: gzip`) when `request` says it takes gzip and the JSON is
    /// over 1 KiB (issue #19: a new kiosk's first pull over 64 kbit/s).
    static func json<T: Encodable>(_ value: T, status: Int, for request: Request? = nil) throws -> Response {
        let data = try JSONEncoder().encode(value)
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        var body = ByteBuffer(bytes: data)
        let takesGzip = request?.headers[.acceptEncoding]?.lowercased().split(separator: ",")
            .contains { $0.split(separator: ";").first?.trimmingCharacters(in: .whitespaces) == "gzip" } ?? false
        if takesGzip && data.count > 1024, let packed = try? body.compress(with: .gzip()) {
            body = packed
            headers[.contentEncoding] = "gzip"
        }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: body))
    }

    /// A request body as sent, or unpacked when it came gzipped (`Content-Encoding: gzip`), to at most `limit`
    /// bytes unpacked (a push's `SyncLimits.maxRequestBytes`): a small body that unpacks to gigabytes is refused,
    /// not unpacked.
    /// - Throws: `APIError` 413 `oversized` past the limit; 400 `malformed` for gzip that is not whole, and 415
    ///   for another encoding.
    static func unpacked(_ body: ByteBuffer, _ request: Request, limit: Int = SyncLimits.maxRequestBytes) throws -> Data {
        guard let encoding = request.headers[.contentEncoding]?.trimmingCharacters(in: .whitespaces).lowercased(),
              !encoding.isEmpty, encoding != "identity" else { return Data(body.readableBytesView) }
        guard encoding == "gzip" else { throw APIError(415, "malformed", "A request is sent as JSON, or as gzipped JSON (Content-Encoding: gzip).") }
        var packed = body
        do {
            return Data(try packed.decompress(with: .gzip(), maxSize: limit).readableBytesView)
        } catch let e as CompressNIOError where e == .bufferOverflow {
            throw APIError(413, "oversized", "A request is at most \(limit) bytes once unpacked.")
        } catch {
            throw APIError(400, "malformed", "The request's gzip is damaged or cut short.")
        }
    }

    /// Runs a handler and turns every error into a JSON `APIError`: refusals as said, anything else as a 500
    /// logged with its detail (the client gets none).
    static func respond(_ logger: Logger, _ body: () async throws -> Response) async -> Response {
        let refusal: APIError
        do {
            return try await body()
        } catch let e as APIError {
            refusal = e
        } catch is DatabaseTimeout {
            refusal = APIError(503, "unavailable", "The server's database does not answer. Send the request again later: a push is never applied twice.")
        } catch StoreRefusal.revoked(let code) {
            refusal = APIError(401, "unauthorized", "Kiosk \(code) was revoked.")
        } catch StoreRefusal.unknownKiosk(let code) {
            refusal = APIError(401, "unauthorized", "No kiosk \(code) on this server.")
        } catch {
            logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            refusal = APIError(500, "internal", "The server could not answer. Send the request again later: a push is never applied twice.")
        }
        if refusal.status != 500 { logger.notice("request refused", metadata: ["reason": "\(refusal.reason)", "message": "\(refusal.message)"]) }
        return (try? json(APIError.Body(error: refusal), status: refusal.status)) ?? Response(status: .internalServerError)
    }
}

/// Answers Hummingbird's own errors (an unknown path, a wrong method) with the same JSON body as `APIError`.
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    /// Passes the request on; an `HTTPResponseError` becomes `{"error":{"reason":…,"message":…}}`.
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as any HTTPResponseError {
            let code = Int(e.status.code)
            let reason = code == 404 ? "not_found" : code == 405 ? "method_not_allowed" : code == 413 ? "oversized" : "malformed"
            let body = APIError.Body(error: APIError(code, reason, "\(request.method) \(request.uri.path): \(e.status.reasonPhrase)."))
            return try ServerAPI.json(body, status: code)
        }
    }
}

/// PostgresNIO's client configuration, named for the executable.
public typealias PostgresClientConfiguration = PostgresClient.Configuration
/// PostgresNIO's client, named for the executable.
public typealias PostgresClientType = PostgresClient

/// The running server: PostgreSQL pool, migrations, HTTPS, until SIGTERM or SIGINT.
public enum DistrictServer {
    /// Seconds requests in flight get to finish after SIGTERM or SIGINT.
    public static let gracefulSeconds: Int64 = 10
    /// Seconds what is left gets to end once cancelled; then the server stops regardless (systemd's own limit is 90).
    public static let cancelSeconds: Int64 = 5

    /// Migrates the schema, then serves the API on `host`:`port` over HTTPS with the certificate of `folder`,
    /// until SIGTERM or SIGINT (then it stops gracefully).
    /// - Throws: NIOSSL's errors (certificate), PostgresNIO's (database), NIO's (port taken).
    /// - Parameter onRunning: called with the port once the server listens (see `ServerAPI.application`).
    public static func serve(postgres: PostgresClient.Configuration, folder: String, host: String, port: Int, logger: Logger,
                             onRunning: (@Sendable (Int) async -> Void)? = nil) async throws {
        let client = PostgresClient(configuration: postgres, backgroundLogger: logger)
        let pem = try String(contentsOfFile: "\(folder)/\(ServerCertificate.certificateFile)", encoding: .utf8)
        // The certificate's key also signs audit receipts (issue #19): kiosks check them with the certificate they pinned.
        let key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: "\(folder)/\(ServerCertificate.keyFile)", encoding: .utf8))
        let router = ServerAPI.router(store: DistrictStore(client: client, logger: logger, receiptKey: key),
                                      registry: KioskRegistry(client: client, logger: logger), logger: logger, certificatePEM: pem)
        var app = try ServerAPI.application(router: router, folder: folder, host: host, port: port, logger: logger, onRunning: onRunning)
        app.addServices(client)
        app.beforeServerStarts { _ = try await Migrations.migrate(client, logger: logger) }
        // SIGTERM (systemd's stop) or SIGINT: requests in flight get `gracefulSeconds` to finish, then what is left is
        // cancelled, and after `cancelSeconds` more the server ends regardless. Without a bound it could wait for
        // ever on a request stuck on a PostgreSQL that went away (found by `kinga-reliability --sync`, issue #19);
        // a push cut off this way is never half applied (one transaction) and the kiosk sends it again.
        var group = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(gracefulSeconds)
        group.maximumCancellationDuration = .seconds(cancelSeconds)
        try await ServiceGroup(configuration: group).run()
    }
}
