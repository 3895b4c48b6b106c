import Foundation

/// A count as it may be shown outside the team: the number, "fewer than the threshold" when a small number
/// could point at one child (primary suppression), or "x" when a larger number is hidden so that a small one
/// cannot be worked out from it (complementary suppression). See `DisclosureControl`.
public enum StatCell: Hashable, Sendable, Codable, CustomStringConvertible {
    case count(Int)
    /// Between 1 and `threshold − 1`: written "<5".
    case suppressed(threshold: Int)
    /// Hidden so that a "<5" beside it cannot be worked out: written "x" (Statistics Canada's mark for a
    /// figure suppressed for confidentiality). It says nothing about its size: it may be any number.
    case withheld

    /// "12", "<5" for a small count, "x" for a count hidden to protect a small one.
    public var description: String {
        switch self {
        case .count(let n): return String(n)
        case .suppressed(let t): return "<\(t)"
        case .withheld: return "x"
        }
    }

    /// The number, when it is published.
    public var published: Int? {
        if case .count(let n) = self { return n }
        return nil
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .count(let n): try c.encode(n)
        case .suppressed, .withheld: try c.encode(description)
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) { self = .count(n); return }
        let s = try c.decode(String.self)
        if s == "x" { self = .withheld; return }
        guard s.hasPrefix("<"), let t = Int(s.dropFirst()) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a number, <N or x")
        }
        self = .suppressed(threshold: t)
    }
}

/// Statistical disclosure control for Kinga's anonymised statistics: what may be published so that no count
/// of fewer than `threshold` children (the profile's `small_cell_threshold`, default 5) can be read or worked
/// out. Every published figure — screen, CSV, JSON — goes through `publish`, and only its result is shown.
///
/// The rules, after the Government Statistical Service's *Disclosure Control Guidance for Tables Produced
/// from Administrative Sources* (ONS/GSS, 2014), Hundepool et al., *Statistical Disclosure Control* (Wiley,
/// 2012, ch. 5, frequency tables: primary and secondary suppression, audits by interval arithmetic) and
/// Statistics Canada's "x" for a figure suppressed for confidentiality:
///
/// 1. **Primary suppression.** A count from 1 to `threshold − 1` is written "<5". Zero is shown.
/// 2. **Complementary suppression within a breakdown.** Where cells add up to a published total (villages,
///    age groups, sexes and months add up to the cases registered; closed per month to the cases closed;
///    concerns add up to at least the cases registered, as every case has at least one), the smallest other
///    counts are hidden as "x" until no "<5" can be narrowed by arithmetic: a reader who knows that a "<5" is
///    1 to 4, that an "x" is at least the threshold and at most the smallest count still shown (the rule is
///    public), and the total, can still not rule out any of 1 to 4 for any "<5" (`isProtected`). A breakdown
///    that cannot be made safe so (every count small) is left out whole.
/// 3. **A hidden total hides its breakdowns.** When the cases registered (or closed) are "<5", every
///    breakdown of them is left out: parts that add up to a hidden total would narrow it.
/// 4. **Rates and medians only on published counts.** A rate is published only when its numerator and its
///    base are both published and the base is at least the threshold (acceptance = accepted ÷ answered,
///    completion = completed ÷ sent), so a rate never says more than the counts beside it. The median days to
///    the provider's answer only when the answers are published and at least the threshold.
/// 5. **Order says nothing.** Rows sorted by size list the published counts largest first and then the hidden
///    ones by name, so their order does not rank hidden counts.
/// 6. **Charts only from published figures.** Bars, sparklines and "largest month" come from `CaseStatistics`
///    alone (`largest`), never from the raw counts.
///
/// Not covered: figures of two different periods put side by side (differencing across exports).
public enum DisclosureControl {
    /// How the cells of a breakdown relate to a published total.
    public enum Margin: Sendable, Equatable {
        /// The cells add up to exactly this total.
        case sumIs(Int)
        /// The cells add up to at least this (a case counted under each of its concerns).
        case sumIsAtLeast(Int)
        /// No published figure ties the cells together.
        case none
    }

    /// A single figure on its own (a total, a number of overdue follow-ups): "<5" when from 1 to `threshold − 1`.
    public static func single(_ n: Int, threshold: Int) -> StatCell {
        n > 0 && n < threshold ? .suppressed(threshold: threshold) : .count(n)
    }

