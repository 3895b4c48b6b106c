import Foundation

/// Puts stored facts into a reader's words: a language's catalogue, seen from Model (which imports nothing of
/// ours). The TUI passes the language of whoever reads; Storage passes English for the stored fallback text.
public protocol Localiser {
    /// The text of catalogue key `key` with its `{name}` placeholders filled from `args`; the key itself when
    /// the catalogue has no such key (a gap shows, nothing crashes).
    func text(_ key: String, _ args: [String: String]) -> String
    /// The plural form of `key` for `count` (`key.one` or `key.other`), `{n}` set to the count.
    func plural(_ key: String, _ count: Int, _ args: [String: String]) -> String
    /// A calendar date in the reader's words ("2 Mar 2026", "2 mars 2026").
    func day(_ date: LocalDate) -> String
    /// The label of a protection concern id in the reader's language.
    func concern(_ id: String) -> String
}

/// What a timeline entry records, as data: a kind and its arguments, put into words only when shown, in the
/// reader's language (DESIGN.md §7; issue 15 item 4, issue 16 "structured events").
///
/// Stored in `case_event.fact` (the kind's raw value) and `case_event.fact_args` (a JSON object of strings).
/// The entry's `summary` and `body` columns keep the English words as well: they are what an entry shows
/// when its kind is unknown to the Kinga reading it (written by a newer version) or its arguments cannot be
/// read, so no entry is ever dropped or left blank. Arguments are plain strings so that any version can read
/// any entry; lists are written as numbered keys (`goal.0.what`) or comma-separated ids.
public struct EventFact: Hashable, Sendable {
    /// Every kind of timeline entry Kinga writes. Raw values are stored: never change one, add a kind instead.
    public enum Kind: String, CaseIterable, Sendable {
        /// A report taken with the guided report: reporter, reporterName, contact, concerns (ids, comma-separated),
        /// when, where, narrative.
        case reportReceived = "report.received"
        /// A child's own report from the child-friendly session: narrative, contact, language (ISO 639-1).
        case childReport = "report.child"
        /// Assent and consent: child, caregiver (`Answer` raw values), reason.
        case consentRecorded = "consent.recorded"
        /// The reporter said the child may be in danger now.
        case urgentReported = "urgent.reported"
        /// The child said they are not safe, or not sure.
        case urgentChildSaid = "urgent.child"
        /// A free-text note: its words are the person's own (the stored summary and body).
        case note
        /// A risk assessment: chosen, suggested (`RiskLevel`), reasons (`RiskReason`, comma-separated), why, childViews.
        case assessment
        /// A case plan: goals (count), goal.<i>.what / .who / .by (ISO date), childViews, caregiverViews.
        case casePlan = "plan"
        /// A referral sent: provider, service (`ServiceType`), urgent ("1"), reason, supervisor and overrideReason
        /// when a supervisor overrode missing consent.
        case referralSent = "referral.sent"
        /// A referral moved on: provider, from, to (`ReferralStatus`), note, feedback.
        case referralUpdated = "referral.updated"
        /// A follow-up: mode (`FollowUpMode`), safe ("1" or "0"), next (ISO date), outcome.
        case followUp = "follow_up"
        /// Closure asked of a supervisor: note.
        case closureAsked = "closure.asked"
        /// A supervisor returned the work for correction: comment.
        case closureReturned = "closure.returned"
        /// The case closed: reason (`ClosureReason`), note, to (for a transfer, where the case went: a provider's or
        /// agency's name), approvedBy (the supervisor who approved, if one did).
        case closed
        /// The case reopened: reason.
        case reopened
        /// A new report about the child reopened the case: number (the new report's case number).
        case reopenedByReport = "reopened.report"
        /// A printout was made: document ("summary" or "slip"), provider (for a slip), files (newline-separated).
        case printed
        /// Another report about the same child was joined to this case: number, and the report's own arguments.
        case duplicateReport = "duplicate.report"
        /// This report was joined to another case as a duplicate: number (the other case).
        case duplicateLinked = "duplicate.linked"
        /// A focal point took the case from the intake queue: user.
        case caseTaken = "case.taken"
        /// A supervisor gave the case to someone: user, supervisor.
        case caseGiven = "case.given"
        /// Another kiosk of the district changed the case (issue #18: the merge on the timeline): kiosk (its code),
        /// who (their name), fields (the columns, comma-separated). Written by the kiosk that pulled the change.
        case changedElsewhere = "sync.changed"
        /// A supervisor asked that another kiosk of the district hold the case (issue #18, "cases a supervisor
        /// pinned"): kiosk (its code), supervisor. The district server sends that kiosk the case whole when this
        /// entry reaches it.
        case casePinned = "case.pinned"
        /// A supervisor found that this case and another kiosk's case that looked alike are about different children
        /// (issue #19, possible duplicates across kiosks): number (the other case), other (its id), supervisor.
        case notSameChild = "duplicate.different"

