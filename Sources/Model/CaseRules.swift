import Foundation

// The case-management rules the kiosk applies, as pure functions of (the command, the case as it is, the
// person acting, the profile) → a decision: allowed or refused with a reason, the new state, and the
// timeline facts to record (issue #16, "Rules in Model, shared with a future server"). Storage reads the
// case, asks the rule, and writes what it decides; the district server will call the same functions without
// GRDB. Closure approval is `ClosureApproval`; the closure checklist is `ClosureRules`.

/// When a closure request that waits for a supervisor goes out of date.
///
/// Kinga's rule (issue #4, issue #16): a supervisor approves the closure the focal point asked for on the
/// picture of the case at that moment. New facts about the child's situation — a risk assessment, a
/// follow-up, a referral sent or answered — may change that picture (a child found unsafe on a visit, a
/// service that declined), so they drop the waiting request and the focal point asks again, with the new
/// facts in view. Entries that say nothing new about the child's safety or services (a note, a printout,
/// the request itself, the case taken or given, the consent recorded) leave it waiting. This follows the
/// Inter-agency Guidelines for Case Management and Child Protection (2014), step 6 "Case closure": closure
/// rests on a documented review of the case as it stands.
public enum ClosureRequestRule {
    /// The kinds of timeline entry (as stored, `EventKind`) that make a waiting closure request stale.
    public static let staleningKinds: Set<EventKind> = [.assessment, .followUp, .referralSent, .referralUpdated]

    /// True when recording an entry of `kind` drops a waiting closure request.
    public static func makesStale(_ kind: EventKind) -> Bool { staleningKinds.contains(kind) }

    /// True when recording `fact` drops a waiting closure request (by the kind it is stored as).
    public static func makesStale(_ fact: EventFact) -> Bool { makesStale(fact.kind.category) }
}

/// When the next follow-up is due.
///
/// The interval comes from the country profile (`Deadlines.followUpDays`, by risk level; each profile names
/// its source, `Deadlines.standard` gives the Inter-agency Guidelines for Case Management and Child
/// Protection, 2014: 7 days for high risk, 14 for medium, 30 for low). A child the focal point did not find
/// safe is seen again at the high-risk interval, whatever the case's assessed level (Kinga's rule, as
/// `recordFollowUp` applies it: the assessed level describes the child as they were; a focal point who
/// finds them unsafe now has the newer picture). A date the focal point
/// chose themselves always wins.
public enum FollowUpRule {
    /// The risk level whose interval applies: `.high` when the child is not safe, else the case's (nil: not
    /// assessed, which `Workflow.nextFollowUp` reads as medium).
    public static func intervalRisk(childSafe: Bool, caseRisk: RiskLevel?) -> RiskLevel? {
        childSafe ? caseRisk : .high
    }

    /// The date of the next follow-up after `followUp`, recorded `today` on a case at `caseRisk`.
    /// - Parameters:
    ///   - followUp: the follow-up as recorded (its `next`, when set, is the focal point's own choice).
    ///   - caseRisk: the case's assessed risk level (nil: not assessed).
    ///   - deadlines: the profile's deadlines.
    ///   - today: the day the follow-up is recorded.
    /// - Returns: `followUp.next` when set; otherwise `today` plus the profile's interval for
    ///   `intervalRisk(childSafe:caseRisk:)`. Refuses nothing.
    public static func nextDate(_ followUp: FollowUp, caseRisk: RiskLevel?, deadlines: Deadlines, today: LocalDate) -> LocalDate {
        followUp.next ?? Workflow.nextFollowUp(after: today, risk: intervalRisk(childSafe: followUp.childSafe, caseRisk: caseRisk),
                                               deadlines: deadlines)
    }
}

