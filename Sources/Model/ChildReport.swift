import Foundation

/// What a child tells Kinga in the child-friendly guided report (issue #5), one short question per screen.
/// Every answer may be "I don't want to say" (nil or empty). Nothing here names who typed it: the session
/// has no login, and the report can only be created, never read back, from that session.
public struct ChildReport: Equatable, Sendable {
    /// Answers to "Are you safe right now?".
    public enum Safety: String, CaseIterable, Sendable { case safe, notSafe, notSure }
    /// Who the report is about.
    public enum About: String, CaseIterable, Sendable { case me, friend, otherChild }
    /// What happened, as picture-like choices in words. Each maps to a protection concern of the profile.
    public enum What: String, CaseIterable, Sendable {
        case hurt, touched, work, marriage, alone, online, other

        /// The profile concern id this choice files the report under (ids of seeds/profiles/*.yaml).
        public var concern: String {
            switch self {
            case .hurt: return "physical_violence"
            case .touched: return "sexual_violence"
            case .work: return "child_labour"
            case .marriage: return "child_marriage"
            case .alone: return "neglect"
            case .online: return "online_abuse"
            case .other: return "other"
            }
        }
    }
    /// Who the child would like to talk to.
    public enum TalkTo: String, CaseIterable, Sendable { case woman, man, anyone, teacher, adultHere }

    /// Language code of the session ("en", "id", "fr"): the focal point knows which language to answer in.
    public var language: String = "en"
    public var safety: Safety?
    public var about: About?
    /// The child's name or nickname, only if they want to give it.
    public var name: String = ""
    public var what: [What] = []
    public var whenWhere: String = ""
    public var talkTo: TalkTo?
    /// How to reach the child safely (through whom, where, when), only if they want to say.
    public var reach: String = ""

    public init() {}

    /// True when the child said they are not safe or not sure: the case is marked urgent.
    public var urgent: Bool { safety == .notSafe || safety == .notSure }

    /// True when nothing at all was answered beyond the language (nothing worth sending).
    public var isEmpty: Bool {
        safety == nil && about == nil && name.isEmpty && what.isEmpty && whenWhere.isEmpty && talkTo == nil && reach.isEmpty
    }

    /// The report as an intake record. The child is the reporter; the child's own name goes to the child when
    /// the report is about them, and to the reporter otherwise. Assent is "yes": the child chose to send it;
    /// the caregiver was not asked (the focal point decides, with the child, whether and how to involve them).
    /// - Parameter narrative: the answers written out in the session's language (built by the screen).
    public func report(narrative: String) -> Report {
        var r = Report()
        r.reporterKind = .child
        if about == .me || about == nil { r.childName = name } else { r.reporterName = name }
        r.reporterContact = reach
        r.sex = .unknown
        r.concerns = what.isEmpty ? ["other"] : what.map(\.concern)
        r.whenHappened = whenWhere
        r.narrative = narrative
        r.inDangerNow = urgent
        r.childAssent = .yes
        r.caregiverConsent = .notAsked
        return r
    }
}
