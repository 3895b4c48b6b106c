import Foundation
import I18n
import Model
import Storage

/// The forms of the case-management cycle, built on `FormScreen`. Every rule is checked again by Storage/Model.
enum CycleForms {
    // MARK: Assessment

    /// The plain-language risk guide, then the suggestion with its reasons and the level chosen.
    static func assessment(caseID: UUID) -> FormScreen {
        let severities = [tr("severity.mild"), tr("severity.moderate"), tr("severity.severe")]
        let frequencies = [tr("frequency.once"), tr("frequency.sometimes"), tr("frequency.often")]
        return FormScreen(title: S.assessTitle, intro: S.assessIntro, submitLabel: S.assessSubmit, helpKey: "help.assessment", fields: [
            FormField("danger", tr("form.assessment.danger"), hint: tr("form.assessment.danger.hint"), .choice(S.yesNo)),
            FormField("access", tr("form.assessment.access"), .choice(S.yesNo + [tr("notKnown")])),
            FormField("severity", tr("form.assessment.severity"), .choice(severities)),
            FormField("frequency", tr("form.assessment.frequency"), .choice(frequencies)),
            FormField("safeAdult", tr("form.assessment.safeAdult"), .choice(S.yesNo)),
            FormField("views", tr("form.assessment.views"), .area(rows: 3)),
        ]) { f, app in
            guard f.require(["danger", "access", "severity", "frequency", "safeAdult"]) else { return .none }
            let answers = RiskAnswers(immediateDanger: f.yes("danger")!, harmerHasAccess: f.choice("access") != 1,
                                      severity: Severity.allCases[f.choice("severity")!], frequency: Frequency.allCases[f.choice("frequency")!],
                                      safeAdult: f.yes("safeAdult")!, childViews: f.text("views"))
            return .push(riskDecision(caseID: caseID, answers: answers))
        }
    }

    static func riskDecision(caseID: UUID, answers: RiskAnswers) -> FormScreen {
        let s = RiskGuide.suggest(answers)
        let levels = RiskLevel.allCases
        let intro = tr("riskSuggestion", ["level": S.risk(s.level).uppercased(), "reasons": s.reasons.map(S.riskReason).joined(separator: "; ")])
        let form = FormScreen(title: S.assessTitle, intro: intro, submitLabel: S.save, helpKey: "help.riskDecision", fields: [
            FormField("level", tr("form.riskDecision.level"), .choice(levels.map { S.riskCapitalized($0) })),
            FormField("why", tr("form.riskDecision.why"), .area(rows: 3)),
        ]) { f, app in
            guard f.require(["level"]) else { return .none }
            let a = Assessment(answers: answers, chosen: levels[f.choice("level")!], whyDifferent: f.text("why"))
            if a.missingReason { f.errors["why"] = S.issue(.required); return .none }
            do {
                try app.store.recordAssessment(caseID: caseID, a)
                app.flash = (S.savedStep, .success)
                return .popMany(2)
            } catch { app.flash = (S.cycleError(error), .danger); return .none }
        }
        form.setChoice("level", levels.firstIndex(of: s.level))
        return form
    }

    // MARK: Case plan

    static func casePlan(caseID: UUID, existing: CasePlan?) -> FormScreen {
        var fields: [FormField] = []
        for i in 1...3 {
            fields.append(FormField("what\(i)", tr(i > 1 ? "form.casePlan.whatOptional" : "form.casePlan.what", ["i": i]), .line(limit: TextLimits.line)))
            fields.append(FormField("who\(i)", tr("form.casePlan.who"), .line(limit: TextLimits.line)))
            fields.append(FormField("by\(i)", tr("form.casePlan.by"), hint: i == 1 ? tr("form.casePlan.by.hint") : nil, .line(limit: 12)))
        }
        fields.append(FormField("child", tr("form.casePlan.child"), .area(rows: 2)))
        fields.append(FormField("caregiver", tr("form.casePlan.caregiver"), .area(rows: 2)))
        let form = FormScreen(title: S.planTitle, intro: S.planIntro, submitLabel: S.save, helpKey: "help.casePlan", fields: fields) { f, app in
            var goals: [PlanGoal] = []
            for i in 1...3 {
                let what = f.text("what\(i)")
                let byText = f.text("by\(i)")
                var by: LocalDate?
                if !byText.isEmpty {
                    do { by = try LocalDate.parse(byText) } catch { f.errors["by\(i)"] = S.issue(ValidationIssue(dateError: error)) }
                }
                if what.isEmpty && (!f.text("who\(i)").isEmpty || !byText.isEmpty) { f.errors["what\(i)"] = S.issue(.required) }
                if !what.isEmpty { goals.append(PlanGoal(what: what, who: f.text("who\(i)"), by: by)) }
            }
            if goals.isEmpty { f.errors["what1"] = S.issue(.required) }
            guard f.errors.isEmpty else { return .none }
            do {
                try app.store.saveCasePlan(caseID: caseID, CasePlan(goals: goals, childViews: f.text("child"), caregiverViews: f.text("caregiver")))
                app.flash = (S.savedStep, .success)
                return .pop
            } catch { app.flash = (S.cycleError(error), .danger); return .none }
        }
        if let p = existing {
            for (i, g) in p.goals.prefix(3).enumerated() {
                form.setText("what\(i + 1)", g.what)
                form.setText("who\(i + 1)", g.who)
                form.setText("by\(i + 1)", g.by?.iso ?? "")
            }
            form.setText("child", p.childViews)
            form.setText("caregiver", p.caregiverViews)
        }
        return form
    }

