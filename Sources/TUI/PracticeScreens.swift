import Foundation
import I18n
import Model
import Storage

/// Trainer mode (issue #8): the practice scenarios of `seeds/scenarios`, on the demo only. Enter opens one;
/// `R` resets the demo in one key (fictional data only; the real database has no such key).
final class PracticeListScreen: Screen {
    var title: String { S.practiceTitle }
    var helpKey: String { "help.practice" }
    private var selected = 0

    func hints(_ app: App) -> [(String, String)] {
        let trainer = app.session?.roles.contains(.trainer) == true
        return [("↑↓", S.kMove), ("Enter", S.kOpen)] + (trainer ? [("R", S.kResetDemo)] : []) + [("Esc", S.kBack), ("?", S.kHelp)]
    }

    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let x = area.x + 2, w = area.width - 4
        var y = area.y + 1
        y = Draw.paragraph(&g, S.practiceIntro, x: x, y: y, width: w, maxY: area.maxY) + 1
        if app.scenarios.isEmpty {
            y = Draw.paragraph(&g, S.practiceNone(app.scenariosFolder), x: x, y: y, width: w, maxY: area.maxY, style: .warning) + 1
        }
        let active = (try? app.store.practice())?.scenarioID
        let rows = max(1, area.maxY - y - (app.scenarioProblems.isEmpty ? 0 : 1 + min(3, app.scenarioProblems.count)))
        let first = max(0, min(selected - rows + 1, app.scenarios.count - rows))
        for (i, s) in app.scenarios.enumerated().dropFirst(first).prefix(rows) where y < area.maxY {
            let minutes = S.practiceMinutes(s.minutes)
            let mark = s.id == active ? " ▸ " + S.practiceActive : ""
            let label = DisplayWidth.truncate(s.title.text(app.language.code), to: max(1, w - 6 - DisplayWidth.of(minutes) - DisplayWidth.of(mark)))
            Draw.menuItem(&g, key: "\(i + 1)", label: "\(label) · \(minutes)\(mark)", x: x, y: y, width: w, selected: i == selected)
            y += 1
        }
        if !app.scenarioProblems.isEmpty, y + 1 < area.maxY {
            // One line per file that cannot be used; when they do not all fit, how many more and where to read them.
            y += 1
            let room = area.maxY - y
            let shown = app.scenarioProblems.count <= room ? app.scenarioProblems.count : max(0, room - 1)
            for p in app.scenarioProblems.prefix(shown) {
                g.put(DisplayWidth.truncate(S.practiceBroken(p.description), to: w), x: x, y: y, style: .danger, clip: area)
                y += 1
            }
            if shown < app.scenarioProblems.count, y < area.maxY {
                g.put(DisplayWidth.truncate(S.practiceMoreProblems(app.scenarioProblems.count - shown), to: w), x: x, y: y, style: .danger, clip: area)
            }
        }
    }

    func handle(_ key: Key, _ app: App) -> Action {
        let n = app.scenarios.count
        switch key {
        case .up where n > 0: selected = (selected + n - 1) % n
        case .down where n > 0, .tab where n > 0: selected = (selected + 1) % n
        case .enter where n > 0: return .push(ScenarioScreen(app.scenarios[selected]))
        case .char(let c) where n > 0 && (c.wholeNumberValue.map { $0 >= 1 && $0 <= n } ?? false):
            selected = c.wholeNumberValue! - 1
            return .push(ScenarioScreen(app.scenarios[selected]))
        case .char("R"):
            if let problem = app.resetDemoNow() { app.flash = (problem, .danger) }
        case .escape, .char("q"): return .pop
        default: break
        }
        return .none
    }
}

/// One practice scenario, step by step: the situation to read out, then (once started) the steps with a
/// tick when Kinga sees them done in the demo, what to do, hints one at a time (`h`), and what a good
/// response includes (`g`). Talking steps are ticked by the trainer with Space.
final class ScenarioScreen: Screen {
    let scenario: Scenario
    private var selected = 0
    private var scroll = 0
    /// True when the last frame did not show every line (PgDn has something to show).
    private var overflows = false
    /// Set by the first Enter when another scenario is being practised: the second Enter replaces it.
    private var confirmReplace = false
    /// What to bring into view at the next frame: the selected step, or the hint just shown.
    private enum Focus { case step, hint }
    private var keepVisible: Focus?
    private var pageHeight = 10
    private var status: (states: [StepState], evidence: PracticeEvidence?)?
    private var active = false
    /// Hints shown per step, kept in the app so they stay shown when the group comes back.
    private func hintsShown(_ app: App, _ step: Int) -> Int { app.practiceHints[scenario.id]?[step] ?? 0 }

