import Foundation
import I18n
import Model
import Storage

/// "Due today": what is late or waiting, most urgent first; Enter opens the case.
final class DueTodayScreen: ListScreen {
    override var helpKey: String { "help.dueToday" }
    private var items: [DueItem] = []
    private var drafts = 0
    override var title: String { S.dueTitle }
    override var header: String? { S.dueHeader(items.count, drafts: drafts) }
    override var emptyText: String { S.dueNothing }
    override func appear(_ app: App) {
        items = (try? app.store.dueItems(deadlines: app.profile.deadlines, viewer: app.viewer)) ?? []
        drafts = (try? app.store.drafts().count) ?? 0
    }
    override var rows: [(text: String, style: Style)] {
        items.map { i in
            let name = i.childName.isEmpty ? S.unnamed : i.childName
            let when: String
            switch i.kind {
            case .firstActionOverdue: when = i.days == 0 ? tr("due.lateToday") : tr("due.late", ["days": S.days(i.days)])
            case .followUpDue: when = i.days == 0 ? tr("due.dueToday") : tr("due.late", ["days": S.days(i.days)])
            case .referralStale, .referralWaiting: when = i.days == 0 ? tr("due.sentToday") : tr("due.sentAgo", ["days": S.days(i.days)])
            case .reviewDue: when = tr("due.lastReview", ["days": S.days(i.days)])
            case .waitingForFocalPoint: when = (i.detail == "child_friendly" ? tr("due.fromChild") + " · " : "") + tr("due.takeIt")
            case .returnedForCorrection: when = tr("due.pleaseCorrect")
            }
            return ("\(i.caseNumber)  \(DisplayWidth.pad(name, to: 14)) \(i.urgent ? S.urgentWord + " " : "")\(S.dueKind(i.kind)) · \(when)\(i.kind == .waitingForFocalPoint ? "" : " · " + i.detail)",
                    i.urgent || i.kind == .firstActionOverdue ? .danger : (i.kind == .referralWaiting ? .normal : .warning))
        }
    }
    override func open(_ index: Int, _ app: App) -> Action { .push(CaseDetailScreen(caseID: items[index].caseID)) }
}

/// All referrals, by status, with their age in days. Enter records the provider's answer.
final class ReferralsScreen: ListScreen {
    override var helpKey: String { "help.referrals" }
    private var referrals: [Referral] = []
    private var filter: ReferralStatus?
    override var title: String { S.referralsTitle }
    override var header: String? { S.referralsHeader(referrals.count, filter: filter.map(S.referralStatus)) }
    override var emptyText: String { S.noReferrals }
    override func appear(_ app: App) { reload(app) }
    private func reload(_ app: App) { referrals = (try? app.store.referrals(status: filter, viewer: app.viewer)) ?? [] }
    override func hints(_ app: App) -> [(String, String)] { [("↑↓", S.kMove), ("Enter", S.kUpdate), ("Tab", S.kFilter), ("o", S.kOpenCase), ("p", S.kSlip), ("Esc", S.kBack)] }
    /// One entry per referral (drawn by `render`, which needs the pinned clock for the age in days).
    override var rows: [(text: String, style: Style)] { referrals.map { _ in ("", .normal) } }
    override func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let today = app.clock.today
        // Rows need the pinned clock for the age; draw them here.
        let x = area.x + 2, w = area.width - 3
        g.put(DisplayWidth.truncate(header ?? "", to: w), x: x, y: area.y, style: .title, clip: area)
        if referrals.isEmpty {
            Draw.paragraph(&g, emptyText, x: x, y: area.y + 2, width: w, maxY: area.maxY, style: .muted)
            return
        }
        selected = min(selected, referrals.count - 1)
        let y0 = area.y + 1
        let visible = area.maxY - y0
        if selected < top { top = selected }
        if selected >= top + visible { top = selected - visible + 1 }
        for (i, r) in referrals.enumerated().dropFirst(top).prefix(visible) {
            let rowY = y0 + i - top
            let isSel = i == selected
            let text = "\(r.caseNumber)  \(DisplayWidth.pad(r.childName.isEmpty ? S.unnamed : r.childName, to: 12)) → \(DisplayWidth.pad(r.providerName, to: 18)) \(DisplayWidth.pad(S.referralStatus(r.status), to: 17)) \(r.ageInDays(today: today))d"
            if isSel { g.fill(Rect(x: area.x, y: rowY, width: area.width, height: 1), style: .focus) }
            g.put(DisplayWidth.truncate(text, to: w), x: x, y: rowY, style: isSel ? .focus : (r.urgent && !r.status.isResolved ? .danger : .normal),
                  clip: Rect(x: x, y: rowY, width: w, height: 1))
            if isSel { g.put("▸", x: area.x, y: rowY, style: .focus) }
        }
    }
    override func open(_ index: Int, _ app: App) -> Action {
        let r = referrals[index]
        if r.status.isResolved { return .push(CaseDetailScreen(caseID: r.caseID)) }
        return .push(CycleForms.referralUpdate(r))
    }
    override func other(_ key: Key, _ app: App) -> Action {
        switch key {
        case .tab:
            let all: [ReferralStatus?] = [nil] + ReferralStatus.allCases.map { Optional($0) }
            let i = all.firstIndex(where: { $0 == filter }) ?? 0
            filter = all[(i + 1) % all.count]
            selected = 0
            reload(app)
        case .char("o"): if referrals.indices.contains(selected) { return .push(CaseDetailScreen(caseID: referrals[selected].caseID)) }
        case .char("p"):
            guard referrals.indices.contains(selected) else { return .none }
            do {
                return .push(Printouts.page(try Printouts.printSlip(referrals[selected], app), title: S.slipTitle))
            } catch { app.flash = (S.cycleError(error), .danger) }
        default: break
        }
        return .none
    }
}

