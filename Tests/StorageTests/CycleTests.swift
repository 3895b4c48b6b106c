import Foundation
import I18n
import Testing
import GRDB
@testable import Model
@testable import Storage
import StoreTestSupport

@Suite("The case-management cycle in storage: assess, plan, refer, follow up, close, reopen")
struct CycleTests {
    let rules = ProfileRules(formalReportConcerns: ["sexual_violence"], urgentHealthConcerns: ["sexual_violence"], urgentHealthWithinHours: 72, sources: ["t"])

    func setUp(consent: Bool = true, concerns: [String] = ["neglect"]) throws -> (TempDir, KingaStore, CaseRecord, ServiceProvider, NowBox) {
        let dir = TempDir()
        let box = NowBox(ISO8601.parse("2026-03-02T09:00:00Z")!)
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: Clock(timeZone: TimeZone(identifier: "UTC")!) { box.value })
        var r = sampleReport()
        r.concerns = concerns
        if !consent { r.childAssent = .notAsked; r.caregiverConsent = .notAsked }
        store = try store.actAsTestSupervisor()
        let c = try store.registerCase(from: r, draftID: UUID())
        let p = try store.saveProvider(ServiceProvider(name: "Puskesmas Fiktif", services: [.health, .psychosocial], area: "Kampung Fiksi",
                                                       contact: "0812 555 0000", hours: "Mon–Sat 8–14", notes: ""))
        return (dir, store, c, p, box)
    }

    @Test func aCaseGoesFromReportToClosure() throws {
        let (_, store, c, p, box) = try setUp()
        let d = Deadlines.standard
        #expect(try store.progress(caseID: c.id, deadlines: d, viewer: store.testViewer).stage == .new)
        let answers = RiskAnswers(immediateDanger: false, harmerHasAccess: true, severity: .moderate, frequency: .sometimes, safeAdult: true, childViews: "I want to stay with grandma.")
        #expect(throws: CycleError.assessmentReasonMissing) { try store.recordAssessment(caseID: c.id, Assessment(answers: answers, chosen: .low, whyDifferent: "")) }
        try store.recordAssessment(caseID: c.id, Assessment(answers: answers, chosen: .medium, whyDifferent: ""))
        #expect(try store.progress(caseID: c.id, deadlines: d, viewer: store.testViewer).stage == .assessment)
        #expect(try store.caseRecord(id: c.id, viewer: store.testViewer)?.risk == .medium)
        try store.saveCasePlan(caseID: c.id, CasePlan(goals: [PlanGoal(what: "Back to school", who: "Teacher", by: LocalDate(year: 2026, month: 4, day: 1))],
                                                     childViews: "", caregiverViews: ""))
        #expect(try store.progress(caseID: c.id, deadlines: d, viewer: store.testViewer).stage == .casePlan)
        let ref = try store.sendReferral(caseID: c.id, providerID: p.id, service: .health, reason: "Check-up", urgent: false)
        #expect(ref.status == .pending)
        #expect(ref.overrideBy == nil)
        #expect(try store.progress(caseID: c.id, deadlines: d, viewer: store.testViewer).stage == .serviceProvision)
        #expect(throws: CycleError.invalidTransition(from: .pending, to: .completed)) { try store.updateReferral(id: ref.id, to: .completed, note: "") }
        try store.updateReferral(id: ref.id, to: .accepted, note: "Seen on Monday")
        try store.updateReferral(id: ref.id, to: .completed, note: "", feedback: "Healthy, vaccinations done")
        #expect(try store.progress(caseID: c.id, deadlines: d, viewer: store.testViewer).stage == .servicesImplemented)
        box.value += 86400
        try store.recordFollowUp(caseID: c.id, FollowUp(mode: .visit, outcome: "Back at school", childSafe: true, next: nil), deadlines: d)
        #expect(try store.progress(caseID: c.id, deadlines: d, viewer: store.testViewer).nextFollowUp == LocalDate(year: 2026, month: 3, day: 17))
        #expect(throws: CycleError.self) { try store.closeCase(caseID: c.id, Closure(reason: .goalsMet, goalsMet: true, childSafe: false, referralsResolvedOrExplained: true, note: "x"), rules: rules) }
        try store.closeCase(caseID: c.id, Closure(reason: .goalsMet, goalsMet: true, childSafe: true, referralsResolvedOrExplained: true, note: "Safe at home and in school."), rules: rules)
        #expect(try store.caseRecord(id: c.id, viewer: store.testViewer)?.status == .closed)
        #expect(try store.progress(caseID: c.id, deadlines: d, viewer: store.testViewer).stage == .closed)
        // Editing a closed case never reopens it.
        #expect(throws: CycleError.caseClosed) { try store.recordFollowUp(caseID: c.id, FollowUp(mode: .call, outcome: "x", childSafe: true, next: nil), deadlines: d) }
        #expect(try store.caseRecord(id: c.id, viewer: store.testViewer)?.status == .closed)
        #expect(throws: CycleError.required("reason")) { try store.reopenCase(caseID: c.id, reason: " ") }
        try store.reopenCase(caseID: c.id, reason: "The family moved back and the child stopped school again.")
        #expect(try store.progress(caseID: c.id, deadlines: d, viewer: store.testViewer).stage == .reopened)
        let kinds = try store.events(caseID: c.id, viewer: store.testViewer).map(\.kind)
        #expect(kinds.contains(.assessment) && kinds.contains(.casePlan) && kinds.contains(.referralSent) && kinds.contains(.referralUpdated)
                && kinds.contains(.followUp) && kinds.contains(.closed) && kinds.contains(.reopened))
    }

    @Test func referralsNeedConsentOrASupervisorOverride() throws {
        let (_, first, c, p, _) = try setUp(consent: false)
        var store = first
        #expect(throws: CycleError.consentMissing) { try store.sendReferral(caseID: c.id, providerID: p.id, service: .health, reason: "x", urgent: true) }
        #expect(throws: CycleError.consentMissing) { try store.sendReferral(caseID: c.id, providerID: p.id, service: .health, reason: "x", urgent: true, consentOverride: " ") }
        #expect(try store.referrals(caseID: c.id, viewer: store.testViewer).isEmpty)
        // Only the person logged in overrides, and only when their role allows it.
        store = store.withoutSession
        let fp = try store.addTestUser(name: "FP", roles: [.focalPoint], pin: "902134")
        store = try store.beginSession(userID: fp.id)
        #expect(throws: StoreError.accessDenied) { try store.sendReferral(caseID: c.id, providerID: p.id, service: .health, reason: "x", urgent: true, consentOverride: "because") }
        store = try store.actAsTestSupervisor()
        let r = try store.sendReferral(caseID: c.id, providerID: p.id, service: .health, reason: "Injury", urgent: true,
                                       consentOverride: "The child is injured and the caregiver cannot be found.")
        #expect(r.overrideBy == "Tess Supervisor")
        #expect(try store.events(caseID: c.id, viewer: store.testViewer).last?.summary.contains("consent override") == true)
    }

    @Test func overrideIsNotRecordedWhenConsentWasGiven() throws {
        let (_, store, c, p, _) = try setUp(consent: true)
        let r = try store.sendReferral(caseID: c.id, providerID: p.id, service: .health, reason: "x", urgent: false, consentOverride: "not needed")
        #expect(r.overrideBy == nil)
        #expect(try store.events(caseID: c.id, viewer: store.testViewer).last?.body.contains("overrode") == false)
    }

    @Test("a case closes only after a risk assessment since it was (re)opened, unless the child died or cannot be found")
    func closureNeedsAnAssessment() throws {
        let (_, store, c, _, _) = try setUp()
        let other = Closure(reason: .other, goalsMet: false, childSafe: true, referralsResolvedOrExplained: false, note: "Family settled.")
        #expect(throws: CycleError.cannotClose([.noAssessment])) { try store.closeCase(caseID: c.id, other, rules: rules) }
        var unticked = other
        unticked.childSafe = false
        #expect(throws: CycleError.cannotClose([.noAssessment, .safetyNotConfirmed])) { try store.closeCase(caseID: c.id, unticked, rules: rules) }
        #expect(try store.caseRecord(id: c.id, viewer: store.testViewer)?.status == .open)
        try assessLow(store, c.id)
        try store.closeCase(caseID: c.id, other, rules: rules)
        #expect(try store.caseRecord(id: c.id, viewer: store.testViewer)?.status == .closed)
        // Reopened: the old assessment no longer counts.
        try store.reopenCase(caseID: c.id, reason: "Worries came back.")
        #expect(throws: CycleError.cannotClose([.noAssessment])) { try store.closeCase(caseID: c.id, other, rules: rules) }
        // Nobody can assess a child who cannot be found.
        let lost = Closure(reason: .movedAway, goalsMet: false, childSafe: false, referralsResolvedOrExplained: false, note: "The family left; nobody knows where.")
        try store.closeCase(caseID: c.id, lost, rules: rules)
        #expect(try store.caseRecord(id: c.id, viewer: store.testViewer)?.status == .closed)
    }

    @Test func formalReferralRuleBlocksMediationOnlyClosure() throws {
        let (_, store, c, p, _) = try setUp(concerns: ["sexual_violence"])
        try assessLow(store, c.id)
        let close = Closure(reason: .noLongerWanted, goalsMet: true, childSafe: true, referralsResolvedOrExplained: true, note: "Families agreed.")
        #expect(throws: CycleError.cannotClose([.formalReferralRequired(["sexual_violence"])])) { try store.closeCase(caseID: c.id, close, rules: rules) }
        let r = try store.sendReferral(caseID: c.id, providerID: p.id, service: .health, reason: "Post-exposure care", urgent: true)
        #expect(throws: CycleError.cannotClose([.referralsOpen(1)])) {
            try store.closeCase(caseID: c.id, Closure(reason: .noLongerWanted, goalsMet: true, childSafe: true, referralsResolvedOrExplained: false, note: "x"), rules: rules)
        }
        try store.updateReferral(id: r.id, to: .accepted, note: "")
        try store.updateReferral(id: r.id, to: .completed, note: "")
        try store.closeCase(caseID: c.id, close, rules: rules)
    }

    @Test("a sexual-violence case with only family mediation cannot be closed by calling it a transfer (issue #15)")
    func transferDoesNotDodgeTheLaw() throws {
        let (_, store, c, _, _) = try setUp(concerns: ["sexual_violence"])
        try assessLow(store, c.id)
        let elders = try store.saveProvider(ServiceProvider(name: "Bwalo elders (fictional)", services: [.familyMediation], area: "Kampung Fiksi",
                                                            contact: "", hours: "", notes: ""))
        let police = try store.saveProvider(ServiceProvider(name: "Police child desk (fictional)", services: [.police], area: "Kampung Fiksi",
                                                            contact: "", hours: "", notes: ""))
        let r = try store.sendReferral(caseID: c.id, providerID: elders.id, service: .familyMediation, reason: "Talk with the families", urgent: false)
        try store.updateReferral(id: r.id, to: .accepted, note: "")
        try store.updateReferral(id: r.id, to: .completed, note: "")
        var transfer = Closure(reason: .transferred, goalsMet: false, childSafe: true, referralsResolvedOrExplained: true, note: "Handed over.")
        #expect(throws: CycleError.cannotClose([.transferDestinationMissing])) { try store.closeCase(caseID: c.id, transfer, rules: rules) }
        transfer.transferredTo = TransferDestination(providerID: elders.id, name: elders.name, service: .familyMediation)
        #expect(throws: CycleError.cannotClose([.transferNotFormal(["sexual_violence"])])) { try store.closeCase(caseID: c.id, transfer, rules: rules) }
        #expect(try store.caseRecord(id: c.id, viewer: store.testViewer)?.status == .open)
        transfer.transferredTo = TransferDestination(providerID: police.id, name: police.name, service: .police)
        try store.closeCase(caseID: c.id, transfer, rules: rules)
        #expect(try store.caseRecord(id: c.id, viewer: store.testViewer)?.status == .transferred)
        // Where the case went is kept with the closure on the timeline.
        let json = try store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT data_json FROM case_event WHERE case_id = ? AND kind = 'closed'", arguments: [c.id.uuidString])
        }
        let kept = try json.map { try JSONDecoder().decode(Closure.self, from: Data($0.utf8)) }
        #expect(kept?.transferredTo?.name == "Police child desk (fictional)")
        #expect(kept?.transferredTo?.providerID == police.id)
        // …and the timeline line names it, in the reader's language.
        let closed = try #require(try store.events(caseID: c.id, viewer: store.testViewer).last)
        #expect(closed.summary == "Case closed: transferred to Police child desk (fictional)")
        let fr = LanguageWords(try #require(Languages.shared.language(code: "fr")))
        #expect(closed.summary(in: fr) == "Dossier clos : transféré à Police child desk (fictional)")
    }

    @Test func dueTodayListsWhatIsLate() throws {
        let (_, store, c, p, box) = try setUp()
        let d = Deadlines.standard
        #expect(try store.dueCount(deadlines: d, viewer: store.testViewer) == store.dueItems(deadlines: d, viewer: store.testViewer).count)
        #expect(try store.dueItems(deadlines: d, viewer: store.testViewer).isEmpty)
        box.value += 25 * 3600      // unassessed: treated as high, 24 hours
        #expect(try store.dueCount(deadlines: d, viewer: store.testViewer) == store.dueItems(deadlines: d, viewer: store.testViewer).count)
        #expect(try store.dueItems(deadlines: d, viewer: store.testViewer).map(\.kind) == [.firstActionOverdue])
        let r = try store.sendReferral(caseID: c.id, providerID: p.id, service: .health, reason: "x", urgent: false)
        #expect(try store.dueCount(deadlines: d, viewer: store.testViewer) == store.dueItems(deadlines: d, viewer: store.testViewer).count)
        #expect(try store.dueItems(deadlines: d, viewer: store.testViewer).map(\.kind) == [.referralWaiting])
        box.value += 15 * 86400
        #expect(try store.dueCount(deadlines: d, viewer: store.testViewer) == store.dueItems(deadlines: d, viewer: store.testViewer).count)
        #expect(try store.dueItems(deadlines: d, viewer: store.testViewer).map(\.kind) == [.referralStale])
        try store.updateReferral(id: r.id, to: .declined, note: "Full this month")
        #expect(try store.dueCount(deadlines: d, viewer: store.testViewer) == store.dueItems(deadlines: d, viewer: store.testViewer).count)
        #expect(try store.dueItems(deadlines: d, viewer: store.testViewer).isEmpty)
        try store.recordFollowUp(caseID: c.id, FollowUp(mode: .call, outcome: "ok", childSafe: true, next: store.clock.today), deadlines: d)
        let due = try store.dueItems(deadlines: d, viewer: store.testViewer)
        #expect(due.map(\.kind) == [.followUpDue])
        #expect(due.first?.days == 0)
        box.value += 91 * 86400     // no review for 3 months
        #expect(try store.dueCount(deadlines: d, viewer: store.testViewer) == store.dueItems(deadlines: d, viewer: store.testViewer).count)
        #expect(try store.dueItems(deadlines: d, viewer: store.testViewer).map(\.kind).contains(.reviewDue))
        #expect(throws: CycleError.declineReasonMissing) {
            let r2 = try store.sendReferral(caseID: c.id, providerID: p.id, service: .health, reason: "y", urgent: false)
            try store.updateReferral(id: r2.id, to: .declined, note: "")
        }
    }

    @Test func directoryFiltersAndRetires() throws {
        let (_, store, _, p, _) = try setUp()
        try store.saveProvider(ServiceProvider(name: "Polsek Fiktif", services: [.police], area: "Desa Lain", contact: "110", hours: "24h", notes: ""))
        #expect(try store.providers().count == 2)
        #expect(try store.providers(service: .police).map(\.name) == ["Polsek Fiktif"])
        #expect(try store.providers(area: "kampung").map(\.name) == ["Puskesmas Fiktif"])
        var retired = p
        retired.retired = true
        try store.saveProvider(retired)
        #expect(try store.providers().map(\.name) == ["Polsek Fiktif"])
        #expect(try store.providers(includeRetired: true).count == 2)
        #expect(throws: CycleError.required("name")) { try store.saveProvider(ServiceProvider(name: " ", services: [.police], area: "", contact: "", hours: "", notes: "")) }
    }
}

