import Foundation
@testable import DistrictLink
@testable import KingaServer
import Model
@testable import Storage
import XCTest

/// Issue #18, two kiosks and one district server (real PostgreSQL, real TLS, the real `kinga sync`): a case made on
/// one reaches the other; a note and an edit made on different kiosks both arrive everywhere; the same detail
/// changed two ways becomes a conflict both kiosks see, showing the safer value, never the last writer's.
final class PullClientTests: PostgresTestCase {
    func testTwoKiosksConvergeAndAConflictGoesToPeople() async throws {
        let kinga = try kingaBinary()
        let folder = try kioskFolder("kinga-pull")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func sync(_ db: String) throws -> String { try adminSync(kinga, db: db, folder: folder) }
        let (dbA, dbB) = (folder + "/a.sqlite", folder + "/b.sqlite")
        try await withServer { url, made, _, added, registry in
            let a = try await self.joinedKiosk(dbA, url: url, made: made, code: added.enrolmentCode)
            let second = try await registry.add(name: "Sekolah Fiksi", code: KioskCode("K03")!, villages: ["Kampung Fiksi"])
            let b = try await self.joinedKiosk(dbB, url: url, made: made, code: second.enrolmentCode)
            // A case made at A reaches B, under A's number; so does A's focal point, without a PIN.
            let c = try a.registerCase(from: self.report("Amani Fiktif"), draftID: UUID())
            let tiga = try a.createUser(name: "Fokal Tiga", roles: [.focalPoint], pin: "730519")
            _ = try sync(dbA)
            let firstAtB = try sync(dbB)
            XCTAssertTrue(firstAtB.contains("Received from the district:"), firstAtB)
            // At B Fokal Tiga is listed for the administrator but cannot log in (their PIN stayed at A) until B's
            // administrator sets one with them; then the real binary logs them in at B.
            XCTAssertEqual(try b.people().first { $0.id == tiga.id }?.pinHere, false)
            for (i, pin) in ["730519", "264813"].enumerated() {
                try "\(pin)\n".write(toFile: folder + "/tiga\(i).txt", atomically: true, encoding: .utf8)
            }
            func syncAsTiga(pin file: Int) throws -> (status: Int32, output: String) {
                try shell("'\(kinga)' sync --db '\(dbB)' --user 'Fokal Tiga' < '\(folder)/tiga\(file).txt' 2>&1")
            }
            XCTAssertNotEqual(try syncAsTiga(pin: 0).status, 0, "A's PIN opened B")
            try b.setPIN(userID: tiga.id, newPIN: "264813", oldPIN: nil)
            let asTiga = try syncAsTiga(pin: 1)
            XCTAssertEqual(asTiga.status, 0, asTiga.output)
            let atB = try XCTUnwrap(try b.caseRecord(id: c.id, viewer: .user(try XCTUnwrap(b.actor))))
            XCTAssertEqual(atB.number.description, "KG-2026-K07-0001")
            XCTAssertEqual(atB.childName, "Amani Fiktif")
            // Offline, both act on it: B writes a note; A assesses the risk as high, B as low (the same detail, two ways).
            try b.addNote(caseID: c.id, text: "Met the grandmother at the market.")
            try self.assess(a, c.id, .high, danger: true)
            try self.assess(b, c.id, .low, danger: false)
            _ = try sync(dbA)
            let atBNow = try sync(dbB)
            XCTAssertTrue(atBNow.contains("wait for a supervisor"), atBNow)
            _ = try sync(dbA)
            let server = DistrictStore(client: registry.client, logger: Self.logger)
            let open = try await server.openConflicts()
            // Both kiosks have the note and show the safer risk while a supervisor decides; both know of the conflict.
            for store in [a, b] {
                let shown = try XCTUnwrap(try store.caseRecord(id: c.id, viewer: .user(try XCTUnwrap(store.actor))))
                XCTAssertEqual(shown.risk, .high)
                XCTAssertTrue(try store.events(caseID: c.id, viewer: .user(try XCTUnwrap(store.actor))).contains { $0.body == "Met the grandmother at the market." })
                XCTAssertEqual(try store.syncStanding().conflicts, open.count, "\(open.map(\.field))")
                XCTAssertEqual(try store.syncStanding().waiting, 0)
            }
            // The server kept the first value it had and the conflict keeps the other.
            XCTAssertEqual(open.filter { $0.field == "risk_level" }.map(\.incoming), [.string("low")], "\(open)")
            // A's supervisor decides in the review queue: low. After the next syncs both kiosks show it, and that
            // conflict is settled everywhere.
            let item = try XCTUnwrap(try a.syncConflicts().first { $0.conflict.field == "risk_level" })
            try a.decideSyncConflict(item.id, value: .string("low"), note: "Visited the family.")
            _ = try sync(dbA)
            _ = try sync(dbB)
            for store in [a, b] {
                XCTAssertEqual(try store.caseRecord(id: c.id, viewer: .user(try XCTUnwrap(store.actor)))?.risk, .low)
                XCTAssertFalse(try store.syncConflicts().contains { $0.conflict.field == "risk_level" })
            }
            let stillOpen = try await server.openConflicts()
            XCTAssertFalse(stillOpen.contains { $0.field == "risk_level" })
            // Switched off at A, Fokal Tiga can no longer log in at B after B's next sync.
            try a.deactivateUser(tiga.id)
            _ = try sync(dbA)
            _ = try sync(dbB)
            XCTAssertFalse(try b.people().contains { $0.id == tiga.id })
            XCTAssertNotEqual(try syncAsTiga(pin: 1).status, 0, "switched off at A, still logs in at B")
        }
    }
}
