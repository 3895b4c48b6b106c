import Foundation
import I18n
import Model
import Storage

/// The child-friendly guided report (issue #5): a child, with a trusted adult, tells us in short, kind steps.
///
/// Reached from the login and lock screens without a PIN (F3). It can only create a report: it never shows a
/// case, a name or a list, and it ends on the lock screen. One short question per screen, big numbered
/// choices, "I don't want to say" on every question, Esc to stop (asks once, then wipes everything typed
/// here). After 2 minutes without a key the app asks "Are you still there?" with a countdown, then wipes
/// and starts again (see `App.checkIdle`).
final class ChildReportScreen: Screen {
    enum Step: Equatable { case language, welcome, safe, danger, about, name, what, whenWhere, talk, reach, send, done, confirmStop }

    private(set) var step: Step = .language
    private var stepBeforeStop: Step = .language
    private var history: [Step] = []
    private(set) var answers = ChildReport()
    private var selected = 0
    private var field = TextField()
    /// True while the focus is on the choices under a text field (↓ from the field).
    private var choiceFocus = false
    private var error: String?
    /// Seconds left before the idle reset, while "Are you still there?" shows (set by the app).
    var stillThere: Int?
    /// The language the child chose (nil until then: the kiosk's language).
    private(set) var chosen: Language?
    let languages: [Language]

    init(languages: [Language] = Languages.shared.all) {
        self.languages = languages
    }

    var languageOverride: Language? { chosen }
    var title: String { tr("child.title") }
    var editingText: Bool { isTextStep && !choiceFocus }
    var helpKey: String { "help.child" }
    private var isTextStep: Bool { [.name, .whenWhere, .reach].contains(step) }

    func hints(_ app: App) -> [(String, String)] {
        var h: [(String, String)] = [("Esc", tr("child.kStop"))]
        if step != .language && step != .done { h.append(("PgUp", tr("child.kBack"))) }
        if Speaker.available { h.append(("F5", tr("child.kSpeak"))) }
        h.append(("Enter", tr("child.kChoose")))
        return h
    }

    // MARK: What each step asks

    /// The question, a short explanation (may be empty) and the numbered choices of the current step.
    func content(_ app: App) -> (question: String, body: String, choices: [String]) {
        let dontSay = tr("child.dontSay")
        switch step {
        case .language:
            return (tr("child.lang.q"), "", languages.map(\.name))
        case .welcome:
            return (tr("child.welcome.title"), tr("child.welcome.body"), [tr("child.welcome.go")])
        case .safe:
            return (tr("child.safe.q"), "", [tr("child.safe.safe"), tr("child.safe.notSafe"), tr("child.safe.notSure"), dontSay])
        case .danger:
            let numbers = (app.profile.emergencyNumbers + app.profile.helplines).map { "\($0.number)  \(S.words($0.label))" }
            return (tr("child.danger.title"), tr("child.danger.body") + "\n\n" + tr("child.danger.call") + "\n" + numbers.joined(separator: "\n"), [tr("child.goOn")])
        case .about:
            return (tr("child.about.q"), "", [tr("child.about.me"), tr("child.about.friend"), tr("child.about.otherChild"), dontSay])
        case .name:
            return (tr("child.name.q"), tr("child.name.hint"), [tr("child.goOn"), dontSay])
        case .what:
            let person = answers.about == nil || answers.about == .me ? "me" : "other"
            let ticks = ChildReport.What.allCases.map { (answers.what.contains($0) ? "[x] " : "[ ] ") + tr("child.what.\(person).\($0.rawValue)") }
            return (tr("child.what.q"), tr("child.what.hint"), ticks + [tr("child.what.done"), dontSay])
        case .whenWhere:
            return (tr("child.when.q"), tr("child.when.hint"), [tr("child.goOn"), dontSay])
        case .talk:
            return (tr("child.talk.q"), "", ChildReport.TalkTo.allCases.map { tr("child.talk.\($0.rawValue)") } + [dontSay])
        case .reach:
            return (tr("child.reach.q"), tr("child.reach.hint"), [tr("child.goOn"), dontSay])
        case .send:
            return (tr("child.send.q"), error ?? "", [tr("child.send.yes"), tr("child.send.no")])
        case .done:
            let numbers = app.profile.helplines.map { "\($0.number)  \(S.words($0.label))" }
            return (tr("child.done.title"), tr("child.done.body") + "\n\n" + tr("child.done.call") + "\n" + numbers.joined(separator: "\n"), [tr("child.done.go")])
        case .confirmStop:
            return (tr("child.stop.q"), "", [tr("child.stop.yes"), tr("child.stop.no")])
        }
    }

