import Foundation
import I18n
import Storage
import Model

/// Words for the case-management cycle (issue #3).
extension S {
    static var formDiscard: String { tr("formDiscard") }
    static var yesNo: [String] { [tr("yes"), tr("no")] }

    static func stage(_ s: WorkflowStage) -> String {
        switch s {
        case .new: return tr("stage.new")
        case .assessment: return tr("stage.assessment")
        case .casePlan: return tr("stage.casePlan")
        case .serviceProvision: return tr("stage.serviceProvision")
        case .servicesImplemented: return tr("stage.servicesImplemented")
        case .closed: return tr("stage.closed")
        case .reopened: return tr("stage.reopened")
        }
    }

    static func service(_ t: ServiceType) -> String {
        switch t {
        case .health: return tr("service.health")
        case .psychosocial: return tr("service.psychosocial")
        case .police: return tr("service.police")
        case .legal: return tr("service.legal")
        case .shelter: return tr("service.shelter")
        case .familyMediation: return tr("service.familyMediation")
        case .familyReunification: return tr("service.familyReunification")
        case .education: return tr("service.education")
        case .livelihoods: return tr("service.livelihoods")
        case .birthRegistration: return tr("service.birthRegistration")
        case .food: return tr("service.food")
        case .socialWelfare: return tr("service.socialWelfare")
        case .other: return tr("service.other")
        }
    }

    static func referralStatus(_ s: ReferralStatus) -> String {
        switch s {
        case .pending: return tr("referralStatus.pending")
        case .accepted: return tr("referralStatus.accepted")
        case .declined: return tr("referralStatus.declined")
        case .completed: return tr("referralStatus.completed")
        case .withdrawn: return tr("referralStatus.withdrawn")
        }
    }

    static func closureReason(_ r: ClosureReason) -> String {
        switch r {
        case .goalsMet: return tr("closureReason.goalsMet")
        case .noLongerWanted: return tr("closureReason.noLongerWanted")
        case .turned18: return tr("closureReason.turned18")
        case .transferred: return tr("closureReason.transferred")
        case .movedAway: return tr("closureReason.movedAway")
        case .death: return tr("closureReason.death")
        case .other: return tr("closureReason.other")
        }
    }

    static func closureProblem(_ p: ClosureProblem, _ profile: CountryProfile) -> String {
        switch p {
        case .noteMissing: return tr("closureProblem.noteMissing")
        case .goalsAndSafetyNotConfirmed: return tr("closureProblem.goalsAndSafetyNotConfirmed")
        case .notSafeToStop: return tr("closureProblem.notSafeToStop")
        case .noPlan: return tr("closureProblem.noPlan")
        case .noAssessment: return tr("closureProblem.noAssessment")
        case .safetyNotConfirmed: return tr("closureProblem.safetyNotConfirmed")
        case .referralsOpen(let n): return tr("closureProblem.referralsOpen", ["n": n])
        case .formalReferralRequired(let c):
            return tr("closureProblem.formalReferralRequired", ["concerns": c.map { S.concern($0, profile) }.joined(separator: ", ")])
        case .transferDestinationMissing: return tr("closureProblem.transferDestinationMissing")
        case .transferNotFormal(let c):
            return tr("closureProblem.transferNotFormal", ["concerns": c.map { S.concern($0, profile) }.joined(separator: ", ")])
        }
    }

    static func riskReason(_ r: RiskReason) -> String {
        switch r {
        case .immediateDanger: return tr("riskReason.immediateDanger")
        case .severeHarm: return tr("riskReason.severeHarm")
        case .harmerHasAccessNoSafeAdult: return tr("riskReason.harmerHasAccessNoSafeAdult")
        case .harmerHasAccess: return tr("riskReason.harmerHasAccess")
        case .noSafeAdult: return tr("riskReason.noSafeAdult")
        case .moderateHarm: return tr("riskReason.moderateHarm")
        case .happensOften: return tr("riskReason.happensOften")
        case .none: return tr("riskReason.none")
        }
    }

    static func dueKind(_ k: DueItem.Kind) -> String {
        switch k {
        case .firstActionOverdue: return tr("dueKind.firstActionOverdue")
        case .followUpDue: return tr("dueKind.followUpDue")
        case .referralStale: return tr("dueKind.referralStale")
        case .referralWaiting: return tr("dueKind.referralWaiting")
        case .reviewDue: return tr("dueKind.reviewDue")
        case .returnedForCorrection: return tr("dueKind.returnedForCorrection")
        case .waitingForFocalPoint: return tr("dueKind.waitingForFocalPoint")
        }
    }

    /// What went wrong, in the user's language: the typed errors of Storage have a catalogue entry each;
    /// anything else is a save failure with its technical reason.
    static func cycleError(_ e: Error) -> String {
        switch e {
        case let c as CycleError:
            switch c {
            case .consentMissing: return tr("error.consentMissing")
            case .invalidTransition: return tr("error.invalidTransition")
            case .declineReasonMissing: return tr("error.declineReasonMissing")
            case .assessmentReasonMissing: return tr("error.assessmentReasonMissing")
            case .caseClosed: return tr("error.caseClosed")
            case .caseNotClosed: return tr("error.caseNotClosed")
            case .cannotClose: return tr("error.cannotClose")
            case .required: return tr("error.required")
            case .providerUnavailable: return tr("error.providerUnavailable")
            }
        case let u as UserError:
            switch u {
            case .nameRequired: return tr("error.nameRequired")
            case .nameTaken: return tr("error.nameTaken")
            case .weakPIN(.tooShort): return tr("error.pinTooShort")
            case .weakPIN(.allSameDigit): return tr("error.pinSameDigit")
            case .weakPIN(.sequence): return tr("error.pinSequence")
            case .weakPIN(.passphraseRequired(let n)): return tr("error.pinPassphraseRequired", ["n": n])
            case .weakPIN(.tooFewDigits(let n)): return tr("error.pinTooFewDigits", ["n": n])
            case .notAllowed: return tr("error.notAllowed")
            case .administratorOfAnotherKiosk: return tr("error.administratorOfAnotherKiosk")
            }
        case let s as StoreError:
            switch s {
            case .accessDenied: return tr("error.accessDenied")
            case .changedElsewhere: return tr("error.changedElsewhere")
            case .notFound: return tr("error.notFound")
            case .invalidReport: return tr("error.invalidReport")
            case .cannotOpen, .backupDamaged, .damaged: return saveFailed(s.description)
            case .draftSavedAsCase(let n): return tr("error.draftSavedAsCase", ["number": n.description])
            case .draftContinuedElsewhere: return tr("error.draftContinuedElsewhere")
            }
        default:
            if let p = KingaStore.problem(in: e) { return tr("error.db.\(p.rawValue)") }
            return saveFailed("\(e)")
        }
    }
}
