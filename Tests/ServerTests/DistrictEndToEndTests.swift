import Foundation
import Harness
@testable import DistrictLink
@testable import KingaServer
import Model
@testable import Storage
import XCTest

/// Issue #18's end-to-end test: one district server (real PostgreSQL, real TLS) and four Kingas synced by the real
/// `kinga sync` — three village kiosks and the supervisor's Kinga that holds the whole district. A report on A, a
/// referral answered on B, a case from C pinned to B on the supervisor's Kinga, the same detail changed two ways on A and
/// C, the supervisor deciding on D. Afterwards
/// every kiosk holds exactly its catchment on the server, every case number is unique, every audit chain
/// verifies, and everything typed anywhere is on every kiosk that holds the case.
final class DistrictEndToEndTests: PostgresTestCase {
    /// The ids of every case the kiosk holds.
    static func caseIDs(_ store: KingaStore) throws -> [UUID] {
        try store.pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM case_record") }.compactMap { UUID(uuidString: $0) }
    }

    /// Issue #19, a day's sync over 64 kbit/s: one `kinga sync` (several pushes and a pull) is one TCP connection,
    /// so one TLS handshake, and its bodies travel gzipped (fewer bytes up than the JSON they carry).
    func testOneSyncIsOneConnectionAndTravelsPacked() async throws {
        let kinga = try kingaBinary()
        let folder = try kioskFolder("kinga-one-connection")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await withServer { url, made, _, added, _ in
            let port = try XCTUnwrap(url.split(separator: ":").last.flatMap { Int($0) })
            let proxy = try LinkProxy(upstreamPort: port)
            defer { proxy.stop() }
            let a = try await self.joinedKiosk(folder + "/A.sqlite", url: "https://127.0.0.1:\(proxy.port)", made: made, code: added.enrolmentCode)
            for i in 0..<30 {
                let c = try a.registerCase(from: self.report("Anak Fiktif \(i)"), draftID: UUID())
                try a.addNote(caseID: c.id, text: "Visited the family; the child is at school.")
            }
            // What the push would be as plain JSON (`kinga sync` then sends it, and pulls: two requests at least).
            let json = try JSONEncoder().encode(try XCTUnwrap(try a.preparePush())).count
            let before = (proxy.connectionsMade, proxy.counts().up)
            let out = try self.adminSync(kinga, db: folder + "/A.sqlite", folder: folder)
            XCTAssertTrue(out.contains("Sent to the district server"), out)
            XCTAssertTrue(out.contains("Nothing waits on this kiosk."), out)
            XCTAssertEqual(proxy.connectionsMade - before.0, 1, "one connection for the whole sync")
            XCTAssertLessThan(proxy.counts().up - before.1, json, "the pushes went packed: fewer bytes up than the first push's JSON alone")
        }
    }