    // MARK: Drawing

    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let w = min(area.width - 4, 72)
        let x = area.x + max(2, (area.width - w) / 2)
        let stop = tr("child.stopHint")
        g.put(stop, x: max(area.x, area.maxX - DisplayWidth.of(stop) - 1), y: area.y, style: .warning, clip: area)
        if let left = stillThere {
            var y = area.y + 2
            y = Draw.paragraph(&g, tr("child.still.q"), x: x, y: y, width: w, maxY: area.maxY, style: .title) + 1
            y = Draw.paragraph(&g, tr("child.still.body"), x: x, y: y, width: w, maxY: area.maxY) + 1
            Draw.paragraph(&g, tr("child.still.count", ["seconds": left]), x: x, y: y, width: w, maxY: area.maxY, style: .warning)
            return
        }
        let c = content(app)
        var y = area.y + 1
        y = Draw.paragraph(&g, c.question, x: x, y: y, width: w, maxY: area.maxY, style: step == .danger || step == .confirmStop ? .danger : .title) + 1
        if !c.body.isEmpty {
            for part in c.body.components(separatedBy: "\n") {
                y = Draw.paragraph(&g, part, x: x, y: y, width: w, maxY: area.maxY, style: step == .send && error != nil ? .danger : .normal)
            }
            y += 1
        }
        if isTextStep, y < area.maxY {
            let cursor = field.render(into: &g, Rect(x: x, y: y, width: w, height: 1), focused: !choiceFocus)
            _ = cursor
            y += 2
        }
        // Big choices: a blank line between them when there is room.
        let spacing = (area.maxY - y) >= c.choices.count * 2 ? 2 : 1
        for (i, label) in c.choices.enumerated() where y < area.maxY {
            let isSelected = i == selected && (!isTextStep || choiceFocus)
            Draw.menuItem(&g, key: choiceKey(i), label: label, x: x, y: y, width: w, selected: isSelected)
            y += spacing
        }
    }

    /// The key shown beside choice `i`. While the child types an answer, digits are part of the answer, so the
    /// two choices of a typed-answer step are offered by keys that cannot be typed: Enter goes on, ↓ moves to
    /// "I don't want to say" (then Enter, or 2, chooses it). Elsewhere the choice's number (issue #15: `2`
    /// typed "2" instead of choosing "I don't want to say").
    private func choiceKey(_ i: Int) -> String {
        guard isTextStep && !choiceFocus else { return "\(i + 1)" }
        return i == 0 ? tr("child.key.enter") : tr("child.key.down")
    }

    // MARK: Keys

    func handle(_ key: Key, _ app: App) -> Action {
        if stillThere != nil { stillThere = nil; return .none }
        let choices = content(app).choices
        if key == .escape {
            if step == .confirmStop { return stopNow(app) }
            stepBeforeStop = step
            go(.confirmStop, remember: false)
            return .none
        }
        if key == .function(5) || (key == .char("r") && !editingText) {
            speak(app)
            return .none
        }
        if key == .pageUp || key == .backTab && !isTextStep {
            back()
            return .none
        }
        if isTextStep && !choiceFocus {
            switch key {
            case .enter, .tab: return choose(0, app)
            case .down: choiceFocus = true; selected = 1; return .none   // "I don't want to say", as its ↓ says
            default:
                _ = field.handle(key)
                return .none
            }
        }
        switch key {
        case .up:
            if selected == 0 && isTextStep { choiceFocus = false } else { selected = max(0, selected - 1) }
        case .down: selected = min(choices.count - 1, selected + 1)
        case .tab: selected = (selected + 1) % max(1, choices.count)
        case .enter, .char(" "): return choose(selected, app)
        case .char(let ch):
            if let n = Int(String(ch)), n >= 1, n <= choices.count {
                selected = n - 1
                return choose(n - 1, app)
            }
        default: break
        }
        return .none
    }

    func handlePaste(_ text: String, _ app: App) -> Action {
        if isTextStep && !choiceFocus { field.insert(text.replacingOccurrences(of: "\n", with: " ")) }
        return .none
    }

    private func go(_ next: Step, remember: Bool = true) {
        if remember && step != .confirmStop { history.append(step) }
        step = next
        selected = 0
        choiceFocus = false
        error = nil
        switch next {
        case .name: field = TextField(answers.name, limit: TextLimits.line)
        case .whenWhere: field = TextField(answers.whenWhere, limit: TextLimits.line)
        case .reach: field = TextField(answers.reach, limit: TextLimits.line)
        default: break
        }
    }

    private func back() {
        guard let previous = history.popLast() else { return }
        storeField()
        step = previous
        go(previous, remember: false)
    }

    private func storeField() {
        switch step {
        case .name: answers.name = field.text
        case .whenWhere: answers.whenWhere = field.text
        case .reach: answers.reach = field.text
        default: break
        }
    }

    /// Acts on choice `i` of the current step.
    private func choose(_ i: Int, _ app: App) -> Action {
        switch step {
        case .language:
            chosen = languages[i]
            answers.language = languages[i].code
            go(.welcome)
        case .welcome: go(.safe)
        case .safe:
            answers.safety = i < 3 ? ChildReport.Safety.allCases[i] : nil
            go(answers.urgent ? .danger : .about)
        case .danger: go(.about)
        case .about:
            answers.about = i < 3 ? ChildReport.About.allCases[i] : nil
            go(.name)
        case .name, .whenWhere, .reach:
            if i == 1 { field = TextField() }  // "I don't want to say" clears what was typed
            storeField()
            go(step == .name ? .what : step == .whenWhere ? .talk : .send)
        case .what:
            let all = ChildReport.What.allCases
            if i < all.count {
                if let at = answers.what.firstIndex(of: all[i]) { answers.what.remove(at: at) } else { answers.what.append(all[i]) }
            } else {
                if i == all.count + 1 { answers.what = [] }
                go(.whenWhere)
            }
        case .talk:
            answers.talkTo = i < ChildReport.TalkTo.allCases.count ? ChildReport.TalkTo.allCases[i] : nil
            go(.reach)
        case .send:
            if i == 1 { stepBeforeStop = .send; go(.confirmStop, remember: false); return .none }
            do {
                try app.submitChildReport(answers.report(narrative: narrative()), language: answers.language)
                answers = ChildReport(language: answers.language)
                history = []
                go(.done, remember: false)
            } catch {
                self.error = tr("child.saveFailed")
            }
        case .done:
            return finish(app)
        case .confirmStop:
            if i == 0 { return stopNow(app) }
            step = stepBeforeStop
            selected = 0
        }
        return .none
    }

    /// The child's answers written out for the focal point, in the session's language.
    func narrative() -> String {
        let none = tr("child.n.noAnswer")
        let person = answers.about == nil || answers.about == .me ? "me" : "other"
        let lines = [
            tr("child.n.safe", ["answer": answers.safety.map { tr("child.safe.\($0.rawValue)") } ?? none]),
            tr("child.n.about", ["answer": answers.about.map { tr("child.about.\($0.rawValue)") } ?? none]),
            tr("child.n.what", ["answer": answers.what.isEmpty ? none : answers.what.map { tr("child.what.\(person).\($0.rawValue)") }.joined(separator: "; ")]),
            tr("child.n.when", ["answer": answers.whenWhere.isEmpty ? none : answers.whenWhere]),
            tr("child.n.talk", ["answer": answers.talkTo.map { tr("child.talk.\($0.rawValue)") } ?? none]),
        ]
        return lines.joined(separator: "\n")
    }

    /// Stop: wipe everything typed in this session and go back to the lock screen.
    private func stopNow(_ app: App) -> Action {
        wipe()
        return finish(app)
    }

    /// Forgets every answer and starts again at the language question (idle reset).
    func wipe() {
        answers = ChildReport()
        field = TextField()
        history = []
        chosen = nil
        stillThere = nil
        step = .language
        selected = 0
        choiceFocus = false
        error = nil
    }

    private func finish(_ app: App) -> Action {
        wipe()
        app.endChildSession()
        return .none
    }

    /// Reads the question and its choices aloud (espeak-ng), in the session's language.
    private func speak(_ app: App) {
        Speaker.say(spokenText(app), language: (chosen ?? L10n.current).code)
    }

    /// What read-aloud says for the current step, in the current language: the question, the explanation and
    /// the numbered choices (without the tick boxes).
    func spokenText(_ app: App) -> String {
        let c = content(app)
        var text = c.question
        if !c.body.isEmpty { text += ". " + c.body }
        for (i, choice) in c.choices.enumerated() {
            let key = isTextStep && !choiceFocus ? tr(i == 0 ? "child.key.enter.spoken" : "child.key.down.spoken") : "\(i + 1)"
            text += ". \(key): " + choice.replacingOccurrences(of: "[x] ", with: "").replacingOccurrences(of: "[ ] ", with: "")
        }
        return text
    }
}

