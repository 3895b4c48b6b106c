import Foundation
import I18n
import Model
import Storage
import Testing
@testable import TUI

/// The repository's `locales` folder (the catalogues under test).
let localesFolder: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("locales").path
}()

@Suite("Translation catalogues: complete, same placeholders, readable widths")
struct CatalogueTests {
    let languages = Languages(folder: localesFolder)

    /// Every template key with its English text (from every .pot file).
    var template: [String: String] {
        var c = Catalogue(code: "en")
        for f in (try? FileManager.default.contentsOfDirectory(atPath: localesFolder + "/templates"))!.sorted() where f.hasSuffix(".pot") {
            try? c.read(file: localesFolder + "/templates/" + f, template: true)
        }
        return c.messages
    }

    func placeholders(_ s: String) -> Set<String> {
        Set(s.matches(of: /\{[A-Za-z_]+\}/).map { String($0.output) })
    }

    @Test func everyCatalogueLoadsAndEnglishFrenchAndIndonesianAreThere() {
        #expect(languages.problems.isEmpty, "\(languages.problems)")
        #expect(Set(languages.all.map(\.code)).isSuperset(of: ["en", "id", "fr"]))
        #expect(languages.language(code: "id")?.name == "Bahasa Indonesia")
        #expect(languages.language(code: "fr")?.name == "Français")
    }

    @Test("each language has every string, with the same placeholders", arguments: ["id", "fr"])
    func complete(code: String) throws {
        let english = template
        #expect(english.count > 700)
        var c = Catalogue(code: code)
        for f in try FileManager.default.contentsOfDirectory(atPath: localesFolder + "/" + code).sorted() where f.hasSuffix(".po") {
            try c.read(file: "\(localesFolder)/\(code)/\(f)", template: false)
        }
        let missing = Set(english.keys).subtracting(c.messages.keys)
        #expect(missing.isEmpty, "\(code) misses \(missing.sorted().prefix(20))")
        let extra = Set(c.sources.keys).subtracting(english.keys)
        #expect(extra.isEmpty, "\(code) has keys the templates do not: \(extra.sorted().prefix(20))")
        #expect(c.untranslated.isEmpty, "\(code): empty or fuzzy \(c.untranslated.sorted().prefix(20))")
        for (key, text) in c.messages {
            #expect(placeholders(text) == placeholders(english[key] ?? ""), "\(code) \(key): placeholders differ")
            #expect(c.sources[key] == english[key], "\(code) \(key) was translated from an older English text")
        }
        // Catalogues not yet reviewed by a native speaker say so in their header.
        #expect(c.headers["X-Kinga-Review"] != nil)
    }

