import Foundation

/// A human-readable case number such as `KG-2026-0042`: prefix, year of registration, running number.
///
/// The number is unique within one database (Storage allocates it in the same transaction as the case);
/// the UUID stays the real key, so a district server can merge kiosks whose numbers collide.
public struct CaseNumber: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let year: Int
    public let serial: Int
    public static let prefix = "KG"

    public init(year: Int, serial: Int) {
        self.year = year
        self.serial = serial
    }

    /// Parses `KG-2026-0042` (case-insensitive prefix); nil otherwise.
    public init?(_ text: String) {
        let p = text.uppercased().split(separator: "-")
        guard p.count == 3, p[0] == Self.prefix, let y = Int(p[1]), let s = Int(p[2]), y > 0, s > 0 else { return nil }
        self.init(year: y, serial: s)
    }

    /// At least four digits of serial: `KG-2026-0042`, `KG-2026-12345`.
    public var description: String { String(format: "%@-%04d-%04d", Self.prefix, year, serial) }

    public static func < (a: CaseNumber, b: CaseNumber) -> Bool { (a.year, a.serial) < (b.year, b.serial) }
}

/// One case: a child and the concern about them, from intake to closure.
///
/// Every stored record carries a UUID key, the id of the device that created it, a version for
/// optimistic concurrency and UTC timestamps (DESIGN.md §4), so kiosks can later sync with a district server.
public struct CaseRecord: Hashable, Sendable, Identifiable {
    public var id: UUID
    public var number: CaseNumber
    public var deviceID: UUID
    /// Incremented on every change; an update that names an older version is refused.
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date
    /// Time of the newest timeline event; the case list is ordered by it.
    public var lastActivityAt: Date
    public var status: CaseStatus
    /// Urgent protection concern (immediate danger): separate from the risk level.
    public var urgent: Bool
    public var risk: RiskLevel?
    public var childName: String
    public var sex: Sex
    public var age: ChildAge?
    public var village: String
    public var caregiver: String
    public var concerns: [String]
    /// The report as it was saved (reporter, narrative, consent).
    public var report: Report

    public init(id: UUID, number: CaseNumber, deviceID: UUID, version: Int, createdAt: Date, updatedAt: Date,
                lastActivityAt: Date, status: CaseStatus, urgent: Bool, risk: RiskLevel?, childName: String,
                sex: Sex, age: ChildAge?, village: String, caregiver: String, concerns: [String], report: Report) {
        self.id = id
        self.number = number
        self.deviceID = deviceID
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastActivityAt = lastActivityAt
        self.status = status
        self.urgent = urgent
        self.risk = risk
        self.childName = childName
        self.sex = sex
        self.age = age
        self.village = village
        self.caregiver = caregiver
        self.concerns = concerns
        self.report = report
    }
}

/// One line of the case list: only what the table shows, so a page stays small.
public struct CaseSummary: Hashable, Sendable, Identifiable {
    public var id: UUID
    public var number: CaseNumber
    public var childName: String
    public var age: ChildAge?
    public var village: String
    /// The first protection concern (ids from the profile), for the table's one column.
    public var firstConcern: String?
    public var concernCount: Int
    public var risk: RiskLevel?
    public var urgent: Bool
    public var status: CaseStatus
    public var lastActivityAt: Date

    public init(id: UUID, number: CaseNumber, childName: String, age: ChildAge?, village: String, firstConcern: String?,
                concernCount: Int, risk: RiskLevel?, urgent: Bool, status: CaseStatus, lastActivityAt: Date) {
        self.id = id
        self.number = number
        self.childName = childName
        self.age = age
        self.village = village
        self.firstConcern = firstConcern
        self.concernCount = concernCount
        self.risk = risk
        self.urgent = urgent
        self.status = status
        self.lastActivityAt = lastActivityAt
    }
}

/// One entry of a case timeline.
public struct CaseEvent: Hashable, Sendable, Identifiable {
    public var id: UUID
    public var caseID: UUID
    public var deviceID: UUID
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date
    /// When it happened (for a report: when it was received).
    public var occurredAt: Date
    public var kind: EventKind
    /// Who recorded it (a user name; the OS user until accounts exist).
    public var author: String
    /// One line for the timeline, in English, as written: shown as it is for a note (the person's own words)
    /// and for an entry without a `fact` this version can read. Use `summary(in:)` to show an entry.
    public var summary: String
    /// The whole text, as written (see `summary`); shown when the event is opened, through `body(in:)`.
    public var body: String
    /// What the entry records, as data (nil: an entry of a kind this version does not know, or written
    /// before facts existed in a form migration v13 did not recognise; its stored words are shown).
    public var fact: EventFact?

    public init(id: UUID, caseID: UUID, deviceID: UUID, version: Int, createdAt: Date, updatedAt: Date,
                occurredAt: Date, kind: EventKind, author: String, summary: String, body: String, fact: EventFact? = nil) {
        self.id = id
        self.caseID = caseID
        self.deviceID = deviceID
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.occurredAt = occurredAt
        self.kind = kind
        self.author = author
        self.summary = summary
        self.body = body
        self.fact = fact
    }
}

/// A saved, unfinished guided report.
public struct Draft: Hashable, Sendable, Identifiable {
    public var id: UUID
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date
    /// The step the person was on.
    public var step: ReportStep
    public var report: Report

    public init(id: UUID, version: Int, createdAt: Date, updatedAt: Date, step: ReportStep, report: Report) {
        self.id = id
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.step = step
        self.report = report
    }
}

/// The numbers on the home screen.
public struct TodaySummary: Hashable, Sendable {
    /// Cases with status open.
    public var openCases: Int
    /// Open cases flagged as an urgent protection concern.
    public var urgentOpenCases: Int
    /// Unfinished guided reports.
    public var drafts: Int
    /// Open, closed and transferred cases: every case but duplicates (a report joined to another case).
    public var allCases: Int
    public init(openCases: Int, urgentOpenCases: Int, drafts: Int, allCases: Int) {
        self.allCases = allCases
        self.openCases = openCases
        self.urgentOpenCases = urgentOpenCases
        self.drafts = drafts
    }
}
