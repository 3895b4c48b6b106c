import Foundation

/// A language Kinga speaks: its catalogue with English as the fallback for anything missing.
public struct Language: Sendable, Equatable {
    /// ISO 639-1 code, for example "en", "id", "fr".
    public let code: String
    let messages: [String: String]
    let english: [String: String]
    /// False when the catalogue's header says no native speaker has reviewed it yet.
    public let reviewed: Bool

    public static func == (a: Language, b: Language) -> Bool { a.code == b.code }

    init(code: String, messages: [String: String], english: [String: String], reviewed: Bool) {
        self.code = code
        self.messages = messages
        self.english = english
        self.reviewed = reviewed
    }

    /// The language's name in itself ("Bahasa Indonesia"), from the key `language.name`.
    public var name: String { text("language.name") }

    /// True when this catalogue has its own text for `key` (not the English fallback).
    public func has(_ key: String) -> Bool { messages[key] != nil }

    /// Every key with its text in this language (English where the catalogue has none), placeholders unfilled:
    /// for checks over a whole catalogue (for example that no English is left in a translation).
    public var allTexts: [String: String] { english.merging(messages) { _, own in own } }

    /// The text for `key` with `{name}` placeholders filled in. Whole numbers (`Int`) are written with this
    /// language's digit grouping (`number.group`); anything else with its description.
    /// Missing keys fall back to English, then to the key itself (so a gap shows, never crashes).
    public func text(_ key: String, _ args: KeyValuePairs<String, Any> = [:]) -> String {
        fill(key, args.map { ($0.key, $0.value) })
    }

    /// The text for `key` with placeholders filled from a dictionary (for callers that build their arguments
    /// at run time, such as stored timeline facts); otherwise as `text(_:_:)`.
    public func text(_ key: String, filling args: [String: String]) -> String {
        fill(key, args.map { ($0.key, $0.value) })
    }

    private func fill(_ key: String, _ args: [(String, Any)]) -> String {
        var s = messages[key] ?? english[key] ?? key
        for (name, value) in args {
            let shown: String
            if let n = value as? Int { shown = number(n) } else { shown = "\(value)" }
            s = s.replacingOccurrences(of: "{\(name)}", with: shown)
        }
        return s
    }

    /// A calendar date in this language's short form ("14 Feb 2026", "14 févr. 2026"), from `date.short`.
    public func shortDate(year: Int, month: Int, day: Int) -> String {
        text("date.short", ["day": String(day), "month": self.month(month), "year": String(year)])
    }

    /// The plural form of `key` for `count`: looks up `key.one` or `key.other` (CLDR categories), with
    /// `{n}` set to the count.
    public func plural(_ key: String, _ count: Int, _ args: KeyValuePairs<String, Any> = [:]) -> String {
        text("\(key).\(Self.pluralCategory(code: code, count))", args).replacingOccurrences(of: "{n}", with: number(count))
    }

    /// The plural form of `key` for `count` with placeholders filled from a dictionary (see `plural(_:_:_:)`).
    public func plural(_ key: String, _ count: Int, filling args: [String: String]) -> String {
        text("\(key).\(Self.pluralCategory(code: code, count))", filling: args).replacingOccurrences(of: "{n}", with: number(count))
    }

    /// CLDR plural category ("one" or "other") for a whole number.
    /// Source: Unicode CLDR Language Plural Rules (cldr/charts/latest/supplemental/language_plural_rules.html):
    /// Indonesian, Malay, Chinese, Japanese, Korean, Thai, Vietnamese, Burmese, Khmer and Lao have one form;
    /// French, Portuguese, Hindi, Bengali, Amharic and Persian use "one" for 0 and 1; English and most others
    /// use "one" for 1 only. Languages with more categories use "other" beyond these (good enough for counts).
    public static func pluralCategory(code: String, _ n: Int) -> String {
        switch code {
        case "id", "ms", "zh", "ja", "ko", "th", "vi", "my", "km", "lo": return "other"
        case "fr", "pt", "hi", "bn", "am", "fa": return (n == 0 || n == 1) ? "one" : "other"
        default: return n == 1 ? "one" : "other"
        }
    }

    /// A whole number with this language's grouping: 12,345 (en), 12.345 (id), 12 345 (fr).
    public func number(_ n: Int) -> String {
        let digits = String(n.magnitude)
        let sep = text("number.group")
        guard digits.count > 4 || (digits.count == 4 && code != "es"), sep != "number.group" else { return (n < 0 ? "-" : "") + digits }
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += sep }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// Short month name, 1...12 ("Mar", "mars", "Mar").
    public func month(_ m: Int) -> String { text("date.month.\(min(12, max(1, m)))") }
    /// Full month name, 1...12.
    public func monthLong(_ m: Int) -> String { text("date.monthLong.\(min(12, max(1, m)))") }
    /// Weekday name, 1 = Monday ... 7 = Sunday (ISO 8601 numbering).
    public func weekday(_ d: Int) -> String { text("date.weekday.\(min(7, max(1, d)))") }
}

