import Foundation
import Harness
import Model
import Storage

/// Odd terminals, in the real binary: several `TERM` values, `LANG=C`, `NO_COLOR`, suspend and resume,
/// a dropped connection (SIGHUP) in the middle of a report, resize storms on every kind of screen, and
/// hostile text pasted into the report. After each: the terminal is restored and nothing is left on screen.
struct Terminals {
    let kinga: String
    let folder: String

    struct Failed: Error, CustomStringConvertible {
        let what: String
        var description: String { what }
    }

    func run(_ f: inout Figures, long: Bool) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let db = folder + "/kinga.sqlite"
        _ = try prepareDatabase(db)
        // TERM values and locales: Kinga starts (or says plainly that it cannot), and quits cleanly.
        let setups: [(term: String?, lang: String, noColor: Bool)] = [
            ("xterm-256color", "C.UTF-8", false), ("linux", "C.UTF-8", false), ("vt100", "C.UTF-8", false),
            ("dumb", "C.UTF-8", false), (nil, "C.UTF-8", false), ("xterm-256color", "C", false), ("xterm-256color", "C.UTF-8", true),
        ]
        for s in setups {
            f.terminalsTried += 1
            let w = TmuxWindow()
            defer { w.stop() }
            var env = "env -i PATH=/usr/bin:/bin HOME=\(folder) LANG=\(s.lang)"
            if let t = s.term { env += " TERM=\(t)" }
            if s.noColor { env += " NO_COLOR=1" }
            try w.start("\(env) \(kinga) --db \(db)")
            let screen = try w.waitFor("Choose your name", "END-OF-RUN")
            if screen.contains("Choose your name") { try w.send("C-q") }
            let end = try w.waitFor("END-OF-RUN")
            if !leftClean(end) { f.terminalsLeftDirty += 1; f.problems.append("TERM=\(s.term ?? "unset") LANG=\(s.lang): terminal not restored:\n\(end)") }
        }
        try suspendAndResume(db, &f)
        try hangUpMidReport(db, &f)
        try terminalLoss(db, &f)
        try resizeStorm(db, &f, rounds: long ? 20 : 4)
        try hostilePaste(db, &f)
    }

    /// SIGTSTP (Ctrl-Z from outside a kiosk, or the shell's job control), then SIGCONT: the screen comes back.
    func suspendAndResume(_ db: String, _ f: inout Figures) throws {
        f.terminalsTried += 1
        let w = try startLoggedIn(kinga, db: db, home: folder)
        defer { w.stop() }
        guard let pid = try w.pid(of: "kinga") else { throw Failed(what: "kinga not running") }
        // SIGTSTP is discarded by the kernel when Kinga's process group is orphaned (as in a tmux pane whose
        // shell has no job control); SIGSTOP then stops it for certain, as a job-control shell would.
        kill(pid, SIGTSTP)
        kill(pid, SIGSTOP)
        try waitUntil("kinga to stop", seconds: 10) { processState(pid) == "T" }
        kill(pid, SIGCONT)
        try w.send("C-l")     // any key: locks, and the lock screen must be drawn whole
        try w.waitFor("Kinga is locked")
        try w.send("C-q")
        let end = try w.waitFor("END-OF-RUN")
        if !leftClean(end) { f.terminalsLeftDirty += 1; f.problems.append("after suspend and resume: terminal not restored") }
    }

    /// The SSH connection drops (SIGHUP) in the middle of a report: the draft is saved, the terminal restored.
    func hangUpMidReport(_ db: String, _ f: inout Figures) throws {
        f.terminalsTried += 1
        let store = try Kiosk.open(db)
        try clearDrafts(store)
        let w = try startLoggedIn(kinga, db: db, home: folder)
        defer { w.stop() }
        try w.send("n"); try w.waitFor("Step 1 of 6")
        try w.send("4", "PageDown"); try w.waitFor("Step 2 of 6")
        try w.type("Hangup Child")
        try w.waitFor("Hangup Child")     // on screen: Kinga has handled the keys
        guard let pid = try w.pid(of: "kinga") else { throw Failed(what: "kinga not running") }
        kill(pid, SIGHUP)
        let end = try w.waitFor("END-OF-RUN")
        if !leftClean(end) || end.contains("Hangup Child") { f.terminalsLeftDirty += 1; f.problems.append("after SIGHUP: terminal not restored or text left") }
        let drafts = try Kiosk.open(db).drafts()
        if !drafts.contains(where: { $0.report.childName == "Hangup Child" }) {
            f.recordsLost += 1
            f.problems.append("after SIGHUP: the report being typed was not kept as a draft")
        }
        try clearDrafts(store)
    }

    /// Sizes from 1x1 to 300x100 in quick succession on the home screen, the case list, a case, the
    /// report and help; then a normal size must show the full screen again.
    func resizeStorm(_ db: String, _ f: inout Figures, rounds: Int) throws {
        let w = try startLoggedIn(kinga, db: db, home: folder)
        defer { w.stop() }
        let screens: [([String], String)] = [([], "What would you like to do?"), (["c"], "/ Search"), (["Enter"], "Timeline"),
                                             (["Escape", "Escape", "n"], "Step 1 of 6"), (["F1"], "Help")]
        let sizes = [(1, 1), (300, 100), (2, 50), (200, 3), (40, 12), (39, 11), (120, 40), (10, 5), (80, 24)]
        for (keys, marker) in screens {
            if !keys.isEmpty { try w.send(keys) }
            try w.waitFor(marker)
            for _ in 0..<rounds {
                for (x, y) in sizes { try w.resize(x, y) }
            }
            f.terminalsTried += 1
            try w.resize(80, 24)
            try w.waitFor(marker, seconds: 5)
        }
        try w.send("Escape")
        if (try? w.pid(of: "kinga")) == nil { throw Failed(what: "kinga stopped during the resize storm") }
    }

    /// Hostile text pasted into the report's fields in the real terminal: cursor moves, screen clears, an
    /// OSC 52 clipboard write, a title change, bidi overrides, NUL, 10,000 characters with newlines. The
    /// screen must stay whole (the wizard still on step 2) and the draft must hold only harmless text.
    func hostilePaste(_ db: String, _ f: inout Figures) throws {
        let store = try Kiosk.open(db)
        try clearDrafts(store)
        let w = try startLoggedIn(kinga, db: db, home: folder)
        defer { w.stop() }
        // Let applications set tmux's clipboard, so an OSC 52 that got through would show up as a buffer.
        try w.tmux(["set-option", "-g", "set-clipboard", "on"])
        try w.send("n"); try w.waitFor("Step 1 of 6")
        try w.send("4", "PageDown"); try w.waitFor("Step 2 of 6")
        let inputs = [
            "Ana\u{1B}[2J\u{1B}[H", "\u{1B}]52;c;ZXZpbA==\u{07}Budi", "\u{1B}]0;pwned\u{07}Citra", "\u{202E}Dewi\u{202C}",
            "Eka\u{0}Fajar", String(repeating: "Gita\nHadi ", count: 1000), "\u{1B}[31mIntan\u{1B}[0m", "Joko\u{9B}31m",
        ]
        for (text, visible) in zip(inputs, ["Ana", "Budi", "Citra", "Dewi", "Eka", "Gita", "Intan", "Joko"]) {
            f.hostileInputsTried += 1
            try w.tmux(["set-buffer", "--", text])
            try w.tmux(["paste-buffer", "-p", "-t", "0"])      // bracketed paste, as a terminal would send it
            // The paste has been handled once its harmless part shows in the field.
            let s = try w.waitFor(visible, "Step 1 of 6", "What would you like to do?")
            if !s.contains("Step 2 of 6") { f.problems.append("a paste moved the report off its step:\n\(s)") }
            // Shown as text is harmless; what must never happen is the terminal obeying it.
            let title = try w.tmux(["display-message", "-p", "-t", "0", "#{pane_title}"])
            let buffers = try w.tmux(["list-buffers", "-F", "#{buffer_sample}"])
            if title.contains("pwned") || buffers.contains("evil") { f.problems.append("a pasted escape sequence reached the terminal (title or clipboard)") }
            try w.send("C-u")   // clear the field (or nothing)
            for _ in 0..<3 { try w.send("BSpace") }
            try waitUntil("the field to be cleared after pasting \(visible)", seconds: 20) { !(try w.screen()).contains(visible) }
        }
        try w.type("Harmless")
        try w.send("Tab")     // the draft is written
        try waitUntil("the draft after the pastes", seconds: 20) { try store.drafts().contains { $0.report.childName.contains("Harmless") } }
        for d in try store.drafts() {
            let fields = [d.report.childName, d.report.village, d.report.caregiver, d.report.nickname]
            if fields.contains(where: { $0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) || $0 == "\u{202E}" } }) {
                f.problems.append("a control character or bidi override reached the database")
            }
        }
        try clearDrafts(store)
        try w.send("Escape")
    }

    /// The terminal disappears without a signal, on the login, home, report, dialog and PIN-prompt screens:
    /// Kinga runs under `setsid`, so it has no controlling terminal and the kernel sends it no SIGHUP when the
    /// tmux server is killed with SIGKILL (the pty's other end simply goes away: what a crashed terminal
    /// emulator, or a shell that survives the hang-up as session leader, leaves Kinga with). It must notice
    /// the end of its input, keep the report being typed as a draft, and exit within 2 seconds instead of
    /// spinning (issue #14).
    func terminalLoss(_ db: String, _ f: inout Figures) throws {
        let store = try prepareDatabase(db)
        let limit = 2.0
        struct Place {
            let name: String
            let draft: String?
            let reach: (TmuxWindow) throws -> Void
        }
        let places: [Place] = [
            Place(name: "login", draft: nil) { _ in },
            Place(name: "home", draft: nil) { w in
                try w.send("1", "Tab"); try w.type(pin); try w.send("Enter"); try w.waitFor("What would you like to do?")
            },
            Place(name: "report", draft: "Vanished Terminal") { w in
                try w.send("1", "Tab"); try w.type(pin); try w.send("Enter"); try w.waitFor("What would you like to do?")
                try w.send("n"); try w.waitFor("Step 1 of 6")
                try w.send("4", "PageDown"); try w.waitFor("Step 2 of 6")
                try w.type("Vanished Terminal")          // typed, not yet confirmed with Tab: kept too
                try w.waitFor("Vanished Terminal")
            },
            Place(name: "note", draft: nil) { w in
                try w.send("1", "Tab"); try w.type(pin); try w.send("Enter"); try w.waitFor("What would you like to do?")
                try w.send("c"); try w.waitFor("/ Search")
                try w.send("Enter"); try w.waitFor("Timeline")
                try w.send("a"); try w.waitFor("F2")
                try w.type("Vanished Note")
                try w.waitFor("Vanished Note")
            },
            Place(name: "dialog", draft: "Vanished Dialog") { w in
                try w.send("1", "Tab"); try w.type(pin); try w.send("Enter"); try w.waitFor("What would you like to do?")
                try w.send("n"); try w.waitFor("Step 1 of 6")
                try w.send("4", "PageDown"); try w.waitFor("Step 2 of 6")
                try w.type("Vanished Dialog")
                try w.waitFor("Vanished Dialog")
                try w.send("Escape"); try w.waitFor("Keep it as a draft")
            },
        ]
        for place in places {
            f.terminalsTried += 1
            try clearDrafts(store)
            let w = TmuxWindow()
            defer { w.stop() }
            try w.start("env -i PATH=/usr/bin:/bin HOME=\(folder) KINGA_NOW=\(nowText) LANG=C.UTF-8 TERM=xterm-256color setsid -w \(kinga) --db \(db)")
            try w.waitFor("Choose your name")
            try place.reach(w)
            try lose(w, place.name, limit: limit, &f)
            if place.name == "note" {
                // The half-written note is kept for its author (issue #14), and offered back with the note.
                let (supervisor, me) = try actAsSupervisor(store)
                let caseID = try supervisor.casePage(after: nil, limit: 1, viewer: .user(me)).first?.id
                let kept = try caseID.flatMap { try supervisor.unfinished(place: "note", caseID: $0) }
                if kept?.values["text"] != "Vanished Note" {
                    f.recordsLost += 1
                    f.problems.append("terminal lost on the note screen: the note being written was not kept")
                }
                if let c = caseID { try supervisor.dropUnfinished(place: "note", caseID: c) }
            }
            if let name = place.draft {
                if !(try store.drafts().contains { $0.report.childName == name }) {
                    f.recordsLost += 1
                    f.problems.append("terminal lost on the \(place.name) screen: the report being typed was not kept as a draft")
                }
            }
        }
        try clearDrafts(store)
        // The PIN prompt of `kinga export cases` (not full screen): it must end too, and write no file.
        f.terminalsTried += 1
        let out = folder + "/lost-export.json"
        let w = TmuxWindow()
        defer { w.stop() }
        try w.start("env -i PATH=/usr/bin:/bin HOME=\(folder) KINGA_NOW=\(nowText) LANG=C.UTF-8 TERM=xterm-256color setsid -w \(kinga) export cases --db \(db) --user 'Reliability Supervisor' --out \(out)")
        try w.waitFor("PIN")
        try lose(w, "PIN prompt", limit: limit, &f)
        if FileManager.default.fileExists(atPath: out) { f.problems.append("terminal lost at the PIN prompt: an export file was written") }
    }

    /// Kills `w`'s tmux server abruptly and checks that the Kinga in it ends within `limit` seconds.
    private func lose(_ w: TmuxWindow, _ place: String, limit: Double, _ f: inout Figures) throws {
        guard let pid = try w.pid(of: "kinga") else { throw Failed(what: "kinga not running on the \(place) screen") }
        let t0 = monotonicNanos()
        w.killServerAbruptly()
        do {
            try waitUntil("kinga to exit after its terminal vanished on the \(place) screen", seconds: 10, pollMicroseconds: 2_000) { processEnded(pid) }
        } catch {
            kill(pid, SIGKILL)
            f.problems.append("terminal lost on the \(place) screen: Kinga was still running 10 s later (killed)")
            return
        }
        let seconds = Double(monotonicNanos() - t0) / 1e9
        f.terminalLossExits += 1
        f.terminalLossSlowest = max(f.terminalLossSlowest, seconds)
        if seconds > limit {
            f.problems.append("terminal lost on the \(place) screen: Kinga took \(String(format: "%.1f", seconds)) s to exit (at most \(Int(limit)) s)")
        }
    }
}
