import Exports
import Foundation
import I18n
import Model
import Storage

/// The printouts (issue #8), in the language of the person printing: a referral slip to hand to the family
/// or the provider, and a one-page case summary for a supervisor or a case conference. Exports writes them
/// as plain text and PDF (`KingaStore.writePrintout`).
enum Printouts {
    /// The referral slip: who, to whom, why, how to answer; no narrative (the provider needs the reason only).
    static func referralSlip(_ r: Referral, provider: ServiceProvider?, profile: CountryProfile, focalPoint: String,
                             today: LocalDate) -> PrintDocument {
        var blocks: [PrintDocument.Block] = [
            .field(label: tr("print.child"), value: r.childName.isEmpty ? tr("print.nameNotGiven") : r.childName),
            .field(label: tr("print.referredTo"), value: r.providerName),
        ]
        if let p = provider {
            if !p.area.isEmpty { blocks.append(.field(label: tr("print.where"), value: p.area)) }
            if !p.contact.isEmpty { blocks.append(.field(label: tr("print.contact"), value: p.contact)) }
            if !p.hours.isEmpty { blocks.append(.field(label: tr("print.hours"), value: p.hours)) }
        }
        blocks += [
            .field(label: tr("print.service"), value: S.service(r.service)),
            .field(label: tr("print.sentOn"), value: S.day(r.sentOn)),
            .field(label: tr("print.status"), value: S.referralStatus(r.status)),
            .field(label: tr("print.printedBy"), value: focalPoint),
        ]
        if r.urgent { blocks.append(.notice(tr("print.urgent"))) }
        blocks += [.heading(tr("print.reason")), .paragraph(r.reason), .heading(tr("print.answerTitle")),
                   .paragraph(tr("print.answer", ["number": r.caseNumber.description]))]
        if let h = profile.helplines.first { blocks.append(.field(label: tr("print.helpline"), value: "\(h.number) (\(S.words(h.label)))")) }
        return PrintDocument(title: tr("print.slipTitle"), subtitle: "\(r.caseNumber) · \(tr("print.madeOn", ["date": S.day(today)]))",
                             blocks: blocks, footer: tr("print.confidential"), reference: r.caseNumber.description,
                             colon: tr("print.colon"), pageWord: tr("print.page"))
    }

