import Foundation

/// A count as it may be shown outside the team: the number, or "fewer than the threshold" when a small
/// number could point at one child (small-cell suppression, issue #8).
public enum StatCell: Hashable, Sendable, Codable, CustomStringConvertible {
    case count(Int)
    /// Between 1 and `threshold − 1` (or hidden so that a hidden cell cannot be worked out from a total).
    case suppressed(threshold: Int)

    /// "12", or "<5" for a suppressed cell.
    public var description: String {
        switch self {
        case .count(let n): return String(n)
        case .suppressed(let t): return "<\(t)"
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .count(let n): try c.encode(n)
        case .suppressed: try c.encode(description)
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) { self = .count(n); return }
        let s = try c.decode(String.self)
        guard s.hasPrefix("<"), let t = Int(s.dropFirst()) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a number or <N")
        }
        self = .suppressed(threshold: t)
    }
}

/// Small-cell suppression for anonymised statistics.
///
/// Counts from 1 to `threshold − 1` are hidden ("<5"): a small number in a small place can identify a
/// child. Zero is shown (it says nothing about anyone). When exactly one cell of a breakdown is hidden,
/// the next smallest shown cell is hidden too, so the hidden one cannot be worked out from the total
/// ("complementary suppression", as in the ONS and Eurostat guidance on disclosure control). The threshold
/// comes from the country profile (`small_cell_threshold`, default 5).
public enum Suppression {
    /// Applies the rule to the cells of one breakdown (their total is published separately).
    public static func apply(_ counts: [Int], threshold: Int) -> [StatCell] {
        guard threshold > 1 else { return counts.map(StatCell.count) }
        var hidden = counts.map { $0 > 0 && $0 < threshold }
        if hidden.filter({ $0 }).count == 1,
           let next = counts.indices.filter({ !hidden[$0] && counts[$0] > 0 }).min(by: { counts[$0] < counts[$1] }) {
            hidden[next] = true
        }
        return counts.indices.map { hidden[$0] ? .suppressed(threshold: threshold) : .count(counts[$0]) }
    }

    /// A single figure on its own (a total, a number of overdue follow-ups): hidden when small.
    public static func single(_ n: Int, threshold: Int) -> StatCell {
        n > 0 && n < threshold ? .suppressed(threshold: threshold) : .count(n)
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
    public var accepted: StatCell
    public var completed: StatCell
    /// Accepted or completed, of those answered (percent, rounded); nil when fewer answers than the threshold.
    public var acceptancePercent: Int?
    /// Completed, of those sent (percent, rounded); nil when fewer sent than the threshold.
    public var completionPercent: Int?
    /// Median days from sending to the provider's answer; nil when fewer answers than the threshold.
    public var medianDaysToReply: Double?

    public init(service: String, sent: StatCell, accepted: StatCell, completed: StatCell, acceptancePercent: Int?,
                completionPercent: Int?, medianDaysToReply: Double?) {
        self.service = service
        self.sent = sent
        self.accepted = accepted
        self.completed = completed
        self.acceptancePercent = acceptancePercent
        self.completionPercent = completionPercent
        self.medianDaysToReply = medianDaysToReply
    }
}

/// Anonymised statistics for a period: no name, no village smaller than the threshold shows a number, no
/// record can be told apart. What `kinga export stats` writes and the statistics screen shows.
public struct CaseStatistics: Hashable, Sendable, Codable {
    /// First and last day (inclusive), `YYYY-MM-DD`.
    public var from: String
    public var to: String
    /// Counts below this are shown as "<threshold".
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
