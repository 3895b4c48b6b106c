import Crypto
import Foundation
import GRDB
@testable import DistrictLink
@testable import KingaServer
import Model
import PostgresNIO
@testable import Storage
import Vault
import XCTest

/// Issue #19, "the kiosk signs its chain head at each push and the server returns a signed receipt, so tampering after
/// a sync is provable; `kinga-server audit verify` checks every kiosk's chain and the receipts" — against a real
/// server, PostgreSQL and the real binaries.
final class AuditReceiptTests: PostgresTestCase {
    func testReceiptsProveTheChainAndTamperingIsFoundOnBothSides() async throws {
        let kinga = try kingaBinary(), server = try serverBinary()
        let folder = try kioskFolder("kinga-audit-receipts")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let db = folder + "/A.sqlite"
        try await withServer { url, made, _, added, registry in
            let a = try await self.joinedKiosk(db, url: url, made: made, code: added.enrolmentCode)
            let c = try a.registerCase(from: self.report("Amani Fiktif"), draftID: UUID())
            try a.addNote(caseID: c.id, text: "Visited the family.")
            try self.adminSync(kinga, db: db, folder: folder)
            try a.addNote(caseID: c.id, text: "The child is back at school.")
            try self.adminSync(kinga, db: db, folder: folder)

            // The kiosk keeps the server's receipts, and its chain matches them.
            let (count, newest) = try XCTUnwrap(try a.auditReceipts())
            XCTAssertGreaterThanOrEqual(count, 2)
            let link = try XCTUnwrap(try a.districtLink())
            XCTAssertTrue(DistrictClient.receiptHolds(newest, certificatePEM: link.certificatePEM))
            let verified = try self.shell("'\(kinga)' audit verify --db '\(db)' --user 'Admin Fiktif' < '\(folder)/pin.txt' 2>&1")
            XCTAssertEqual(verified.status, 0, verified.output)
            XCTAssertTrue(verified.output.contains("matches the district server's \(count) signed receipts"), verified.output)
            let checked = try self.shell("'\(kinga)' check --db '\(db)' --user 'Admin Fiktif' < '\(folder)/pin.txt' 2>&1")
            XCTAssertEqual(checked.status, 0, checked.output)
            XCTAssertTrue(checked.output.contains("audit chain: ok (") && checked.output.contains("entries, matching the district server's \(count) signed receipts)"),
                          checked.output)

            // The server: K07's chain whole, every receipt holding.
            let certificateKey = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: made.keyPath, encoding: .utf8)).publicKey
            let store = DistrictStore(client: registry.client, logger: Self.logger)
            var reports = try await store.verifyAudit(certificateKey: certificateKey)
            var report = try XCTUnwrap(reports.first { $0.kiosk.rawValue == "K07" })
            XCTAssertTrue(report.isSound, "\(report)")
            XCTAssertEqual(report.entries, report.lastSeq)
            XCTAssertEqual(report.receipts, count)
            let data = URL(fileURLWithPath: made.keyPath).deletingLastPathComponent().path
            let postgres = try Self.sharedCluster().url(try await self.currentDatabase(registry.client))
            var out = try self.shell("'\(server)' audit verify --data '\(data)' --postgres '\(postgres)' --log-level error 2>&1")
            XCTAssertEqual(out.status, 0, out.output)
            XCTAssertTrue(out.output.contains("K07  \(report.entries) audit entries, 1 to \(report.lastSeq), none missing; \(count) receipts, all hold"), out.output)

            // Someone with the kiosk's database and its HMAC key rewrites an entry the server has a receipt for, and
            // makes the whole chain's HMACs match again: the kiosk's own check still finds it, from the receipt.
            try Self.rewriteChain(a, detailOf: newest.seq)
            guard case .broken(let at, _) = try a.verifyAudit() else { return XCTFail("a rewritten chain passed its receipts") }
            XCTAssertLessThanOrEqual(Int(at), newest.seq)

