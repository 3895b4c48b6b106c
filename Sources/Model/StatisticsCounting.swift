import Foundation

/// What statistics need of one case, and nothing more: no name, no story. The kiosk reads it from SQLite,
/// the district server from PostgreSQL, so both count by the same rules (`StatisticsCounting`).
public struct StatisticsCase: Sendable, Equatable {
    public var status: CaseStatus
    /// The village as typed (the label published).
    public var village: String
    /// The village folded for matching (`DuplicateRule.key`): "Kibera " and "KIBERA" are one village.
    public var villageKey: String
    public var sex: Sex
    public var age: ChildAge?
    /// When the case was registered (UTC).
    public var registeredAt: Date
    /// When it was closed (UTC); read only when `status` is closed.
    public var closedAt: Date?
    /// The next follow-up date; read only when `status` is open.
    public var nextFollowUp: LocalDate?
    /// Protection concern ids (a case counts under each).
    public var concerns: [String]

    /// Memberwise: each argument sets the property of the same name.
    public init(status: CaseStatus, village: String, villageKey: String, sex: Sex, age: ChildAge?, registeredAt: Date,
                closedAt: Date?, nextFollowUp: LocalDate?, concerns: [String]) {
        self.status = status
        self.village = village
        self.villageKey = villageKey
        self.sex = sex
        self.age = age
        self.registeredAt = registeredAt
        self.closedAt = closedAt
        self.nextFollowUp = nextFollowUp
        self.concerns = concerns
    }
}

/// What statistics need of one referral.
public struct StatisticsReferral: Sendable, Equatable {
    /// A `ServiceType` raw value.
    public var service: String
    public var status: ReferralStatus
    public var sentOn: LocalDate?
    /// The day the provider answered.
    public var respondedOn: LocalDate?

    /// Memberwise: each argument sets the property of the same name.
    public init(service: String, status: ReferralStatus, sentOn: LocalDate?, respondedOn: LocalDate?) {
        self.service = service
        self.status = status
        self.sentOn = sentOn
        self.respondedOn = respondedOn
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

    /// The words an export file publishes (English, as the office's spreadsheets expect): a concern's label
    /// from `profile` (its id in words without one), "female", "male", "not known", an age group "5-9" or
    /// "age not known", a service type in words ("legal aid").
    public func exportWords(profile: CountryProfile?) -> String {
        switch self {
        case .concern(let c): return profile?.concernLabel(c) ?? c.replacingOccurrences(of: "_", with: " ")
        case .sex(.female): return "female"
        case .sex(.male): return "male"
        case .sex(.unknown): return "not known"
        case .ageGroup(.unknown): return "age not known"
        case .ageGroup(let a): return a.rawValue
        case .service(let s): return s.replacingOccurrences(of: "_", with: " ")
        }
    }
}

/// The counting behind every statistics figure, on the kiosk and at the district server alike (issue #8;
/// issue #19, "district statistics with the same small-cell suppression as the kiosk"). Its result is raw:
/// only `DisclosureControl.publish` may turn it into figures anyone sees.
public enum StatisticsCounting {
    /// Counts the period `from`…`to` (inclusive local days of `timeZone`).
    ///
    /// - A case is registered in the period when `registeredAt` falls in it; a case marked as a duplicate is
    ///   never counted. Villages, age groups, sexes and months add up to the cases registered; a case counts
    ///   under each of its concerns. Age is the age on the day the case was registered.
    /// - A case is closed in the period when it is closed now and `closedAt` falls in it.
    /// - Referrals are those sent in the period; an answer is the provider's (accepted, declined or completed;
    ///   a referral withdrawn is not an answer).
    /// - Overdue follow-ups: open cases whose next follow-up is before `today`, whatever the period.
    /// - Parameters:
    ///   - cases: any cases; those outside every rule above are ignored, so a caller may pass a superset.
    ///   - labels: turns a concern id, a sex, an age group or a service type into the words to publish.
    public static func counts(from: LocalDate, to: LocalDate, today: LocalDate, timeZone tz: TimeZone,
                              cases: some Sequence<StatisticsCase>, referrals: some Sequence<StatisticsReferral>,
                              labels: (StatisticsLabel) -> String = { $0.id }) -> StatisticsCounts {
        var registered = 0, closed = 0, overdue = 0
        var villages: [String: (label: String, n: Int)] = [:]
        var sexes: [Sex: Int] = [:]
        var ages: [AgeGroup: Int] = [:]
        var concerns: [String: Int] = [:]
        var months: [String: (new: Int, closed: Int)] = [:]
        for c in cases where c.status != .duplicate {
            if c.status == .open, let next = c.nextFollowUp, next < today { overdue += 1 }
            if c.status == .closed, let at = c.closedAt {
                let day = LocalDate(at, in: tz)
                if from <= day && day <= to {
                    closed += 1
                    months[String(day.iso.prefix(7)), default: (0, 0)].closed += 1
                }
            }
            let day = LocalDate(c.registeredAt, in: tz)
            guard from <= day && day <= to else { continue }
            registered += 1
            villages[c.villageKey, default: (c.village, 0)].n += 1
            sexes[c.sex, default: 0] += 1
            ages[AgeGroup(years: c.age?.years(on: day)), default: 0] += 1
            months[String(day.iso.prefix(7)), default: (0, 0)].new += 1
            for concern in Set(c.concerns) { concerns[concern, default: 0] += 1 }
        }
        var byService: [String: StatisticsCounts.Service] = [:]
        for r in referrals {
            guard let sent = r.sentOn, from <= sent && sent <= to else { continue }
            var e = byService[r.service] ?? StatisticsCounts.Service(service: labels(.service(r.service)), sent: 0, answered: 0, accepted: 0,
                                                                      completed: 0, daysToAnswer: [])
            e.sent += 1
            if [.accepted, .declined, .completed].contains(r.status) {
                e.answered += 1
                if let answered = r.respondedOn { e.daysToAnswer.append(Double(answered.daysSinceEpoch - sent.daysSinceEpoch)) }
            }
            if r.status == .accepted || r.status == .completed { e.accepted += 1 }
            if r.status == .completed { e.completed += 1 }
            byService[r.service] = e
        }
        return StatisticsCounts(
            from: from.iso, to: to.iso, registered: registered, closed: closed, overdueFollowUps: overdue,
            byConcern: concerns.keys.sorted().map { StatisticsCounts.Item(label: labels(.concern($0)), count: concerns[$0]!) },
            byVillage: villages.keys.sorted().map { StatisticsCounts.Item(label: villages[$0]!.label, count: villages[$0]!.n) },
            byAgeGroup: AgeGroup.allCases.map { StatisticsCounts.Item(label: labels(.ageGroup($0)), count: ages[$0] ?? 0) },
            bySex: Sex.allCases.map { StatisticsCounts.Item(label: labels(.sex($0)), count: sexes[$0] ?? 0) },
            months: everyMonth(from: from, to: to, data: months.keys).map {
                StatisticsCounts.Month(month: $0, registered: months[$0]?.new ?? 0, closed: months[$0]?.closed ?? 0)
            },
            referrals: byService.keys.sorted().map { byService[$0]! })
    }

    /// Every month `YYYY-MM` from the period's first month (or the first month in `data`, when later) to its
    /// last, so a chart's months are evenly spaced and a month without a case shows as 0; empty without data.
    public static func everyMonth(from: LocalDate, to: LocalDate, data: some Collection<String>) -> [String] {
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
