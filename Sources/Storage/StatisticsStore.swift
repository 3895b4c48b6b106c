import Foundation
import GRDB
import Model

extension KingaStore {
    /// Anonymised statistics of the cases registered between `from` and `to` (inclusive, local days of the
    /// store's time zone), counted by `StatisticsCounting` (the same rules as the district server's) and made
    /// safe to publish by `DisclosureControl.publish` (threshold from the profile).
    /// - Parameters:
    ///   - labels: turns a concern id, a sex or a service type into the words to publish (the profile's).
    /// - Throws: database errors.
    public func statistics(from: LocalDate, to: LocalDate, threshold: Int,
                           labels: (StatisticsLabel) -> String = { $0.id }) throws -> CaseStatistics {
        DisclosureControl.publish(try statisticsCounts(from: from, to: to, labels: labels), threshold: threshold)
    }

    /// The raw counts behind `statistics`; internal, so nothing leaves Storage without disclosure control.
    /// Reads only the cases a figure can count (registered or closed in the period, or open with a follow-up
    /// before today) and the referrals sent in the period.
    func statisticsCounts(from: LocalDate, to: LocalDate, labels: (StatisticsLabel) -> String = { $0.id }) throws -> StatisticsCounts {
        let tz = clock.timeZone
        let start = ISO8601.format(from.startOfDay(in: tz))
        let end = ISO8601.format(to.startOfDay(in: tz).addingTimeInterval(86_400))
        let today = clock.today
        let (cases, referrals) = try pool.read { db -> ([StatisticsCase], [StatisticsReferral]) in
            var concerns: [String: [String]] = [:]
            let concernRows = try Row.fetchCursor(db, sql: """
                SELECT k.case_id, k.concern FROM case_concern k JOIN case_record c ON c.id = k.case_id
                WHERE c.created_at >= ? AND c.created_at < ? ORDER BY k.case_id, k.position
                """, arguments: [start, end])
            while let r = try concernRows.next() { concerns[r["case_id"], default: []].append(r["concern"]) }
            let rows = try Row.fetchCursor(db, sql: """
                SELECT id, status, village, village_key, sex, date_of_birth, approx_age, age_recorded_on, created_at, closed_at, next_follow_up
                FROM case_record WHERE (created_at >= ? AND created_at < ?) OR (status = 'closed' AND closed_at >= ? AND closed_at < ?)
                   OR (status = 'open' AND next_follow_up < ?)
                """, arguments: [start, end, start, end, today.iso])
            var cases: [StatisticsCase] = []
            while let r = try rows.next() {
                guard let status = CaseStatus(rawValue: r["status"]) else { continue }
                cases.append(StatisticsCase(
                    status: status, village: r["village"], villageKey: r["village_key"], sex: Sex(rawValue: r["sex"]) ?? .unknown,
                    age: Self.age(from: r), registeredAt: (r["created_at"] as String?).flatMap(ISO8601.parse) ?? clock.now,
                    closedAt: (r["closed_at"] as String?).flatMap(ISO8601.parse),
                    nextFollowUp: (r["next_follow_up"] as String?).flatMap(LocalDate.init(iso:)),
                    concerns: concerns[r["id"]] ?? []))
            }
            let referrals = try Row.fetchAll(db, sql: "SELECT service_type, status, sent_on, responded_on FROM referral WHERE sent_on >= ? AND sent_on <= ?",
                                             arguments: [from.iso, to.iso]).map { r in
                StatisticsReferral(service: r["service_type"], status: ReferralStatus(rawValue: r["status"]) ?? .pending,
                                   sentOn: (r["sent_on"] as String?).flatMap(LocalDate.init(iso:)),
                                   respondedOn: (r["responded_on"] as String?).flatMap(LocalDate.init(iso:)))
            }
            return (cases, referrals)
        }
        return StatisticsCounting.counts(from: from, to: to, today: today, timeZone: tz, cases: cases, referrals: referrals, labels: labels)
    }
}