    /// Issue #19: the same child reported at two kiosks is found once both reports reach the server, on the
    /// supervisor's Kinga that holds the whole district, with both cases; the supervisor's answer reaches the kiosks.
    func testTheSameChildAtTwoKiosksReachesTheSupervisorsReview() async throws {
        let kinga = try kingaBinary()
        let folder = try kioskFolder("kinga-district-duplicate")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let paths = ["A", "B", "D"].map { folder + "/\($0).sqlite" }
        try await withServer { url, made, _, added, registry in
            let a = try await self.joinedKiosk(paths[0], url: url, made: made, code: added.enrolmentCode)   // K07, Kampung Fiksi
            let b = try await self.joinedKiosk(paths[1], url: url, made: made, code: try await registry.add(
                name: "Sekolah Fiksi", code: KioskCode("K03")!, villages: ["Desa Contoh"]).enrolmentCode)
            let d = try await self.joinedKiosk(paths[2], url: url, made: made, code: try await registry.add(
                name: "Dinas Sosial Fiksi", code: KioskCode("K01")!, villages: [], wholeDistrict: true).enrolmentCode)
            // A teacher at A and a health worker at B report the same girl; B writes her name another way.
            let amani = try a.registerCase(from: self.report("Amani Fiktif"), draftID: UUID())
            var atB = self.report("Amany Fiktif")
            atB.village = "Desa Contoh"        // where she stays now: the age (9 at both) makes them alike
            let amany = try b.registerCase(from: atB, draftID: UUID())
            for p in paths { try self.adminSync(kinga, db: p, folder: folder) }
            let pairs = try d.districtDuplicates()
            XCTAssertEqual(pairs.count, 1, "\(pairs)")
            XCTAssertEqual(Set(pairs.flatMap { [$0.older.id, $0.newer.id] }), [amani.id, amany.id])
            XCTAssertTrue(try a.districtDuplicates().isEmpty, "A holds only its own case")
            try d.decideDistrictDuplicate(try XCTUnwrap(pairs.first), sameChild: true)
            for p in [paths[2], paths[0], paths[1]] { try self.adminSync(kinga, db: p, folder: folder) }
            // Each kiosk that holds the newer report sees it joined.
            let newer = try XCTUnwrap(pairs.first).newer
            let holder = newer.id == amani.id ? a : b
            XCTAssertEqual(try holder.caseRecord(id: newer.id, viewer: .user(try XCTUnwrap(holder.actor)))?.status, .duplicate)
            XCTAssertTrue(try d.districtDuplicates().isEmpty)
        }
    }

