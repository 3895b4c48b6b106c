import Foundation
import Testing
@testable import Model
@testable import Storage
@testable import TUI

/// A driver with fictional cases for the case-list search, filter and sort tests.
private func listDriver(width: Int = 80, height: Int = 24) throws -> Driver {
    let d = try Driver(width: width, height: height)
    let people: [(String, String, Bool)] = [
        ("José Banda", "Kasama", false), ("Josephine Bandawe", "Mansa", true), ("Jo Phiri", "Kásama", false),
        ("Mwila Tembo", "Chipata", false), ("Siti Rahayu", "Kampung Fiksi", false),
    ]
    for (i, (name, village, urgent)) in people.enumerated() {
        var r = Report()
        r.reporterKind = .neighbour; r.sex = .female; r.approximateAgeText = "7"; r.village = village
        r.concerns = [i == 4 ? "child_marriage" : "neglect"]; r.inDangerNow = urgent; r.childAssent = .yes; r.caregiverConsent = .yes
        r.childName = name
        r.narrative = i == 3 ? "Works at the quarry with the Banda family." : "Not at school."
        try d.store.registerCase(from: r, draftID: UUID(), receivedAt: pinned.now - Double(i) * 60)
    }
    return d
}

@Suite("Case list: search as you type, filters and sorting, read from the screen")
struct CaseSearchScreenTests {
    @Test("/ searches as you type, accents ignored, best match first; Enter opens it")
    func searchAsYouType() throws {
        let d = try listDriver()
        d.press(.char("c"))
        #expect(d.contains("5 cases"))
        #expect(d.contains("/ Search"))
        d.press(.char("/"))
        #expect(d.contains("Search:"))
        #expect(d.contains("Name, village, case no. or words"))
        d.type("jos")
        #expect(d.contains("2 cases match"))
        #expect(d.contains("Best matches first"))
        #expect(!d.contains("Mwila"))
        d.press(.backspace, .backspace, .backspace)
        d.type("BANDA")
        #expect(d.contains("3 cases match"))
        // José Banda has the whole word in the name: first, and selected.
        let g = d.screen
        let firstRow = (0..<g.height).first { g.row($0).contains("▸") }.map { g.row($0) } ?? ""
        #expect(firstRow.contains("José Banda"), "\(d.text)")
        // "?" types into the box instead of opening help while searching.
        d.type("?")
        #expect(d.contains("BANDA?"))
        d.press(.backspace)
        d.press(.enter)
        #expect(d.contains("José Banda"))
        #expect(d.app.top is CaseDetailScreen)
        // Back in the list, the search is still there.
        d.press(.escape)
        #expect(d.contains("3 cases match"))
        // Esc in the box clears the search.
        d.press(.escape)
        #expect(d.contains("5 cases"))
        #expect(!d.contains("Search:"))
    }

    @Test("a search with no match says what to try, and keeps what was typed")
    func noMatch() throws {
        let d = try listDriver()
        d.press(.char("c"), .char("/"))
        d.type("zzz")
        #expect(d.contains("No case matches"))
        #expect(d.contains("zzz"))
        #expect(d.screen.invariantViolation() == nil)
    }

    @Test("a pasted paragraph with newlines and escape codes searches safely and never opens anything")
    func pasteIntoSearch() throws {
        let d = try listDriver()
        d.press(.char("c"))
        d.paste("quarry\n\u{7}\u{1B}\nbanda\r\n")
        #expect(d.app.top is CaseListScreen)
        #expect(d.contains("1 case matches"))
        #expect(d.contains("Mwila Tembo"))
        #expect(!d.text.contains("\u{1B}"))
    }

    @Test("a case number typed finds that case")
    func caseNumber() throws {
        let d = try listDriver()
        d.press(.char("c"), .char("/"))
        d.type("KG-2026-0004")
        #expect(d.contains("Mwila Tembo"))
        #expect(d.contains("1 case matches"))
    }

