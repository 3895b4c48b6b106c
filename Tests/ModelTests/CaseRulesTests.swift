import Foundation
import Testing
@testable import Model

@Suite("Case rules in Model, shared with a future server (issue #16)")
struct CaseRulesTests {
    // MARK: - Closure approval: who may approve

    @Test func onlySupervisorsAndTrainersOnTheDemoMayApproveClosures() {
        #expect(ClosureApproval.mayApprove(roles: [.supervisor], demo: false))
        #expect(ClosureApproval.mayApprove(roles: [.administrator, .supervisor], demo: false))
        #expect(ClosureApproval.mayApprove(roles: [.trainer], demo: true))
        #expect(!ClosureApproval.mayApprove(roles: [.trainer], demo: false))
        #expect(!ClosureApproval.mayApprove(roles: [.focalPoint], demo: true))
        #expect(!ClosureApproval.mayApprove(roles: [.administrator], demo: false))
        #expect(!ClosureApproval.mayApprove(roles: [], demo: true))
    }

    // MARK: - A waiting closure request goes stale

    @Test func newFactsAboutTheChildMakeAWaitingClosureStale() {
        for kind in [EventKind.assessment, .followUp, .referralSent, .referralUpdated] {
            #expect(ClosureRequestRule.makesStale(kind), "\(kind)")
        }
        #expect(ClosureRequestRule.makesStale(EventFact(.referralUpdated, ["to": "declined"])))
        #expect(ClosureRequestRule.makesStale(.followUp(FollowUp(mode: .visit, outcome: "x", childSafe: false, next: nil),
                                                         next: LocalDate(iso: "2026-03-09")!)))
    }

    @Test func entriesThatSayNothingNewLeaveItWaiting() {
        let stale = ClosureRequestRule.staleningKinds
        for kind in EventKind.allCases where !stale.contains(kind) {
            #expect(!ClosureRequestRule.makesStale(kind), "\(kind)")
        }
        // The request itself (stored as a note), notes, printouts, taking and giving the case, the consent,
        // and a case plan do not drop it.
        for kind in [EventFact.Kind.closureAsked, .closureReturned, .note, .printed, .caseTaken, .caseGiven, .consentRecorded, .casePlan,
                     .duplicateReport, .duplicateLinked] {
            #expect(!ClosureRequestRule.makesStale(EventFact(kind)), "\(kind)")
        }
    }

    // MARK: - Follow-up interval

    let today = LocalDate(iso: "2026-03-02")!

    @Test func aChildWhoIsNotSafeIsSeenAgainAtTheHighRiskInterval() {
        let unsafe = FollowUp(mode: .visit, outcome: "bruises", childSafe: false, next: nil)
        for risk in [RiskLevel.low, .medium, .high, nil] {
            #expect(FollowUpRule.intervalRisk(childSafe: false, caseRisk: risk) == .high)
            #expect(FollowUpRule.nextDate(unsafe, caseRisk: risk, deadlines: .standard, today: today) == LocalDate(iso: "2026-03-09"))
        }
    }

    @Test func aSafeChildIsSeenAtTheCasesInterval() {
        let safe = FollowUp(mode: .call, outcome: "fine", childSafe: true, next: nil)
        #expect(FollowUpRule.nextDate(safe, caseRisk: .low, deadlines: .standard, today: today) == LocalDate(iso: "2026-04-01"))
        #expect(FollowUpRule.nextDate(safe, caseRisk: .medium, deadlines: .standard, today: today) == LocalDate(iso: "2026-03-16"))
        #expect(FollowUpRule.nextDate(safe, caseRisk: .high, deadlines: .standard, today: today) == LocalDate(iso: "2026-03-09"))
        // Not assessed: the medium interval.
        #expect(FollowUpRule.intervalRisk(childSafe: true, caseRisk: nil) == nil)
        #expect(FollowUpRule.nextDate(safe, caseRisk: nil, deadlines: .standard, today: today) == LocalDate(iso: "2026-03-16"))
    }

    @Test func theIntervalComesFromTheProfile() {
        let profile = Deadlines(firstActionHours: [.high: 12, .medium: 48, .low: 96], followUpDays: [.high: 2, .medium: 5, .low: 10],
                                reviewDays: 60, referralStaleDays: 7, source: "a district SOP")
        let unsafe = FollowUp(mode: .visit, outcome: "x", childSafe: false, next: nil)
        #expect(FollowUpRule.nextDate(unsafe, caseRisk: .low, deadlines: profile, today: today) == LocalDate(iso: "2026-03-04"))
        let safe = FollowUp(mode: .visit, outcome: "x", childSafe: true, next: nil)
        #expect(FollowUpRule.nextDate(safe, caseRisk: .low, deadlines: profile, today: today) == LocalDate(iso: "2026-03-12"))
        // Across the end of a month and a year.
        #expect(FollowUpRule.nextDate(unsafe, caseRisk: nil, deadlines: .standard, today: LocalDate(iso: "2026-12-28")!) == LocalDate(iso: "2027-01-04"))
    }

    @Test func aDateTheFocalPointChoseWins() {
        let chosen = LocalDate(iso: "2026-03-03")!
        let unsafe = FollowUp(mode: .visit, outcome: "x", childSafe: false, next: chosen)
        #expect(FollowUpRule.nextDate(unsafe, caseRisk: .low, deadlines: .standard, today: today) == chosen)
    }

    // MARK: - Linking a duplicate

    let existing = CaseNumber(year: 2026, serial: 7)
    let newer = CaseNumber(year: 2026, serial: 42)

    @Test func aClosedCaseIsReopenedByANewReport() {
        for status in [CaseStatus.closed, .transferred, .duplicate] {
            let d = DuplicateLinkRule.decide(existingStatus: status, existingNumber: existing, newNumber: newer, newReport: nil, newUrgent: false)
            #expect(d.reopen == EventFact(.reopenedByReport, ["number": "KG-2026-0042"]), "\(status)")
            #expect(d.existingStatus == .open)
            #expect(d.newStatus == .duplicate)
        }
    }

    @Test func anOpenCaseStaysAsItIs() {
        let d = DuplicateLinkRule.decide(existingStatus: .open, existingNumber: existing, newNumber: newer, newReport: nil, newUrgent: false)
        #expect(d.reopen == nil)
        #expect(d.existingStatus == .open)
        #expect(!d.markUrgent)
        #expect(d.joined == EventFact(.duplicateReport, ["number": "KG-2026-0042"]))
        #expect(d.linked == EventFact(.duplicateLinked, ["number": "KG-2026-0007"]))
        #expect(d.newStatus == .duplicate)
    }

    @Test func anUrgentReportMakesTheExistingCaseUrgent() {
        #expect(DuplicateLinkRule.decide(existingStatus: .open, existingNumber: existing, newNumber: newer, newReport: nil, newUrgent: true).markUrgent)
        #expect(DuplicateLinkRule.decide(existingStatus: .closed, existingNumber: existing, newNumber: newer, newReport: nil, newUrgent: true).markUrgent)
    }

    @Test func theNewReportTravelsAsDataUnlessItIsLegacy() {
        var r = Report()
        r.reporterKind = .neighbour
        r.narrative = "Seen alone at night."
        let d = DuplicateLinkRule.decide(existingStatus: .open, existingNumber: existing, newNumber: newer, newReport: .report(r), newUrgent: false)
        #expect(d.joined.kind == .duplicateReport)
        #expect(d.joined.args["number"] == "KG-2026-0042")
        #expect(d.joined.args["narrative"] == "Seen alone at night.")
        #expect(d.joined.args["reporter"] == "neighbour")
        #expect(!DuplicateLinkRule.needsStoredBody(d.joined))
        // A legacy entry (recognised from English text) brings only the number; the caller keeps its words.
        let legacy = EventFact(.reportReceived, ["legacy": "1", "reporter": "neighbour"])
        let l = DuplicateLinkRule.decide(existingStatus: .open, existingNumber: existing, newNumber: newer, newReport: legacy, newUrgent: false)
        #expect(l.joined == EventFact(.duplicateReport, ["number": "KG-2026-0042"]))
        #expect(DuplicateLinkRule.needsStoredBody(l.joined))
        // The number is the new report's, never overwritten by an argument of the report.
        let odd = EventFact(.reportReceived, ["number": "KG-1999-0001", "narrative": "n"])
        #expect(DuplicateLinkRule.decide(existingStatus: .open, existingNumber: existing, newNumber: newer, newReport: odd, newUrgent: false)
            .joined.args["number"] == "KG-2026-0042")
        // Another kind of entry is not a report.
        let note = EventFact(.note, ["narrative": "not a report"])
        #expect(DuplicateLinkRule.decide(existingStatus: .open, existingNumber: existing, newNumber: newer, newReport: note, newUrgent: false)
            .joined.args["narrative"] == nil)
    }

    // MARK: - Consent override

    @Test func consentOrABestInterestReasonNeedsNoOverride() {
        for roles: Set<Role> in [[.focalPoint], [.supervisor], [.administrator], []] {
            #expect(ConsentOverrideRule.decide(consent: .consented, overrideReason: nil, roles: roles, demo: false) == .send)
            #expect(ConsentOverrideRule.decide(consent: .proceedingInBestInterest(reason: "danger at home"), overrideReason: nil,
                                               roles: roles, demo: false) == .send)
        }
        // A reason given when none is needed is not an override: nothing is stored.
        #expect(ConsentOverrideRule.decide(consent: .consented, overrideReason: "just in case", roles: [.supervisor], demo: false) == .send)
    }

    @Test func missingConsentNeedsAReasonFirst() {
        for reason in [nil, "", "  \n "] as [String?] {
            #expect(ConsentOverrideRule.decide(consent: .missing, overrideReason: reason, roles: [.supervisor], demo: false) == .refused(.reasonMissing))
            #expect(ConsentOverrideRule.decide(consent: .missing, overrideReason: reason, roles: [.focalPoint], demo: false) == .refused(.reasonMissing))
        }
    }

    @Test func onlySupervisorsAndTrainersOnTheDemoMayOverride() {
        let why = "The child is in danger and the caregiver is the one who hurts her."
        #expect(ConsentOverrideRule.decide(consent: .missing, overrideReason: why, roles: [.supervisor], demo: false) == .sendWithOverride(reason: why))
        #expect(ConsentOverrideRule.decide(consent: .missing, overrideReason: why, roles: [.focalPoint, .supervisor], demo: false) == .sendWithOverride(reason: why))
        #expect(ConsentOverrideRule.decide(consent: .missing, overrideReason: why, roles: [.trainer], demo: true) == .sendWithOverride(reason: why))
        #expect(ConsentOverrideRule.decide(consent: .missing, overrideReason: why, roles: [.trainer], demo: false) == .refused(.notPermitted))
        #expect(ConsentOverrideRule.decide(consent: .missing, overrideReason: why, roles: [.focalPoint], demo: true) == .refused(.notPermitted))
        #expect(ConsentOverrideRule.decide(consent: .missing, overrideReason: why, roles: [.administrator], demo: false) == .refused(.notPermitted))
    }

    @Test func theOverrideReasonIsStoredClean() {
        let d = ConsentOverrideRule.decide(consent: .missing, overrideReason: "Danger\u{1B}[2J now", roles: [.supervisor], demo: false)
        #expect(d == .sendWithOverride(reason: TextSafety.clean("Danger\u{1B}[2J now", multiline: true)))
        #expect(d != .sendWithOverride(reason: "Danger\u{1B}[2J now"))
    }

    @Test func theRuleReadsTheIntakeConsent() {
        var r = Report()
        r.childAssent = .yes
        r.caregiverConsent = .no
        #expect(ConsentOverrideRule.decide(consent: .of(r), overrideReason: nil, roles: [.focalPoint], demo: false) == .refused(.reasonMissing))
        r.reasonWithoutConsent = "The caregiver is the alleged abuser."
        #expect(ConsentOverrideRule.decide(consent: .of(r), overrideReason: nil, roles: [.focalPoint], demo: false) == .send)
    }

    // MARK: - Intake queue and reassignment

    @Test func caseWorkersTakeAnUnassignedCase() {
        for (roles, demo) in [([Role.focalPoint], false), ([.supervisor], false), ([.trainer], true), ([.administrator, .focalPoint], false)] {
            let r = AssignmentRule.take(alreadyAssigned: false, userName: "Amina", roles: Set(roles), demo: demo)
            #expect(r == .success(EventFact(.caseTaken, ["user": "Amina"])), "\(roles)")
        }
    }

    @Test func nobodyTakesACaseThatIsSomeonesOrWithoutCaseWork() {
        #expect(AssignmentRule.take(alreadyAssigned: true, userName: "Amina", roles: [.focalPoint], demo: false) == .failure(.alreadyAssigned))
        #expect(AssignmentRule.take(alreadyAssigned: false, userName: "Admin", roles: [.administrator], demo: false) == .failure(.notPermitted))
        #expect(AssignmentRule.take(alreadyAssigned: false, userName: "Trainer", roles: [.trainer], demo: false) == .failure(.notPermitted))
        // Permission is checked first.
        #expect(AssignmentRule.take(alreadyAssigned: true, userName: "Admin", roles: [.administrator], demo: false) == .failure(.notPermitted))
    }

    @Test func onlySupervisorsAndTrainersOnTheDemoReassign() {
        #expect(AssignmentRule.mayReassign(roles: [.supervisor], demo: false))
        #expect(AssignmentRule.mayReassign(roles: [.trainer], demo: true))
        #expect(!AssignmentRule.mayReassign(roles: [.trainer], demo: false))
        #expect(!AssignmentRule.mayReassign(roles: [.focalPoint], demo: false))
        #expect(!AssignmentRule.mayReassign(roles: [.administrator], demo: false))
        #expect(AssignmentRule.given(to: "Amina", by: "Sara") == EventFact(.caseGiven, ["user": "Amina", "supervisor": "Sara"]))
    }
}

@Suite("Reopening a closed case by hand (issue #16)")
struct ReopenRuleTests {
    @Test func aCaseThatIsNotOpenReopensWithAReason() {
        for status in [CaseStatus.closed, .transferred, .duplicate] {
            #expect(ReopenRule.decide(status: status, reason: " New concern reported. ") == .success(EventFact(.reopened, ["reason": "New concern reported."])),
                    "\(status)")
        }
    }

    @Test func anOpenCaseOrABlankReasonIsRefused() {
        #expect(ReopenRule.decide(status: .open, reason: "again") == .failure(.notClosed))
        #expect(ReopenRule.decide(status: .closed, reason: " \n ") == .failure(.reasonMissing))
        // The reason is asked for first.
        #expect(ReopenRule.decide(status: .open, reason: "") == .failure(.reasonMissing))
    }
}
