import Foundation
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
    static let kTick = "Tick/untick"
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
        case .childName: return "If you do not know the name, leave it empty."
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
        case .ageNotANumber: return "Please write the age as a number, like 7."
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
    static let helpText = """
        Kinga helps you record and follow up worries about children.

        Keys on the home screen:
          n   New report about a child
          c   Cases: all cases, newest first
          u   Continue an unfinished report
          ?   This help
          q   Quit

        In lists: ↑ ↓ move, PgUp PgDn move a page, Home End go to the top or bottom, Enter opens, Esc goes back.
        In a report: Tab or Enter moves to the next question, Shift-Tab goes back one question,
        PgUp goes to the previous step, Esc asks whether to keep the report as a draft.
        A case: a adds a note to the timeline; Enter shows a timeline entry in full.

        If a child is in danger right now, call the emergency or helpline numbers shown in the report steps.
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
