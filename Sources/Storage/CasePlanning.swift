import Foundation
import GRDB
import Model

// The risk assessment and the case plan (issue #4).
extension KingaStore {
    // MARK: - Assessment

    /// Records an assessment: the chosen risk level becomes the case's, the timeline shows the guide's
    /// suggestion and reasons, and the first action is marked done. Recorded as the session's user's.
    /// - Throws: `CycleError.assessmentReasonMissing`, `.caseClosed`, `StoreError.notFound`,
    ///   `StoreError.accessDenied` (audited) when nobody is logged in or the user may not work on the case.
    public func recordAssessment(caseID: UUID, _ a: Assessment) throws {
        guard !a.missingReason else { throw CycleError.assessmentReasonMissing }
        let me = try sessionUser("case.assessment", caseID: caseID)
        var clean = a
        clean.whyDifferent = TextSafety.clean(a.whyDifferent, multiline: true)
        clean.answers.childViews = TextSafety.clean(a.answers.childViews, multiline: true)
        let now = clock.now
        let data = try Self.encode(clean)
        try door { db in
            try requireOpen(db, caseID)
            try insertEvent(db, caseID: caseID, at: now, fact: .assessment(clean), author: me.name, data: data)
            try db.execute(sql: "UPDATE case_record SET risk_level = ?, assessed = 1 WHERE id = ?", arguments: [clean.chosen.rawValue, caseID.uuidString])
            try markFirstAction(db, caseID, at: now)
        }
    }

    // MARK: - Case plan

    /// Saves the case plan (a new version replaces the old one on the case; both stay on the timeline), as the
    /// session's user's.
    /// - Throws: `CycleError.required("goal")` when there is no goal, `.caseClosed`; `StoreError.accessDenied`
    ///   (audited) when nobody is logged in or the user may not work on the case.
    public func saveCasePlan(caseID: UUID, _ plan: CasePlan) throws {
        let me = try sessionUser("case.case_plan", caseID: caseID)
        var clean = plan
        clean.goals = plan.goals.map { PlanGoal(what: TextSafety.clean($0.what, multiline: false), who: TextSafety.clean($0.who, multiline: false), by: $0.by) }
            .filter { !$0.what.trimmingCharacters(in: .whitespaces).isEmpty }
        guard !clean.goals.isEmpty else { throw CycleError.required("goal") }
        clean.childViews = TextSafety.clean(plan.childViews, multiline: true)
        clean.caregiverViews = TextSafety.clean(plan.caregiverViews, multiline: true)
        let data = try Self.encode(clean)
        let now = clock.now
        try door { db in
            try requireOpen(db, caseID)
            try insertEvent(db, caseID: caseID, at: now, fact: .plan(clean), author: me.name, data: data)
            try db.execute(sql: "UPDATE case_record SET has_plan = 1 WHERE id = ?", arguments: [caseID.uuidString])
        }
    }
}
