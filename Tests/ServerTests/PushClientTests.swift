import Foundation
@testable import DistrictLink
@testable import KingaServer
import Model
@testable import Storage
import Vault
import XCTest

/// Issue #18, the kiosk's push against a real server over real TLS and a real PostgreSQL: every change made after
/// joining reaches the server numbered without a gap; a push resent after a lost reply is acknowledged without
/// being applied twice; a wrong token is refused; and `kinga sync` does the same from the command line.
final class PushClientTests: PostgresTestCase {
    func testPushSendsEveryChangeOnceAndAResendIsAcknowledged() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kinga-push-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await withServer { url, made, _, added, _ in
            let store = try await self.joinedKiosk(folder + "/kinga.sqlite", url: url, made: made, code: added.enrolmentCode)
            let link = try XCTUnwrap(try store.districtLink())
            let token = try store.districtToken()
            let sign = try self.signer(store)
            // What was recorded before joining waits to go first: the user, and the audit chain from its first row.
            let initial = try XCTUnwrap(try store.preparePush())
            XCTAssertTrue(initial.changes.contains { if case .patch(let p) = $0.body { return p.entity == .user } else { return false } })
            XCTAssertTrue(initial.changes.contains {
                if case .record(let r) = $0.body { return r.kind == .auditRow && r.payload["seq"] == .int(1) } else { return false }
            })
            let c = try store.registerCase(from: self.report("Amani Fiktif"), draftID: UUID())
            try store.addNote(caseID: c.id, text: "Visited the family.")
            let push = try XCTUnwrap(try store.preparePush())
            XCTAssertEqual(push.fromSeq, 1)
            XCTAssertEqual(push.changes.map(\.kioskSeq), Array(1...push.changes.count))   // no gap
            XCTAssertTrue(push.changes.allSatisfy { $0.actor == "Admin Fiktif" || $0.actor == "district link" })
            XCTAssertTrue(push.changes.contains {
                if case .patch(let p) = $0.body { return p.entity == .caseRecord && p.id == c.id }
                return false
            })
            // Prepared twice before sending: the same numbers and the same changes.
            XCTAssertEqual(try store.preparePush(), push)
            let reply = try await DistrictClient.push(push, serverURL: link.serverURL, certificatePEM: link.certificatePEM, token: token, sign: sign)
            XCTAssertNil(reply.refusal)
            XCTAssertEqual(reply.applied, push.changes.map(\.kioskSeq))
            XCTAssertEqual(try store.takePushReply(reply), .acknowledged(applied: push.changes.count, duplicates: 0))
            XCTAssertEqual(try store.syncStanding().waiting, 0)
            // What is left is the district link's own audit row for this push: it goes with the next one.
            let own = try XCTUnwrap(try store.preparePush())
            XCTAssertEqual(own.changes.map(\.actor), ["district link"])
            // The reply was lost (say): the same push again is acknowledged, nothing applied twice.
            let again = try await DistrictClient.push(push, serverURL: link.serverURL, certificatePEM: link.certificatePEM, token: token, sign: sign)
            XCTAssertEqual(again.applied, [])
            XCTAssertEqual(again.duplicates, push.changes.map(\.kioskSeq))
            XCTAssertEqual(again.serverSeq, reply.serverSeq)
            // The next change carries the next number.
            try store.addNote(caseID: c.id, text: "Called the school.")
            let next = try XCTUnwrap(try store.preparePush())
            XCTAssertEqual(next.fromSeq, push.changes.count + 1)
            // The server has the case: its pull for this kiosk carries it.
            let pulled = try await DistrictClient.request(url + "/v1/pull?after=0", tls: try DistrictClient.pinned(link.certificatePEM),
                                                          headers: DistrictClient.headers(kiosk: KioskCode("K07")!, token: token, sign: sign, method: "GET",
                                                                                          target: "/v1/pull?after=0", body: Data()))
            XCTAssertEqual(pulled.status, 200)
            let changes = try JSONDecoder().decode(PullReply.self, from: pulled.body).changes
            XCTAssertTrue(changes.contains { $0.patch?.id == c.id && $0.kiosk == KioskCode("K07") })
            // A wrong token is refused, and nothing is marked sent.
            do {
                _ = try await DistrictClient.push(next, serverURL: link.serverURL, certificatePEM: link.certificatePEM, token: "not-the-token", sign: sign)
                XCTFail("a push with a wrong token was accepted")
            } catch DistrictLinkError.refused {}
            // The right token without the kiosk's signature, or signed by another key, is refused too: the token alone
            // no longer speaks for the kiosk (a copy of it off a backup cannot push).
            let stranger = try KioskIdentity.generate()
            for (sign, what) in [(nil, "unsigned"), ({ stranger.sign($0) } as DistrictClient.Signer?, "signed by another key")] {
                do {
                    _ = try await DistrictClient.push(next, serverURL: link.serverURL, certificatePEM: link.certificatePEM, token: token, sign: sign)
                    XCTFail("a push \(what) was accepted")
                } catch DistrictLinkError.refused(let why) {
                    XCTAssertTrue(why.contains("signs its requests"), why)
                }
            }
            // A signature over other bytes (a body changed on the way) is refused.
            let tampered = try await DistrictClient.request(url + "/v1/push", tls: try DistrictClient.pinned(link.certificatePEM), method: .POST,
                                                            body: try JSONEncoder().encode(next),
                                                            headers: DistrictClient.headers(kiosk: KioskCode("K07")!, token: token, sign: sign, method: "POST",
                                                                                            target: "/v1/push", body: Data("{}".utf8)))
            XCTAssertEqual(tampered.status, 401)
            XCTAssertEqual(try store.syncStanding().waiting, next.changes.filter { $0.actor != "district link" }.count)
            // Nobody logged in: nothing is prepared or read.
            XCTAssertThrowsError(try store.withoutSession.preparePush())
            XCTAssertThrowsError(try store.withoutSession.districtToken())
        }
    }

    /// The real `kinga` binary: `kinga sync` sends what waits and says that nothing is left; with the server gone it
    /// says that the changes wait on the kiosk, and they do.
    func testKingaSyncCommand() async throws {
        let kinga = try kingaBinary()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kinga-sync-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let db = folder + "/kinga.sqlite"
        let sync = "'\(kinga)' sync --db '\(db)' --user 'Admin Fiktif' < '\(folder)/pin.txt' 2>&1"
        try await withServer { url, made, _, added, _ in
            let store = try await self.joinedKiosk(db, url: url, made: made, code: added.enrolmentCode)
            try store.registerCase(from: self.report("Sari Fiktif"), draftID: UUID())
            try "580214\n".write(toFile: folder + "/pin.txt", atomically: true, encoding: .utf8)
            let first = try self.shell(sync)
            XCTAssertEqual(first.status, 0, first.output)
            XCTAssertTrue(first.output.contains("Sent to the district server (K07"), first.output)
            XCTAssertTrue(first.output.contains("Nothing waits on this kiosk."), first.output)
            XCTAssertEqual(try store.syncStanding().waiting, 0)
            let second = try self.shell(sync)
            XCTAssertEqual(second.status, 0, second.output)
            // Logging in is itself an audited change: the second sync sends that, and again nothing waits.
            XCTAssertTrue(second.output.contains("Nothing waits on this kiosk."), second.output)
        }
        // The server gone: the changes wait, and the message says so.
        let store = try KingaStore(path: db, clock: .system)
        let admin = try XCTUnwrap(try store.users().first)
        try store.acting(admin).addNote(caseID: try XCTUnwrap(try store.casePage(after: nil, limit: 1, viewer: .systemMaintenance).first).id,
                                        text: "Written while the server is away.")
        let gone = try shell(sync)
        XCTAssertEqual(gone.status, 1, gone.output)
        XCTAssertTrue(gone.output.contains("does not answer") && gone.output.contains("wait safely on this kiosk"), gone.output)
        XCTAssertGreaterThan(try store.syncStanding().waiting, 0)
    }
}
