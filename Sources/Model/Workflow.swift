import Foundation

/// Deadlines a country profile sets (never code): time to first action by risk level, follow-up interval by
/// risk level, the longest gap between case reviews, and when a referral without a reply counts as stale.
///
/// Common values (Inter-agency Guidelines for Case Management and Child Protection, 2014, §3.2 and
/// Primero's default response times): 24 hours for high risk, 3 days for medium, 1 week for low; reviews at
/// least every 3 months. Each profile names its own source in `source`.
public struct Deadlines: Codable, Hashable, Sendable {
    /// Hours from registration to the first action (assessment, visit or referral), by risk level.
    public var firstActionHours: [RiskLevel: Int]
    /// Days between follow-ups, by risk level.
    public var followUpDays: [RiskLevel: Int]
    /// Longest time between reviews of an open case, in days.
    public var reviewDays: Int
    /// Days after which a pending referral with no reply is stale.
    public var referralStaleDays: Int
    /// Where these numbers come from.
    public var source: String

    /// The values of the Inter-agency Guidelines (2014), used when a profile sets none.
    public static let standard = Deadlines(firstActionHours: [.high: 24, .medium: 72, .low: 168],
                                           followUpDays: [.high: 7, .medium: 14, .low: 30],
                                           reviewDays: 90, referralStaleDays: 14,
                                           source: "Inter-agency Guidelines for Case Management and Child Protection (2014)")

    public init(firstActionHours: [RiskLevel: Int], followUpDays: [RiskLevel: Int], reviewDays: Int, referralStaleDays: Int, source: String) {
        self.firstActionHours = firstActionHours
        self.followUpDays = followUpDays
        self.reviewDays = reviewDays
        self.referralStaleDays = referralStaleDays
        self.source = source
    }

    /// Hours to first action for a case: its risk level, or "high" when it is urgent or not yet assessed
    /// (an unassessed report is treated as serious until someone has looked).
    public func firstActionHours(risk: RiskLevel?, urgent: Bool) -> Int {
        if urgent { return firstActionHours[.high] ?? 24 }
        return firstActionHours[risk ?? .high] ?? 24
    }

    enum CodingKeys: String, CodingKey {
        case firstActionHours = "first_action_hours"
        case followUpDays = "follow_up_days"
        case reviewDays = "review_days"
        case referralStaleDays = "referral_stale_days"
        case source
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func levels(_ k: CodingKeys) throws -> [RiskLevel: Int] {
            let raw = try c.decode([String: Int].self, forKey: k)
            var out: [RiskLevel: Int] = [:]
            for (key, v) in raw {
                guard let level = RiskLevel(rawValue: key), v > 0 else {
                    throw DecodingError.dataCorruptedError(forKey: k, in: c, debugDescription: "\(key): \(v) is not a risk level with a positive number")
                }
                out[level] = v
            }
            guard out.count == RiskLevel.allCases.count else {
                throw DecodingError.dataCorruptedError(forKey: k, in: c, debugDescription: "needs high, medium and low")
            }
            return out
        }
        firstActionHours = try levels(.firstActionHours)
        followUpDays = try levels(.followUpDays)
        reviewDays = try c.decode(Int.self, forKey: .reviewDays)
        referralStaleDays = try c.decode(Int.self, forKey: .referralStaleDays)
        source = try c.decode(String.self, forKey: .source)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Dictionary(uniqueKeysWithValues: firstActionHours.map { ($0.key.rawValue, $0.value) }), forKey: .firstActionHours)
        try c.encode(Dictionary(uniqueKeysWithValues: followUpDays.map { ($0.key.rawValue, $0.value) }), forKey: .followUpDays)
        try c.encode(reviewDays, forKey: .reviewDays)
        try c.encode(referralStaleDays, forKey: .referralStaleDays)
        try c.encode(source, forKey: .source)
    }
}

/// How bad the harm is, as the assessing focal point judges it.
public enum Severity: String, CaseIterable, Codable, Sendable { case mild, moderate, severe }
/// How often it happens.
public enum Frequency: String, CaseIterable, Codable, Sendable { case once, sometimes, often }

