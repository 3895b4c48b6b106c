import Foundation
import I18n
import Model
import Storage

/// The guided report: one topic per step ("Step k of 6"), plain hints, messages next to the field, a draft
/// kept after every answer. Follows the GOV.UK Design System's "one thing per page" and error-message
/// patterns, adapted to a terminal.
final class ReportWizardScreen: Screen {
    private(set) var report: Report
    /// The draft this report is kept in. Changes only when another session continued the same draft: this
    /// session's answers then go on in a draft of their own, so neither overwrites the other.
    private(set) var draftID: UUID
    /// The draft's version this session last read or wrote (0: not written yet).
    private var draftVersion: Int
    /// Set when this report turned out to be saved already, as this case, in another session: nothing more is
    /// written or saved here (issue #14).
    private(set) var savedElsewhere: CaseNumber?
    private(set) var step: ReportStep
    /// Index of the focused item: the step's fields, then the Continue/Save button.
    private(set) var focus = 0
    private var texts: [ReportField: TextField] = [:]
    /// Highlighted option in choice and checklist fields.
    private var optionCursor: [ReportField: Int] = [:]
    private var checklistScroll: [ReportField: Int] = [:]
    private(set) var errors: [ReportField: ValidationIssue] = [:]
    private(set) var showingUrgentAdvice = false
    private var saving = false
    private var lastPersisted: Report?
    private var scroll = 0
    /// Scroll position of the review and "act now" pages (read-only pages moved with ↑ ↓).
    private var pageScroll = 0
    private var lastAreaWidth = 76

    /// Starts a new report (`draft` nil) or resumes a saved draft at its step.
    init(draft: Draft?) {
        report = draft?.report ?? Report()
        draftID = draft?.id ?? UUID()
        draftVersion = draft?.version ?? 0
        step = draft?.step ?? .reporter
        lastPersisted = draft?.report
        for f in ReportField.allCases {
            if let kp = Self.textPath(f) {
                texts[f] = TextField(report[keyPath: kp], multiline: Self.isArea(f),
                                     limit: f == .narrative ? TextLimits.narrative : (Self.isArea(f) ? TextLimits.line * 4 : TextLimits.line))
            }
        }
    }

    var title: String { S.wizardTitle }
    var helpKey: String { "help.wizard.\(String(describing: step))" }

    var editingText: Bool {
        guard !showingUrgentAdvice, let f = focusedField else { return false }
        return texts[f] != nil
    }

    private var items: [ReportField] { step.fields }
    private var focusedField: ReportField? { focus < items.count ? items[focus] : nil }

    // MARK: field kinds

    static func textPath(_ f: ReportField) -> WritableKeyPath<Report, String>? {
        switch f {
        case .reporterName: return \.reporterName
        case .reporterContact: return \.reporterContact
        case .childName: return \.childName
        case .dateOfBirth: return \.dateOfBirthText
        case .approximateAge: return \.approximateAgeText
        case .village: return \.village
        case .caregiver: return \.caregiver
        case .nickname: return \.nickname
        case .whenHappened: return \.whenHappened
        case .whereHappened: return \.whereHappened
        case .narrative: return \.narrative
        case .reasonWithoutConsent: return \.reasonWithoutConsent
        default: return nil
        }
    }

    static func isArea(_ f: ReportField) -> Bool { f == .narrative || f == .reasonWithoutConsent }

    /// Options of a single-choice field, with the index of the current answer.
    private func options(_ f: ReportField, _ app: App) -> (labels: [String], chosen: Int?)? {
        switch f {
        case .reporterKind:
            return (ReporterKind.allCases.map(S.reporterKind), report.reporterKind.flatMap { ReporterKind.allCases.firstIndex(of: $0) })
        case .sex:
            return (Sex.allCases.map(S.sex), report.sex.flatMap { Sex.allCases.firstIndex(of: $0) })
        case .inDangerNow:
            return ([S.dangerYes, S.dangerNo], report.inDangerNow.map { $0 ? 0 : 1 })
        case .childAssent:
            return (Answer.allCases.map(S.answer), Answer.allCases.firstIndex(of: report.childAssent).flatMap { report.childAssent == .notAsked && lastPersisted == nil ? nil : $0 })
        case .caregiverConsent:
            return (Answer.allCases.map(S.answer), Answer.allCases.firstIndex(of: report.caregiverConsent).flatMap { report.caregiverConsent == .notAsked && lastPersisted == nil ? nil : $0 })
        default: return nil
        }
    }