    @Test("f filters the list; filters are shown in words and combine with search; x clears")
    func filters() throws {
        let d = try listDriver()
        d.press(.char("c"), .char("f"))
        #expect(d.contains("Filter the list"))
        #expect(d.contains("Not assessed yet"))          // words, not the list's narrow dash
        // Urgency is the third question: Tab twice, then choose "Urgent only".
        d.press(.tab, .tab, .char("2"))
        d.press(.function(2))
        #expect(d.app.top is CaseListScreen)
        #expect(d.contains("Filters: Urgent only"))
        #expect(d.contains("1 case matches"))
        #expect(d.contains("Josephine"))
        #expect(!d.contains("José Banda"))
        d.press(.char("/"))
        d.type("jo")
        #expect(d.contains("1 case matches"))
        d.press(.tab, .char("x"))
        #expect(d.contains("5 cases"))
        #expect(!d.contains("Filters:"))
    }

    @Test("search, filters and order are kept when going home and back, until the person locks; someone else never gets them")
    func queryKeptForTheSession() throws {
        let d = try listDriver()
        d.press(.char("c"), .char("f"))
        d.press(.tab, .tab, .char("2"), .function(2))          // urgent only
        d.press(.char("s"), .char("3"))                        // order by name
        d.press(.char("/"))
        d.type("jo")
        d.press(.tab)
        #expect(d.contains("Filters: Urgent only"))
        #expect(d.contains("1 case matches"))
        d.press(.char("q"))                                    // back home (Esc would first clear the search)
        #expect(d.app.top is HomeScreen, "\(d.text)")
        d.press(.char("c"))
        #expect(d.contains("Filters: Urgent only"), "\(d.text)")
        #expect(d.contains("Search:") && d.contains("jo"))
        #expect(d.contains("1 case matches"))
        let list = try #require(d.app.top as? CaseListScreen)
        #expect(list.query.sort == .childName)
        // Locking ends the session's memory: the same person (or anyone) starts from the whole list.
        let me = try #require(d.app.session)
        d.app.lock()
        d.app.signIn(try d.store.acting(me), as: me)
        d.app.apply(.home(then: nil))
        d.press(.char("c"))
        #expect(d.contains("5 cases"), "\(d.text)")
        #expect(!d.contains("Filters:"))
    }

    @Test("a village typed in the filter ignores accents and case")
    func villageFilter() throws {
        let d = try listDriver()
        d.press(.char("c"), .char("f"))
        d.press(.tab, .tab, .tab, .tab)
        d.type("KASAMA")
        d.press(.function(2))
        #expect(d.contains("2 cases match"))
        #expect(d.contains("José Banda"))
        #expect(d.contains("Jo Phiri"))
    }

    @Test("s sorts by a column, again reverses, and the column shows the direction")
    func sorting() throws {
        let d = try listDriver()
        d.press(.char("c"), .char("s"))
        #expect(d.contains("Order the cases by:"))
        d.press(.char("3"))           // child's name, A to Z
        var rows = d.text.split(separator: "\n").map(String.init)
        let names = ["Jo Phiri", "José Banda", "Josephine", "Mwila Tembo", "Siti Rahayu"]
        var ys = names.map { n in rows.firstIndex { $0.contains(n) } ?? -1 }
        #expect(ys == ys.sorted() && !ys.contains(-1), "\(d.text)")
        #expect(d.contains("Child▲"))
        d.press(.char("s"), .char("3"))   // the same again: Z to A
        rows = d.text.split(separator: "\n").map(String.init)
        ys = names.map { n in rows.firstIndex { $0.contains(n) } ?? -1 }
        #expect(ys == ys.sorted().reversed(), "\(d.text)")
        #expect(d.contains("Child▼"))
    }

    @Test("the search line and filters fit at 40x12 and 200x50", arguments: [(40, 12), (200, 50), (80, 24)])
    func sizes(size: (Int, Int)) throws {
        let d = try listDriver(width: size.0, height: size.1)
        d.press(.char("c"), .char("/"))
        d.type("jos")
        #expect(d.screen.invariantViolation() == nil)
        #expect(d.contains("jos"))
        d.press(.tab, .char("f"), .char("2"), .function(2))
        #expect(d.screen.invariantViolation() == nil)
    }

