import Foundation
import Testing
@testable import Model

/// The counting shared by the kiosk and the district server (issue #19, district statistics).
@Suite("Statistics counting: one set of rules for a kiosk and the district")
struct StatisticsCountingTests {
    let lusaka = TimeZone(identifier: "Africa/Lusaka")!   // UTC+2
    let from = LocalDate(year: 2026, month: 3, day: 1)!, to = LocalDate(year: 2026, month: 3, day: 31)!
    let today = LocalDate(year: 2026, month: 4, day: 10)!

    func child(_ status: CaseStatus = .open, village: String = "Kampung Fiksi", sex: Sex = .female, age: ChildAge? = nil,
               at: String = "2026-03-05T09:00:00Z", closed: String? = nil, next: String? = nil, concerns: [String] = ["neglect"]) -> StatisticsCase {
        StatisticsCase(status: status, village: village, villageKey: DuplicateRule.key(village), sex: sex, age: age,
                       registeredAt: ISO8601.parse(at)!, closedAt: closed.flatMap(ISO8601.parse), nextFollowUp: next.flatMap(LocalDate.init(iso:)),
                       concerns: concerns)
    }

    @Test func countsThePeriodInTheDistrictsTimeZone() {
        let cases = [
            child(at: "2026-02-28T22:30:00Z"),                          // 1 March 00:30 in Lusaka: in the period
            child(at: "2026-03-31T22:30:00Z"),                          // 1 April in Lusaka: outside
            child(.duplicate),                                           // a duplicate is never counted
            child(village: "KAMPUNG FIKSI ", sex: .male, age: .approximately(years: 9, recordedOn: from), concerns: ["neglect", "neglect", "child_labour"]),
            child(.closed, at: "2026-01-10T09:00:00Z", closed: "2026-03-20T09:00:00Z"),   // closed in the period, registered before
            child(.open, at: "2025-12-01T09:00:00Z", next: "2026-04-01"),                  // overdue today, registered long ago
        ]
        let c = StatisticsCounting.counts(from: from, to: to, today: today, timeZone: lusaka, cases: cases, referrals: [])
        #expect(c.registered == 2)
        #expect(c.closed == 1)
        #expect(c.overdueFollowUps == 1)
        #expect(c.byVillage.map(\.count) == [2], "one village however it was typed")
        #expect(Dictionary(uniqueKeysWithValues: c.byConcern.map { ($0.label, $0.count) }) == ["neglect": 2, "child_labour": 1],
                "a concern named twice on one case counts once")
        #expect(c.bySex.first { $0.label == "male" }?.count == 1)
        #expect(c.byAgeGroup.first { $0.label == "5-9" }?.count == 1)
        #expect(c.byAgeGroup.first { $0.label == "unknown" }?.count == 1)
        #expect(c.months.map(\.month) == ["2026-03"])
        #expect(c.months.first?.registered == 2 && c.months.first?.closed == 1)
    }

    @Test func referralsSentInThePeriodAndTheirAnswers() {
        let d = { LocalDate(iso: $0)! }
        let refs = [
            StatisticsReferral(service: "health", status: .accepted, sentOn: d("2026-03-02"), respondedOn: d("2026-03-06")),
            StatisticsReferral(service: "health", status: .withdrawn, sentOn: d("2026-03-03"), respondedOn: nil),
            StatisticsReferral(service: "health", status: .completed, sentOn: d("2026-03-10"), respondedOn: d("2026-03-12")),
            StatisticsReferral(service: "legal_aid", status: .pending, sentOn: d("2026-02-27"), respondedOn: nil),   // before the period
        ]
        let c = StatisticsCounting.counts(from: from, to: to, today: today, timeZone: lusaka, cases: [], referrals: refs) {
            $0.exportWords(profile: nil)
        }
        #expect(c.referrals.count == 1)
        let health = c.referrals[0]
        #expect(health.service == "health")
        #expect((health.sent, health.answered, health.accepted, health.completed) == (3, 2, 2, 1), "a withdrawal is not the provider's answer")
        #expect(health.daysToAnswer.sorted() == [2, 4])
    }

    @Test func exportWords() {
        #expect(StatisticsLabel.concern("child_labour").exportWords(profile: nil) == "child labour")
        #expect(StatisticsLabel.service("legal_aid").exportWords(profile: nil) == "legal aid")
        #expect(StatisticsLabel.sex(.unknown).exportWords(profile: nil) == "not known")
        #expect(StatisticsLabel.ageGroup(.unknown).exportWords(profile: nil) == "age not known")
    }
}