    private func choose(_ f: ReportField, _ i: Int) {
        switch f {
        case .reporterKind: report.reporterKind = ReporterKind.allCases[i]
        case .sex: report.sex = Sex.allCases[i]
        case .inDangerNow: report.inDangerNow = i == 0
        case .childAssent: report.childAssent = Answer.allCases[i]
        case .caregiverConsent: report.caregiverConsent = Answer.allCases[i]
        default: return
        }
        errors[f] = nil
    }

    private func concernIDs(_ app: App) -> [String] { app.profile.concerns.map(\.id) }

    // MARK: keys

    func hints(_ app: App) -> [(String, String)] {
        if showingUrgentAdvice { return [("Enter", S.kNext), ("PgUp", S.kPrevStep), ("Esc", S.kLeave)] }
        if step == .review { return [("Enter", S.kSave), ("PgUp", S.kPrevStep), ("Esc", S.kLeave), ("F1", S.kHelp)] }
        // What Enter and Tab do here, exactly: Tab always goes to the next question; Enter chooses or ticks
        // and stays, starts a new line in a long answer, goes on from a one-line answer, and continues from
        // the button.
        var h: [(String, String)]
        if let f = focusedField, f == .concerns { h = [("Tab", S.kNextQuestion), ("Enter", S.kTick)] }
        else if let f = focusedField, options(f, app) != nil { h = [("Tab", S.kNextQuestion), ("Enter", S.kChoose)] }
        else if let f = focusedField, Self.isArea(f) { h = [("Tab", S.kNextQuestion), ("Enter", S.kNewLine)] }
        else if focusedField != nil { h = [("Tab/Enter", S.kNextQuestion)] }
        else { h = [("Enter", S.kNextStep)] }
        h.append(("PgDn", S.kNextStep))
        if step != .reporter { h.append(("PgUp", S.kBack)) }
        h += [("Esc", S.kLeave), ("F1", S.kHelp)]
        return h
    }

    func handlePaste(_ text: String, _ app: App) -> Action {
        guard !showingUrgentAdvice, let f = focusedField, var t = texts[f], let kp = Self.textPath(f) else { return .none }
        t.insert(text)
        texts[f] = t
        report[keyPath: kp] = t.text
        errors[f] = nil
        if t.hitLimit { app.flash = (S.issue(.tooLong(max: t.limit)), .warning) }
        return .none
    }

    func handle(_ key: Key, _ app: App) -> Action {
        if key == .escape { return leave(app) }
        if showingUrgentAdvice {
            switch key {
            case .enter, .pageDown, .function(2), .ctrl("s"):
                showingUrgentAdvice = false
                return goTo(.consent, app)
            case .pageUp:
                showingUrgentAdvice = false
                focus = 0
            case .up: pageScroll = max(0, pageScroll - 1)
            case .down: pageScroll += 1
            case .home: pageScroll = 0
            default: break
            }
            return .none
        }
        if step == .review {
            switch key {
            case .up: pageScroll = max(0, pageScroll - 1); return .none
            case .down: pageScroll += 1; return .none
            case .home: pageScroll = 0; return .none
            case .end: pageScroll = Int.max / 2; return .none
            default: break
            }
        }
        switch key {
        case .pageUp, .function(3):
            return step == .reporter ? .none : goTo(ReportStep(rawValue: step.rawValue - 1)!, app)
        case .pageDown:
            return continueStep(app)
        case .function(2), .ctrl("s"):
            return continueStep(app)
        case .tab:
            moveFocus(+1, app)
            return .none
        case .backTab:
            moveFocus(-1, app)
            return .none
        default: break
        }
        guard let f = focusedField else {
            // The button.
            switch key {
            case .enter, .char(" "): return continueStep(app)
            case .up: moveFocus(-1, app)
            default: break
            }
            return .none
        }
        if f == .concerns { return handleChecklist(key, app) }
        if let opts = options(f, app) { return handleChoice(f, opts.labels.count, opts.chosen, key, app) }
        if var t = texts[f], let kp = Self.textPath(f) {
            switch key {
            case .enter where !t.multiline:
                moveFocus(+1, app)
                return .none
            case .up where !t.multiline, .up where t.multiline && !t.moveLine(-1, width: lastAreaWidth):
                moveFocus(-1, app)
                return .none
            case .down where !t.multiline, .down where t.multiline && !t.moveLine(+1, width: lastAreaWidth):
                moveFocus(+1, app)
                return .none
            case .up, .down:
                texts[f] = t
                return .none
            default:
                if t.handle(key) {
                    texts[f] = t
                    if report[keyPath: kp] != t.text { errors[f] = nil }
                    report[keyPath: kp] = t.text
                    if t.hitLimit { app.flash = (S.issue(.tooLong(max: t.limit)), .warning) }
                }
            }
        }
        return .none
    }

