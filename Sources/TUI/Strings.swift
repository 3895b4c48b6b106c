import Foundation
import Storage
import Model

/// Every sentence users see, in one place (English). Issue #5 moves these into translation catalogues;
/// keeping them here until then means no screen hard-codes words.
public enum S {
    static let appName = "Kinga"
    static let demoBanner = "DEMO — fictional data"
    static let tooSmall = "Please make the window larger."
    static let tooSmallDetail = "Kinga needs at least 40 columns and 12 rows."

    // Home
    static let homeTitle = "Home"
    static let homeWelcome = "What would you like to do?"
    static let today = "At a glance"
    static func openCases(_ n: Int) -> String { n == 1 ? "1 open case" : "\(n) open cases" }
    static func allCases(_ n: Int) -> String { n == 1 ? "1 case in all (open, closed and transferred)" : "\(n) cases in all (open, closed and transferred)" }
    static func urgentCases(_ n: Int) -> String { n == 1 ? "1 open case is urgent" : "\(n) open cases are urgent" }
    static func drafts(_ n: Int) -> String { n == 1 ? "1 unfinished report" : "\(n) unfinished reports" }
    static let menuNew = "New report about a child"
    static let menuCases = "Cases"
    static let menuResume = "Continue an unfinished report"
    static let menuHelp = "Help"
    static let menuQuit = "Quit"

    // Footer hints
    static let kOpen = "Open"
    static let kBack = "Back"
    static let kQuit = "Quit"
    static let kHelp = "Help"
    static let kMove = "Move"
    static let kNext = "Next"
    static let kSave = "Save"
    static let kNote = "Add note"
    static let kLeave = "Leave"
    static let kTick = "Tick"
    static let kNewLine = "New line"
    static let noDrafts = "There is no unfinished report."
    static let kChoose = "Choose"
    static let kField = "Next field"
    static let kPrevStep = "Previous step"
    static let kNextStep = "Next step"