    func testThreeKiosksAndTheSupervisorEndTheSame() async throws {
        let kinga = try kingaBinary()
        let folder = try kioskFolder("kinga-district")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func sync(_ db: String) throws { try adminSync(kinga, db: db, folder: folder) }
        let paths = ["A", "B", "C", "D"].map { folder + "/\($0).sqlite" }
        try await withServer { url, made, _, added, registry in
            let a = try await self.joinedKiosk(paths[0], url: url, made: made, code: added.enrolmentCode)   // K07, Kampung Fiksi
            let b = try await self.joinedKiosk(paths[1], url: url, made: made, code: try await registry.add(
                name: "Sekolah Fiksi", code: KioskCode("K03")!, villages: ["Kampung Fiksi"]).enrolmentCode)
            let c = try await self.joinedKiosk(paths[2], url: url, made: made, code: try await registry.add(
                name: "Posyandu Fiksi", code: KioskCode("K05")!, villages: ["Kampung Fiksi", "Desa Contoh"]).enrolmentCode)
            let d = try await self.joinedKiosk(paths[3], url: url, made: made, code: try await registry.add(
                name: "Dinas Sosial Fiksi", code: KioskCode("K01")!, villages: [], wholeDistrict: true).enrolmentCode)
            let kiosks = [(a, "K07"), (b, "K03"), (c, "K05"), (d, "K01")]
            func syncAll() throws { for p in paths { try sync(p) } }

            // A: a report from Kampung Fiksi and a referral to a health post. C: a report from Desa Contoh, which
            // only C and the supervisor hold.
            let amani = try a.registerCase(from: self.report("Amani Fiktif"), draftID: UUID())
            let clinic = try a.saveProvider(ServiceProvider(name: "Puskesmas Fiktif", services: [.health], area: "Kampung Fiksi",
                                                            contact: "0812 555 0000", hours: "Mon–Sat 8–14", notes: ""))
            let referral = try a.sendReferral(caseID: amani.id, providerID: clinic.id, service: .health, reason: "A check-up.", urgent: false)
            var elsewhere = self.report("Baraka Fiktif")
            elsewhere.village = "Desa Contoh"
            let baraka = try c.registerCase(from: elsewhere, draftID: UUID())
            try c.addNote(caseID: baraka.id, text: "Baraka's aunt will visit on Friday.")
            try syncAll()
            // On her own Kinga, the supervisor pins Baraka's case to B (his aunt lives in Kampung Fiksi, B's village):
            // when the entry reaches the server, B is sent the case whole, and everything after.
            try d.pinCase(caseID: baraka.id, to: "k03")
            let server = DistrictStore(client: registry.client, logger: Self.logger)

            // Offline again: B records the clinic's answer and a note; A and C assess the same risk two ways.
            try b.updateReferral(id: referral.id, to: .accepted, note: "Seen at the clinic on Monday.")
            try b.addNote(caseID: amani.id, text: "Amani is back at school.")
            try self.assess(a, amani.id, .high, danger: true)
            try self.assess(c, amani.id, .low, danger: false)
            try syncAll()
            try syncAll()

            // The disagreement waits for a person: the supervisor's Kinga lists it; until then the safer value shows.
            let waiting = try await server.openConflicts()
            XCTAssertEqual(waiting.filter { $0.field == "risk_level" }.count, 1, "\(waiting)")
            XCTAssertEqual(try d.caseRecord(id: amani.id, viewer: .user(try XCTUnwrap(d.actor)))?.risk, .high)
            let item = try XCTUnwrap(try d.syncConflicts().first { $0.conflict.field == "risk_level" })
            try d.decideSyncConflict(item.id, value: .string("low"), note: "Visited the family with the teacher.")
            try syncAll()
            try syncAll()

            let left = try await server.openConflicts()
            XCTAssertEqual(left, [])
            var numbers: [UUID: String] = [:]
            for (store, code) in kiosks {
                let viewer = Viewer.user(try XCTUnwrap(store.actor))
                let held = try Self.caseIDs(store)
                // Exactly its catchment on the server.
                let expected = try await server.catchment(of: KioskCode(code)!)
                XCTAssertEqual(Set(held), expected, code)
                XCTAssertEqual(expected, code == "K07" ? [amani.id] : [amani.id, baraka.id], code)
                // Case numbers: one per case everywhere, never two cases with one number.
                for id in held {
                    let number = try XCTUnwrap(try store.caseRecord(id: id, viewer: viewer)).number.description
                    XCTAssertEqual(numbers[id] ?? number, number, "\(code): \(id) has two numbers")
                    numbers[id] = number
                }
                XCTAssertEqual(Set(numbers.values).count, numbers.count, "\(code): two cases share a number: \(numbers)")
                // Every audit chain verifies; nothing waits to go up and no conflict is left.
                guard case .intact = try store.verifyAudit() else { return XCTFail("\(code): the audit chain does not verify") }
                XCTAssertEqual(try store.syncStanding().waiting, 0, code)
                XCTAssertEqual(try store.syncStanding().conflicts, 0, code)
                // Everything typed anywhere is here: the supervisor's choice, the clinic's answer, both notes.
                let shown = try XCTUnwrap(try store.caseRecord(id: amani.id, viewer: viewer))
                XCTAssertEqual(shown.risk, .low, code)
                XCTAssertEqual(shown.number.description, "KG-2026-K07-0001", code)
                let notes = try store.events(caseID: amani.id, viewer: viewer).map(\.body)
                XCTAssertTrue(notes.contains("Amani is back at school."), "\(code): \(notes)")
                let answered = try store.referrals(caseID: amani.id, viewer: viewer)
                XCTAssertEqual(answered.map(\.status), [.accepted], code)
                XCTAssertEqual(answered.first?.statusNote, "Seen at the clinic on Monday.", code)
                if held.contains(baraka.id) {
                    XCTAssertEqual(try store.caseRecord(id: baraka.id, viewer: viewer)?.number.description, "KG-2026-K05-0001", code)
                    let entries = try store.events(caseID: baraka.id, viewer: viewer)
                    XCTAssertTrue(entries.contains { $0.body == "Baraka's aunt will visit on Friday." }, code)
                    XCTAssertTrue(entries.contains { $0.fact?.kind == .casePinned && $0.fact?.args["kiosk"] == "K03" }, code)
                }
            }
        }
    }
}
