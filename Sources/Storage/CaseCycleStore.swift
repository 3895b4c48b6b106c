import Foundation
import GRDB
import Model

/// Why a step of the case-management cycle was refused. Each is checked here (and in Model), not only on
/// screen, so no screen can bypass it.
public enum CycleError: Error, Equatable, CustomStringConvertible {
    /// A referral needs the child's assent and the caregiver's consent, or a recorded best-interest reason;
    /// only a supervisor's override with a reason lets it go without.
    case consentMissing
    /// The referral cannot move from its status to the one asked.
    case invalidTransition(from: ReferralStatus, to: ReferralStatus)
    /// A declined referral needs the provider's reason.
    case declineReasonMissing
    /// The assessment chose another level than the guide's without saying why.
    case assessmentReasonMissing
    /// The case is closed: reopen it first (editing never reopens a case).
    case caseClosed
    /// The case is open: only a closed case can be reopened.
    case caseNotClosed
    /// Closing is refused for these reasons.
    case cannotClose([ClosureProblem])
    /// A required text is empty (field name).
    case required(String)
    /// The provider is retired or does not exist.
    case providerUnavailable

    public var description: String {
        switch self {
        case .consentMissing: return "Consent to share is not recorded for this child."
        case .invalidTransition(let a, let b): return "A referral that is \(a.rawValue) cannot become \(b.rawValue)."
        case .declineReasonMissing: return "Please write why the referral was declined."
        case .assessmentReasonMissing: return "Please say why you chose a different risk level."
        case .caseClosed: return "This case is closed. Reopen it first."
        case .caseNotClosed: return "This case is open."
        case .cannotClose(let p): return "The case cannot be closed yet (\(p.count) reasons)."
        case .required(let f): return "Please fill in: \(f)."
        case .providerUnavailable: return "This service provider is not available."
        }
    }
}

/// A case's workflow facts and the cycle's state, for the case screen.
public struct CaseProgress: Hashable, Sendable {
    public var facts: CaseFacts
    public var stage: WorkflowStage
    public var nextFollowUp: LocalDate?
    public var plan: CasePlan?
    public var firstActionDue: Date
    public var closureReason: ClosureReason?

    public static func == (a: CaseProgress, b: CaseProgress) -> Bool {
        a.stage == b.stage && a.nextFollowUp == b.nextFollowUp && a.plan == b.plan && a.firstActionDue == b.firstActionDue
    }
    public func hash(into h: inout Hasher) { h.combine(stage); h.combine(nextFollowUp) }
}

extension KingaStore {
    // MARK: - Facts

    /// The facts, stage and deadlines of a case, for `viewer`.
    /// - Throws: `StoreError.notFound`; `StoreError.accessDenied` (audited) when the viewer may not see it.
    public func progress(caseID: UUID, deadlines: Deadlines, viewer: Viewer) throws -> CaseProgress {
        try mayRead(viewer, caseID: caseID)
        return try pool.read { db in try Self.progress(db, caseID: caseID, deadlines: deadlines) }
    }

