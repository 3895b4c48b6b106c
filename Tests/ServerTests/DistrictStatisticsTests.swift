import Foundation
import Harness
@testable import KingaServer
import Model
import PostgresNIO
@testable import Storage
import XCTest

/// Issue #19, "district statistics over all kiosks, with the same small-cell suppression as the kiosk": two
/// kiosks' cases reach the server by the real `kinga sync`; the server counts them as the kiosks' own rules do
/// (`StatisticsCounting`), and `kinga-server export stats` publishes them through the same disclosure control.
final class DistrictStatisticsTests: PostgresTestCase {
    func testDistrictStatisticsCountEveryKioskAndSuppressLikeAKiosk() async throws {
        let kinga = try kingaBinary(), server = try serverBinary()
        let folder = try kioskFolder("kinga-district-stats")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await withServer { url, made, _, added, registry in
            let a = try await self.joinedKiosk(folder + "/A.sqlite", url: url, made: made, code: added.enrolmentCode)   // K07, Kampung Fiksi
            let b = try await self.joinedKiosk(folder + "/B.sqlite", url: url, made: made, code: try await registry.add(
                name: "SD Contoh", code: KioskCode("K03")!, villages: ["Desa Contoh"]).enrolmentCode)
            // A: six children of Kampung Fiksi, one with two concerns. B: three of Desa Contoh (a small number).
            for i in 0..<6 {
                var r = self.report("Anak Fiktif \(i)")
                if i == 0 { r.concerns = ["neglect", "child_labour"] }
                _ = try a.registerCase(from: r, draftID: UUID())
            }
            for i in 0..<3 {
                var r = self.report("Murid Fiktif \(i)")
                r.village = "Desa Contoh"
                r.sex = .male
                _ = try b.registerCase(from: r, draftID: UUID())
            }
            try self.adminSync(kinga, db: folder + "/A.sqlite", folder: folder)
            try self.adminSync(kinga, db: folder + "/B.sqlite", folder: folder)

            let today = LocalDate(Date(), in: .current)
            let from = LocalDate(daysSinceEpoch: today.daysSinceEpoch - 30)
            let store = DistrictStore(client: registry.client, logger: Self.logger)
            let district = try await store.statisticsCounts(from: from, to: today, today: today, timeZone: .current)
            let kioskA = try a.statisticsCounts(from: from, to: today), kioskB = try b.statisticsCounts(from: from, to: today)
            // Every kiosk's cases, counted once each, by the kiosks' own rules.
            XCTAssertEqual(district.registered, 9)
            XCTAssertEqual(district.registered, kioskA.registered + kioskB.registered)
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: district.byVillage.map { ($0.label, $0.count) }), ["Kampung Fiksi": 6, "Desa Contoh": 3])
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: district.byConcern.map { ($0.label, $0.count) }), ["neglect": 9, "child_labour": 1])
            XCTAssertEqual(district.bySex.first { $0.label == "male" }?.count, 3)
            XCTAssertEqual(district.byAgeGroup.first { $0.label == "5-9" }?.count, 9)
            for (mine, label) in [(kioskA, "K07"), (kioskB, "K03")] {
                for v in mine.byVillage {
                    XCTAssertEqual(district.byVillage.first { $0.label == v.label }?.count, v.count, "\(label)'s \(v.label)")
                }
            }

            // The command an office runs: published figures only, suppressed as on a kiosk, no name anywhere.
            let database = try await self.currentDatabase(registry.client)
            let postgres = try Self.sharedCluster().url(database)
            let out = try self.shell("'\(server)' export stats --postgres '\(postgres)' --from \(from.iso) --to \(today.iso) --log-level error 2>&1")
            XCTAssertEqual(out.status, 0, out.output)
            XCTAssertTrue(out.output.contains("cases,registered,9"), out.output)
            XCTAssertTrue(out.output.contains("by village,Desa Contoh,<5"), out.output)
            XCTAssertTrue(out.output.contains("by village,Kampung Fiksi,x"), "6 would give away the <5 beside it\n\(out.output)")
            XCTAssertTrue(out.output.contains("by protection concern,child labour,<5"), out.output)
            XCTAssertFalse(out.output.contains("Fiktif"), "no child's name in district statistics")
            let json = try self.shell("'\(server)' export stats --postgres '\(postgres)' --from \(from.iso) --to \(today.iso) --format json --threshold 10 --log-level error")
            XCTAssertEqual(json.status, 0, json.output)
            let published = try JSONDecoder().decode(CaseStatistics.self, from: Data(json.output.utf8))
            XCTAssertEqual(published.newCases, .suppressed(threshold: 10), "a higher threshold hides 9")
            XCTAssertEqual(published.byVillage, [], "a hidden total hides its breakdown")

            // Bad input gets a plain message, not a crash.
            let wrong = try self.shell("'\(server)' export stats --postgres '\(postgres)' --from 2026-13-01 --to \(today.iso) 2>&1")
            XCTAssertNotEqual(wrong.status, 0)
            XCTAssertTrue(wrong.output.contains("is not a date like"), wrong.output)
            let one = try self.shell("'\(server)' export stats --postgres '\(postgres)' --from \(from.iso) --to \(today.iso) --threshold 1 2>&1")
            XCTAssertNotEqual(one.status, 0)
            XCTAssertTrue(one.output.contains("at least 2"), one.output)
        }
    }
}