/// The answers of the plain-language risk guide (assessment step of the Inter-agency Guidelines, 2014).
public struct RiskAnswers: Codable, Hashable, Sendable {
    /// Is the child in immediate danger?
    public var immediateDanger: Bool
    /// Does the person who hurt the child still have access to them?
    public var harmerHasAccess: Bool
    public var severity: Severity
    public var frequency: Frequency
    /// Is there a safe adult who can protect the child?
    public var safeAdult: Bool
    /// The child's own views, in their words.
    public var childViews: String

    public init(immediateDanger: Bool, harmerHasAccess: Bool, severity: Severity, frequency: Frequency, safeAdult: Bool, childViews: String) {
        self.immediateDanger = immediateDanger
        self.harmerHasAccess = harmerHasAccess
        self.severity = severity
        self.frequency = frequency
        self.safeAdult = safeAdult
        self.childViews = childViews
    }
}

/// Why the guide suggests a level: each reason is shown to the user next to the suggestion.
public enum RiskReason: String, CaseIterable, Codable, Sendable {
    case immediateDanger, severeHarm, harmerHasAccessNoSafeAdult, harmerHasAccess, noSafeAdult, moderateHarm, happensOften, none
}

/// The risk guide's rule. It suggests; the focal point decides and must say why when choosing another level.
///
/// High when the child is in immediate danger, the harm is severe, or the person who harmed them still has
/// access and no safe adult protects them; medium when any one of these holds: moderate harm, harm that
/// happens often, the harmer still has access, no safe adult; otherwise low. This mirrors the risk matrix of
/// the CPMS Standard 15 (Case management) guidance: likelihood (access, frequency, protection) × impact
/// (severity), with immediate danger always high.
public enum RiskGuide {
    public static func suggest(_ a: RiskAnswers) -> (level: RiskLevel, reasons: [RiskReason]) {
        var high: [RiskReason] = []
        if a.immediateDanger { high.append(.immediateDanger) }
        if a.severity == .severe { high.append(.severeHarm) }
        if a.harmerHasAccess && !a.safeAdult { high.append(.harmerHasAccessNoSafeAdult) }
        if !high.isEmpty { return (.high, high) }
        var medium: [RiskReason] = []
        if a.severity == .moderate { medium.append(.moderateHarm) }
        if a.frequency == .often { medium.append(.happensOften) }
        if a.harmerHasAccess { medium.append(.harmerHasAccess) }
        if !a.safeAdult { medium.append(.noSafeAdult) }
        if !medium.isEmpty { return (.medium, medium) }
        return (.low, [.none])
    }
}

/// Referral status (Primero): pending → accepted or declined (with a reason) → completed; or withdrawn.
public enum ReferralStatus: String, CaseIterable, Codable, Sendable {
    case pending, accepted, declined, completed, withdrawn

    /// The statuses a referral may move to from this one.
    public var next: [ReferralStatus] {
        switch self {
        case .pending: return [.accepted, .declined, .withdrawn]
        case .accepted: return [.completed, .withdrawn]
        case .declined, .completed, .withdrawn: return []
        }
    }

    /// True when nothing more is expected (the referral is resolved one way or another).
    public var isResolved: Bool { next.isEmpty }
}

/// Service types of the directory and of referrals (DESIGN.md §5, after Primero's service list).
public enum ServiceType: String, CaseIterable, Codable, Sendable {
    case health, psychosocial, police, legal, shelter, familyMediation = "family_mediation"
    case familyReunification = "family_reunification", education, livelihoods
    case birthRegistration = "birth_registration", food, socialWelfare = "social_welfare", other

    /// Formal services of the national system (referral to one of these satisfies a profile's
    /// "must be reported to formal services" rule).
    public var isFormal: Bool { [.police, .socialWelfare, .health, .legal].contains(self) }
}

/// Closure reasons (Primero's standard list).
public enum ClosureReason: String, CaseIterable, Codable, Sendable {
    case goalsMet = "goals_met"
    case noLongerWanted = "no_longer_wanted"
    case turned18 = "turned_18"
    case transferred
    case movedAway = "moved_away"
    case death
    case other
}