    init(_ scenario: Scenario) { self.scenario = scenario }

    var title: String { S.practiceTitle }
    var helpKey: String { "help.practice" }

    /// Coming (back) to the screen: fresh ticks, and the step to work on selected.
    func appear(_ app: App) {
        refresh(app)
        if let st = status, let c = PracticeCheck.current(st.states) { selected = c }
    }

    /// Fresh ticks from the demo, the selection kept.
    private func refresh(_ app: App) {
        active = (try? app.store.practice())?.scenarioID == scenario.id
        if active, let p = app.practiceStatus() {
            status = (p.states, p.evidence)
        } else {
            status = nil
        }
    }

    func hints(_ app: App) -> [(String, String)] {
        if !active { return [("Enter", S.kStart), ("Esc", S.kBack)] + (overflows ? [("PgDn", S.kMore)] : []) + [("g", S.kGood)] }
        // Space only where it does something: on a talking step.
        let talk = scenario.steps.indices.contains(selected) && scenario.steps[selected].check == .none
        return [("↑↓", S.kMove), ("h", S.kHint)] + (talk ? [("Space", S.kTick)] : []) +
            [("Esc", S.kBack), ("g", S.kGood), ("x", S.kStop), ("Enter", S.kPractise), ("i", S.kSituation)]
    }