    /// One breakdown after primary and complementary suppression (rules 1 and 2), in the same order as
    /// `counts`; nil when no choice of hidden cells protects every small count (the breakdown must be left out).
    /// With `threshold` 1 or less nothing is hidden.
    public static func protect(_ counts: [Int], margin: Margin, threshold: Int) -> [StatCell]? {
        guard threshold > 1 else { return counts.map(StatCell.count) }
        var cells = counts.map { single($0, threshold: threshold) }
        while !isProtected(counts, cells, margin: margin, threshold: threshold) {
            let candidates = counts.indices.filter { cells[$0].published.map { $0 > 0 } == true }
            guard let next = candidates.min(by: { (counts[$0], $0) < (counts[$1], $1) }) else { return nil }
            cells[next] = .withheld
        }
        return cells
    }

    /// The audit of rule 2: true when every "<5" among `cells` could still be any of 1…threshold − 1 for a
    /// reader who knows the published cells, the margin, that a "<5" is 1…threshold − 1 and that an "x" is
    /// threshold…(the smallest count still shown). For one sum with a box on every cell, interval arithmetic
    /// is exact: cell i ranges over [S − Σ others' maxima, S − Σ others' minima], S = total − published cells.
    public static func isProtected(_ counts: [Int], _ cells: [StatCell], margin: Margin, threshold t: Int) -> Bool {
        let small = cells.indices.filter { if case .suppressed = cells[$0] { return true }; return false }
        if small.isEmpty { return true }
        let shown = cells.compactMap(\.published)
        let largestX = shown.filter { $0 > 0 }.min()     // an "x" is at most the smallest count still shown
        func low(_ j: Int) -> Int { cells[j] == .withheld ? t : 1 }
        func high(_ j: Int) -> Int? { cells[j] == .withheld ? largestX : t - 1 }
        let hidden = cells.indices.filter { cells[$0].published == nil }
        for i in small {
            let others = hidden.filter { $0 != i }
            let othersLow = others.reduce(0) { $0 + low($1) }
            let othersHigh: Int? = others.reduce(Optional(0)) { sum, j in sum.flatMap { s in high(j).map { s + $0 } } }
            switch margin {
            case .none:
                continue
            case .sumIs(let total):
                let rest = total - shown.reduce(0, +)
                if rest - othersLow < t - 1 { return false }                  // could not be as large as t − 1
                if let h = othersHigh, rest - h > 1 { return false }         // could not be as small as 1
            case .sumIsAtLeast(let total):
                let rest = total - shown.reduce(0, +)
                if let h = othersHigh, rest - h > 1 { return false }
            }
        }
        return true
    }

    /// The largest month (or row) as it may be labelled beside a chart of `cells`: the largest published count
    /// when one is shown (an "x" is never larger, rule 2), "<5" when every non-zero count is a "<5", 0 when all
    /// are 0, and nil when the largest is an "x" (then no label may be given).
    public static func largest(_ cells: [StatCell]) -> StatCell? {
        if let top = cells.compactMap(\.published).max(), top > 0 { return .count(top) }
        if cells.contains(.withheld) { return nil }
        if let small = cells.first(where: { if case .suppressed = $0 { return true }; return false }) { return small }
        return .count(0)
    }