    // MARK: Referral

    /// Step 1: which kind of service (and where). Step 2 picks the provider.
    static func referral(record: CaseRecord, suggestHealth: Bool) -> FormScreen {
        let types = ServiceType.allCases
        let form = FormScreen(title: S.referTitle, intro: S.referIntro, submitLabel: S.kNext, helpKey: "help.referral", fields: [
            FormField("service", tr("form.referral.service"), .choice(types.map(S.service))),
            FormField("area", tr("form.referral.area"), hint: tr("form.referral.area.hint"), .line(limit: TextLimits.line)),
        ]) { f, app in
            guard f.require(["service"]) else { return .none }
            let service = types[f.choice("service")!]
            let providers = (try? app.store.providers(service: service, area: f.text("area"))) ?? []
            if providers.isEmpty {
                f.errors["service"] = S.noProviders
                return .none
            }
            return .push(referralProvider(record: record, service: service, providers: providers, urgent: suggestHealth && service == .health, app: app))
        }
        if suggestHealth {
            form.setChoice("service", types.firstIndex(of: .health))
            form.banner = (S.urgentHealthBanner(app: nil), .danger)
        }
        return form
    }

    /// Step 2 of a referral: the provider, the reason, urgency; the consent override when consent is missing, and
    /// for family mediation after a concern the profile sends to formal services, a warning and a second "yes"
    /// (`ReferralRules.mediationWarning`).
    static func referralProvider(record: CaseRecord, service: ServiceType, providers: [ServiceProvider], urgent: Bool, app: App) -> FormScreen {
        let consent = ConsentCheck.of(record.report)
        var fields = [
            FormField("provider", tr("form.referralProvider.provider"), .choice(providers.map { "\($0.name) · \($0.area) · \($0.contact)" })),
            FormField("reason", tr("form.referralProvider.reason"), .area(rows: 3)),
            FormField("urgent", tr("form.referralProvider.urgent"), .choice(S.yesNo)),
        ]
        if consent == .missing {
            fields.append(FormField("override", tr("form.referralProvider.override"),
                                    hint: S.overrideHint, .area(rows: 3)))
        }
        // Family mediation for a concern the law sends to formal services: said before it is sent, and asked again.
        let mediation = ReferralRules.mediationWarning(service: service, concerns: record.report.concerns, rules: app.profile.rules)
        if !mediation.isEmpty {
            fields.append(FormField("mediationSure", tr("form.referralProvider.mediationSure"),
                                    .choice([tr("mediationSure.yes"), tr("mediationSure.no")])))
        }
        let form = FormScreen(title: S.referTitle, intro: S.service(service), submitLabel: S.sendReferral, helpKey: "help.referralProvider", fields: fields) { f, app in
            guard f.require(["provider", "reason", "urgent"] + (mediation.isEmpty ? [] : ["mediationSure"])) else { return .none }
            if !mediation.isEmpty && f.choice("mediationSure") != 0 { return .pop }
            var override: String?
            if consent == .missing {
                guard let me = app.session, me.can(.overrideConsent, demo: app.store.isDemo) else {
                    app.flash = (S.needsSupervisor, .danger)
                    return .none
                }
                guard f.require(["override"]) else {
                    app.flash = (S.consentMissing, .danger)
                    return .none
                }
                override = f.text("override")
            }
            do {
                try app.store.sendReferral(caseID: record.id, providerID: providers[f.choice("provider")!].id, service: service,
                                           reason: f.text("reason"), urgent: f.yes("urgent")!, consentOverride: override)
                app.flash = (S.referralSent, .success)
                return .popMany(2)
            } catch { app.flash = (S.cycleError(error), .danger); return .none }
        }
        if !mediation.isEmpty {
            form.banner = (tr("mediationWarning", ["concerns": mediation.map { S.concern($0, app.profile) }.joined(separator: ", ")]), .danger)
        }
        if consent == .missing { form.banner = (S.consentMissing, .danger) }
        if providers.count == 1 { form.setChoice("provider", 0) }
        form.setChoice("urgent", urgent ? 0 : 1)
        return form
    }

