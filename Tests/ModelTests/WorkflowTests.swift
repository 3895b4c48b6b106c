import Foundation
import Testing
@testable import Model

@Suite("Workflow rules: risk guide, stages, deadlines, referrals, consent")
struct WorkflowTests {
    let t0 = ISO8601.parse("2026-03-02T09:00:00Z")!

    func facts(status: CaseStatus = .open, risk: RiskLevel? = nil, urgent: Bool = false, assessed: Bool = false,
               plan: Bool = false, referrals: [ReferralStatus] = [], reopened: Bool = false, firstAction: Date? = nil) -> CaseFacts {
        CaseFacts(status: status, registeredAt: t0, risk: risk, urgent: urgent, assessed: assessed, hasPlan: plan,
                  referrals: referrals, reopened: reopened, firstActionAt: firstAction)
    }

    @Test func riskGuide() {
        let calm = RiskAnswers(immediateDanger: false, harmerHasAccess: false, severity: .mild, frequency: .once, safeAdult: true, childViews: "")
        #expect(RiskGuide.suggest(calm).level == .low)
        var a = calm
        a.immediateDanger = true
        #expect(RiskGuide.suggest(a) == (.high, [.immediateDanger]))
        a = calm; a.severity = .severe
        #expect(RiskGuide.suggest(a).level == .high)
        a = calm; a.harmerHasAccess = true; a.safeAdult = false
        #expect(RiskGuide.suggest(a) == (.high, [.harmerHasAccessNoSafeAdult]))
        a = calm; a.harmerHasAccess = true
        #expect(RiskGuide.suggest(a) == (.medium, [.harmerHasAccess]))
        a = calm; a.frequency = .often; a.severity = .moderate
        #expect(RiskGuide.suggest(a) == (.medium, [.moderateHarm, .happensOften]))
    }