    static func progress(_ db: Database, caseID: UUID, deadlines: Deadlines) throws -> CaseProgress {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT status, created_at, risk_level, urgent, assessed, has_plan, reopened, first_action_at, next_follow_up, closure_reason,
                   (SELECT occurred_at FROM case_event WHERE case_id = c.id AND kind = 'report_received' ORDER BY occurred_at LIMIT 1) AS registered
            FROM case_record c WHERE id = ?
            """, arguments: [caseID.uuidString]) else { throw StoreError.notFound }
        let statuses = try String.fetchAll(db, sql: "SELECT status FROM referral WHERE case_id = ?", arguments: [caseID.uuidString])
            .compactMap(ReferralStatus.init(rawValue:))
        let registered = (row["registered"] as String?).flatMap(ISO8601.parse) ?? ISO8601.parse(row["created_at"]) ?? Date()
        let facts = CaseFacts(status: CaseStatus(rawValue: row["status"]) ?? .open, registeredAt: registered,
                              risk: (row["risk_level"] as String?).flatMap(RiskLevel.init(rawValue:)), urgent: row["urgent"],
                              assessed: row["assessed"], hasPlan: row["has_plan"], referrals: statuses, reopened: row["reopened"],
                              firstActionAt: (row["first_action_at"] as String?).flatMap(ISO8601.parse))
        let planJSON = try String.fetchOne(db, sql: "SELECT data_json FROM case_event WHERE case_id = ? AND kind = 'case_plan' ORDER BY occurred_at DESC, rowid DESC LIMIT 1",
                                           arguments: [caseID.uuidString])
        return CaseProgress(facts: facts, stage: Workflow.stage(facts),
                            nextFollowUp: (row["next_follow_up"] as String?).flatMap(LocalDate.init(iso:)),
                            plan: planJSON.flatMap { try? decode(CasePlan.self, $0) },
                            firstActionDue: Workflow.firstActionDue(facts, deadlines: deadlines),
                            closureReason: (row["closure_reason"] as String?).flatMap(ClosureReason.init(rawValue:)))
    }

    private func requireOpen(_ db: Database, _ caseID: UUID) throws {
        guard let status = try String.fetchOne(db, sql: "SELECT status FROM case_record WHERE id = ?", arguments: [caseID.uuidString]) else {
            throw StoreError.notFound
        }
        if status != CaseStatus.open.rawValue { throw CycleError.caseClosed }
    }

    private func markFirstAction(_ db: Database, _ caseID: UUID, at: Date) throws {
        try db.execute(sql: "UPDATE case_record SET first_action_at = coalesce(first_action_at, ?) WHERE id = ?",
                       arguments: [ISO8601.format(at), caseID.uuidString])
    }

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

    // MARK: - Service directory

    /// Adds or updates a provider (matched by id), as the person logged in.
    /// - Returns: the provider as saved (names cleaned, version incremented).
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in or they may not change the
    ///   directory; `CycleError.required` for a missing name or service; database errors.
    @discardableResult
    public func saveProvider(_ p: ServiceProvider) throws -> ServiceProvider {
        let me = try sessionUser("directory.save")
        if !me.can(.manageDirectory, demo: isDemo) {
            try auditAlone(actor: me.name, action: "access.denied", detail: "directory.save")
            throw StoreError.accessDenied
        }
        let name = TextSafety.clean(p.name, multiline: false).trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw CycleError.required("name") }
        guard !p.services.isEmpty else { throw CycleError.required("service") }
        let now = ISO8601.format(clock.now)
        var saved = p
        saved.name = name
        saved.area = TextSafety.clean(p.area, multiline: false)
        saved.contact = TextSafety.clean(p.contact, multiline: false)
        saved.hours = TextSafety.clean(p.hours, multiline: false)
        saved.notes = TextSafety.clean(p.notes, multiline: true)
        saved.version = p.version + 1
        let services = try Self.encode(p.services.map(\.rawValue))
        try door { db in
            try db.execute(sql: """
                INSERT INTO service_provider(id, device_id, version, created_at, updated_at, name, service_types, area, contact, hours, notes, retired)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET version = version + 1, updated_at = excluded.updated_at, name = excluded.name,
                    service_types = excluded.service_types, area = excluded.area, contact = excluded.contact, hours = excluded.hours,
                    notes = excluded.notes, retired = excluded.retired
                """, arguments: [p.id.uuidString, deviceID.uuidString, saved.version, now, now, saved.name, services, saved.area,
                                 saved.contact, saved.hours, saved.notes, p.retired])
            try audit(db, actor: me.name, action: p.retired ? "directory.retire" : "directory.save", detail: saved.name)
        }
        return saved
    }

    /// Providers, by name; retired ones only when asked. `service` and `area` filter (area: case-insensitive part).
    public func providers(includeRetired: Bool = false, service: ServiceType? = nil, area: String? = nil) throws -> [ServiceProvider] {
        let all = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM service_provider ORDER BY name COLLATE NOCASE, id").compactMap(Self.provider(from:))
        }
        let folded = area.map(TextSafety.fold)
        return all.filter { p in
            (includeRetired || !p.retired) && (service.map { p.services.contains($0) } ?? true)
                && (folded.map { $0.isEmpty || TextSafety.fold(p.area).contains($0) } ?? true)
        }
    }

    static func provider(from row: Row) -> ServiceProvider? {
        guard let id = UUID(uuidString: row["id"]) else { return nil }
        let types = ((try? decode([String].self, row["service_types"])) ?? []).compactMap(ServiceType.init(rawValue:))
        return ServiceProvider(id: id, version: row["version"], name: row["name"], services: types, area: row["area"],
                               contact: row["contact"], hours: row["hours"], notes: row["notes"], retired: row["retired"])
    }

    // MARK: - Referrals

    /// Sends a referral, as the session's user. Refused when consent is missing, unless the session's user may
    /// override consent (a supervisor) and gives `consentOverride`, the reason; the override is stored under
    /// their name and shown on the timeline only when it was really needed and used.
    /// - Throws: `CycleError.consentMissing` (no consent and no override reason), `.providerUnavailable`,
    ///   `.required("reason")`, `.caseClosed`; `StoreError.accessDenied` (audited) when nobody is logged in, the
    ///   user may not work on the case, or an override is needed and the user may not override consent.
    @discardableResult
    public func sendReferral(caseID: UUID, providerID: UUID, service: ServiceType, reason: String, urgent: Bool,
                             consentOverride: String? = nil) throws -> Referral {
        let why = TextSafety.clean(reason, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else { throw CycleError.required("reason") }
        let me = try sessionUser("case.referral_sent", caseID: caseID)
        let now = clock.now
        let today = clock.today
        let id = UUID()
        try door { db in
            try requireOpen(db, caseID)
            guard let c = try Self.fetchCase(db, id: caseID.uuidString) else { throw StoreError.notFound }
            guard let p = try Row.fetchOne(db, sql: "SELECT * FROM service_provider WHERE id = ?", arguments: [providerID.uuidString])
                .flatMap(Self.provider(from:)), !p.retired else { throw CycleError.providerUnavailable }
            var usedOverride: (String, String)?
            switch ConsentOverrideRule.decide(consent: ConsentCheck.of(c.report), overrideReason: consentOverride, roles: me.roles, demo: isDemo) {
            case .send: break
            case .sendWithOverride(let reason): usedOverride = (me.name, reason)
            case .refused(.reasonMissing): throw CycleError.consentMissing
            case .refused(.notPermitted): throw Denied(actor: me.name, caseID: caseID, what: "consent override")
            }
            try db.execute(sql: """
                INSERT INTO referral(id, case_id, provider_id, device_id, version, created_at, updated_at, service_type, reason, urgent,
                    status, sent_on, override_by, override_reason)
                VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
                """, arguments: [id.uuidString, caseID.uuidString, providerID.uuidString, deviceID.uuidString, ISO8601.format(now),
                                 ISO8601.format(now), service.rawValue, why, urgent, today.iso, usedOverride?.0, usedOverride?.1])
            let fact = EventFact(.referralSent, ["provider": p.name, "service": service.rawValue, "urgent": urgent ? "1" : "", "reason": why,
                                                 "supervisor": usedOverride?.0 ?? "", "overrideReason": usedOverride?.1 ?? ""])
            try insertEvent(db, caseID: caseID, at: now, fact: fact, author: me.name)
            try markFirstAction(db, caseID, at: now)
        }
        guard let r = try pool.read({ db in try Self.fetchReferral(db, id: id) }) else { throw StoreError.notFound }
        return r
    }

    /// Moves a referral to a new status, with the provider's reason or feedback; on the case timeline as the
    /// session's user's.
    /// - Throws: `CycleError.invalidTransition`, `.declineReasonMissing`, `StoreError.notFound`,
    ///   `StoreError.accessDenied` (audited) when nobody is logged in or the user may not work on the case.
    public func updateReferral(id: UUID, to status: ReferralStatus, note: String, feedback: String = "") throws {
        let me = try sessionUser("case.referral_updated")
        let cleanNote = TextSafety.clean(note, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
        let cleanFeedback = TextSafety.clean(feedback, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
        if status == .declined && cleanNote.isEmpty { throw CycleError.declineReasonMissing }
        let now = clock.now
        try door { db in
            guard let r = try Self.fetchReferral(db, id: id) else { throw StoreError.notFound }
            guard r.status.next.contains(status) else { throw CycleError.invalidTransition(from: r.status, to: status) }
            try db.execute(sql: """
                UPDATE referral SET status = ?, status_note = ?, feedback = CASE WHEN ? = '' THEN feedback ELSE ? END,
                    responded_on = coalesce(responded_on, ?), updated_at = ?, version = version + 1 WHERE id = ?
                """, arguments: [status.rawValue, cleanNote, cleanFeedback, cleanFeedback, clock.today.iso, ISO8601.format(now), id.uuidString])
            let fact = EventFact(.referralUpdated, ["provider": r.providerName, "from": r.status.rawValue, "to": status.rawValue,
                                                    "note": cleanNote, "feedback": cleanFeedback])
            try insertEvent(db, caseID: r.caseID, at: now, fact: fact, author: me.name)
        }
    }

    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` may not see the referral's case.
    public func referral(id: UUID, viewer: Viewer) throws -> Referral? {
        guard let r = try pool.read({ db in try Self.fetchReferral(db, id: id) }) else { return nil }
        try mayRead(viewer, caseID: r.caseID)
        return r
    }

    /// Referrals, newest first; filtered by status and/or case.
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func referrals(status: ReferralStatus? = nil, caseID: UUID? = nil, limit: Int = 500, viewer: Viewer) throws -> [Referral] {
        let s = try scope(viewer)
        return try pool.read { db in
            var sql = Self.referralSQL + " WHERE \(s.sql)"
            var args: StatementArguments = s.args
            if let s = status { sql += " AND r.status = ?"; args += [s.rawValue] }
            if let c = caseID { sql += " AND r.case_id = ?"; args += [c.uuidString] }
            sql += " ORDER BY r.sent_on DESC, r.created_at DESC LIMIT ?"
            args += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: args).compactMap(Self.referral(from:))
        }
    }

    /// Referrals sent without consent on a supervisor's override, sent on or after `since`, newest first: the
    /// supervisor review queue lists them so the team can look back at each decision (issue #4).
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's (see `Viewer`).
    public func consentOverrides(since: LocalDate, limit: Int = 200, viewer: Viewer) throws -> [Referral] {
        let s = try scope(viewer)
        return try pool.read { db in
            try Row.fetchAll(db, sql: Self.referralSQL + " WHERE r.override_by IS NOT NULL AND r.sent_on >= ? AND \(s.sql) ORDER BY r.sent_on DESC LIMIT ?",
                             arguments: [since.iso] + s.args + [limit]).compactMap(Self.referral(from:))
        }
    }

    static let referralSQL = """
        SELECT r.*, c.case_number, c.child_name, p.name AS provider_name FROM referral r
        JOIN case_record c ON c.id = r.case_id JOIN service_provider p ON p.id = r.provider_id
        """

    static func fetchReferral(_ db: Database, id: UUID) throws -> Referral? {
        try Row.fetchOne(db, sql: referralSQL + " WHERE r.id = ?", arguments: [id.uuidString]).flatMap(referral(from:))
    }

    static func referral(from row: Row) -> Referral? {
        guard let id = UUID(uuidString: row["id"]), let caseID = UUID(uuidString: row["case_id"]),
              let number = CaseNumber(row["case_number"]), let pid = UUID(uuidString: row["provider_id"]),
              let service = ServiceType(rawValue: row["service_type"]), let status = ReferralStatus(rawValue: row["status"]),
              let sent = LocalDate(iso: row["sent_on"]) else { return nil }
        return Referral(id: id, caseID: caseID, caseNumber: number, childName: row["child_name"], providerID: pid,
                        providerName: row["provider_name"], service: service, reason: row["reason"], urgent: row["urgent"],
                        status: status, sentOn: sent, respondedOn: (row["responded_on"] as String?).flatMap(LocalDate.init(iso:)),
                        statusNote: row["status_note"], feedback: row["feedback"], overrideBy: row["override_by"],
                        overrideReason: row["override_reason"], version: row["version"])
    }

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

    // MARK: - Due today

    /// How many items "Due today" lists for `viewer` (the number on the home screen), counted in SQL with
    /// indexes instead of building every item, so the home screen opens as fast on a million cases as on
    /// ten. Always equal to `dueItems(deadlines:viewer:).count` (tested).
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func dueCount(deadlines: Deadlines, viewer: Viewer) throws -> Int {
        let now = clock.now
        let today = clock.today
        let s = try scopeValues(viewer)
        let first = Self.firstActionOverdueSQL(deadlines: deadlines, now: now)
        let reviewCutoff = ISO8601.format(now.addingTimeInterval(-Double(deadlines.reviewDays) * 86400))
        let counts: [(String, SQLArgs)] = [
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.first_action_at IS NULL AND \(first.sql)", s.args + first.args),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.next_follow_up <= ?", s.args + [today.iso]),
            ("SELECT count(*) FROM referral r JOIN case_record c ON c.id = r.case_id WHERE \(s.sql) AND r.status = 'pending' AND c.status = 'open'", s.args),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.first_action_at IS NOT NULL AND c.reviewed_at < ?", s.args + [reviewCutoff]),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.returned_comment IS NOT NULL", s.args),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.assigned_to IS NULL AND c.source = 'child_friendly'", s.args),
        ]
        return try pool.read { db in
            try counts.reduce(0) { total, q in total + (try Int.fetchOne(db, sql: q.0, arguments: StatementArguments(q.1)) ?? 0) }
        }
    }

    /// `EXPLAIN QUERY PLAN` of the home screen's counts (due items and the numbers at a glance), for tests.
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func dashboardPlans(viewer: Viewer) throws -> [String] {
        let s = try scopeValues(viewer)
        let first = Self.firstActionOverdueSQL(deadlines: .standard, now: clock.now)
        let queries: [(String, SQLArgs)] = [
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.first_action_at IS NULL AND \(first.sql)", s.args + first.args),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.next_follow_up <= ?", s.args + ["2026-01-01"]),
            ("SELECT count(*) FROM referral r JOIN case_record c ON c.id = r.case_id WHERE \(s.sql) AND r.status = 'pending' AND c.status = 'open'", s.args),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.first_action_at IS NOT NULL AND c.reviewed_at < ?", s.args + ["2026-01-01"]),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.returned_comment IS NOT NULL", s.args),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.assigned_to IS NULL AND c.source = 'child_friendly'", s.args),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND status = 'open'", s.args),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND status = 'open' AND urgent = 1", s.args),
            (Self.allCasesCountSQL(s.sql), s.args),
        ]
        return try pool.read { db in
            try queries.flatMap { q in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + q.0, arguments: StatementArguments(q.1)).map { $0["detail"] as String? ?? "" }
            }
        }
    }

    /// The condition "no first action within the deadline for this case's risk" (urgent and unassessed
    /// cases count as high), for a case row `c` that is open without a first action. Shared by Due today,
    /// its count and the "due or overdue" filter so they always agree.
    static func firstActionOverdueSQL(deadlines: Deadlines, now: Date) -> (sql: String, args: SQLArgs) {
        func cutoff(_ risk: RiskLevel?, urgent: Bool) -> String {
            ISO8601.format(now.addingTimeInterval(-Double(deadlines.firstActionHours(risk: risk, urgent: urgent)) * 3600))
        }
        return ("""
            (SELECT min(e.occurred_at) FROM case_event e WHERE e.case_id = c.id AND e.kind = 'report_received') <
              CASE WHEN c.urgent = 1 THEN ? WHEN c.risk_level = 'medium' THEN ? WHEN c.risk_level = 'low' THEN ? ELSE ? END
            """, [cutoff(nil, urgent: true), cutoff(.medium, urgent: false), cutoff(.low, urgent: false), cutoff(.high, urgent: false)])
    }

    /// What needs doing: open cases with no first action past the deadline, follow-ups due today or earlier,
    /// stale and waiting referrals. Most urgent first (kind order, then days overdue).
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func dueItems(deadlines: Deadlines, viewer: Viewer) throws -> [DueItem] {
        let now = clock.now
        let today = clock.today
        let reader = try reader(viewer)
        let s = scope(reader)
        return try pool.read { db in
            var items: [DueItem] = []
            // First action: only cases not yet acted on; the deadline depends on risk, so compare per row.
            let rows = try Row.fetchAll(db, sql: """
                SELECT c.id, c.case_number, c.child_name, c.urgent, c.risk_level,
                       (SELECT occurred_at FROM case_event e WHERE e.case_id = c.id AND e.kind = 'report_received' ORDER BY occurred_at LIMIT 1) AS registered
                FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.first_action_at IS NULL
                """, arguments: s.args)
            for r in rows {
                guard let id = UUID(uuidString: r["id"]), let number = CaseNumber(r["case_number"]),
                      let registered = (r["registered"] as String?).flatMap(ISO8601.parse) else { continue }
                let risk = (r["risk_level"] as String?).flatMap(RiskLevel.init(rawValue:))
                let urgent: Bool = r["urgent"]
                let due = registered.addingTimeInterval(Double(deadlines.firstActionHours(risk: risk, urgent: urgent)) * 3600)
                if now > due {
                    let days = Int(now.timeIntervalSince(due) / 86400)
                    items.append(DueItem(kind: .firstActionOverdue, caseID: id, caseNumber: number, childName: r["child_name"],
                                         urgent: urgent, days: days, detail: risk.map { "\($0.rawValue) risk" } ?? "not assessed"))
                }
            }
            for r in try Row.fetchAll(db, sql: "SELECT id, case_number, child_name, urgent, next_follow_up FROM case_record c WHERE \(s.sql) AND status = 'open' AND next_follow_up <= ?",
                                      arguments: s.args + [today.iso]) {
                guard let id = UUID(uuidString: r["id"]), let number = CaseNumber(r["case_number"]),
                      let d = (r["next_follow_up"] as String?).flatMap(LocalDate.init(iso:)) else { continue }
                items.append(DueItem(kind: .followUpDue, caseID: id, caseNumber: number, childName: r["child_name"], urgent: r["urgent"],
                                     days: today.daysSinceEpoch - d.daysSinceEpoch, detail: d.iso))
            }
            for ref in try Row.fetchAll(db, sql: Self.referralSQL + " WHERE \(s.sql) AND r.status = 'pending' AND c.status = 'open' ORDER BY r.sent_on", arguments: s.args).compactMap(Self.referral(from:)) {
                let stale = Workflow.referralIsStale(status: ref.status, sent: ref.sentOn, today: today, deadlines: deadlines)
                items.append(DueItem(kind: stale ? .referralStale : .referralWaiting, caseID: ref.caseID, caseNumber: ref.caseNumber,
                                     childName: ref.childName, urgent: ref.urgent, days: ref.ageInDays(today: today), detail: ref.providerName))
            }
            // Review: open cases whose newest assessment, plan or follow-up (or registration) is older than the
            // profile's review interval (Inter-agency Guidelines: review at least every 3 months).
            let cutoff = ISO8601.format(now.addingTimeInterval(-Double(deadlines.reviewDays) * 86400))
            for r in try Row.fetchAll(db, sql: """
                SELECT c.id, c.case_number, c.child_name, c.urgent, c.reviewed_at AS reviewed
                FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.first_action_at IS NOT NULL AND c.reviewed_at < ?
                """, arguments: s.args + [cutoff]) {
                guard let id = UUID(uuidString: r["id"]), let number = CaseNumber(r["case_number"]),
                      let reviewed = r["reviewed"] as String?, reviewed < cutoff, let at = ISO8601.parse(reviewed) else { continue }
                items.append(DueItem(kind: .reviewDue, caseID: id, caseNumber: number, childName: r["child_name"], urgent: r["urgent"],
                                     days: Int(now.timeIntervalSince(at) / 86400), detail: LocalDate(at, in: clock.timeZone).iso))
            }
            for r in try Row.fetchAll(db, sql: "SELECT id, case_number, child_name, urgent, returned_comment FROM case_record c WHERE \(s.sql) AND status = 'open' AND returned_comment IS NOT NULL",
                                      arguments: s.args) {
                guard let id = UUID(uuidString: r["id"]), let number = CaseNumber(r["case_number"]) else { continue }
                let readable = reader.map { $0.can(.viewNarrative, ownCase: true, demo: isDemo) } ?? true
                items.append(DueItem(kind: .returnedForCorrection, caseID: id, caseNumber: number, childName: r["child_name"], urgent: r["urgent"],
                                     days: 0, detail: readable ? r["returned_comment"] : ""))
            }
            for r in try Row.fetchAll(db, sql: "SELECT id, case_number, child_name, urgent, source FROM case_record c WHERE \(s.sql) AND status = 'open' AND assigned_to IS NULL AND source = 'child_friendly'",
                                      arguments: s.args) {
                guard let id = UUID(uuidString: r["id"]), let number = CaseNumber(r["case_number"]) else { continue }
                items.append(DueItem(kind: .waitingForFocalPoint, caseID: id, caseNumber: number, childName: r["child_name"], urgent: r["urgent"],
                                     days: 0, detail: r["source"]))
            }
            let order: [DueItem.Kind: Int] = [.waitingForFocalPoint: 0, .returnedForCorrection: 0, .firstActionOverdue: 1, .followUpDue: 2, .referralStale: 3, .reviewDue: 4, .referralWaiting: 5]
            return items.sorted {
                ($0.urgent ? 0 : 1, order[$0.kind]!, -$0.days, $0.caseNumber) < ($1.urgent ? 0 : 1, order[$1.kind]!, -$1.days, $1.caseNumber)
            }
        }
    }
}

extension KingaStore {
    /// Cases (open and closed, clearly labelled by status) that may be about the same child as `caseID`:
    /// a similar name and the same village or an age within two years (`DuplicateRule`). Candidates come from
    /// the village and exact-name indexes, so the cost does not grow with the whole archive.
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func possibleDuplicates(of caseID: UUID, limit: Int = 10, viewer: Viewer) throws -> [CaseSummary] {
        let today = clock.today
        let s = try scope(viewer)
        return try pool.read { db in
            guard let me = try Row.fetchOne(db, sql: "SELECT name_key, village_key FROM case_record WHERE id = ?", arguments: [caseID.uuidString]),
                  let record = try Self.fetchCase(db, id: caseID.uuidString) else { throw StoreError.notFound }
            let name: String = me["name_key"], village: String = me["village_key"]
            guard !name.isEmpty else { return [] }
            let firstName = String(name.split(separator: " ").first ?? "")
            let rows = try Row.fetchAll(db, sql: Self.summarySQL + """
                 WHERE c.id != ? AND c.status != 'duplicate' AND \(s.sql)
                   AND (c.village_key = ? OR c.name_key = ? OR c.name_key = ? OR c.name_key LIKE ? || ' %')
                 ORDER BY c.last_activity_at DESC LIMIT 500
                """, arguments: [caseID.uuidString] + s.args + [village, name, firstName, firstName])
            let age = record.age?.years(on: today)
            return rows.compactMap { row -> CaseSummary? in
                guard let s = Self.summary(from: row) else { return nil }
                let ok = DuplicateRule.matches(name: name, village: village, age: age, candidateName: DuplicateRule.key(s.childName),
                                               candidateVillage: DuplicateRule.key(s.village), candidateAge: s.age?.years(on: today))
                return ok ? s : nil
            }.prefix(limit).map { $0 }
        }
    }

    /// Links a new report to an existing case: the new case becomes a duplicate (closed to new work), and the
    /// existing case gets the report on its timeline. Both steps are on both timelines, in one transaction, as
    /// the session's user's.
    /// - Throws: `StoreError.notFound`; `StoreError.accessDenied` (audited) when nobody is logged in or the user
    ///   may not work on both cases.
    public func linkAsDuplicate(_ newID: UUID, of existingID: UUID) throws {
        let me = try sessionUser("case.duplicate", caseID: newID)
        let author = me.name
        let now = clock.now
        try door { db in
            guard let new = try Self.fetchCase(db, id: newID.uuidString), let old = try Self.fetchCase(db, id: existingID.uuidString) else {
                throw StoreError.notFound
            }
            // The new report's own entry, as data when it has it (else its stored words go along as they are).
            let report = try Row.fetchOne(db, sql: "SELECT * FROM case_event WHERE case_id = ? AND kind = 'report_received' ORDER BY occurred_at LIMIT 1",
                                          arguments: [newID.uuidString]).flatMap(Self.event(from:))
            let link = DuplicateLinkRule.decide(existingStatus: old.status, existingNumber: old.number, newNumber: new.number,
                                                newReport: report?.fact, newUrgent: new.urgent)
            try insertEvent(db, caseID: existingID, at: now, fact: link.joined, author: author,
                            body: DuplicateLinkRule.needsStoredBody(link.joined) ? report?.body ?? "" : nil)
            try insertEvent(db, caseID: newID, at: now, fact: link.linked, author: author)
            try db.execute(sql: "UPDATE case_record SET status = ?, closed_at = ? WHERE id = ?",
                           arguments: [link.newStatus.rawValue, ISO8601.format(now), newID.uuidString])
            // A new report about a child whose case was closed opens it again: someone must act on it.
            if let reopen = link.reopen {
                try insertEvent(db, caseID: existingID, at: now, fact: reopen, author: author)
                try db.execute(sql: "UPDATE case_record SET status = ?, reopened = 1, assessed = 0, closed_at = NULL, closure_reason = NULL WHERE id = ?",
                               arguments: [link.existingStatus.rawValue, existingID.uuidString])
            }
            if link.markUrgent { try db.execute(sql: "UPDATE case_record SET urgent = 1 WHERE id = ?", arguments: [existingID.uuidString]) }
        }
    }
}

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
