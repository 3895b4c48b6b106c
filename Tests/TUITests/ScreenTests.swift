import Foundation
import I18n
import Testing
@testable import Model
@testable import Storage
@testable import TUI
import StoreTestSupport

/// Drives the app headless: a temporary database, a pinned clock, keys in, cell grid out.
final class Driver {
    let dir: String
    /// The store as the app holds it now: the handle of the person logged in (sessions are values, issue #16),
    /// or the one with nobody logged in on the login and lock screens.
    var store: KingaStore { app.store }
    let app: App
    var width: Int
    var height: Int

    init(width: Int = 80, height: Int = 24, demo: Bool = false, seedDemo: Bool = false, path: String? = nil, profile: String = "generic") throws {
        dir = NSTemporaryDirectory() + "kinga-ui-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let opened = try KingaStore(test: path ?? dir + "/k.sqlite", clock: pinned)
        if seedDemo { try Seeds.fillDemo(opened, seeds: seedsFolder, timeZone: TimeZone(identifier: "UTC")!) }
        let profile = try Seeds.profile(id: profile, seeds: seedsFolder)
        let user = try opened.addTestUser(name: "Test Focal Point", roles: [.supervisor], pin: "902134")
        let session = try opened.beginSession(userID: user.id)   // the test's stand-in for the PIN
        app = App(store: session, profile: profile, clock: pinned, demo: demo, session: user)
        self.width = width
        self.height = height
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    var screen: Grid { app.render(width: width, height: height) }
    var text: String { screen.text }

    func press(_ keys: Key...) { for k in keys { app.handle(.key(k)); _ = screen } }
    func type(_ s: String) { for c in s { app.handle(.key(.char(c))); _ = screen } }
    func paste(_ s: String) { app.handle(.paste(s)); _ = screen }
    /// Types one key per Unicode scalar, as a keyboard sending single jamo or combining marks does
    /// (`type` sends whole characters).
    func typeKeys(_ s: String) { for u in s.unicodeScalars { app.handle(.key(.char(Character(u)))); _ = screen } }
    func contains(_ s: String) -> Bool { screen.contains(s) }

    /// Fills the whole wizard with a valid report about `name`, ending on the review step.
    /// - Parameter keyByKey: types the name and the village one scalar at a time (`typeKeys`).
    func fillReport(name: String = "Amani", age: String = "9", village: String = "Kampung Fiksi", urgent: Bool = false, keyByKey: Bool = false) {
        press(.char("n"))
        press(.char("4"), .pageDown)                  // a teacher
        if keyByKey { typeKeys(name) } else { type(name) }; press(.tab)   // name → sex
        press(.char("1"), .tab, .tab)                 // girl → date of birth → age
        type(age); press(.tab)                        // → village
        if keyByKey { typeKeys(village) } else { type(village) }; press(.pageDown)
        press(.char(" "), .down, .down, .down, .char(" "))   // physical violence + neglect
        press(.tab, .tab, .tab)                       // when, where, narrative
        type("She said she is alone at night.")
        press(.pageDown)
        press(.char(urgent ? "1" : "2"), .pageDown)
        if urgent { press(.enter) }
        press(.char("1"), .tab, .char("1"), .pageDown)   // assent and consent: yes
    }
}

let pinned = Clock.fixed(ISO8601.parse("2026-03-02T09:00:00Z")!, timeZone: TimeZone(identifier: "UTC")!)
let seedsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("seeds").path

@Suite("Screens, driven by keys and read from the cell grid")
struct ScreenTests {
    @Test func homeShowsWhatYouCanDoAndToday() throws {
        let d = try Driver()
        #expect(d.contains("n  New report about a child"))
        #expect(d.contains("c  Cases"))
        #expect(d.contains("0 open cases"))
        #expect(d.contains("Kinga · International"))
        #expect(!d.contains("DEMO"))
        #expect(d.screen.row(23).contains("q Quit"))
    }

    @Test func demoIsMarkedOnEveryScreen() throws {
        let d = try Driver(demo: true, seedDemo: true)
        for keys in [[Key](), [.char("c")], [.enter], [.char("a")], [.escape, .escape, .escape, .char("n")], [.char("?")]] {
            d.press(contentsOf: keys)
            #expect(d.screen.row(1).contains("DEMO — fictional data"))
        }
    }