    /// Records the provider's answer: the statuses allowed from the current one only.
    static func referralUpdate(_ r: Referral) -> FormScreen {
        let next = r.status.next
        let intro = tr("referralUpdateIntro", ["case": r.caseNumber.description, "child": r.childName.isEmpty ? S.unnamed : r.childName,
                                               "provider": r.providerName, "status": S.referralStatus(r.status), "date": S.day(r.sentOn)])
        return FormScreen(title: S.referTitle, intro: intro, submitLabel: S.save, helpKey: "help.referralUpdate", fields: [
            FormField("status", tr("form.referralUpdate.status"), .choice(next.map { S.referralStatusChoice($0) })),
            FormField("note", tr("form.referralUpdate.note"), .area(rows: 2)),
            FormField("feedback", tr("form.referralUpdate.feedback"), .area(rows: 2)),
        ]) { f, app in
            guard f.require(["status"]) else { return .none }
            let to = next[f.choice("status")!]
            if to == .declined && f.text("note").isEmpty { f.errors["note"] = S.issue(.required); return .none }
            do {
                try app.store.updateReferral(id: r.id, to: to, note: f.text("note"), feedback: f.text("feedback"))
                app.flash = (S.savedStep, .success)
                return .pop
            } catch { app.flash = (S.cycleError(error), .danger); return .none }
        }
    }

    // MARK: Follow-up

    static func followUp(caseID: UUID) -> FormScreen {
        let modes = FollowUpMode.allCases
        return FormScreen(title: S.followTitle, intro: S.followIntro, submitLabel: S.save, helpKey: "help.followUp", fields: [
            FormField("mode", tr("form.followUp.mode"), .choice([tr("followMode.visit"), tr("followMode.call"), tr("followMode.meeting")])),
            FormField("outcome", tr("form.followUp.outcome"), .area(rows: 4)),
            FormField("safe", tr("form.followUp.safe"), .choice(S.yesNo)),
            FormField("next", tr("form.followUp.next"), hint: tr("form.followUp.next.hint"), .line(limit: 12)),
        ]) { f, app in
            guard f.require(["mode", "outcome", "safe"]) else { return .none }
            var next: LocalDate?
            if !f.text("next").isEmpty {
                do {
                    let d = try LocalDate.parse(f.text("next"))
                    if d < app.clock.today { f.errors["next"] = S.dateInPast; return .none }
                    next = d
                } catch { f.errors["next"] = S.issue(ValidationIssue(dateError: error)); return .none }
            }
            do {
                try app.store.recordFollowUp(caseID: caseID, FollowUp(mode: modes[f.choice("mode")!], outcome: f.text("outcome"),
                                                                      childSafe: f.yes("safe")!, next: next),
                                             deadlines: app.profile.deadlines)
                app.flash = (S.savedStep, .success)
                return .pop
            } catch { app.flash = (S.cycleError(error), .danger); return .none }
        }
    }

    // MARK: Closure and reopening