/// Linking a new report to a case that already exists for the same child (Primero's "possible duplicates").
///
/// The new report becomes a duplicate (closed to new work) and its report goes onto the existing case's
/// timeline; both timelines say so. When the existing case is no longer open (closed, transferred, or
/// itself marked duplicate), the new report opens it again: someone must act on new information about a
/// child (Kinga's rule; the Inter-agency Guidelines for Case Management and Child Protection, 2014, close a
/// case only on a review that the child is safe, which a new report calls into question). As after any
/// reopening, the case needs a new assessment (`ClosureRules`, `WorkflowStage.reopened`). A report of a
/// child in immediate danger makes the existing case urgent (issue #4); a link never makes a case less urgent.
public enum DuplicateLinkRule {
    /// What linking decides.
    public struct Decision: Hashable, Sendable {
        /// The entry on the existing case carrying the new report (kind `duplicateReport`).
        public var joined: EventFact
        /// The entry on the new report's case (kind `duplicateLinked`).
        public var linked: EventFact
        /// The status the new report's case takes (always `.duplicate`).
        public var newStatus: CaseStatus
        /// The entry that reopens the existing case (kind `reopenedByReport`); nil when it is already open.
        public var reopen: EventFact?
        /// The existing case's status afterwards (`.open` when reopened, else unchanged).
        public var existingStatus: CaseStatus
        /// True when the existing case must be flagged urgent (the new report is urgent).
        public var markUrgent: Bool
    }

    /// Decides the link of the new report `newNumber` to the existing case `existingNumber`.
    /// - Parameters:
    ///   - existingStatus: the existing case's status now.
    ///   - newReport: the new case's "report received" entry, when it has one as data (a legacy entry,
    ///     recognised from English text, brings only the case number; the caller carries its stored words).
    ///   - newUrgent: the new report is flagged urgent.
    /// - Returns: the facts to record and the states to write. Refuses nothing (who may link is checked by
    ///   the caller's session and access rules).
    public static func decide(existingStatus: CaseStatus, existingNumber: CaseNumber, newNumber: CaseNumber,
                              newReport: EventFact?, newUrgent: Bool) -> Decision {
        var joined = EventFact(.duplicateReport, ["number": newNumber.description])
        if let f = newReport, f.kind == .reportReceived, !f.legacy { joined.args.merge(f.args) { kept, _ in kept } }
        let reopens = existingStatus != .open
        return Decision(joined: joined, linked: EventFact(.duplicateLinked, ["number": existingNumber.description]),
                        newStatus: .duplicate,
                        reopen: reopens ? EventFact(.reopenedByReport, ["number": newNumber.description]) : nil,
                        existingStatus: .open, markUrgent: newUrgent)
    }

    /// True when the joined entry carries none of the report's words as data (a legacy report): the caller
    /// then stores the new report's own body with it, so nothing said is lost.
    public static func needsStoredBody(_ joined: EventFact) -> Bool {
        joined.args["narrative"] == nil && joined.args["reporter"] == nil
    }
}

/// Sending a referral when consent to share is missing.
///
/// A referral needs the child's assent and the caregiver's consent, or a recorded reason to go ahead in the
/// child's best interest (Inter-agency Guidelines for Case Management and Child Protection, 2014, §2.4;
/// `ConsentCheck`). Without either, only someone who may override consent (`Permission.overrideConsent`:
/// supervisors, and trainers on the demo) may send it, and only with a written reason; the override is
/// stored under their name and listed for the team's review (issue #4; DESIGN.md §5).
public enum ConsentOverrideRule {
    /// Why a referral is refused.
    public enum Refusal: Hashable, Sendable {
        /// Consent is missing and no override reason was given.
        case reasonMissing
        /// Consent is missing and the person may not override it.
        case notPermitted
    }

    /// What a referral's consent comes to.
    public enum Decision: Hashable, Sendable {
        /// Consent (or a best-interest reason) is recorded: send it; no override is used or stored.
        case send
        /// Send it on the person's override, storing `reason` (cleaned) beside their name.
        case sendWithOverride(reason: String)
        /// Do not send it.
        case refused(Refusal)
    }

    /// Decides a referral for a case whose intake consent reads `consent`.
    /// - Parameters:
    ///   - consent: `ConsentCheck.of(report)` for the case.
    ///   - overrideReason: the reason the person gave to go without consent (nil or blank: none).
    ///   - roles: every role of the person sending (any one allowing `overrideConsent` is enough).
    ///   - demo: the case is in the demo database (trainers may override only there).
    /// - Returns: `.send` when consent is recorded (an override reason given then is ignored, never stored);
    ///   `.refused(.reasonMissing)` when it is missing and no reason is given (checked first);
    ///   `.refused(.notPermitted)` when none of `roles` may override; else `.sendWithOverride`.
    public static func decide(consent: ConsentCheck, overrideReason: String?, roles: Set<Role>, demo: Bool) -> Decision {
        guard consent == .missing else { return .send }
        guard let o = overrideReason, !o.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return .refused(.reasonMissing) }
        guard roles.contains(where: { Access.allows($0, .overrideConsent, demo: demo) }) else { return .refused(.notPermitted) }
        return .sendWithOverride(reason: TextSafety.clean(o, multiline: true))
    }
}

