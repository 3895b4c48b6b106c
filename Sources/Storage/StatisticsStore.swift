import Foundation
import GRDB
import Model

extension KingaStore {
    /// Anonymised statistics of the cases registered between `from` and `to` (inclusive, local days of the
    /// store's time zone), made safe to publish by `DisclosureControl.publish` (threshold from the profile).
    ///
    /// Cases are counted once per breakdown, except by concern (a case counts under each of its concerns).
    /// Age is the age on the day the case was registered. Referrals are those sent in the period; an answer is
    /// the provider's (accepted, declined or completed; a referral withdrawn is not an answer). Overdue
    /// follow-ups are counted today.
    /// - Parameters:
    ///   - labels: turns a concern id, a sex or a service type into the words to publish (the profile's).
    /// - Throws: database errors.
    public func statistics(from: LocalDate, to: LocalDate, threshold: Int,
                           labels: (StatisticsLabel) -> String = { $0.id }) throws -> CaseStatistics {
        DisclosureControl.publish(try statisticsCounts(from: from, to: to, labels: labels), threshold: threshold)
    }

    /// The raw counts behind `statistics`; internal, so nothing leaves Storage without disclosure control.
    func statisticsCounts(from: LocalDate, to: LocalDate, labels: (StatisticsLabel) -> String = { $0.id }) throws -> StatisticsCounts {
        let tz = clock.timeZone
        let start = ISO8601.format(from.startOfDay(in: tz))
        let end = ISO8601.format(to.startOfDay(in: tz).addingTimeInterval(86_400))
        let today = clock.today
        return try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT c.id, c.village, c.village_key, c.sex, c.date_of_birth, c.approx_age, c.age_recorded_on, c.created_at
                FROM case_record c WHERE c.created_at >= ? AND c.created_at < ? AND c.status != 'duplicate'
                """, arguments: [start, end])
            var villages: [String: (label: String, n: Int)] = [:]
            var sexes: [String: Int] = [:]
            var ages: [AgeGroup: Int] = [:]
            var months: [String: (new: Int, closed: Int)] = [:]
            for r in rows {
                let key: String = r["village_key"]
                villages[key, default: (r["village"], 0)].n += 1
                sexes[r["sex"], default: 0] += 1
                let registered = (r["created_at"] as String?).flatMap(ISO8601.parse).map { LocalDate($0, in: tz) } ?? today
                ages[AgeGroup(years: Self.age(from: r)?.years(on: registered)), default: 0] += 1
                months[String(registered.iso.prefix(7)), default: (0, 0)].new += 1
            }
            let closedRows = try String.fetchAll(db, sql: "SELECT closed_at FROM case_record WHERE status = 'closed' AND closed_at >= ? AND closed_at < ?",
                                                 arguments: [start, end])
            for c in closedRows {
                if let d = ISO8601.parse(c) { months[String(LocalDate(d, in: tz).iso.prefix(7)), default: (0, 0)].closed += 1 }
            }
            let concerns = try Row.fetchAll(db, sql: """
                SELECT k.concern, count(*) AS n FROM case_concern k JOIN case_record c ON c.id = k.case_id
                WHERE c.created_at >= ? AND c.created_at < ? AND c.status != 'duplicate' GROUP BY k.concern
                """, arguments: [start, end]).map { StatisticsCounts.Item(label: labels(.concern($0["concern"])), count: $0["n"]) }
            // Referrals sent in the period, by service.
            let refs = try Row.fetchAll(db, sql: "SELECT service_type, status, sent_on, responded_on FROM referral WHERE sent_on >= ? AND sent_on <= ?",
                                        arguments: [from.iso, to.iso])
            var byService: [String: StatisticsCounts.Service] = [:]
            for r in refs {
                let s: String = r["service_type"]
                let status = ReferralStatus(rawValue: r["status"]) ?? .pending
                var e = byService[s] ?? StatisticsCounts.Service(service: labels(.service(s)), sent: 0, answered: 0, accepted: 0, completed: 0, daysToAnswer: [])
                e.sent += 1
                if [.accepted, .declined, .completed].contains(status) {
                    e.answered += 1
                    if let sent = (r["sent_on"] as String?).flatMap(LocalDate.init(iso:)), let answered = (r["responded_on"] as String?).flatMap(LocalDate.init(iso:)) {
                        e.daysToAnswer.append(Double(answered.daysSinceEpoch - sent.daysSinceEpoch))
                    }
                }
                if status == .accepted || status == .completed { e.accepted += 1 }
                if status == .completed { e.completed += 1 }
                byService[s] = e
            }
            let overdue = try Int.fetchOne(db, sql: "SELECT count(*) FROM case_record WHERE status = 'open' AND next_follow_up < ?", arguments: [today.iso]) ?? 0
            return StatisticsCounts(
                from: from.iso, to: to.iso, registered: rows.count, closed: closedRows.count, overdueFollowUps: overdue,
                byConcern: concerns,
                byVillage: villages.values.map { StatisticsCounts.Item(label: $0.label, count: $0.n) },
                byAgeGroup: AgeGroup.allCases.map { StatisticsCounts.Item(label: labels(.ageGroup($0)), count: ages[$0] ?? 0) },
                bySex: Sex.allCases.map { StatisticsCounts.Item(label: labels(.sex($0)), count: sexes[$0.rawValue] ?? 0) },
                months: Self.everyMonth(from: from, to: to, data: months.keys).map {
                    StatisticsCounts.Month(month: $0, registered: months[$0]?.new ?? 0, closed: months[$0]?.closed ?? 0)
                },
                referrals: Array(byService.values))
        }
    }

    /// Every month `YYYY-MM` from the period's first month (or the first month in `data`, when later) to its
    /// last, so a chart's months are evenly spaced and a month without a case shows as 0; empty without data.
    static func everyMonth(from: LocalDate, to: LocalDate, data: some Collection<String>) -> [String] {
        guard let first = data.min() else { return [] }
        var (y, m) = (from.year, from.month)
        if let fy = Int(first.prefix(4)), let fm = Int(first.suffix(2)), (fy, fm) > (y, m) { (y, m) = (fy, fm) }
        var out: [String] = []
        while (y, m) <= (to.year, to.month) {
            out.append(String(format: "%04d-%02d", y, m))
            (y, m) = m == 12 ? (y + 1, 1) : (y, m + 1)
        }
        return out
    }
}

/// Something statistics name, for the caller to turn into published words.
public enum StatisticsLabel: Sendable {
    case concern(String)
    case sex(Sex)
    case ageGroup(AgeGroup)
    /// A `ServiceType` raw value.
    case service(String)

    /// The stored id (used when no labels are given).
    public var id: String {
        switch self {
        case .concern(let c): return c
        case .sex(let s): return s.rawValue
        case .ageGroup(let a): return a.rawValue
        case .service(let s): return s
        }
    }
}