@Suite("Supervisor review: high-risk closures wait for approval")
struct ReviewTests {
    @Test func highRiskClosureWaitsThenIsApprovedOrReturned() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let fp = try store.addTestUser(name: "FP", roles: [.focalPoint], pin: "902134")
        let sup = try store.addTestUser(name: "Sup", roles: [.supervisor], pin: "580214")
        store = try store.beginSession(userID: fp.id)
        let c = try store.registerCase(from: sampleReport(urgent: true), draftID: UUID(), assignedTo: fp.id)
        let close = Closure(reason: .noLongerWanted, goalsMet: true, childSafe: true, referralsResolvedOrExplained: true, note: "Safe now.")
        let rules = ProfileRules()
        try assessLow(store, c.id)
        #expect(try store.requestClosure(caseID: c.id, close, rules: rules) == .awaitingApproval)
        #expect(try store.caseRecord(id: c.id, viewer: store.testViewer)?.status == .open)
        #expect(try store.closureRequests(viewer: store.testViewer).map(\.id) == [c.id])
        #expect(throws: StoreError.accessDenied) { try store.approveClosure(caseID: c.id, rules: rules) }
        store = try store.beginSession(userID: sup.id)
        try store.returnForCorrection(caseID: c.id, comment: "Please record the last home visit first.")
        #expect(try store.closureRequests(viewer: store.testViewer).isEmpty)
        store = try store.beginSession(userID: fp.id)
        #expect(try store.dueItems(deadlines: .standard, viewer: .user(fp)).first?.kind == .returnedForCorrection)
        #expect(try store.requestClosure(caseID: c.id, close, rules: rules) == .awaitingApproval)
        store = try store.beginSession(userID: sup.id)
        try store.approveClosure(caseID: c.id, rules: rules)
        #expect(try store.caseRecord(id: c.id, viewer: store.testViewer)?.status == .closed)
        let closed = try #require(try store.events(caseID: c.id, viewer: store.testViewer).last)
        #expect(closed.author == "Sup" && closed.fact?.args["approvedBy"] == "Sup")
        #expect(closed.summary == "Case closed: Child or family no longer want support (child is safe) (approved by Sup)")
        store = try store.beginSession(userID: fp.id)
        #expect(try store.dueItems(deadlines: .standard, viewer: .user(fp)).isEmpty)
        // A follow-up after the request makes it out of date: it leaves the queue.
        let again = try store.registerCase(from: sampleReport(name: "Again", urgent: true), draftID: UUID(), assignedTo: fp.id)
        try assessLow(store, again.id)
        #expect(try store.requestClosure(caseID: again.id, close, rules: rules) == .awaitingApproval)
        try store.recordFollowUp(caseID: again.id, FollowUp(mode: .visit, outcome: "Not safe at home tonight.", childSafe: false, next: nil),
                                 deadlines: .standard)
        #expect(try store.closureRequests(viewer: store.testViewer).isEmpty)
        store = try store.beginSession(userID: sup.id)
        #expect(throws: StoreError.notFound) { try store.approveClosure(caseID: again.id, rules: rules) }
        // A low-risk case closes at once.
        store = try store.beginSession(userID: fp.id)
        let low = try store.registerCase(from: sampleReport(name: "Low"), draftID: UUID(), assignedTo: fp.id)
        try assessLow(store, low.id)
        #expect(try store.requestClosure(caseID: low.id, close, rules: rules) == .closed)
    }
}

