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

    func requireOpen(_ db: Database, _ caseID: UUID) throws {
        guard let status = try String.fetchOne(db, sql: "SELECT status FROM case_record WHERE id = ?", arguments: [caseID.uuidString]) else {
            throw StoreError.notFound
        }
        if status != CaseStatus.open.rawValue { throw CycleError.caseClosed }
    }

    func markFirstAction(_ db: Database, _ caseID: UUID, at: Date) throws {
        try db.execute(sql: "UPDATE case_record SET first_action_at = coalesce(first_action_at, ?) WHERE id = ?",
                       arguments: [ISO8601.format(at), caseID.uuidString])
    }
}
