import Foundation
import Testing
@testable import Model
@testable import Storage
@testable import TUI

@Suite("Two people on one case: the second is told who changed it, sees both, and decides (issue #7)")
struct ConcurrencyScreenTests {
    private func openCase(_ d: Driver) throws -> UUID {
        let c = try d.store.registerCase(from: {
            var r = Report()
            r.reporterKind = .neighbour; r.sex = .female; r.approximateAgeText = "8"; r.village = "Kampung Fiksi"
            r.concerns = ["neglect"]; r.inDangerNow = false; r.childAssent = .yes; r.caregiverConsent = .yes
            r.childName = "Shared Child"
            return r
        }(), draftID: UUID(), author: "a")
        d.press(.char("c"), .enter)
        #expect(d.contains("Shared Child"))
        return c.id
    }

    @Test("a note: the other person's note appears above mine before anything is saved; F2 then saves mine too")
    func noteConflict() throws {
        let d = try Driver()
        let id = try openCase(d)
        let before = try d.store.events(caseID: id).count
        d.press(.char("a"))
        d.type("I called the school.")
        // Meanwhile, at another kiosk:
        try d.store.addNote(caseID: id, text: "Visited the family today.", author: "Other Focal Point")
        d.press(.function(2))
        #expect(d.contains("someone else changed this case"))
        #expect(d.contains("Other Focal Point"))
        #expect(d.contains("Visited the family today."))
        #expect(d.contains("I called the school."))            // mine is still on screen
        #expect(try d.store.events(caseID: id).count == before + 1)   // only theirs so far
        d.press(.function(2))
        let notes = try d.store.events(caseID: id).filter { $0.kind == .note }.map(\.summary)
        #expect(notes == ["Visited the family today.", "I called the school."])
    }

    @Test("a risk assessment: refused while the case changed, shown, then saved on purpose")
    func assessmentConflict() throws {
        let d = try Driver()
        let id = try openCase(d)
        d.press(.char("s"))
        // danger: no, access: no, severity: mild, frequency: once, safe adult: yes
        d.press(.char("2"), .tab, .char("2"), .tab, .char("1"), .tab, .char("1"), .tab, .char("1"))
        d.press(.function(2))
        #expect(d.contains("Save"))
        try d.store.recordAssessment(caseID: id, Assessment(answers: RiskAnswers(immediateDanger: true, harmerHasAccess: true, severity: .severe,
                                                                                   frequency: .often, safeAdult: false, childViews: ""),
                                                             chosen: .high, whyDifferent: ""), author: "Other Supervisor")
        d.press(.function(2))
        #expect(d.contains("Other Supervisor"))
        #expect(try d.store.caseRecord(id: id)?.risk == .high)        // theirs stands until I decide
        d.press(.function(2))
        #expect(try d.store.events(caseID: id).filter { $0.kind == .assessment }.map(\.author) == ["Other Supervisor", "Test Focal Point"])
    }

    @Test("without a change in between, nothing is in the way")
    func noConflict() throws {
        let d = try Driver()
        let id = try openCase(d)
        d.press(.char("a"))
        d.type("First note.")
        d.press(.function(2))
        #expect(!d.contains("someone else changed"))
        #expect(try d.store.events(caseID: id).filter { $0.kind == .note }.count == 1)
        d.press(.char("a"))
        d.type("Second note.")
        d.press(.function(2))
        #expect(try d.store.events(caseID: id).filter { $0.kind == .note }.count == 2)
    }
}
