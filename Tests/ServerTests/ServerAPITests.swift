import Foundation
import CompressNIO
import Hummingbird
import HummingbirdTesting
@testable import KingaServer
import Model
import NIOCore
import XCTest

/// The HTTP layer through Hummingbird's router test framework (no socket): a push and a pull with a kiosk's
/// token, and bad input — malformed, oversized, a forged token, a revoked kiosk, another kiosk's push — each
/// answered with a clear JSON error while the server keeps answering.
final class ServerAPITests: PostgresTestCase {
    struct ErrorBody: Decodable { struct E: Decodable { var reason: String; var message: String }; var error: E }

    func testPushPullAndBadInputThroughHTTP() async throws {
        try await withDatabase { client, _, _ in
            let logger = Self.logger
            let registry = KioskRegistry(client: client, logger: logger)
            let k07 = try await registry.add(name: "Puskesmas Fiksi", code: KioskCode("K07")!, villages: ["Kampung Fiksi"])
            let k08 = try await registry.add(name: "SD Contoh", code: KioskCode("K08")!, villages: [])
            let router = ServerAPI.router(store: DistrictStore(client: client, logger: logger), registry: registry, logger: logger)
            let app = Application(router: router, logger: logger)
            @Sendable func headers(_ kiosk: NewKiosk, token: String? = nil) -> HTTPFields {
                [ServerAPI.kioskHeader: kiosk.code.rawValue, .authorization: "Bearer \(token ?? kiosk.token)", .contentType: "application/json"]
            }
            let push = PushRequest(kioskCode: k07.code, fromSeq: 1, changes: [
                SyncChange(kioskSeq: 1, actor: "amina", body: .patch(FieldPatch(entity: .caseRecord, id: UUID(), baseVersion: 0,
                                                                              fields: ["risk_level": FieldChange(old: .null, new: .string("high"))]))),
            ])
            let body = ByteBuffer(bytes: try JSONEncoder().encode(push))
            try await app.test(.router) { http in
                let ok = try await http.execute(uri: "/v1/push", method: .post, headers: headers(k07), body: body)
                XCTAssertEqual(ok.status, .ok)
                let reply = try JSONDecoder().decode(PushReply.self, from: Data(ok.body.readableBytesView))
                XCTAssertEqual(reply.applied, [1])
                // Resent after a lost reply: acknowledged, not applied again.
                let again = try await http.execute(uri: "/v1/push", method: .post, headers: headers(k07), body: body)
                XCTAssertEqual(try JSONDecoder().decode(PushReply.self, from: Data(again.body.readableBytesView)).duplicates, [1])

                let pulled = try await http.execute(uri: "/v1/pull?after=0", method: .get, headers: headers(k07))
                XCTAssertEqual(pulled.status, .ok)
                let pull = try JSONDecoder().decode(PullReply.self, from: Data(pulled.body.readableBytesView))
                XCTAssertEqual(pull.changes.map(\.serverSeq), [1])
                // K08 has no village and never held the case: outside its catchment.
                let elsewhere = try await http.execute(uri: "/v1/pull?after=0", method: .get, headers: headers(k08))
                let none = try JSONDecoder().decode(PullReply.self, from: Data(elsewhere.body.readableBytesView))
                XCTAssertEqual(none.changes, [])
                XCTAssertEqual(none.serverSeq, 1)

                func refused(_ r: TestResponse, _ status: HTTPResponse.Status, _ reason: String, file: StaticString = #filePath, line: UInt = #line) throws {
                    XCTAssertEqual(r.status, status, file: file, line: line)
                    XCTAssertEqual(r.headers[.contentType], "application/json; charset=utf-8", file: file, line: line)
                    let text = Data(r.body.readableBytesView)
                    if let e = try? JSONDecoder().decode(ErrorBody.self, from: text) {
                        XCTAssertEqual(e.error.reason, reason, file: file, line: line)
                        XCTAssertFalse(e.error.message.isEmpty, file: file, line: line)
                    } else {
                        let reply = try JSONDecoder().decode(PushReply.self, from: text)
                        XCTAssertEqual(reply.refusal?.reason.rawValue, reason, file: file, line: line)
                        XCTAssertEqual(reply.applied, [], file: file, line: line)
                    }
                }
                try refused(try await http.execute(uri: "/v1/push", method: .post, headers: headers(k07), body: ByteBuffer(string: "{\"format\":1,")),
                            .badRequest, "malformed")
                try refused(try await http.execute(uri: "/v1/push", method: .post, headers: headers(k07), body: ByteBuffer(string: "[[[[[[[[[[[[[[[[[[[[[[[[[[")),
                            .badRequest, "malformed")
                // Deep nesting within the size limit: refused, never a stack overflow.
                let deep = ByteBuffer(repeating: UInt8(ascii: "["), count: 1_000_000)
                try refused(try await http.execute(uri: "/v1/push", method: .post, headers: headers(k07), body: deep), .badRequest, "malformed")
                var nested = ByteBuffer(string: "{\"format\":1,\"kiosk_code\":\"K07\",\"from_seq\":1,\"changes\":")
                nested.writeRepeatingByte(UInt8(ascii: "{"), count: 500_000)
                try refused(try await http.execute(uri: "/v1/push", method: .post, headers: headers(k07), body: nested), .badRequest, "malformed")
                let huge = ByteBuffer(repeating: UInt8(ascii: " "), count: SyncLimits.maxRequestBytes + 1)
                try refused(try await http.execute(uri: "/v1/push", method: .post, headers: headers(k07), body: huge), .contentTooLarge, "oversized")
                try refused(try await http.execute(uri: "/v1/push", method: .post, headers: headers(k07, token: k08.token), body: body),
                            .unauthorized, "unauthorized")
                try refused(try await http.execute(uri: "/v1/push", method: .post, headers: [.contentType: "application/json"], body: body),
                            .unauthorized, "unauthorized")
                // K08 sends a push in K07's name with its own valid token.
                try refused(try await http.execute(uri: "/v1/push", method: .post, headers: headers(k08), body: body), .badRequest, "malformed")
                var gap = push
                gap.fromSeq = 5
                gap.changes[0].kioskSeq = 5
                try refused(try await http.execute(uri: "/v1/push", method: .post, headers: headers(k07), body: ByteBuffer(bytes: try JSONEncoder().encode(gap))),
                            .conflict, "gap")
                try refused(try await http.execute(uri: "/v1/pull?after=-1", method: .get, headers: headers(k08)), .badRequest, "malformed")
                try refused(try await http.execute(uri: "/v1/pull?after=0&limit=99999", method: .get, headers: headers(k08)), .badRequest, "malformed")
                let revoked = try await registry.revoke(k08.code)
                XCTAssertTrue(revoked)
                try refused(try await http.execute(uri: "/v1/pull?after=0", method: .get, headers: headers(k08)), .unauthorized, "unauthorized")

                try refused(try await http.execute(uri: "/v2/elsewhere", method: .get), .notFound, "not_found")
                try refused(try await http.execute(uri: "/v1/enrol", method: .post, body: ByteBuffer(string: "{\"code\":\"AAAA-AAAA-AAAA\"}")),
                            .forbidden, "enrolment_refused")
                try refused(try await http.execute(uri: "/v1/enrol", method: .post, body: ByteBuffer(string: "nonsense")), .badRequest, "malformed")
                let enrolled = try await http.execute(uri: "/v1/enrol", method: .post,
                                                      body: ByteBuffer(string: "{\"code\":\"\(k07.enrolmentCode)\"}"))
                XCTAssertEqual(enrolled.status, .ok)
                let enrolment = try JSONDecoder().decode(Enrolment.self, from: Data(enrolled.body.readableBytesView))
                XCTAssertEqual(enrolment.kioskCode, k07.code)
                let withNewToken = try await http.execute(uri: "/v1/pull?after=0", method: .get, headers: headers(k07, token: enrolment.token))
                XCTAssertEqual(withNewToken.status, .ok)
                // Still answering.
                let health = try await http.execute(uri: "/v1/health", method: .get)
                XCTAssertEqual(health.status, .ok)
                XCTAssertTrue(String(buffer: health.body).contains("\"server_seq\":1"))
            }
        }
    }

