import Foundation

/// A country profile: the lists, numbers and deadlines a deployment follows (DESIGN.md §5).
///
/// Profiles live as YAML under `seeds/profiles/` so a deployment changes them without code; each names its
/// sources. Storage decodes them; Model only describes them.
public struct CountryProfile: Codable, Hashable, Sendable {
    /// Short id, also the file name: `generic`, `indonesia`, `zambia`.
    public var id: String
    /// Name shown on the home screen, for example "Indonesia (demo community)".
    public var name: String
    /// Default language code (ISO 639-1) for this profile: `en`, `id`, `fr`.
    public var language: String
    /// Where the numbers and lists come from (document titles, with year).
    public var sources: [String]
    /// Numbers to call in an emergency (police, ambulance), with labels.
    public var emergencyNumbers: [PhoneNumber]
    /// Child helplines (116 111 is the international number; countries add their own).
    public var helplines: [PhoneNumber]
    /// The protection concerns this profile uses, in display order, with their labels.
    public var concerns: [ConcernDefinition]
    /// What to do now when a child is in immediate danger: short plain steps, shown in the guided report,
    /// each in the profile's languages.
    public var urgentSteps: [LocalizedText]
    /// Response and follow-up deadlines (the Inter-agency Guidelines' values when the file sets none).
    public var deadlines: Deadlines
    /// Rules the law or SOPs of the country imply; Model enforces them so no screen can bypass them.
    public var rules: ProfileRules
    /// Minutes without a key before a shared kiosk locks itself (default 3).
    public var idleLockMinutes: Int
    /// In anonymised statistics, counts below this are shown as "<N" (`small_cell_threshold`, default 5).
    public var smallCellThreshold: Int
    /// What PINs must be (`pin_policy`; Kinga's defaults when the file sets none).
    public var pinPolicy: PINPolicy

    public init(id: String, name: String, language: String, sources: [String], emergencyNumbers: [PhoneNumber],
                helplines: [PhoneNumber], concerns: [ConcernDefinition], urgentSteps: [LocalizedText]) {
        self.id = id
        self.name = name
        self.language = language
        self.sources = sources
        self.emergencyNumbers = emergencyNumbers
        self.helplines = helplines
        self.concerns = concerns
        self.urgentSteps = urgentSteps
        self.deadlines = .standard
        self.rules = ProfileRules()
        self.idleLockMinutes = 3
        self.smallCellThreshold = 5
        self.pinPolicy = PINPolicy()
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        language = try c.decode(String.self, forKey: .language)
        sources = try c.decode([String].self, forKey: .sources)
        emergencyNumbers = try c.decode([PhoneNumber].self, forKey: .emergencyNumbers)
        helplines = try c.decode([PhoneNumber].self, forKey: .helplines)
        concerns = try c.decode([ConcernDefinition].self, forKey: .concerns)
        urgentSteps = try c.decode([LocalizedText].self, forKey: .urgentSteps)
        deadlines = try c.decodeIfPresent(Deadlines.self, forKey: .deadlines) ?? .standard
        rules = try c.decodeIfPresent(ProfileRules.self, forKey: .rules) ?? ProfileRules()
        idleLockMinutes = max(1, try c.decodeIfPresent(Int.self, forKey: .idleLockMinutes) ?? 3)
        smallCellThreshold = max(1, try c.decodeIfPresent(Int.self, forKey: .smallCellThreshold) ?? 5)
        pinPolicy = try c.decodeIfPresent(PINPolicy.self, forKey: .pinPolicy) ?? PINPolicy()
    }

    /// The label of a concern id in `language` (English when the profile has no words in it); the id itself
    /// when the profile does not list it (old data, other profile).
    public func concernLabel(_ id: String, language: String = "en") -> String {
        concerns.first { $0.id == id }?.label.text(language) ?? id.replacingOccurrences(of: "_", with: " ")
    }

    enum CodingKeys: String, CodingKey {
        case id, name, language, sources, concerns
        case emergencyNumbers = "emergency_numbers"
        case helplines
        case urgentSteps = "urgent_steps"
        case deadlines, rules
        case idleLockMinutes = "idle_lock_minutes"
        case smallCellThreshold = "small_cell_threshold"
        case pinPolicy = "pin_policy"
    }
}

/// A phone number with what it is for: "Child helpline (free, 24 hours)" — `116 111`, the label in the
/// profile's languages.
public struct PhoneNumber: Codable, Hashable, Sendable {
    public var label: LocalizedText
    public var number: String
    public init(label: LocalizedText, number: String) {
        self.label = label
        self.number = number
    }
}

/// One protection concern a profile offers: a stored id (see `StandardConcern`) and the words users see.
public struct ConcernDefinition: Codable, Hashable, Sendable {
    public var id: String
    public var label: LocalizedText
    public init(id: String, label: LocalizedText) {
        self.id = id
        self.label = label
    }
}

/// Country rules from law and standard operating procedures, with their sources.
public struct ProfileRules: Codable, Hashable, Sendable {
    /// Concerns that national law requires to be reported to formal services: a case with one of them
    /// cannot be closed before a referral to a formal service (police, social welfare, health, legal) was made.
    public var formalReportConcerns: [String]
    /// Concerns for which a report within `urgentHealthWithinHours` of the harm needs an urgent health
    /// referral (post-exposure care after sexual violence is time-critical).
    public var urgentHealthConcerns: [String]
    /// Hours after the harm in which the urgent health referral is prompted (WHO: PEP within 72 hours).
    public var urgentHealthWithinHours: Int
    /// Where these rules come from; say when a source is uncertain.
    public var sources: [String]

    public init(formalReportConcerns: [String] = [], urgentHealthConcerns: [String] = ["sexual_violence"],
                urgentHealthWithinHours: Int = 72, sources: [String] = []) {
        self.formalReportConcerns = formalReportConcerns
        self.urgentHealthConcerns = urgentHealthConcerns
        self.urgentHealthWithinHours = urgentHealthWithinHours
        self.sources = sources
    }

    enum CodingKeys: String, CodingKey {
        case formalReportConcerns = "formal_report_concerns"
        case urgentHealthConcerns = "urgent_health_concerns"
        case urgentHealthWithinHours = "urgent_health_within_hours"
        case sources
    }

    /// True when a case with these concerns must have a referral to a formal service before closure.
    public func needsFormalReferral(_ concerns: [String]) -> Bool {
        concerns.contains { formalReportConcerns.contains($0) }
    }

    /// True when a report of these concerns, with the harm `hoursAgo` hours before, needs an urgent health referral.
    public func needsUrgentHealthReferral(_ concerns: [String], hoursSinceHarm: Int?) -> Bool {
        guard concerns.contains(where: { urgentHealthConcerns.contains($0) }) else { return false }
        guard let h = hoursSinceHarm else { return true }
        return h <= urgentHealthWithinHours
    }
}