@Suite("Permissions in Storage: changes are checked against the logged-in user")
struct StoragePermissionTests {
    @Test func aFocalPointCannotChangeAnotherFocalPointsCase() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let one = try store.addTestUser(name: "One", roles: [.focalPoint], pin: "902134")
        let two = try store.addTestUser(name: "Two", roles: [.focalPoint], pin: "902134")
        let admin = try store.addTestUser(name: "Admin", roles: [.administrator], pin: "902134")
        store = try store.beginSession(userID: one.id)
        let c = try store.registerCase(from: sampleReport(), draftID: UUID(), assignedTo: one.id)
        try store.addNote(caseID: c.id, text: "Mine.")
        store = try store.beginSession(userID: two.id)
        #expect(throws: StoreError.accessDenied) { try store.addNote(caseID: c.id, text: "Not mine.") }
        #expect(throws: StoreError.accessDenied) {
            try store.recordFollowUp(caseID: c.id, FollowUp(mode: .call, outcome: "x", childSafe: true, next: nil), deadlines: .standard)
        }
        store = try store.beginSession(userID: admin.id)
        #expect(throws: StoreError.accessDenied) { try store.registerCase(from: sampleReport(), draftID: UUID()) }
        #expect(try store.events(caseID: c.id, viewer: store.testViewer).filter { $0.kind == .note }.count == 1)
        #expect(try store.auditEntries().filter { $0.action == "access.denied" }.count == 3)
    }
}

