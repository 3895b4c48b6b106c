import Foundation
import I18n
import Model
import Storage

/// Shown after a report is saved: the new case number, and the way on.
final class SavedScreen: Screen {
    var helpKey: String { "help.caseList" }
    let record: CaseRecord
    private var selected = 0
    init(record: CaseRecord) { self.record = record }
    var title: String { S.savedTitle }
    func hints(_ app: App) -> [(String, String)] { [("↑↓", S.kMove), ("Enter", S.kChoose), ("Esc", S.kBack)] }
    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let x = area.x + 2, w = area.width - 4
        var y = area.y + 1
        g.put("✓ " + S.savedTitle, x: x, y: y, style: .success, clip: area)
        y += 2
        y = Draw.paragraph(&g, S.savedBody(record.number.description), x: x, y: y, width: w, maxY: area.maxY)
        g.put(record.number.description, x: x + 2, y: y + 1, style: .title, clip: area)
        y += 3
        if record.urgent {
            y = Draw.paragraph(&g, S.savedUrgent, x: x, y: y, width: w, maxY: area.maxY, style: .danger) + 1
        }
        for (i, label) in [S.savedOpen, S.savedHome].enumerated() where y < area.maxY {
            Draw.menuItem(&g, key: "\(i + 1)", label: label, x: x, y: y, width: w, selected: i == selected)
            y += 1
        }
    }
    func handle(_ key: Key, _ app: App) -> Action {
        switch key {
        case .up, .down, .tab: selected = 1 - selected
        case .char("1"): return .home(then: CaseDetailScreen(caseID: record.id))
        case .char("2"), .escape: return .home(then: nil)
        case .enter: return selected == 0 ? .home(then: CaseDetailScreen(caseID: record.id)) : .home(then: nil)
        default: break
        }
        return .none
    }
}

/// One case: a header (child, age, village, status, urgency) and its timeline, oldest first.
final class CaseDetailScreen: Screen {
    var helpKey: String { "help.caseDetail" }
    let caseID: UUID
    private(set) var record: CaseRecord?
    private(set) var events: [CaseEvent] = []
    private var selected = 0
    private var top = 0
    private var loadError: String?
    private var visited = false
    /// The case as shown now, for the version check of the edits started from this screen.
    private var edit: EditContext?
    private(set) var progress: CaseProgress?
    private var canReadNarrative = true
    private var canEdit = true
    /// True while nobody has taken the case (the intake queue): a focal point takes it with g.
    private var unassigned = false
    private var filter: EventKind?
    private var allEvents: [CaseEvent] = []
    /// How many times the case was read from the store (tests check that nothing is read when nothing changed).
    private(set) var loads = 0

    init(caseID: UUID) { self.caseID = caseID }

    var title: String { record.map { "\(S.caseTitle) \($0.number)" } ?? S.caseTitle }

    func appear(_ app: App) {
        do {
            guard let viewer = app.session else { return }
            loads += 1
            record = try app.store.caseRecord(id: caseID, viewer: .user(viewer))
            allEvents = try app.store.events(caseID: caseID, viewer: .user(viewer))
            edit = try? app.store.beginEdit(caseID: caseID)
            canReadNarrative = viewer.can(.viewNarrative, ownCase: true, demo: app.store.isDemo)
            canEdit = viewer.can(.editCase, ownCase: true, demo: app.store.isDemo)
            unassigned = (try? app.store.isUnassigned(caseID: caseID, viewer: .user(viewer))) ?? false
            events = filter.map { k in allEvents.filter { $0.kind == k } } ?? allEvents
            progress = try? app.store.progress(caseID: caseID, deadlines: app.profile.deadlines, viewer: .user(viewer))
            // First visit: select the newest entry so the latest news is on screen, and log who viewed the case.
            if !visited {
                selected = max(0, events.count - 1)
                visited = true
                if record != nil { try app.store.recordView(caseID: caseID) }
            }
            selected = min(max(selected, 0), max(0, events.count - 1))
            loadError = record == nil ? StoreError.notFound.description : nil
        } catch let e as StoreError {
            record = nil
            allEvents = []
            events = []
            loadError = S.cycleError(e)
        } catch {
            loadError = "\(error)"
        }
    }

