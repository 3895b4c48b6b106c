import Foundation
import Testing
@testable import Model
@testable import Storage
import StoreTestSupport

/// The three live defects of issue #16, each shown closed.
@Suite("Issue #16 live defects: reads fail closed, closeCase needs approval, the session is the actor")
struct LiveDefectTests {
    /// A store with two focal points, each with a case assigned to them, and nobody logged in.
    private func twoFocalPoints(_ dir: TempDir) throws -> (KingaStore, User, User, CaseRecord) {
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let one = try store.addTestUser(name: "Focal Point Anza", roles: [.focalPoint], pin: "902134")
        let two = try store.addTestUser(name: "Focal Point Bupe", roles: [.focalPoint], pin: "902135")
        store = try store.beginSession(userID: one.id)
        let mine = try store.registerCase(from: sampleReport(name: "Chipo Mine"), draftID: UUID(), assignedTo: one.id)
        store = try store.beginSession(userID: two.id)
        try store.registerCase(from: sampleReport(name: "Dalitso Theirs"), draftID: UUID(), assignedTo: two.id)
        store = store.withoutSession
        return (store, one, two, mine)
    }

    @Test("a read names its reader: a focal point's lists hold only their cases, and nothing reads everything during a session")
    func readsFailClosed() throws {
        let dir = TempDir()
        let (base, one, _, mine) = try twoFocalPoints(dir)
        var store = base
        store = try store.beginSession(userID: one.id)
        let today = pinned.today
        #expect(try store.casePage(after: nil, limit: 10, viewer: .user(one)).map(\.id) == [mine.id])
        #expect(try store.caseList(CaseQuery(), after: nil, limit: 10, viewer: .user(one), today: today).map(\.summary.id) == [mine.id])
        #expect(try store.caseCount(viewer: .user(one)) == 1)
        #expect(try store.todaySummary(viewer: .user(one)).allCases == 1)
        // What used to be a call without a viewer (every case) now has to say so, and is refused during a session.
        #expect(throws: StoreError.accessDenied) { try store.casePage(after: nil, limit: 10, viewer: .systemMaintenance) }
        #expect(throws: StoreError.accessDenied) { try store.dueItems(deadlines: .standard, viewer: .systemMaintenance) }
        // A supervisor made up by the caller is not the person logged in.
        let madeUp = User(id: one.id, name: one.name, roles: [.supervisor])
        #expect(try store.caseCount(viewer: .user(madeUp)) == 1)                  // roles come from the session
        #expect(throws: StoreError.accessDenied) { try store.caseCount(viewer: .user(User(id: UUID(), name: "Sup", roles: [.supervisor]))) }
        // Nobody logged in: a person's read is refused; Kinga's own tools may read the whole database.
        store = store.withoutSession
        #expect(throws: StoreError.accessDenied) { try store.referrals(viewer: .user(one)) }
        #expect(try store.caseCount(viewer: .systemMaintenance) == 2)
        #expect(try store.auditEntries(actionPrefix: "access.denied").count == 4)
    }

    @Test("closeCase applies the approval rule that requestClosure applies: a focal point cannot close a high-risk case")
    func closeCaseNeedsApprovalForHighRisk() throws {
        let dir = TempDir()
        let (base, one, _, mine) = try twoFocalPoints(dir)
        var store = base
        let sup = try store.addTestUser(name: "Supervisor Chanda", roles: [.supervisor], pin: "580214")
        store = try store.beginSession(userID: one.id)
        let worried = RiskAnswers(immediateDanger: false, harmerHasAccess: true, severity: .severe, frequency: .often, safeAdult: false, childViews: "")
        try store.recordAssessment(caseID: mine.id, Assessment(answers: worried, chosen: .high, whyDifferent: "The guide's level, kept."))
        #expect(try store.caseRecord(id: mine.id, viewer: store.testViewer)?.risk == .high)
        let closure = Closure(reason: .noLongerWanted, goalsMet: false, childSafe: true, referralsResolvedOrExplained: true, note: "The family asked us to stop.")
        #expect(throws: StoreError.accessDenied) { try store.closeCase(caseID: mine.id, closure, rules: ProfileRules()) }
        #expect(try store.caseRecord(id: mine.id, viewer: store.testViewer)?.status == .open)
        #expect(try store.auditEntries(actionPrefix: "access.denied").first?.detail == "case.close without a supervisor's approval")
        store = try store.beginSession(userID: sup.id)
        try store.closeCase(caseID: mine.id, closure, rules: ProfileRules())
        #expect(try store.caseRecord(id: mine.id, viewer: store.testViewer)?.status == .closed)
        #expect(try store.events(caseID: mine.id, viewer: store.testViewer).last?.author == "Supervisor Chanda")
    }

    @Test("whoever is logged in, and nobody else, is the author and the actor; nobody logged in changes nothing")
    func theSessionIsTheActor() throws {
        let dir = TempDir()
        let (base, one, two, mine) = try twoFocalPoints(dir)
        var store = base
        // Nobody logged in: refused, and the refusal is audited.
        #expect(throws: StoreError.accessDenied) { try store.addNote(caseID: mine.id, text: "Written by nobody.") }
        // A session is begun by id; the name and roles are the stored ones, whatever the caller holds.
        #expect(throws: StoreError.accessDenied) { try store.beginSession(userID: UUID()) }
        store = try store.beginSession(userID: one.id)
        let me = try #require(store.actor)
        #expect(me.name == "Focal Point Anza" && me.roles == [.focalPoint])
        let note = try store.addNote(caseID: mine.id, text: "Visited the family.")
        #expect(note.author == "Focal Point Anza")
        let audit = try #require(try store.auditEntries(actionPrefix: "case.note").first)
        #expect(audit.actor == "Focal Point Anza" && audit.caseID == mine.id)
        // The other focal point cannot write on this case, and no API takes a name to write under.
        store = try store.beginSession(userID: two.id)
        #expect(throws: StoreError.accessDenied) { try store.addNote(caseID: mine.id, text: "Signed as Anza.") }
        // Nor read it (reads of one case fail closed).
        #expect(throws: StoreError.accessDenied) { try store.events(caseID: mine.id, viewer: .user(two)) }
        store = store.withoutSession
        #expect(try store.events(caseID: mine.id, viewer: .systemMaintenance).filter { $0.kind == .note }.map(\.author) == ["Focal Point Anza"])
    }

    @Test("the demo's consent override is made in the session of a seeded supervisor, whose account then leaves the login list")
    func demoOverrideIsASeededSupervisorsSession() throws {
        let dir = TempDir()
        let store = try KingaStore(test: dir.path + "/demo.sqlite", clock: pinned)
        try Seeds.fillDemo(store, seeds: seedsFolder, timeZone: TimeZone(identifier: "UTC")!)
        #expect(store.actor == nil)
        #expect(try store.users().map(\.name).sorted() == ["Admin Demo", "Focal Point Demo", "Supervisor Demo", "Trainer Demo"])
        let hartini = try #require(try store.userID(named: "Ibu Hartini"))
        let overrides = try store.consentOverrides(since: pinned.today.adding(days: -400), viewer: store.testViewer)
        #expect(!overrides.isEmpty && overrides.allSatisfy { $0.overrideBy == "Ibu Hartini" })
        #expect(try store.auditEntries(limit: 5000).contains { $0.actor == "Ibu Hartini" && $0.action == "case.referral_sent" })
        #expect(throws: StoreError.accessDenied) { try store.beginSession(userID: hartini) }   // inactive now
    }
}
