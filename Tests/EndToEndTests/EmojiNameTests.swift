import Foundation
import Testing

/// Issue #14, item 5: a name with a multi-codepoint emoji must not make the terminal's columns drift from
/// Kinga's. In the EndToEndTests suite (serialized: one Kinga at a time), in a file of its own.
extension EndToEndTests {
    @Test("a child named '👩‍👩‍👧 Nur' (ZWJ family): the filter form and the sort dialog over the case list leave nothing behind, at 80x24 and 41x12; the stored name is whole")
    func emojiNameLeavesNoTrace() throws {
        let name = "👩\u{200D}👩\u{200D}👧 Nur"
        let t = TmuxSession()
        defer { try? t.tmux(["kill-server"]) }
        try t.startKinga()
        try t.recordReport(child: name, age: "9", story: "A neighbour heard shouting at night.", noConsentReason: "The child was not there.")
        try t.waitFor("KG-2026-0001")
        try t.send("2")
        try t.waitFor("1 open case")
        try t.send("q")
        try t.waitForExit()
        try t.tmux(["kill-server"])

        // The screen shows less than the name; the database keeps every code point of it.
        let stored = try TmuxSession.sqlite(t.dataHome + "/kinga/kinga.sqlite", "SELECT hex(child_name) FROM case_record").output
        #expect(stored.trimmingCharacters(in: .whitespacesAndNewlines) == name.utf8.map { String(format: "%02X", $0) }.joined())

        for (width, height) in [(80, 24), (41, 12)] {
            // A fresh drawing of the case list, in a new terminal.
            let fresh: String
            do {
                let s = TmuxSession(dataHome: t.dataHome)
                defer { try? s.tmux(["kill-server"]) }
                fresh = try s.openCaseList(width: width, height: height)
                try s.send("Escape", "q")
                try s.waitForExit()
            }
            #expect(fresh.contains("👩 Nur"), "at \(width)x\(height) the name is drawn as its first emoji:\n\(fresh)")
            let sentJoiners = fresh.unicodeScalars.filter { [0x200D, 0xFE0F].contains($0.value) }
            #expect(sentJoiners.isEmpty, "at \(width)x\(height) a joiner or VS16 reached the terminal:\n\(fresh)")

            // The same list, then the filter form (f) and the sort dialog (s) over it, closed with Esc.
            let s = TmuxSession(dataHome: t.dataHome)
            defer { try? s.tmux(["kill-server"]) }
            try s.openCaseList(width: width, height: height)
            for (key, shows) in [("f", "Filter the list"), ("s", "Order the cases by")] {
                try s.send(key)
                try s.waitFor(shows)
                try s.send("Escape")
                let after = try s.waitForScreen(fresh)
                #expect(after == fresh, "at \(width)x\(height), after '\(key)' and Esc the screen differs from a fresh drawing:\n\(after)\n--- fresh ---\n\(fresh)")
            }
            try s.send("Escape", "q")
            try s.waitForExit()
        }
    }
}

extension TmuxSession {
    /// Logs in at 80x24 (the home screen's greeting is the sign it is ready), makes the window
    /// `width`x`height`, opens the case list and returns it once drawn whole.
    @discardableResult
    func openCaseList(width: Int, height: Int) throws -> String {
        try startKinga()
        try tmux(["resize-window", "-t", "0", "-x", "\(width)", "-y", "\(height)"])
        try waitForSteady(containing: "New report")
        try send("c")
        return try waitForSteady(containing: "Nur")
    }

    /// From the home screen: records a short report through the six steps of the wizard (reporter a
    /// teacher, a girl of `age` in Kampung Contoh, the first concern, not in danger now, going ahead without
    /// consent for `noConsentReason`) and saves it; returns on the "Report saved" screen.
    func recordReport(child: String, age: String, story: String, noConsentReason: String) throws {
        try send("n")
        try waitFor("Step 1 of 6")
        try send("4", "PageDown")
        try waitFor("Step 2 of 6")
        try type(child)
        try send("Tab", "1", "Tab", "Tab")
        try type(age)
        try send("Tab")
        try type("Kampung Contoh")
        try send("PageDown")
        try waitFor("Step 3 of 6")
        try send("Space", "Tab", "Tab", "Tab")
        try type(story)
        try send("PageDown")
        try waitFor("Step 4 of 6")
        try send("2", "PageDown")
        try waitFor("Step 5 of 6")
        try send("3", "Tab", "1", "Tab")
        try type(noConsentReason)
        try send("PageDown")
        try waitFor("Step 6 of 6")
        try send("Enter")
        try waitFor("Report saved")
    }

    /// Captures the screen every `every` seconds until `done(previous, current)` holds or `seconds` pass;
    /// returns the last capture and whether `done` held.
    func poll(seconds: Double, every: Double = 0.05, until done: (String, String) -> Bool) throws -> (screen: String, done: Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            let s = try screen()
            if done(last, s) { return (s, true) }
            last = s
            Thread.sleep(forTimeInterval: every)
        }
        return (last, false)
    }

    /// Waits (up to `seconds`) until the screen contains `text` and two captures 100 ms apart are the same,
    /// so the frame being drawn is complete; returns it.
    @discardableResult
    func waitForSteady(containing text: String, seconds: Double = 10) throws -> String {
        let r = try poll(seconds: seconds, every: 0.1) { last, s in s.contains(text) && s == last }
        if !r.done { Issue.record("the screen never settled showing \"\(text)\"; it was:\n\(r.screen)") }
        return r.screen
    }

    /// Waits (up to `seconds`) until the screen is exactly `expected`; returns the last screen seen.
    @discardableResult
    func waitForScreen(_ expected: String, seconds: Double = 5) throws -> String {
        try poll(seconds: seconds) { _, s in s == expected }.screen
    }
}
