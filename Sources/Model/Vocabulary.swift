import Foundation

/// Who told the community mechanism about the child (the first step of the guided report).
///
/// The list follows the informant types common to community intake forms (Primero's "source of
/// information"), in plain words.
public enum ReporterKind: String, CaseIterable, Codable, Sendable {
    case child
    case familyMember = "family_member"
    case neighbour
    case teacher
    case healthWorker = "health_worker"
    case communityLeader = "community_leader"
    case anonymous
}

/// The child's sex as told by the reporter. `unknown` is always allowed.
public enum Sex: String, CaseIterable, Codable, Sendable {
    case female, male, unknown
}

/// A yes/no answer that may also be "not asked yet" (consent, assent).
public enum Answer: String, CaseIterable, Codable, Sendable {
    case yes, no, notAsked = "not_asked"
}

/// Case status (Primero): the workflow *stage* is computed from the data, the status is set by actions.
public enum CaseStatus: String, CaseIterable, Codable, Sendable {
    case open, closed, transferred, duplicate
}

/// Risk level from the assessment (Primero: high, medium, low). Nil on a case not yet assessed.
public enum RiskLevel: String, CaseIterable, Codable, Sendable {
    case high, medium, low
}

/// What kind of entry a timeline event is.
public enum EventKind: String, CaseIterable, Codable, Sendable {
    /// The report that opened the case (identification and registration).
    case reportReceived = "report_received"
    /// Consent and assent as recorded at intake, or the reason to go ahead without them.
    case consentRecorded = "consent_recorded"
    /// The child was said to be in immediate danger: urgent protection concern.
    case urgentFlagged = "urgent_flagged"
    /// A free-text note added by a focal point.
    case note
    /// A risk assessment with the level chosen.
    case assessment
    /// The case plan (goals, actions, the child's and caregiver's views).
    case casePlan = "case_plan"
    /// A referral sent to a service provider.
    case referralSent = "referral_sent"
    /// A referral accepted, declined, completed or withdrawn, with feedback.
    case referralUpdated = "referral_updated"
    /// A follow-up visit or call.
    case followUp = "follow_up"
    /// The case was closed.
    case closed
    /// The case was reopened, with a reason.
    case reopened
    /// An entry of a kind this version of Kinga does not know (written by a newer one): shown with its stored
    /// words, never dropped. Never stored.
    case other
}

/// Protection concerns: Primero's list adapted for community mechanisms (DESIGN.md §5).
/// A country profile lists which of these it uses and may relabel them; these ids are what is stored.
public enum StandardConcern {
    public static let ids: [String] = [
        "physical_violence", "sexual_violence", "emotional_abuse", "neglect", "child_labour",
        "sexual_exploitation", "trafficking", "child_marriage", "fgm", "separated",
        "child_headed_household", "vulnerable_caregiver", "disability", "serious_health",
        "mental_distress", "conflict_with_law", "out_of_school", "online_abuse", "other",
    ]
}