/// The language of what is being drawn now. The app binds it around every frame and key, so each user
/// (and the child-friendly session) sees their own language; code outside a binding sees the default.
public enum L10n {
    @TaskLocal public static var current: Language = Languages.shared.english
}

/// The current language's text for `key` (see `Language.text`).
public func tr(_ key: String, _ args: KeyValuePairs<String, Any> = [:]) -> String {
    L10n.current.text(key, args)
}

/// The current language's plural form of `key` for `count` (see `Language.plural`).
public func trn(_ key: String, _ count: Int, _ args: KeyValuePairs<String, Any> = [:]) -> String {
    L10n.current.plural(key, count, args)
}

/// Every language found in the `locales` folder.
public final class Languages: @unchecked Sendable {
    /// The folder the catalogues came from, or nil when none was found.
    public let folder: String?
    /// English, from the templates (read at once: it is every language's fallback).
    public let english: Language
    /// Codes of the translations found (folders under `folder` with .po files), sorted; read on first use.
    private let codes: [String]
    /// Translations read so far (nil: could not be read), and the problems met; guarded by `lock`.
    private var loaded: [String: Language?] = [:]
    private var englishProblems: [String] = []
    private var loadProblems: [String: String] = [:]
    private let lock = NSLock()

    /// Loaded once, on first use, from `Languages.locate()`.
    public static let shared = Languages(folder: Languages.locate())

    /// Reads the English templates under `folder` (`templates/*.pot`) now, and finds the translations
    /// (`<code>/*.po`) without reading them: each is read the first time it is asked for, so starting Kinga
    /// costs one language, not all of them (issue #6's first-frame target).
    public init(folder: String?) {
        self.folder = folder
        var problems: [String] = []
        var english = Catalogue(code: "en")
        let fm = FileManager.default
        if let folder {
            for f in Self.files("\(folder)/templates", ".pot") {
                do { try english.read(file: f, template: true) } catch { problems.append("\(error)") }
            }
            codes = ((try? fm.contentsOfDirectory(atPath: folder)) ?? [])
                .filter { $0 != "templates" && $0 != "en" && !$0.hasPrefix(".") && !Self.files("\(folder)/\($0)", ".po").isEmpty }.sorted()
        } else {
            codes = []
        }
        self.english = Language(code: "en", messages: english.messages, english: english.messages, reviewed: true)
        englishProblems = problems
    }

    private static func files(_ dir: String, _ ext: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(ext) }.sorted().map { "\(dir)/\($0)" }
    }

    /// Reads one translation (once); nil when it cannot be read (the problem is kept in `problems`).
    private func load(_ code: String) -> Language? {
        lock.lock()
        defer { lock.unlock() }
        if let done = loaded[code] { return done }
        var c = Catalogue(code: code)
        var result: Language?
        do {
            for f in Self.files("\(folder ?? "")/\(code)", ".po") { try c.read(file: f, template: false) }
            if !c.files.isEmpty { result = Language(code: code, messages: c.messages, english: english.messages, reviewed: c.reviewed) }
        } catch {
            loadProblems[code] = "\(error)"
        }
        loaded[code] = .some(result)
        return result
    }

    /// English first, then every translation that can be read, by code (reads them all: for the language
    /// choice screens). A catalogue that cannot be read is left out and named in `problems`.
    public var all: [Language] { [english] + codes.compactMap(load) }

    /// Catalogues that could not be read, with the reason (the language is then not offered). Reads every
    /// translation first, so the list is complete.
    public var problems: [String] {
        _ = all
        lock.lock()
        defer { lock.unlock() }
        return englishProblems + codes.compactMap { loadProblems[$0] }
    }

    /// The language with this code, if Kinga has it (reading only that catalogue).
    public func language(code: String) -> Language? { code == "en" ? english : (codes.contains(code) ? load(code) : nil) }

    /// The default language from the environment: `LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, then `LANG`
    /// (POSIX order), for example `id_ID.UTF-8` → Bahasa Indonesia. English when none matches.
    public func fromEnvironment(_ env: [String: String]) -> Language {
        for name in ["LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"] {
            guard let value = env[name], !value.isEmpty else { continue }
            for part in value.split(separator: ":") {
                let code = String(part.prefix { $0.isLetter }).lowercased()
                if code == "c" || code == "posix" { continue }
                if let l = language(code: code) { return l }
            }
        }
        return english
    }

    /// Finds the `locales` folder: `$KINGA_LOCALES`, then next to the executable or up to six folders above
    /// it (a build tree), then `/usr/share/kinga/locales`, then the source tree this was built from.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              executablePath: String = CommandLine.arguments.first ?? "") -> String? {
        var candidates: [String] = []
        if let e = environment["KINGA_LOCALES"], !e.isEmpty { candidates.append(e) }
        var dir = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir.appendingPathComponent("locales").path)
            dir.deleteLastPathComponent()
        }
        candidates.append("/usr/share/kinga/locales")
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(source.appendingPathComponent("locales").path)
        var isDir: ObjCBool = false
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/templates", isDirectory: &isDir) && isDir.boolValue }
    }
}