    /// The closure form. `assessed`: a risk assessment is recorded since the case was (re)opened; when not,
    /// the form says so before anything is typed (`ClosureRules`).
    static func close(caseID: UUID, assessed: Bool) -> FormScreen {
        let reasons = ClosureReason.allCases
        let form = FormScreen(title: S.closeTitle, intro: S.closeIntro, submitLabel: S.closeSubmit, helpKey: "help.close", fields: [
            FormField("reason", tr("form.close.reason"), .choice(reasons.map(S.closureReason))),
            FormField("checks", tr("form.close.checks"), .checks([tr("closeCheck.goals"), tr("closeCheck.safe"), tr("closeCheck.referrals")])),
            FormField("note", tr("form.close.note"), .area(rows: 3)),
        ]) { f, app in
            guard f.require(["reason", "note"]) else { return .none }
            let ticks = f.checked("checks")
            let c = Closure(reason: reasons[f.choice("reason")!], goalsMet: ticks.contains(0), childSafe: ticks.contains(1),
                            referralsResolvedOrExplained: ticks.contains(2), note: f.text("note"))
            do {
                guard app.session != nil else { return .none }
                switch try app.store.requestClosure(caseID: caseID, c, rules: app.profile.rules) {
                case .closed: app.flash = (S.caseClosed, .success)
                case .awaitingApproval: app.flash = (S.closureAwaiting, .warning)
                }
                return .pop
            } catch CycleError.cannotClose(let problems) where problems == [.transferDestinationMissing] {
                // Everything else holds: the next step asks where the case went (Storage checks it all again).
                return .push(transfer(caseID: caseID, closure: c, app: app))
            } catch CycleError.cannotClose(let problems) {
                let shown = problems.filter { $0 != .noAssessment && $0 != .transferDestinationMissing }
                f.errors["checks"] = shown.isEmpty ? nil : shown.map { S.closureProblem($0, app.profile) }.joined(separator: " ")
                if problems.contains(.noteMissing) { f.errors["note"] = S.closureProblem(.noteMissing, app.profile) }
                if problems.contains(.noAssessment) { f.errors["reason"] = S.closureProblem(.noAssessment, app.profile) }
                return .none
            } catch { app.flash = (S.cycleError(error), .danger); return .none }
        }
        if !assessed { form.banner = (tr("closeNeedsAssessment"), .warning) }
        return form
    }

    /// The second step of a closure as "transferred": where the case went, a provider of the directory or
    /// another agency written in with its kind of service (issue #15). For a concern the profile sends to formal
    /// services, the form says before anything is chosen that only a formal service will do; `ClosureRules`
    /// refuses anything else.
    static func transfer(caseID: UUID, closure: Closure, app: App) -> FormScreen {
        let providers = (try? app.store.providers()) ?? []
        let types = ServiceType.allCases
        let concerns = ((try? app.store.caseRecord(id: caseID, viewer: app.viewer)) ?? nil)?.report.concerns ?? []
        let lawful = concerns.filter { app.profile.rules.formalReportConcerns.contains($0) }
        let options = providers.map { p in "\(p.name) · \(p.services.map(S.service).joined(separator: ", "))" } + [tr("form.transfer.other")]
        let form = FormScreen(title: S.closeTitle, intro: tr("form.transfer.intro"), submitLabel: S.closeSubmit, helpKey: "help.close", fields: [
            FormField("to", tr("form.transfer.to"), .choice(options)),
            FormField("name", tr("form.transfer.name"), hint: tr("form.transfer.name.hint"), .line(limit: TextLimits.line)),
            FormField("kind", tr("form.transfer.kind"), hint: tr("form.transfer.name.hint"), .choice(types.map(S.service))),
        ]) { f, app in
            guard f.require(["to"]) else { return .none }
            var c = closure
            let chosen = f.choice("to")!
            if chosen < providers.count {
                let p = providers[chosen]
                c.transferredTo = TransferDestination(providerID: p.id, name: p.name, service: p.services.first(where: \.isFormal) ?? p.services.first ?? .other)
            } else {
                guard f.require(["name", "kind"]) else { return .none }
                c.transferredTo = TransferDestination(name: f.text("name"), service: types[f.choice("kind")!])
            }
            do {
                switch try app.store.requestClosure(caseID: caseID, c, rules: app.profile.rules) {
                case .closed: app.flash = (S.caseClosed, .success)
                case .awaitingApproval: app.flash = (S.closureAwaiting, .warning)
                }
                return .popMany(2)
            } catch CycleError.cannotClose(let problems) {
                for p in problems {
                    switch p {
                    case .transferDestinationMissing: f.errors["name"] = S.closureProblem(p, app.profile)
                    case .transferNotFormal: f.errors[chosen < providers.count ? "to" : "kind"] = S.closureProblem(p, app.profile)
                    default: f.errors["to"] = [f.errors["to"], S.closureProblem(p, app.profile)].compactMap { $0 }.joined(separator: " ")
                    }
                }
                return .none
            } catch { app.flash = (S.cycleError(error), .danger); return .none }
        }
        if !lawful.isEmpty {
            form.banner = (tr("transferMustBeFormal", ["concerns": lawful.map { S.concern($0, app.profile) }.joined(separator: ", ")]), .warning)
        }
        return form
    }