/// Who may take a case from the intake queue, and who may give a case to someone.
///
/// A report nobody has taken yet (for example one from a child-friendly session) waits in the intake queue;
/// anyone who may work on their own cases (`Permission.editCase` on an own case: focal points, supervisors,
/// and trainers on the demo) may take it, once — a case already someone's is not taken from them that way.
/// Giving a case to someone is a supervisor's decision (`Permission.reassignCase`; issue #4's permission
/// matrix), recorded on the timeline.
public enum AssignmentRule {
    /// Why taking a case is refused.
    public enum Refusal: Error, Hashable, Sendable {
        /// The person's roles do not let them work on cases.
        case notPermitted
        /// The case is already someone's.
        case alreadyAssigned
    }

    /// True when a person with `roles` may take cases from the intake queue at all.
    public static func mayTake(roles: Set<Role>, demo: Bool) -> Bool {
        roles.contains { Access.allows($0, .editCase, ownCase: true, demo: demo) }
    }

    /// Decides taking a case, by `userName` with `roles`.
    /// - Parameters:
    ///   - alreadyAssigned: the case is someone's (false: it waits in the intake queue).
    ///   - demo: the case is in the demo database (trainers may take cases only there).
    /// - Returns: the `caseTaken` fact to record (the case then becomes the person's), or the refusal
    ///   (`.notPermitted` first, then `.alreadyAssigned`).
    public static func take(alreadyAssigned: Bool, userName: String, roles: Set<Role>, demo: Bool) -> Result<EventFact, Refusal> {
        guard mayTake(roles: roles, demo: demo) else { return .failure(.notPermitted) }
        guard !alreadyAssigned else { return .failure(.alreadyAssigned) }
        return .success(EventFact(.caseTaken, ["user": userName]))
    }

    /// True when a person with `roles` may give a case to someone.
    public static func mayReassign(roles: Set<Role>, demo: Bool) -> Bool {
        roles.contains { Access.allows($0, .reassignCase, demo: demo) }
    }

    /// The timeline entry of a case given to `userName` by `supervisorName`.
    public static func given(to userName: String, by supervisorName: String) -> EventFact {
        EventFact(.caseGiven, ["user": userName, "supervisor": supervisorName])
    }

    /// The timeline entry of a case pinned to the district's kiosk `kiosk` (its code, `K03`) by `supervisorName`
    /// (issue #18): the district server sends that kiosk the case when the entry reaches it.
    public static func pinned(to kiosk: String, by supervisorName: String) -> EventFact {
        EventFact(.casePinned, ["kiosk": kiosk, "supervisor": supervisorName])
    }
}

/// Reopening a closed case by hand (the only way, besides a new report linked to it, that a closed case opens
/// again; editing never reopens one).
///
/// Kinga's rule: only a case that is not open (closed, transferred, or marked duplicate) can be reopened,
/// and the person says why; the case then counts as reopened and needs a new risk assessment before it can
/// close again (`ClosureRules`, `WorkflowStage.reopened`), as a closed case was closed on a review that the
/// new concern calls into question (Inter-agency Guidelines for Case Management and Child Protection, 2014,
/// step 6 "Case closure").
public enum ReopenRule {
    /// Why reopening is refused.
    public enum Refusal: Error, Hashable, Sendable {
        /// The reason is empty (or only spaces).
        case reasonMissing
        /// The case is open already.
        case notClosed
    }

    /// Decides reopening a case whose status is `status`, for `reason` (already cleaned by the caller).
    /// - Returns: the `reopened` fact to record (the case then becomes `.open`, reopened, not assessed, with
    ///   no closure reason), or the refusal (`.reasonMissing` first, then `.notClosed`).
    public static func decide(status: CaseStatus, reason: String) -> Result<EventFact, Refusal> {
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else { return .failure(.reasonMissing) }
        guard status != .open else { return .failure(.notClosed) }
        return .success(EventFact(.reopened, ["reason": why]))
    }
}
