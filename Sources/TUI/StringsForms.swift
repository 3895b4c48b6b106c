import Foundation
import I18n
import Storage
import Model

extension S {
    static var save: String { tr("save") }
    static var savedStep: String { tr("savedStep") }
    static var assessTitle: String { tr("assessTitle") }
    static var assessIntro: String { tr("assessIntro") }
    static var assessSubmit: String { tr("assessSubmit") }
    static var planTitle: String { tr("planTitle") }
    static var planIntro: String { tr("planIntro") }
    static var referTitle: String { tr("referTitle") }
    static var referIntro: String { tr("referIntro") }
    static var sendReferral: String { tr("sendReferral") }
    static var noProviders: String { tr("noProviders") }
    static var overrideHint: String { tr("overrideHint") }
    static var consentMissing: String { tr("consentMissing") }
    static var referralSent: String { tr("referralSent") }
    static func urgentHealthBanner(app: App?) -> String {
        tr("urgentHealthBanner")
    }
    static var followTitle: String { tr("followTitle") }
    static var followIntro: String { tr("followIntro") }
    static var dateInPast: String { tr("dateInPast") }
    static var closeTitle: String { tr("closeTitle") }
    static var closeIntro: String { tr("closeIntro") }
    static var closeSubmit: String { tr("closeSubmit") }
    static var caseClosed: String { tr("caseClosed") }
    static var reopenTitle: String { tr("reopenTitle") }
    static var reopenIntro: String { tr("reopenIntro") }
    static var reopenSubmit: String { tr("reopenSubmit") }
    static var caseReopened: String { tr("caseReopened") }
    static var directoryTitle: String { tr("directoryTitle") }
    static var providerIntro: String { tr("providerIntro") }
    static func directoryHeader(_ n: Int, retired: Int) -> String {
        trn("directoryHeader", n) + (retired > 0 ? " · " + trn("directoryRetired", retired) : "")
    }
    static var retiredMark: String { tr("retiredMark") }
    static var providerSaved: String { tr("providerSaved") }
    static func providerRetired(_ n: String) -> String { tr("providerRetired", ["n": n]) }
    static func providerRestored(_ n: String) -> String { tr("providerRestored", ["n": n]) }
    static var noProvidersYet: String { tr("noProvidersYet") }
    static var dueTitle: String { tr("dueTitle") }
    static func dueHeader(_ n: Int, drafts: Int) -> String {
        (n == 0 ? tr("dueNothingLate") : trn("dueThings", n)) + (drafts > 0 ? " · " + trn("dueDrafts", drafts) : "")
    }
    static var dueNothing: String { tr("dueNothing") }
    static var referralsTitle: String { tr("referralsTitle") }
    static func referralsHeader(_ n: Int, filter: String?) -> String {
        trn("referralsCount", n) + " · " + (filter.map { tr("referralsOnly", ["filter": $0]) } ?? tr("referralsAll")) + " · " + tr("referralsTab")
    }
    static var noReferrals: String { tr("noReferrals") }
    static var kUpdate: String { tr("kUpdate") }
    static var kFilter: String { tr("kFilter") }
    static var kOpenCase: String { tr("kOpenCase") }
    static var kEdit: String { tr("kEdit") }
    static func approveQuestion(_ n: String, _ child: String) -> String { tr("approveQuestion", ["n": n, "child": child.isEmpty ? unnamed : child]) }
    static var approveYes: String { tr("approveYes") }
    static var approveNo: String { tr("approveNo") }
    static var narrativeHidden: String { tr("narrativeHidden") }
    static var hiddenSummary: String { tr("hiddenSummary") }
    static var notAllowed: String { tr("notAllowed") }
    static var needsSupervisor: String { tr("needsSupervisor") }
    static var duplicatesIntro: String { tr("duplicatesIntro") }
    static var duplicateNone: String { tr("duplicateNone") }
    static var duplicateSame: String { tr("duplicateSame") }
    static func duplicateLinked(_ n: String) -> String { tr("duplicateLinked", ["n": n]) }
    static var kSlip: String { tr("kSlip") }
    static var slipTitle: String { tr("print.slipTitle") }
    static func printSaved(_ text: String, _ pdf: String) -> String { tr("printSaved", ["text": text, "pdf": pdf]) }
    static func printSavedTextOnly(_ text: String, _ why: String) -> String { tr("printSavedTextOnly", ["text": text, "why": why]) }
    static var summaryTitle: String { tr("print.summaryTitle") }
    static var kSummary: String { tr("kSummary") }
    static var kAdd: String { tr("kAdd") }
    static var kRetire: String { tr("kRetire") }
    static var menuDue: String { tr("menuDue") }
    static var menuReferrals: String { tr("menuReferrals") }
    static var menuDirectory: String { tr("menuDirectory") }
    static func days(_ n: Int) -> String { trn("days", n) }
    static func dueCount(_ n: Int) -> String { trn("dueCount", n) }
    static var actionsLine: String { tr("actionsLine") }
    static var consentTitle: String { tr("consentTitle") }
    static var consentIntro: String { tr("consentIntro") }
    static var reassignTitle: String { tr("reassignTitle") }
    static var reassignIntro: String { tr("reassignIntro") }
    static var actionsLineClosed: String { tr("actionsLineClosed") }
    static var stageLabel: String { tr("stageLabel") }
    static var nextFollowUpLabel: String { tr("nextFollowUpLabel") }
    static func filterLabel(_ k: EventKind?) -> String { k.map { tr("filterOnly", ["kind": eventKind($0)]) } ?? tr("filterAll") }

