import Foundation
import GRDB
import Model

// Follow-up visits, closure (with a supervisor's approval where the rules ask) and reopening.
extension KingaStore {
    // MARK: - Follow-up

    /// Records a follow-up and schedules the next one (the given date, else the profile's interval for the
    /// case's risk level), as the session's user's.
    /// - Throws: `CycleError.required("outcome")`, `.caseClosed`; `StoreError.accessDenied` (audited) when
    ///   nobody is logged in or the user may not work on the case.
    public func recordFollowUp(caseID: UUID, _ f: FollowUp, deadlines: Deadlines) throws {
        var clean = f
        clean.outcome = TextSafety.clean(f.outcome, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !clean.outcome.isEmpty else { throw CycleError.required("outcome") }
        let me = try sessionUser("case.follow_up", caseID: caseID)
        let now = clock.now
        let today = clock.today
        try door { db in
            try requireOpen(db, caseID)
            let risk = try String.fetchOne(db, sql: "SELECT risk_level FROM case_record WHERE id = ?", arguments: [caseID.uuidString])
                .flatMap(RiskLevel.init(rawValue:))
            // A child who is not safe is seen again at the high-risk interval, whatever the assessed level.
            let next = FollowUpRule.nextDate(clean, caseRisk: risk, deadlines: deadlines, today: today)
            clean.next = next
            try insertEvent(db, caseID: caseID, at: now, fact: .followUp(clean, next: next), author: me.name, data: try Self.encode(clean))
            try db.execute(sql: "UPDATE case_record SET next_follow_up = ? WHERE id = ?", arguments: [next.iso, caseID.uuidString])
            try markFirstAction(db, caseID, at: now)
        }
    }

    // MARK: - Closure

    /// What happened to a request to close.
    public enum ClosureOutcome: Equatable, Sendable {
        case closed
        /// A high-risk (or urgent) case closed by someone who may not approve closures waits for a supervisor.
        case awaitingApproval
    }

    /// The session's user asks to close a case: it closes, or, for a high-risk or urgent case when they may not
    /// approve closures, the closure goes to the supervisor's review queue (`ClosureApproval`, issue #4).
    /// - Throws: `CycleError.cannotClose(problems)`, `.caseClosed`, `StoreError.notFound`;
    ///   `StoreError.accessDenied` (audited) when nobody is logged in or the user may not work on the case.
    @discardableResult
    public func requestClosure(caseID: UUID, _ c: Closure, rules: ProfileRules) throws -> ClosureOutcome {
        let me = try sessionUser("case.close", caseID: caseID)
        return try door { db in
            try requireOpen(db, caseID)
            let problems = try closureProblems(db, caseID: caseID, c, rules: rules)
            guard problems.isEmpty else { throw CycleError.cannotClose(problems) }
            if try closureDecision(db, caseID: caseID, by: me) == .close {
                try close(db, caseID: caseID, c, author: me.name)
                return .closed
            }
            try insertEvent(db, caseID: caseID, at: clock.now, fact: EventFact(.closureAsked, ["note": TextSafety.clean(c.note, multiline: true)]),
                            author: me.name)
            try db.execute(sql: "UPDATE case_record SET closure_request = ?, returned_comment = NULL WHERE id = ?",
                           arguments: [try Self.encode(c), caseID.uuidString])
            return .awaitingApproval
        }
    }

    /// Cases whose closure waits for a supervisor, oldest first: (case, child, who asked is on the timeline).
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's (see `Viewer`).
    public func closureRequests(viewer: Viewer) throws -> [CaseSummary] {
        let s = try scope(viewer)
        return try pool.read { db in
            try Row.fetchAll(db, sql: Self.summarySQL + " WHERE c.closure_request IS NOT NULL AND c.status = 'open' AND \(s.sql) ORDER BY c.last_activity_at",
                             arguments: s.args).compactMap(Self.summary(from:))
        }
    }

    /// The session's user, a supervisor, approves a waiting closure: the case closes with the closure as asked.
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in or the user may not approve
    ///   closures; `StoreError.notFound` when nothing waits; `CycleError.cannotClose` when the closure no
    ///   longer meets the rules.
    public func approveClosure(caseID: UUID, rules: ProfileRules) throws {
        let me = try sessionUser("approve closure", caseID: caseID)
        guard ClosureApproval.mayApprove(roles: me.roles, demo: isDemo) else {
            try auditAlone(actor: me.name, action: "access.denied", caseID: caseID, detail: "approve closure")
            throw StoreError.accessDenied
        }
        guard let json = try pool.read({ db in try String.fetchOne(db, sql: "SELECT closure_request FROM case_record WHERE id = ?", arguments: [caseID.uuidString]) }),
              let c = try? Self.decode(Closure.self, json) else { throw StoreError.notFound }
        try door { db in
            try requireOpen(db, caseID)
            let problems = try closureProblems(db, caseID: caseID, c, rules: rules)
            guard problems.isEmpty else { throw CycleError.cannotClose(problems) }
            try close(db, caseID: caseID, c, author: me.name, approved: true)
        }
    }

    /// The session's user, a supervisor, returns a waiting closure (or other work) for correction, with a
    /// comment the focal point sees on "Due today".
    /// - Throws: `CycleError.required("comment")`; `StoreError.accessDenied` when nobody is logged in or the
    ///   user may not review work.
    public func returnForCorrection(caseID: UUID, comment: String) throws {
        let why = TextSafety.clean(comment, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else { throw CycleError.required("comment") }
        let me = try sessionUser("return for correction", caseID: caseID)
        guard me.can(.reviewQueue, demo: isDemo) else { throw StoreError.accessDenied }
        try door { db in
            try insertEvent(db, caseID: caseID, at: clock.now, fact: EventFact(.closureReturned, ["comment": why]), author: me.name)
            try db.execute(sql: "UPDATE case_record SET closure_request = NULL, returned_comment = ? WHERE id = ?", arguments: [why, caseID.uuidString])
        }
    }

    private func closureProblems(_ db: Database, caseID: UUID, _ c: Closure, rules: ProfileRules) throws -> [ClosureProblem] {
        let concerns = try String.fetchAll(db, sql: "SELECT concern FROM case_concern WHERE case_id = ?", arguments: [caseID.uuidString])
        let refs = try Row.fetchAll(db, sql: "SELECT status, service_type FROM referral WHERE case_id = ?", arguments: [caseID.uuidString])
            .compactMap { row -> (status: ReferralStatus, formal: Bool)? in
                guard let s = ReferralStatus(rawValue: row["status"]), let t = ServiceType(rawValue: row["service_type"]) else { return nil }
                return (s, t.isFormal)
            }
        let row = try Row.fetchOne(db, sql: "SELECT has_plan, assessed FROM case_record WHERE id = ?", arguments: [caseID.uuidString])
        return ClosureRules.problems(c, concerns: concerns, referrals: refs, rules: rules,
                                     hasPlan: row?["has_plan"] ?? false, assessed: row?["assessed"] ?? false)
    }

    /// `ClosureApproval.decide` for the case as it is in `db` and the user `user`.
    private func closureDecision(_ db: Database, caseID: UUID, by user: User) throws -> ClosureApproval.Decision {
        guard let r = try Row.fetchOne(db, sql: "SELECT risk_level, urgent FROM case_record WHERE id = ?", arguments: [caseID.uuidString]) else {
            throw StoreError.notFound
        }
        return ClosureApproval.decide(risk: (r["risk_level"] as String?).flatMap(RiskLevel.init(rawValue:)), urgent: r["urgent"],
                                      roles: user.roles, demo: isDemo)
    }

    /// Closes the case inside `db`'s transaction (the rules are checked by the caller).
    /// `approved` when the author is a supervisor approving a closure someone else asked for (the timeline says so).
    private func close(_ db: Database, caseID: UUID, _ c: Closure, author: String, approved: Bool = false) throws {
        let now = clock.now
        let note = TextSafety.clean(c.note, multiline: true)
        let status: CaseStatus = c.reason == .transferred ? .transferred : .closed
        let to = c.reason == .transferred ? c.transferredTo?.name ?? "" : ""
        try insertEvent(db, caseID: caseID, at: now,
                        fact: EventFact(.closed, ["reason": c.reason.rawValue, "note": note, "to": to, "approvedBy": approved ? author : ""]),
                        author: author, data: try Self.encode(c))
        try db.execute(sql: "UPDATE case_record SET status = ?, closed_at = ?, closure_reason = ?, next_follow_up = NULL, closure_request = NULL, returned_comment = NULL WHERE id = ?",
                       arguments: [status.rawValue, ISO8601.format(now), c.reason.rawValue, caseID.uuidString])
    }

    /// Closes a case as the session's user, after checking the closure rules (`ClosureRules`: checklist, open
    /// referrals, the profile's formal-referral rule) and who may close it (`ClosureApproval`): a high-risk or
    /// urgent case closes here only for someone who may approve closures; anyone else asks with
    /// `requestClosure`, whose closure then waits for a supervisor.
    /// - Throws: `CycleError.cannotClose(problems)`, `.caseClosed`, `StoreError.notFound`;
    ///   `StoreError.accessDenied` (audited) when nobody is logged in, the user may not work on the case, or
    ///   the case needs a supervisor's approval to close.
    public func closeCase(caseID: UUID, _ c: Closure, rules: ProfileRules) throws {
        let me = try sessionUser("case.close", caseID: caseID)
        try door { db in
            try requireOpen(db, caseID)
            let problems = try closureProblems(db, caseID: caseID, c, rules: rules)
            guard problems.isEmpty else { throw CycleError.cannotClose(problems) }
            guard try closureDecision(db, caseID: caseID, by: me) == .close else {
                throw Denied(actor: me.name, caseID: caseID, what: "case.close without a supervisor's approval")
            }
            try close(db, caseID: caseID, c, author: me.name)
        }
    }

    /// Reopens a closed case with a reason (the only way a closed case opens again), as the session's user.
    /// - Throws: `CycleError.required("reason")`, `.caseNotClosed`; `StoreError.accessDenied` (audited) when
    ///   nobody is logged in or the user may not work on the case.
    public func reopenCase(caseID: UUID, reason: String) throws {
        let why = TextSafety.clean(reason, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else { throw CycleError.required("reason") }
        let me = try sessionUser("case.reopened", caseID: caseID)
        let now = clock.now
        try door { db in
            guard let status = try String.fetchOne(db, sql: "SELECT status FROM case_record WHERE id = ?", arguments: [caseID.uuidString]) else {
                throw StoreError.notFound
            }
            let reopened: EventFact
            switch ReopenRule.decide(status: CaseStatus(rawValue: status) ?? .closed, reason: why) {
            case .success(let fact): reopened = fact
            case .failure(.notClosed): throw CycleError.caseNotClosed
            case .failure(.reasonMissing): throw CycleError.required("reason")
            }
            try insertEvent(db, caseID: caseID, at: now, fact: reopened, author: me.name)
            try db.execute(sql: "UPDATE case_record SET status = 'open', reopened = 1, assessed = 0, closed_at = NULL, closure_reason = NULL WHERE id = ?",
                           arguments: [caseID.uuidString])
        }
    }
}
