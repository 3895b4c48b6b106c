import Foundation
@testable import DistrictLink
import Harness
import Hummingbird
import HummingbirdTesting
@testable import KingaServer
import Model
import NIOCore
import SyntheticData
import XCTest

/// Issue #19, "Hostile input at the server": a seeded fuzzing run of the push and pull endpoints through
/// Hummingbird's router (no socket), and slow clients holding connections to the real server. Whatever arrives,
/// the server answers with a JSON refusal or applies a push whole — never a 5xx, never part of a push — and
/// still answers afterwards.
final class ServerFuzzTests: PostgresTestCase {
    /// How many mutated requests one run sends (about 20 seconds; the seed makes a failure repeatable).
    static let rounds = 500
    static let seed: UInt64 = 20261207

    /// A valid push of `count` field patches from K07: cases, a referral, a provider; strings, numbers, lists,
    /// booleans and nulls.
    static func validPush(from: Int, count: Int) throws -> Data {
        let changes = (0..<count).map { i -> SyncChange in
            let fields: [String: FieldChange]
            switch i % 3 {
            case 0: fields = ["risk_level": FieldChange(old: .null, new: .string("high")), "urgent": FieldChange(old: .bool(false), new: .bool(true))]
            case 1: fields = ["concerns": FieldChange(old: .null, new: .list([.string("neglect"), .string("child_labour")])),
                              "village": FieldChange(old: .null, new: .string("Kampung Fiksi"))]
            default: fields = ["age_years": FieldChange(old: .null, new: .int(9)), "caregiver": FieldChange(old: .null, new: .string("Nenek Fiktif"))]
            }
            return SyncChange(kioskSeq: from + i, actor: "amina", body: .patch(FieldPatch(entity: i % 5 == 4 ? .referral : .caseRecord, id: UUID(),
                                                                                              baseVersion: 0, fields: fields)))
        }
        return try JSONEncoder().encode(PushRequest(kioskCode: KioskCode("K07")!, fromSeq: from, changes: changes))
    }

    /// One mutation of `json`, chosen by `rng`, and its name for a failure message.
    static func mutate(_ json: Data, _ rng: inout SyntheticArchive.Random) -> (Data, String) {
        var b = [UInt8](json)
        let tokens = ["{", "}", "[", "]", "\"", ",", ":", "null", "true", "1e999", "-0", "99999999999999999999", "\\u0000", "\\ud800",
                      "\"\\\"", "NaN", "[[[[[[[[", "{\"a\":{\"b\":", "\u{202E}", "\u{FEFF}"]
        switch rng.below(9) {
        case 0:
            let i = rng.below(b.count)
            b[i] = UInt8(truncatingIfNeeded: rng.next())
            return (Data(b), "byte \(i) changed")
        case 1:
            let i = rng.below(b.count), n = min(b.count - i, 1 + rng.below(40))
            b.removeSubrange(i..<(i + n))
            return (Data(b), "\(n) bytes removed at \(i)")
        case 2:
            let i = rng.below(b.count)
            let t = rng.pick(tokens)
            b.insert(contentsOf: Array(t.utf8), at: i)
            return (Data(b), "\(t) inserted at \(i)")
        case 3:
            let n = rng.below(b.count)
            return (Data(b.prefix(n)), "cut at \(n)")
        case 4:
            let depth = 1 + rng.below(100_000)
            return (Data(String(repeating: "{\"changes\":[", count: depth).utf8) + json, "nested \(depth) deep")
        case 5:
            // A value of the wrong type under a key the server reads.
            var text = String(decoding: json, as: UTF8.self)
            let swaps = [("\"from_seq\":", "\"from_seq\":\"one\","), ("\"kiosk_code\":\"K07\"", "\"kiosk_code\":7"),
                         ("\"format\":1", "\"format\":\"1\""), ("\"changes\":[", "\"changes\":{\"x\":["), ("\"kiosk_seq\":", "\"kiosk_seq\":-"),
                         ("\"base_version\":0", "\"base_version\":1.5"), ("\"entity\":\"case\"", "\"entity\":\"app_user\""),
                         ("\"new\":\"high\"", "\"new\":{\"nested\":[[1]]}")]
            let (from, to) = rng.pick(swaps)
            if let r = text.range(of: from) { text.replaceSubrange(r, with: to) }
            return (Data(text.utf8), "\(from) → \(to)")
        case 6:
            // A huge string inside a value, just under and just over the request limit.
            var text = String(decoding: json, as: UTF8.self)
            let size = rng.chance(0.5) ? SyncLimits.maxRequestBytes - json.count - 64 : SyncLimits.maxRequestBytes + 16
            if let r = text.range(of: "Nenek Fiktif") { text.replaceSubrange(r, with: String(repeating: "x", count: max(0, size))) }
            return (Data(text.utf8), "a string of \(size) bytes")
        case 7:
            return (Data((0..<(1 + rng.below(4096))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }), "random bytes")
        default:
            return (Data("[]".utf8), "an empty list")
        }
    }

