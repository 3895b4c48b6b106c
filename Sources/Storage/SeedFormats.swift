import Foundation
import Model

/// One fictional case in `seeds/demo/*.yaml`. Dates are relative to "today" (the clock), so the demo always
/// looks current. All names, places and stories in seeds are fictional.
///
/// Shape (YAML):
/// ```yaml
/// cases:
///   - child: "Sari W."            # may be "" or a nickname
///     sex: female                 # female | male | unknown
///     age: 9                      # approximate age in years, or…
///     born_days_ago: 120          # …an exact date of birth this many days before today (infants)
///     village: "Kampung Melati"
///     caregiver: "Ibu Wati (mother)"
///     concerns: [neglect, out_of_school]   # ids from the profile
///     reporter: teacher           # a ReporterKind raw value
///     reporter_name: "Pak Budi"   # optional
///     reporter_contact: "0812…"   # optional
///     reported_days_ago: 12       # when the report was received
///     reported_hour: 9            # optional, hour of day (local), default 10
///     when: "last week"           # optional, when it happened (free text)
///     where: "at home"            # optional
///     narrative: "…"              # the reporter's words
///     in_danger: false
///     child_assent: yes           # yes | no | not_asked
///     caregiver_consent: yes
///     reason_without_consent: ""  # required when either is not yes
///     status: open                # open | closed | transferred | duplicate
///     author: "Ibu Ratna"         # who recorded the report (the seeder works in her session; see `Seeds.fillDemo`)
///     events:                     # optional timeline notes after the report
///       - days_ago: 10
///         hour: 14
///         author: "Ibu Ratna"
///         text: "Visited the family…"   # first line becomes the summary
/// ```
public struct DemoSeedFile: Codable, Sendable {
    public var cases: [DemoCaseSeed]
}

/// See `DemoSeedFile` for the YAML shape.
public struct DemoCaseSeed: Codable, Sendable {
    public var child: String
    public var sex: Sex
    public var age: Int?
    public var bornDaysAgo: Int?
    public var village: String
    public var caregiver: String?
    public var concerns: [String]
    public var reporter: ReporterKind
    public var reporterName: String?
    public var reporterContact: String?
    public var reportedDaysAgo: Int
    public var reportedHour: Int?
    public var when: String?
    public var `where`: String?
    public var narrative: String
    public var inDanger: Bool
    public var childAssent: Answer
    public var caregiverConsent: Answer
    public var reasonWithoutConsent: String?
    public var status: CaseStatus?
    public var author: String
    public var events: [DemoEventSeed]?
    public var assessment: DemoCycleSeed.AssessmentSeed?
    public var plan: DemoCycleSeed.PlanSeed?
    public var referrals: [DemoCycleSeed.ReferralSeed]?
    public var followUps: [DemoCycleSeed.FollowUpSeed]?
    public var closure: DemoCycleSeed.ClosureSeed?
    public var reopen: DemoCycleSeed.ReopenSeed?

    enum CodingKeys: String, CodingKey {
        case child, sex, age, village, caregiver, concerns, reporter, when, `where`, narrative, status, author, events
        case assessment, plan, referrals, closure, reopen
        case followUps = "follow_ups"
        case bornDaysAgo = "born_days_ago"
        case reporterName = "reporter_name"
        case reporterContact = "reporter_contact"
        case reportedDaysAgo = "reported_days_ago"
        case reportedHour = "reported_hour"
        case inDanger = "in_danger"
        case childAssent = "child_assent"
        case caregiverConsent = "caregiver_consent"
        case reasonWithoutConsent = "reason_without_consent"
    }
}

/// A timeline note in a demo case.
public struct DemoEventSeed: Codable, Sendable {
    public var daysAgo: Int
    public var hour: Int?
    public var author: String
    public var text: String

    enum CodingKeys: String, CodingKey {
        case daysAgo = "days_ago"
        case hour, author, text
    }
}

/// Cycle steps of a demo case (all optional). `*_days_ago` count back from today; steps are applied in time
/// order through the same Storage API the screens use, so seeds obey every rule.
public struct DemoCycleSeed: Codable, Sendable {
    public struct AssessmentSeed: Codable, Sendable {
        public var daysAgo: Int
        public var danger: Bool
        public var access: Bool
        public var severity: Severity
        public var frequency: Frequency
        public var safeAdult: Bool
        public var childViews: String?
        public var level: RiskLevel
        public var why: String?
        enum CodingKeys: String, CodingKey {
            case daysAgo = "days_ago", danger, access, severity, frequency, safeAdult = "safe_adult", childViews = "child_views", level, why
        }
    }
    public struct GoalSeed: Codable, Sendable {
        public var what: String
        public var who: String?
        public var byInDays: Int?
        enum CodingKeys: String, CodingKey { case what, who, byInDays = "by_in_days" }
    }
    public struct PlanSeed: Codable, Sendable {
        public var daysAgo: Int
        public var goals: [GoalSeed]
        public var childViews: String?
        public var caregiverViews: String?
        enum CodingKeys: String, CodingKey { case daysAgo = "days_ago", goals, childViews = "child_views", caregiverViews = "caregiver_views" }
    }
    public struct ReferralSeed: Codable, Sendable {
        public var daysAgo: Int
        public var provider: String
        public var service: ServiceType
        public var reason: String
        public var urgent: Bool?
        public var status: ReferralStatus
        public var answeredDaysAgo: Int?
        public var note: String?
        public var feedback: String?
        public var supervisorOverride: String?
        public var overrideReason: String?
        enum CodingKeys: String, CodingKey {
            case daysAgo = "days_ago", provider, service, reason, urgent, status, answeredDaysAgo = "answered_days_ago", note, feedback
            case supervisorOverride = "supervisor_override", overrideReason = "override_reason"
        }
    }
    public struct FollowUpSeed: Codable, Sendable {
        public var daysAgo: Int
        public var mode: FollowUpMode
        public var outcome: String
        public var safe: Bool
        public var nextInDays: Int?
        enum CodingKeys: String, CodingKey { case daysAgo = "days_ago", mode, outcome, safe, nextInDays = "next_in_days" }
    }
    public struct ClosureSeed: Codable, Sendable {
        public var daysAgo: Int
        public var reason: ClosureReason
        public var goalsMet: Bool
        public var childSafe: Bool
        public var referralsDone: Bool
        public var note: String
        /// For `reason: transferred`: the agency's name, a provider of seeds/directory when one has that name
        /// (then it is linked to it), otherwise written in.
        public var transferredTo: String?
        /// For `reason: transferred`: the kind of service the agency gives; for a directory provider, defaults to
        /// its first formal service.
        public var transferredService: ServiceType?
        enum CodingKeys: String, CodingKey {
            case daysAgo = "days_ago", reason, goalsMet = "goals_met", childSafe = "child_safe", referralsDone = "referrals_done", note
            case transferredTo = "transferred_to", transferredService = "transferred_service"
        }
    }
    public struct ReopenSeed: Codable, Sendable {
        public var daysAgo: Int
        public var reason: String
        enum CodingKeys: String, CodingKey { case daysAgo = "days_ago", reason }
    }
}

/// `seeds/directory/*.yaml`: a fictional service directory for the demo.
public struct DirectorySeedFile: Codable, Sendable {
    public struct ProviderSeed: Codable, Sendable {
        public var name: String
        public var services: [ServiceType]
        public var area: String
        public var contact: String
        public var hours: String
        public var notes: String?
        public var retired: Bool?
    }
    public var providers: [ProviderSeed]
}
