import Foundation
import GRDB
import Testing
@testable import Model
@testable import Storage

/// Issue #16: one record type per table, every column typed — starting with the case.
@Suite("The case as a typed record")
struct TypedRecordTests {
    /// Each column of `case_record` and where it lives in `CaseRecord` (or why it does not).
    static let caseColumns: [String: String] = [
        "id": "id", "case_number": "number", "number_year": "number", "number_serial": "number", "device_id": "deviceID",
        "version": "version", "created_at": "createdAt", "updated_at": "updatedAt", "last_activity_at": "lastActivityAt",
        "status": "status", "urgent": "urgent", "risk_level": "risk", "child_name": "childName", "sex": "sex",
        "date_of_birth": "age", "approx_age": "age", "age_recorded_on": "age", "village": "village", "caregiver": "caregiver",
        "report_json": "report", "source_draft_id": "sourceDraftID", "first_action_at": "firstActionAt", "assessed": "assessed",
        "has_plan": "hasPlan", "reopened": "reopened", "next_follow_up": "nextFollowUp", "closed_at": "closedAt",
        "closure_reason": "closureReason", "assigned_to": "assignedTo", "closure_request": "closureRequest",
        "returned_comment": "returnedComment", "source": "source", "reviewed_at": "reviewedAt",
        "name_key": "(derived search key, worked out again from the name)", "village_key": "(derived search key, from the village)",
    ]

    @Test("every column of case_record has its place in CaseRecord: a new column without one fails here")
    func everyColumnIsTyped() throws {
        let dir = TempDir()
        let store = try KingaStore(path: dir.path + "/k.sqlite", clock: pinned)
        let columns = try store.pool.read { db in try db.columns(in: "case_record").map(\.name) }
        #expect(Set(columns) == Set(Self.caseColumns.keys), "columns without a typed place: \(Set(columns).subtracting(Self.caseColumns.keys))")
    }

    @Test("the cycle's facts read back typed: assignment, assessment, plan, follow-up, a waiting closure, the closure")
    func cycleFactsReadBack() throws {
        let dir = TempDir()
        let store = try KingaStore(path: dir.path + "/k.sqlite", clock: pinned)
        let me = try store.actAsTestSupervisor()
        let draft = UUID()
        let c = try store.registerCase(from: sampleReport(), draftID: draft, assignedTo: me.id)
        var r = try #require(try store.caseRecord(id: c.id, viewer: .user(me)))
        #expect(r.assignedTo == me.id && r.source == "intake" && r.sourceDraftID == draft && !r.assessed && r.closedAt == nil)
        let answers = RiskAnswers(immediateDanger: false, harmerHasAccess: false, severity: .moderate, frequency: .once, safeAdult: true, childViews: "")
        try store.recordAssessment(caseID: c.id, Assessment(answers: answers, chosen: Assessment(answers: answers, chosen: .low, whyDifferent: "").suggested, whyDifferent: ""))
        try store.saveCasePlan(caseID: c.id, CasePlan(goals: [PlanGoal(what: "Back to school: talk to the teacher", who: "Focal point", by: pinned.today.adding(days: 7))],
                                                      childViews: "", caregiverViews: ""))
        r = try #require(try store.caseRecord(id: c.id, viewer: .user(me)))
        #expect(r.assessed && r.hasPlan && r.firstActionAt != nil)
        try store.closeCase(caseID: c.id, Closure(reason: .goalsMet, goalsMet: true, childSafe: true, referralsResolvedOrExplained: true, note: "Back at school."), rules: ProfileRules())
        r = try #require(try store.caseRecord(id: c.id, viewer: .user(me)))
        #expect(r.status == .closed && r.closureReason == .goalsMet && r.closedAt != nil && r.closureRequest == nil)
    }
}