    private func handleChoice(_ f: ReportField, _ count: Int, _ chosen: Int?, _ key: Key, _ app: App) -> Action {
        var cur = optionCursor[f] ?? chosen ?? 0
        switch key {
        case .up:
            if cur == 0 { moveFocus(-1, app); return .none }
            cur -= 1
        case .down:
            if cur == count - 1 { moveFocus(+1, app); return .none }
            cur += 1
        case .char(" "):
            choose(f, cur)
        case .enter:
            // Enter only chooses: the focus stays on the question, so a habitual Tab afterwards goes to the next
            // question instead of skipping it (issue 14: a phone number typed into the wrong field). The answer
            // is kept in the draft at once.
            choose(f, cur)
            optionCursor[f] = cur
            persistDraft(app)
            return .none
        case .char(let c):
            if let n = c.wholeNumberValue, n >= 1, n <= count {
                cur = n - 1
                choose(f, cur)
            }
        default: break
        }
        optionCursor[f] = cur
        return .none
    }

    private func handleChecklist(_ key: Key, _ app: App) -> Action {
        let ids = concernIDs(app)
        guard !ids.isEmpty else { moveFocus(+1, app); return .none }
        var cur = min(optionCursor[.concerns] ?? 0, ids.count - 1)
        switch key {
        case .up:
            if cur == 0 { moveFocus(-1, app); return .none }
            cur -= 1
        case .down:
            if cur == ids.count - 1 { moveFocus(+1, app); return .none }
            cur += 1
        case .pageDown: cur = min(ids.count - 1, cur + 8)
        case .home: cur = 0
        case .end: cur = ids.count - 1
        case .enter, .char(" "):
            toggleConcern(ids[cur])
        default: break
        }
        optionCursor[.concerns] = cur
        return .none
    }

    private func toggleConcern(_ id: String) {
        if let i = report.concerns.firstIndex(of: id) { report.concerns.remove(at: i) } else { report.concerns.append(id) }
        errors[.concerns] = nil
    }

    private func moveFocus(_ delta: Int, _ app: App) {
        let count = items.count + 1
        focus = max(0, min(count - 1, focus + delta))
        persistDraft(app)
    }

    // MARK: steps

    private func goTo(_ s: ReportStep, _ app: App) -> Action {
        persistDraft(app)
        step = s
        focus = 0
        scroll = 0
        pageScroll = 0
        errors = [:]
        return .none
    }

    private func continueStep(_ app: App) -> Action {
        if step == .review { return save(app) }
        let found = ReportValidation.issues(for: step, in: report, today: app.clock.today)
        errors = found
        if let first = items.firstIndex(where: { found[$0] != nil }) {
            focus = first
            app.flash = (S.fixBelow, .danger)
            persistDraft(app)
            return .none
        }
        let next = ReportStep(rawValue: step.rawValue + 1)!
        if step == .danger && report.inDangerNow == true {
            persistDraft(app)
            pageScroll = 0
            showingUrgentAdvice = true
            return .none
        }
        return goTo(next, app)
    }