    @Test("other names typed in the report show on review and on the case, and find the case")
    func nicknameInTheReport() throws {
        let d = try Driver()
        d.press(.char("n"))
        d.press(.char("4"), .pageDown)
        d.type("Chileshe Mwale"); d.press(.tab)
        d.press(.char("1"), .tab, .tab)
        d.type("9"); d.press(.tab)
        d.type("Kasama"); d.press(.tab, .tab)       // village → caregiver → other names
        d.type("Shesh")
        d.press(.pageDown)
        d.press(.char(" "), .tab, .tab, .tab)
        d.type("Seen alone at night.")
        d.press(.pageDown, .char("2"), .pageDown)
        d.press(.char("1"), .tab, .char("1"), .pageDown)
        #expect(d.contains("Other names: Shesh"), "\(d.text)")
        let c = try d.store.registerCase(from: try #require((d.app.top as? ReportWizardScreen)?.report), draftID: UUID())
        #expect(c.report.nickname == "Shesh")
        d.press(.escape)
        d.app.apply(.home(then: CaseListScreen()))
        _ = d.screen
        d.press(.char("/"))
        d.type("shesh")
        #expect(d.contains("1 case matches"))
        d.press(.enter)
        #expect(d.contains("Chileshe Mwale (“Shesh”)"))
    }

    /// Names typed one key at a time (single jamo, separate combining marks and vowel signs), with the
    /// composed and the decomposed way of searching for each. All fictional.
    static let typedNames: [(script: String, name: String, village: String, composed: String, decomposed: String)] = [
        ("Hangul", "\u{1100}\u{1175}\u{11B7} \u{1106}\u{1175}\u{11AB}\u{110C}\u{116E}", "\u{1112}\u{1161}\u{1102}\u{1173}\u{11AF}",
         "김", "\u{1100}\u{1175}\u{11B7}"),
        ("Vietnamese", "Nguye\u{302}\u{303}n Thi\u{323} Lan", "Ba\u{300}n Ca\u{302}\u{300}u", "Nguyễn", "Nguye\u{302}\u{303}n"),
        ("Devanagari", "\u{915}\u{93F}\u{930}\u{923} \u{928}\u{93C}\u{93E}\u{917}", "\u{917}\u{93E}\u{901}\u{935}",
         "\u{929}\u{93E}\u{917}", "\u{928}\u{93C}\u{93E}\u{917}"),
    ]

    @Test("a name typed one key at a time (Hangul jamo, Vietnamese and Devanagari marks) is saved in NFC and found composed and decomposed",
          arguments: CaseSearchScreenTests.typedNames.indices)
    func namesTypedKeyByKey(_ i: Int) throws {
        let t = Self.typedNames[i]
        let d = try Driver()
        d.fillReport(name: t.name, village: t.village, keyByKey: true)
        d.press(.end, .enter)
        #expect(try d.store.caseCount(viewer: d.store.testViewer) == 1, "\(t.script): \(d.text)")
        let saved = try #require(try d.store.casePage(after: nil, limit: 1, viewer: d.store.testViewer).first)
        #expect(saved.childName.unicodeScalars.elementsEqual(TextSafety.nfc(t.name).unicodeScalars), "\(t.script)")
        #expect(saved.village.unicodeScalars.elementsEqual(TextSafety.nfc(t.village).unicodeScalars), "\(t.script)")
        d.app.apply(.home(then: CaseListScreen()))
        for query in [t.composed, t.decomposed] {
            d.press(.char("/"))
            d.typeKeys(query)
            #expect(d.contains("1 case matches"), "\(t.script), searching \(query.unicodeScalars.map { String($0.value, radix: 16) })")
            d.press(.escape)
        }
        d.press(.char("/"))
        d.typeKeys(t.composed)
        d.press(.enter)
        #expect(d.app.top is CaseDetailScreen, "\(t.script)")
    }
}