@Suite("Consent after intake and reassignment")
struct ConsentAndReassignTests {
    @Test func consentRecordedLaterAllowsReferrals() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        var r = sampleReport()
        r.childAssent = .notAsked; r.caregiverConsent = .notAsked
        store = try store.actAsTestSupervisor()
        let c = try store.registerCase(from: r, draftID: UUID())
        let p = try store.saveProvider(ServiceProvider(name: "Klinik Fiktif", services: [.health], area: "", contact: "", hours: "", notes: ""))
        #expect(throws: CycleError.consentMissing) { try store.sendReferral(caseID: c.id, providerID: p.id, service: .health, reason: "x", urgent: false) }
        #expect(throws: CycleError.required("reason")) { try store.recordConsent(caseID: c.id, childAssent: .yes, caregiverConsent: .no, reason: "") }
        try store.recordConsent(caseID: c.id, childAssent: .yes, caregiverConsent: .yes, reason: "")
        try store.sendReferral(caseID: c.id, providerID: p.id, service: .health, reason: "x", urgent: false)
        #expect(try store.events(caseID: c.id, viewer: store.testViewer).filter { $0.kind == .consentRecorded }.count == 2)
    }

    @Test func onlySupervisorsReassign() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let one = try store.addTestUser(name: "One", roles: [.focalPoint], pin: "902134")
        let two = try store.addTestUser(name: "Two", roles: [.focalPoint], pin: "902134")
        let sup = try store.addTestUser(name: "Sup", roles: [.supervisor], pin: "902134")
        store = try store.beginSession(userID: one.id)
        let c = try store.registerCase(from: sampleReport(), draftID: UUID(), assignedTo: one.id)
        #expect(throws: StoreError.accessDenied) { try store.reassign(caseID: c.id, to: two) }
        store = try store.beginSession(userID: sup.id)
        try store.reassign(caseID: c.id, to: two)
        store = try store.beginSession(userID: two.id)
        #expect(try store.caseCount(viewer: .user(two)) == 1)
        store = try store.beginSession(userID: one.id)
        #expect(try store.caseCount(viewer: .user(one)) == 0)
    }
}

/// Records a low-risk assessment (the guide's own suggestion for calm answers), as closing needs one.
func assessLow(_ store: KingaStore, _ caseID: UUID) throws {
    let calm = RiskAnswers(immediateDanger: false, harmerHasAccess: false, severity: .mild, frequency: .once, safeAdult: true, childViews: "")
    try store.recordAssessment(caseID: caseID, Assessment(answers: calm, chosen: .low, whyDifferent: ""))
}