    /// Issue #19, a day's sync over 64 kbit/s: pushes may come gzipped and answers go gzipped to a kiosk that
    /// takes them; a gzip bomb, damaged gzip and unknown encodings are refused, nothing applied.
    func testGzipBothWaysAndItsBadInput() async throws {
        try await withDatabase { client, _, _ in
            let logger = Self.logger
            let registry = KioskRegistry(client: client, logger: logger)
            let k07 = try await registry.add(name: "Puskesmas Fiksi", code: KioskCode("K07")!, villages: ["Kampung Fiksi"])
            let router = ServerAPI.router(store: DistrictStore(client: client, logger: logger), registry: registry, logger: logger)
            let app = Application(router: router, logger: logger)
            let headers: HTTPFields = [ServerAPI.kioskHeader: "K07", .authorization: "Bearer \(k07.token)", .contentType: "application/json"]
            let gzipped: HTTPFields = {
                var h = headers
                h[.contentEncoding] = "gzip"
                h[.acceptEncoding] = "gzip, deflate"
                return h
            }()
            // Enough changes that the reply and the pull are over 1 KiB.
            let changes = (1...40).map { n in
                SyncChange(kioskSeq: n, actor: "amina", body: .patch(FieldPatch(entity: .caseRecord, id: UUID(), baseVersion: 0,
                                                                               fields: ["risk_level": FieldChange(old: .null, new: .string("high"))])))
            }
            let json = ByteBuffer(bytes: try JSONEncoder().encode(PushRequest(kioskCode: k07.code, fromSeq: 1, changes: changes)))
            var toPack = json
            let packed = try toPack.compress(with: .gzip())
            XCTAssertLessThan(packed.readableBytes, json.readableBytes / 2)
            try await app.test(.router) { http in
                let ok = try await http.execute(uri: "/v1/push", method: .post, headers: gzipped, body: packed)
                XCTAssertEqual(ok.status, .ok)
                // A reply of a few hundred bytes is not worth packing.
                XCTAssertNil(ok.headers[.contentEncoding])
                XCTAssertEqual(try JSONDecoder().decode(PushReply.self, from: Data(ok.body.readableBytesView)).applied, Array(1...40))
                // A pull asked with gzip comes gzipped; without, plain.
                let pulled = try await http.execute(uri: "/v1/pull?after=0", method: .get, headers: gzipped)
                XCTAssertEqual(pulled.headers[.contentEncoding], "gzip")
                var pullBody = pulled.body
                XCTAssertEqual(try JSONDecoder().decode(PullReply.self, from: Data(try pullBody.decompress(with: .gzip()).readableBytesView)).changes.count, 40)
                let plain = try await http.execute(uri: "/v1/pull?after=0", method: .get, headers: headers)
                XCTAssertNil(plain.headers[.contentEncoding])
                XCTAssertEqual(try JSONDecoder().decode(PullReply.self, from: Data(plain.body.readableBytesView)).changes.count, 40)

                func refused(_ body: ByteBuffer, encoding: String, _ status: HTTPResponse.Status, _ reason: String, line: UInt = #line) async throws {
                    var h = headers
                    h[.contentEncoding] = encoding
                    let r = try await http.execute(uri: "/v1/push", method: .post, headers: h, body: body)
                    XCTAssertEqual(r.status, status, line: line)
                    // Refused by the HTTP layer (an error body) or, for gzip cut where a JSON value could end, by the
                    // push's own checks (a reply with its refusal, nothing applied).
                    let text = Data(r.body.readableBytesView)
                    let said = (try? JSONDecoder().decode(ErrorBody.self, from: text))?.error.reason
                        ?? (try? JSONDecoder().decode(PushReply.self, from: text))?.refusal?.reason.rawValue
                    XCTAssertEqual(said, reason, line: line)
                }
                // 64 MiB of spaces gzip to about 64 KiB: refused at the unpacked limit, never unpacked whole.
                var bomb = ByteBuffer(repeating: UInt8(ascii: " "), count: 64 << 20)
                try await refused(try bomb.compress(with: .gzip()), encoding: "gzip", .contentTooLarge, "oversized")
                var cut = packed
                cut.moveWriterIndex(to: packed.readableBytes / 2)
                try await refused(cut, encoding: "gzip", .badRequest, "malformed")
                try await refused(ByteBuffer(string: "not gzip at all"), encoding: "gzip", .badRequest, "malformed")
                try await refused(json, encoding: "br", .unsupportedMediaType, "malformed")
                // Nothing of those was applied: the server still has exactly the 40.
                let after = try await http.execute(uri: "/v1/pull?after=0", method: .get, headers: headers)
                XCTAssertEqual(try JSONDecoder().decode(PullReply.self, from: Data(after.body.readableBytesView)).serverSeq, 40)
            }
        }
    }