    /// The one-page case summary, in order of importance: who the child is; the risk, urgency and stage; the
    /// concerns; consent; referrals (those under way first, newest first); the plan; the report's words;
    /// the newest four timeline entries. It always fits one A4 page: what does not fit is cut from the end,
    /// where "… see Kinga for the rest" is printed (`PrintDocument.cutNotice`, measured with Pango by
    /// `PDFPrinter.fitted`; a test prints the largest realistic case in every language).
    static func caseSummary(_ c: CaseRecord, progress: CaseProgress?, referrals: [Referral], events: [CaseEvent], profile: CountryProfile,
                            today: LocalDate, timeZone: TimeZone) -> PrintDocument {
        var name = c.childName.isEmpty ? tr("print.nameNotGiven") : c.childName
        if !c.report.nickname.isEmpty { name += " (“\(c.report.nickname)”)" }
        var blocks: [PrintDocument.Block] = [
            .field(label: tr("print.child"), value: name),
            .field(label: tr("print.age"), value: c.age.map { S.ageYears($0.years(on: today)) } ?? S.ageUnknown),
        ]
        if case .born(let dob)? = c.age { blocks.append(.field(label: tr("print.dateOfBirth"), value: S.day(dob))) }
        blocks += [
            .field(label: tr("print.sex"), value: S.sex(c.sex)),
            .field(label: tr("print.village"), value: c.village),
        ]
        if !c.caregiver.isEmpty { blocks.append(.field(label: tr("print.caregiver"), value: c.caregiver)) }
        blocks.append(.field(label: S.colRisk, value: c.risk.map { S.risk($0) } ?? tr("print.notAssessed")))
        if c.urgent { blocks.append(.notice(tr("print.urgentCase"))) }
        blocks += [
            .field(label: S.statusLabel, value: S.status(c.status) + (progress.map { " · " + S.stage($0.stage) } ?? "")),
            .field(label: tr("print.registered"), value: S.date(c.createdAt, timeZone)),
        ]
        if let next = progress?.nextFollowUp { blocks.append(.field(label: S.nextFollowUpLabel, value: S.day(next))) }
        blocks += [
            .field(label: S.concernsLabel, value: c.concerns.map { S.concern($0, profile) }.joined(separator: ", ")),
            .field(label: tr("print.assent"), value: S.answer(c.report.childAssent)),
            .field(label: tr("print.consent"), value: S.answer(c.report.caregiverConsent)),
        ]
        if !referrals.isEmpty {
            // Those still under way (waiting for an answer, accepted) first, then the others; newest first in each.
            let ordered = referrals.enumerated().sorted { a, b in
                let (ua, ub) = (a.element.status == .pending || a.element.status == .accepted, b.element.status == .pending || b.element.status == .accepted)
                if ua != ub { return ua }
                if a.element.sentOn != b.element.sentOn { return a.element.sentOn > b.element.sentOn }
                return a.offset < b.offset
            }.map(\.element)
            blocks.append(.heading(tr("print.referrals")))
            blocks.append(.list(ordered.map { "\(S.service($0.service)) · \($0.providerName) · \(S.referralStatus($0.status)) · \(S.day($0.sentOn))" }))
        }
        if let plan = progress?.plan, !plan.goals.isEmpty {
            blocks.append(.heading(S.planTitle))
            blocks.append(.list(plan.goals.map { g in
                [g.what, g.who, g.by.map { S.day($0) }].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " · ")
            }))
        }
        blocks.append(.heading(tr("print.reported")))
        blocks.append(.paragraph(c.report.narrative))
        if !c.report.whenHappened.isEmpty { blocks.append(.field(label: tr("print.when"), value: c.report.whenHappened)) }
        if !c.report.whereHappened.isEmpty { blocks.append(.field(label: tr("print.whereHappened"), value: c.report.whereHappened)) }
        // The newest four entries, one short line each.
        let recent = events.suffix(4)
        if !recent.isEmpty {
            blocks.append(.heading(tr("print.timeline")))
            let words = S.words(profile)
            blocks.append(.list(recent.map { e in
                let summary = e.summary(in: words)
                let what = summary.count > 90 ? String(summary.prefix(89)) + "…" : summary
                return "\(S.date(e.occurredAt, timeZone)) · \(what) (\(S.author(e.author)))"
            }))
        }
        return PrintDocument(title: tr("print.summaryTitle"), subtitle: "\(c.number) · \(tr("print.madeOn", ["date": S.day(today)]))",
                             blocks: blocks, footer: tr("print.confidential"), reference: c.number.description,
                             colon: tr("print.colon"), pageWord: tr("print.page"), cutNotice: tr("print.seeKinga"))
    }

    /// Writes the slip of `referral` and returns what to show.
    static func printSlip(_ r: Referral, _ app: App) throws -> Printout {
        let provider = try app.store.providers(includeRetired: true).first { $0.id == r.providerID }
        let doc = marked(referralSlip(r, provider: provider, profile: app.profile, focalPoint: app.userName, today: app.clock.today), app)
        return try app.store.writePrintout(doc, caseID: r.caseID, baseName: "\(r.caseNumber)-referral-\(r.id.uuidString.prefix(8).lowercased())",
                                           fact: EventFact(.printed, ["document": "slip", "provider": r.providerName]))
    }

    /// Writes the summary of case `id` and returns what to show.
    static func printSummary(caseID: UUID, _ app: App) throws -> Printout {
        guard let c = try app.store.caseRecord(id: caseID, viewer: app.viewer) else { throw StoreError.notFound }
        let doc = marked(caseSummary(c, progress: try? app.store.progress(caseID: caseID, deadlines: app.profile.deadlines, viewer: app.viewer),
                                     referrals: try app.store.referrals(caseID: caseID, viewer: app.viewer), events: try app.store.events(caseID: caseID, viewer: app.viewer),
                                     profile: app.profile, today: app.clock.today, timeZone: app.clock.timeZone), app)
        return try app.store.writePrintout(doc, caseID: caseID, baseName: "\(c.number)-summary",
                                           fact: EventFact(.printed, ["document": "summary"]))
    }

    /// A demo printout says so at the top and on every page's foot, like every demo screen.
    static func marked(_ doc: PrintDocument, _ app: App) -> PrintDocument {
        guard app.demo || app.store.holdsDemo else { return doc }
        var d = doc
        d.title = S.demoShort + " · " + d.title
        d.subtitle += " · " + S.demoBanner
        d.footer = S.demoBanner + ". " + d.footer
        return d
    }

    /// The screen showing a printout and where it was saved.
    static func page(_ p: Printout, title: String) -> TextPageScreen {
        let saved = p.pdfPath.map { S.printSaved(p.textPath, $0) } ?? S.printSavedTextOnly(p.textPath, p.pdfProblem ?? "")
        return TextPageScreen(title: title, text: p.text, footer: saved)
    }
}
