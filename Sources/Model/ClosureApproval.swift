/// Who may close a case at once, and when a closure waits for a supervisor.
///
/// Kinga's rule (issue #4, "closure of high-risk cases requires approval"): a case assessed at high risk, or
/// flagged urgent (a child in immediate danger), closes only with the approval of someone whose role may
/// approve closures (`Permission.approveClosure`: supervisors, and trainers on the demo). Anyone else who asks
/// to close it puts the closure in the supervisor's review queue. Every other case closes as soon as the
/// closure rules (`ClosureRules`) are met.
///
/// One pure function, so every way of closing a case (asking on the case screen, the supervisor's approval,
/// a command-line tool, a district server later) applies the same rule.
public enum ClosureApproval {
    /// What a request to close a case comes to.
    public enum Decision: Hashable, Sendable {
        /// The person may close the case now.
        case close
        /// The closure must wait for the approval of someone who may approve closures.
        case needsApproval
    }

    /// True when closing a case at `risk` (nil: not assessed) with the urgent flag `urgent` needs approval.
    public static func isRequired(risk: RiskLevel?, urgent: Bool) -> Bool {
        risk == .high || urgent
    }

    /// True when a person with `roles` may approve closures (`Permission.approveClosure`: supervisors, and
    /// trainers on the demo when `demo`); the supervisor's approval of a waiting closure needs this.
    public static func mayApprove(roles: Set<Role>, demo: Bool) -> Bool {
        roles.contains { Access.allows($0, .approveClosure, demo: demo) }
    }

    /// Decides whether a person with `roles` may close a case at `risk` (nil: not assessed) and `urgent` now.
    /// - Parameters:
    ///   - roles: every role of the person closing (any one that allows `approveClosure` is enough).
    ///   - demo: the case is in the demo database (trainers may approve only there).
    /// - Returns: `.close`, or `.needsApproval` when the case is high risk or urgent and none of `roles` may
    ///   approve closures.
    public static func decide(risk: RiskLevel?, urgent: Bool, roles: Set<Role>, demo: Bool) -> Decision {
        guard isRequired(risk: risk, urgent: urgent) else { return .close }
        return mayApprove(roles: roles, demo: demo) ? .close : .needsApproval
    }
}
