import CSV
import Foundation
import Testing
@testable import Model
@testable import Storage

@Suite("Anonymised statistics and their export (issue #8)")
struct StatisticsTests {
    @Test("counts from 1 to 4 are hidden, zero is shown, and a lone hidden cell takes the next smallest with it")
    func suppression() {
        #expect(Suppression.apply([0, 1, 4, 5, 12], threshold: 5).map(\.description) == ["0", "<5", "<5", "5", "12"])
        // Only one hidden: the total would give it away, so the smallest shown one is hidden too.
        #expect(Suppression.apply([3, 9, 40], threshold: 5).map(\.description) == ["<5", "<5", "40"])
        #expect(Suppression.apply([7, 9, 40], threshold: 5).map(\.description) == ["7", "9", "40"])
        #expect(Suppression.single(3, threshold: 5).description == "<5")
        #expect(Suppression.single(0, threshold: 5).description == "0")
        #expect(Suppression.apply([1, 2], threshold: 1).map(\.description) == ["1", "2"])
    }

    @Test("the figures add up on the demo data, and no small count shows")
    func demoFigures() throws {
        let dir = TempDir()
        let store = try KingaStore(path: dir.path + "/demo.sqlite", clock: pinned)
        let n = try Seeds.fillDemo(store, seeds: seedsFolder, timeZone: TimeZone(identifier: "UTC")!)
        let raw = try store.statistics(from: LocalDate(year: 2000, month: 1, day: 1)!, to: pinned.today, threshold: 1)
        guard case .count(let registered) = raw.newCases else { Issue.record("total hidden at threshold 1"); return }
        let duplicates = try store.caseList(CaseQuery(filter: CaseFilter(status: .duplicate)), after: nil, limit: 1000, today: pinned.today).count
        #expect(registered == n - duplicates)
        func sum(_ rows: [StatRow]) -> Int { rows.reduce(0) { if case .count(let c) = $1.value { return $0 + c }; return $0 } }
        #expect(sum(raw.bySex) == registered)
        #expect(sum(raw.byAgeGroup) == registered)
        #expect(sum(raw.byVillage) == registered)
        #expect(raw.byMonth.reduce(0) { if case .count(let c) = $1.new { return $0 + c }; return $0 } == registered)
        let safe = try store.statistics(from: LocalDate(year: 2000, month: 1, day: 1)!, to: pinned.today, threshold: 5)
        let all = safe.byConcern + safe.byVillage + safe.byAgeGroup + safe.bySex
        for r in all {
            if case .count(let c) = r.value { #expect(c == 0 || c >= 5, "\(r.label): \(c)") }
        }
        #expect(all.contains { $0.value == .suppressed(threshold: 5) })
    }

    @Test("CSV survives a round trip with commas, quotes, line breaks and other scripts; JSON says <5")
    func csvRoundTrip() throws {
        let hard = ["Kampung \"Baru\", Utara", "Line one\nline two", "ليلى", "王村", "Ñuñoa; Sur"]
        let stats = CaseStatistics(from: "2026-01-01", to: "2026-03-31", threshold: 5, newCases: .count(40), closedCases: .suppressed(threshold: 5),
                                   byConcern: [StatRow(label: "Neglect, severe", value: .count(12))],
                                   byVillage: hard.map { StatRow(label: $0, value: .count(8)) },
                                   byAgeGroup: [], bySex: [], byMonth: [MonthRow(month: "2026-01", new: .count(40), closed: .suppressed(threshold: 5))],
                                   referrals: [ReferralRow(service: "health", sent: .count(9), accepted: .count(6), completed: .suppressed(threshold: 5),
                                                           acceptancePercent: 86, completionPercent: 44, medianDaysToReply: 3.5)],
                                   overdueFollowUps: .count(0))
        let text = try StatisticsExport.csv(stats)
        #expect(text.hasPrefix("section,item,value\r\n"))
        let reader = try CSVReader(string: text, hasHeaderRow: true)
        var rows: [[String]] = []
        while let r = reader.next() { rows.append(r) }
        let villages = rows.filter { $0[0] == "by village" }.map { $0[1] }
        #expect(villages == hard)
        #expect(rows.contains(["cases", "closed", "<5"]))
        #expect(rows.contains(["by protection concern", "Neglect, severe", "12"]))
        #expect(rows.contains(["median days to the provider's answer", "health", "3.5"]))
        let json = String(decoding: try StatisticsExport.json(stats), as: UTF8.self)
        #expect(json.contains("\"closedCases\" : \"<5\""))
        let back = try JSONDecoder().decode(CaseStatistics.self, from: Data(json.utf8))
        #expect(back == stats)
    }
}
