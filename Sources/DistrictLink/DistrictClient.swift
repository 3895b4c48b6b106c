import AsyncHTTPClient
import CompressNIO
import Crypto
import Foundation
import Model
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import X509

/// What a kiosk keeps once it has joined a district (issue #18): where the server is, the certificate it pinned,
/// and what the server gave it.
public struct DistrictJoin: Sendable, Equatable {
    /// The server's address, `https://HOST:PORT` (no path).
    public var serverURL: String
    /// The server's certificate (PEM), the only one this kiosk trusts for it from now on.
    public var certificatePEM: String
    /// Its SHA-256 fingerprint, `AB:CD:…` (32 bytes, as `kinga-server init` prints it).
    public var fingerprint: String
    /// The kiosk code, name, villages and bearer token the server gave.
    public var enrolment: Enrolment
}

/// Why joining a district did not work, in words for the person at the kiosk.
public enum DistrictLinkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not an `https://` address.
    case badAddress(String)
    /// No answer (no network, wrong address or port, server stopped); the reason from the network library.
    case unreachable(String)
    /// The certificate the server shows is not the one the district office gave.
    case fingerprintMismatch(expected: String, found: String)
    /// The fingerprint typed is not 32 bytes of hexadecimal.
    case badFingerprint
    /// The server refused (an enrolment code used, expired or unknown; a revoked kiosk); its words.
    case refused(String)
    /// The server answered something Kinga does not understand.
    case notKingaServer
    /// The server showed a certificate other than the one pinned when the kiosk joined: refused, never accepted.
    case certificateChanged

    public var description: String {
        switch self {
        case .badAddress(let a): return "\(a) is not a district server address. It looks like https://district.example:8443."
        case .unreachable(let why): return "The district server does not answer (\(why)). Check the network and the address, then try again. Nothing was changed."
        case .fingerprintMismatch(let expected, let found):
            return "The server's certificate is not the one the district office gave (expected \(expected), found \(found)). Someone may be in between: nothing was sent and nothing was changed. Ask the district office."
        case .badFingerprint: return "The fingerprint should be 64 hexadecimal digits (pairs like AB:CD:…), as kinga-server init printed it."
        case .refused(let why): return "The district server refused: \(why)"
        case .notKingaServer: return "The server answered, but not as a Kinga district server does. Check the address. Nothing was changed."
        case .certificateChanged:
            return "The district server showed a certificate that is not the one this kiosk trusted when it joined. Nothing was sent and nothing was changed: someone may be pretending to be the server, or it was set up again. Ask the district office."
        }
    }
}

/// The kiosk's end of the district link (issue #18), over HTTPS with AsyncHTTPClient. It pins the server's
/// certificate: the district office gives its SHA-256 fingerprint with the enrolment code; the kiosk reads the
/// certificate once over a connection it does not trust yet (`GET /v1/certificate`), keeps it only when the
/// fingerprint matches, and from then on trusts that certificate and nothing else (`trustRoots` = it alone, so a
/// server showing any other certificate, or a man in the middle relaying this one without its key, is refused).
public enum DistrictClient {
    /// How long a request may take before the kiosk gives up (seconds): a slow rural link, not a stalled one.
    public static let timeoutSeconds: Int64 = 30

    /// The SHA-256 fingerprint of a PEM certificate, `AB:CD:…` (the same form `kinga-server init` prints).
    /// - Throws: X509's errors when `pem` is not a certificate.
    public static func fingerprint(pem: String) throws -> String {
        fingerprint(der: try Certificate(pemEncoded: pem).serializeAsPEM().derBytes)
    }

