import Foundation
import GRDB
import Model

extension KingaStore {
    /// Records the child's assent and the caregiver's consent after intake (for example after the focal
    /// point asked them), or the reason to go ahead in the child's best interest. Referrals then follow
    /// `ConsentCheck` on the new answers. Recorded as the session's user's.
    /// - Throws: `CycleError.required("reason")` when someone said no and no reason is given; `.caseClosed`;
    ///   `StoreError.accessDenied` (audited) when nobody is logged in or the user may not work on the case.
    public func recordConsent(caseID: UUID, childAssent: Answer, caregiverConsent: Answer, reason: String) throws {
        let why = TextSafety.clean(reason, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
        if (childAssent == .no || caregiverConsent == .no) && why.isEmpty { throw CycleError.required("reason") }
        let me = try sessionUser("case.consent_recorded", caseID: caseID)
        let now = clock.now
        try door { db in
            try requireOpen(db, caseID)
            try requireEdit(db, caseID: caseID)
            guard var c = try Self.fetchCase(db, id: caseID.uuidString) else { throw StoreError.notFound }
            c.report.childAssent = childAssent
            c.report.caregiverConsent = caregiverConsent
            c.report.reasonWithoutConsent = why
            try insertEvent(db, caseID: caseID, at: now, fact: .consent(c.report), author: me.name)
            try db.execute(sql: "UPDATE case_record SET report_json = ? WHERE id = ?", arguments: [try Self.encode(c.report), caseID.uuidString])
        }
    }

    /// True when nobody has taken the case yet (it is in the intake queue).
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` may not see the case.
    public func isUnassigned(caseID: UUID, viewer: Viewer) throws -> Bool {
        try mayRead(viewer, caseID: caseID)
        return try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT assigned_to IS NULL FROM case_record WHERE id = ?", arguments: [caseID.uuidString]) ?? false
        }
    }

    /// The session's user, a focal point, takes an unassigned case from the intake queue (for example a
    /// child-friendly report).
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in, the user may not edit their own
    ///   cases, or the case is already someone's; `StoreError.notFound`.
    public func takeCase(caseID: UUID) throws {
        let user = try sessionUser("take", caseID: caseID)
        guard AssignmentRule.mayTake(roles: user.roles, demo: isDemo) else {
            try auditAlone(actor: user.name, action: "access.denied", caseID: caseID, detail: "take")
            throw StoreError.accessDenied
        }
        try door { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT assigned_to FROM case_record WHERE id = ?", arguments: [caseID.uuidString]) else {
                throw StoreError.notFound
            }
            let assigned = (row["assigned_to"] as String?) != nil
            guard case .success(let taken) = AssignmentRule.take(alreadyAssigned: assigned, userName: user.name, roles: user.roles, demo: isDemo) else {
                throw Denied(actor: user.name, caseID: caseID, what: "take")
            }
            // Assigned first: the event below is then a change to the user's own case.
            try db.execute(sql: "UPDATE case_record SET assigned_to = ? WHERE id = ?", arguments: [user.id.uuidString, caseID.uuidString])
            try insertEvent(db, caseID: caseID, at: clock.now, fact: taken, author: user.name)
        }
    }

    /// The session's user, a supervisor, gives a case to another user, on the timeline and in the audit log.
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in or the user may not reassign cases.
    public func reassign(caseID: UUID, to user: User) throws {
        let supervisor = try sessionUser("reassign", caseID: caseID)
        guard AssignmentRule.mayReassign(roles: supervisor.roles, demo: isDemo) else {
            try auditAlone(actor: supervisor.name, action: "access.denied", caseID: caseID, detail: "reassign")
            throw StoreError.accessDenied
        }
        try door { db in
            try insertEvent(db, caseID: caseID, at: clock.now, fact: AssignmentRule.given(to: user.name, by: supervisor.name), author: supervisor.name)
            try db.execute(sql: "UPDATE case_record SET assigned_to = ? WHERE id = ?", arguments: [user.id.uuidString, caseID.uuidString])
        }
    }
}