    /// The screen's lines, wrapped to `width`: (text, style); and where the selected step and its last shown
    /// hint are, to keep them in view.
    private func lines(width: Int, _ app: App) -> (lines: [(String, Style)], step: Int, lastHint: Int) {
        var stepLine = 0, hintLine = 0
        let lang = app.language.code
        var out: [(String, Style)] = []
        func para(_ text: String, _ style: Style = .normal, indent: String = "") {
            for (i, l) in DisplayWidth.wrap(text, width: max(1, width - DisplayWidth.of(indent))).enumerated() {
                out.append(((i == 0 ? indent : String(repeating: " ", count: DisplayWidth.of(indent))) + l, style))
            }
        }
        para("\(scenario.title.text(lang)) · \(S.practiceMinutes(scenario.minutes))", .title)
        out.append(("", .normal))
        guard active, let st = status else {
            para(S.practiceSituation, .title)
            for p in scenario.situation.text(lang).split(separator: "\n") { para(String(p)) }
            out.append(("", .normal))
            para(S.practiceNotStarted, .warning)
            return (out, 0, 0)
        }
        let current = PracticeCheck.current(st.states)
        for (i, step) in scenario.steps.enumerated() {
            let (mark, word, style): (String, String, Style) = {
                switch st.states[i] {
                case .done: return ("✓", S.stepDone, .success)
                case .different: return ("!", S.stepDifferent, .warning)
                case .talk(true): return ("✓", S.stepTalked, .success)
                case .talk(false): return ("○", S.stepTalk, .muted)
                case .open: return (i == current ? "▸" : "·", "", .normal)
                }
            }()
            let text = "\(mark) \(i + 1). \(step.title.text(lang))" + (word.isEmpty ? "" : " — \(word)")
            if i == selected { stepLine = out.count }
            out.append((DisplayWidth.truncate((i == selected ? "› " : "  ") + text, to: width), i == selected ? .selected : style))
        }
        if current == nil { para(S.practiceAllDone, .success) }
        out.append(("", .normal))
        let step = scenario.steps[selected]
        para(S.practiceStepHeading(selected + 1, step.title.text(lang)), .title)
        para(step.todo.text(lang), indent: "  ")
        if step.check == .none { para(S.practiceSpaceTicks, .muted, indent: "  ") }
        let shown = hintsShown(app, selected)
        for h in step.hints.prefix(shown) { para(h.text(lang), .muted, indent: "  💡 ") }
        hintLine = out.count - 1
        if shown < step.hints.count { para(S.practiceMoreHints(step.hints.count - shown), .muted, indent: "  ") }
        if let e = st.evidence {
            out.append(("", .normal))
            para(S.practiceYourCase(e.caseNumber.description), .muted)
        }
        for m in PracticeCheck.mistakes(scenario, evidence: st.evidence) {
            out.append(("", .normal))
            para(S.practiceMistake(S.service(m)), .danger)
        }
        out.append(("", .normal))
        para(S.practiceKeysLine, .muted)
        return (out, stepLine, hintLine)
    }

    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let x = area.x + 2, w = area.width - 4
        let (all, stepLine, hintLine) = lines(width: w, app)
        pageHeight = max(1, area.height - 1)
        if let want = keepVisible {
            let line = want == .step ? stepLine : hintLine
            if line < scroll { scroll = line }
            if line >= scroll + pageHeight { scroll = line - pageHeight + 1 }
            keepVisible = nil
        }
        scroll = max(0, min(scroll, all.count - pageHeight))
        var y = area.y + 1
        for (text, style) in all.dropFirst(scroll).prefix(pageHeight) {
            g.put(text, x: x, y: y, style: style, clip: Rect(x: x, y: y, width: w, height: 1))
            y += 1
        }
        overflows = all.count > pageHeight
        if scroll + pageHeight < all.count { g.put("↓", x: area.maxX - 2, y: area.maxY - 1, style: .muted) }
        if scroll > 0 { g.put("↑", x: area.maxX - 2, y: area.y + 1, style: .muted) }
    }

    func handle(_ key: Key, _ app: App) -> Action {
        switch key {
        case .escape, .char("q"):
            confirmReplace = false
            return .pop
        case .pageDown: scroll += pageHeight - 1
        case .pageUp: scroll = max(0, scroll - pageHeight + 1)
        case .char("g"), .char("G"): return .push(TextPageScreen(title: S.practiceGood, text: goodResponse(app), footer: ""))
        case .enter where !active:
            // Starting replaces the scenario being practised: say so once, start on the second Enter.
            if !confirmReplace, let other = app.practiceStatus()?.scenario, other.id != scenario.id {
                confirmReplace = true
                app.flash = (S.practiceReplace(other.title.text(app.language.code)), .warning)
                return .none
            }
            confirmReplace = false
            do {
                try app.store.startPractice(scenario.id)
                app.practiceMarked[scenario.id] = []
                app.practiceHints[scenario.id] = [:]
                scroll = 0
                appear(app)
            } catch { app.flash = (S.cycleError(error), .danger) }
        case .enter:
            // To the practice case when there is one (else the home screen, to record the report); the
            // banner keeps saying which step is next.
            return .home(then: status?.evidence.map { CaseDetailScreen(caseID: $0.caseID) })
        case _ where !active: break
        case .up:
            selected = (selected + scenario.steps.count - 1) % scenario.steps.count
            keepVisible = .step
        case .down, .tab:
            selected = (selected + 1) % scenario.steps.count
            keepVisible = .step
        case .char("h"), .char("H"):
            let n = hintsShown(app, selected)
            if n < scenario.steps[selected].hints.count {
                app.practiceHints[scenario.id, default: [:]][selected] = n + 1
                keepVisible = .hint
            } else {
                app.flash = (S.practiceNoMoreHints, .normal)
            }
        case .char(" "):
            guard scenario.steps[selected].check == .none else { app.flash = (S.practiceKingaTicks, .normal); return .none }
            app.practiceMarked[scenario.id, default: []].formSymmetricDifference([selected])
            refresh(app)
        case .char("i"), .char("I"):
            return .push(TextPageScreen(title: S.practiceSituation, text: scenario.situation.text(app.language.code), footer: ""))
        case .char("x"), .char("X"):
            try? app.store.stopPractice()
            app.flash = (S.practiceStopped, .normal)
            refresh(app)
        default: break
        }
        return .none
    }

    /// The model answer, with what the trainee did beside it once a practice case exists.
    private func goodResponse(_ app: App) -> String {
        let lang = app.language.code
        var text = scenario.goodResponse.map { "• " + $0.text(lang) }.joined(separator: "\n")
        guard active, let st = status else { return text }
        text += "\n\n" + (st.evidence.map { S.practiceYourCase($0.caseNumber.description) } ?? S.practiceNoCase) + "\n"
        if let e = st.evidence {
            // What the group actually did, in words, beside the model answer.
            text += "\n" + S.practiceDidConcerns(e.concerns.map { S.concern($0, app.profile) }.joined(separator: ", "))
            text += "\n" + S.practiceDidRisk(e.risk.map { S.risk($0) } ?? S.stepNotYet)
            text += "\n" + S.practiceDidReferrals(e.referrals.isEmpty ? S.stepNotYet : e.referrals.map { S.service($0) }.joined(separator: ", "))
            text += "\n" + S.practiceDidPlan(e.hasPlan ? S.stepDone : S.stepNotYet) + " · " + S.practiceDidFollowUps(e.followUps) + "\n"
        }
        for (i, step) in scenario.steps.enumerated() {
            let word: String
            switch st.states[i] {
            case .done, .talk(true): word = "✓"
            case .different: word = "! " + S.stepDifferent
            case .talk(false): word = "○ " + S.stepTalk
            case .open: word = "· " + S.stepNotYet
            }
            text += "\n\(i + 1). \(step.title.text(lang)): \(word)"
        }
        for m in PracticeCheck.mistakes(scenario, evidence: st.evidence) { text += "\n\n" + S.practiceMistake(S.service(m)) }
        return text
    }
}