    @Test("every key the Swift code asks for exists in the templates")
    func keysUsedInCodeExist() throws {
        let english = template
        let sources = URL(fileURLWithPath: localesFolder).deletingLastPathComponent().appendingPathComponent("Sources/TUI").path
        var used = Set<String>()
        for f in try FileManager.default.contentsOfDirectory(atPath: sources) where f.hasSuffix(".swift") {
            let text = try String(contentsOfFile: sources + "/" + f, encoding: .utf8)
            for m in text.matches(of: /\btr\("([A-Za-z0-9_.]+)"/) { used.insert(String(m.output.1)) }
            for m in text.matches(of: /\btrn\("([A-Za-z0-9_.]+)"/) { used.insert(String(m.output.1) + ".one"); used.insert(String(m.output.1) + ".other") }
            for m in text.matches(of: /helpKey: "(help\.[A-Za-z.]+)"/) { used.insert(String(m.output.1)); used.insert(String(m.output.1) + ".title") }
            for m in text.matches(of: /var helpKey: String \{ "(help\.[A-Za-z.]+)" \}/) { used.insert(String(m.output.1)) }
        }
        #expect(used.count > 400)
        let missing = used.filter { english[$0] == nil }
        #expect(missing.isEmpty, "missing in templates: \(missing.sorted())")
    }

    @Test("keys built at run time exist for every case of their enum")
    func dynamicKeys() {
        let english = template
        var keys: [String] = []
        keys += RiskLevel.allCases.flatMap { ["risk.\($0.rawValue)", "riskChoice.\($0.rawValue)"] }
        keys += CaseStatus.allCases.map { "status.\($0.rawValue)" }
        keys += ReferralStatus.allCases.map { "referralChoice.\($0.rawValue)" }
        keys += ReportField.allCases.map { "reviewLabel.\($0.rawValue)" }
        keys += ReportStep.allCases.map { "help.wizard.\(String(describing: $0))" }
        keys += Theme.Kind.allCases.map { "theme.\($0.rawValue)" }
        keys += ChildReport.What.allCases.flatMap { ["child.what.me.\($0.rawValue)", "child.what.other.\($0.rawValue)"] }
        keys += ChildReport.TalkTo.allCases.map { "child.talk.\($0.rawValue)" }
        keys += ChildReport.Safety.allCases.map { "child.safe.\($0.rawValue)" }
        keys += ChildReport.About.allCases.map { "child.about.\($0.rawValue)" }
        keys += (1...12).flatMap { ["date.month.\($0)", "date.monthLong.\($0)"] } + (1...7).map { "date.weekday.\($0)" }
        keys += HelpScreen.guide + HelpScreen.guide.map { $0 + ".title" }
        keys += AuditScreen.filters.map(\.key)
        let missing = keys.filter { english[$0] == nil }
        #expect(missing.isEmpty, "\(missing)")
    }

    @Test("short labels fit their columns in every language", arguments: ["en", "id", "fr"])
    func widths(code: String) throws {
        let l = try #require(languages.language(code: code))
        let limits: [(prefix: String, max: Int)] = [("statusShort.", 7), ("eventKind.", 9), ("risk.", 8), ("child.k", 12), ("kTake", 12)]
        for (key, _) in template {
            // "child.k" + a capital letter is a footer hint of the child's report ("child.key.…" are the words read aloud).
            for (prefix, max) in limits where key.hasPrefix(prefix) && !(prefix == "child.k" && key.hasPrefix("child.key.")) {
                #expect(DisplayWidth.of(l.text(key)) <= max, "\(code) \(key) = \(l.text(key))")
            }
            // Footer hints: k followed by a capital letter.
            if key.count > 1, key.first == "k", key.dropFirst().first!.isUppercase {
                #expect(DisplayWidth.of(l.text(key)) <= 14, "\(code) \(key) = \(l.text(key))")
            }
            if key.hasPrefix("menu") { #expect(DisplayWidth.of(l.text(key)) <= 40, "\(code) \(key)") }
        }
    }

    @Test func aBrokenCatalogueIsReportedWithItsLineAndNeverCrashes() throws {
        let dir = NSTemporaryDirectory() + "kinga-po-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir + "/templates", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/xx", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "msgctxt \"a\"\nmsgid \"A\"\nmsgstr \"\"\n".write(toFile: dir + "/templates/k.pot", atomically: true, encoding: .utf8)
        try "msgctxt \"a\"\nmsgid \"A\"\nmsgstr \"unterminated\n".write(toFile: dir + "/xx/k.po", atomically: true, encoding: .utf8)
        let l = Languages(folder: dir)
        #expect(l.all.map(\.code) == ["en"])      // the broken language is not offered
        #expect(l.problems.count == 1)
        #expect(l.problems.first?.contains("k.po:") == true)
        #expect(l.english.text("a") == "A")
        #expect(l.english.text("missing.key") == "missing.key")   // a gap shows, never crashes
    }

    @Test("LANG and LC_ALL give the default language")
    func environment() {
        #expect(languages.fromEnvironment(["LANG": "id_ID.UTF-8"]).code == "id")
        #expect(languages.fromEnvironment(["LC_ALL": "fr_FR.UTF-8", "LANG": "id_ID.UTF-8"]).code == "fr")
        #expect(languages.fromEnvironment(["LANGUAGE": "sw:fr", "LANG": "en_GB.UTF-8"]).code == "fr")
        #expect(languages.fromEnvironment(["LANG": "C.UTF-8"]).code == "en")
        #expect(languages.fromEnvironment([:]).code == "en")
    }

    @Test("numbers, plurals and dates follow the language; a date means the same day in every language")
    func numbersAndDates() throws {
        let en = languages.english
        let id = try #require(languages.language(code: "id"))
        let fr = try #require(languages.language(code: "fr"))
        #expect(en.number(1234567) == "1,234,567")
        #expect(id.number(12345) == "12.345")
        #expect(fr.number(12345) == "12\u{202F}345")
        #expect(en.number(42) == "42" && fr.number(-7) == "-7")
        #expect(en.plural("casesCount", 1) == "1 case" && en.plural("casesCount", 0) == "0 cases")
        #expect(Language.pluralCategory(code: "fr", 0) == "one" && Language.pluralCategory(code: "id", 1) == "other")
        // Every day of 2024 (a leap year) and a few far dates: the day, month and year shown are the ISO value's.
        var d = LocalDate(year: 2024, month: 1, day: 1)!
        let days = (0..<366).map { d.adding(days: $0) } + [LocalDate(year: 1999, month: 12, day: 31)!, LocalDate(year: 2100, month: 2, day: 28)!]
        for l in [en, id, fr] {
            let months = (1...12).map { l.month($0) }
            #expect(Set(months).count == 12, "\(l.code) month names must differ")
            for day in days {
                let shown = L10n.$current.withValue(l) { S.day(day) }
                let parts = shown.split(separator: " ").map(String.init)
                #expect(parts.count == 3, "\(l.code) \(shown)")
                #expect(Int(parts[0]) == day.day && months.firstIndex(of: parts[1]) == day.month - 1 && Int(parts[2]) == day.year,
                        "\(l.code): \(shown) is not \(day.iso)")
            }
            d = LocalDate(year: 2026, month: 3, day: 2)!
            let long = L10n.$current.withValue(l) { S.longDay(d) }
            #expect(long.contains(l.weekday(1)), "\(l.code): 2 March 2026 is a Monday: \(long)")
        }
    }
}
