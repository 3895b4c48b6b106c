import Foundation
import I18n
import Storage
import Model

/// Every sentence users see, in one place (English). Issue #5 moves these into translation catalogues;
/// keeping them here until then means no screen hard-codes words.
public enum S {
    static var appName: String { tr("appName") }
    static var demoBanner: String { tr("demoBanner") }
    static var tooSmall: String { tr("tooSmall") }
    static var tooSmallDetail: String { tr("tooSmallDetail") }

    // Home
    static var homeTitle: String { tr("homeTitle") }
    static var homeWelcome: String { tr("homeWelcome") }
    static var today: String { tr("today") }
    static func openCases(_ n: Int) -> String { trn("openCases", n) }
    static func allCases(_ n: Int) -> String { trn("allCases", n) }
    static func urgentCases(_ n: Int) -> String { trn("urgentCases", n) }
    static func drafts(_ n: Int) -> String { trn("drafts", n) }
    static var menuNew: String { tr("menuNew") }
    static var menuCases: String { tr("menuCases") }
    static var menuResume: String { tr("menuResume") }
    static var menuHelp: String { tr("menuHelp") }
    static var menuQuit: String { tr("menuQuit") }

    // Footer hints
    static var kOpen: String { tr("kOpen") }
    static var kBack: String { tr("kBack") }
    static var kQuit: String { tr("kQuit") }
    static var kHelp: String { tr("kHelp") }
    static var kMove: String { tr("kMove") }
    static var kNext: String { tr("kNext") }
    /// Footer: Tab (and Enter in a one-line answer) in the guided report.
    static var kNextQuestion: String { tr("kNextQuestion") }
    static var kSave: String { tr("kSave") }
    static var kNote: String { tr("kNote") }
    static var kLeave: String { tr("kLeave") }
    static var kTick: String { tr("kTick") }
    static var kNewLine: String { tr("kNewLine") }
    static var noDrafts: String { tr("noDrafts") }
    static var kChoose: String { tr("kChoose") }
    static var kField: String { tr("kField") }
    static var kPrevStep: String { tr("kPrevStep") }
    static var kNextStep: String { tr("kNextStep") }