        /// The timeline's group for this kind (what the `t` filter and the kind column show).
        public var category: EventKind {
            switch self {
            case .reportReceived, .childReport: return .reportReceived
            case .consentRecorded: return .consentRecorded
            case .urgentReported, .urgentChildSaid: return .urgentFlagged
            case .note, .closureAsked, .closureReturned, .printed, .duplicateReport, .duplicateLinked, .caseTaken, .caseGiven, .changedElsewhere,
                 .casePinned, .notSameChild:
                return .note
            case .assessment: return .assessment
            case .casePlan: return .casePlan
            case .referralSent: return .referralSent
            case .referralUpdated: return .referralUpdated
            case .followUp: return .followUp
            case .closed: return .closed
            case .reopened, .reopenedByReport: return .reopened
            }
        }
    }

    public var kind: Kind
    /// The entry's arguments by name (see each `Kind`). Missing ones are read as empty, never as an error.
    public var args: [String: String]
    /// True for an entry written before facts existed and recognised from its English summary (migration v13):
    /// its arguments cover the summary only, so its stored body is shown as it was written.
    public var legacy: Bool { args["legacy"] == "1" }

    public init(_ kind: Kind, _ args: [String: String] = [:]) {
        self.kind = kind
        self.args = args.filter { !$0.value.isEmpty }
    }