    @Test("a report goes through the wizard, is saved once, and opens on its timeline")
    func wholeWizard() throws {
        let d = try Driver()
        d.fillReport()
        #expect(d.contains("Step 6 of 6"))
        #expect(d.contains("Check the report, then save"))
        #expect(d.contains("Who is reporting: A teacher"))   // the review starts at the top
        #expect(d.contains("more below"))
        d.press(.end)
        #expect(d.contains("[ Save report ]"))
        d.press(.enter, .enter)   // Enter twice on Save
        #expect(try d.store.caseCount(viewer: d.store.testViewer) == 1)
        #expect(d.contains("KG-2026-0001"))
        #expect(d.contains("Case KG-2026-0001"))   // the second Enter opened the case
        #expect(d.contains("Amani · 9 years · Girl · Kampung Fiksi"))
        #expect(d.contains("Report received from a teacher"))
        #expect(d.contains("Consent recorded"))
        #expect(try d.store.drafts().isEmpty)
        d.press(.home, .enter)
        #expect(d.contains("She said she is alone at night."))
    }

    @Test("Enter on a choice only chooses: a habitual Tab then goes to the next question, so nothing lands in the wrong field")
    func enterOnAChoiceStays() throws {
        let d = try Driver()
        d.press(.char("n"))
        #expect(d.screen.row(23).contains("Tab Next question"), "\(d.screen.row(23))")
        #expect(d.screen.row(23).contains("Enter Choose"))
        d.press(.down, .down, .down, .enter)                  // a teacher, with the arrows and Enter
        let w = try #require(d.app.top as? ReportWizardScreen)
        #expect(w.report.reporterKind == .teacher)
        #expect(w.focus == 0)                                 // still on the question just answered
        #expect(try d.store.drafts().first?.report.reporterKind == .teacher)   // kept at once
        d.press(.tab)                                         // the habit: Tab after choosing
        #expect(d.screen.row(23).contains("Tab/Enter Next question"), "\(d.screen.row(23))")
        d.type("Ibu Fiktif")
        d.press(.tab)
        d.type("0812 555 0199")
        d.press(.pageDown)
        #expect(w.report.reporterName == "Ibu Fiktif")
        #expect(w.report.reporterContact == "0812 555 0199")
        #expect(w.report.childName.isEmpty)
        // Enter in a one-line answer goes on to the next question, as the footer says.
        d.type("Amani")
        d.press(.enter)
        #expect(w.focus == 1)
        #expect(w.report.childName == "Amani")
    }

    @Test("the report's footer says what Tab and Enter do and keeps F1 Help at 80 columns, in every language and step", arguments: ["en", "id", "fr"])
    func wizardFooterFits(code: String) throws {
        let d = try Driver()
        d.app.setLanguage(Languages.shared.language(code: code)!)
        func footer() -> String { d.screen.row(23) }
        d.press(.char("n"))
        #expect(footer().contains("Tab ") && footer().contains("Enter ") && footer().contains("F1 "), "\(code) step 1: \(footer())")
        d.press(.char("4"), .pageDown, .tab)                 // step 2, on "sex" (a choice)
        #expect(footer().contains("PgUp ") && footer().contains("F1 "), "\(code) step 2: \(footer())")
        d.press(.char("1"), .tab, .tab)
        d.type("7")
        d.press(.tab)
        d.type("Desa Fiktif")
        d.press(.pageDown)                                  // step 3, on the concerns checklist
        #expect(footer().contains("F1 "), "\(code) step 3: \(footer())")
        d.press(.char(" "), .pageDown)                      // step 4, danger (a choice)
        #expect(footer().contains("F1 "), "\(code) step 4: \(footer())")
        d.press(.char("2"), .pageDown)                      // step 5, assent (a choice)
        #expect(footer().contains("F1 "), "\(code) step 5: \(footer())")
    }

    @Test func urgentReportsShowWhatToDoAndTheNumbers() throws {
        let d = try Driver()
        d.press(.char("n"), .char("4"), .pageDown)
        d.press(.tab, .char("1"), .tab, .tab)
        d.type("7")
        d.press(.tab)
        d.type("Kampung Fiksi")
        d.press(.pageDown, .char(" "), .pageDown, .pageDown)
        d.press(.char("1"), .pageDown)
        #expect(d.contains("Act now: the child may be in danger"))
        #expect(d.contains("116 111"))
        #expect(d.contains("112"))
        d.press(.enter)
        #expect(d.contains("Step 5 of 6"))
    }