    /// Publishes `counts` under every rule above. The only way from raw counts to figures anyone may see.
    public static func publish(_ counts: StatisticsCounts, threshold t: Int) -> CaseStatistics {
        let registered = single(counts.registered, threshold: t)
        let closed = single(counts.closed, threshold: t)
        /// A breakdown of a total: protected, or left out (fixed rows: every cell "x"; other rows: none).
        func breakdown(_ items: [StatisticsCounts.Item], of total: StatCell, margin: Margin, fixedRows: Bool) -> [StatRow] {
            let cells = total.published == nil ? nil : protect(items.map(\.count), margin: margin, threshold: t)
            guard let cells else { return fixedRows ? items.map { StatRow(label: $0.label, value: .withheld) } : [] }
            let rows = zip(items, cells).map { StatRow(label: $0.0.label, value: $0.1) }
            return fixedRows ? rows : ranked(rows, by: \.value, label: \.label)
        }
        let newMonths = breakdown(counts.months.map { StatisticsCounts.Item(label: $0.month, count: $0.registered) }, of: registered,
                                  margin: .sumIs(counts.registered), fixedRows: true)
        let closedMonths = breakdown(counts.months.map { StatisticsCounts.Item(label: $0.month, count: $0.closed) }, of: closed,
                                     margin: .sumIs(counts.closed), fixedRows: true)
        let referrals = counts.referrals.map { r -> ReferralRow in
            let sent = single(r.sent, threshold: t), answered = single(r.answered, threshold: t)
            let accepted = single(r.accepted, threshold: t), completed = single(r.completed, threshold: t)
            func rate(_ part: StatCell, of base: StatCell) -> Int? {
                guard let p = part.published, let b = base.published, b >= t, b > 0 else { return nil }
                return Int((Double(p) * 100 / Double(b)).rounded())
            }
            let median = (answered.published.map { $0 >= t } == true && r.daysToAnswer.count == r.answered) ? CaseStatistics.median(r.daysToAnswer) : nil
            return ReferralRow(service: r.service, sent: sent, answered: answered, accepted: accepted, completed: completed,
                               acceptancePercent: rate(accepted, of: answered),
                               completionPercent: rate(completed, of: sent),
                               medianDaysToReply: median)
        }
        return CaseStatistics(
            from: counts.from, to: counts.to, threshold: t, newCases: registered, closedCases: closed,
            byConcern: breakdown(counts.byConcern, of: registered, margin: .sumIsAtLeast(counts.registered), fixedRows: false),
            byVillage: breakdown(counts.byVillage, of: registered, margin: .sumIs(counts.registered), fixedRows: false),
            byAgeGroup: breakdown(counts.byAgeGroup, of: registered, margin: .sumIs(counts.registered), fixedRows: true),
            bySex: breakdown(counts.bySex, of: registered, margin: .sumIs(counts.registered), fixedRows: true),
            byMonth: zip(newMonths, closedMonths).map { MonthRow(month: $0.0.label, new: $0.0.value, closed: $0.1.value) },
            referrals: ranked(referrals, by: \.sent, label: \.service),
            overdueFollowUps: single(counts.overdueFollowUps, threshold: t))
    }

    /// Rule 5: published counts largest first (then by name), then every hidden one by name.
    static func ranked<Row>(_ rows: [Row], by value: (Row) -> StatCell, label: (Row) -> String) -> [Row] {
        let shown = rows.filter { value($0).published != nil }
            .sorted { (value($1).published!, label($0)) < (value($0).published!, label($1)) }
        let hidden = rows.filter { value($0).published == nil }.sorted { label($0) < label($1) }
        return shown + hidden
    }
}

/// Raw counts of a period, as Storage reads them: never shown or written anywhere before
/// `DisclosureControl.publish` has turned them into `CaseStatistics`.
public struct StatisticsCounts: Sendable, Equatable {
    /// One row of a breakdown: its published label and the raw count.
    public struct Item: Sendable, Equatable {
        public var label: String
        public var count: Int
        public init(label: String, count: Int) {
            self.label = label
            self.count = count
        }
    }

    /// One month, `2026-03`: cases registered and cases closed in it.
    public struct Month: Sendable, Equatable {
        public var month: String
        public var registered: Int
        public var closed: Int
        public init(month: String, registered: Int, closed: Int) {
            self.month = month
            self.registered = registered
            self.closed = closed
        }
    }

    /// Referrals to one kind of service sent in the period.
    public struct Service: Sendable, Equatable {
        public var service: String
        public var sent: Int
        /// The provider answered: accepted, declined or completed.
        public var answered: Int
        /// Accepted or completed.
        public var accepted: Int
        public var completed: Int
        /// Days from sending to the provider's answer, one per answered referral with an answer date.
        public var daysToAnswer: [Double]
        public init(service: String, sent: Int, answered: Int, accepted: Int, completed: Int, daysToAnswer: [Double]) {
            self.service = service
            self.sent = sent
            self.answered = answered
            self.accepted = accepted
            self.completed = completed
            self.daysToAnswer = daysToAnswer
        }
    }

    /// First and last day (inclusive), `YYYY-MM-DD`.
    public var from: String
    public var to: String
    public var registered: Int
    public var closed: Int
    public var overdueFollowUps: Int
    /// Cases under each concern (a case counts under each of its concerns); only concerns with a case.
    public var byConcern: [Item]
    /// Only villages with a case.
    public var byVillage: [Item]
    /// Every age group, in order.
    public var byAgeGroup: [Item]
    /// Every sex, in order.
    public var bySex: [Item]
    /// Every month of the period, oldest first (from the first month with a case when the period starts earlier).
    public var months: [Month]
    public var referrals: [Service]