    /// Reloads when this case changed elsewhere since it was shown (its version or newest timeline entry moved),
    /// and says so in a calm line: a second kiosk's note or closure shows without a key. A change to other
    /// cases, or one this screen already shows (its own), reads nothing more than one indexed row.
    func dataChanged(_ cases: Set<UUID>, _ app: App) {
        guard cases.isEmpty || cases.contains(caseID), record != nil, let shown = edit,
              let now = try? app.store.beginEdit(caseID: caseID),
              now.version != shown.version || now.lastEventRowID != shown.lastEventRowID else { return }
        // Someone reading the newest entry goes on reading the newest one.
        let atNewest = selected == events.count - 1
        appear(app)
        if atNewest { selected = max(0, events.count - 1) }
        app.flash = (tr("caseChangedElsewhere"), .warning)
    }

    func hints(_ app: App) -> [(String, String)] {
        [("↑↓", S.kMove), ("Enter", S.kOpen), ("t", S.kFilter), ("Esc", S.kBack), ("?", S.kHelp)]
    }

    /// True when the profile's urgent-health rule applies and no health referral was made yet.
    private func needsUrgentHealth(_ app: App) -> Bool {
        guard let r = record, r.status == .open else { return false }
        let hours = Int(app.clock.now.timeIntervalSince(r.createdAt) / 3600)
        let hasHealth = allEvents.contains { $0.fact?.kind == .referralSent && $0.fact?.args["service"] == ServiceType.health.rawValue }
        return !hasHealth && app.profile.rules.needsUrgentHealthReferral(r.concerns, hoursSinceHarm: hours)
    }

    func handle(_ key: Key, _ app: App) -> Action {
        switch key {
        case .up: selected = max(0, selected - 1)
        case .down: selected = min(max(0, events.count - 1), selected + 1)
        case .pageUp: selected = max(0, selected - 5)
        case .pageDown: selected = min(max(0, events.count - 1), selected + 5)
        case .home: selected = 0
        case .end: selected = max(0, events.count - 1)
        case .enter:
            guard canReadNarrative else { app.flash = (S.narrativeHidden, .warning); return .none }
            if events.indices.contains(selected) { return .push(EventScreen(event: events[selected], caseNumber: record?.number.description ?? "")) }
        case .char("a"), .char("A"):
            guard canEdit else { app.flash = (S.notAllowed, .warning); return .none }
            if record != nil {
                let note = NoteScreen(caseID: caseID)
                note.editContext = edit
                return .push(note)
            }
        case .char("t"), .char("T"):
            let kinds: [EventKind?] = [nil] + EventKind.allCases.filter { k in allEvents.contains { $0.kind == k } }.map { Optional($0) }
            let i = kinds.firstIndex(where: { $0 == filter }) ?? 0
            filter = kinds[(i + 1) % kinds.count]
            events = filter.map { k in allEvents.filter { $0.kind == k } } ?? allEvents
            selected = max(0, events.count - 1)
        case .escape, .char("q"): return .pop
        case .char(let c) where record != nil:
            let action = cycleAction(c, app)
            if case .push(let form as FormScreen) = action { form.editContext = edit }
            return action
        default: break
        }
        return .none
    }

