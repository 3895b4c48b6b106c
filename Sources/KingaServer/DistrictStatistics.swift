import Foundation
import Model
import PostgresNIO

extension DistrictStore {
    /// Raw statistics counts of the whole district for the period `from`…`to` (inclusive local days of
    /// `timeZone`): every kiosk's cases and referrals as the server holds them now, counted by
    /// `StatisticsCounting`, the kiosk's own rules (issue #19, "district statistics over all kiosks").
    ///
    /// Raw: the caller must publish them through `DisclosureControl.publish` with the profile's threshold
    /// before anyone sees a figure (`kinga-server export stats` does). Reads only the cases a figure can count
    /// (registered or closed in the period, or open with a follow-up before `today`) and the referrals sent in
    /// the period; a row the server cannot read (a value of the wrong type) is left out rather than guessed.
    /// - Throws: PostgresNIO's errors.
    public func statisticsCounts(from: LocalDate, to: LocalDate, today: LocalDate, timeZone tz: TimeZone,
                                 labels: (StatisticsLabel) -> String = { $0.id }) async throws -> StatisticsCounts {
        let start = ISO8601.format(from.startOfDay(in: tz))
        let end = ISO8601.format(to.startOfDay(in: tz).addingTimeInterval(86_400))
        var cases: [StatisticsCase] = []
        let caseRows = try await client.query("""
            SELECT fields::text FROM sync_row WHERE entity = \(SyncEntity.caseRecord.rawValue) AND (
                (fields->>'created_at' >= \(start) AND fields->>'created_at' < \(end))
                OR (fields->>'status' = 'closed' AND fields->>'closed_at' >= \(start) AND fields->>'closed_at' < \(end))
                OR (fields->>'status' = 'open' AND fields->>'next_follow_up' < \(today.iso)))
            """, logger: logger)
        for try await (text) in caseRows.decode(String.self) {
            guard let values = try? JSONCoding.decode([String: SyncValue].self, text), let c = Self.statisticsCase(values) else { continue }
            cases.append(c)
        }
        var referrals: [StatisticsReferral] = []
        let referralRows = try await client.query("""
            SELECT fields::text FROM sync_row WHERE entity = \(SyncEntity.referral.rawValue)
            AND fields->>'sent_on' >= \(from.iso) AND fields->>'sent_on' <= \(to.iso)
            """, logger: logger)
        for try await (text) in referralRows.decode(String.self) {
            guard let v = try? JSONCoding.decode([String: SyncValue].self, text), let service = v["service_type"]?.stringValue,
                  let status = v["status"]?.stringValue.flatMap(ReferralStatus.init(rawValue:)) else { continue }
            referrals.append(StatisticsReferral(service: service, status: status, sentOn: v["sent_on"]?.stringValue.flatMap(LocalDate.init(iso:)),
                                                respondedOn: v["responded_on"]?.stringValue.flatMap(LocalDate.init(iso:))))
        }
        return StatisticsCounting.counts(from: from, to: to, today: today, timeZone: tz, cases: cases, referrals: referrals, labels: labels)
    }

    /// What statistics read of a case's current values (the kiosk's `case_record` columns); nil when its
    /// status or registration time cannot be read. Concerns come from the report the case was made from.
    static func statisticsCase(_ v: [String: SyncValue]) -> StatisticsCase? {
        guard let status = v["status"]?.stringValue.flatMap(CaseStatus.init(rawValue:)),
              let registered = v["created_at"]?.stringValue.flatMap(ISO8601.parse) else { return nil }
        let village = v["village"]?.stringValue ?? ""
        var age: ChildAge?
        if let dob = v["date_of_birth"]?.stringValue.flatMap(LocalDate.init(iso:)) {
            age = .born(dob)
        } else if case .int(let years)? = v["approx_age"], let on = v["age_recorded_on"]?.stringValue.flatMap(LocalDate.init(iso:)) {
            age = .approximately(years: years, recordedOn: on)
        }
        let report = v["report_json"]?.stringValue.flatMap { try? JSONDecoder().decode(Report.self, from: Data($0.utf8)) }
        return StatisticsCase(status: status, village: village, villageKey: DuplicateRule.key(village),
                              sex: v["sex"]?.stringValue.flatMap(Sex.init(rawValue:)) ?? .unknown, age: age, registeredAt: registered,
                              closedAt: v["closed_at"]?.stringValue.flatMap(ISO8601.parse),
                              nextFollowUp: v["next_follow_up"]?.stringValue.flatMap(LocalDate.init(iso:)),
                              concerns: report?.concerns ?? [])
    }
}