    /// Reads a stored fact; nil when the kind is one this version does not know (then the stored text is shown).
    public init?(stored kind: String?, args json: String?) {
        guard let kind, let k = Kind(rawValue: kind) else { return nil }
        var args: [String: String] = [:]
        if let json, let data = json.data(using: .utf8),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            for (key, value) in object {
                if let s = value as? String { args[key] = s } else { args[key] = "\(value)" }
            }
        }
        self.init(k, args)
    }

    /// The arguments as a JSON object (keys sorted, so the same fact is always the same text).
    public var argsJSON: String {
        let data = (try? JSONSerialization.data(withJSONObject: args, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    func arg(_ name: String) -> String { args[name] ?? "" }

    // MARK: - Facts of the case-management cycle

    /// The entries a report received at intake makes (identification and registration, Inter-agency
    /// Guidelines for Case Management and Child Protection, 2014, step 1): always the report and the consent,
    /// and "urgent" when the child was said to be in danger now.
    public static func intake(_ r: Report) -> [EventFact] {
        var out = [report(r), consent(r)]
        if r.inDangerNow == true { out.append(EventFact(.urgentReported)) }
        return out
    }

    /// The report as received (arguments of `Kind.reportReceived`).
    public static func report(_ r: Report) -> EventFact {
        EventFact(.reportReceived, ["reporter": r.reporterKind?.rawValue ?? "", "reporterName": r.reporterName,
                                    "contact": r.reporterContact, "concerns": r.concerns.joined(separator: ","),
                                    "when": r.whenHappened, "where": r.whereHappened, "narrative": r.narrative])
    }

    /// Assent and consent as the report now holds them.
    public static func consent(_ r: Report) -> EventFact {
        EventFact(.consentRecorded, ["child": r.childAssent.rawValue, "caregiver": r.caregiverConsent.rawValue,
                                     "reason": r.reasonWithoutConsent])
    }

    /// An assessment as recorded.
    public static func assessment(_ a: Assessment) -> EventFact {
        EventFact(.assessment, ["chosen": a.chosen.rawValue, "suggested": a.suggested.rawValue,
                                "reasons": a.reasons.map(\.rawValue).joined(separator: ","), "why": a.whyDifferent,
                                "childViews": a.answers.childViews])
    }

    /// A case plan as saved.
    public static func plan(_ p: CasePlan) -> EventFact {
        var args = ["goals": String(p.goals.count), "childViews": p.childViews, "caregiverViews": p.caregiverViews]
        for (i, g) in p.goals.enumerated() {
            args["goal.\(i).what"] = g.what
            args["goal.\(i).who"] = g.who
            args["goal.\(i).by"] = g.by?.iso ?? ""
        }
        return EventFact(.casePlan, args)
    }

    /// A follow-up as recorded, with the next one's date.
    public static func followUp(_ f: FollowUp, next: LocalDate) -> EventFact {
        EventFact(.followUp, ["mode": f.mode.rawValue, "safe": f.childSafe ? "1" : "0", "next": next.iso, "outcome": f.outcome])
    }

    // MARK: - Words

    /// The one line the timeline shows, in the reader's language. A `note` is the person's own words
    /// (`stored`); so is an entry whose arguments are missing.
    public func summary(_ l: Localiser, stored: String) -> String {
        switch kind {
        case .note: return stored
        case .reportReceived: return l.text("event.report", ["reporter": reporter(l)])
        case .childReport: return l.text("event.childReport", [:])
        case .consentRecorded:
            let child = Answer(rawValue: arg("child")) ?? .notAsked, caregiver = Answer(rawValue: arg("caregiver")) ?? .notAsked
            if child == .yes && caregiver == .yes { return l.text("event.consent.agreed", [:]) }
            if child == .no || caregiver == .no { return l.text("event.consent.without", [:]) }
            return l.text("event.consent.notAsked", [:])
        case .urgentReported: return l.text("event.urgent.reported", [:])
        case .urgentChildSaid: return l.text("event.urgent.child", [:])
        case .assessment:
            let chosen = risk(l, "chosen"), suggested = risk(l, "suggested")
            if arg("suggested").isEmpty || arg("chosen") == arg("suggested") { return l.text("event.assessment", ["risk": chosen]) }
            return l.text("event.assessment.differs", ["risk": chosen, "suggested": suggested])
        case .casePlan: return l.plural("event.plan", Int(arg("goals")) ?? 0, [:])
        case .referralSent:
            return l.text(arg("supervisor").isEmpty && args["override"] == nil ? "event.referral.sent" : "event.referral.sentOverride",
                          ["provider": arg("provider")])
        case .referralUpdated:
            return l.text("event.referral.updated", ["provider": arg("provider"), "status": referralStatus(l, "to")])
        case .followUp:
            let next = LocalDate(iso: arg("next")).map(l.day) ?? arg("next")
            return l.text(arg("safe") == "0" ? "event.followUp.notSafe" : "event.followUp.safe", ["mode": mode(l), "next": next])
        case .closureAsked: return l.text("event.closureAsked", [:])
        case .closureReturned:
            return l.text("event.closureReturned", ["comment": String(arg("comment").split(separator: "\n").first ?? "")])
        case .closed:
            let kind = ClosureReason(rawValue: arg("reason"))
            let reason = kind == .transferred && !arg("to").isEmpty ? l.text("event.transferredTo", ["to": arg("to")])
                : l.text("closureReason.\(kind.map(Self.closureKey) ?? "other")", [:])
            return l.text(arg("approvedBy").isEmpty ? "event.closed" : "event.closedApproved", ["reason": reason, "supervisor": arg("approvedBy")])
        case .reopened, .reopenedByReport: return l.text("event.reopened", [:])
        case .printed:
            return arg("document") == "slip" ? l.text("event.printed.slip", ["provider": arg("provider")]) : l.text("event.printed.summary", [:])
        case .duplicateReport: return l.text("event.duplicateReport", ["number": arg("number")])
        case .duplicateLinked: return l.text("event.duplicateLinked", ["number": arg("number")])
        case .caseTaken: return l.text("event.caseTaken", ["user": arg("user")])
        case .caseGiven: return l.text("event.caseGiven", ["user": arg("user")])
        case .casePinned: return l.text("event.casePinned", ["kiosk": arg("kiosk")])
        case .notSameChild: return l.text("event.notSameChild", ["number": arg("number")])
        case .changedElsewhere: return l.text("event.changedElsewhere", ["kiosk": arg("kiosk"), "who": arg("who")])
        }
    }

    /// The whole entry, in the reader's language: the system's sentences translated, the person's own words
    /// (reasons, notes, outcomes) as typed. `stored` is the body as written, shown for notes and legacy entries.
    public func body(_ l: Localiser, stored: String) -> String {
        if legacy { return stored }
        func lines(_ parts: [String?]) -> String { parts.compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n") }
        func opt(_ key: String, _ name: String, _ value: String) -> String? { value.isEmpty ? nil : l.text(key, [name: value]) }
        switch kind {
        case .note: return stored
        case .reportReceived, .duplicateReport:
            if kind == .duplicateReport, args["reporter"] == nil, args["narrative"] == nil { return stored }
            let who = reporter(l)
            let by = arg("reporterName").isEmpty ? l.text("event.report.by", ["reporter": who])
                : l.text("event.report.byNamed", ["reporter": who, "name": arg("reporterName")])
            let concerns = arg("concerns").split(separator: ",").map { l.concern(String($0)) }.joined(separator: ", ")
            var text = lines([by, opt("event.report.contact", "contact", arg("contact")),
                              l.text("event.report.concerns", ["concerns": concerns]),
                              opt("event.report.when", "when", arg("when")), opt("event.report.where", "where", arg("where"))])
            if !arg("narrative").isEmpty { text += "\n\n" + l.text("event.report.words", [:]) + "\n" + arg("narrative") }
            return text
        case .childReport:
            var text = arg("narrative")
            if !arg("contact").isEmpty { text += "\n\n" + l.text("event.childReport.reach", ["contact": arg("contact")]) }
            return text + "\n\n" + l.text("event.childReport.sent", ["language": arg("language")])
        case .consentRecorded:
            return lines([l.text("event.consent.body", ["child": answer(l, "child"), "caregiver": answer(l, "caregiver")]),
                          opt("event.consent.reason", "reason", arg("reason"))])
        case .urgentReported: return l.text("event.urgent.reported.body", [:])
        case .urgentChildSaid: return l.text("event.urgent.child.body", [:])
        case .assessment:
            let reasons = arg("reasons").split(separator: ",").compactMap { RiskReason(rawValue: String($0)) }
                .map { l.text("riskReason.\($0.rawValue)", [:]) }.joined(separator: "; ")
            return lines([l.text("event.assessment.guide", ["risk": risk(l, "suggested"), "reasons": reasons]),
                          l.text("event.assessment.chosen", ["risk": risk(l, "chosen")]),
                          opt("event.assessment.why", "why", arg("why")), opt("event.views.child", "views", arg("childViews"))])
        case .casePlan:
            let goals = (0..<(Int(arg("goals")) ?? 0)).map { i -> String in
                let who = arg("goal.\(i).who").isEmpty ? "?" : arg("goal.\(i).who")
                if let by = LocalDate(iso: arg("goal.\(i).by")) {
                    return l.text("event.plan.goalBy", ["what": arg("goal.\(i).what"), "who": who, "date": l.day(by)])
                }
                return l.text("event.plan.goal", ["what": arg("goal.\(i).what"), "who": who])
            }
            return lines(goals + [opt("event.views.child", "views", arg("childViews")), opt("event.views.caregiver", "views", arg("caregiverViews"))])
        case .referralSent:
            let service = ServiceType(rawValue: arg("service")).map { l.text("service.\(Self.serviceKey($0))", [:]) } ?? arg("service")
            return lines([l.text(arg("urgent") == "1" ? "event.referral.toUrgent" : "event.referral.to", ["provider": arg("provider"), "service": service]),
                          opt("event.referral.reason", "reason", arg("reason")),
                          arg("supervisor").isEmpty ? nil : l.text("event.referral.override", ["supervisor": arg("supervisor"), "reason": arg("overrideReason")])])
        case .referralUpdated:
            return lines([l.text("event.referral.moved", ["provider": arg("provider"), "from": referralStatus(l, "from"), "to": referralStatus(l, "to")]),
                          arg("note"), opt("event.referral.feedback", "feedback", arg("feedback"))])
        case .followUp:
            let next = LocalDate(iso: arg("next")).map(l.day) ?? arg("next")
            return lines([l.text(arg("safe") == "0" ? "event.followUp.howNotSafe" : "event.followUp.howSafe", ["mode": mode(l)]),
                          arg("outcome"), l.text("event.followUp.next", ["date": next])])
        case .closureAsked: return arg("note")
        case .closureReturned: return arg("comment")
        case .closed: return arg("note")
        case .reopened: return arg("reason")
        case .reopenedByReport: return l.text("event.reopened.report", ["number": arg("number")])
        case .printed:
            return l.text("event.printed.files", [:]) + "\n" + arg("files")
        case .duplicateLinked: return l.text("event.duplicateLinked.body", ["number": arg("number")])
        case .caseTaken: return l.text("event.caseTaken.body", ["user": arg("user")])
        case .caseGiven: return l.text("event.caseGiven.body", ["user": arg("user"), "supervisor": arg("supervisor")])
        case .casePinned: return l.text("event.casePinned.body", ["kiosk": arg("kiosk"), "supervisor": arg("supervisor")])
        case .notSameChild: return l.text("event.notSameChild.body", ["number": arg("number"), "supervisor": arg("supervisor")])
        case .changedElsewhere:
            // Each column in words where the catalogue names it ("risk level"), else as stored.
            let fields = arg("fields").split(separator: ",").map { f -> String in
                let key = "conflict.field.\(f)", label = l.text(key, [:])
                return label == key ? String(f) : label
            }
            return l.text("event.changedElsewhere.body", ["kiosk": arg("kiosk"), "who": arg("who"), "fields": fields.joined(separator: ", ")])
        }
    }

    private func reporter(_ l: Localiser) -> String {
        l.text("event.reporter.\(ReporterKind(rawValue: arg("reporter")).map { Self.camel($0.rawValue) } ?? "unknown")", [:])
    }
    private func risk(_ l: Localiser, _ name: String) -> String {
        RiskLevel(rawValue: arg(name)).map { l.text("risk.\($0.rawValue)", [:]) } ?? arg(name)
    }
    private func answer(_ l: Localiser, _ name: String) -> String {
        l.text("answer.\((Answer(rawValue: arg(name)) ?? .notAsked) == .notAsked ? "notAsked" : arg(name))", [:])
    }
    private func referralStatus(_ l: Localiser, _ name: String) -> String {
        ReferralStatus(rawValue: arg(name)).map { l.text("referralStatus.\($0.rawValue)", [:]) } ?? arg(name)
    }
    private func mode(_ l: Localiser) -> String {
        FollowUpMode(rawValue: arg("mode")).map { l.text("event.followUp.mode.\($0.rawValue)", [:]) } ?? arg("mode")
    }

    /// `family_member` → `familyMember`: the catalogue keys follow the Swift case names.
    static func camel(_ raw: String) -> String {
        let parts = raw.split(separator: "_")
        return (parts.first.map(String.init) ?? "") + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
    static func closureKey(_ r: ClosureReason) -> String { camel(r.rawValue) }
    static func serviceKey(_ s: ServiceType) -> String { camel(s.rawValue) }
}

extension CaseEvent {
    /// The timeline line in the reader's language: from the entry's fact when this version knows its kind,
    /// else the words stored with it.
    public func summary(in l: Localiser) -> String { fact?.summary(l, stored: summary) ?? summary }
    /// The whole entry in the reader's language (see `summary(in:)`).
    public func body(in l: Localiser) -> String {
        guard let fact else { return body.isEmpty ? summary : body }
        let text = fact.body(l, stored: body)
        return text.isEmpty ? fact.summary(l, stored: summary) : text
    }
}
