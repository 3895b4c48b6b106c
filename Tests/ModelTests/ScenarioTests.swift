import Foundation
import Testing
@testable import Model

@Suite("Practice scenarios: steps ticked from what was done (issue #8)")
struct ScenarioTests {
    func step(_ check: ScenarioCheck) -> ScenarioStep {
        ScenarioStep(title: LocalizedText(["en": "t"]), todo: LocalizedText(["en": "d"]), hints: [], check: check)
    }

    var scenario: Scenario {
        Scenario(id: "x", minutes: 20, title: LocalizedText(["en": "X"]), situation: LocalizedText(["en": "S"]),
                 steps: [step(.reportRegistered(concern: "sexual_violence")), step(.none), step(.riskAssessed(atLeast: .high)),
                         step(.referralSent(.health)), step(.planMade), step(.followUpRecorded)],
                 goodResponse: [], mustNotRefer: [.familyMediation])
    }

    func evidence(concerns: [String] = ["sexual_violence"], risk: RiskLevel? = nil, plan: Bool = false,
                  referrals: [ServiceType] = [], followUps: Int = 0) -> PracticeEvidence {
        PracticeEvidence(caseID: UUID(), caseNumber: CaseNumber(year: 2026, serial: 46), concerns: concerns, risk: risk, assessed: risk != nil,
                         hasPlan: plan, referrals: referrals, followUps: followUps)
    }

    @Test("nothing done: every step open, the first is current")
    func nothingDone() {
        let s = PracticeCheck.states(scenario, evidence: nil, marked: [])
        #expect(s == [.open, .talk(marked: false), .open, .open, .open, .open])
        #expect(PracticeCheck.current(s) == 0)
    }

    @Test("done as asked, done differently, and the talking step")
    func states() {
        var s = PracticeCheck.states(scenario, evidence: evidence(), marked: [])
        #expect(s[0] == .done)
        #expect(PracticeCheck.current(s) == 1)             // the talk comes next
        s = PracticeCheck.states(scenario, evidence: evidence(risk: .medium), marked: [])
        #expect(s[2] == .different)                        // lower than the scenario asks
        #expect(PracticeCheck.current(s) == 2)             // a later step done: the talk is passed over
        s = PracticeCheck.states(scenario, evidence: evidence(risk: .high, referrals: [.police]), marked: [1])
        #expect(s[1] == .talk(marked: true) && s[2] == .done && s[3] == .different)
        // Two referral steps: the first done, the second simply not yet.
        var two = scenario
        two.steps.insert(step(.referralSent(.police)), at: 4)
        s = PracticeCheck.states(two, evidence: evidence(referrals: [.health]), marked: [])
        #expect(s[3] == .done && s[4] == .open)
        s = PracticeCheck.states(scenario, evidence: evidence(concerns: ["neglect"]), marked: [])
        #expect(s[0] == .different)
        s = PracticeCheck.states(scenario, evidence: evidence(risk: .high, plan: true, referrals: [.health], followUps: 1), marked: [1])
        #expect(s.allSatisfy { $0 == .done || $0 == .talk(marked: true) })
        #expect(PracticeCheck.current(s) == nil)
    }

    @Test("a referral the scenario forbids is named as a mistake")
    func mistakes() {
        #expect(PracticeCheck.mistakes(scenario, evidence: evidence(referrals: [.health])).isEmpty)
        #expect(PracticeCheck.mistakes(scenario, evidence: evidence(referrals: [.health, .familyMediation])) == [.familyMediation])
    }

    @Test("a scenario file with a mistake says which field and what")
    func buildProblems() throws {
        func file(id: String? = "ok", check: String = "report_registered", service: String? = "health", avoid: [String]? = nil) -> Scenario.File {
            func step(_ check: String, _ service: String? = nil) -> Scenario.StepFile {
                Scenario.StepFile(title: LocalizedText(["en": "a"]), do: LocalizedText(["en": "b"]), hints: nil, check: check, concern: nil,
                                  risk: nil, service: service)
            }
            return Scenario.File(id: id, minutes: 10, title: LocalizedText(["en": "T"]), situation: LocalizedText(["en": "S"]),
                                 steps: [step(check), step("referral_sent", service)], good_response: nil, must_not_refer: avoid)
        }
        #expect(try Scenario.build(file(), file: "f.yaml", concerns: nil).steps.count == 2)
        #expect(throws: ScenarioProblem(file: "f.yaml", problem: "step 1: unknown check report_sent")) {
            try Scenario.build(file(check: "report_sent"), file: "f.yaml", concerns: nil)
        }
        #expect(throws: ScenarioProblem(file: "f.yaml", problem: "the first step must have check: report_registered")) {
            try Scenario.build(file(check: "plan_made"), file: "f.yaml", concerns: nil)
        }
        #expect(throws: ScenarioProblem(file: "f.yaml", problem: "must_not_refer names health, which a step asks to refer to")) {
            try Scenario.build(file(avoid: ["health"]), file: "f.yaml", concerns: nil)
        }
        #expect(throws: ScenarioProblem.self) { try Scenario.build(file(id: "Bad Id"), file: "f.yaml", concerns: nil) }
        #expect(throws: ScenarioProblem.self) { try Scenario.build(file(service: "astrology"), file: "f.yaml", concerns: nil) }
        #expect(throws: ScenarioProblem.self) { try Scenario.build(file(avoid: ["magic"]), file: "f.yaml", concerns: nil) }
    }

    @Test("text falls back to English when a language is missing")
    func fallback() {
        let t = LocalizedText(["en": " Hello ", "fr": "Bonjour"])
        #expect(t.text("fr") == "Bonjour" && t.text("id") == "Hello")
    }
}
