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
///     author: "Ibu Ratna"         # who recorded the report
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

    enum CodingKeys: String, CodingKey {
        case child, sex, age, village, caregiver, concerns, reporter, when, `where`, narrative, status, author, events
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
