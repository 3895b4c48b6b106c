import Foundation

/// A completed risk assessment: the guide's answers, what it suggested, and what the focal point chose.
public struct Assessment: Codable, Hashable, Sendable {
    public var answers: RiskAnswers
    public var suggested: RiskLevel
    public var reasons: [RiskReason]
    public var chosen: RiskLevel
    /// Required when `chosen` differs from `suggested`.
    public var whyDifferent: String

    public init(answers: RiskAnswers, chosen: RiskLevel, whyDifferent: String) {
        let s = RiskGuide.suggest(answers)
        self.answers = answers
        self.suggested = s.level
        self.reasons = s.reasons
        self.chosen = chosen
        self.whyDifferent = whyDifferent
    }

    /// Why it cannot be saved: a different level without a reason.
    public var missingReason: Bool {
        chosen != suggested && whyDifferent.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }
}

/// One goal of a case plan: what, who, by when.
public struct PlanGoal: Codable, Hashable, Sendable {
    public var what: String
    public var who: String
    public var by: LocalDate?
    public init(what: String, who: String, by: LocalDate?) {
        self.what = what
        self.who = who
        self.by = by
    }
}

/// The case plan (case planning step of the Inter-agency Guidelines, 2014).
public struct CasePlan: Codable, Hashable, Sendable {
    public var goals: [PlanGoal]
    public var childViews: String
    public var caregiverViews: String
    public init(goals: [PlanGoal], childViews: String, caregiverViews: String) {
        self.goals = goals
        self.childViews = childViews
        self.caregiverViews = caregiverViews
    }
}

/// A service provider in the directory.
public struct ServiceProvider: Codable, Hashable, Sendable, Identifiable {
    public var id: UUID
    public var version: Int
    public var name: String
    public var services: [ServiceType]
    public var area: String
    public var contact: String
    public var hours: String
    public var notes: String
    /// The device that added it, and when it was added and last changed (UTC); nil in a value made elsewhere.
    public var deviceID: UUID?
    public var createdAt: Date?
    public var updatedAt: Date?
    /// Retired providers stay for old referrals but are not offered for new ones.
    public var retired: Bool

    public init(id: UUID = UUID(), version: Int = 0, name: String, services: [ServiceType], area: String, contact: String,
                hours: String, notes: String, retired: Bool = false) {
        self.id = id
        self.version = version
        self.name = name
        self.services = services
        self.area = area
        self.contact = contact
        self.hours = hours
        self.notes = notes
        self.retired = retired
    }
}

/// A referral of a child to a service provider.
public struct Referral: Hashable, Sendable, Identifiable {
    public var id: UUID
    public var caseID: UUID
    public var caseNumber: CaseNumber
    public var childName: String
    public var providerID: UUID
    public var providerName: String
    public var service: ServiceType
    public var reason: String
    public var urgent: Bool
    public var status: ReferralStatus
    public var sentOn: LocalDate
    public var respondedOn: LocalDate?
    public var statusNote: String
    public var feedback: String
    /// Set only when a supervisor really overrode missing consent.
    public var overrideBy: String?
    public var overrideReason: String?
    public var version: Int
    /// The device that sent it, and when it was made and last changed (UTC); nil in a value made elsewhere.
    public var deviceID: UUID?
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(id: UUID, caseID: UUID, caseNumber: CaseNumber, childName: String, providerID: UUID, providerName: String,
                service: ServiceType, reason: String, urgent: Bool, status: ReferralStatus, sentOn: LocalDate,
                respondedOn: LocalDate?, statusNote: String, feedback: String, overrideBy: String?, overrideReason: String?, version: Int) {
        self.id = id
        self.caseID = caseID
        self.caseNumber = caseNumber
        self.childName = childName
        self.providerID = providerID
        self.providerName = providerName
        self.service = service
        self.reason = reason
        self.urgent = urgent
        self.status = status
        self.sentOn = sentOn
        self.respondedOn = respondedOn
        self.statusNote = statusNote
        self.feedback = feedback
        self.overrideBy = overrideBy
        self.overrideReason = overrideReason
        self.version = version
    }

    /// Days since it was sent.
    public func ageInDays(today: LocalDate) -> Int { today.daysSinceEpoch - sentOn.daysSinceEpoch }
}

/// How a follow-up was made.
public enum FollowUpMode: String, CaseIterable, Codable, Sendable { case visit, call, meeting }