    @Test func stagesComeFromTheData() {
        #expect(Workflow.stage(facts()) == .new)
        #expect(Workflow.stage(facts(assessed: true)) == .assessment)
        #expect(Workflow.stage(facts(assessed: true, plan: true)) == .casePlan)
        #expect(Workflow.stage(facts(assessed: true, plan: true, referrals: [.pending, .completed])) == .serviceProvision)
        #expect(Workflow.stage(facts(assessed: true, plan: true, referrals: [.declined, .completed])) == .servicesImplemented)
        let close = Closure(reason: .goalsMet, goalsMet: true, childSafe: true, referralsResolvedOrExplained: true, note: "ok")
        #expect(ClosureRules.problems(close, concerns: [], referrals: [], rules: ProfileRules(), hasPlan: false, assessed: true) == [.noPlan])
        var moved = close
        moved.reason = .movedAway
        #expect(ClosureRules.problems(moved, concerns: ["sexual_violence"], referrals: [], rules: ProfileRules(formalReportConcerns: ["sexual_violence"]),
                                      hasPlan: true, assessed: true) == [.formalReferralRequired(["sexual_violence"])])
        #expect(Workflow.stage(facts(assessed: true, plan: true, referrals: [.withdrawn])) == .casePlan)
        #expect(Workflow.stage(facts(status: .closed, assessed: true)) == .closed)
        #expect(Workflow.stage(facts(reopened: true)) == .reopened)
        #expect(Workflow.stage(facts(assessed: false, plan: true, referrals: [.pending], reopened: true)) == .reopened)
        #expect(Workflow.stage(facts(assessed: true, plan: true, referrals: [.declined])) == .casePlan)
    }

    @Test("closing needs a risk assessment (unless the child died or cannot be found) and the checklist answered for the reason")
    func closureNeedsAssessmentAndChecklist() {
        func problems(_ reason: ClosureReason, goals: Bool = false, safe: Bool = false, assessed: Bool, plan: Bool = false) -> [ClosureProblem] {
            ClosureRules.problems(Closure(reason: reason, goalsMet: goals, childSafe: safe, referralsResolvedOrExplained: false, note: "Closing note."),
                                  concerns: ["neglect"], referrals: [], rules: ProfileRules(), hasPlan: plan, assessed: assessed)
        }
        // Nothing assessed and nothing ticked: refused for every reason a child can still be seen for.
        for reason in [ClosureReason.goalsMet, .noLongerWanted, .turned18, .transferred, .other] {
            #expect(problems(reason, assessed: false).contains(.noAssessment), "\(reason)")
        }
        #expect(problems(.other, assessed: false) == [.noAssessment, .safetyNotConfirmed])
        #expect(problems(.noLongerWanted, assessed: false) == [.noAssessment, .notSafeToStop])
        // Nobody can assess a child who died or cannot be found.
        #expect(problems(.death, assessed: false).isEmpty)
        #expect(problems(.movedAway, assessed: false).isEmpty)
        // Assessed, with the checklist answered for the reason.
        #expect(problems(.goalsMet, goals: true, safe: true, assessed: true, plan: true).isEmpty)
        #expect(problems(.other, safe: true, assessed: true).isEmpty)
        #expect(problems(.other, assessed: true) == [.safetyNotConfirmed])
        #expect(problems(.turned18, assessed: true).isEmpty)
        #expect(problems(.transferred, assessed: true) == [.transferDestinationMissing])
    }

    @Test("a transfer names where the case went; for a concern the law sends to formal services it must go to one (issue #15)")
    func transferMustNameAFormalService() {
        let rules = ProfileRules(formalReportConcerns: ["sexual_violence"])
        func problems(_ to: TransferDestination?, concerns: [String] = ["sexual_violence"],
                      referrals: [(status: ReferralStatus, formal: Bool)] = [(.pending, false)]) -> [ClosureProblem] {
            ClosureRules.problems(Closure(reason: .transferred, goalsMet: false, childSafe: false, referralsResolvedOrExplained: true,
                                          note: "Handed over.", transferredTo: to),
                                  concerns: concerns, referrals: referrals, rules: rules, hasPlan: false, assessed: true)
        }
        // The case of the issue: sexual violence, only a family-mediation referral, "transferred" to nowhere.
        #expect(problems(nil) == [.transferDestinationMissing])
        #expect(problems(TransferDestination(name: "   ", service: .police)) == [.transferDestinationMissing])
        // To mediation, or any service that is not formal: refused, even after a formal referral.
        #expect(problems(TransferDestination(name: "Bwalo elders", service: .familyMediation)) == [.transferNotFormal(["sexual_violence"])])
        #expect(problems(TransferDestination(name: "Village school", service: .education), referrals: [(.accepted, true)])
                == [.transferNotFormal(["sexual_violence"])])
        // To a formal service, from the directory or written in: the case is handed over.
        #expect(problems(TransferDestination(providerID: UUID(), name: "District police child desk", service: .police)).isEmpty)
        #expect(problems(TransferDestination(name: "Provincial social welfare office", service: .socialWelfare)).isEmpty)
        // Concerns the law leaves to the community may go anywhere named.
        #expect(problems(TransferDestination(name: "Bwalo elders", service: .familyMediation), concerns: ["neglect"]).isEmpty)
        // Other reasons keep the rule: mediation alone is not enough.
        let other = ClosureRules.problems(Closure(reason: .turned18, goalsMet: false, childSafe: true, referralsResolvedOrExplained: true,
                                                  note: "Eighteen now."),
                                          concerns: ["sexual_violence"], referrals: [(.completed, false)], rules: rules, hasPlan: false, assessed: true)
        #expect(other == [.formalReferralRequired(["sexual_violence"])])
        // A destination given for another reason changes nothing.
        let stray = ClosureRules.problems(Closure(reason: .turned18, goalsMet: false, childSafe: true, referralsResolvedOrExplained: true,
                                                  note: "Eighteen now.", transferredTo: TransferDestination(name: "Police", service: .police)),
                                          concerns: ["sexual_violence"], referrals: [], rules: rules, hasPlan: false, assessed: true)
        #expect(stray == [.formalReferralRequired(["sexual_violence"])])
    }

    @Test("family mediation for a concern the law sends to formal services warns before it is sent; nothing else does")
    func mediationWarns() {
        let rules = ProfileRules(formalReportConcerns: ["sexual_violence", "child_marriage"])
        #expect(ReferralRules.mediationWarning(service: .familyMediation, concerns: ["neglect", "sexual_violence"], rules: rules) == ["sexual_violence"])
        #expect(ReferralRules.mediationWarning(service: .familyMediation, concerns: ["neglect"], rules: rules).isEmpty)
        for s in ServiceType.allCases where s != .familyMediation {
            #expect(ReferralRules.mediationWarning(service: s, concerns: ["sexual_violence"], rules: rules).isEmpty, "\(s)")
        }
    }

    @Test func referralTransitions() {
        #expect(ReferralStatus.pending.next == [.accepted, .declined, .withdrawn])
        #expect(ReferralStatus.accepted.next == [.completed, .withdrawn])
        for s in [ReferralStatus.declined, .completed, .withdrawn] { #expect(s.next.isEmpty && s.isResolved) }
    }

    @Test func firstActionDeadlines() {
        let d = Deadlines.standard
        #expect(Workflow.firstActionDue(facts(risk: .low), deadlines: d) == t0 + 168 * 3600)
        #expect(Workflow.firstActionDue(facts(risk: .medium), deadlines: d) == t0 + 72 * 3600)
        #expect(Workflow.firstActionDue(facts(risk: .low, urgent: true), deadlines: d) == t0 + 24 * 3600)
        #expect(Workflow.firstActionDue(facts(), deadlines: d) == t0 + 24 * 3600)
        #expect(!Workflow.firstActionOverdue(facts(risk: .high), deadlines: d, now: t0 + 23 * 3600))
        #expect(Workflow.firstActionOverdue(facts(risk: .high), deadlines: d, now: t0 + 25 * 3600))
        #expect(!Workflow.firstActionOverdue(facts(risk: .high, firstAction: t0 + 3600), deadlines: d, now: t0 + 25 * 3600))
        #expect(!Workflow.firstActionOverdue(facts(status: .closed, risk: .high), deadlines: d, now: t0 + 99 * 3600))
    }

    @Test func followUpsAndStaleReferrals() {
        let d = Deadlines.standard
        let day = LocalDate(year: 2026, month: 2, day: 20)!
        #expect(Workflow.nextFollowUp(after: day, risk: .high, deadlines: d) == LocalDate(year: 2026, month: 2, day: 27)!)
        #expect(Workflow.nextFollowUp(after: day, risk: .low, deadlines: d) == LocalDate(year: 2026, month: 3, day: 22)!)
        let today = LocalDate(year: 2026, month: 3, day: 6)!
        #expect(!Workflow.referralIsStale(status: .pending, sent: day, today: today, deadlines: d))
        #expect(Workflow.referralIsStale(status: .pending, sent: day, today: today.adding(days: 1), deadlines: d))
        #expect(!Workflow.referralIsStale(status: .accepted, sent: day, today: today.adding(days: 30), deadlines: d))
    }

    @Test("date-only deadlines do not move with the process time zone")
    func dateOnlyValuesIgnoreTZ() throws {
        // The suite runs in the process's TZ; .ci also runs it under TZ=Pacific/Kiritimati and America/Adak (see Makefile).
        let day = try LocalDate.parse("2026-12-31")
        #expect(Workflow.nextFollowUp(after: day, risk: .high, deadlines: .standard).iso == "2027-01-07")
        let instant = ISO8601.parse("2026-03-02T23:30:00Z")!
        #expect(LocalDate(instant, in: TimeZone(identifier: "Pacific/Kiritimati")!).iso == "2026-03-03")
        #expect(LocalDate(instant, in: TimeZone(identifier: "America/Adak")!).iso == "2026-03-02")
        #expect(ISO8601.format(instant) == "2026-03-02T23:30:00.000Z")
    }

    @Test func profileRules() {
        let rules = ProfileRules(formalReportConcerns: ["sexual_violence", "trafficking"], urgentHealthConcerns: ["sexual_violence"],
                                 urgentHealthWithinHours: 72, sources: ["test"])
        #expect(rules.needsFormalReferral(["neglect", "trafficking"]))
        #expect(!rules.needsFormalReferral(["neglect"]))
        #expect(rules.needsUrgentHealthReferral(["sexual_violence"], hoursSinceHarm: 10))
        #expect(!rules.needsUrgentHealthReferral(["sexual_violence"], hoursSinceHarm: 100))
        #expect(rules.needsUrgentHealthReferral(["sexual_violence"], hoursSinceHarm: nil))
        #expect(!rules.needsUrgentHealthReferral(["neglect"], hoursSinceHarm: 1))
    }
}