    private func save(_ app: App) -> Action {
        guard !saving else { return .none }
        if let n = savedElsewhere {
            app.flash = (S.cycleError(StoreError.draftSavedAsCase(n)), .warning)
            return .none
        }
        let found = ReportValidation.issues(for: .review, in: report, today: app.clock.today)
        if let firstStep = ReportStep.allCases.first(where: { s in s.fields.contains { found[$0] != nil } }) {
            _ = goTo(firstStep, app)
            errors = ReportValidation.issues(for: firstStep, in: report, today: app.clock.today)
            focus = items.firstIndex { errors[$0] != nil } ?? 0
            app.flash = (S.fixBelow, .danger)
            return .none
        }
        saving = true
        do {
            let record = try app.store.registerCase(from: report, draftID: draftID, assignedTo: app.session?.id)
            lastPersisted = report
            let similar = (try? app.store.possibleDuplicates(of: record.id, viewer: app.viewer)) ?? []
            if !similar.isEmpty { return .replace(DuplicateCheckScreen(record: record, candidates: similar)) }
            return .replace(SavedScreen(record: record))
        } catch StoreError.draftSavedAsCase(let n) {
            saving = false
            savedElsewhere = n
            app.flash = (S.cycleError(StoreError.draftSavedAsCase(n)), .warning)
            return .none
        } catch {
            saving = false
            persistDraft(app)
            app.flash = (S.cycleError(error), .danger)
            return .none
        }
    }

    /// Writes the draft when anything changed since the last write. Failures are shown, never thrown away.
    ///
    /// When another session saved this report as a case meanwhile, nothing is written and the person is told
    /// the case number; when another session continued the same draft, this session's answers go on in a
    /// draft of their own (both are offered by `u`), so neither is lost or overwritten.
    private func persistDraft(_ app: App) {
        guard !saving, savedElsewhere == nil, report != Report(), report != lastPersisted else { return }
        do {
            draftVersion = try app.store.saveDraft(id: draftID, step: step, report: report, expectedVersion: draftVersion).version
            lastPersisted = report
        } catch StoreError.draftSavedAsCase(let n) {
            savedElsewhere = n
            app.flash = (S.cycleError(StoreError.draftSavedAsCase(n)), .warning)
        } catch StoreError.draftContinuedElsewhere {
            draftID = UUID()
            draftVersion = 0
            lastPersisted = nil
            persistDraft(app)
            if savedElsewhere == nil { app.flash = (S.cycleError(StoreError.draftContinuedElsewhere), .warning) }
        } catch {
            app.flash = (S.cycleError(error), .danger)
        }
    }

    func saveUnfinished(_ app: App) { persistDraft(app) }

    private func leave(_ app: App) -> Action {
        if report == Report() { return .pop }
        if savedElsewhere != nil { return .home(then: nil) }     // nothing here to keep: it is a case already
        let draftID = self.draftID
        return .push(DialogScreen(title: S.wizardTitle, question: S.leaveQuestion, choices: [
            (S.leaveKeep, { [weak self] app in
                self?.persistDraft(app)
                return .home(then: nil)
            }),
            (S.leaveDiscard, { app in
                .replace(DialogScreen(title: S.wizardTitle, question: S.discardConfirm, choices: [
                    (S.discardYes, { app in
                        try? app.store.deleteDraft(id: draftID)
                        return .home(then: nil)
                    }),
                    (S.discardNo, { _ in .pop }),
                ], selected: 1))
            }),
            (S.leaveStay, { _ in .pop }),
        ]))
    }