    // Trainer mode (issue #8)
    static var menuPractice: String { tr("menuPractice") }
    static var practiceTitle: String { tr("practiceTitle") }
    static var practiceIntro: String { tr("practiceIntro") }
    static func practiceNone(_ folder: String) -> String { tr("practiceNone", ["folder": folder]) }
    static func practiceBroken(_ problem: String) -> String { tr("practiceBroken", ["problem": problem]) }
    static func practiceMoreProblems(_ n: Int) -> String { trn("practiceMoreProblems", n) }
    static func practiceMinutes(_ n: Int) -> String { tr("practiceMinutes", ["n": n]) }
    static var practiceActive: String { tr("practiceActive") }
    static var practiceSituation: String { tr("practiceSituation") }
    static var practiceNotStarted: String { tr("practiceNotStarted") }
    static var practiceAllDone: String { tr("practiceAllDone") }
    static func practiceStepHeading(_ k: Int, _ title: String) -> String { tr("practiceStepHeading", ["k": k, "title": title]) }
    static func practiceMoreHints(_ n: Int) -> String { trn("practiceMoreHints", n) }
    static var practiceNoMoreHints: String { tr("practiceNoMoreHints") }
    static var practiceKingaTicks: String { tr("practiceKingaTicks") }
    static func practiceYourCase(_ number: String) -> String { tr("practiceYourCase", ["number": number]) }
    static var practiceNoCase: String { tr("practiceNoCase") }
    static func practiceMistake(_ service: String) -> String { tr("practiceMistake", ["service": service]) }
    static var practiceGood: String { tr("practiceGood") }
    static var practiceStopped: String { tr("practiceStopped") }
    static func practiceBanner(_ k: Int, _ n: Int, _ step: String) -> String { tr("practiceBanner", ["k": k, "n": n, "step": step]) }
    static var practiceBannerDone: String { tr("practiceBannerDone") }
    static func practiceReplace(_ other: String) -> String { tr("practiceReplace", ["other": other]) }
    static var practiceKeysLine: String { tr("practiceKeysLine") }
    static func practiceDidConcerns(_ s: String) -> String { tr("practiceDidConcerns", ["what": s]) }
    static func practiceDidRisk(_ s: String) -> String { tr("practiceDidRisk", ["what": s]) }
    static func practiceDidReferrals(_ s: String) -> String { tr("practiceDidReferrals", ["what": s]) }
    static func practiceDidPlan(_ s: String) -> String { tr("practiceDidPlan", ["what": s]) }
    static func practiceDidFollowUps(_ n: Int) -> String { trn("practiceDidFollowUps", n) }
    static var demoShort: String { tr("demoShort") }
    static var demoResetDone: String { tr("demoResetDone") }
    static var demoResetTrainerOnly: String { tr("demoResetTrainerOnly") }
    static func demoResetFailed(_ why: String) -> String { tr("demoResetFailed", ["why": why]) }
    static var stepDone: String { tr("stepDone") }
    static var stepDifferent: String { tr("stepDifferent") }
    static var stepTalk: String { tr("stepTalk") }
    static var practiceSpaceTicks: String { tr("practiceSpaceTicks") }
    static var stepTalked: String { tr("stepTalked") }
    static var stepNotYet: String { tr("stepNotYet") }
    static var kResetDemo: String { tr("kResetDemo") }
    static var kStart: String { tr("kStart") }
    static var kMore: String { tr("kMore") }
    static var kGood: String { tr("kGood") }
    static var kHint: String { tr("kHint") }
    static var kSituation: String { tr("kSituation") }
    static var kPractise: String { tr("kPractise") }
    static var kStop: String { tr("kStop") }
}
