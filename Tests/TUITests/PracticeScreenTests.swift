import Foundation
import Testing
@testable import Model
@testable import Storage
@testable import TUI
import I18n
import StoreTestSupport

@Suite("Trainer mode (issue #8): scenarios step by step, hints, good response, reset in one key")
struct PracticeScreenTests {
    /// The demo with the scenarios of the repository and a reset that rebuilds it in place.
    func demo(width: Int = 80, height: Int = 24) throws -> Driver {
        let d = try Driver(width: width, height: height, demo: true, seedDemo: true)
        d.store.isDemo = true
        let loaded = Seeds.scenarios(seeds: seedsFolder)
        d.app.scenarios = loaded.scenarios
        d.app.fillDemo = { fresh in try Seeds.fillDemo(fresh, seeds: seedsFolder, timeZone: TimeZone(identifier: "UTC")!) }
        return d
    }

    @Test("p lists the scenarios on the demo only")
    func listOnDemoOnly() throws {
        let real = try Driver(seedDemo: true)
        #expect(!real.contains("Practice scenarios"))
        real.press(.char("p"))
        #expect(real.app.top is HomeScreen)
        #expect(real.app.resetDemoNow() != nil)                      // no reset outside the demo
        let d = try demo()
        #expect(d.contains("p  Practice scenarios (training)"))
        d.press(.char("p"))
        #expect(d.app.top is PracticeListScreen)
        #expect(d.contains("A boy working in a stone quarry · 25 min"))
        #expect(d.contains("Sexual violence the elders want to settle"))
        #expect(!d.contains("R Reset demo"))                         // a supervisor: only a trainer resets
        #expect(d.contains("DEMO — fictional data"))
    }

    @Test("a scenario: the situation first; Enter starts; steps tick as the work is done; hints one at a time; the banner says what is next")
    func stepByStep() throws {
        let d = try demo()
        d.press(.char("p"), .char("2"))                              // a child tells a teacher
        #expect(d.contains("The situation"))
        #expect(!d.contains("1. Record"))                            // steps stay hidden until the start
        d.press(.enter)
        #expect(d.contains("DEMO · Practice: step 1 of"))
        #expect(d.contains("› ▸ 1."))
        #expect(d.contains("Stuck? Press h for a hint"))
        let hints = d.app.scenarios.first { $0.id == "teacher-disclosure" }!.steps[0].hints
        d.press(.char("h"))
        #expect(d.contains(String(hints[0].text("en").prefix(30))))
        for _ in hints { d.press(.char("h")) }
        #expect(d.contains("No more hints for this step"))
        // Go and do it: the report, through the real wizard.
        d.press(.enter)
        #expect(d.app.top is HomeScreen)
        #expect(d.contains("Practice: step 1 of"))
        d.fillReport(name: "Issa Practice")
        d.press(.enter, .char("2"))
        d.press(.char("p"))
        #expect(d.app.top is ScenarioScreen)
        #expect(d.contains("✓ 1."))
        #expect(d.contains("Your practice case: KG-2026-"))
        #expect(d.contains("Practice: step 2 of"))
        #expect(d.contains("› ▸ 2."))
        // A step Kinga checks cannot be ticked by hand.
        d.press(.char(" "))
        #expect(d.contains("Kinga ticks this step by itself"))
        // The model answer, with what the group did.
        d.press(.char("g"))
        #expect(d.contains("What a good response includes"))
        #expect(d.contains("Your practice case"))
        #expect(d.screen.invariantViolation() == nil)
        // Enter: straight to the practice case to do the next step.
        d.press(.escape, .enter)
        #expect(d.app.top is CaseDetailScreen)
        #expect(d.contains("Issa Practice"))
    }

    @Test("done differently and a forbidden referral are named, so the group can talk about them")
    func mistakes() throws {
        let d = try demo()
        d.press(.char("p"), .char("6"), .enter)                      // sexual violence, no mediation
        d.press(.enter)
        d.fillReport(name: "Nur Practice")                           // recorded as physical violence and neglect
        d.press(.enter, .char("2"))
        let c = try #require(try d.store.caseList(CaseQuery(text: "Nur Practice"), after: nil, limit: 1, viewer: d.store.testViewer, today: pinned.today).first)
        let mediation = try #require(try d.store.providers(service: .familyMediation).first)
        _ = try d.store.sendReferral(caseID: c.summary.id, providerID: mediation.id, service: .familyMediation, reason: "the elders asked",
                                     urgent: false)
        d.press(.char("p"))
        #expect(d.contains("! 1.") && d.contains("done differently"))
        #expect(d.contains("Careful: a referral to"))
        // The talking step (5): Space ticks it, Space again unticks it.
        d.press(.home)
        // Bounded: a screen that never shows step 5 fails here instead of hanging the suite.
        for _ in 0..<20 {
            if d.contains("› ○ 5.") || d.contains("› ✓ 5.") { break }
            d.press(.down)
            if d.contains("› ! 1.") { break }
        }
        #expect(d.contains("› ○ 5."))
        d.press(.char(" "))
        #expect(d.contains("✓ 5.") && d.contains("talked about"))
        d.press(.char(" "))
        #expect(d.contains("○ 5."))
    }