    // Wizard
    static let wizardTitle = "New report"
    static func step(_ k: Int, _ n: Int) -> String { "Step \(k) of \(n)" }
    static func stepTitle(_ s: ReportStep) -> String {
        switch s {
        case .reporter: return "Who is telling us?"
        case .child: return "About the child"
        case .whatHappened: return "What happened?"
        case .danger: return "Is the child in danger right now?"
        case .consent: return "Agreement to share"
        case .review: return "Check the report, then save"
        }
    }
    static func stepIntro(_ s: ReportStep) -> String {
        switch s {
        case .reporter: return "Write down who told you about the child. You can leave out a name if the person wants to stay unknown."
        case .child: return "Write what you know. It is fine not to know everything: a nickname or \"unknown\" is enough."
        case .whatHappened: return "Choose every worry that fits, then write what the person told you, in their own words."
        case .danger: return "Think about today. Could someone hurt the child again soon, or is the child alone, hurt or very ill?"
        case .consent: return "A child and their caregiver should agree before we share what they told us with people who can help."
        case .review: return "Read everything once more. Press PgUp to go back and change something."
        }
    }
    static func fieldLabel(_ f: ReportField) -> String {
        switch f {
        case .reporterKind: return "Who is reporting?"
        case .reporterName: return "Their name (optional)"
        case .reporterContact: return "How can we reach them? (optional)"
        case .childName: return "Child's name or nickname (optional)"
        case .sex: return "Is the child a girl or a boy?"
        case .dateOfBirth: return "Date of birth, if known"
        case .approximateAge: return "Age in years, if the date is not known"
        case .village: return "Village or area where the child lives"
        case .caregiver: return "Who looks after the child? (optional)"
        case .concerns: return "What are you worried about?"
        case .whenHappened: return "When did it happen? (optional)"
        case .whereHappened: return "Where did it happen? (optional)"
        case .narrative: return "What did they tell you? (their own words)"
        case .inDangerNow: return "Is the child in danger right now?"
        case .childAssent: return "Did the child agree to share this?"
        case .caregiverConsent: return "Did the caregiver agree to share this?"
        case .reasonWithoutConsent: return "If someone said no, why must we go ahead?"
        }
    }
    static func fieldHint(_ f: ReportField) -> String? {
        switch f {
        case .reporterContact: return "A phone number or where to find them. Only if it is safe."
        case .childName: return "A nickname is fine. If nobody knows the name, leave it empty."
        case .dateOfBirth: return "Like 07/03/2019 (day/month/year) or 2019-03-07."
        case .approximateAge: return "A whole number. A baby under one year is 0."
        case .concerns: return "↑↓ to move, Enter or Space to tick. Tick all that fit."
        case .whenHappened: return "For example: yesterday evening, last month, many times."
        case .narrative: return "Enter starts a new line. Tab goes on."
        case .inDangerNow: return "If you are not sure, choose Yes."
        case .reasonWithoutConsent: return "Needed only when the child or the caregiver said no. For example: the caregiver may be the person hurting the child."
        default: return nil
        }
    }
    static func reporterKind(_ k: ReporterKind) -> String {
        switch k {
        case .child: return "The child"
        case .familyMember: return "A family member"
        case .neighbour: return "A neighbour or community member"
        case .teacher: return "A teacher"
        case .healthWorker: return "A health worker"
        case .communityLeader: return "A community or religious leader"
        case .anonymous: return "Someone who does not want to give their name"
        }
    }
    static func sex(_ s: Sex) -> String {
        switch s {
        case .female: return "Girl"
        case .male: return "Boy"
        case .unknown: return "Not known"
        }
    }
    static func answer(_ a: Answer) -> String {
        switch a {
        case .yes: return "Yes"
        case .no: return "No"
        case .notAsked: return "Not asked yet"
        }
    }
    static let dangerYes = "Yes — the child may be in danger now"
    static let dangerNo = "No"
    static let continueButton = "Continue"
    static let saveButton = "Save report"
    static let saving = "Saving…"
    static func issue(_ i: ValidationIssue) -> String {
        switch i {
        case .required: return "Please answer this question."
        case .dateUnreadable: return "Kinga could not read this date. Write it like 07/03/2019."
        case .dateDoesNotExist: return "This day does not exist in the calendar. Please check the day and month."
        case .dateInFuture: return "This date is after today. Please check the year."
        case .notAChild(let y): return "This date makes the person \(y) years old. Kinga is for children under 18."
        case .ageNotANumber: return "Please write the age as a whole number of years, like 7."
        case .ageOutOfRange: return "The age must be between 0 and 17."
        case .ageDisagreesWithBirthDate(let y): return "The date of birth says \(y) years old. Please check one of them."
        case .tooLong(let m): return "This is too long. Please keep it under \(m) characters."
        }
    }
    static let fixBelow = "Some answers need a look. See the messages marked !"
    static let urgentTitle = "Act now: the child may be in danger"
    static let urgentEmergency = "Emergency numbers"
    static let urgentHelplines = "Child helplines"
    static let urgentAfter = "The case will be marked URGENT. Press Enter to go on with the report."
    static let reviewNothing = "(not given)"
    static let reviewKeys = "↑ ↓ read the whole report · Enter saves · PgUp goes back to change something"
    /// The question as a short label for the review page (without "(optional)").
    static func reviewLabel(_ f: ReportField) -> String {
        fieldLabel(f).replacingOccurrences(of: " (optional)", with: "").replacingOccurrences(of: "?", with: "")
    }

    // Leave dialog
    static let leaveQuestion = "You have not saved this report yet. What would you like to do?"
    static let leaveKeep = "Keep it as a draft and leave"
    static let leaveDiscard = "Throw it away"
    static let leaveStay = "Go back to the report"
    static let discardConfirm = "Are you sure? Everything typed in this report will be deleted."
    static let discardYes = "Yes, throw it away"
    static let discardNo = "No, keep it"

    // Saved
    static let savedTitle = "Report saved"
    static func savedBody(_ number: String) -> String { "Thank you. The report is saved as case \(number)." }
    static let savedUrgent = "This case is marked URGENT. Act today."
    static let savedOpen = "Open the case"
    static let savedHome = "Go to the home screen"

    // Case list
    static let casesTitle = "Cases"
    static let moreBelow = "↓ more below"
    static func casesCount(_ n: Int) -> String { n == 1 ? "1 case" : "\(n) cases" }
    static let colCase = "Case"
    static let colChild = "Child"
    static let colAge = "Age"
    static let colVillage = "Village"
    static let colConcern = "Concern"
    static let colRisk = "Risk"
    static let colStatus = "Status"
    static let colLast = "Last"
    static let noCases = "No cases yet. Press n on the home screen to record a report."
    static let unnamed = "(no name)"
    static let urgentWord = "URGENT"
    static let notAssessed = "—"
    static func risk(_ r: RiskLevel) -> String { r.rawValue }
    static func status(_ s: CaseStatus) -> String { s.rawValue }
    /// Status in at most 7 columns, for the case list at 80 columns.
    static func statusShort(_ s: CaseStatus) -> String {
        switch s {
        case .open: return "open"
        case .closed: return "closed"
        case .transferred: return "transf."
        case .duplicate: return "dupl."
        }
    }