    @Test("a wrong date gets a kind message at the field and what was typed stays")
    func validationKeepsTyping() throws {
        let d = try Driver()
        d.press(.char("n"), .char("4"), .pageDown)
        d.type("Amani"); d.press(.tab, .char("1"), .tab)
        d.type("31/02/2020")
        d.press(.tab, .tab)
        d.type("Kampung")
        d.press(.pageDown)
        #expect(d.contains("Step 2 of 6"))
        #expect(d.contains("This day does not exist in the calendar"))
        #expect(d.contains("31/02/2020"))
        #expect(d.contains("Some answers need a look"))
        // Fix it: the message goes, the step moves on.
        for _ in 0..<10 { d.press(.backspace) }
        d.type("2027-01-01")
        d.press(.pageDown)
        #expect(d.contains("This date is after today"))
        for _ in 0..<10 { d.press(.backspace) }
        d.type("2019-03-07")
        d.press(.pageDown)
        #expect(d.contains("Step 3 of 6"), "\(d.text)")
    }

    @Test func missingAnswersAreNamed() throws {
        let d = try Driver()
        d.press(.char("n"), .pageDown)
        #expect(d.contains("Please answer this question."))
        #expect(d.contains("Step 1 of 6"))
    }

    @Test("a pasted newline never moves the wizard on")
    func pasteNeverSubmits() throws {
        let d = try Driver()
        d.press(.char("n"), .char("4"), .pageDown)
        d.paste("Amani\n\n\r\nsecond line\u{1B}[2J")
        #expect(d.contains("Step 2 of 6"))
        #expect(d.contains("Amani    second line[2J") || d.contains("Amani"))
        #expect(d.app.top is ReportWizardScreen)
        let w = try #require(d.app.top as? ReportWizardScreen)
        #expect(!w.report.childName.contains("\n"))
        #expect(!w.report.childName.contains("\u{1B}"))
    }

    @Test("Esc offers to keep a draft; the draft survives and can be resumed")
    func draftsAreKeptAndResumed() throws {
        let d = try Driver()
        d.press(.char("n"), .char("4"), .pageDown)
        d.type("Half")
        d.press(.escape)
        #expect(d.contains("You have not saved this report yet"))
        d.press(.char("1"))
        #expect(d.contains("1 unfinished report"))
        #expect(try d.store.drafts().first?.report.childName == "Half")
        d.press(.char("u"))
        #expect(d.contains("Step 2 of 6"))
        #expect(d.contains("Half"))
        // Discard asks once more, then throws it away.
        d.press(.escape, .char("2"))
        #expect(d.contains("Are you sure?"))
        d.press(.char("1"))
        #expect(d.contains("0 unfinished reports"))
    }

    @Test("quitting or a signal saves the draft")
    func saveUnfinishedOnQuit() throws {
        let d = try Driver()
        d.press(.char("n"), .char("2"), .pageDown)
        d.type("Typed before the power cut")
        d.app.saveUnfinished()
        #expect(try d.store.drafts().first?.report.childName == "Typed before the power cut")
    }

    @Test func caseListShowsOneScreenfulAndPagesThroughThousands() throws {
        let d = try Driver()
        for i in 0..<260 {
            var r = Report()
            r.reporterKind = .neighbour; r.sex = .male; r.approximateAgeText = "\(i % 18)"; r.village = "Desa \(i % 7)"
            r.concerns = ["neglect"]; r.inDangerNow = i % 50 == 0; r.childAssent = .yes; r.caregiverConsent = .yes
            r.childName = "Child \(i)"
            try d.store.registerCase(from: r, draftID: UUID(), receivedAt: pinned.now - Double(i) * 600)
        }
        d.press(.char("c"))
        #expect(d.contains("260 cases"))
        #expect(d.contains("Child 0 "))
        #expect(d.contains("1/260"))
        d.press(.end)
        #expect(d.contains("260/260"))
        #expect(d.contains("Child 259"))
        for _ in 0..<30 { d.press(.pageUp) }
        #expect(d.contains("1/260"))
        for _ in 0..<5 { d.press(.pageDown) }
        d.press(.down)
        let list = try #require(d.app.top as? CaseListScreen)
        #expect(list.rows.count <= CaseListScreen.maxWindow)
        let pos = list.selected
        #expect(d.contains("\(pos + 1)/260"))
        d.press(.enter)
        #expect(d.contains("Child \(pos) "))
    }