    // Wizard
    static var wizardTitle: String { tr("wizardTitle") }
    static func step(_ k: Int, _ n: Int) -> String { tr("step", ["k": k, "n": n]) }
    static func stepTitle(_ s: ReportStep) -> String {
        switch s {
        case .reporter: return tr("stepTitle.reporter")
        case .child: return tr("stepTitle.child")
        case .whatHappened: return tr("stepTitle.whatHappened")
        case .danger: return tr("stepTitle.danger")
        case .consent: return tr("stepTitle.consent")
        case .review: return tr("stepTitle.review")
        }
    }
    static func stepIntro(_ s: ReportStep) -> String {
        switch s {
        case .reporter: return tr("stepIntro.reporter")
        case .child: return tr("stepIntro.child")
        case .whatHappened: return tr("stepIntro.whatHappened")
        case .danger: return tr("stepIntro.danger")
        case .consent: return tr("stepIntro.consent")
        case .review: return tr("stepIntro.review")
        }
    }
    static func fieldLabel(_ f: ReportField) -> String {
        switch f {
        case .reporterKind: return tr("fieldLabel.reporterKind")
        case .reporterName: return tr("fieldLabel.reporterName")
        case .reporterContact: return tr("fieldLabel.reporterContact")
        case .childName: return tr("fieldLabel.childName")
        case .sex: return tr("fieldLabel.sex")
        case .dateOfBirth: return tr("fieldLabel.dateOfBirth")
        case .approximateAge: return tr("fieldLabel.approximateAge")
        case .village: return tr("fieldLabel.village")
        case .caregiver: return tr("fieldLabel.caregiver")
        case .nickname: return tr("fieldLabel.nickname")
        case .concerns: return tr("fieldLabel.concerns")
        case .whenHappened: return tr("fieldLabel.whenHappened")
        case .whereHappened: return tr("fieldLabel.whereHappened")
        case .narrative: return tr("fieldLabel.narrative")
        case .inDangerNow: return tr("fieldLabel.inDangerNow")
        case .childAssent: return tr("fieldLabel.childAssent")
        case .caregiverConsent: return tr("fieldLabel.caregiverConsent")
        case .reasonWithoutConsent: return tr("fieldLabel.reasonWithoutConsent")
        }
    }
    static func fieldHint(_ f: ReportField) -> String? {
        switch f {
        case .reporterContact: return tr("fieldHint.reporterContact")
        case .childName: return tr("fieldHint.childName")
        case .nickname: return tr("fieldHint.nickname")
        case .dateOfBirth: return tr("fieldHint.dateOfBirth")
        case .approximateAge: return tr("fieldHint.approximateAge")
        case .concerns: return tr("fieldHint.concerns")
        case .whenHappened: return tr("fieldHint.whenHappened")
        case .narrative: return tr("fieldHint.narrative")
        case .inDangerNow: return tr("fieldHint.inDangerNow")
        case .reasonWithoutConsent: return tr("fieldHint.reasonWithoutConsent")
        default: return nil
        }
    }
    static func reporterKind(_ k: ReporterKind) -> String {
        switch k {
        case .child: return tr("reporterKind.child")
        case .familyMember: return tr("reporterKind.familyMember")
        case .neighbour: return tr("reporterKind.neighbour")
        case .teacher: return tr("reporterKind.teacher")
        case .healthWorker: return tr("reporterKind.healthWorker")
        case .communityLeader: return tr("reporterKind.communityLeader")
        case .anonymous: return tr("reporterKind.anonymous")
        }
    }
    static func sex(_ s: Sex) -> String {
        switch s {
        case .female: return tr("sex.female")
        case .male: return tr("sex.male")
        case .unknown: return tr("sex.unknown")
        }
    }
    static func answer(_ a: Answer) -> String {
        switch a {
        case .yes: return tr("answer.yes")
        case .no: return tr("answer.no")
        case .notAsked: return tr("answer.notAsked")
        }
    }
    static var dangerYes: String { tr("dangerYes") }
    static var dangerNo: String { tr("dangerNo") }
    static var continueButton: String { tr("continueButton") }
    static var saveButton: String { tr("saveButton") }
    static var saving: String { tr("saving") }
    static func issue(_ i: ValidationIssue) -> String {
        switch i {
        case .required: return tr("issue.required")
        case .dateUnreadable: return tr("issue.dateUnreadable")
        case .dateDoesNotExist: return tr("issue.dateDoesNotExist")
        case .yearDoesNotExist: return tr("issue.yearDoesNotExist")
        case .dateInFuture: return tr("issue.dateInFuture")
        case .notAChild(let y): return tr("issue.notAChild", ["y": y])
        case .ageNotANumber: return tr("issue.ageNotANumber")
        case .ageOutOfRange: return tr("issue.ageOutOfRange")
        case .ageDisagreesWithBirthDate(let y): return tr("issue.ageDisagreesWithBirthDate", ["y": y])
        case .tooLong(let m): return tr("issue.tooLong", ["m": m])
        }
    }
    static var fixBelow: String { tr("fixBelow") }
    static var urgentTitle: String { tr("urgentTitle") }
    static var urgentEmergency: String { tr("urgentEmergency") }
    static var urgentHelplines: String { tr("urgentHelplines") }
    static var urgentAfter: String { tr("urgentAfter") }
    static var reviewNothing: String { tr("reviewNothing") }
    static var reviewKeys: String { tr("reviewKeys") }
    /// The question as a short label for the review page (without "(optional)").
    static func reviewLabel(_ f: ReportField) -> String { tr("reviewLabel.\(f.rawValue)") }

    // Leave dialog
    static var leaveQuestion: String { tr("leaveQuestion") }
    static var leaveKeep: String { tr("leaveKeep") }
    static var leaveDiscard: String { tr("leaveDiscard") }
    static var leaveStay: String { tr("leaveStay") }
    static var discardConfirm: String { tr("discardConfirm") }
    static var discardYes: String { tr("discardYes") }
    static var discardNo: String { tr("discardNo") }

