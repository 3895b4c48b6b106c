import Foundation

/// The timeline entries that a saved report creates (identification and registration, Inter-agency
/// Guidelines for Case Management and Child Protection, 2014, step 1).
public enum IntakeEvents {
    /// One entry to write: its kind, one-line summary and whole text.
    public struct Entry: Equatable, Sendable {
        public var kind: EventKind
        public var summary: String
        public var body: String
    }

    /// Words used for reporter kinds in stored summaries (English; screens translate on display).
    public static func reporterWords(_ k: ReporterKind?) -> String {
        switch k {
        case .child?: return "the child"
        case .familyMember?: return "a family member"
        case .neighbour?: return "a neighbour or community member"
        case .teacher?: return "a teacher"
        case .healthWorker?: return "a health worker"
        case .communityLeader?: return "a community leader"
        case .anonymous?: return "someone who did not give their name"
        case nil: return "unknown"
        }
    }

    static func answerWords(_ a: Answer) -> String {
        switch a {
        case .yes: return "yes"
        case .no: return "no"
        case .notAsked: return "not asked"
        }
    }

    /// The entries for a report received at intake: always "report received" and "consent recorded", and
    /// "urgent" when the child was said to be in danger now.
    public static func make(for r: Report, concernLabel: (String) -> String = { $0.replacingOccurrences(of: "_", with: " ") }) -> [Entry] {
        var out: [Entry] = []
        let who = reporterWords(r.reporterKind)
        var body = "Reported by \(who)"
        if !r.reporterName.isEmpty { body += ": \(r.reporterName)" }
        if !r.reporterContact.isEmpty { body += " (contact: \(r.reporterContact))" }
        body += ".\nConcerns: \(r.concerns.map(concernLabel).joined(separator: ", "))."
        if !r.whenHappened.isEmpty { body += "\nWhen: \(r.whenHappened)." }
        if !r.whereHappened.isEmpty { body += "\nWhere: \(r.whereHappened)." }
        if !r.narrative.isEmpty { body += "\n\nIn the reporter's words:\n\(r.narrative)" }
        out.append(Entry(kind: .reportReceived, summary: "Report received from \(who)", body: body))
        var consent = "Child's assent: \(answerWords(r.childAssent)). Caregiver's consent: \(answerWords(r.caregiverConsent))."
        if !r.reasonWithoutConsent.isEmpty { consent += "\nReason to go ahead without full consent: \(r.reasonWithoutConsent)" }
        let summary: String
        if r.childAssent == .yes && r.caregiverConsent == .yes {
            summary = "Consent recorded: child and caregiver agreed"
        } else if r.childAssent == .no || r.caregiverConsent == .no {
            summary = "Consent recorded: going ahead without full consent"
        } else {
            summary = "Consent not asked yet: ask before any referral"
        }
        out.append(Entry(kind: .consentRecorded, summary: summary, body: consent))
        if r.inDangerNow == true {
            out.append(Entry(kind: .urgentFlagged, summary: "Urgent: the child may be in danger now",
                             body: "The reporter said the child may be in danger right now. The case is marked urgent."))
        }
        return out
    }
}