    @Test("names in any script never shift a column")
    func scriptsKeepColumns() throws {
        let d = try Driver()
        let names = ["王小明王小明王小明王小明", "김민준", "Ελένη", "José Ñúñez", "Jose\u{301}", "ليلى", "👩🏽‍⚕️ Amani", "a\u{1B}[2Jb", "\u{202E}evil"]
        for (i, n) in names.enumerated() {
            var r = Report()
            r.reporterKind = .neighbour; r.sex = .female; r.approximateAgeText = "5"; r.village = n
            r.concerns = ["neglect"]; r.inDangerNow = false; r.childAssent = .yes; r.caregiverConsent = .yes
            r.childName = n
            try d.store.registerCase(from: r, draftID: UUID(), receivedAt: pinned.now - Double(i))
        }
        d.press(.char("c"))
        let g = d.screen
        #expect(g.invariantViolation() == nil)
        // The status column starts at the same place on every row.
        let header = g.row(3)
        let statusCol = try #require(header.range(of: "Status")).lowerBound
        let statusX = header.distance(from: header.startIndex, to: statusCol)
        for y in 4..<(4 + names.count) {
            var x = 0, col = 0
            var found = -1
            while x < g.width {
                if g[x, y].text == "o" && x + 3 < g.width && g[x + 1, y].text == "p" && g[x + 2, y].text == "e" { found = col; break }
                col += 1
                x += 1
            }
            #expect(found == statusX, "row \(y): \(g.row(y))")
        }
        #expect(!g.text.contains("\u{1B}"))
        #expect(!g.text.contains("\u{202E}"))
    }

    @Test func notesAreAddedToTheTimeline() throws {
        let d = try Driver()
        d.fillReport()
        d.press(.enter, .char("1"))
        d.press(.char("a"))
        #expect(d.contains("Add a note"))
        d.press(.function(2))
        #expect(d.contains("The note is empty"))
        d.type("Visited the family with the village head.")
        d.press(.enter)
        d.type("Second line?")
        d.press(.ctrl("s"))
        #expect(d.contains("Note saved."))
        #expect(d.contains("Visited the family with"))
        #expect(try d.store.events(caseID: d.store.casePage(after: nil, limit: 1, viewer: d.store.testViewer)[0].id, viewer: d.store.testViewer).last?.body.contains("Second line?") == true)
    }

    @Test("help opens with ? or F1 where no text field has focus")
    func help() throws {
        let d = try Driver()
        d.press(.char("?"))
        #expect(d.contains("The home screen"))   // help for the screen it was opened on
        #expect(d.contains("116 111"))     // the numbers to call are on the first screen of help
        d.press(.char("3"))
        #expect(d.contains("Mediation") || d.contains("mediation"))  // a chapter of the guide
        d.press(.char("0"))
        #expect(d.contains("Keys that work everywhere"))
        d.press(.escape)
        d.press(.char("n"), .char("4"), .pageDown)
        d.type("What?")
        #expect(!d.contains("The home screen"))
        #expect(d.contains("What?"))       // ? typed into the field, help not opened
        d.press(.function(1))
        #expect(d.contains("116 111"))
        #expect(!d.contains("There is no help page"))
    }

    @Test("any size from 1x1 up renders without a crash; small windows get a calm message", arguments: [
        (1, 1), (2, 2), (10, 3), (20, 6), (39, 11), (40, 12), (41, 13), (80, 24), (132, 50), (300, 100),
    ])
    func sizes(w: Int, h: Int) throws {
        let d = try Driver(width: w, height: h, demo: true, seedDemo: true)
        for keys in [[Key](), [.char("c")], [.enter], [.char("a")], [.escape, .escape, .escape, .char("n")], [.char("4"), .pageDown]] {
            d.press(contentsOf: keys)
            let g = d.screen
            #expect(g.invariantViolation() == nil)
            if w < App.minWidth || h < App.minHeight {
                if w >= 30 && h >= 4 { #expect(g.contains("Please make the window larger.")) }
            }
        }
        if w >= App.minWidth && h >= App.minHeight { #expect(d.app.top is ReportWizardScreen) }
    }

    @Test func goldenHome() throws {
        let d = try Driver()
        for (w, h) in [(80, 24), (40, 12), (20, 6)] {
            d.width = w; d.height = h
            try Golden.check(d.text, name: "home-\(w)x\(h)")
        }
    }
}

extension Driver {
    func press(contentsOf keys: [Key]) { for k in keys { press(k) } }
}

/// Golden text files in `Tests/TUITests/Golden/`. Set `KINGA_UPDATE_GOLDEN=1` to rewrite them.
enum Golden {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path
    static func check(_ text: String, name: String) throws {
        let path = "\(folder)/\(name).txt"
        if ProcessInfo.processInfo.environment["KINGA_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == expected, "golden \(name) differs:\n\(text)")
    }
}