extension ChildReport {
    init(language: String) {
        self.init()
        self.language = language
    }
}

/// Read-aloud through espeak-ng when it is installed (`KINGA_SPEAK` names another command, for tests).
/// Kinga works fully without it: the key hint is only shown when a speaker is found.
enum Speaker {
    /// The command to run, or nil when none is installed.
    nonisolated(unsafe) static var command: String? = {
        let env = ProcessInfo.processInfo.environment
        if let c = env["KINGA_SPEAK"] { return c.isEmpty ? nil : c }
        for dir in (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/espeak-ng"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }()
    static var available: Bool { command != nil }
    /// The speaker reading now (0: none, or finished and collected).
    nonisolated(unsafe) private(set) static var running: pid_t = 0

    /// Collects a speaker that has finished, without waiting, so it does not stay behind as a zombie until
    /// the next F5 (issue #15). Called by the run loop on every turn.
    static func reap() {
        guard running > 0 else { return }
        var status: Int32 = 0
        let r = waitpid(running, &status, WNOHANG)
        if r == running || (r == -1 && errno == ECHILD) { running = 0 }
    }

    /// Stops reading now (Kinga is stopping) and collects the speaker.
    static func stop() {
        guard running > 0 else { return }
        kill(running, SIGTERM)
        var status: Int32 = 0
        while waitpid(running, &status, 0) == -1 && errno == EINTR {}
        running = 0
    }

    /// Speaks `text` with the voice for `language` (an ISO 639-1 code), stopping what was being read.
    /// Never waits: the screen stays responsive while it speaks. Output goes to /dev/null.
    static func say(_ text: String, language: String) {
        guard let cmd = command else { return }
        stop()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let args = [cmd, "-v", language, "--", text]
        var cargs = args.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var pid: pid_t = 0
        if posix_spawnp(&pid, cmd, &actions, nil, &cargs, environ) == 0 { running = pid }
    }
}