            // At the server, an audit entry taken out and a receipt's signature changed are both found.
            try await registry.client.query("ALTER TABLE sync_record DISABLE TRIGGER sync_record_insert_only")
            try await registry.client.query("ALTER TABLE audit_receipt DISABLE TRIGGER audit_receipt_insert_only")
            try await registry.client.query("""
                DELETE FROM sync_record WHERE entity = 'audit_row' AND (payload->'payload'->>'seq')::bigint = 2
                """)
            try await registry.client.query("UPDATE audit_receipt SET received_at = '2020-01-01T00:00:00.000Z' WHERE seq = \(Int64(newest.seq))")
            reports = try await store.verifyAudit(certificateKey: certificateKey)
            report = try XCTUnwrap(reports.first { $0.kiosk.rawValue == "K07" })
            XCTAssertEqual(report.missing, [2])
            XCTAssertTrue(report.badReceipts.contains { $0.contains("server's signature does not verify") }, "\(report.badReceipts)")
            out = try self.shell("'\(server)' audit verify --data '\(data)' --postgres '\(postgres)' --log-level error 2>&1")
            XCTAssertNotEqual(out.status, 0, out.output)
            XCTAssertTrue(out.output.contains("missing: 2"), out.output)
        }
    }

    func testAHeadNotSignedByTheKioskIsRefusedWhole() async throws {
        let folder = try kioskFolder("kinga-audit-head")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await withServer { url, made, _, added, registry in
            let a = try await self.joinedKiosk(folder + "/A.sqlite", url: url, made: made, code: added.enrolmentCode)
            _ = try a.registerCase(from: self.report("Amani Fiktif"), draftID: UUID())
            let link = try XCTUnwrap(try a.districtLink())
            let push = try XCTUnwrap(try a.preparePush())
            let stranger = try KioskIdentity.generate()
            let forged = DistrictClient.signedHead(push, sign: { stranger.sign($0) })
            XCTAssertNotNil(forged.auditHead)
            let reply = try await DistrictClient.push(forged, serverURL: link.serverURL, certificatePEM: link.certificatePEM,
                                                      token: try a.districtToken(), sign: try self.signer(a))
            XCTAssertEqual(reply.refusal?.reason, .malformed, "\(reply)")
            XCTAssertTrue(reply.applied.isEmpty)
            XCTAssertNil(reply.receipt)
            let applied = try await registry.client.query("SELECT count(*) FROM change_log")
            for try await (n) in applied.decode(Int64.self) { XCTAssertEqual(n, 0, "nothing of the push was applied") }
            // Signed by the kiosk itself, the same push is applied and gets its receipt.
            let good = try await DistrictClient.push(push, serverURL: link.serverURL, certificatePEM: link.certificatePEM,
                                                     token: try a.districtToken(), sign: try self.signer(a))
            XCTAssertNil(good.refusal)
            XCTAssertEqual(good.receipt?.seq, AuditHead.last(in: push.changes)?.seq)
        }
    }

    /// What someone holding the kiosk's database and its HMAC key could do with the sqlite3 shell (not through
    /// Kinga's door): change entry `seq`'s words and make every HMAC of the chain match again.
    static func rewriteChain(_ a: KingaStore, detailOf seq: Int) throws {
        try DatabaseQueue(path: a.path).write { db in
            try db.execute(sql: "DROP TRIGGER audit_no_update")
            try db.execute(sql: "UPDATE audit_log SET detail = 'nothing happened' WHERE seq = ?", arguments: [seq])
            var prev = "genesis"
            for row in try Row.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY seq") {
                let n: Int64 = row["seq"]
                let mac = KingaStore.hmac(KingaStore.auditMessage(prev: prev, seq: n, at: row["at"], actor: row["actor"], action: row["action"],
                                                                  caseID: row["case_id"], detail: row["detail"]), key: a.auditKey)
                try db.execute(sql: "UPDATE audit_log SET mac = ? WHERE seq = ?", arguments: [mac, n])
                prev = mac
            }
        }
    }
}