    // MARK: drawing

    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let x = area.x + 2
        let w = max(10, min(area.width - 4, 76))
        lastAreaWidth = w
        let total = ReportStep.allCases.count
        var y = area.y
        let heading = "\(S.step(step.rawValue + 1, total)) · \(S.stepTitle(step))"
        // A progress bar of steps, when it fits beside the heading.
        let bar = (0..<total).map { $0 <= step.rawValue ? "■" : "□" }.joined(separator: " ")
        let room = area.width - 2 - DisplayWidth.of(heading) - 2
        if room >= DisplayWidth.of(bar) + 2 {
            g.put(bar, x: area.maxX - DisplayWidth.of(bar) - 2, y: y, style: .muted, clip: area)
        }
        g.put(DisplayWidth.truncate(heading, to: area.width - 2), x: x, y: y, style: .title, clip: area)
        y += 1
        if showingUrgentAdvice {
            renderUrgent(&g, Rect(x: x, y: y + 1, width: w, height: area.maxY - y - 1), app)
            return
        }
        if step == .review {
            renderReview(&g, Rect(x: x, y: y, width: w, height: area.maxY - y), app)
            return
        }
        // Lay out the step as blocks on a virtual page, then scroll so the focused block is visible.
        var page = PageWriter(width: w)
        page.paragraph(S.stepIntro(step), style: .muted)
        page.gap()
        var focusTop = 0, focusBottom = 0
        var cursor: (Int, Int)?
        for (i, f) in items.enumerated() {
            let top = page.lines.count
            let c = renderField(f, focused: i == focus, into: &page, app)
            if i == focus { focusTop = top; focusBottom = page.lines.count; cursor = c }
            page.gap()
        }
        let buttonTop = page.lines.count
        page.button(step == .review ? S.saveButton : S.continueButton, focused: focus == items.count)
        if focus == items.count { focusTop = buttonTop; focusBottom = page.lines.count }
        // When the page is taller than the screen, the last row is kept for the "more below" marker.
        let visible = page.lines.count > area.maxY - y ? area.maxY - y - 1 : area.maxY - y
        if focusBottom - scroll > visible { scroll = focusBottom - visible }
        if focusTop < scroll { scroll = focusTop }
        if focus == 0 { scroll = 0 }
        scroll = max(0, min(scroll, max(0, page.lines.count - visible)))
        page.draw(into: &g, x: x, y: y, height: visible, scroll: scroll)
        if let (cx, cy) = cursor, cy - scroll >= 0, cy - scroll < visible {
            g.cursor = (x + cx, y + cy - scroll)
        }
        if scroll > 0 { g.put("↑", x: area.maxX - 1, y: y, style: .muted) }
        if page.lines.count - scroll > visible {
            let more = " " + S.moreBelow + " "
            g.put(more, x: max(area.x, area.maxX - DisplayWidth.of(more)), y: area.maxY - 1, style: .warning)
        }
    }

    /// Draws a read-only page with ↑ ↓ scrolling, keeping the last row for the "more below" marker.
    private func drawScrolling(_ page: PageWriter, into g: inout Grid, _ r: Rect) {
        let fits = page.lines.count <= r.height
        let visible = fits ? r.height : max(1, r.height - 1)
        pageScroll = max(0, min(pageScroll, max(0, page.lines.count - visible)))
        page.draw(into: &g, x: r.x, y: r.y, height: visible, scroll: pageScroll)
        if pageScroll > 0 { g.put("↑", x: r.maxX, y: r.y, style: .muted) }
        if page.lines.count - pageScroll > visible {
            let more = " " + S.moreBelow + " (↓) "
            g.put(more, x: max(r.x, r.maxX - DisplayWidth.of(more)), y: r.maxY - 1, style: .warning)
        }
    }

    /// Adds a field to the page; returns the cursor (column, page line) when it is a focused text field.
    private func renderField(_ f: ReportField, focused: Bool, into page: inout PageWriter, _ app: App) -> (Int, Int)? {
        // The ▸ marker sits on the label of a focused text field, and on the highlighted answer of a choice.
        let marker = focused && texts[f] != nil ? "▸ " : "  "
        page.line(DisplayWidth.truncate(marker + S.fieldLabel(f), to: page.width), style: focused ? .title : .normal)
        if let hint = S.fieldHint(f) { page.paragraph(hint, style: .muted, indent: 2) }
        if let e = errors[f] { page.paragraph("! " + S.issue(e), style: .danger, indent: 2) }
        if f == .concerns {
            let defs = app.profile.concerns
            let cur = min(optionCursor[.concerns] ?? 0, max(0, defs.count - 1))
            let rows = min(defs.count, 8)
            var top = checklistScroll[.concerns] ?? 0
            if cur < top { top = cur }
            if cur >= top + rows { top = cur - rows + 1 }
            checklistScroll[.concerns] = top
            for (i, d) in defs.enumerated().dropFirst(top).prefix(rows) {
                let mark = report.concerns.contains(d.id) ? "[x]" : "[ ]"
                page.option("\(mark) \(S.concern(d.id, app.profile))", focused: focused && i == cur, indent: 2)
            }
            if defs.count > rows {
                page.line("    " + trn("concernsShown", report.concerns.count, ["from": top + 1, "to": top + rows, "total": defs.count]), style: .muted)
            }
            return nil
        }
        if let opts = options(f, app) {
            let cur = optionCursor[f] ?? opts.chosen ?? 0
            for (i, label) in opts.labels.enumerated() {
                let mark = opts.chosen == i ? "(•)" : "( )"
                page.option("\(i + 1). \(mark) \(label)", focused: focused && i == cur, indent: 2)
            }
            return nil
        }
        if var t = texts[f] {
            let rows = t.multiline ? 4 : 1
            let fieldWidth = min(page.width - 2, t.multiline ? page.width - 2 : 60)
            let top = page.lines.count
            let c = page.textField(&t, rows: rows, width: fieldWidth, indent: 2, focused: focused)
            texts[f] = t
            return c.map { ($0.0, top + $0.1) }
        }
        return nil
    }

    private func renderUrgent(_ g: inout Grid, _ r: Rect, _ app: App) {
        var page = PageWriter(width: r.width)
        page.paragraph(S.urgentTitle, style: .danger)
        page.gap()
        // The numbers first: they must be on screen even in a small window.
        page.line(S.urgentEmergency, style: .title)
        for n in app.profile.emergencyNumbers { page.paragraph("\(n.number)  \(S.words(n.label))", style: .warning, indent: 2) }
        page.line(S.urgentHelplines, style: .title)
        for n in app.profile.helplines { page.paragraph("\(n.number)  \(S.words(n.label))", style: .warning, indent: 2) }
        page.gap()
        for s in app.profile.urgentSteps { page.paragraph("• " + S.words(s), hanging: 2) }
        page.gap()
        page.paragraph(S.urgentAfter, style: .muted)
        drawScrolling(page, into: &g, r)
    }

    private func renderReview(_ g: inout Grid, _ r: Rect, _ app: App) {
        var page = PageWriter(width: r.width)
        page.paragraph(S.stepIntro(.review), style: .muted)
        let problems = ReportValidation.issues(for: .review, in: report, today: app.clock.today)
        for s in ReportStep.allCases where s != .review {
            page.gap()
            page.line(S.stepTitle(s), style: .title)
            for f in s.fields {
                let value = reviewValue(f, app)
                let label = S.reviewLabel(f)
                page.paragraph("\(label): \(value.isEmpty ? S.reviewNothing : value)", style: problems[f] != nil ? .danger : .normal, indent: 2)
            }
        }
        page.gap()
        page.button(S.saveButton, focused: true)
        page.line(S.reviewKeys, style: .muted)
        drawScrolling(page, into: &g, r)
    }

    private func reviewValue(_ f: ReportField, _ app: App) -> String {
        switch f {
        case .concerns: return report.concerns.map { S.concern($0, app.profile) }.joined(separator: ", ")
        case .inDangerNow: return report.inDangerNow.map { $0 ? S.answer(.yes) : S.answer(.no) } ?? ""
        case .reporterKind: return report.reporterKind.map(S.reporterKind) ?? ""
        case .sex: return report.sex.map(S.sex) ?? ""
        case .childAssent: return S.answer(report.childAssent)
        case .caregiverConsent: return S.answer(report.caregiverConsent)
        default:
            guard let kp = Self.textPath(f) else { return "" }
            return report[keyPath: kp].replacingOccurrences(of: "\n", with: " ")
        }
    }
}

