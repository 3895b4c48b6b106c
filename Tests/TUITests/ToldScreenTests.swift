import Foundation
import GRDB
import Testing
@testable import Model
@testable import Storage
@testable import TUI
import StoreTestSupport

@Suite("Screens that can be told (issue #16): a change elsewhere reaches the screen as an event, without a key")
struct ToldScreenTests {
    private func report(_ name: String) -> Report {
        var r = Report()
        r.reporterKind = .neighbour; r.sex = .female; r.approximateAgeText = "8"; r.village = "Kampung Fiksi"
        r.concerns = ["neglect"]; r.inDangerNow = false; r.childAssent = .yes; r.caregiverConsent = .yes
        r.childName = name
        return r
    }

    /// Another Kinga on the same database file, a supervisor logged in.
    private func otherKiosk(_ path: String, name: String = "Other Focal Point") throws -> KingaStore {
        var other = try KingaStore(test: path, clock: pinned)
        let u = try other.addTestUser(name: name, roles: [.supervisor], pin: "580214")
        other = try other.beginSession(userID: u.id)
        return other
    }

    /// An administrator in another session on the same file deactivates the account logged in on `d`.
    /// - Returns: the administrator's handle and account.
    private func closeAccount(of d: Driver) throws -> (KingaStore, User) {
        let me = try #require(d.store.actor)
        var admin = try KingaStore(test: d.store.path, clock: pinned)
        let a = try admin.addTestUser(name: "Other Administrator", roles: [.administrator, .supervisor], pin: "580214")
        admin = try admin.beginSession(userID: a.id)
        try admin.deactivateUser(me.id)
        return (admin, a)
    }

    /// Registers a case about `name` and opens it from the case list (it is the newest, so the first row).
    private func openNewCase(_ d: Driver, _ name: String) throws -> (id: UUID, screen: CaseDetailScreen) {
        let c = try d.store.registerCase(from: report(name), draftID: UUID())
        d.press(.char("c"), .enter)
        let screen = try #require(d.app.top as? CaseDetailScreen)
        #expect(d.contains(name))
        return (c.id, screen)
    }

    @Test("the change token: stable while nothing is committed (reads included), moved by the other store's note, which names its case")
    func tokenSeesTheOtherConnection() throws {
        let d = try Driver()
        let a = try d.store.registerCase(from: report("Child A"), draftID: UUID())
        let b = try d.store.registerCase(from: report("Child B"), draftID: UUID())
        let token = try d.store.changeToken()
        _ = try d.store.caseRecord(id: a.id, viewer: d.store.testViewer)
        _ = try d.store.events(caseID: a.id, viewer: d.store.testViewer)
        #expect(try d.store.changeToken() == token)
        #expect(try d.store.changes(since: token) == nil)
        let other = try otherKiosk(d.store.path)
        try other.addNote(caseID: b.id, text: "From the other kiosk.")
        let change = try #require(try d.store.changes(since: token))
        #expect(change.cases == [b.id])
        #expect(!change.everything)
        #expect(try d.store.changes(since: change.token) == nil)
        // This Kinga's own change is seen too (the writer's own count), with its case.
        try d.store.addNote(caseID: a.id, text: "Mine.")
        #expect(try d.store.changes(since: change.token)?.cases == [a.id])
    }

    @Test("a note added by a second store on the same file shows on the first's open case after the idle tick, with a calm line, no key pressed")
    func noteFromTheOtherStoreShows() throws {
        let d = try Driver()
        let (id, screen) = try openNewCase(d, "Shared Child")
        try otherKiosk(d.store.path).addNote(caseID: id, text: "Visited the family today.")
        #expect(!d.contains("Visited the family today."))
        d.app.handle(.tick)
        #expect(d.contains("Visited the family today."), "\(d.text)")
        #expect(d.contains("changed in another session"))
        #expect(screen.loads == 2)
    }