/// A read-only page of text (a referral slip), scrollable.
final class TextPageScreen: Screen {
    let title: String
    let text: String
    let footer: String
    private var scroll = 0
    init(title: String, text: String, footer: String) {
        self.title = title
        self.text = text
        self.footer = footer
    }
    func hints(_ app: App) -> [(String, String)] { [("↑↓", S.kMove), ("Esc", S.kBack)] }
    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let x = area.x + 2, w = area.width - 4
        var lines = DisplayWidth.wrap(text, width: w)
        lines.append("")
        lines += DisplayWidth.wrap(footer, width: w)
        scroll = max(0, min(scroll, max(0, lines.count - area.height)))
        for (i, l) in lines.dropFirst(scroll).prefix(area.height).enumerated() {
            g.put(l, x: x, y: area.y + i, style: i + scroll >= lines.count - 2 ? .muted : .normal, clip: Rect(x: x, y: area.y + i, width: w, height: 1))
        }
    }
    func handle(_ key: Key, _ app: App) -> Action { ReadOnlyPage.handle(key, scroll: &scroll) }
}

/// The service directory: providers with services, area, contact and hours; add, edit, retire.
final class DirectoryScreen: ListScreen {
    override var helpKey: String { "help.directory" }
    private var providers: [ServiceProvider] = []
    override var title: String { S.directoryTitle }
    override var header: String? { S.directoryHeader(providers.filter { !$0.retired }.count, retired: providers.filter(\.retired).count) }
    override var emptyText: String { S.noProvidersYet }
    override func appear(_ app: App) { providers = (try? app.store.providers(includeRetired: true)) ?? [] }
    override func hints(_ app: App) -> [(String, String)] { [("↑↓", S.kMove), ("Enter", S.kEdit), ("n", S.kAdd), ("x", S.kRetire), ("Esc", S.kBack)] }
    override var rows: [(text: String, style: Style)] {
        providers.map { p in
            ("\(p.retired ? S.retiredMark : "")\(DisplayWidth.pad(p.name, to: 24)) \(DisplayWidth.pad(p.services.map(S.service).joined(separator: ", "), to: 26)) \(DisplayWidth.pad(p.area, to: 14)) \(p.contact)",
             p.retired ? .muted : .normal)
        }
    }
    override func open(_ index: Int, _ app: App) -> Action {
        guard app.session?.can(.manageDirectory, demo: app.store.isDemo) ?? true else { app.flash = (S.notAllowed, .warning); return .none }
        return .push(CycleForms.provider(providers[index]))
    }
    override func other(_ key: Key, _ app: App) -> Action {
        if key == .char("n") || key == .char("x"), !(app.session?.can(.manageDirectory, demo: app.store.isDemo) ?? true) {
            app.flash = (S.notAllowed, .warning)
            return .none
        }
        switch key {
        case .char("n"): return .push(CycleForms.provider(nil))
        case .char("x"):
            guard providers.indices.contains(selected) else { return .none }
            var p = providers[selected]
            p.retired.toggle()
            do {
                try app.store.saveProvider(p)
                appear(app)
                app.flash = (p.retired ? S.providerRetired(p.name) : S.providerRestored(p.name), .success)
            } catch { app.flash = (S.cycleError(error), .danger) }
        default: break
        }
        return .none
    }
}