    func testMutatedPushesAreRefusedOrAppliedWholeAndTheServerKeepsAnswering() async throws {
        try await withDatabase { client, _, _ in
            let logger = Self.logger
            let registry = KioskRegistry(client: client, logger: logger)
            let k07 = try await registry.add(name: "Puskesmas Fiksi", code: KioskCode("K07")!, villages: ["Kampung Fiksi"])
            let store = DistrictStore(client: client, logger: logger)
            let app = Application(router: ServerAPI.router(store: store, registry: registry, logger: logger), logger: logger)
            let headers: HTTPFields = [ServerAPI.kioskHeader: "K07", .authorization: "Bearer \(k07.token)", .contentType: "application/json"]
            try await app.test(.router) { http in
                var rng = SyntheticArchive.Random(seed: Self.seed)
                var next = 1                     // the kiosk number the server expects next
                var (refused, applied, statuses) = (0, 0, [Int: Int]())
                func serverSeq() async throws -> Int {
                    let r = try await http.execute(uri: "/v1/pull?after=0&limit=1", method: .get, headers: headers)
                    return try JSONDecoder().decode(PullReply.self, from: Data(r.body.readableBytesView)).serverSeq
                }
                var seq = try await serverSeq()
                for round in 0..<Self.rounds {
                    let valid = try Self.validPush(from: next, count: 1 + rng.below(8))
                    let (body, what) = Self.mutate(valid, &rng)
                    let r = try await http.execute(uri: "/v1/push", method: .post, headers: headers, body: ByteBuffer(bytes: body))
                    let code = Int(r.status.code)
                    statuses[code, default: 0] += 1
                    XCTAssertTrue((200..<500).contains(code), "round \(round), \(what): status \(code)")
                    XCTAssertEqual(r.headers[.contentType], "application/json; charset=utf-8", "round \(round), \(what)")
                    let now = try await serverSeq()
                    let reply = try? JSONDecoder().decode(PushReply.self, from: Data(r.body.readableBytesView))
                    if code == 200, let reply, reply.refusal == nil {
                        // Applied whole: the server's log grew by exactly what the reply says it applied.
                        XCTAssertEqual(now - seq, reply.applied.count, "round \(round), \(what): part of a push applied")
                        next = reply.acceptedThrough + 1
                        applied += 1
                    } else {
                        XCTAssertEqual(now, seq, "round \(round), \(what): a refused push changed the server")
                        refused += 1
                    }
                    seq = now
                    // A pull with hostile parameters is refused too, never a 5xx.
                    if round % 50 == 0 {
                        let q = rng.pick(["after=-1", "after=abc", "limit=0", "limit=99999999999999999999", "max_bytes=-5", "after=1e3", "after=%00"])
                        let p = try await http.execute(uri: "/v1/pull?\(q)", method: .get, headers: headers)
                        XCTAssertEqual(p.status, .badRequest, q)
                    }
                }
                // Still answering, and a valid push still applies.
                let health = try await http.execute(uri: "/v1/health", method: .get)
                XCTAssertEqual(health.status, .ok)
                let good = try await http.execute(uri: "/v1/push", method: .post, headers: headers,
                                                  body: ByteBuffer(bytes: try Self.validPush(from: next, count: 3)))
                XCTAssertEqual(good.status, .ok)
                print("fuzz: \(Self.rounds) mutated pushes, \(refused) refused, \(applied) applied whole; statuses \(statuses.sorted { $0.key < $1.key })")
                XCTAssertGreaterThan(refused, Self.rounds / 2, "most mutations must be refused, or the fuzzing is not reaching the checks")
                XCTAssertGreaterThan(applied, 0, "some mutations keep a push valid: the run must see those applied whole too")
            }
        }
    }

    /// Slow clients: connections that send a few bytes and then hold on. The server keeps answering others.
    func testSlowClientsHoldingConnectionsDoNotStopTheServer() async throws {
        try await withServer { url, made, _, _, _ in
            let port = try XCTUnwrap(url.split(separator: ":").last.flatMap { Int($0) })
            var held: [Int32] = []
            defer { for fd in held { close(fd) } }
            for i in 0..<200 {
                let fd = try connectLoopback(port: port)
                held.append(fd)
                // The start of a TLS record, or of a plain HTTP request, then nothing more.
                let start: [UInt8] = i % 2 == 0 ? [0x16, 0x03, 0x01, 0x02] : Array("POST /v1/push HTTP/1.1\r\nContent-Length: 100000\r\n".utf8)
                _ = start.withUnsafeBytes { send(fd, $0.baseAddress, start.count, Int32(MSG_NOSIGNAL)) }
            }
            let pem = try String(contentsOfFile: made.certificatePath, encoding: .utf8)
            let health = try await DistrictClient.request(url + "/v1/health", tls: try DistrictClient.pinned(pem))
            XCTAssertEqual(health.status, 200, String(decoding: health.body, as: UTF8.self))
        }
    }
}