    @Test("an account closed in another session changes nothing more, and its session locks at the next tick, with a plain line")
    func deactivatedAccountLocks() throws {
        let d = try Driver()
        let (id, _) = try openNewCase(d, "Guarded Child")
        let me = try #require(d.store.actor)
        let (admin, a) = try closeAccount(of: d)
        // Before the tick: the store refuses whatever the closed account tries, and the refusal is audited.
        #expect(throws: StoreError.accessDenied) { try d.store.addNote(caseID: id, text: "After the account was closed.") }
        #expect(try admin.events(caseID: id, viewer: .user(a)).allSatisfy { $0.body != "After the account was closed." })
        d.app.handle(.tick)
        #expect(d.app.session == nil)
        let flat = d.text.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        #expect(flat.contains("Your account was closed by an administrator") && !flat.contains("Guarded Child"), "\(d.text)")
        #expect(try admin.auditEntries().contains { $0.action == "access.denied" && $0.actor == me.name })
    }

    @Test("an account closed elsewhere while its person moves between screens locks at once, never absorbed unseen; a half-written note is kept")
    func deactivatedAccountLocksOnNavigationAndKeepsTyping() throws {
        let d = try Driver()
        _ = try openNewCase(d, "Kept Child")
        _ = try closeAccount(of: d)
        d.press(.escape)                                // back to the list, before any tick
        #expect(d.app.session == nil, "\(d.text)")
        #expect(d.contains("Your account was closed"), "\(d.text)")
        // Another time, with a note being typed: the lock keeps it.
        let e = try Driver()
        let (other, _) = try openNewCase(e, "Noted Child")
        e.press(.char("a"))
        e.type("Half a note about the visit")
        let her = try #require(e.store.actor)
        let (admin2, _) = try closeAccount(of: e)
        e.app.handle(.tick)
        #expect(e.app.session == nil)
        let kept = try admin2.pool.read { db in
            try String.fetchAll(db, sql: "SELECT values_json FROM unfinished_form WHERE owner_id = ? AND case_id = ?",
                                arguments: [her.id.uuidString, other.uuidString])
        }
        #expect(kept.contains { $0.contains("Half a note about the visit") }, "\(kept)")
    }

    @Test("nothing changed, or only another case: the open case is not read again and the token does not move")
    func nothingChangedNothingRead() throws {
        let d = try Driver()
        let (mine, screen) = try openNewCase(d, "Shown Child")
        let loads = screen.loads
        d.app.handle(.tick)                          // the first tick after opening: the view's audit entry is absorbed
        let token = try d.store.changeToken()
        for _ in 0..<5 { d.app.handle(.tick) }
        #expect(screen.loads == loads)
        #expect(try d.store.changeToken() == token)
        #expect(try d.store.changes(since: token) == nil)
        let other = try otherKiosk(d.store.path)
        let elsewhere = try other.registerCase(from: report("Another Child"), draftID: UUID())
        try other.addNote(caseID: elsewhere.id, text: "About another child.")
        d.app.handle(.tick)
        #expect(screen.loads == loads)
        #expect(try d.store.caseRecord(id: mine, viewer: d.store.testViewer) != nil)
        #expect(!d.contains("changed in another session"))
    }

    @Test("what the user is typing stays: the note keeps its words, a calm line says the case changed, F2 then shows theirs first")
    func typingStays() throws {
        let d = try Driver()
        let c = try openNewCase(d, "Typed Child")
        d.press(.char("a"))
        d.type("I called the school.")
        try otherKiosk(d.store.path).addNote(caseID: c.id, text: "Visited the family today.")
        d.app.handle(.tick)
        #expect(d.app.top is NoteScreen)
        #expect(d.contains("I called the school."))
        #expect(d.contains("What you typed is kept"), "\(d.text)")
        d.press(.function(2))
        #expect(d.contains("Visited the family today."))
        #expect(d.contains("I called the school."))
        d.press(.function(2))
        let notes = try d.store.events(caseID: c.id, viewer: d.store.testViewer).filter { $0.kind == .note }.map(\.summary)
        #expect(notes == ["Visited the family today.", "I called the school."])
    }