    // Saved
    static var savedTitle: String { tr("savedTitle") }
    static func savedBody(_ number: String) -> String { tr("savedBody", ["number": number]) }
    static var savedUrgent: String { tr("savedUrgent") }
    static var savedOpen: String { tr("savedOpen") }
    static var savedHome: String { tr("savedHome") }

    // Case list
    static var casesTitle: String { tr("casesTitle") }
    static var moreBelow: String { tr("moreBelow") }
    static func casesCount(_ n: Int) -> String { trn("casesCount", n) }
    static var colCase: String { tr("colCase") }
    static var colChild: String { tr("colChild") }
    static var colAge: String { tr("colAge") }
    static var colVillage: String { tr("colVillage") }
    static var colConcern: String { tr("colConcern") }
    static var colRisk: String { tr("colRisk") }
    static var colStatus: String { tr("colStatus") }
    static var colLast: String { tr("colLast") }
    static var noCases: String { tr("noCases") }
    /// What someone else changed while the user was editing (optimistic concurrency), for the top of a form.
    static func conflict(_ changes: [CaseChange], _ tz: TimeZone) -> String {
        var lines = [tr("conflictIntro")]
        let l = words(nil)
        for c in changes.suffix(3) {
            let summary = c.fact?.summary(l, stored: c.summary) ?? c.summary
            let body = c.fact?.body(l, stored: c.body) ?? c.body
            var what = summary
            let firstBody = body.split(separator: "\n").first.map(String.init) ?? ""
            if !firstBody.isEmpty && firstBody != summary { what += " — " + firstBody }
            lines.append("• " + tr("conflictLine", ["who": author(c.author), "when": dateTime(c.at, tz), "what": what]))
        }
        lines.append(tr("conflictOutro"))
        return lines.joined(separator: "\n")
    }

    // Statistics (issue #8).
    static var menuStatistics: String { tr("menuStatistics") }
    static var statsTitle: String { tr("statsTitle") }
    static var statsPeriodKey: String { tr("statsPeriodKey") }
    static var kExport: String { tr("kExport") }
    static func statsPeriod(from: String, to: String) -> String { tr("statsPeriod", ["from": from, "to": to]) }
    static var statsPeriods: String { tr("statsPeriods") }
    /// "Not assessed yet" in words (the case list shows a dash in its narrow risk column).
    static var riskNotAssessedYet: String { tr("riskNotAssessedYet") }
    static func statsPeriodAll(to: String) -> String { tr("statsPeriodAll", ["to": to]) }
    static func statsTotals(new: String, closed: String, overdue: String) -> String { tr("statsTotals", ["new": new, "closed": closed, "overdue": overdue]) }
    static func statsHidden(_ n: Int) -> String { tr("statsHidden", ["n": n, "m": n - 1]) }
    static var statsLeftOut: String { tr("statsLeftOut") }
    static var statsNothing: String { tr("statsNothing") }
    static var statsByConcern: String { tr("statsByConcern") }
    static var statsByAge: String { tr("statsByAge") }
    static var statsBySex: String { tr("statsBySex") }
    static var statsByVillage: String { tr("statsByVillage") }
    static var statsPerMonth: String { tr("statsPerMonth") }
    static var statsClosedPerMonth: String { tr("statsClosedPerMonth") }
    static func statsLargest(_ n: String) -> String { tr("statsLargest", ["n": n]) }
    static var statsReferrals: String { tr("statsReferrals") }
    static var statsColSent: String { tr("statsColSent") }
    static var statsColAnswered: String { tr("statsColAnswered") }
    static var statsColAccepted: String { tr("statsColAccepted") }
    static var statsColCompleted: String { tr("statsColCompleted") }
    static var statsColDays: String { tr("statsColDays") }
    static var statsReferralNote: String { tr("statsReferralNote") }
    static func statsExported(_ path: String) -> String { tr("statsExported", ["path": path]) }