    // Case detail
    static let caseTitle = "Case"
    static let timeline = "Timeline"
    static func ageYears(_ n: Int) -> String { n == 0 ? "0 years (under 1)" : n == 1 ? "1 year" : "\(n) years" }
    static let ageUnknown = "age not known"
    static func eventKind(_ k: EventKind) -> String {
        switch k {
        case .reportReceived: return "Report"
        case .consentRecorded: return "Consent"
        case .urgentFlagged: return "Urgent"
        case .note: return "Note"
        case .assessment: return "Assess"
        case .casePlan: return "Plan"
        case .referralSent: return "Referral"
        case .referralUpdated: return "Referral"
        case .followUp: return "Follow-up"
        case .closed: return "Closed"
        case .reopened: return "Reopened"
        }
    }
    static let caregiverLabel = "Caregiver"
    static let concernsLabel = "Concerns"
    static let statusLabel = "Status"

    // Note
    static let noteTitle = "Add a note"
    static let noteHint = "Write what happened, who you spoke to and what you agreed. F2 or Ctrl-S saves."
    static let noteEmpty = "The note is empty. Please write something, or press Esc to go back."
    static let noteDiscard = "Throw this note away?"
    static let noteSaved = "Note saved."

    // Drafts
    static let draftsTitle = "Unfinished reports"
    static func draftLine(_ d: Draft) -> String {
        let who = d.report.childName.isEmpty ? unnamed : d.report.childName
        return "\(who) — \(stepTitle(d.step))"
    }

    // Help
    static let helpTitle = "Help"
    static let helpDanger = "If a child is in danger right now, call:"
    static let helpText = """
        Kinga helps you record worries about children and follow each case until the child is safe: report, assess the risk, plan, refer to services, follow up, close.

        Home keys: n new report. c cases. d due today. r referrals. s service directory. u continue an unfinished report. l lock the screen. ? help. q quit.

        In lists: arrow keys move, PgUp and PgDn move a page, Home and End go to the top or bottom, Enter opens, Esc goes back.

        In a report or form: Tab or Enter moves to the next question, Shift-Tab goes back one question, PgDn or F2 goes on, PgUp goes to the previous step, Esc asks before anything is thrown away.

        On a case: s assess the risk. p case plan. f refer to a service. u follow-up. a note. x close. o reopen a closed case. t show one kind of entry. Enter reads an entry.

        Referrals need the child's and the caregiver's agreement. Without it, only a supervisor may go ahead, and must say why. Some concerns, for example sexual violence, must reach formal services by law: Kinga will not close those cases on mediation alone.
        """

    static let errorTitle = "Something went wrong"
    static func saveFailed(_ reason: String) -> String { "Kinga could not save. Nothing you typed is lost. \(reason)" }
    static let pressAnyKey = "Press Enter to go on."

    static let monthsShort = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// A short date like "2 Mar 2026" in the kiosk's time zone.
    static func date(_ d: Date, _ tz: TimeZone) -> String {
        let w = LocalDate.wallClock(d, in: tz)
        return "\(w.date.day) \(monthsShort[w.date.month - 1]) \(w.date.year)"
    }

    /// A calendar date like "14 Feb 2026" (date-only values never move with time zones).
    static func day(_ d: LocalDate) -> String { "\(d.day) \(monthsShort[d.month - 1]) \(d.year)" }

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
        case 0: return "today"
        case 1: return "1 day"
        case 2...13: return "\(days) days"
        default: return "\(day.day) \(monthsShort[day.month - 1])" + (day.year == today.year ? "" : " \(day.year % 100)")
        }
    }
}

/// Words for the case-management cycle (issue #3).
extension S {
    static let formDiscard = "Leave without saving? What you typed here will be lost."
    static let yesNo = ["Yes", "No"]

    static func stage(_ s: WorkflowStage) -> String {
        switch s {
        case .new: return "new: assess the risk next"
        case .assessment: return "assessed: make a case plan next"
        case .casePlan: return "case plan: refer to services next"
        case .serviceProvision: return "services under way"
        case .servicesImplemented: return "services done: follow up, then close"
        case .closed: return "closed"
        case .reopened: return "reopened: assess again"
        }
    }

