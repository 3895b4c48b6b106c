import Foundation
import Testing

/// End-to-end tests: the real binary in tmux. They run one at a time (one binary, real signals).
@Suite("Kinga in a real terminal (tmux)", .serialized, .cleansUp)
struct EndToEndTests {
    @Test func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: TmuxSession.binary), "build first: swift build (make test does)")
    }

    @Test("report → list → timeline → quit → restart → still there")
    func reportSurvivesRestart() throws {
        let t = TmuxSession()
        try t.startKinga()
        try t.waitFor("New report about a child")
        try t.recordReport(child: "Amani Fiksi", age: "0", story: "A neighbour heard the baby crying alone all night.",
                           noConsentReason: "The child is a baby and cannot be asked.")
        let saved = try t.waitFor("KG-2026-0001")
        #expect(saved.contains("Report saved"))
        try t.send("2")
        try t.waitFor("1 open case")
        try t.send("c")
        let list = try t.waitFor("Amani Fiksi")
        #expect(list.contains("KG-2026-0001"))
        #expect(list.contains(" 0 "), "age 0 shows as 0:\n\(list)")
        try t.send("Enter")
        let detail = try t.waitFor("Timeline")
        #expect(detail.contains("Amani Fiksi · 0 years"))
        #expect(detail.contains("Report received from a teacher"))
        try t.send("Escape", "Escape", "q")
        let after = try t.waitForExit()
        #expect(!after.contains("Amani"), "case data left on screen after quit:\n\(after)")
        #expect(after.contains("EXIT=0 STTY: icanon echo"), "terminal not restored:\n\(after)")
        let again = try t.restart()
        try again.waitFor("1 open case")
        try again.send("c")
        try again.waitFor("Amani Fiksi")
        try again.send("Enter")
        try again.send("Up", "Up", "Enter")
        try again.waitFor("A neighbour heard")
    }

    @Test("Bahasa Indonesia from LANG: first run, then a child tells us from the lock screen, and the report waits on Due today")
    func childReportInIndonesian() throws {
        let t = TmuxSession()
        try t.startKinga(env: ["LANG": "id_ID.UTF-8"], logIn: false)
        try t.waitFor("Pertama, pilih bahasa")
        try t.send("Enter")                                   // LANG preselected Bahasa Indonesia
        try t.waitFor("Selamat datang di Kinga")
        try t.type("Ibu Fiktif")
        try t.send("Tab")
        try t.type("902134")
        try t.send("Tab")
        try t.type("902134")
        try t.send("Tab", "1", "F2")
        try t.waitFor("Kunci pemulihan distrik")
        try t.send("3", "F2")
        try t.waitFor("Apa yang ingin Anda lakukan?")
        try t.send("l")
        let locked = try t.waitFor("Kinga terkunci")
        #expect(locked.contains("F3"))
        let done = try t.tellAsChild(languageKey: "3", .indonesian, name: "Sari")
        #expect(!done.contains("KG-"))                        // the child never sees a case number
        try t.send("Enter")
        try t.waitFor("Kinga terkunci")
        try t.send("1", "Tab")
        try t.type("902134")
        try t.send("Enter")
        try t.waitFor("Apa yang ingin Anda lakukan?")
        try t.send("d")
        let due = try t.waitFor("KG-2026-0001")
        #expect(due.contains("Sari") && due.contains("KG-2026-0001"), "\(due)")
        try t.send("Escape", "q")
        let end = try t.waitForExit()
        #expect(end.contains("EXIT=0"))
    }

    @Test("SIGTERM and SIGHUP save the draft and restore the terminal", arguments: ["TERM", "HUP", "INT"])
    func signalsSaveDrafts(signal: String) throws {
        let t = TmuxSession()
        try t.startKinga()
        try t.waitFor("New report about a child")
        try t.send("n", "5", "PageDown")
        try t.waitFor("Step 2 of 6")
        try t.type("Draft Child")
        try t.waitFor("Draft Child")     // handled; not confirmed with Tab, so only the signal can save it
        let pid = try #require(try t.kingaPID())
        kill(pid, signal == "TERM" ? SIGTERM : signal == "HUP" ? SIGHUP : SIGINT)
        let after = try t.waitForExit()
        #expect(!after.contains("Draft Child"), "draft text left on screen:\n\(after)")
        #expect(after.contains("STTY: icanon echo"), "terminal not restored:\n\(after)")
        let again = try t.restart()
        try again.waitFor("1 unfinished report")
        try again.send("u")
        try again.waitFor("Draft Child")
    }

    @Test("screens that can be told: a note added in window B appears on window A's open case, no key pressed in A")
    func noteFromAnotherWindowShows() throws {
        let first = try TmuxSession.withDemoDatabase()
        let a = try first.restart("--demo")
        let b = TmuxSession(dataHome: a.dataHome)
        try b.startKinga("--demo")
        // Both windows open the case with the newest activity: the first row of the case list.
        for t in [a, b] {
            try t.send("c")
            try t.waitFor("KG-")
            try t.send("Enter")
            try t.waitFor("Timeline")
        }
        try b.send("a")
        try b.waitFor("Add a note")
        try b.type("Told from window B.")
        try b.send("F2")
        try b.waitFor("Note saved.")
        // Window A is idle: its run loop sees the store move on a quiet second and redraws the case.
        let shown = try a.waitFor("Told from window B.", seconds: 10)
        #expect(shown.contains("changed in another session"), "\(shown)")
        try a.send("Escape", "Escape", "q")
        try a.waitForExit()
        try b.send("Escape", "Escape", "q")
        try b.waitForExit()
    }

    @Test("ghost drafts: a report continued and saved on a second terminal does not come back when the first is hung up")
    func ghostDraftDoesNotComeBack() throws {
        let a = TmuxSession()
        try a.startKinga()
        try a.send("n")
        try a.waitFor("Step 1 of 6")
        try a.send("4", "PageDown")
        try a.waitFor("Step 2 of 6")
        try a.type("Ghost Child")
        try a.send("Tab")
        let db = a.dataHome + "/kinga/kinga.sqlite"
        try a.waitForSQL(db, "SELECT count(*) FROM draft", equals: "1")
        // The same person on a second terminal continues it with u, finishes and saves it.
        let b = TmuxSession(dataHome: a.dataHome)
        try b.startKinga()
        try b.waitFor("1 unfinished report")
        try b.send("u")
        try b.waitFor("Ghost Child")
        try b.send("Tab", "1", "Tab", "Tab")
        try b.type("9")
        try b.send("Tab")
        try b.type("Kampung Hantu")
        try b.send("PageDown")
        try b.waitFor("Step 3 of 6")
        try b.send("Space", "Tab", "Tab", "Tab")
        try b.type("Seen alone at night.")
        try b.send("PageDown")
        try b.waitFor("Step 4 of 6")
        try b.send("2", "PageDown")
        try b.waitFor("Step 5 of 6")
        try b.send("1", "Tab", "1", "PageDown")
        try b.waitFor("Step 6 of 6")
        try b.send("Enter")
        try b.waitFor("KG-2026-0001")
        // The first terminal, still on step 2, changes an answer and is hung up.
        try a.send("2")
        let pid = try #require(try a.kingaPIDs().first)
        kill(pid, SIGHUP)
        try a.waitForExit()
        #expect(TmuxSession.sqlite(db, "SELECT count(*) FROM draft").output.trimmingCharacters(in: .whitespacesAndNewlines) == "0",
                "the saved report came back as a draft")
        #expect(TmuxSession.sqlite(db, "SELECT count(*) FROM case_record").output.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        try b.send("2")
        let home = try b.waitFor("1 open case")
        #expect(home.contains("0 unfinished reports"), "\(home)")
    }

    @Test("Ctrl-C and Ctrl-\\ are keys on a kiosk, not a way out")
    func controlKeysDoNotKill() throws {
        let t = TmuxSession()
        try t.startKinga()
        try t.waitFor("New report about a child")
        try t.send("C-c", "C-\\", "C-z", "F1")
        // Keys are handled in order: once help is open, the control keys before it were handled too.
        let s = try t.waitFor("This is where you start")     // the home screen's help page
        #expect(!s.contains("EXIT="))
        try t.send("Escape")
        try t.waitFor("New report about a child")
        try t.send("q")
        try t.waitForExit()
    }

    @Test("TERM unset or unknown: one friendly line and a non-zero exit", arguments: [nil, "no-such-terminal-xyz"] as [String?])
    func badTerm(term: String?) throws {
        let t = TmuxSession()
        try t.startKinga(term: term, logIn: false)
        let s = try t.waitForExit()
        #expect(s.contains("Kinga"))
        #expect(s.contains("TERM"))
        #expect(!s.contains("EXIT=0"))
        #expect(!s.contains("Error opening terminal"))
    }

    @Test("the demo is marked, separate from real data, and resettable")
    func demo() throws {
        let t = TmuxSession()
        try t.startKinga("--demo")
        let home = try t.waitFor("DEMO — fictional data")
        #expect(home.contains("open cases"))
        try t.send("c")
        let list = try t.waitFor("cases")
        #expect(list.contains("DEMO — fictional data"))
        try t.send("Escape", "q")
        try t.waitForExit()
        #expect(FileManager.default.fileExists(atPath: t.dataHome + "/kinga/demo.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: t.dataHome + "/kinga/kinga.sqlite"))
        let r = try t.restart("--demo --reset")
        try r.waitFor("DEMO — fictional data")
        try r.send("q")
        try r.waitForExit()
    }

    @Test("search as you type in the real binary: / then letters, accents ignored, Enter opens the case")
    func searchInTheRealTerminal() throws {
        let t = TmuxSession()
        try t.startKinga("--demo")
        try t.send("c")
        try t.waitFor("/ Search")
        try t.send("/")
        try t.waitFor("Search:")
        try t.type("LUYÁNDO")
        let found = try t.waitFor("1 case matches")
        #expect(found.contains("Luyando"))
        try t.send("Enter")
        let detail = try t.waitFor("Timeline")
        #expect(detail.contains("Luyando"))
        try t.send("Escape")
        try t.waitFor("1 case matches")
        try t.send("Escape")
        try t.waitFor("/ Search")
        try t.send("Escape", "q")
        try t.waitForExit()
    }

    @Test("a tiny window gets a calm message, and the full screen comes back when it grows")
    func resize() throws {
        let t = TmuxSession(width: 30, height: 8)
        try t.startKinga(logIn: false)
        try t.waitFor("Please make the")
        try t.tmux(["resize-window", "-t", "0", "-x", "80", "-y", "24"])
        try t.waitFor("First, choose the language")
        try t.tmux(["resize-window", "-t", "0", "-x", "1", "-y", "1"])
        Thread.sleep(forTimeInterval: 0.3)
        try t.tmux(["resize-window", "-t", "0", "-x", "100", "-y", "30"])
        try t.waitFor("First, choose the language")
        try t.send("C-q")
        try t.waitForExit()
    }

    @Test("one case from report to closure in the real binary")
    func reportToClosure() throws {
        let t = TmuxSession(width: 100, height: 30)
        try t.startKinga()
        try t.waitFor("New report about a child")
        // A service provider.
        try t.send("s", "n")
        try t.waitFor("Name of the service")
        try t.type("Puskesmas Contoh")
        try t.send("Tab", "Space", "Tab")
        try t.type("Kampung Contoh")
        try t.send("F2")
        try t.waitFor("1 service provider")
        try t.send("Escape", "n", "4", "PageDown")
        try t.waitFor("Step 2 of 6")
        try t.type("Sari Contoh")
        try t.send("Tab", "1", "Tab", "Tab")
        try t.type("11")
        try t.send("Tab")
        try t.type("Kampung Contoh")
        try t.send("PageDown", "Down", "Down", "Down", "Space", "PageDown")
        try t.waitFor("Step 4 of 6")
        try t.send("2", "PageDown", "1", "Tab", "1", "PageDown")
        try t.waitFor("Step 6 of 6")
        try t.send("Enter")
        try t.waitFor("KG-2026-0001")
        try t.send("1")
        try t.waitFor("Stage: new")
        try t.send("s", "2", "Tab", "2", "Tab", "1", "Tab", "1", "Tab", "1", "F2")
        try t.waitFor("The guide suggests LOW risk")
        try t.send("F2")
        try t.waitFor("Risk: low")
        try t.send("p")
        try t.type("Daily meals at school")
        try t.send("F2")
        try t.waitFor("Case plan: 1 goal")
        try t.send("f", "1", "F2")
        try t.waitFor("Which service provider?")
        try t.send("1", "Tab")
        try t.type("Nutrition check")
        try t.send("Tab", "2", "F2")
        try t.waitFor("services under way")
        try t.send("Escape", "r", "Enter", "1", "F2")
        try t.waitFor("accepted")
        try t.send("Enter", "1", "F2")
        try t.waitFor("completed")
        try t.send("o")
        try t.waitFor("services done")
        try t.send("u", "1", "Tab")
        try t.type("Eating at school every day.")
        try t.send("Tab", "1", "F2")
        try t.waitFor("Next follow-up")
        try t.send("x", "1", "Tab", "Space", "Down", "Space", "Down", "Space", "Tab")
        try t.type("Goals met; the child is safe.")
        try t.send("F2")
        try t.waitFor("Status: closed")
        try t.send("Escape", "Escape", "Escape", "q")
        try t.waitForExit()
        let again = try t.restart()
        try again.waitFor("0 open cases")
        try again.send("c")
        let list = try again.waitFor("Sari Contoh")
        #expect(list.contains("closed"))
    }

    @Test("five wrong PINs on a locked kiosk lock the account, with one message for every failure; the audit log gets them at the next unlock")
    func wrongPINsLock() throws {
        let t = TmuxSession()
        try t.startKinga()
        try t.send("q")
        try t.waitForExit()
        let again = try t.restart(logIn: false)
        try again.waitFor("Choose your name")
        try again.send("1", "Tab")
        let db = t.dataHome + "/kinga/kinga.sqlite"
        // Before the unlock nothing can be written to the encrypted database: the count is in the person's slot.
        for n in 1...5 {
            try again.type("000000")
            try again.send("Enter")
            try again.waitUntil("\(n) wrong PINs in the key slot") { TmuxSession.slotFailures(db) == n }
        }
        try again.type("902134")
        try again.send("Enter")
        let s = try again.waitFor("That did not work")
        #expect(!s.contains("What would you like to do?"), "the right PIN during the lockout must be refused too:\n\(s)")
        try again.send("C-q")
        try again.waitForExit()
        // A day later the lock is over: the right PIN opens the database, and the five failures are audited.
        try again.stopServer()
        let later = TmuxSession(width: t.width, height: t.height, dataHome: t.dataHome)
        try later.startKinga(env: ["KINGA_NOW": "2026-03-03T09:00:00Z"])
        try later.send("q")
        try later.waitForExit()
        let audit = TmuxSession.sqlite(db, "SELECT action FROM audit_log").output
        #expect(audit.components(separatedBy: "login.failed").count - 1 == 5, "\(audit)")
        #expect(TmuxSession.slotFailures(db) == nil)
    }

    @Test("idle lock: the screen is cleared, and logging back in returns to the same place")
    func idleLock() throws {
        let t = TmuxSession()
        try t.startKinga(env: ["KINGA_IDLE_SECONDS": "3"])
        try t.send("n", "4", "PageDown")
        try t.waitFor("Step 2 of 6")
        try t.type("Idle Child")
        let locked = try t.waitFor("Kinga is locked", seconds: 15)
        #expect(!locked.contains("Idle Child"))
        try t.send("1", "Tab")
        try t.type("902134")
        try t.send("Enter")
        try t.waitFor("Idle Child")
        try t.waitFor("Step 2 of 6")
    }

    @Test("an administrator adds two focal points; one cannot see or open the other's case")
    func focalPointsAreSeparated() throws {
        let t = TmuxSession()
        try t.startKinga()
        try t.addFocalPoint("FP One")
        try t.addFocalPoint("FP Two")
        // FP One records a report.
        try t.switchUser(to: 2, pin: "580214")
        try t.send("n", "2", "PageDown")
        try t.type("Only For One")
        try t.send("Tab", "2", "Tab", "Tab")
        try t.type("6")
        try t.send("Tab")
        try t.type("Desa Contoh")
        try t.send("PageDown", "Space", "PageDown", "2", "PageDown", "1", "Tab", "1", "PageDown", "Enter")
        try t.waitFor("KG-2026-0001")
        try t.send("2", "c")
        try t.waitFor("Only For One")
        // FP Two logs in on the same kiosk and sees nothing of it.
        try t.send("Escape")
        try t.switchUser(to: 3, pin: "580214")
        try t.send("c")
        let list = try t.waitFor("No cases yet")
        #expect(!list.contains("Only For One"))
        try t.send("Escape", "q")
        try t.waitForExit()
        let denied = try TmuxSession.sqlite(t.dataHome + "/kinga/kinga.sqlite", "SELECT count(*) FROM case_record WHERE assigned_to IS NOT NULL").output
        #expect(denied.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
    }

    @Test("a high-risk closure by a focal point waits for a supervisor's approval")
    func highRiskClosureWaits() throws {
        let t = TmuxSession()
        try t.startKinga()
        try t.addFocalPoint("FP Three")
        try t.switchUser(to: 2, pin: "580214")
        // An urgent report: high risk until a supervisor agrees to close it.
        try t.send("n", "2", "PageDown")
        try t.type("Urgent Child")
        try t.send("Tab", "1", "Tab", "Tab")
        try t.type("9")
        try t.send("Tab")
        try t.type("Desa Contoh")
        try t.send("PageDown", "Space", "PageDown", "1", "PageDown", "Enter", "1", "Tab", "1", "PageDown", "Enter")
        try t.waitFor("KG-2026-0001")
        try t.send("1")
        try t.waitFor("Timeline")
        // A case closes only after a risk assessment (the closure rules): low risk, the urgent flag stays.
        try t.send("s", "2", "Tab", "2", "Tab", "1", "Tab", "1", "Tab", "1", "F2")
        try t.waitFor("The guide suggests LOW risk")
        try t.send("F2")
        try t.waitFor("Risk: low")
        try t.send("x", "2", "Tab", "Space", "Down", "Space", "Down", "Space", "Tab")
        try t.type("Safe with her aunt.")
        try t.send("F2")
        try t.waitFor("waits for a supervisor")
        let still = try t.waitFor("Status: open")
        #expect(!still.contains("Status: closed"))
        // The supervisor approves.
        try t.send("C-l")
        try t.waitFor("Kinga is locked")
        try t.send("1", "Tab")
        try t.type("902134")
        try t.send("Enter")
        try t.waitFor("What would you like to do?")
        try t.send("v")
        try t.waitFor("1 closure waits for your approval")
        try t.send("Enter")
        try t.waitFor("Approve closing case KG-2026-0001")
        try t.send("1")
        try t.waitFor("Approved: the case is closed.")
        try t.send("Escape", "c")
        let list = try t.waitFor("Urgent Child")
        #expect(list.contains("closed"))
    }

    @Test func versionAndHelp() throws {
        let t = TmuxSession()
        let version = try TmuxSession.run([TmuxSession.binary, "--version"])
        #expect(version.status == 0)
        #expect(version.output.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        let help = try TmuxSession.run([TmuxSession.binary, "--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("--demo"))
        #expect(help.output.contains("--db"))
        let wrong = try TmuxSession.run([TmuxSession.binary, "--reset"])
        #expect(wrong.status != 0)
        _ = t
    }

    @Test("kinga check, backup and restore: a damaged database is refused untouched, and the backup brings it back")
    func backupCheckRestore() throws {
        let t = try TmuxSession.withDemoDatabase()
        func kinga(_ args: String) throws -> (status: Int32, output: String) { try t.command(args) }
        let sound = try kinga("check --demo")
        #expect(sound.status == 0, "\(sound.output)")
        #expect(sound.output.contains("Everything is sound"))
        let copy = t.dataHome + "/demo-backup.sqlite"
        try "123456\n".write(toFile: t.dataHome + "/pin.txt", atomically: true, encoding: .utf8)
        // A copy of every child's record: a supervisor's or an administrator's, after their PIN (issue #16).
        let focal = try kinga("backup --demo '\(copy)' --user 'Focal Point Demo' < '\(t.dataHome)/pin.txt'")
        #expect(focal.status == 1 && focal.output.contains("Only a supervisor or an administrator"), "\(focal.output)")
        let backup = try kinga("backup --demo '\(copy)' --user 'Supervisor Demo' < '\(t.dataHome)/pin.txt'")
        #expect(backup.status == 0, "\(backup.output)")
        #expect(try kinga("backup --demo '\(copy)' --user 'Supervisor Demo' < '\(t.dataHome)/pin.txt'").status == 1)   // never overwrites
        // Damage the middle of the database file, as a failing disk would.
        let db = t.dataHome + "/kinga/demo.sqlite"
        _ = try TmuxSession.run(["sh", "-c", "dd if=/dev/urandom of='\(db)' bs=4096 seek=3 count=6 conv=notrunc 2>/dev/null"])
        let damaged = try Data(contentsOf: URL(fileURLWithPath: db))
        let check = try kinga("check --demo")
        #expect(check.status == 1)
        #expect(check.output.contains("damaged"), "\(check.output)")
        let r = try t.restart("--demo", logIn: false)
        let refused = try r.waitFor("END-OF-RUN")
        #expect(refused.contains("is damaged"), "\(refused)")
        #expect(refused.contains("nothing more can be lost"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == damaged)
        #expect(try kinga("restore --demo '\(copy)'").status == 1)        // asks for --yes first
        let restore = try kinga("restore --demo '\(copy)' --yes")
        #expect(restore.status == 0, "\(restore.output)")
        #expect(restore.output.contains("kept at"))
        #expect(try kinga("check --demo").status == 0)
    }

    @Test("kinga export stats: anonymised CSV and JSON of a period, written whole, and audited")
    func exportStats() throws {
        let t = try TmuxSession.withDemoDatabase()
        func kinga(_ args: String) throws -> (status: Int32, output: String) { try t.command(args) }
        let csv = try kinga("export stats --demo --from 2020-01-01 --to 2026-03-02")
        #expect(csv.status == 0, "\(csv.output)")
        #expect(csv.output.hasPrefix("section,item,value"))
        #expect(csv.output.contains("by age group"))
        #expect(csv.output.contains("<5"))
        #expect(!csv.output.contains("Mwansa"))          // no child's name, ever
        let file = t.dataHome + "/stats.json"
        let json = try kinga("export stats --demo --from 2020-01-01 --to 2026-03-02 --format json --out '\(file)'")
        #expect(json.status == 0, "\(json.output)")
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["threshold"] as? Int == 5)
        #expect(try kinga("export stats --demo --from 2026-31-01 --to 2026-03-02").status != 0)   // not a date: refused kindly
        let audit = try TmuxSession.run(["sqlite3", t.dataHome + "/kinga/demo.sqlite", "SELECT count(*) FROM audit_log WHERE action = 'export.stats'"])
        #expect(audit.output.trimmingCharacters(in: .whitespacesAndNewlines) == "2")
    }

    @Test("kinga directory import: a preview with every rejected row, nothing changed until --yes")
    func directoryImport() throws {
        let t = try TmuxSession.withDemoDatabase()
        let csv = t.dataHome + "/providers.csv"
        try "name,services,area,contact\n\"Klinik Anak, Utara\",health;psychosocial,Kampung Fiksi,0800\n,legal,X,\nBad One,astrology,X,\n"
            .write(toFile: csv, atomically: true, encoding: .utf8)
        let preview = try t.command("directory import --demo '\(csv)'")
        #expect(preview.status == 0, "\(preview.output)")
        #expect(preview.output.contains("1 provider can be added"))
        #expect(preview.output.contains("line 3: no name"))
        #expect(preview.output.contains("line 4 (Bad One): unknown service: astrology"))
        #expect(preview.output.contains("Nothing was changed"))
        let count = { try TmuxSession.run(["sqlite3", t.dataHome + "/kinga/demo.sqlite", "SELECT count(*) FROM service_provider"]).output }
        let before = try count()
        // Adding is an administrator's change, made after their PIN (issue #16): refused without a name,
        // refused for a focal point and for a wrong PIN, each with nothing added.
        #expect(try t.command("directory import --demo '\(csv)' --yes < /dev/null").output.contains("--yes needs --user NAME"))
        try "123456\n".write(toFile: t.dataHome + "/pin.txt", atomically: true, encoding: .utf8)
        try "999999\n".write(toFile: t.dataHome + "/wrong.txt", atomically: true, encoding: .utf8)
        let focal = try t.command("directory import --demo '\(csv)' --yes --user 'Focal Point Demo' < '\(t.dataHome)/pin.txt'")
        #expect(focal.status != 0 && focal.output.contains("Only an administrator"), "\(focal.output)")
        let wrong = try t.command("directory import --demo '\(csv)' --yes --user 'Admin Demo' < '\(t.dataHome)/wrong.txt'")
        #expect(wrong.status != 0 && wrong.output.contains("That PIN is not right. Nothing was added."), "\(wrong.output)")
        #expect(try count() == before)
        let done = try t.command("directory import --demo '\(csv)' --yes --user 'Admin Demo' < '\(t.dataHome)/pin.txt'")
        #expect(done.output.contains("Added 1 provider"), "\(done.output)")
        let actor = try TmuxSession.run(["sqlite3", t.dataHome + "/kinga/demo.sqlite", "SELECT actor FROM audit_log WHERE action = 'directory.save' ORDER BY seq DESC LIMIT 1"])
        #expect(actor.output.trimmingCharacters(in: .whitespacesAndNewlines) == "Admin Demo")
        #expect(Int(try count().trimmingCharacters(in: .whitespacesAndNewlines)) == Int(before.trimmingCharacters(in: .whitespacesAndNewlines))! + 1)
    }

    @Test("kinga export cases: PIN asked without echo, a progress bar with an estimate, Ctrl-C leaves no file; then a full export")
    func exportCases() throws {
        let t = try TmuxSession.withDemoDatabase()
        let db = t.dataHome + "/kinga/demo.sqlite"
        // 40,000 more cases, copied from the first demo case with sqlite3 (fast; the search triggers run too).
        let grow = try TmuxSession.run(["sqlite3", db, """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
            INSERT INTO case_record (id, case_number, number_year, number_serial, device_id, created_at, updated_at, last_activity_at,
                                     status, urgent, risk_level, child_name, sex, approx_age, age_recorded_on, village, caregiver, report_json)
            SELECT printf('%08X-0000-4000-8000-%012X', i, i), printf('KG-2030-%05d', i), 2030, i, c.device_id, c.created_at, c.updated_at,
                   c.last_activity_at, 'open', 0, 'low', 'Copy Child ' || i, 'female', 9, '2026-03-01', 'Kampung Salinan', 'a caregiver', '{}'
            FROM n, (SELECT * FROM case_record ORDER BY number_serial LIMIT 1) AS c;
            """])
        #expect(grow.status == 0, "\(grow.output)")
        let out = t.dataHome + "/export.json"
        try t.start("\(TmuxSession.quote(TmuxSession.binary)) export cases --demo --user 'Supervisor Demo' --out \(TmuxSession.quote(out))")
        try t.waitFor("PIN for Supervisor Demo:")
        try t.type("123456")
        try t.send("Enter")
        let bar = try t.waitFor("Ctrl-C cancels")
        #expect(!bar.contains("123456"), "the PIN must not show")
        #expect(bar.contains("Exporting cases") && bar.contains("of 40,045") && bar.contains("left"), "\(bar)")
        try t.send("C-c")
        let end = try t.waitFor("END-OF-RUN")
        #expect(end.contains("Export cancelled after") && end.contains("No file was written"), "\(end)")
        #expect(end.contains("EXIT=130"))
        let left = try FileManager.default.contentsOfDirectory(atPath: t.dataHome).filter { $0.hasPrefix("export") }
        #expect(left.isEmpty, "\(left)")
        // The whole export, PIN from the input; every case once; no child's name.
        try "123456\n".write(toFile: t.dataHome + "/pin.txt", atomically: true, encoding: .utf8)
        let full = try t.command("export cases --demo --user 'supervisor demo' --out \(TmuxSession.quote(out)) < \(TmuxSession.quote(t.dataHome + "/pin.txt"))")
        #expect(full.status == 0, "\(full.output)")
        #expect(full.output.contains("40045 cases written"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any]
        #expect((json?["cases"] as? [Any])?.count == 40_045)
        #expect(!(try String(contentsOfFile: out, encoding: .utf8)).contains("Copy Child"))
        // Ctrl-C at the PIN prompt stops at once and gives the terminal its echo back.
        try t.stopServer()
        try t.start("\(TmuxSession.quote(TmuxSession.binary)) export cases --demo --user 'Supervisor Demo' --out \(TmuxSession.quote(out + "3"))")
        try t.waitFor("PIN for Supervisor Demo:")
        try t.send("C-c")
        let stopped = try t.waitFor("END-OF-RUN")
        #expect(stopped.contains("Cancelled. Nothing was exported.") && stopped.contains("EXIT=130"), "\(stopped)")
        #expect(stopped.contains(" echo ") && !stopped.contains("-echo"), "the terminal echoes again: \(stopped)")
        // A folder that does not exist is named before any PIN is asked.
        let nowhere = try t.command("export cases --demo --user 'Supervisor Demo' --out /nonexistent/x.json < /dev/null")
        #expect(nowhere.status == 1 && nowhere.output.contains("The folder /nonexistent does not exist"), "\(nowhere.output)")
        // A focal point is refused before any PIN is asked.
        let refused = try t.command("export cases --demo --user 'Focal Point Demo' --out \(TmuxSession.quote(out + "2")) < /dev/null")
        #expect(refused.status == 1 && refused.output.contains("may not export cases"), "\(refused.output)")
        let audit = try TmuxSession.run(["sqlite3", db, "SELECT group_concat(action, ' ') FROM audit_log WHERE action LIKE 'export.cases%' ORDER BY seq"])
        #expect(audit.output.contains("export.cases.cancelled") && audit.output.contains("export.cases ") && audit.output.contains("export.cases.refused"), "\(audit.output)")
    }

    @Test("exports with names are sealed for the district office: the office makes its key, the kiosk seals to it, only the recovery key opens it")
    func sealedExportForTheOffice() throws {
        let t = try TmuxSession.withDemoDatabase()
        let home = t.dataHome
        try "123456\n".write(toFile: home + "/pin.txt", atomically: true, encoding: .utf8)
        let sealed = home + "/names.json.sealed"
        // Before the office's key is on the kiosk, nothing with names leaves it (and no PIN is asked).
        let early = try t.command("export cases --demo --user 'Supervisor Demo' --identifying --out '\(home)/names.json' < /dev/null")
        #expect(early.status != 0 && early.output.contains("kinga district-key set"), "\(early.output)")
        // At the office: a key pair; the recovery key is shown once.
        let made = try t.command("office new-key --out '\(home)/district.pub'")
        #expect(made.status == 0, "\(made.output)")
        let lines = made.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let recovery = try #require(lines.first { $0.split(separator: "-").count >= 10 }, "\(made.output)")
        #expect(try t.command("office new-key --out '\(home)/district.pub'").output.contains("already exists"))
        // On the kiosk: an administrator adds the office's public key.
        let set = try t.command("district-key set '\(home)/district.pub' --demo --user 'Admin Demo' < '\(home)/pin.txt'")
        #expect(set.status == 0 && set.output.contains("key is set"), "\(set.output)")
        let export = try t.command("export cases --demo --user 'Supervisor Demo' --identifying --out '\(home)/names.json' < '\(home)/pin.txt'")
        #expect(export.status == 0 && export.output.contains("sealed for the district office"), "\(export.output)")
        let raw = try Data(contentsOf: URL(fileURLWithPath: sealed))
        #expect(raw.range(of: Data("Demo".utf8)) == nil && raw.range(of: Data("case_number".utf8)) == nil)
        // At the office: a wrong recovery key opens nothing; the right one gives the names back.
        let other = try t.command("office new-key --out '\(home)/other.pub'")
        let wrongKey = try #require(other.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.split(separator: "-").count >= 10 })
        try (wrongKey + "\n").write(toFile: home + "/wrong.txt", atomically: true, encoding: .utf8)
        let refused = try t.command("office open '\(sealed)' --out '\(home)/opened.json' < '\(home)/wrong.txt'")
        #expect(refused.status != 0 && refused.output.contains("another district's key") && !FileManager.default.fileExists(atPath: home + "/opened.json"), "\(refused.output)")
        try (recovery + "\n").write(toFile: home + "/recovery.txt", atomically: true, encoding: .utf8)
        let open = try t.command("office open '\(sealed)' --out '\(home)/opened.json' < '\(home)/recovery.txt'")
        #expect(open.status == 0, "\(open.output)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: home + "/opened.json"))) as? [String: Any]
        let cases = try #require(json?["cases"] as? [[String: Any]])
        #expect(cases.count >= 40 && cases.contains { ($0["child_name"] as? String)?.isEmpty == false })
    }

    @Test("trainer mode in the real binary: a scenario started, the banner follows it, R resets the demo file in one key")
    func trainerMode() throws {
        let t = TmuxSession()
        try t.startKinga("--demo", logIn: false)
        try t.waitFor("Choose your name")
        try t.send("4", "Tab")                                // Trainer Demo: only a trainer resets the demo
        try t.type("123456")
        try t.send("Enter")
        try t.waitFor("What would you like to do?")
        let db = t.dataHome + "/kinga/demo.sqlite"
        let count = { try TmuxSession.run(["sqlite3", db, "SELECT count(*) FROM case_record"]).output.trimmingCharacters(in: .whitespacesAndNewlines) }
        let before = try count()
        try t.send("p")
        try t.waitFor("A boy working in a stone quarry")
        try t.send("4")
        try t.waitFor("The situation")
        try t.send("Enter")
        try t.waitFor("Practice: step 1 of 6: Record the report")
        try t.send("h")
        try t.waitFor("worst forms of child labour")
        try t.send("Enter")                                   // to the home screen, the banner stays
        let home = try t.waitFor("What would you like to do?")
        #expect(home.contains("DEMO · Practice: step 1 of 6"))
        // A note on a demo case stands in for practice work: it must be gone after the reset.
        _ = try TmuxSession.run(["sqlite3", db, "UPDATE case_record SET village = 'Changed In Practice' WHERE number_serial = 1"])
        try t.send("p")
        try t.waitFor("Stuck? Press h")
        try t.send("Escape")
        try t.waitFor("R Reset demo")
        try t.send("R")
        let after = try t.waitFor("The demo was reset")
        #expect(after.contains("Choose your name"))
        #expect(after.contains("DEMO — fictional data"))
        #expect(try count() == before)
        let changed = try TmuxSession.run(["sqlite3", db, "SELECT count(*) FROM case_record WHERE village = 'Changed In Practice'"])
        #expect(changed.output.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        // Kinga goes on working on the new file: log in again, the practice is over.
        try t.send("4", "Tab")
        try t.type("123456")
        try t.send("Enter")
        let again = try t.waitFor("What would you like to do?")
        #expect(!again.contains("Practice: step"))
        try t.send("q")
        let end = try t.waitForExit()
        #expect(end.contains("EXIT=0"))
        let check = try t.command("check --demo")
        #expect(check.status == 0, "\(check.output)")
        let scenarios = try t.command("scenarios check")
        #expect(scenarios.status == 0 && scenarios.output.contains("6 scenarios ready") && scenarios.output.contains("No problems."), "\(scenarios.output)")
    }

    @Test("kinga audit verify: 0 when intact, 1 naming the first bad entry after an edit with sqlite3")
    func auditVerify() throws {
        let t = TmuxSession()
        try t.startKinga("--demo")
        try t.waitFor("DEMO — fictional data")
        try t.send("c", "Enter")
        try t.waitFor("Timeline")
        try t.send("Escape", "Escape", "q")
        try t.waitForExit()
        let db = t.dataHome + "/kinga/demo.sqlite"
        let ok = try TmuxSession.run(["env", "XDG_DATA_HOME=\(t.dataHome)", TmuxSession.binary, "audit", "verify", "--demo"])
        #expect(ok.status == 0)
        #expect(ok.output.contains("Audit log intact"))
        let edit = try TmuxSession.run(["sqlite3", db, "DROP TRIGGER audit_no_update; UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 7;"])
        #expect(edit.status == 0)
        let bad = try TmuxSession.run(["sh", "-c", "XDG_DATA_HOME='\(t.dataHome)' '\(TmuxSession.binary)' audit verify --demo 2>&1"])
        #expect(bad.status == 1)
        #expect(bad.output.contains("broken at entry 7"))
    }
}
