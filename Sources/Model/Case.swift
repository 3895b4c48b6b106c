import Foundation

/// A human-readable case number such as `KG-2026-0042` or `KG-2026-K07-0042`: prefix, year of registration,
/// the kiosk's code (issue #18), running number.
///
/// Numbers given before a kiosk enrolled with a district server have no kiosk code (`KG-2026-0042`) and are
/// unique within that kiosk's database (Storage allocates them in the same transaction as the case). Once a
/// kiosk is enrolled, its new cases carry the code the server gave it (`KG-2026-K07-0042`), so numbers are
/// unique in the whole district by construction, offline for ever: two kiosks never share a code, and each
/// kiosk counts its own serials. The UUID stays the real key, so a district server can still merge kiosks
/// whose pre-enrolment numbers collide.
///
/// Ordering: by year, then numbers without a kiosk code before those with one, then by kiosk code, then by
/// serial. Numbers without a kiosk code compare exactly as before (year, serial).
public struct CaseNumber: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let year: Int
    public let serial: Int
    /// The enrolled kiosk that gave the number; nil for numbers given before enrolment.
    public let kiosk: KioskCode?
    public static let prefix = "KG"

    /// A number given before enrolment (`KG-2026-0042`).
    public init(year: Int, serial: Int) {
        self.init(year: year, kiosk: nil, serial: serial)
    }

    /// A number with the kiosk's code (`KG-2026-K07-0042`), or without one when `kiosk` is nil.
    public init(year: Int, kiosk: KioskCode?, serial: Int) {
        self.year = year
        self.kiosk = kiosk
        self.serial = serial
    }

    /// Parses `KG-2026-0042` or `KG-2026-K07-0042` (case-insensitive); nil otherwise. Year and serial are
    /// positive; the kiosk code is shaped as `KioskCode` says.
    public init?(_ text: String) {
        let p = text.uppercased().split(separator: "-")
        guard p.count == 3 || p.count == 4, p[0] == Self.prefix, let y = Int(p[1]), let s = Int(p[p.count - 1]),
              y > 0, s > 0 else { return nil }
        var kiosk: KioskCode?
        if p.count == 4 {
            guard let k = KioskCode(rawValue: String(p[2])) else { return nil }
            kiosk = k
        }
        self.init(year: y, kiosk: kiosk, serial: s)
    }

    /// At least four digits of serial: `KG-2026-0042`, `KG-2026-12345`, `KG-2026-K07-0042`.
    public var description: String {
        let serialText = String(format: "%04d", serial)
        let yearText = String(format: "%04d", year)
        guard let k = kiosk else { return "\(Self.prefix)-\(yearText)-\(serialText)" }
        return "\(Self.prefix)-\(yearText)-\(k.rawValue)-\(serialText)"
    }

    public static func < (a: CaseNumber, b: CaseNumber) -> Bool {
        if a.year != b.year { return a.year < b.year }
        switch (a.kiosk, b.kiosk) {
        case (nil, nil): return a.serial < b.serial
        case (nil, _): return true
        case (_, nil): return false
        case let (ka?, kb?): return (ka.rawValue, a.serial) < (kb.rawValue, b.serial)
        }
    }

    enum CodingKeys: String, CodingKey { case year, serial, kiosk }

    /// Reads `{"year":2026,"serial":42}` (as stored before issue #18) or the same with `"kiosk":"K07"`.
    /// - Throws: `DecodingError` when a field is missing or the kiosk code is not shaped like one.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(year: try c.decode(Int.self, forKey: .year),
                  kiosk: try c.decodeIfPresent(KioskCode.self, forKey: .kiosk),
                  serial: try c.decode(Int.self, forKey: .serial))
    }

    /// Writes `year` and `serial`, and `kiosk` only when there is one, so numbers without a kiosk code are
    /// stored exactly as before.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(year, forKey: .year)
        try c.encode(serial, forKey: .serial)
        try c.encodeIfPresent(kiosk, forKey: .kiosk)
    }
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

    // The rest of the stored row (issue #16: one record type per table, every column typed). Storage fills
    // them when it reads a case; a value made elsewhere starts with these defaults.

    /// The focal point the case is assigned to; nil while it waits in the intake queue.
    public var assignedTo: UUID?
    /// Where the case came from: a guided report ("intake") or a child-friendly report ("child_friendly").
    public var source: String = "intake"
    /// The draft the report was typed into (saving is idempotent per draft); nil for a child's report.
    public var sourceDraftID: UUID?
    /// When the first assessment, referral or follow-up was recorded (the first-action deadline stops then).
    public var firstActionAt: Date?
    /// A risk assessment has been recorded (since the last reopening).
    public var assessed = false
    /// A case plan has been saved.
    public var hasPlan = false
    /// The case was reopened at least once.
    public var reopened = false
    /// The next follow-up visit is due on this day (local date); nil when none is planned.
    public var nextFollowUp: LocalDate?
    /// When the case was closed (or transferred), and why.
    public var closedAt: Date?
    public var closureReason: ClosureReason?
    /// A closure waiting for a supervisor's approval, as asked.
    public var closureRequest: Closure?
    /// A supervisor's comment when a closure was returned for correction.
    public var returnedComment: String?
    /// When a supervisor last reviewed the case (a supervisor's timeline entry).
    public var reviewedAt: Date?

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
    /// The structured record a step stored beside its entry (an assessment, a plan, a follow-up, a closure)
    /// as JSON; nil for a note or an entry without one.
    public var dataJSON: String?

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
    /// The device that made it, and the user who typed it (nil for drafts made before accounts existed).
    public var deviceID: UUID?
    public var authorID: UUID?

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
