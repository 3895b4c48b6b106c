import Foundation
import I18n
import Model
import Storage

/// The case list's filter form, sort dialog and the words that say which filters are on.
extension CaseListScreen {
    // MARK: filter and sort

    func filterForm(_ app: App) -> FormScreen {
        let statuses = CaseStatus.allCases
        let risks: [RiskFilter] = RiskLevel.allCases.map { .level($0) } + [.notAssessed]
        let concerns = app.profile.concerns
        let seesAll = app.session.map { $0.can(.viewCase, ownCase: false, demo: app.demo) } ?? true
        let others = seesAll ? ((try? app.store.users()) ?? []).filter { $0.active && $0.id != app.session?.id } : []
        let assignees: [AssigneeFilter] = (app.session.map { [.user($0.id)] } ?? []) + [.nobody] + others.map { .user($0.id) }
        let assigneeLabels = (app.session != nil ? [S.assignedMe] : []) + [S.assignedNobody] + others.map(\.name)
        let form = FormScreen(title: S.filterTitle, intro: S.filterIntro, submitLabel: S.filterApply, helpKey: "help.caseList", fields: [
            FormField("status", S.filterStatus, .choice([S.anyOption] + statuses.map(S.status))),
            FormField("risk", S.filterRisk, .choice([S.anyOption] + RiskLevel.allCases.map(S.riskCapitalized) + [S.riskNotAssessedYet])),
            FormField("urgency", S.filterUrgency, .choice([S.anyOption, S.urgentOnly, S.notUrgent])),
            FormField("concern", S.filterConcern, .choice([S.anyOption] + concerns.map { S.concern($0.id, app.profile) })),
            FormField("village", S.filterVillage, .line(limit: TextLimits.line)),
            FormField("assignee", S.filterAssignee, .choice([S.anyOption] + assigneeLabels)),
            FormField("overdue", S.filterOverdue, .choice([S.anyOption, S.overdueOnly])),
        ]) { [weak self] f, _ in
            var filter = CaseFilter()
            if let i = f.choice("status"), i > 0 { filter.status = statuses[i - 1] }
            if let i = f.choice("risk"), i > 0 { filter.risk = risks[i - 1] }
            if let i = f.choice("urgency"), i > 0 { filter.urgent = i == 1 }
            if let i = f.choice("concern"), i > 0 { filter.concern = concerns[i - 1].id }
            let village = f.text("village")
            if !village.isEmpty { filter.village = village }
            if let i = f.choice("assignee"), i > 0 { filter.assignee = assignees[i - 1] }
            filter.overdueOnly = f.choice("overdue") == 1
            self?.setFilter(filter)
            return .pop
        }
        let cur = query.filter
        form.setChoice("status", cur.status.flatMap { s in statuses.firstIndex(of: s).map { $0 + 1 } } ?? 0)
        form.setChoice("risk", cur.risk.flatMap { r in risks.firstIndex(of: r).map { $0 + 1 } } ?? 0)
        form.setChoice("urgency", cur.urgent.map { $0 ? 1 : 2 } ?? 0)
        form.setChoice("concern", cur.concern.flatMap { c in concerns.firstIndex { $0.id == c }.map { $0 + 1 } } ?? 0)
        form.setText("village", cur.village ?? "")
        form.setChoice("assignee", cur.assignee.flatMap { a in assignees.firstIndex(of: a).map { $0 + 1 } } ?? 0)
        form.setChoice("overdue", cur.overdueOnly ? 1 : 0)
        return form
    }

    func sortDialog() -> DialogScreen {
        var choices: [(String, (App) -> Action)] = []
        if query.isSearch {
            choices.append((S.sortBest, { [weak self] _ in self?.setSort(nil); return .pop }))
        }
        for s in CaseSort.allCases {
            choices.append((S.sort(s), { [weak self] _ in self?.setSort(s); return .pop }))
        }
        choices.append((S.sortReverse, { [weak self] _ in self?.reverseSort(); return .pop }))
        choices.append((S.sortCancel, { _ in .pop }))
        let current = query.isSearch ? (query.sort.flatMap { s in CaseSort.allCases.firstIndex(of: s).map { $0 + 1 } } ?? 0)
                                     : (CaseSort.allCases.firstIndex(of: query.sort ?? .lastActivity) ?? 0)
        return DialogScreen(title: S.sortTitle, question: S.sortQuestion, choices: choices, selected: current)
    }

    /// The filters in words, for the line under the search box.
    func filterWords(_ app: App) -> [String] {
        let f = query.filter
        var out: [String] = []
        if let s = f.status { out.append(S.status(s)) }
        switch f.risk {
        case .level(let r)?: out.append(S.riskCapitalized(r))
        case .notAssessed?: out.append(S.riskNotAssessedYet)
        case nil: break
        }
        if let u = f.urgent { out.append(u ? S.urgentOnly : S.notUrgent) }
        if let c = f.concern { out.append(S.concern(c, app.profile)) }
        if let v = f.village { out.append(v) }
        switch f.assignee {
        case .user(let id)? where id == app.session?.id: out.append(S.assignedTo(S.assignedMe))
        case .user(let id)?: out.append(S.assignedTo(((try? app.store.users()) ?? []).first { $0.id == id }?.name ?? "?"))
        case .nobody?: out.append(S.assignedNobody)
        case nil: break
        }
        if f.overdueOnly { out.append(S.filterOverdue) }
        return out
    }
}
