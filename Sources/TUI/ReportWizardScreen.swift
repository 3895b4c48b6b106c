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
    var texts: [ReportField: TextField] = [:]
    /// Highlighted option in choice and checklist fields.
    var optionCursor: [ReportField: Int] = [:]
    var checklistScroll: [ReportField: Int] = [:]
    private(set) var errors: [ReportField: ValidationIssue] = [:]
    private(set) var showingUrgentAdvice = false
    private var saving = false
    private var lastPersisted: Report?
    var scroll = 0
    /// Scroll position of the review and "act now" pages (read-only pages moved with ↑ ↓).
    var pageScroll = 0
    var lastAreaWidth = 76

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

    var items: [ReportField] { step.fields }
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
    func options(_ f: ReportField, _ app: App) -> (labels: [String], chosen: Int?)? {
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
}