    static func service(_ t: ServiceType) -> String {
        switch t {
        case .health: return "Health / medical"
        case .psychosocial: return "Psychosocial support"
        case .police: return "Police (child desk)"
        case .legal: return "Legal aid"
        case .shelter: return "Safe shelter"
        case .familyMediation: return "Family mediation"
        case .familyReunification: return "Family tracing and reunification"
        case .education: return "Education / school"
        case .livelihoods: return "Livelihoods"
        case .birthRegistration: return "Birth registration"
        case .food: return "Food"
        case .socialWelfare: return "Social welfare (child protection)"
        case .other: return "Other"
        }
    }

    static func referralStatus(_ s: ReferralStatus) -> String {
        switch s {
        case .pending: return "waiting for reply"
        case .accepted: return "accepted"
        case .declined: return "declined"
        case .completed: return "completed"
        case .withdrawn: return "withdrawn"
        }
    }

    static func closureReason(_ r: ClosureReason) -> String {
        switch r {
        case .goalsMet: return "Plan goals met and the child is safe"
        case .noLongerWanted: return "Child or family no longer want support (child is safe)"
        case .turned18: return "The child turned 18"
        case .transferred: return "Transferred to another agency"
        case .movedAway: return "Moved away or lost contact"
        case .death: return "Death of the child"
        case .other: return "Other reason"
        }
    }

    static func closureProblem(_ p: ClosureProblem, _ profile: CountryProfile) -> String {
        switch p {
        case .noteMissing: return "Please write a closing note."
        case .goalsAndSafetyNotConfirmed: return "To close because the goals are met, tick both: goals met and child safe."
        case .notSafeToStop: return "Support can only stop at the family's wish when the child is safe."
        case .noPlan: return "There is no case plan yet, so its goals cannot be met. Make a plan (p) or choose another reason."
        case .referralsOpen(let n): return "\(n) referral(s) still open. Finish them, or tick that the note explains them."
        case .formalReferralRequired(let c):
            return "The law says \(c.map(profile.concernLabel).joined(separator: ", ")) must reach formal services (police, social welfare, health or legal aid). Refer the case before closing; mediation alone is not enough."
        }
    }

    static func riskReason(_ r: RiskReason) -> String {
        switch r {
        case .immediateDanger: return "the child is in danger now"
        case .severeHarm: return "the harm is severe"
        case .harmerHasAccessNoSafeAdult: return "the person who hurt the child can still reach them and no safe adult protects them"
        case .harmerHasAccess: return "the person who hurt the child can still reach them"
        case .noSafeAdult: return "no safe adult protects the child"
        case .moderateHarm: return "the harm is moderate"
        case .happensOften: return "it happens often"
        case .none: return "no serious danger signs"
        }
    }

    static func dueKind(_ k: DueItem.Kind) -> String {
        switch k {
        case .firstActionOverdue: return "No action yet"
        case .followUpDue: return "Follow-up due"
        case .referralStale: return "No reply to referral"
        case .referralWaiting: return "Referral waiting"
        case .reviewDue: return "Review the case"
        case .returnedForCorrection: return "Returned by your supervisor"
        }
    }

    static func cycleError(_ e: Error) -> String {
        if let c = e as? CycleError { return c.description }
        return saveFailed("\(e)")
    }
}