    private func cycleAction(_ c: Character, _ app: App) -> Action {
        guard let r = record else { return .none }
        guard canEdit || !"spfuxokgew".contains(c) else { app.flash = (S.notAllowed, .warning); return .none }
        if c == "e" {
            // The one-page summary (text and PDF) for a supervisor or a case conference.
            do { return .push(Printouts.page(try Printouts.printSummary(caseID: caseID, app), title: S.summaryTitle)) }
            catch { app.flash = (S.cycleError(error), .danger); return .none }
        }
        if c == "g" {
            if unassigned, let me = app.session, !me.can(.reassignCase, demo: app.store.isDemo) {
                do {
                    try app.store.takeCase(caseID: caseID)
                    app.flash = (tr("caseTaken"), .success)
                    appear(app)
                } catch { app.flash = (S.cycleError(error), .danger) }
                return .none
            }
            guard app.session?.can(.reassignCase, demo: app.store.isDemo) == true else { app.flash = (S.notAllowed, .warning); return .none }
            // Everyone active, people from other kiosks of the district too: the case then reaches their kiosk (issue #18).
            return .push(CycleForms.reassign(caseID: caseID, users: (try? app.store.people()) ?? []))
        }
        if c == "w" {
            // Pinning to another kiosk of the district (issue #18): supervisors, on a kiosk that joined a district.
            guard app.session?.can(.reassignCase, demo: app.store.isDemo) == true, !app.demo else { app.flash = (S.notAllowed, .warning); return .none }
            guard (try? app.store.districtLink()) != nil else { app.flash = (tr("pin.notLinked"), .warning); return .none }
            if r.status != .open { app.flash = (tr("caseClosedReopen"), .warning); return .none }
            return .push(DistrictScreens.pin(caseID: caseID))
        }
        if r.status != .open {
            if c == "o" { return .push(CycleForms.reopen(caseID: caseID)) }
            // Every key that would change the case says why nothing happens (k included: consent is part of it).
            if "spfuxk".contains(c) { app.flash = (tr("caseClosedReopen"), .warning) }
            return .none
        }
        switch c {
        case "s": return .push(CycleForms.assessment(caseID: caseID))
        case "p": return .push(CycleForms.casePlan(caseID: caseID, existing: progress?.plan))
        case "f": return .push(CycleForms.referral(record: r, suggestHealth: needsUrgentHealth(app)))
        case "u": return .push(CycleForms.followUp(caseID: caseID))
        case "k": return .push(CycleForms.consent(caseID: caseID, current: r.report))
        case "x": return .push(CycleForms.close(caseID: caseID, assessed: progress?.facts.assessed ?? false))
        default: return .none
        }
    }

    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let x = area.x + 2, w = area.width - 4
        var y = area.y
        guard let r = record else {
            Draw.paragraph(&g, loadError ?? "", x: x, y: y + 1, width: w, maxY: area.maxY, style: .danger)
            return
        }
        let today = app.clock.today
        var name = r.childName.isEmpty ? S.unnamed : r.childName
        if !r.report.nickname.isEmpty { name += " (“\(r.report.nickname)”)" }
        let age = S.age(r.age, on: today)
        let head = "\(name) · \(age) · \(S.sex(r.sex)) · \(r.village)"
        g.put(DisplayWidth.truncate(head, to: w), x: x, y: y, style: .title, clip: area)
        y += 1
        var status = "\(S.statusLabel): \(S.status(r.status))"
        if let risk = r.risk { status += " · \(S.colRisk): \(S.risk(risk))" }
        if let p = progress {
            status += " · \(S.stageLabel): \(S.stage(p.stage))"
        }
        g.put(DisplayWidth.truncate(status, to: w), x: x, y: y, clip: area)
        if r.urgent {
            let u = " \(S.urgentWord) "
            g.put(u, x: area.maxX - DisplayWidth.of(u) - 2, y: y, style: .danger, clip: area)
        }
        y += 1
        let concerns = "\(S.concernsLabel): " + r.concerns.map { S.concern($0, app.profile) }.joined(separator: ", ")
        g.put(DisplayWidth.truncate(concerns, to: w), x: x, y: y, clip: area)
        y += 1
        if !r.caregiver.isEmpty {
            g.put(DisplayWidth.truncate("\(S.caregiverLabel): \(r.caregiver)", to: w), x: x, y: y, clip: area)
            y += 1
        }
        if let next = progress?.nextFollowUp, r.status == .open {
            let late = next < today
            g.put(DisplayWidth.truncate("\(S.nextFollowUpLabel): \(S.day(next))\(late ? " (\(tr("late")))" : "")", to: w), x: x, y: y, style: late ? .warning : .normal, clip: area)
            y += 1
        }
        if needsUrgentHealth(app) {
            y = Draw.paragraph(&g, S.urgentHealthBanner(app: app) + " " + tr("pressF"), x: x, y: y, width: w, maxY: area.maxY, style: .danger)
        }
        if unassigned && r.status == .open {
            y = Draw.paragraph(&g, tr("intakeQueue") + " " + tr("takeLine"), x: x, y: y, width: w, maxY: area.maxY, style: .danger)
        }
        y = Draw.paragraph(&g, r.status == .open ? S.actionsLine : S.actionsLineClosed, x: x, y: y, width: w, maxY: area.maxY, style: .warning) + 1
        g.put(S.timeline, x: x, y: y, style: .title, clip: area)
        let f = S.filterLabel(filter) + " (t)"
        g.put(f, x: area.maxX - DisplayWidth.of(f) - 2, y: y, style: .muted, clip: area)
        y += 1
        let visible = area.maxY - y
        guard visible > 0 else { return }
        if selected < top { top = selected }
        if selected >= top + visible { top = selected - visible + 1 }
        let tz = app.clock.timeZone
        // As wide as the longest date shown ("22 févr. 2026 06:00" is longer than "2 Mar 2026 09:00").
        let whenWidth = min(22, max(17, events.dropFirst(top).prefix(visible).map { DisplayWidth.of(S.dateTime($0.occurredAt, tz)) }.max() ?? 17))
        for (i, e) in events.enumerated().dropFirst(top).prefix(visible) {
            let rowY = y + i - top
            let isSel = i == selected
            let when = S.dateTime(e.occurredAt, tz)
            let kind = S.eventKind(e.kind)
            let summary = canReadNarrative ? e.summary(in: S.words(app.profile)) : S.hiddenSummary
            let line = "\(DisplayWidth.pad(when, to: whenWidth)) \(DisplayWidth.pad(kind, to: 8)) \(DisplayWidth.pad(S.author(e.author), to: 12)) \(summary)"
            let style: Style = isSel ? .focus : (e.kind == .urgentFlagged ? .danger : .normal)
            if isSel { g.fill(Rect(x: area.x, y: rowY, width: area.width, height: 1), style: .focus) }
            g.put(DisplayWidth.truncate(line, to: w), x: x, y: rowY, style: style, clip: Rect(x: x, y: rowY, width: w, height: 1))
            if isSel { g.put("▸", x: area.x, y: rowY, style: .focus) }
        }
    }
}