/// Builds a tall virtual page of styled lines (and text fields) that is then drawn with a scroll offset.
struct PageWriter {
    enum Piece {
        case text(String, Style, indent: Int)
        case option(String, focused: Bool, indent: Int)
        case field(TextField, rowInField: Int, width: Int, indent: Int, focused: Bool)
        case button(String, focused: Bool)
    }
    let width: Int
    private(set) var lines: [Piece] = []

    init(width: Int) { self.width = width }

    mutating func line(_ s: String, style: Style = .normal) { lines.append(.text(s, style, indent: 0)) }
    mutating func gap() { lines.append(.text("", .normal, indent: 0)) }
    mutating func paragraph(_ s: String, style: Style = .normal, indent: Int = 0) {
        for l in DisplayWidth.wrap(s, width: max(1, width - indent)) { lines.append(.text(l, style, indent: indent)) }
    }
    /// A paragraph whose wrapped lines are indented by `hanging` (for bullets).
    mutating func paragraph(_ s: String, style: Style = .normal, hanging: Int) {
        for (i, l) in DisplayWidth.wrap(s, width: max(1, width - hanging)).enumerated() {
            lines.append(.text(l, style, indent: i == 0 ? 0 : hanging))
        }
    }
    /// A choice; a long one wraps under its text (after "1. ( ) "), so nothing is cut off, for example a
    /// provider's phone number at the end of the line.
    mutating func option(_ s: String, focused: Bool, indent: Int) {
        let room = max(1, width - indent - 2)
        // The marker ("1. (•) ", "[x] ") stays on the first line; the text wraps under itself.
        let cut = (s.range(of: ") ") ?? s.range(of: "] ")).map(\.upperBound).flatMap { DisplayWidth.of(String(s[..<$0])) <= 10 ? $0 : nil } ?? s.startIndex
        let prefix = String(s[..<cut]), body = String(s[cut...])
        let marker = DisplayWidth.of(prefix)
        guard DisplayWidth.of(s) > room, room - marker > 8 else { lines.append(.option(s, focused: focused, indent: indent)); return }
        for (i, l) in DisplayWidth.wrap(body, width: room - marker).enumerated() {
            lines.append(.option(i == 0 ? prefix + l : String(repeating: " ", count: marker) + l, focused: focused, indent: indent))
        }
    }
    mutating func button(_ s: String, focused: Bool) { lines.append(.button(s, focused: focused)) }