    @Test("R resets the demo in one key, for a trainer: the practice case is gone, everyone logs in again, a second kiosk goes on working")
    func reset() throws {
        let d = try demo()
        let before = try d.store.caseCount(viewer: d.store.testViewer)
        var otherKiosk = try KingaStore(test: d.store.path, clock: pinned)   // another `kinga --demo` on the same file
        d.press(.char("p"), .char("4"), .enter, .enter)
        d.fillReport(name: "Moussa Practice")
        d.press(.enter, .char("2"))
        #expect(try otherKiosk.caseCount(viewer: otherKiosk.testViewer) == before + 1)
        d.press(.char("p"), .escape)                                 // from the scenario back to the list
        #expect(d.app.top is PracticeListScreen)
        #expect(!d.contains("R Reset demo"))                         // a supervisor: no reset
        d.press(.char("R"))
        #expect(d.contains("Only a trainer can reset the demo"))
        #expect(try d.store.caseCount(viewer: d.store.testViewer) == before + 1)
        let trainer = try #require(try d.store.users().first { $0.roles.contains(.trainer) })
        d.app.signIn(try d.store.acting(trainer), as: trainer)
        d.press(.char("p"), .escape)
        #expect(d.contains("R Reset demo"))
        d.press(.char("R"))
        #expect(d.contains("The demo was reset"))
        #expect(d.contains("Choose your name"))
        #expect(d.app.session == nil)
        #expect(try d.store.caseCount(viewer: d.store.testViewer) == before)
        #expect(try d.store.practice() == nil)
        #expect(try d.store.isDemoDatabase())
        #expect(d.contains("DEMO — fictional data"))
        #expect(try d.store.auditEntries(actionPrefix: "demo.reset").count == 1)
        // The other connection sees the fresh demo and can still write; the audit chain is whole.
        #expect(try otherKiosk.caseCount(viewer: otherKiosk.testViewer) == before)
        otherKiosk = try otherKiosk.beginSession(userID: #require(try otherKiosk.users().first { $0.name == "Supervisor Demo" }).id)
        try otherKiosk.addNote(caseID: try #require(try d.store.casePage(after: nil, limit: 1, viewer: d.store.testViewer).first).id, text: "Still here.")
        if case .broken(let seq, _) = try d.store.verifyAudit() { Issue.record("audit chain broken at \(seq) after the reset") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: (d.store.path as NSString).deletingLastPathComponent).allSatisfy { !$0.contains(".reset-") })
    }

    @Test("starting another scenario asks once; hints stay shown and in view; the good answer says what the group did")
    func replaceHintsAndAnswer() throws {
        let d = try demo()
        d.press(.char("p"), .char("4"), .enter)                      // quarry under way
        d.press(.escape, .char("2"), .enter)                         // another one: Enter once only warns
        #expect(d.contains("is being practised"))
        #expect(try d.store.practice()?.scenarioID == "quarry")
        d.press(.escape, .char("4"))
        d.width = 40; d.height = 12
        // At 40x12 a hint shown with h is scrolled into view.
        let hint = d.app.scenarios.first { $0.id == "quarry" }!.steps[0].hints[0].text("en")
        d.press(.char("h"))
        #expect(d.contains(String(hint.prefix(14))), "\(d.text)")
        d.press(.escape, .escape, .char("p"))                        // p on the home screen: the list and the scenario
        d.width = 80; d.height = 24
        #expect(d.app.top is ScenarioScreen)
        #expect(d.contains("💡"))                                    // the hint is still shown
        d.press(.escape, .char("2"), .enter, .enter)                 // now replace it for real
        #expect(try d.store.practice()?.scenarioID == "teacher-disclosure")
        d.press(.enter)
        d.fillReport(name: "Issa Practice")
        d.press(.enter, .char("2"), .char("p"), .char("g"))
        d.width = 80; d.height = 40
        #expect(d.contains("Concerns recorded: Physical violence, Neglect"), "\(d.text)")
        #expect(d.contains("Referred to: not done yet"))
    }

    @Test("the practice screens stay whole at 40x12, 80x24 and 200x50 in every language", arguments: ["en", "id", "fr"])
    func sizes(language: String) throws {
        for (w, h) in [(40, 12), (80, 24), (200, 50)] {
            let d = try demo(width: w, height: h)
            d.app.setLanguage(Languages.shared.language(code: language)!)
            d.press(.char("p"))
            #expect(d.screen.invariantViolation() == nil)
            d.press(.char("3"))
            #expect(d.screen.invariantViolation() == nil)
            d.press(.enter, .char("h"), .down, .pageDown)
            #expect(d.screen.invariantViolation() == nil, "\(w)x\(h) \(language)")
            #expect(d.screen.contains(language == "fr" ? "DÉMO" : "DEMO"))
        }
    }
}