/// Supervisors: work waiting for them (closures of high-risk cases). Enter approves; r returns it with a comment.
final class ReviewQueueScreen: ListScreen {
    private var waiting: [CaseSummary] = []
    /// Consent overrides of the last 90 days, listed under the closures for the team to look back at.
    private var overrides: [Referral] = []
    /// Details changed two ways at two kiosks (issue #18), listed last on a kiosk that joined a district.
    private var conflicts: [SyncConflictItem] = []
    /// Possible duplicates across kiosks (issue #19), listed after the conflicts.
    private var duplicates: [DistrictDuplicate] = []
    override var title: String { S.reviewTitle }
    override var header: String? { waiting.isEmpty ? S.reviewEmpty : S.reviewHeader(waiting.count) }
    override var emptyText: String { S.reviewEmpty }
    override var helpKey: String { "help.review" }
    override func appear(_ app: App) {
        waiting = (try? app.store.closureRequests(viewer: app.viewer)) ?? []
        overrides = (try? app.store.consentOverrides(since: app.clock.today.adding(days: -90), viewer: app.viewer)) ?? []
        conflicts = (try? app.store.syncConflicts()) ?? []
        duplicates = (try? app.store.districtDuplicates()) ?? []
    }
    override func hints(_ app: App) -> [(String, String)] {
        // On a conflict from the district, Enter asks which value is right.
        if conflict(at: selected) != nil { return [("↑↓", S.kMove), ("Enter", S.kChoose), ("o", S.kOpenCase), ("Esc", S.kBack)] }
        if duplicate(at: selected) != nil {
            return [("↑↓", S.kMove), ("Enter", S.kChoose), ("o", tr("districtDuplicate.kOpenFirst")), ("n", tr("districtDuplicate.kOpenSecond")), ("Esc", S.kBack)]
        }
        return [("↑↓", S.kMove), ("Enter", S.kApprove), ("r", S.kReturn), ("o", S.kOpenCase), ("Esc", S.kBack)]
    }
    override var rows: [(text: String, style: Style)] {
        waiting.map { c in ("\(c.number)  \(DisplayWidth.pad(c.childName.isEmpty ? S.unnamed : c.childName, to: 16)) \(c.village)  · \(S.closureWaits)", c.urgent ? .danger : .normal) }
            + [("", .normal), (overrides.isEmpty ? tr("review.noOverrides") : tr("review.overrides"), .title)]
            + overrides.map { r in
                (tr("review.overrideLine", ["date": S.day(r.sentOn), "case": r.caseNumber.description, "who": r.overrideBy ?? "",
                                            "reason": (r.overrideReason ?? "").replacingOccurrences(of: "\n", with: " ")]), .warning)
            }
            + (conflicts.isEmpty ? [] : [("", .normal), (tr("conflict.heading"), .title)] + conflicts.map { (S.conflictLine($0), $0.decided == nil ? .warning : .muted) })
            + (duplicates.isEmpty ? [] : [("", .normal), (tr("districtDuplicate.heading"), .title)] + duplicates.map { (S.districtDuplicateLine($0), .warning) })
    }
    /// Closures, overrides and undecided conflicts can be chosen; blank lines and headings cannot.
    override func isSelectable(_ index: Int) -> Bool {
        waiting.indices.contains(index) || override(at: index) != nil || conflict(at: index)?.decided == nil && conflict(at: index) != nil
            || duplicate(at: index) != nil
    }
    /// The possible duplicate shown on list row `index`, if that row is one.
    private func duplicate(at index: Int) -> DistrictDuplicate? {
        let i = index - waiting.count - 2 - overrides.count - (conflicts.isEmpty ? 0 : 2 + conflicts.count) - 2
        return duplicates.indices.contains(i) ? duplicates[i] : nil
    }
    /// The conflict shown on list row `index`, if that row is one.
    private func conflict(at index: Int) -> SyncConflictItem? {
        let i = index - waiting.count - 2 - overrides.count - 2
        return conflicts.indices.contains(i) ? conflicts[i] : nil
    }
    /// The override shown on list row `index`, if that row is one.
    private func override(at index: Int) -> Referral? {
        let i = index - waiting.count - 2
        return overrides.indices.contains(i) ? overrides[i] : nil
    }
    override func open(_ index: Int, _ app: App) -> Action {
        if let r = override(at: index) { return .push(CaseDetailScreen(caseID: r.caseID)) }
        if let c = conflict(at: index), c.decided == nil { return .push(S.decideConflict(c) { [weak self] app in self?.appear(app) }) }
        if let d = duplicate(at: index) { return .push(S.decideDistrictDuplicate(d) { [weak self] app in self?.appear(app) }) }
        guard waiting.indices.contains(index) else { return .none }
        let c = waiting[index]
        // Approving closes a high-risk case: ask once, naming the case, so a stray Enter cannot do it.
        return .push(DialogScreen(title: S.reviewTitle, question: S.approveQuestion(c.number.description, c.childName), choices: [
            (S.approveYes, { [weak self] app in
                guard app.session != nil else { return .pop }
                do {
                    try app.store.approveClosure(caseID: c.id, rules: app.profile.rules)
                    app.flash = (S.closureApproved, .success)
                } catch { app.flash = (S.cycleError(error), .danger) }
                self?.appear(app)
                return .pop
            }),
            (S.approveNo, { _ in .pop }),
        ], selected: 1))
    }
    override func other(_ key: Key, _ app: App) -> Action {
        if key == .char("o"), let r = override(at: selected) { return .push(CaseDetailScreen(caseID: r.caseID)) }
        if key == .char("o"), let id = conflict(at: selected)?.caseID { return .push(CaseDetailScreen(caseID: id)) }
        if key == .char("o"), let d = duplicate(at: selected) { return .push(CaseDetailScreen(caseID: d.older.id)) }
        if key == .char("n"), let d = duplicate(at: selected) { return .push(CaseDetailScreen(caseID: d.newer.id)) }
        guard waiting.indices.contains(selected) else { return .none }
        let c = waiting[selected]
        switch key {
        case .char("o"): return .push(CaseDetailScreen(caseID: c.id))
        case .char("r"):
            return .push(FormScreen(title: S.reviewTitle, intro: S.returnIntro(c.number.description), submitLabel: S.kReturn, helpKey: "help.returnForCorrection", fields: [
                FormField("comment", tr("form.other.comment"), .area(rows: 3)),
            ]) { f, app in
                guard f.require(["comment"]), app.session != nil else { return .none }
                do {
                    try app.store.returnForCorrection(caseID: c.id, comment: f.text("comment"))
                    app.flash = (S.returned, .success)
                    return .pop
                } catch { app.flash = (S.cycleError(error), .danger); return .none }
            })
        default: return .none
        }
    }
}

extension S {
    static var reviewTitle: String { tr("reviewTitle") }
    static func reviewHeader(_ n: Int) -> String { trn("reviewHeader", n) }
    static var reviewEmpty: String { tr("reviewEmpty") }
    static var closureWaits: String { tr("closureWaits") }
    static var closureApproved: String { tr("closureApproved") }
    static var closureAwaiting: String { tr("closureAwaiting") }
    static func returnIntro(_ n: String) -> String { tr("returnIntro", ["n": n]) }
    static var returned: String { tr("returned") }
    static var kApprove: String { tr("kApprove") }
    static var kReturn: String { tr("kReturn") }
    static var menuReview: String { tr("menuReview") }
}