    /// Adds a text field of `rows` rows; returns the cursor (column, row within the field) when focused.
    mutating func textField(_ t: inout TextField, rows: Int, width: Int, indent: Int, focused: Bool) -> (Int, Int)? {
        var scratch = Grid(width: max(1, width), height: rows)
        let c = t.render(into: &scratch, Rect(x: 0, y: 0, width: width, height: rows), focused: focused)
        for r in 0..<rows { lines.append(.field(t, rowInField: r, width: width, indent: indent, focused: focused)) }
        return c.map { ($0.x + indent, $0.y) }
    }

    func draw(into g: inout Grid, x: Int, y: Int, height: Int, scroll: Int) {
        var fieldCache: [Int: Grid] = [:]
        for (i, piece) in lines.enumerated().dropFirst(scroll).prefix(height) {
            let yy = y + i - scroll
            switch piece {
            case .text(let s, let style, let indent):
                g.put(s, x: x + indent, y: yy, style: style, clip: Rect(x: x, y: yy, width: width, height: 1))
            case .option(let s, let focused, let indent):
                let r = Rect(x: x + indent, y: yy, width: width - indent, height: 1)
                if focused { g.fill(r, style: .focus) }
                g.put((focused ? "▸ " : "  ") + s, x: x + indent, y: yy, style: focused ? .focus : .normal, clip: r)
            case .field(var t, let row, let w, let indent, let focused):
                // Render the whole field once into a scratch grid, then copy the row.
                let start = i - row
                if fieldCache[start] == nil {
                    var rows = 1
                    while start + rows < lines.count, case .field(_, let r2, _, _, _) = lines[start + rows], r2 == rows { rows += 1 }
                    var scratch = Grid(width: max(1, w), height: rows)
                    _ = t.render(into: &scratch, Rect(x: 0, y: 0, width: w, height: rows), focused: focused, style: focused ? .field : .field)
                    fieldCache[start] = scratch
                }
                let scratch = fieldCache[start]!
                var col = 0
                while col < scratch.width {
                    let cell = scratch[col, row]
                    if cell.width == 0 { col += 1; continue }
                    g.put(cell.text, x: x + indent + col, y: yy, style: cell.style, clip: Rect(x: x, y: yy, width: width, height: 1))
                    col += max(1, Int(cell.width))
                }
            case .button(let s, let focused):
                let label = "[ \(s) ]"
                let r = Rect(x: x, y: yy, width: DisplayWidth.of(label), height: 1)
                g.put(label, x: x, y: yy, style: focused ? .focus : .title, clip: Rect(x: x, y: yy, width: width, height: 1))
                _ = r
            }
        }
    }
}
