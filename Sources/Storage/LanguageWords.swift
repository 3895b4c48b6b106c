import Foundation
import I18n
import Model

/// A language's catalogue as a `Localiser`: what puts timeline facts into words. The TUI makes one for the
/// reader's language; Storage uses English (`LanguageWords.english`) for the words stored with each entry,
/// which are shown when a Kinga that does not know the entry's kind reads it.
public struct LanguageWords: Localiser {
    public let language: Language
    /// The country profile, for concern labels the catalogue does not have (a profile's own concerns).
    public let profile: CountryProfile?

    public init(_ language: Language, profile: CountryProfile? = nil) {
        self.language = language
        self.profile = profile
    }

    /// English, from the templates (the stored words of every timeline entry).
    public static var english: LanguageWords { LanguageWords(Languages.shared.english) }

    public func text(_ key: String, _ args: [String: String]) -> String { language.text(key, filling: args) }
    public func plural(_ key: String, _ count: Int, _ args: [String: String]) -> String { language.plural(key, count, filling: args) }
    public func day(_ date: LocalDate) -> String { language.shortDate(year: date.year, month: date.month, day: date.day) }

    /// The catalogue's `concern.<id>` when the templates have it, else the profile's label in this language,
    /// else the id in words.
    public func concern(_ id: String) -> String {
        if Languages.shared.english.has("concern.\(id)") { return language.text("concern.\(id)") }
        return profile?.concernLabel(id, language: language.code) ?? id.replacingOccurrences(of: "_", with: " ")
    }
}