    /// The SHA-256 fingerprint of DER bytes, `AB:CD:…`.
    static func fingerprint(der: [UInt8]) -> String {
        SHA256.hash(data: der).map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    /// The one certificate in what the server sent, parsed and written out again as PEM by Kinga: the server's own
    /// text is never trusted or kept, because two PEM readers can disagree about it (a second block one of them
    /// skips could otherwise slip an attacker's certificate into the trust roots next to the right one).
    /// - Returns: the certificate as Kinga's own PEM, and its fingerprint.
    /// - Throws: `DistrictLinkError.notKingaServer` when it is not exactly one certificate.
    static func canonical(_ text: String) throws -> (pem: String, fingerprint: String) {
        guard text.components(separatedBy: "-----BEGIN").count == 2,
              let document = try? Certificate(pemEncoded: text).serializeAsPEM() else { throw DistrictLinkError.notKingaServer }
        return (document.pemString + "\n", fingerprint(der: document.derBytes))
    }

    /// `text` as 64 uppercase hexadecimal digits (colons, spaces and case ignored), or nil.
    static func normalised(_ text: String) -> String? {
        let hex = text.uppercased().filter { $0.isHexDigit }
        guard hex.count == 64, text.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == " " }) else { return nil }
        return hex
    }

    /// Joins the district: checks the server's certificate against `fingerprint`, then redeems the single-use
    /// enrolment `code` (`POST /v1/enrol`) over the pinned connection.
    /// - Parameters: `url` the server (`https://HOST:PORT`); `code` from `kinga-server kiosk add`; `fingerprint`
    ///   from `kinga-server init` (or its log); `publicKey` the kiosk's Ed25519 public key (32 bytes), which the
    ///   server keeps: from then on it accepts only this kiosk's signed requests (`RequestSignature`).
    /// - Returns: what to keep (`DistrictJoin`).
    /// - Throws: `DistrictLinkError`.
    public static func enrol(url: String, code: String, fingerprint: String, publicKey: Data? = nil) async throws -> DistrictJoin {
        guard let expected = normalised(fingerprint) else { throw DistrictLinkError.badFingerprint }
        let base = try serverBase(url)
        // 1. The certificate, over a connection not yet trusted: only its fingerprint counts.
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        let pemBytes = try await request(base + "/v1/certificate", tls: unverified, limit: 64 * 1024)
        guard pemBytes.status == 200, let text = String(data: pemBytes.body, encoding: .utf8) else { throw DistrictLinkError.notKingaServer }
        let (pem, found) = try canonical(text)
        guard normalised(found) == expected else { throw DistrictLinkError.fingerprintMismatch(expected: pretty(expected), found: found) }
        // 2. The enrolment, trusting that certificate alone.
        var fields = ["code": code.trimmingCharacters(in: .whitespacesAndNewlines)]
        if let publicKey { fields["public_key"] = publicKey.base64EncodedString() }
        let body = try JSONEncoder().encode(fields)
        let answer = try await request(base + "/v1/enrol", tls: try pinned(pem), method: .POST, body: body)
        guard answer.status == 200 else { throw refusal(answer) }
        guard let enrolment = try? JSONDecoder().decode(Enrolment.self, from: answer.body) else { throw DistrictLinkError.notKingaServer }
        return DistrictJoin(serverURL: base, certificatePEM: pem, fingerprint: found, enrolment: enrolment)
    }

    /// Sends a push (`POST /v1/push`) over the pinned connection, naming the kiosk (`Kinga-Kiosk`) and carrying its
    /// bearer token. A push the server refuses comes back as a `PushReply` with its `refusal` (nothing of it was
    /// applied; `accepted_through` says what the server has), not as an error: the caller records it either way.
    /// - Parameters: `push` from `KingaStore.preparePush`; `serverURL`, `certificatePEM` and `token` as kept at
    ///   enrolment; `sign` the kiosk's own key (`KioskIdentity.sign`; nil only for a kiosk enrolled before kiosks had one);
    ///   `connection` the sync's kept-open connection (nil: a connection of its own, closed afterwards).
    /// - Returns: the server's reply.
    /// - Throws: `DistrictLinkError.unreachable` (no whole answer within `timeoutSeconds`: nothing is lost, the same
    ///   push goes again next time), `.refused` (the kiosk was revoked or its token is wrong), `.notKingaServer`.
    public static func push(_ push: PushRequest, serverURL: String, certificatePEM: String, token: String,
                            sign: Signer? = nil, over connection: DistrictConnection? = nil) async throws -> PushReply {
        let push = signedHead(push, sign: sign)
        let body = try JSONEncoder().encode(push)
        let answer = try await request(try serverBase(serverURL) + "/v1/push", tls: try pinned(certificatePEM), method: .POST, body: body,
                                       headers: headers(kiosk: push.kioskCode, token: token, sign: sign, method: "POST", target: "/v1/push", body: body),
                                       over: connection)
        if var reply = try? JSONDecoder().decode(PushReply.self, from: answer.body) {
            // A receipt is kept only when it is for this push's head and signed with the pinned certificate's key.
            if let r = reply.receipt, !(receiptHolds(r, certificatePEM: certificatePEM) && r.kiosk == push.kioskCode
                                        && r.seq == push.auditHead?.seq && r.mac == push.auditHead?.mac) {
                reply.receipt = nil
            }
            return reply
        }
        throw answer.status == 200 ? DistrictLinkError.notKingaServer : refusal(answer)
    }

    /// `push` with its audit chain head signed by the kiosk's key (issue #19): the last audit row it carries, signed
    /// over `AuditHead.message`. Unchanged without a key, without an audit row, or when it has a head already.
    public static func signedHead(_ push: PushRequest, sign: Signer?) -> PushRequest {
        guard let sign, push.auditHead == nil, let last = AuditHead.last(in: push.changes) else { return push }
        var signed = push
        signed.auditHead = AuditHead(seq: last.seq, mac: last.mac,
                                     signature: sign(AuditHead.message(kiosk: push.kioskCode, seq: last.seq, mac: last.mac)).base64EncodedString())
        return signed
    }

    /// Whether `receipt` is signed with the key of the certificate `certificatePEM` (the one the kiosk pinned):
    /// ECDSA P-256 over `AuditReceipt.message`.
    public static func receiptHolds(_ receipt: AuditReceipt, certificatePEM: String) -> Bool {
        guard let certificate = try? Certificate(pemEncoded: certificatePEM), let key = P256.Signing.PublicKey(certificate.publicKey),
              let der = Data(base64Encoded: receipt.signature), let signature = try? P256.Signing.ECDSASignature(derRepresentation: der) else {
            return false
        }
        return key.isValidSignature(signature, for: receipt.signedMessage)
    }

    /// Asks the district server for the changes after `request.after` (`GET /v1/pull`), over the pinned
    /// certificate with the kiosk's bearer token. Nothing is applied here: the caller checks and applies the reply
    /// (`KingaStore.takePull`).
    /// - Parameters: the request (`KingaStore.preparePull`), where the server is and its pinned certificate, the
    ///   kiosk's token, its own key (`sign`, as for `push`), and the sync's kept-open connection (`connection`).
    /// - Returns: the server's reply (at most about `SyncLimits.maxRequestBytes`; read up to twice that).
    /// - Throws: `DistrictLinkError.unreachable` (no whole answer in time: nothing changed, ask again), `.refused`
    ///   (revoked kiosk, wrong token), `.notKingaServer`.
    public static func pull(_ pull: PullRequest, serverURL: String, certificatePEM: String, token: String,
                            sign: Signer? = nil, over connection: DistrictConnection? = nil) async throws -> PullReply {
        let target = "/v1/pull?after=\(pull.after)&limit=\(pull.limit)" + (pull.maxBytes.map { "&max_bytes=\($0)" } ?? "")
            + (pull.lightEcho == true ? "&echo=light" : "")
        let answer = try await request(try serverBase(serverURL) + target, tls: try pinned(certificatePEM),
                                       headers: headers(kiosk: pull.kioskCode, token: token, sign: sign, method: "GET", target: target, body: Data()),
                                       limit: 2 * SyncLimits.maxRequestBytes, over: connection)
        if answer.status == 200, let reply = try? JSONDecoder().decode(PullReply.self, from: answer.body) { return reply }
        throw answer.status == 200 ? DistrictLinkError.notKingaServer : refusal(answer)
    }

    /// Signs a request's message (`RequestSignature.message`) with the kiosk's own key: 64 bytes of Ed25519.
    public typealias Signer = @Sendable (Data) -> Data

    /// The headers of a push or pull: the kiosk's code, its bearer token and, when it has its own key, the
    /// signature of the request (`RequestSignature`).
    static func headers(kiosk: KioskCode, token: String, sign: Signer?, method: String, target: String, body: Data) -> [(String, String)] {
        var h = [("Kinga-Kiosk", kiosk.rawValue), ("Authorization", "Bearer " + token)]
        if let sign {
            h.append((RequestSignature.header, sign(RequestSignature.message(method: method, target: target, kiosk: kiosk, body: body)).base64EncodedString()))
        }
        return h
    }

    /// TLS that trusts `pem` and nothing else (no host-name check: the certificate itself is what is pinned).
    /// - Throws: NIOSSL's errors when `pem` is not a certificate.
    /// - Throws: `DistrictLinkError.notKingaServer` unless `pem` is exactly one certificate; NIOSSL's errors.
    public static func pinned(_ pem: String) throws -> TLSConfiguration {
        let certificates = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
        guard certificates.count == 1 else { throw DistrictLinkError.notKingaServer }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(certificates)
        tls.certificateVerification = .noHostnameVerification
        tls.minimumTLSVersion = .tlsv12
        return tls
    }

    /// `https://host:port` from what was typed (a trailing slash or path is dropped).
    static func serverBase(_ url: String) throws -> String {
        let trimmed = url.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let u = URL(string: trimmed), u.scheme?.lowercased() == "https", let host = u.host, !host.isEmpty else {
            throw DistrictLinkError.badAddress(trimmed)
        }
        return "https://\(host)" + (u.port.map { ":\($0)" } ?? "")
    }

    static func pretty(_ hex: String) -> String {
        stride(from: 0, to: hex.count, by: 2).map { i in
            String(hex[hex.index(hex.startIndex, offsetBy: i)..<hex.index(hex.startIndex, offsetBy: i + 2)])
        }.joined(separator: ":")
    }

    /// The server's words from an error answer (`{"error":{"reason":…,"message":…}}`).
    static func refusal(_ answer: (status: Int, body: Data)) -> DistrictLinkError {
        struct Body: Decodable { struct E: Decodable { var message: String }; var error: E }
        guard let b = try? JSONDecoder().decode(Body.self, from: answer.body) else { return .notKingaServer }
        return .refused(b.error.message)
    }

    /// The client settings of the link: 10 seconds to connect (TLS included), `timeoutSeconds` for each read, and
    /// gzipped answers unpacked (the server packs what it sends when asked) to at most `limit` bytes.
    static func configuration(_ tls: TLSConfiguration, limit: Int) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(timeoutSeconds))
        configuration.decompression = .enabled(limit: .size(limit))
        return configuration
    }

    /// `data` gzipped (RFC 1952, zlib's default level): a push's JSON shrinks to about a fifth, which is what a
    /// 64 kbit/s link needs (issue #19). The signature is always of the JSON itself, not of these bytes.
    /// - Throws: CompressNIO's errors (zlib out of memory).
    static func gzip(_ data: Data) throws -> ByteBuffer {
        var raw = ByteBuffer(data: data)
        return try raw.compress(with: .gzip())
    }

    /// One request on a client of its own, shut down afterwards, answered whole within `timeoutSeconds` (headers
    /// and body: a server sending one byte at a time cannot hold the kiosk), with at most `limit` bytes (once
    /// unpacked). A body goes gzipped (`Content-Encoding: gzip`), and a gzipped answer is unpacked.
    /// - Throws: `DistrictLinkError.unreachable` (no answer, too slow, TLS refused).
    static func request(_ url: String, tls: TLSConfiguration, method: HTTPMethod = .GET, body: Data? = nil,
                        headers: [(String, String)] = [], limit: Int = 1 << 20,
                        over connection: DistrictConnection? = nil) async throws -> (status: Int, body: Data) {
        let client = connection?.client ?? HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration(tls, limit: limit))
        defer { if connection == nil { client.shutdown { _ in } } }
        do {
            return try await withThrowingTaskGroup(of: (status: Int, body: Data).self) { group in
                group.addTask {
                    var request = HTTPClientRequest(url: url)
                    request.method = method
                    for (name, value) in headers { request.headers.add(name: name, value: value) }
                    request.headers.add(name: "Accept-Encoding", value: "gzip")
                    if let body {
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.headers.add(name: "Content-Encoding", value: "gzip")
                        request.body = .bytes(try gzip(body))
                    }
                    let response = try await client.execute(request, timeout: .seconds(timeoutSeconds))
                    let bytes = try await response.body.collect(upTo: limit)
                    return (Int(response.status.code), Data(buffer: bytes))
                }
                group.addTask {
                    try await Task.sleep(nanoseconds: UInt64(timeoutSeconds) * 1_000_000_000)
                    throw DistrictLinkError.unreachable("no whole answer within \(timeoutSeconds) seconds")
                }
                let first = try await group.next()!
                group.cancelAll()
                return first
            }
        } catch let e as DistrictLinkError {
            throw e
        } catch {
            // BoringSSL's words when the certificate shown is not the pinned one.
            let why = String(reflecting: error)
            if why.contains("CERTIFICATE_VERIFY_FAILED") || why.contains("certificate verify failed") { throw DistrictLinkError.certificateChanged }
            throw DistrictLinkError.unreachable(String(describing: error))
        }
    }
}

/// One connection to the district server kept open for the requests of one sync (issue #19): a day's sync is a
/// push or two and a pull or two, and over a 64 kbit/s link each new TLS connection costs its handshake (the
/// server's certificate alone is about a kilobyte) and a few round trips. Trusts the pinned certificate alone,
/// as every request does. Close it with `close()` once the sync is over (also when it failed).
public final class DistrictConnection: Sendable {
    let client: HTTPClient

    /// Opens nothing yet: the connection is made by the first request and kept for the next ones.
    /// - Throws: NIOSSL's errors or `DistrictLinkError.notKingaServer` when `certificatePEM` is not one certificate.
    public init(certificatePEM: String) throws {
        client = HTTPClient(eventLoopGroupProvider: .singleton,
                            configuration: DistrictClient.configuration(try DistrictClient.pinned(certificatePEM), limit: 2 * SyncLimits.maxRequestBytes))
    }

    /// Closes the connection and lets its client go. Call it once.
    public func close() async {
        try? await client.shutdown()
    }
}
