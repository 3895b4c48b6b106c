import Foundation
import Testing
@testable import Model

/// A localiser that shows which key and arguments were asked for, so a test sees the shape of the words.
struct KeyWords: Localiser {
    func text(_ key: String, _ args: [String: String]) -> String {
        args.isEmpty ? key : key + "(" + args.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + ")"
    }
    func plural(_ key: String, _ count: Int, _ args: [String: String]) -> String { "\(key)#\(count)" }
    func day(_ date: LocalDate) -> String { "day:" + date.iso }
    func concern(_ id: String) -> String { "concern:" + id }
}

@Suite("Timeline facts: data put into words by a pure function")
struct EventFactTests {
    @Test("every kind puts itself into words, even with no arguments at all, and reads back what it stored")
    func everyKind() throws {
        for kind in EventFact.Kind.allCases {
            let f = EventFact(kind)
            _ = f.summary(KeyWords(), stored: "stored")
            _ = f.body(KeyWords(), stored: "stored")
            #expect(EventFact(stored: kind.rawValue, args: f.argsJSON) == f)
        }
        #expect(EventFact(stored: "visit.by.drone", args: "{}") == nil)
        #expect(EventFact(stored: nil, args: nil) == nil)
    }

    @Test("the words come from the reader's catalogue; what people typed stays as typed")
    func words() throws {
        var r = Report()
        r.reporterKind = .familyMember
        r.concerns = ["neglect", "child_labour"]
        r.narrative = "Xyz"
        r.inDangerNow = true
        let facts = EventFact.intake(r)
        #expect(facts.map(\.kind) == [.reportReceived, .consentRecorded, .urgentReported])
        #expect(facts[0].summary(KeyWords(), stored: "") == "event.report(reporter=event.reporter.familyMember)")
        #expect(facts[0].body(KeyWords(), stored: "").contains("event.report.concerns(concerns=concern:neglect, concern:child_labour)"))
        #expect(facts[0].body(KeyWords(), stored: "").hasSuffix("event.report.words\nXyz"))
        let plan = EventFact.plan(CasePlan(goals: [PlanGoal(what: "A", who: "B", by: LocalDate(iso: "2026-03-09"))], childViews: "", caregiverViews: ""))
        #expect(plan.summary(KeyWords(), stored: "") == "event.plan#1")
        #expect(plan.body(KeyWords(), stored: "") == "event.plan.goalBy(date=day:2026-03-09,what=A,who=B)")
        #expect(EventFact(.note).summary(KeyWords(), stored: "My own words") == "My own words")
        // A fact from before facts existed shows its body as it was written.
        #expect(EventFact(.reopened, ["legacy": "1"]).body(KeyWords(), stored: "Old words") == "Old words")
    }
}
