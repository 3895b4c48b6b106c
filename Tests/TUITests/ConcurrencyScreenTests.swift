import Foundation
import Testing
@testable import Model
@testable import Storage
@testable import TUI
import StoreTestSupport

@Suite("Two people on one case: the second is told who changed it, sees both, and decides (issue #7)")
struct ConcurrencyScreenTests {
    private func openCase(_ d: Driver) throws -> UUID {
        let c = try d.store.registerCase(from: {
            var r = Report()
            r.reporterKind = .neighbour; r.sex = .female; r.approximateAgeText = "8"; r.village = "Kampung Fiksi"
            r.concerns = ["neglect"]; r.inDangerNow = false; r.childAssent = .yes; r.caregiverConsent = .yes
            r.childName = "Shared Child"
            return r
        }(), draftID: UUID())
        d.press(.char("c"), .enter)
        #expect(d.contains("Shared Child"))
        return c.id
    }

    /// Another kiosk on the same database file, where `name` (a supervisor, so they may work on every case)
    /// is logged in: what it writes is theirs.
    private func otherKiosk(_ d: Driver, name: String = "Other Focal Point") throws -> KingaStore {
        var other = try KingaStore(test: d.store.path, clock: pinned)
        let u = try other.addTestUser(name: name, roles: [.supervisor], pin: "580214")
        other = try other.beginSession(userID: u.id)
        return other
    }

    @Test("a note: the other person's note appears above mine before anything is saved; F2 then saves mine too")
    func noteConflict() throws {
        let d = try Driver()
        let id = try openCase(d)
        let before = try d.store.events(caseID: id, viewer: d.store.testViewer).count
        d.press(.char("a"))
        d.type("I called the school.")
        // Meanwhile, at another kiosk:
        try otherKiosk(d).addNote(caseID: id, text: "Visited the family today.")
        d.press(.function(2))
        #expect(d.contains("someone else changed this case"))
        #expect(d.contains("Other Focal Point"))
        #expect(d.contains("Visited the family today."))
        #expect(d.contains("I called the school."))            // mine is still on screen
        #expect(try d.store.events(caseID: id, viewer: d.store.testViewer).count == before + 1)   // only theirs so far
        d.press(.function(2))
        let notes = try d.store.events(caseID: id, viewer: d.store.testViewer).filter { $0.kind == .note }.map(\.summary)
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
        try otherKiosk(d, name: "Other Supervisor").recordAssessment(caseID: id, Assessment(answers: RiskAnswers(immediateDanger: true, harmerHasAccess: true, severity: .severe,
                                                                                   frequency: .often, safeAdult: false, childViews: ""),
                                                             chosen: .high, whyDifferent: ""))
        d.press(.function(2))
        #expect(d.contains("Other Supervisor"))
        #expect(try d.store.caseRecord(id: id, viewer: d.store.testViewer)?.risk == .high)        // theirs stands until I decide
        d.press(.function(2))
        #expect(try d.store.events(caseID: id, viewer: d.store.testViewer).filter { $0.kind == .assessment }.map(\.author) == ["Other Supervisor", "Test Focal Point"])
    }

    @Test("the window that saved first shows another session's later change: on the next tick, and when it comes back to the top")
    func savedFirstThenRefreshed() throws {
        let d = try Driver()
        let id = try openCase(d)
        d.press(.char("a"))
        d.type("I saved first.")
        d.press(.function(2))
        #expect(d.app.top is CaseDetailScreen)
        #expect(d.contains("I saved first."))
        // Another session (its own connection to the same file) writes a note and closes nothing else.
        let other = try otherKiosk(d)
        try other.addNote(caseID: id, text: "Second kiosk: visited the family.")
        #expect(!d.contains("Second kiosk"))                 // no key yet, nothing redrawn from storage
        d.app.handle(.tick)
        #expect(d.contains("Second kiosk: visited the family."), "\(d.text)")
        #expect(d.contains("Other Focal"))
        // End selects the newest entry; a tick keeps the newest selected, so Enter reads what arrived last.
        d.press(.end)
        try other.addNote(caseID: id, text: "Second kiosk, again: the child is at school.")
        d.app.handle(.tick)
        d.press(.enter)
        #expect(d.app.top is EventScreen)
        #expect(d.contains("Second kiosk, again: the child is at school."))
        d.press(.escape)
        // A change while a form is on top shows when the case comes back to the top.
        d.press(.char("a"))
        try other.addNote(caseID: id, text: "Third note from elsewhere.")
        d.press(.escape)
        #expect(d.app.top is CaseDetailScreen)
        #expect(d.contains("Third note from elsewhere."))
        // And a tick with nothing new changes nothing (no reload, no new audit entry for viewing).
        let audits = try d.store.auditEntries().count
        d.app.handle(.tick)
        #expect(try d.store.auditEntries().count == audits)
    }

