import Foundation
import Testing
@testable import Model
@testable import Storage
@testable import TUI
import StoreTestSupport

/// Issue #14: a dropped SSH connection, a closed window or a stopped Kinga must not lose a note or a form
/// being typed about a case. `App.saveUnfinished` is what the loop calls on a signal or a vanished terminal.
@Suite("Half-written notes and forms survive Kinga stopping")
struct UnfinishedTests {
    private func caseOpen(_ d: Driver) throws -> UUID {
        var r = Report()
        r.reporterKind = .neighbour; r.sex = .female; r.approximateAgeText = "8"; r.village = "Kampung Fiksi"
        r.concerns = ["neglect"]; r.inDangerNow = false; r.childAssent = .yes; r.caregiverConsent = .yes
        r.childName = "Kept Child"
        return try d.store.registerCase(from: r, draftID: UUID()).id
    }

    /// The same database opened again, as after a restart, logged in as the same person.
    private func restarted(_ d: Driver) throws -> App {
        var store = try KingaStore(test: d.store.path, clock: pinned)
        let user = try #require(try store.users().first)
        store = try store.beginSession(userID: user.id)
        let app = App(store: store, profile: try Seeds.profile(id: "generic", seeds: seedsFolder), clock: pinned, demo: false, session: user)
        _ = app.render(width: 80, height: 24)
        return app
    }

    private func press(_ a: App, _ keys: Key...) { for k in keys { a.handle(.key(k)); _ = a.render(width: 80, height: 24) } }

    @Test("a note being written is kept when Kinga stops, comes back when the note is opened again, and goes once saved")
    func noteIsKept() throws {
        let d = try Driver()
        let id = try caseOpen(d)
        d.press(.char("c"), .enter, .char("a"))
        d.type("The aunt came to the school today and")
        d.app.saveUnfinished()                  // a hang-up, SIGTERM or a vanished terminal
        let again = try restarted(d)
        press(again, .char("c"), .enter, .char("a"))
        let screen = again.render(width: 80, height: 24).text
        #expect(screen.contains("The aunt came to the school today and"))
        #expect(screen.contains("is back"))
        for c in " asked for the girl." { again.handle(.key(.char(c))) }
        press(again, .function(2))
        #expect(try again.store.events(caseID: id, viewer: again.store.testViewer).contains { $0.summary.contains("asked for the girl.") })
        #expect(try again.store.unfinished(place: "note", caseID: id) == nil)
    }

    @Test("a risk assessment half filled in is kept too; throwing it away forgets it")
    func formIsKept() throws {
        let d = try Driver()
        let id = try caseOpen(d)
        d.press(.char("c"), .enter, .char("s"))
        d.press(.char("2"), .tab, .char("1"), .tab, .tab, .tab, .tab)
        d.type("She wants to stay with her grandmother.")
        d.app.saveUnfinished()
        let again = try restarted(d)
        press(again, .char("c"), .enter, .char("s"))
        #expect(again.render(width: 80, height: 24).text.contains("is back"))
        press(again, .tab, .tab, .tab, .tab, .tab)      // down to the child's views
        #expect(again.render(width: 80, height: 24).text.contains("She wants to stay with her grandmother."))
        press(again, .escape)
        press(again, .char("1"))                // "Yes, throw it away"
        #expect(try again.store.unfinished(place: "help.assessment", caseID: id) == nil)
    }
}
