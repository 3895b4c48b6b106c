import Foundation
import GRDB
import Model

extension KingaStore {
    /// Anonymised statistics of the cases registered between `from` and `to` (inclusive, local days of the
    /// store's time zone), with small counts suppressed (`Suppression`, threshold from the profile).
    ///
    /// Cases are counted once per breakdown, except by concern (a case counts under each of its concerns).
    /// Age is the age on the day the case was registered. Referrals are those sent in the period; a reply is
    /// the provider's answer (accepted, declined or completed). Overdue follow-ups are counted today.
    /// - Parameters:
    ///   - labels: turns a concern id, a sex or a service type into the words to publish (the profile's).
    /// - Throws: database errors.
    public func statistics(from: LocalDate, to: LocalDate, threshold: Int,
                           labels: (StatisticsLabel) -> String = { $0.id }) throws -> CaseStatistics {
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
                WHERE c.created_at >= ? AND c.created_at < ? AND c.status != 'duplicate' GROUP BY k.concern ORDER BY n DESC, k.concern
                """, arguments: [start, end]).map { (id: $0["concern"] as String, n: $0["n"] as Int) }
            // Referrals sent in the period, by service.
            let refs = try Row.fetchAll(db, sql: "SELECT service_type, status, sent_on, responded_on FROM referral WHERE sent_on >= ? AND sent_on <= ?",
                                        arguments: [from.iso, to.iso])
            var byService: [String: (sent: Int, accepted: Int, completed: Int, declined: Int, days: [Double])] = [:]
            for r in refs {
                let s: String = r["service_type"]
                let status: String = r["status"]
                var e = byService[s, default: (0, 0, 0, 0, [])]
                e.sent += 1
                if status == "accepted" || status == "completed" { e.accepted += 1 }
                if status == "completed" { e.completed += 1 }
                if status == "declined" { e.declined += 1 }
                if let sent = (r["sent_on"] as String?).flatMap(LocalDate.init(iso:)), let answered = (r["responded_on"] as String?).flatMap(LocalDate.init(iso:)) {
                    e.days.append(Double(answered.daysSinceEpoch - sent.daysSinceEpoch))
                }
                byService[s] = e
            }
            let overdue = try Int.fetchOne(db, sql: "SELECT count(*) FROM case_record WHERE status = 'open' AND next_follow_up < ?", arguments: [today.iso]) ?? 0

            func breakdown(_ items: [(String, Int)]) -> [StatRow] {
                let cells = Suppression.apply(items.map(\.1), threshold: threshold)
                return zip(items, cells).map { StatRow(label: $0.0.0, value: $0.1) }
            }
            let villageItems = villages.values.sorted { ($1.n, $0.label) < ($0.n, $1.label) }.map { ($0.label, $0.n) }
            let sexItems = Sex.allCases.map { (labels(.sex($0)), sexes[$0.rawValue] ?? 0) }
            let ageItems = AgeGroup.allCases.map { (labels(.ageGroup($0)), ages[$0] ?? 0) }
            let monthKeys = months.keys.sorted()
            let newCells = Suppression.apply(monthKeys.map { months[$0]!.new }, threshold: threshold)
            let closedCells = Suppression.apply(monthKeys.map { months[$0]!.closed }, threshold: threshold)
            let services = byService.keys.sorted { (byService[$1]!.sent, $0) < (byService[$0]!.sent, $1) }
            let referralRows = services.map { s -> ReferralRow in
                let e = byService[s]!
                let answered = e.accepted + e.declined
                return ReferralRow(
                    service: labels(.service(s)),
                    sent: Suppression.single(e.sent, threshold: threshold),
                    accepted: Suppression.single(e.accepted, threshold: threshold),
                    completed: Suppression.single(e.completed, threshold: threshold),
                    acceptancePercent: answered >= threshold ? Int((Double(e.accepted) * 100 / Double(answered)).rounded()) : nil,
                    completionPercent: e.sent >= threshold ? Int((Double(e.completed) * 100 / Double(e.sent)).rounded()) : nil,
                    medianDaysToReply: e.days.count >= threshold ? CaseStatistics.median(e.days) : nil)
            }
            return CaseStatistics(
                from: from.iso, to: to.iso, threshold: threshold,
                newCases: Suppression.single(rows.count, threshold: threshold),
                closedCases: Suppression.single(closedRows.count, threshold: threshold),
                byConcern: breakdown(concerns.map { (labels(.concern($0.id)), $0.n) }),
                byVillage: breakdown(villageItems),
                byAgeGroup: breakdown(ageItems),
                bySex: breakdown(sexItems),
                byMonth: monthKeys.indices.map { MonthRow(month: monthKeys[$0], new: newCells[$0], closed: closedCells[$0]) },
                referrals: referralRows,
                overdueFollowUps: Suppression.single(overdue, threshold: threshold))
        }
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