/// A follow-up (follow-up and review step).
public struct FollowUp: Codable, Hashable, Sendable {
    public var mode: FollowUpMode
    public var outcome: String
    /// Is the child safe now, as the focal point saw it?
    public var childSafe: Bool
    public var next: LocalDate?
    public init(mode: FollowUpMode, outcome: String, childSafe: Bool, next: LocalDate?) {
        self.mode = mode
        self.outcome = outcome
        self.childSafe = childSafe
        self.next = next
    }
}

/// Where a transferred case went: a service provider from the directory, or one written in by hand.
/// Whether it is a formal service of the national system follows from its kind of service
/// (`ServiceType.isFormal`), never from what the person typed.
public struct TransferDestination: Codable, Hashable, Sendable {
    /// The directory entry, when the destination was chosen from the directory; nil when written in.
    public var providerID: UUID?
    /// The agency's name as shown and printed (trimmed; empty means no destination was named).
    public var name: String
    /// The kind of service the agency gives (for a directory entry, the service it was chosen for).
    public var service: ServiceType
    public init(providerID: UUID? = nil, name: String, service: ServiceType) {
        self.providerID = providerID
        self.name = name
        self.service = service
    }
    /// True when the destination is a formal service (police, social welfare, health, legal aid).
    public var isFormal: Bool { service.isFormal }
    /// True when a destination is really named (not only spaces).
    public var isNamed: Bool { !name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
}

/// Closing a case: a reason from the standard list, the checklist, and a note.
public struct Closure: Codable, Hashable, Sendable {
    public var reason: ClosureReason
    public var goalsMet: Bool
    public var childSafe: Bool
    /// Every referral is resolved, or the note explains why not.
    public var referralsResolvedOrExplained: Bool
    public var note: String
    /// Where the case went, for the reason "transferred" (required then; ignored for other reasons).
    /// Closures stored before issue #15 have none.
    public var transferredTo: TransferDestination?
    public init(reason: ClosureReason, goalsMet: Bool, childSafe: Bool, referralsResolvedOrExplained: Bool, note: String,
                transferredTo: TransferDestination? = nil) {
        self.reason = reason
        self.goalsMet = goalsMet
        self.childSafe = childSafe
        self.referralsResolvedOrExplained = referralsResolvedOrExplained
        self.note = note
        self.transferredTo = transferredTo
    }
}

/// Why a case cannot be closed yet.
public enum ClosureProblem: Hashable, Sendable {
    case noteMissing
    /// "Plan goals met and child safe" needs both ticks.
    case goalsAndSafetyNotConfirmed
    /// Some referrals are still open and the checklist does not explain them.
    case referralsOpen(Int)
    /// The profile requires a referral to a formal service for these concerns (law or SOP); mediation alone is not enough.
    case formalReferralRequired([String])
    /// "No longer want support" is only allowed when the child is safe.
    case notSafeToStop
    /// "Plan goals met" needs a case plan.
    case noPlan
    /// No risk assessment since the case was opened or reopened (see `ClosureRules`).
    case noAssessment
    /// Closing for "another reason" needs the child's safety confirmed on the checklist.
    case safetyNotConfirmed
    /// "Transferred" must name where the case went.
    case transferDestinationMissing
    /// The profile requires formal services for these concerns, and the case was "transferred" to a service
    /// that is not formal (family mediation, for example): that is not a hand-over to the national system.
    case transferNotFormal([String])
}

/// When a case may close.
///
/// The Inter-agency Guidelines for Case Management and Child Protection (Child Protection Working Group,
/// 2014), step 6 "Case closure", close a case on a documented review that the child is safe and the plan's
/// goals are met, or for one of a few other reasons (the child or family no longer want support and the child
/// is safe, the child turns 18, the case is transferred, the child moves away or cannot be found, the child
/// dies), with the reason recorded. Kinga reads that as:
/// - a closing note and a reason from the standard list, always;
/// - a risk assessment recorded since the case was opened or reopened: a case never assessed was never
///   reviewed. Only when the child has died, or has moved away or cannot be found, can nobody assess, so
///   those two reasons need none;
/// - the checklist answered for the reason given: goals met needs a plan, "goals met" and "child safe";
///   stopping at the family's wish, and "another reason", need "child safe"; open referrals need finishing
///   or the note's explanation;
/// - the profile's rule that some concerns must reach formal services (law or SOP): such a case closes only
///   after a referral to a formal service that was not declined or withdrawn, or by a transfer to a formal
///   service; a transfer to any other service is refused (issue #15: calling a mediation-only path a
///   "transfer" must not dodge the law);
/// - a transfer names where the case went (a provider from the directory or one written in), as the
///   guidelines' step 6 asks for a documented hand-over.
public enum ClosureRules {
    /// Reasons for which nobody can assess the child any more, so no risk assessment is needed to close.
    public static let noAssessmentNeeded: Set<ClosureReason> = [.death, .movedAway]