    // Search, filters and sorting of the case list (issue #6).
    static func casesMatch(_ n: Int) -> String { trn("casesMatch", n) }
    static func casesMatchMore(_ n: Int) -> String { tr("casesMatchMore", ["n": n]) }
    static var searchLabel: String { tr("searchLabel") }
    static var searchHint: String { tr("searchHint") }
    static var filtersLabel: String { tr("filtersLabel") }
    static var bestFirst: String { tr("bestFirst") }
    static var tooManyToSort: String { tr("tooManyToSort") }
    static var noMatches: String { tr("noMatches") }
    static var kSearch: String { tr("kSearch") }
    static var kSort: String { tr("kSort") }
    static var kClear: String { tr("kClear") }
    static var sortTitle: String { tr("sortTitle") }
    static var sortQuestion: String { tr("sortQuestion") }
    static func sort(_ s: CaseSort) -> String {
        switch s {
        case .lastActivity: return tr("sortLastActivity")
        case .caseNumber: return tr("sortCaseNumber")
        case .childName: return tr("sortChildName")
        case .village: return tr("sortVillage")
        case .risk: return tr("sortRisk")
        case .status: return tr("sortStatus")
        }
    }
    static var sortBest: String { tr("sortBest") }
    static var sortReverse: String { tr("sortReverse") }
    static var sortCancel: String { tr("sortCancel") }
    static var filterTitle: String { tr("filterTitle") }
    static var filterIntro: String { tr("filterIntro") }
    static var filterApply: String { tr("filterApply") }
    static var filterStatus: String { tr("filterStatus") }
    static var filterRisk: String { tr("filterRisk") }
    static var filterUrgency: String { tr("filterUrgency") }
    static var filterConcern: String { tr("filterConcern") }
    static var filterVillage: String { tr("filterVillage") }
    static var filterAssignee: String { tr("filterAssignee") }
    static var filterOverdue: String { tr("filterOverdue") }
    static var anyOption: String { tr("anyOption") }
    static var urgentOnly: String { tr("urgentOnly") }
    static var notUrgent: String { tr("notUrgent") }
    static var assignedMe: String { tr("assignedMe") }
    static var assignedNobody: String { tr("assignedNobody") }
    static var overdueOnly: String { tr("overdueOnly") }
    static func assignedTo(_ name: String) -> String { tr("assignedTo", ["name": name]) }
    static var unnamed: String { tr("unnamed") }
    static var urgentWord: String { tr("urgentWord") }
    static var notAssessed: String { tr("notAssessed") }
    static func risk(_ r: RiskLevel) -> String { tr("risk.\(r.rawValue)") }
    /// A risk level as a choice in a form ("High").
    static func riskCapitalized(_ r: RiskLevel) -> String { tr("riskChoice.\(r.rawValue)") }
    static func status(_ s: CaseStatus) -> String { tr("status.\(s.rawValue)") }
    /// A referral status as a choice in a form ("Accepted").
    static func referralStatusChoice(_ s: ReferralStatus) -> String { tr("referralChoice.\(s.rawValue)") }
    static var kPage: String { tr("kPage") }
    static var kNew: String { tr("kNew") }
    /// A protection concern in the current language: the catalogue's `concern.<id>` when it has one,
    /// otherwise the profile's own label.
    static func concern(_ id: String, _ profile: CountryProfile) -> String { words(profile).concern(id) }
    /// The current language as a `Localiser`, for putting stored facts (timeline entries) into words.
    static func words(_ profile: CountryProfile?) -> LanguageWords { LanguageWords(L10n.current, profile: profile) }
    /// A profile's text (a phone label, a step of "what to do now") in the current language, English where the
    /// profile has none in it.
    static func words(_ text: LocalizedText) -> String { text.text(L10n.current.code) }
    /// Status in at most 7 columns, for the case list at 80 columns.
    static func statusShort(_ s: CaseStatus) -> String {
        switch s {
        case .open: return tr("statusShort.open")
        case .closed: return tr("statusShort.closed")
        case .transferred: return tr("statusShort.transferred")
        case .duplicate: return tr("statusShort.duplicate")
        }
    }