    func testCertificateIsMadeOnceWithPrivateFilesAndLoads() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kinga-cert-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let made = try ServerCertificate.make(in: folder, names: ["district.example"])
        XCTAssertEqual(made.fingerprint.count, 95)
        XCTAssertEqual(try ServerCertificate.fingerprint(in: folder), made.fingerprint)
        for path in [made.certificatePath, made.keyPath] {
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            XCTAssertEqual(mode, 0o600, path)
        }
        XCTAssertThrowsError(try ServerCertificate.make(in: folder)) { XCTAssertTrue($0 is ServerCertificate.Exists) }
        // NIOSSL reads the pair (what `serve` does at start).
        let router = Router(context: BasicRequestContext.self)
        XCTAssertNoThrow(try ServerAPI.application(router: router, folder: folder, port: 0, logger: Self.logger))
    }

    func testMissingPostgreSQLSaysWhatToInstall() {
        XCTAssertThrowsError(try TestPostgres.start(initdb: "/nonexistent/initdb")) {
            XCTAssertTrue("\($0)".contains("apt-get install -y postgresql"), "\($0)")
        }
    }

    func testPostgresURLs() throws {
        let socket = try PostgresURL.configuration("postgres://kinga@/district?host=/run/pg")
        XCTAssertEqual(socket.unixSocketPath, "/run/pg/.s.PGSQL.5432")
        XCTAssertEqual(socket.username, "kinga")
        XCTAssertEqual(socket.database, "district")
        let tcp = try PostgresURL.configuration("postgresql://kinga:s%40cret@127.0.0.1:5433/district")
        XCTAssertEqual(tcp.host, "127.0.0.1")
        XCTAssertEqual(tcp.port, 5433)
        XCTAssertEqual(tcp.password, "s@cret")
        XCTAssertThrowsError(try PostgresURL.configuration("mysql://x@y/z"))
        XCTAssertThrowsError(try PostgresURL.configuration("postgres://x@127.0.0.1/"))
    }
}