/// The workflow stage, always computed from the case's data, never stored by hand (Primero's stages).
public enum WorkflowStage: String, CaseIterable, Codable, Sendable {
    case new, assessment, casePlan = "case_plan", serviceProvision = "service_provision"
    case servicesImplemented = "services_implemented", closed, reopened
}

/// The facts the stage, deadlines and closure rules are computed from.
public struct CaseFacts: Sendable {
    public var status: CaseStatus
    public var registeredAt: Date
    public var risk: RiskLevel?
    public var urgent: Bool
    public var assessed: Bool
    public var hasPlan: Bool
    public var referrals: [ReferralStatus]
    public var reopened: Bool
    /// When the first action after registration happened (assessment, follow-up or referral), if any.
    public var firstActionAt: Date?

    public init(status: CaseStatus, registeredAt: Date, risk: RiskLevel?, urgent: Bool, assessed: Bool, hasPlan: Bool,
                referrals: [ReferralStatus], reopened: Bool, firstActionAt: Date?) {
        self.status = status
        self.registeredAt = registeredAt
        self.risk = risk
        self.urgent = urgent
        self.assessed = assessed
        self.hasPlan = hasPlan
        self.referrals = referrals
        self.reopened = reopened
        self.firstActionAt = firstActionAt
    }
}

public enum Workflow {
    /// The stage: closed when closed; otherwise reopened until assessed again; then the furthest step the
    /// data shows (assessment → case plan → service provision while a referral is open → services implemented
    /// when every referral is resolved).
    public static func stage(_ f: CaseFacts) -> WorkflowStage {
        if f.status != .open { return .closed }
        if f.reopened && !f.assessed { return .reopened }
        // Declined and withdrawn referrals gave no service: they do not move the stage.
        let active = f.referrals.filter { $0 != .withdrawn && $0 != .declined }
        if !active.isEmpty {
            return active.allSatisfy(\.isResolved) ? .servicesImplemented : .serviceProvision
        }
        if f.hasPlan { return .casePlan }
        if f.assessed { return .assessment }
        return f.reopened ? .reopened : .new
    }

    /// When the first action is due (registration + the profile's hours for the case's risk).
    public static func firstActionDue(_ f: CaseFacts, deadlines: Deadlines) -> Date {
        f.registeredAt.addingTimeInterval(Double(deadlines.firstActionHours(risk: f.risk, urgent: f.urgent)) * 3600)
    }

    /// True when an open case has had no first action and its deadline has passed.
    public static func firstActionOverdue(_ f: CaseFacts, deadlines: Deadlines, now: Date) -> Bool {
        f.status == .open && f.firstActionAt == nil && now > firstActionDue(f, deadlines: deadlines)
    }

    /// The date the next follow-up is due after a visit on `day` for a case at `risk` (medium when unassessed).
    public static func nextFollowUp(after day: LocalDate, risk: RiskLevel?, deadlines: Deadlines) -> LocalDate {
        day.adding(days: deadlines.followUpDays[risk ?? .medium] ?? 14)
    }

    /// True when a pending referral sent on `sent` has had no reply for longer than the profile allows.
    public static func referralIsStale(status: ReferralStatus, sent: LocalDate, today: LocalDate, deadlines: Deadlines) -> Bool {
        status == .pending && today.daysSinceEpoch - sent.daysSinceEpoch > deadlines.referralStaleDays
    }
}

/// Whether a referral may be sent, given the consent recorded at intake.
public enum ConsentCheck: Equatable, Sendable {
    /// The child assented and the caregiver consented.
    case consented
    /// Not both, but a reason to proceed in the child's best interest is recorded.
    case proceedingInBestInterest(reason: String)
    /// Neither: a supervisor must override, with a reason.
    case missing

    /// Reads the intake consent (Inter-agency Guidelines 2014, §2.4: informed consent and assent, and
    /// acting in the child's best interest when consent cannot be sought).
    public static func of(_ r: Report) -> ConsentCheck {
        if r.childAssent == .yes && r.caregiverConsent == .yes { return .consented }
        let reason = r.reasonWithoutConsent.trimmingCharacters(in: .whitespacesAndNewlines)
        return reason.isEmpty ? .missing : .proceedingInBestInterest(reason: reason)
    }
}