    // Case detail
    static var caseTitle: String { tr("caseTitle") }
    static var timeline: String { tr("timeline") }
    static func ageYears(_ n: Int) -> String { n == 0 ? tr("ageUnderOne") : trn("ageYears", n) }
    static var ageUnknown: String { tr("ageUnknown") }
    /// The child's age for the case header: "9 years", and with a known date of birth "9 years, born
    /// 7 Mar 2016" (in the reader's language); "age unknown" when neither was given.
    static func age(_ a: ChildAge?, on today: LocalDate) -> String {
        guard let a else { return ageUnknown }
        let years = ageYears(a.years(on: today))
        if case .born(let d) = a { return tr("ageBorn", ["age": years, "date": day(d)]) }
        return years
    }
    static func eventKind(_ k: EventKind) -> String {
        switch k {
        case .reportReceived: return tr("eventKind.reportReceived")
        case .consentRecorded: return tr("eventKind.consentRecorded")
        case .urgentFlagged: return tr("eventKind.urgentFlagged")
        case .note: return tr("eventKind.note")
        case .assessment: return tr("eventKind.assessment")
        case .casePlan: return tr("eventKind.casePlan")
        case .referralSent: return tr("eventKind.referralSent")
        case .referralUpdated: return tr("eventKind.referralUpdated")
        case .followUp: return tr("eventKind.followUp")
        case .closed: return tr("eventKind.closed")
        case .reopened: return tr("eventKind.reopened")
        case .other: return tr("eventKind.other")
        }
    }
    /// The author of a timeline entry: a person's name as it is, the child-friendly session in words.
    static func author(_ name: String) -> String { name == KingaStore.childSessionActor ? tr("author.childSession") : name }
    static var caregiverLabel: String { tr("caregiverLabel") }
    static var concernsLabel: String { tr("concernsLabel") }
    static var statusLabel: String { tr("statusLabel") }

    // Note
    static var noteTitle: String { tr("noteTitle") }
    static var noteHint: String { tr("noteHint") }
    static var noteEmpty: String { tr("noteEmpty") }
    static var noteDiscard: String { tr("noteDiscard") }
    /// What was typed here before Kinga stopped or lost its terminal is back on screen.
    static func unfinishedBack(_ when: String) -> String { tr("unfinishedBack", ["when": when]) }
    static var noteSaved: String { tr("noteSaved") }

    // Drafts
    static var draftsTitle: String { tr("draftsTitle") }
    static func draftLine(_ d: Draft) -> String {
        let who = d.report.childName.isEmpty ? unnamed : d.report.childName
        return tr("draftLine", ["who": who, "step": stepTitle(d.step)])
    }

    // Help
    static var helpTitle: String { tr("helpTitle") }
    static var helpDanger: String { tr("helpDanger") }
    static var helpText: String { tr("helpText") }

    static var errorTitle: String { tr("errorTitle") }
    static func saveFailed(_ reason: String) -> String { tr("saveFailed", ["reason": reason]) }
    static var pressAnyKey: String { tr("pressAnyKey") }


    /// A short date like "2 Mar 2026" in the kiosk's time zone.
    static func date(_ d: Date, _ tz: TimeZone) -> String {
        let w = LocalDate.wallClock(d, in: tz)
        return day(w.date)
    }

    /// A calendar date like "14 Feb 2026" (date-only values never move with time zones).
    static func day(_ d: LocalDate) -> String { L10n.current.shortDate(year: d.year, month: d.month, day: d.day) }

    /// A long date with the weekday, like "Monday 2 March 2026".
    static func longDay(_ d: LocalDate) -> String {
        tr("date.long", ["weekday": L10n.current.weekday(d.weekday), "day": String(d.day), "month": L10n.current.monthLong(d.month), "year": String(d.year)])
    }

    /// "2 Mar 2026 09:05" in the kiosk's time zone.
    static func dateTime(_ d: Date, _ tz: TimeZone) -> String {
        let w = LocalDate.wallClock(d, in: tz)
        return date(d, tz) + String(format: " %02d:%02d", w.hour, w.minute)
    }

    /// "today", "yesterday", "3d ago", or a short date for older.
    static func relative(_ d: Date, today: LocalDate, _ tz: TimeZone) -> String {
        let day = LocalDate(d, in: tz)
        let days = today.daysSinceEpoch - day.daysSinceEpoch
        switch days {
        case ..<0: return date(d, tz)
        case 0: return tr("relative.today")
        case 1...13: return Self.days(days)
        default:
            if day.year == today.year { return tr("date.dayMonth", ["day": String(day.day), "month": L10n.current.month(day.month)]) }
            return Self.day(day)
        }
    }
}