    @Test("an event posted from another thread (the district link's way) is handled on the loop's next turn")
    func postedFromAnotherThread() throws {
        let d = try Driver()
        let id = try openNewCase(d, "Posted Child").id
        try otherKiosk(d.store.path).addNote(caseID: id, text: "Pulled from the district.")
        let mailbox = d.app.mailbox
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            mailbox.post(.dataChanged([id]))
            done.signal()
        }
        done.wait()
        #expect(!d.contains("Pulled from the district."))
        d.app.handlePosted()
        #expect(d.contains("Pulled from the district."), "\(d.text)")
        #expect(mailbox.take().isEmpty)
    }

    @Test("the run loop handles a posted event on its next turn and redraws the case it changed")
    func runLoopTakesPostedEvents() throws {
        let d = try Driver()
        let id = try openNewCase(d, "Looped Child").id
        let other = try otherKiosk(d.store.path)
        let mailbox = d.app.mailbox
        // While the loop waits for keys, another component writes and posts (as the district link will).
        let t = PostingTerminal {
            try? other.addNote(caseID: id, text: "Posted while waiting.")
            mailbox.post(.dataChanged([id]))
        }
        d.app.run(on: t)
        #expect(t.frames.contains { $0.contains("Posted while waiting.") })
        #expect(t.frames.contains { $0.contains("changed in another session") })
    }

    @Test("an idle home screen counts nothing again: ticks with nothing committed read no table, an audit entry alone reads no count")
    func idleHomeReadsNothing() throws {
        let d = try Driver()
        _ = try d.store.registerCase(from: report("Counted Child"), draftID: UUID())
        d.app.handle(.tick)
        let home = try #require(d.app.top as? HomeScreen)
        let loads = home.loads
        for _ in 0..<5 { d.app.handle(.tick) }
        #expect(home.loads == loads)
        try d.store.recordAudit(action: "test.nothing-about-cases")     // committed, but no case changed
        d.app.handle(.tick)
        #expect(home.loads == loads)
    }

    @Test("the home screen's counts follow a case registered at another kiosk")
    func homeCountsRefresh() throws {
        let d = try Driver()
        _ = try d.store.registerCase(from: report("First Child"), draftID: UUID())
        d.app.handle(.tick)
        #expect(d.contains(S.openCases(1)))
        _ = try otherKiosk(d.store.path).registerCase(from: report("Second Child"), draftID: UUID())
        #expect(d.contains(S.openCases(1)))
        d.app.handle(.tick)
        #expect(d.contains(S.openCases(2)), "\(d.text)")
    }

    @Test("the case list reads its page again and keeps the selected case selected when another case moves above it")
    func caseListKeepsSelection() throws {
        let d = try Driver()
        let older = try d.store.registerCase(from: report("Older Child"), draftID: UUID())
        let newer = try d.store.registerCase(from: report("Newer Child"), draftID: UUID())
        d.press(.char("c"))
        let list = try #require(d.app.top as? CaseListScreen)
        d.press(.down)
        #expect(list.rows[list.selected - list.start].summary.id == older.id)
        // Another kiosk writes on the newer case, then on the older one: the older one moves to the top.
        let other = try otherKiosk(d.store.path)
        try other.addNote(caseID: newer.id, text: "Newer news.", at: pinned.now.addingTimeInterval(60))
        try other.addNote(caseID: older.id, text: "Older news.", at: pinned.now.addingTimeInterval(120))
        d.app.handle(.tick)
        _ = d.screen
        #expect(list.rows.first?.summary.id == older.id)
        #expect(list.rows[list.selected - list.start].summary.id == older.id)
    }
}

/// A terminal whose first wait for input runs `meanwhile` and returns a key that changes nothing (so no tick
/// is made: what follows comes only through the mailbox); then Esc and q quit.
private final class PostingTerminal: Terminal {
    let size = (width: 80, height: 24)
    private(set) var frames: [Grid] = []
    private var waits = 0
    private let meanwhile: () -> Void
    init(meanwhile: @escaping () -> Void) { self.meanwhile = meanwhile }
    func draw(_ grid: Grid) { frames.append(grid) }
    func nextEvents(timeoutMs: Int) -> [Event] {
        waits += 1
        switch waits {
        case 1: meanwhile(); return [.key(.unknown)]
        case 2: return [.key(.unknown)]
        default: return [.key(.escape), .key(.char("q"))]
        }
    }
    func takeSignal() -> Int32? { nil }
    func wipe() {}
}