    static func reopen(caseID: UUID) -> FormScreen {
        FormScreen(title: S.reopenTitle, intro: S.reopenIntro, submitLabel: S.reopenSubmit, helpKey: "help.reopen", fields: [
            FormField("reason", tr("form.reopen.reason"), .area(rows: 3)),
        ]) { f, app in
            guard f.require(["reason"]) else { return .none }
            do {
                try app.store.reopenCase(caseID: caseID, reason: f.text("reason"))
                app.flash = (S.caseReopened, .success)
                return .pop
            } catch { app.flash = (S.cycleError(error), .danger); return .none }
        }
    }

    // MARK: Consent after intake

    static func consent(caseID: UUID, current: Report) -> FormScreen {
        let answers = Answer.allCases
        let form = FormScreen(title: S.consentTitle, intro: S.consentIntro, submitLabel: S.save, helpKey: "help.consent", fields: [
            FormField("assent", tr("form.consent.assent"), .choice(answers.map(S.answer))),
            FormField("consent", tr("form.consent.consent"), .choice(answers.map(S.answer))),
            FormField("reason", tr("form.consent.reason"), hint: tr("form.consent.reason.hint"), .area(rows: 3)),
        ]) { f, app in
            guard f.require(["assent", "consent"]) else { return .none }
            let a = answers[f.choice("assent")!], c = answers[f.choice("consent")!]
            if (a == .no || c == .no) && f.text("reason").isEmpty { f.errors["reason"] = S.issue(.required); return .none }
            do {
                try app.store.recordConsent(caseID: caseID, childAssent: a, caregiverConsent: c, reason: f.text("reason"))
                app.flash = (S.savedStep, .success)
                return .pop
            } catch { app.flash = (S.cycleError(error), .danger); return .none }
        }
        form.setChoice("assent", answers.firstIndex(of: current.childAssent))
        form.setChoice("consent", answers.firstIndex(of: current.caregiverConsent))
        form.setText("reason", current.reasonWithoutConsent)
        return form
    }

    // MARK: Reassign

    /// Giving a case to someone: `users` are the active people (`KingaStore.people()`); someone from another kiosk
    /// of the district, with no PIN here, is marked so, and the case reaches their kiosk with the next sync.
    static func reassign(caseID: UUID, users: [User]) -> FormScreen {
        FormScreen(title: S.reassignTitle, intro: S.reassignIntro, submitLabel: S.save, helpKey: "help.reassign", fields: [
            FormField("who", tr("form.reassign.who"), .choice(users.map { u in
                "\(u.name) (\(u.roles.map(S.role).sorted().joined(separator: ", ")))" + (u.pinHere ? "" : " · " + tr("users.noPINHere"))
            })),
        ]) { f, app in
            guard f.require(["who"]), app.session != nil else { return .none }
            do {
                try app.store.reassign(caseID: caseID, to: users[f.choice("who")!])
                app.flash = (S.savedStep, .success)
                return .pop
            } catch { app.flash = (S.cycleError(error), .danger); return .none }
        }
    }

    // MARK: Directory

    static func provider(_ existing: ServiceProvider?) -> FormScreen {
        let types = ServiceType.allCases
        let form = FormScreen(title: S.directoryTitle, intro: S.providerIntro, submitLabel: S.save, helpKey: "help.provider", fields: [
            FormField("name", tr("form.provider.name"), .line(limit: TextLimits.line)),
            FormField("services", tr("form.provider.services"), .checks(types.map(S.service))),
            FormField("area", tr("form.provider.area"), .line(limit: TextLimits.line)),
            FormField("contact", tr("form.provider.contact"), .line(limit: TextLimits.line)),
            FormField("hours", tr("form.provider.hours"), .line(limit: TextLimits.line)),
            FormField("notes", tr("form.provider.notes"), .area(rows: 2)),
        ]) { f, app in
            guard f.require(["name", "services"]) else { return .none }
            var p = existing ?? ServiceProvider(name: "", services: [], area: "", contact: "", hours: "", notes: "")
            p.name = f.text("name")
            p.services = f.checked("services").sorted().map { types[$0] }
            p.area = f.text("area")
            p.contact = f.text("contact")
            p.hours = f.text("hours")
            p.notes = f.text("notes")
            do {
                try app.store.saveProvider(p)
                app.flash = (S.providerSaved, .success)
                return .pop
            } catch { app.flash = (S.cycleError(error), .danger); return .none }
        }
        if let p = existing {
            form.setText("name", p.name)
            form.setChecked("services", Set(p.services.compactMap { types.firstIndex(of: $0) }))
            form.setText("area", p.area)
            form.setText("contact", p.contact)
            form.setText("hours", p.hours)
            form.setText("notes", p.notes)
        }
        return form
    }
}
