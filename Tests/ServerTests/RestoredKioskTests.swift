import Foundation
@testable import DistrictLink
@testable import KingaServer
import Model
@testable import Storage
import Vault
import XCTest

/// Issue #18 (and #19's "a kiosk restored from an old backup must enrol afresh, never reissue numbers or replay a
/// stale state over newer data"): a kiosk's laptop is lost after it synced past its last backup; a new laptop is
/// made from that backup. It must not sync as the old kiosk, must not give a case number the old one gave, and when
/// it joins afresh everything it holds goes up without overwriting what the district learned after the backup.
final class RestoredKioskTests: PostgresTestCase {
    func testAKioskRestoredFromABackupJoinsAfresh() async throws {
        let kinga = try kingaBinary()
        let folder = try kioskFolder("kinga-restored")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (oldLaptop, newLaptop, backup) = (folder + "/A.sqlite", folder + "/A2.sqlite", folder + "/A-backup.sqlite")
        try await withServer { url, made, _, added, registry in
            let a = try await self.joinedKiosk(oldLaptop, url: url, made: made, code: added.enrolmentCode)   // K07
            let amani = try a.registerCase(from: self.report("Amani Fiktif"), draftID: UUID())
            try self.assess(a, amani.id, .high, danger: true)
            try self.adminSync(kinga, db: oldLaptop, folder: folder)
            try a.backup(to: backup)
            // After the backup the old laptop learns more, and sends it: the risk is now low, and a second case.
            try self.assess(a, amani.id, .low, danger: false)
            let baraka = try a.registerCase(from: self.report("Baraka Fiktif"), draftID: UUID())
            XCTAssertEqual(baraka.number.description, "KG-2026-K07-0002")
            try self.adminSync(kinga, db: oldLaptop, folder: folder)
            try a.pool.close()

            // The laptop is stolen. A new one is made from the backup (with the old kiosk's audit key beside it).
            try FileManager.default.copyItem(atPath: oldLaptop + ".audit-key", toPath: newLaptop + ".audit-key")
            try KingaStore.restore(from: backup, to: newLaptop, clock: .system)
            let restored = try KingaStore(path: newLaptop, clock: .system)
            XCTAssertNil(try restored.districtLink(), "the backup's link is set aside")
            XCTAssertEqual(try restored.setAsideLink()?.kioskCode, "K07")
            XCTAssertNil(try restored.kioskIdentity())
            XCTAssertEqual(try restored.outboxCount(), 0)
            guard case .intact = try restored.verifyAudit() else { return XCTFail("the audit chain does not verify after the restore") }
            // `kinga sync` says what to do and sends nothing.
            let refused = try self.shell("'\(kinga)' sync --db '\(newLaptop)' --user 'Admin Fiktif' < '\(folder)/pin.txt' 2>&1")
            XCTAssertNotEqual(refused.status, 0)
            XCTAssertTrue(refused.output.contains("restored from a backup of kiosk K07"), refused.output)
            // Offline, a new case: its number carries no kiosk code, so it can never be the old laptop's K07-0002.
            let admin = try XCTUnwrap(try restored.users().first { $0.name == "Admin Fiktif" })
            let session = try restored.acting(admin)
            let wulan = try session.registerCase(from: self.report("Wulan Fiktif"), draftID: UUID())
            XCTAssertEqual(wulan.number.description, "KG-2026-0002")

            // The district office revokes K07 and adds the new laptop as K11; it joins afresh and syncs.
            let revoked = try await registry.revoke(KioskCode("K07")!)
            XCTAssertTrue(revoked)
            let k11 = try await registry.add(name: "Puskesmas Fiksi (new laptop)", code: KioskCode("K11")!, villages: ["Kampung Fiksi"])
            let identity = try KioskIdentity.generate()
            let join = try await DistrictClient.enrol(url: url, code: k11.enrolmentCode, fingerprint: made.fingerprint, publicKey: identity.publicKey)
            try session.joinDistrict(serverURL: join.serverURL, certificatePEM: join.certificatePEM, fingerprint: join.fingerprint,
                                     kioskCode: join.enrolment.kioskCode, kioskName: join.enrolment.name, villages: join.enrolment.villages,
                                     token: join.enrolment.token, identity: identity)
            XCTAssertNil(try session.setAsideLink())
            for _ in 0..<3 { try self.adminSync(kinga, db: newLaptop, folder: folder) }
            XCTAssertEqual(try session.syncStanding().waiting, 0)

            // Nothing the district learned after the backup was overwritten: the risk stays low, and the stale value
            // waits for a supervisor as a conflict. The case made offline reached the server under K11.
            let server = DistrictStore(client: registry.client, logger: Self.logger)
            let values = try await server.values(.caseRecord, amani.id)
            XCTAssertEqual(values["risk_level"], .string("low"))
            let conflicts = try await server.openConflicts()
            XCTAssertTrue(conflicts.contains { $0.field == "risk_level" }, "\(conflicts)")
            let held = try await server.catchment(of: KioskCode("K11")!)
            XCTAssertEqual(held, [amani.id, baraka.id, wulan.id])
            // The new laptop holds what the old one sent after the backup, and its next case carries K11.
            let viewer = Viewer.user(admin)
            XCTAssertEqual(try session.caseRecord(id: baraka.id, viewer: viewer)?.number.description, "KG-2026-K07-0002")
            let next = try session.registerCase(from: self.report("Sari Fiktif"), draftID: UUID())
            XCTAssertEqual(next.number.description, "KG-2026-K11-0003")
            guard case .intact = try session.verifyAudit() else { return XCTFail("the audit chain does not verify after joining afresh") }
        }
    }
}