    /// Checks a closure against the case's referrals, concerns, assessment and the profile rules.
    /// - Parameters:
    ///   - referrals: every referral of the case (status and whether the service is formal).
    ///   - hasPlan: the case has a plan; `assessed`: a risk assessment is recorded since it was (re)opened.
    /// - Returns: the problems; empty when the case may close.
    public static func problems(_ c: Closure, concerns: [String], referrals: [(status: ReferralStatus, formal: Bool)],
                                rules: ProfileRules, hasPlan: Bool, assessed: Bool) -> [ClosureProblem] {
        var out: [ClosureProblem] = []
        if c.note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { out.append(.noteMissing) }
        if !assessed && !noAssessmentNeeded.contains(c.reason) { out.append(.noAssessment) }
        if c.reason == .goalsMet && !hasPlan { out.append(.noPlan) }
        if c.reason == .goalsMet && !(c.goalsMet && c.childSafe) { out.append(.goalsAndSafetyNotConfirmed) }
        if c.reason == .noLongerWanted && !c.childSafe { out.append(.notSafeToStop) }
        if c.reason == .other && !c.childSafe { out.append(.safetyNotConfirmed) }
        let open = referrals.filter { !$0.status.isResolved }.count
        if open > 0 && !c.referralsResolvedOrExplained { out.append(.referralsOpen(open)) }
        let destination = c.reason == .transferred ? c.transferredTo.flatMap { $0.isNamed ? $0 : nil } : nil
        if c.reason == .transferred && destination == nil { out.append(.transferDestinationMissing) }
        if rules.needsFormalReferral(concerns) {
            let lawful = concerns.filter { rules.formalReportConcerns.contains($0) }
            let referredFormally = referrals.contains { $0.formal && $0.status != .withdrawn && $0.status != .declined }
            switch c.reason {
            case .death:
                break  // nobody is left to protect; the death itself is reported by whoever learns of it
            case .transferred:
                // A hand-over to a formal service ends the duty; a "transfer" to anything else does not hand the
                // case to the national system, whatever was sent before.
                if let d = destination, !d.isFormal { out.append(.transferNotFormal(lawful)) }
            default:
                if !referredFormally { out.append(.formalReferralRequired(lawful)) }
            }
        }
        return out
    }
}

/// What a referral must warn about before it is sent.
///
/// Mediation between a child and the person who harmed them can put the child back in danger and, for
/// concerns the law says must reach formal services (for example sexual violence), can be used to settle a
/// crime privately (UNICEF and the Alliance for Child Protection in Humanitarian Action, Minimum Standards
/// for Child Protection in Humanitarian Action, 2019, standard 18; the profile's `formalReportConcerns`).
/// Kinga does not forbid the referral (mediation can come beside formal services), but says so first, and
/// a case with only mediation cannot be closed (`ClosureRules`).
public enum ReferralRules {
    /// The case's concerns that make sending `service` need a warning first: the concerns the profile says
    /// must reach formal services, when the service is family mediation; empty otherwise.
    public static func mediationWarning(service: ServiceType, concerns: [String], rules: ProfileRules) -> [String] {
        guard service == .familyMediation else { return [] }
        return concerns.filter { rules.formalReportConcerns.contains($0) }
    }
}

/// Something that needs doing, for the "Due today" list.
public struct DueItem: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// No first action inside the profile's deadline.
        case firstActionOverdue
        /// A follow-up whose date has come (or passed).
        case followUpDue
        /// A referral with no reply for longer than the profile allows.
        case referralStale
        /// A referral still waiting for a reply.
        case referralWaiting
        /// An open case not reviewed (assessed or followed up) within the profile's review interval.
        case reviewDue
        /// A report nobody has taken yet (the intake queue, for example from a child-friendly session).
        case waitingForFocalPoint
        /// A supervisor returned work on this case with a comment.
        case returnedForCorrection
    }
    public var kind: Kind
    public var caseID: UUID
    public var caseNumber: CaseNumber
    public var childName: String
    public var urgent: Bool
    /// Days overdue (0 = due today), or the referral's age in days.
    public var days: Int
    public var detail: String

    public init(kind: Kind, caseID: UUID, caseNumber: CaseNumber, childName: String, urgent: Bool, days: Int, detail: String) {
        self.kind = kind
        self.caseID = caseID
        self.caseNumber = caseNumber
        self.childName = childName
        self.urgent = urgent
        self.days = days
        self.detail = detail
    }
}

