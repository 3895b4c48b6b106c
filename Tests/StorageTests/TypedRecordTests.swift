import Foundation
import GRDB
import Testing
@testable import Model
@testable import Storage
import StoreTestSupport

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
        let store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let columns = try store.pool.read { db in try db.columns(in: "case_record").map(\.name) }
        #expect(Set(columns) == Set(Self.caseColumns.keys), "columns without a typed place: \(Set(columns).subtracting(Self.caseColumns.keys))")
    }

    @Test("the cycle's facts read back typed: assignment, assessment, plan, follow-up, a waiting closure, the closure")
    func cycleFactsReadBack() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let me = store.actor!
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

/// The other tables: each column has a typed place in its record, or is kept out on purpose (with why).
@Suite("Every table as a typed record")
struct EveryTableTypedTests {
    static let places: [String: [String: String]] = [
        "case_event": ["id": "id", "case_id": "caseID", "device_id": "deviceID", "version": "version", "created_at": "createdAt",
                       "updated_at": "updatedAt", "occurred_at": "occurredAt", "kind": "kind", "author": "author", "summary": "summary",
                       "body": "body", "data_json": "dataJSON", "fact": "fact", "fact_args": "fact"],
        "referral": ["id": "id", "case_id": "caseID", "provider_id": "providerID", "device_id": "deviceID", "version": "version",
                     "created_at": "createdAt", "updated_at": "updatedAt", "service_type": "service", "reason": "reason", "urgent": "urgent",
                     "status": "status", "sent_on": "sentOn", "responded_on": "respondedOn", "status_note": "statusNote",
                     "feedback": "feedback", "override_by": "overrideBy", "override_reason": "overrideReason"],
        "service_provider": ["id": "id", "device_id": "deviceID", "version": "version", "created_at": "createdAt", "updated_at": "updatedAt",
                             "name": "name", "service_types": "services", "area": "area", "contact": "contact", "hours": "hours",
                             "notes": "notes", "retired": "retired"],
        "app_user": ["id": "id", "device_id": "deviceID", "version": "version", "created_at": "createdAt", "updated_at": "updatedAt",
                     "name": "name", "roles": "roles", "language": "language", "active": "active",
                     "pin_hash": "(kept in Storage: read only by login)", "failed_attempts": "(login bookkeeping, Storage only)",
                     "locked_until": "(login bookkeeping, Storage only)"],
        "draft": ["id": "id", "device_id": "deviceID", "version": "version", "created_at": "createdAt", "updated_at": "updatedAt",
                  "step": "step", "report_json": "report", "author_id": "authorID"],
        "audit_log": ["seq": "seq", "at": "at", "actor": "actor", "action": "action", "case_id": "caseID", "detail": "detail", "mac": "mac"],
    ]

    @Test("every column of every record table has its place", arguments: Array(places.keys).sorted())
    func columnsHaveTheirPlace(table: String) throws {
        let dir = TempDir()
        let store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let columns = try store.pool.read { db in try db.columns(in: table).map(\.name) }
        #expect(Set(columns) == Set(Self.places[table]?.keys ?? [:].keys), "\(table): \(Set(columns).symmetricDifference(Self.places[table]?.keys ?? [:].keys))")
    }

    @Test("what is stored reads back typed: a user, a provider, a referral, an audit entry, a draft")
    func readBack() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let me = store.actor!
        #expect(me.deviceID == store.deviceID && me.version == 1 && me.createdAt != nil)
        let p = try store.saveProvider(ServiceProvider(name: "Puskesmas Fiktif", services: [.health], area: "", contact: "", hours: "", notes: ""))
        let stored = try #require(try store.providers().first { $0.id == p.id })
        #expect(stored.deviceID == store.deviceID && stored.createdAt != nil)
        let c = try store.registerCase(from: sampleReport(), draftID: UUID())
        let ref = try store.sendReferral(caseID: c.id, providerID: p.id, service: .health, reason: "Check-up", urgent: false)
        #expect(try store.referral(id: ref.id, viewer: .user(me))?.deviceID == store.deviceID)
        #expect(try store.auditEntries().allSatisfy { $0.mac.count == 64 })
        let d = try store.saveDraft(id: UUID(), step: .child, report: Report(), expectedVersion: 0)
        #expect(try store.drafts().first { $0.id == d.id }?.authorID == me.id)
    }
}