extension S {
    static let save = "Save"
    static let savedStep = "Saved. It is on the timeline."
    static let assessTitle = "Risk assessment"
    static let assessIntro = "Answer what you know from talking with the child and the family. Kinga suggests a risk level; you decide."
    static let assessSubmit = "See the suggestion"
    static let planTitle = "Case plan"
    static let planIntro = "Agree with the child and the caregiver what must happen, who does it and by when."
    static let referTitle = "Referral"
    static let referIntro = "A referral asks a service to help the child. Choose the kind of help first."
    static let sendReferral = "Send referral"
    static let noProviders = "No service provider of this kind is in the directory for that area. Leave the area empty, or add the provider in the Service directory (s on the home screen)."
    static let overrideHint = "Consent to share was not recorded. Only a supervisor may decide to go ahead without it; the reason is recorded with your name."
    static let consentMissing = "The child's assent and the caregiver's consent are not recorded. Ask them and record it on the case (k), or a supervisor must agree and say why."
    static let referralSent = "Referral sent. It is on the timeline and in Referrals (r)."
    static func urgentHealthBanner(app: App?) -> String {
        "URGENT: after sexual violence, medical care (to prevent HIV and pregnancy) works only within 72 hours. Refer to a health service today."
    }
    static let followTitle = "Follow-up"
    static let followIntro = "Write what you saw and heard on the visit or call, and whether the child is safe."
    static let dateInPast = "This date is before today. Please choose today or a later day."
    static let closeTitle = "Close the case"
    static let closeIntro = "Close a case only when the child is safe or the reason below applies. A closed case can be reopened."
    static let closeSubmit = "Close the case"
    static let caseClosed = "The case is closed."
    static let reopenTitle = "Reopen the case"
    static let reopenIntro = "A closed case opens again only with a reason. It will need a new assessment."
    static let reopenSubmit = "Reopen"
    static let caseReopened = "The case is open again."
    static let directoryTitle = "Service directory"
    static let providerIntro = "Services children can be referred to: health, police, social welfare, school and others."
    static func directoryHeader(_ n: Int, retired: Int) -> String {
        "\(n) service provider\(n == 1 ? "" : "s")" + (retired > 0 ? " · \(retired) retired (kept for old referrals)" : "")
    }
    static let retiredMark = "(retired) "
    static let providerSaved = "Saved in the service directory."
    static func providerRetired(_ n: String) -> String { "\(n) is retired: it is no longer offered for new referrals. Press x again to restore it." }
    static func providerRestored(_ n: String) -> String { "\(n) is offered for referrals again." }
    static let noProvidersYet = "No service providers yet. Press n to add one."
    static let dueTitle = "Due today"
    static func dueHeader(_ n: Int, drafts: Int) -> String {
        (n == 0 ? "Nothing is late." : "\(n) thing\(n == 1 ? "" : "s") to do") + (drafts > 0 ? " · \(drafts) unfinished report\(drafts == 1 ? "" : "s") (u on the home screen)" : "")
    }
    static let dueNothing = "Nothing is overdue and no referral is waiting. Well done."
    static let referralsTitle = "Referrals"
    static func referralsHeader(_ n: Int, filter: String?) -> String { "\(n) referral\(n == 1 ? "" : "s")" + (filter.map { " · only: \($0)" } ?? " · all") + " · Tab changes the filter" }
    static let noReferrals = "No referrals here yet. Open a case and press f to refer the child to a service."
    static let kUpdate = "Record answer"
    static let kFilter = "Filter"
    static let kOpenCase = "Open case"
    static let kEdit = "Edit"
    static func approveQuestion(_ n: String, _ child: String) -> String { "Approve closing case \(n) (\(child.isEmpty ? unnamed : child))? It is a high-risk case." }
    static let approveYes = "Yes, approve and close it"
    static let approveNo = "No, go back"
    static let narrativeHidden = "Case narratives are for the people working on the case. Your role does not show them."
    static let hiddenSummary = "(hidden for your role)"
    static let notAllowed = "Your role does not allow this. Ask your supervisor."
    static let needsSupervisor = "Consent is missing. Only a supervisor can send this referral, and must say why."
    static let duplicatesIntro = "These cases may be about the same child (similar name, same village or age). Is it one of them?"
    static let duplicateNone = "No, this is a different child: keep the new case"
    static let duplicateSame = "Same child as"
    static func duplicateLinked(_ n: String) -> String { "The report was added to case \(n)." }
    static let kSlip = "Slip"
    static let slipTitle = "Referral slip"
    static func slipSaved(_ path: String) -> String { "Saved for printing as \(path). Keep it safe: it names a child." }
    static let kAdd = "Add"
    static let kRetire = "Retire/restore"
    static let menuDue = "Due today"
    static let menuReferrals = "Referrals"
    static let menuDirectory = "Service directory"
    static func days(_ n: Int) -> String { n == 1 ? "1 day" : "\(n) days" }
    static func dueCount(_ n: Int) -> String { n == 1 ? "1 thing due today" : "\(n) things due today" }
    static let actionsLine = "s Assess · p Plan · f Refer · u Follow-up · k Consent · a Note · x Close"
    static let consentTitle = "Consent"
    static let consentIntro = "Record what the child and the caregiver said when you asked them. Referrals need their agreement, or a reason to go ahead."
    static let reassignTitle = "Give the case to someone"
    static let reassignIntro = "Choose who will work on this case from now on. It will be on the timeline."
    static let actionsLineClosed = "o Reopen · a Note"
    static let stageLabel = "Stage"
    static let nextFollowUpLabel = "Next follow-up"
    static func filterLabel(_ k: EventKind?) -> String { k.map { "Showing only: \(eventKind($0))" } ?? "Showing all entries" }
}