/// After saving: cases that may be about the same child. The user keeps the new case, or links the report
/// to an existing case (the new one becomes a duplicate, the report goes on the existing timeline).
final class DuplicateCheckScreen: Screen {
    var helpKey: String { "help.duplicates" }
    let record: CaseRecord
    let candidates: [CaseSummary]
    private var selected = 0
    init(record: CaseRecord, candidates: [CaseSummary]) {
        self.record = record
        self.candidates = candidates
    }
    var title: String { S.savedTitle }
    func hints(_ app: App) -> [(String, String)] { [("↑↓", S.kMove), ("Enter", S.kChoose)] }
    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let x = area.x + 2, w = area.width - 4
        var y = Draw.paragraph(&g, S.savedBody(record.number.description), x: x, y: area.y + 1, width: w, maxY: area.maxY, style: .success) + 1
        y = Draw.paragraph(&g, S.duplicatesIntro, x: x, y: y, width: w, maxY: area.maxY, style: .warning) + 1
        let today = app.clock.today
        var options = [S.duplicateNone]
        options += candidates.map { c in
            let age = c.age.map { String($0.years(on: today)) } ?? "?"
            return "\(S.duplicateSame) \(c.number): \(c.childName), \(age), \(c.village) (\(S.status(c.status)))"
        }
        for (i, o) in options.enumerated() where y < area.maxY {
            Draw.menuItem(&g, key: "\(i + 1)", label: o, x: x, y: y, width: w, selected: i == selected)
            y += 1
        }
    }
    func handle(_ key: Key, _ app: App) -> Action {
        let n = candidates.count + 1
        switch key {
        case .up: selected = (selected + n - 1) % n
        case .down, .tab: selected = (selected + 1) % n
        case .enter: return choose(selected, app)
        case .escape: return choose(0, app)
        case .char(let c): if let d = c.wholeNumberValue, d >= 1, d <= n { return choose(d - 1, app) }
        default: break
        }
        return .none
    }
    private func choose(_ i: Int, _ app: App) -> Action {
        if i == 0 { return .replace(SavedScreen(record: record)) }
        let existing = candidates[i - 1]
        do {
            try app.store.linkAsDuplicate(record.id, of: existing.id)
            app.flash = (S.duplicateLinked(existing.number.description), .success)
            return .home(then: CaseDetailScreen(caseID: existing.id))
        } catch {
            app.flash = (S.cycleError(error), .danger)
            return .none
        }
    }
}

/// Whether the case an edit started from changed since (for the calm line of a form or note being typed).
enum ChangeNotice {
    /// True when the case of `context` is no longer at the version or newest timeline entry the user saw (one
    /// indexed read); false without a context.
    static func movedSince(_ context: EditContext?, _ app: App) -> Bool {
        guard let ctx = context, let now = try? app.store.beginEdit(caseID: ctx.caseID) else { return false }
        return now.version != ctx.version || now.lastEventRowID != ctx.lastEventRowID
    }
}

/// Keys of a read-only page (an event, a slip): ↑ ↓ PgUp PgDn scroll; Esc, Enter or q go back.
enum ReadOnlyPage {
    static func handle(_ key: Key, scroll: inout Int) -> Action {
        switch key {
        case .down: scroll += 1
        case .up: scroll = max(0, scroll - 1)
        case .pageDown: scroll += 10
        case .pageUp: scroll = max(0, scroll - 10)
        case .escape, .enter, .char("q"): return .pop
        default: break
        }
        return .none
    }
}
