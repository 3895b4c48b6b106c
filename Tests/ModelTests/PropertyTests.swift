import Foundation
import PropertyBased
import Testing
@testable import Model

/// Pieces of text that have broken terminal programs: escape sequences (screen clear, cursor moves, OSC 52
/// clipboard writes, title changes), C0/C1 controls, NUL, bidi overrides, combining marks, wide and
/// zero-width characters, emoji sequences, right-to-left scripts, newlines of every kind.
let hostilePieces: [String] = [
    "\u{1B}[2J", "\u{1B}[H", "\u{1B}]52;c;ZXZpbA==\u{07}", "\u{1B}]0;title\u{07}", "\u{9B}31m", "\u{0}", "\u{7F}", "\u{8}",
    "\u{202E}", "\u{2066}", "\u{202C}", "e\u{301}", "\u{301}", "王", "한", "👩🏽‍⚕️", "🇿🇲", "\u{200B}", "\u{FEFF}", "\u{200D}",
    "ليلى", "\n", "\r\n", "\r", "\t", "a", "Z", " ", "9", "-", "/", "\u{2028}", "\u{FFFD}", "\u{E000}", "𝔘",
]

/// Any text: hostile pieces mixed with random scalars from the whole of Unicode.
let anyText = Gen.oneOf(
    Gen<String?>.element(of: hostilePieces).map { $0 ?? "" },
    Gen<UnicodeScalar>.unicodeScalar(in: "\u{0}"..."\u{D7FF}").map { String($0) },
    Gen<UnicodeScalar>.unicodeScalar(in: "\u{E000}"..."\u{10FFFF}").map { String($0) }
).array(of: 0...60).map { $0.joined() }

@Suite("Properties: any text, any date (swift-property-based)")
struct PropertyTests {
    @Test("cleaned text holds no control, escape or bidi character; cleaning twice changes nothing")
    func cleanIsSafeAndIdempotent() async {
        await propertyCheck(count: 400, input: anyText, Gen.bool) { text, multiline in
            let c = TextSafety.clean(text, multiline: multiline)
            #expect(!c.unicodeScalars.contains { TextSafety.isUnsafe($0) && !(multiline && $0 == "\n") })
            #expect(TextSafety.clean(c, multiline: multiline) == c)
            if !multiline { #expect(!c.contains("\n")) }
        }
    }

    @Test("a date typed as three numbers is accepted exactly when that day exists")
    func datesExistOrAreRefused() async {
        await propertyCheck(count: 400, input: Gen.int(in: 0...2100), Gen.int(in: 0...14), Gen.int(in: 0...33)) { y, m, d in
            let text = String(format: "%04d-%02d-%02d", y, m, d)
            let exists = y >= 1 && (1...12).contains(m) && d >= 1 && d <= LocalDate.daysIn(month: m, year: y)
            let parsed = try? LocalDate.parse(text)
            #expect((parsed != nil) == exists, "\(text)")
            if let p = parsed { #expect(p.iso == text) }
            // The same day typed day-first.
            let dayFirst = try? LocalDate.parse(String(format: "%02d/%02d/%04d", d, m, y))
            #expect(dayFirst == parsed)
        }
    }

    @Test("leap years follow the Gregorian rule (29 February exists only in leap years)")
    func leapYears() async {
        await propertyCheck(count: 300, input: Gen.int(in: 1...9999)) { y in
            let expected = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
            #expect(LocalDate.isLeap(y) == expected)
            #expect(((try? LocalDate.parse(String(format: "%04d-02-29", y))) != nil) == expected)
        }
    }

    @Test("any text in a date or age field is refused kindly or read as a child's age 0–17, never a crash")
    func anyAgeOrDateText() async {
        await propertyCheck(count: 400, input: anyText, anyText) { dob, age in
            var r = Report()
            r.sex = .female
            r.village = "Kampung Fiksi"
            r.dateOfBirthText = dob
            r.approximateAgeText = age
            let today = LocalDate(year: 2026, month: 3, day: 2)!
            let issues = ReportValidation.issues(for: .child, in: r, today: today)
            if issues.isEmpty, let a = ReportValidation.childAge(of: r, today: today) {
                #expect((0...17).contains(a.years(on: today)))
            }
        }
    }

    @Test("ages from −1000 to 1000: only 0–17 is a child")
    func ages() async {
        await propertyCheck(count: 300, input: Gen.int(in: -1000...1000)) { n in
            var r = Report()
            r.sex = .male
            r.village = "X"
            r.approximateAgeText = String(n)
            let ok = ReportValidation.issues(for: .child, in: r, today: LocalDate(year: 2026, month: 3, day: 2)!)[.approximateAge] == nil
            #expect(ok == (0...17).contains(n), "\(n)")
        }
    }

    @Test("search words never hold anything but letters and digits, and at most 8 of them")
    func searchTerms() async {
        await propertyCheck(count: 400, input: anyText) { text in
            let t = SearchTerms(text)
            #expect(t.words.count <= SearchTerms.maxWords)
            #expect(t.words.allSatisfy { w in !w.isEmpty && w.allSatisfy { $0.isLetter || $0.isNumber } })
        }
    }
}
