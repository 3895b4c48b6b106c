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
    /// What to do now when a child is in immediate danger: short plain steps, shown in the guided report.
    public var urgentSteps: [String]

    public init(id: String, name: String, language: String, sources: [String], emergencyNumbers: [PhoneNumber],
                helplines: [PhoneNumber], concerns: [ConcernDefinition], urgentSteps: [String]) {
        self.id = id
        self.name = name
        self.language = language
        self.sources = sources
        self.emergencyNumbers = emergencyNumbers
        self.helplines = helplines
        self.concerns = concerns
        self.urgentSteps = urgentSteps
    }

    /// The label of a concern id; the id itself when the profile does not list it (old data, other profile).
    public func concernLabel(_ id: String) -> String {
        concerns.first { $0.id == id }?.label ?? id.replacingOccurrences(of: "_", with: " ")
    }

    enum CodingKeys: String, CodingKey {
        case id, name, language, sources, concerns
        case emergencyNumbers = "emergency_numbers"
        case helplines
        case urgentSteps = "urgent_steps"
    }
}

/// A phone number with what it is for: "Child helpline (free, 24 hours)" — `116 111`.
public struct PhoneNumber: Codable, Hashable, Sendable {
    public var label: String
    public var number: String
    public init(label: String, number: String) {
        self.label = label
        self.number = number
    }
}

/// One protection concern a profile offers: a stored id (see `StandardConcern`) and the words users see.
public struct ConcernDefinition: Codable, Hashable, Sendable {
    public var id: String
    public var label: String
    public init(id: String, label: String) {
        self.id = id
        self.label = label
    }
}