    @Test("the run loop turns a quiet second (no input) into a tick, so the case on screen is refreshed")
    func quietSecondIsATick() throws {
        let d = try Driver()
        let id = try openCase(d)
        let other = try otherKiosk(d)
        try other.addNote(caseID: id, text: "Written while this kiosk was idle.")
        let t = QuietTerminal()
        d.app.run(on: t)
        #expect(t.frames.contains { $0.contains("Written while this kiosk was idle.") })
    }

    @Test("without a change in between, nothing is in the way")
    func noConflict() throws {
        let d = try Driver()
        let id = try openCase(d)
        d.press(.char("a"))
        d.type("First note.")
        d.press(.function(2))
        #expect(!d.contains("someone else changed"))
        #expect(try d.store.events(caseID: id, viewer: d.store.testViewer).filter { $0.kind == .note }.count == 1)
        d.press(.char("a"))
        d.type("Second note.")
        d.press(.function(2))
        #expect(try d.store.events(caseID: id, viewer: d.store.testViewer).filter { $0.kind == .note }.count == 2)
    }

    /// A second session of the same person on the same database file (another terminal, another SSH login).
    private func secondSession(_ a: Driver) throws -> App {
        var store = try KingaStore(test: a.store.path, clock: pinned)
        let user = try #require(try store.users().first)
        store = try store.beginSession(userID: user.id)
        let app = App(store: store, profile: try Seeds.profile(id: "generic", seeds: seedsFolder), clock: pinned, demo: false, session: user)
        _ = app.render(width: 80, height: 24)
        return app
    }

    @Test("ghost drafts (issue #14): a report continued and saved in another session never comes back from the stale one")
    func savedDraftNeverComesBack() throws {
        let a = try Driver()
        a.press(.char("n"), .char("4"), .pageDown)
        a.type("Ghost Child")
        a.press(.tab)                                  // the draft is on disk: step 2, the name
        // Session B, the same person on another terminal, continues it with `u`, finishes and saves it.
        let b = try secondSession(a)
        func press(_ keys: Key...) { for k in keys { b.handle(.key(k)); _ = b.render(width: 80, height: 24) } }
        func type(_ s: String) { for c in s { b.handle(.key(.char(c))) } }
        press(.char("u"))
        #expect(b.render(width: 80, height: 24).contains("Ghost Child"))
        press(.tab, .char("1"), .tab, .tab)
        type("9"); press(.tab)
        type("Kampung Hantu"); press(.pageDown)
        press(.char(" "), .tab, .tab, .tab)
        type("Seen alone at night."); press(.pageDown)
        press(.char("2"), .pageDown)
        press(.char("1"), .tab, .char("1"), .pageDown)
        press(.enter)
        let saved = try #require(try a.store.casePage(after: nil, limit: 5, viewer: a.store.testViewer).first)
        #expect(b.render(width: 80, height: 24).contains(saved.number.description))
        #expect(try a.store.drafts().isEmpty)
        // Session A still shows its half of step 2. It changes an answer and moves on: told, nothing written.
        a.press(.char("2"), .tab)
        #expect(a.contains("already saved as \(saved.number.description)"))
        // Then it locks itself (or is hung up): its old copy must not come back as a draft.
        a.app.lock()
        #expect(try a.store.drafts().isEmpty)
        #expect(try a.store.caseCount(viewer: a.store.testViewer) == 1)
    }

    @Test("two sessions typing into one draft: the stale one's answers go on in a draft of their own, nothing overwritten")
    func draftContinuedElsewhereForks() throws {
        let a = try Driver()
        a.press(.char("n"), .char("4"), .pageDown)
        a.type("Shared Draft")
        a.press(.tab)
        let b = try secondSession(a)
        b.handle(.key(.char("u")))
        _ = b.render(width: 80, height: 24)
        b.handle(.key(.tab)); b.handle(.key(.char("1"))); b.handle(.key(.tab))   // B: girl, and the draft moves on
        _ = b.render(width: 80, height: 24)
        #expect(try a.store.drafts().first?.report.sex == .female)
        a.press(.char("2"), .tab)                       // A: boy, on its older copy
        #expect(a.contains("continued in another session"))
        let drafts = try a.store.drafts()
        #expect(drafts.count == 2)
        #expect(Set(drafts.compactMap(\.report.sex)) == [.female, .male])
    }
}

/// A terminal where the first wait for input times out with nothing (a quiet second), then Esc and q quit.
private final class QuietTerminal: Terminal {
    let size = (width: 80, height: 24)
    private(set) var frames: [Grid] = []
    private var waits = 0
    func draw(_ grid: Grid) { frames.append(grid) }
    func nextEvents(timeoutMs: Int) -> [Event] {
        waits += 1
        return waits == 1 ? [] : [.key(.escape), .key(.char("q"))]
    }
    func takeSignal() -> Int32? { nil }
    func wipe() {}
}