    public init(from: String, to: String, registered: Int, closed: Int, overdueFollowUps: Int, byConcern: [Item], byVillage: [Item],
                byAgeGroup: [Item], bySex: [Item], months: [Month], referrals: [Service]) {
        self.from = from
        self.to = to
        self.registered = registered
        self.closed = closed
        self.overdueFollowUps = overdueFollowUps
        self.byConcern = byConcern
        self.byVillage = byVillage
        self.byAgeGroup = byAgeGroup
        self.bySex = bySex
        self.months = months
        self.referrals = referrals
    }
}

/// The age groups statistics use (UNICEF / national child protection reporting): 0–4, 5–9, 10–14, 15–17.
public enum AgeGroup: String, CaseIterable, Sendable, Codable {
    case under5 = "0-4", from5to9 = "5-9", from10to14 = "10-14", from15to17 = "15-17", unknown

    public init(years: Int?) {
        switch years {
        case nil: self = .unknown
        case let y? where y < 5: self = .under5
        case let y? where y < 10: self = .from5to9
        case let y? where y < 15: self = .from10to14
        default: self = .from15to17
        }
    }
}

/// One line of a breakdown: what is counted (a label in the profile's language) and how many.
public struct StatRow: Hashable, Sendable, Codable {
    public var label: String
    public var value: StatCell
    public init(label: String, value: StatCell) {
        self.label = label
        self.value = value
    }
}

/// One month: cases registered and cases closed.
public struct MonthRow: Hashable, Sendable, Codable {
    /// `2026-03`.
    public var month: String
    public var new: StatCell
    public var closed: StatCell
    public init(month: String, new: StatCell, closed: StatCell) {
        self.month = month
        self.new = new
        self.closed = closed
    }
}

/// Referrals to one kind of service in the period.
public struct ReferralRow: Hashable, Sendable, Codable {
    public var service: String
    public var sent: StatCell
    /// The provider answered: accepted, declined or completed.
    public var answered: StatCell
    /// Accepted or completed.
    public var accepted: StatCell
    public var completed: StatCell
    /// Accepted of answered (percent, rounded); nil unless both are published and answered is at least the threshold.
    public var acceptancePercent: Int?
    /// Completed of sent (percent, rounded); nil unless both are published and sent is at least the threshold.
    public var completionPercent: Int?
    /// Median days from sending to the provider's answer; nil unless the answers are published and at least the threshold.
    public var medianDaysToReply: Double?

    public init(service: String, sent: StatCell, answered: StatCell, accepted: StatCell, completed: StatCell, acceptancePercent: Int?,
                completionPercent: Int?, medianDaysToReply: Double?) {
        self.service = service
        self.sent = sent
        self.answered = answered
        self.accepted = accepted
        self.completed = completed
        self.acceptancePercent = acceptancePercent
        self.completionPercent = completionPercent
        self.medianDaysToReply = medianDaysToReply
    }
}

/// Anonymised statistics for a period, as `DisclosureControl.publish` made them: no name, no count below the
/// threshold, nothing from which one can be worked out. What `kinga export stats` writes and the statistics
/// screen shows.
public struct CaseStatistics: Hashable, Sendable, Codable {
    /// First and last day (inclusive), `YYYY-MM-DD`.
    public var from: String
    public var to: String
    /// Counts from 1 to this − 1 are shown as "<threshold".
    public var threshold: Int
    public var newCases: StatCell
    public var closedCases: StatCell
    public var byConcern: [StatRow]
    public var byVillage: [StatRow]
    public var byAgeGroup: [StatRow]
    public var bySex: [StatRow]
    public var byMonth: [MonthRow]
    public var referrals: [ReferralRow]
    /// Open cases whose follow-up date has passed (on the day the figures were made).
    public var overdueFollowUps: StatCell

    public init(from: String, to: String, threshold: Int, newCases: StatCell, closedCases: StatCell, byConcern: [StatRow],
                byVillage: [StatRow], byAgeGroup: [StatRow], bySex: [StatRow], byMonth: [MonthRow], referrals: [ReferralRow],
                overdueFollowUps: StatCell) {
        self.from = from
        self.to = to
        self.threshold = threshold
        self.newCases = newCases
        self.closedCases = closedCases
        self.byConcern = byConcern
        self.byVillage = byVillage
        self.byAgeGroup = byAgeGroup
        self.bySex = bySex
        self.byMonth = byMonth
        self.referrals = referrals
        self.overdueFollowUps = overdueFollowUps
    }

    /// Median of `values` (nil when empty).
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
