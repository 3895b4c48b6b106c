import Foundation
import I18n
import Model
@testable import Storage
import Testing
@testable import TUI

@Suite("The child-friendly guided report: kind steps, stop and wipe, idle reset, every language")
struct ChildReportTests {
    /// A kiosk on its lock screen (the focal point locked it), as a child and a trusted adult find it.
    func lockedKiosk() throws -> Driver {
        let d = try Driver()
        d.app.lock()
        _ = d.screen
        return d
    }

    func childCases(_ store: KingaStore) throws -> [CaseRecord] {
        try store.casePage(after: nil, limit: 50, viewer: store.testViewer).compactMap { try store.caseRecord(id: $0.id, viewer: store.testViewer) }
    }

    @Test("the whole flow at 80x24 in each language ends with a case in the intake queue", arguments: ["en", "id", "fr"])
    func wholeFlow(code: String) throws {
        let d = try lockedKiosk()
        let l = try #require(Languages.shared.language(code: code))
        let index = try #require(Languages.shared.all.firstIndex(of: l))
        #expect(d.contains("F3"))
        d.press(.function(3))
        #expect(d.contains("Which language do you want?"))
        #expect(d.contains("Bahasa Indonesia") && d.contains("Français"))
        d.press(.char(Character("\(index + 1)")))
        func sees(_ key: String) -> Bool {
            // The first 30 columns of the text: long sentences wrap at 72.
            let expected = String(l.text(key).prefix(30))
            return d.contains(expected)
        }
        #expect(sees("child.welcome.title"))
        #expect(sees("child.welcome.body"))
        #expect(d.contains("Esc"))                            // Stop is always visible
        d.press(.enter)
        #expect(sees("child.safe.q"))
        #expect(sees("child.dontSay"))                        // "I don't want to say" on every question
        d.press(.char("2"))                                   // not safe
        #expect(sees("child.danger.title"))
        #expect(d.contains("116 111"))                        // helpline from the profile
        d.press(.enter)
        #expect(sees("child.about.q"))
        d.press(.char("1"))                                   // me
        #expect(sees("child.name.q"))
        d.type("Nia")
        d.press(.enter)
        #expect(sees("child.what.q"))
        d.press(.char("1"), .char("5"))                       // hurt, left alone
        #expect(d.contains("[x]"))
        d.press(.char("8"))                                   // done
        #expect(sees("child.when.q"))
        d.type("yesterday at the market")
        d.press(.enter)
        #expect(sees("child.talk.q"))
        d.press(.char("1"))
        #expect(sees("child.reach.q"))
        d.press(.down, .down, .enter)                         // I don't want to say
        #expect(sees("child.send.q"))
        // Nothing on any of these screens named a case or showed a case number.
        #expect(!d.contains("KG-"))
        d.press(.char("1"))
        #expect(sees("child.done.title"))
        d.press(.enter)
        #expect(d.contains("Kinga is locked"))                // ends on the lock screen
        #expect(d.app.session == nil)
        let cases = try childCases(d.store)
        #expect(cases.count == 1)
        let c = try #require(cases.first)
        #expect(c.childName == "Nia")
        #expect(c.urgent)
        #expect(c.concerns == ["physical_violence", "neglect"])
        #expect(c.report.whenHappened == "yesterday at the market")
        #expect(c.report.reporterContact.isEmpty)
        #expect(try d.store.isUnassigned(caseID: c.id, viewer: d.store.testViewer))
        let events = try d.store.events(caseID: c.id, viewer: d.store.testViewer)
        #expect(events.first?.summary.contains("child-friendly session") == true)
        #expect(events.first?.body.contains(l.text("child.talk.woman")) == true)   // written in the child's language
        #expect(events.first?.author == "child-friendly session")
        // A focal point logs in: the report waits on Due today for someone to take it.
        let fp = try d.store.addTestUser(name: "Another Focal Point", roles: [.focalPoint], pin: "580214")
        d.app.signIn(try d.store.acting(fp), as: fp)
        d.press(.char("d"))
        #expect(d.contains(c.number.description))
        #expect(d.contains(String(l.text("dueKind.waitingForFocalPoint").prefix(20))) || code != "en")
        d.press(.enter)
        d.press(.char("g"))
        #expect(try !d.store.isUnassigned(caseID: c.id, viewer: d.store.testViewer))
        #expect(d.contains(String(l.text("caseTaken").prefix(20))) || code != "en")
    }

    @Test("on the typed-answer steps digits are part of the answer; ↓ then Enter chooses 'I don't want to say' (issue #15)")
    func typedStepsKeepDigits() throws {
        let d = try lockedKiosk()
        let en = try #require(Languages.shared.all.firstIndex { $0.code == "en" })
        d.press(.function(3), .char(Character("\(en + 1)")), .enter, .char("1"), .char("1"))
        #expect(d.contains("What is your name?") || d.contains(Languages.shared.language(code: "en")!.text("child.name.q")))
        // The choices are offered by keys that cannot be typed, not by 1 and 2.
        #expect(d.contains("Enter  " + Languages.shared.language(code: "en")!.text("child.goOn")), "\(d.text)")
        #expect(d.contains("↓  I don't want to say"), "\(d.text)")
        #expect(!d.contains("2  I don't want to say"))
        d.type("2")                                            // a digit is typed, nothing is chosen
        #expect(d.contains(Languages.shared.language(code: "en")!.text("child.name.q")))
        d.press(.backspace, .down)                            // ↓ goes to "I don't want to say"; the keys are numbers again
        #expect(d.contains("▸ 2  I don't want to say"), "\(d.text)")
        d.press(.enter)
        #expect(d.contains(Languages.shared.language(code: "en")!.text("child.what.q")))
        d.press(.char("1"), .char("8"))
        d.type("on 2 May at 12")                              // digits again
        d.press(.enter)
        d.press(.char("1"))
        d.type("0812 555")
        d.press(.down, .enter)                                // no way to reach me: the typed number is dropped
        d.press(.char("1"))
        let c = try #require(try childCases(d.store).first)
        #expect(c.childName.isEmpty)
        #expect(c.report.whenHappened == "on 2 May at 12")
        #expect(c.report.reporterContact.isEmpty)
    }

    @Test("Esc asks once, then wipes everything typed and returns to the lock screen")
    func stopWipes() throws {
        let d = try lockedKiosk()
        d.press(.function(3), .char("1"), .enter, .char("1"), .char("1"))
        d.type("Secret Name")
        #expect(d.contains("Secret Name"))
        d.press(.escape)
        #expect(d.contains("Do you want to stop?"))
        d.press(.char("2"))                                   // No, go on: nothing lost
        #expect(d.contains("Secret Name"))
        d.press(.escape, .escape)                             // Esc twice: stop
        #expect(d.contains("Kinga is locked"))
        #expect(!d.contains("Secret Name"))
        #expect(try childCases(d.store).isEmpty)
        d.press(.function(3))
        #expect(d.contains("Which language do you want?"))    // a fresh start, nothing kept
        d.press(.char("1"), .enter, .char("1"), .char("1"))
        #expect(!d.contains("Secret Name"))
    }

    @Test("after 2 minutes without a key: Are you still there? then a wipe and a fresh start")
    func idleReset() throws {
        let d = try lockedKiosk()
        var now: TimeInterval = 1000
        d.app.uptime = { now }
        d.press(.function(3), .char("1"), .enter, .char("1"), .char("1"))
        d.type("Ana")
        now += 100
        d.app.checkIdle()
        #expect(!d.contains("Are you still there?"))
        now += 25                                             // 125 s without a key
        d.app.checkIdle()
        #expect(d.contains("Are you still there?"))
        #expect(d.contains("25 seconds"))
        d.press(.char("x"))                                   // any key: back to the question, answers kept
        #expect(d.contains("Ana"))
        now += 151
        d.app.checkIdle()
        #expect(d.contains("Which language do you want?"))
        #expect(!d.contains("Ana"))
        #expect(d.app.wipeRequested)
        #expect(try childCases(d.store).isEmpty)
    }

    @Test("the child session reaches nothing else: no case, no list, no home")
    func nothingElse() throws {
        let d = try Driver(seedDemo: true)
        d.app.lock()
        d.press(.function(3), .char("1"))
        for k in "cdrsvmaknuql".map({ Key.char($0) }) + [.ctrl("l"), .function(2), .tab, .backTab, .pageUp, .pageDown] {
            d.press(k)
            #expect(!d.contains("KG-"), "\(k) showed a case number")
            #expect(d.app.session == nil)
        }
        d.press(.function(1))
        #expect(!d.contains("KG-"))
    }

    @Test("read aloud speaks the question in the chosen language when espeak-ng is there")
    func readAloud() throws {
        let dir = NSTemporaryDirectory() + "kinga-speak-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = dir + "/fake-espeak"
        try "#!/bin/sh\nprintf '%s\\n' \"$@\" > \(dir)/spoken\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let saved = Speaker.command
        Speaker.command = script
        defer { Speaker.command = saved }
        let d = try lockedKiosk()
        let id = try #require(Languages.shared.all.firstIndex { $0.code == "id" })
        d.press(.function(3), .char(Character("\(id + 1)")), .enter)
        #expect(d.contains("F5"))
        d.press(.function(5))
        var spoken = ""
        for _ in 0..<100 where spoken.isEmpty {
            usleep(20_000)
            spoken = (try? String(contentsOfFile: dir + "/spoken", encoding: .utf8)) ?? ""
        }
        #expect(spoken.contains("-v\nid\n"))
        #expect(spoken.contains(Languages.shared.language(code: "id")!.text("child.safe.q")))
        // The speaker has finished: the loop collects it, so no zombie waits for the next F5 (issue #15).
        let pid = Speaker.running
        #expect(pid > 0)
        var state = ""
        for _ in 0..<500 where state != "Z" {
            usleep(10_000)
            state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)).flatMap { s in
                s.lastIndex(of: ")").map { String(s[s.index($0, offsetBy: 2)]) } } ?? "gone"
        }
        #expect(state == "Z", "the stand-in should have finished")
        d.app.housekeeping()             // one turn of the loop
        #expect(Speaker.running == 0)
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(pid)/stat"), "the finished speaker is still a zombie")
    }

    /// Plain-language check of every sentence a child reads (keys child.*, except notes for the focal point,
    /// key hints and the line for the adult). Thresholds: every sentence at most 15 words and on average at most
    /// 10, in every language; for English also a Flesch reading-ease score of at least 85 ("easy" to "very
    /// easy": understood by 10-11 year olds), syllables counted by vowel groups.
    @Test("child-mode words are plain", arguments: ["en", "id", "fr"])
    func plainLanguage(code: String) throws {
        let l = try #require(Languages.shared.language(code: code))
        var c = Catalogue(code: "en")
        try c.read(file: localesFolder + "/templates/child.pot", template: true)
        let keys = c.messages.keys.filter { !$0.hasPrefix("child.n.") && !$0.hasPrefix("child.k") && $0 != "child.entry" && $0 != "child.stopHint" }
        var sentences = 0, words = 0, syllables = 0
        for key in keys.sorted() {
            for sentence in l.text(key).split(whereSeparator: { ".!?".contains($0) }) {
                let ws = sentence.split(whereSeparator: { !$0.isLetter && $0 != "'" && $0 != "’" })
                guard !ws.isEmpty else { continue }
                #expect(ws.count <= 15, "\(code) \(key): \(sentence)")
                sentences += 1
                words += ws.count
                syllables += ws.map { Self.syllables(String($0)) }.reduce(0, +)
            }
        }
        #expect(sentences > 40)
        #expect(Double(words) / Double(sentences) <= 10)
        if code == "en" {
            let flesch = 206.835 - 1.015 * Double(words) / Double(sentences) - 84.6 * Double(syllables) / Double(words)
            #expect(flesch >= 85, "Flesch reading ease \(flesch)")
        }
    }

    static func syllables(_ word: String) -> Int {
        let w = word.lowercased()
        var groups = 0, inVowel = false
        for ch in w {
            let v = "aeiouy".contains(ch)
            if v && !inVowel { groups += 1 }
            inVowel = v
        }
        if w.hasSuffix("e") && !w.hasSuffix("le") && groups > 1 { groups -= 1 }
        return max(1, groups)
    }
}

@Suite("Languages per user and per kiosk, themes, consent overrides for review")
struct LanguageChoiceTests {
    @Test func eachUserSeesTheirOwnLanguageAndTheLockScreenTheKiosks() throws {
        let d = try Driver()
        #expect(d.contains("What would you like to do?"))
        d.press(.char("g"))
        let id = try #require(Languages.shared.all.firstIndex { $0.code == "id" })
        d.press(.char(Character("\(id + 1)")))
        let indonesian = try #require(Languages.shared.language(code: "id"))
        #expect(d.contains(indonesian.text("homeWelcome")))
        #expect(try d.store.users().first { $0.name == "Test Focal Point" }?.language == "id")
        d.app.lock()
        #expect(d.contains("Kinga is locked"))              // the kiosk's language (English)
        let me = try #require(try d.store.users().first { $0.name == "Test Focal Point" })
        d.app.signIn(try d.store.acting(me), as: me)
        #expect(d.contains(indonesian.text("homeWelcome")))
    }

    @Test("what went wrong is told in the user's language")
    func errorsAreTranslated() throws {
        let id = try #require(Languages.shared.language(code: "id"))
        let en = L10n.$current.withValue(Languages.shared.english) { S.cycleError(UserError.weakPIN(.sequence)) }
        let shown = L10n.$current.withValue(id) { S.cycleError(UserError.weakPIN(.sequence)) }
        #expect(en.contains("123456") && shown.contains("123456"))
        #expect(shown == id.text("error.pinSequence") && shown != en)
        #expect(L10n.$current.withValue(id) { S.cycleError(StoreError.accessDenied) } == id.text("error.accessDenied"))
    }

    @Test func highContrastAndNoColourAreChosenOnScreenAndKept() throws {
        let d = try Driver()
        d.press(.char("g"), .char("o"))
        #expect(d.contains("High contrast"))
        d.press(.char("2"))
        #expect(d.app.theme == .contrast)
        #expect(try d.store.setting("theme") == "contrast")
        let t = RecordingTerminal(width: 80, height: 24)
        t.queued = [.key(.char("q"))]
        d.app.run(on: t)
        #expect(t.theme == .contrast)
    }

    @Test("the supervisor's review with nothing waiting says so, with no lone ▸ and nothing Enter could act on")
    func reviewWithNothingWaiting() throws {
        let d = try Driver()
        d.press(.char("v"))
        #expect(d.app.top is ReviewQueueScreen)
        #expect(d.contains("Nothing waits for your review."))
        #expect(d.contains("No consent overrides in the last 90 days."))
        #expect(!d.contains("0 closures"))
        let g = d.screen
        #expect(!(1..<(g.height - 1)).contains { g.row($0).contains("▸") }, "\(d.text)")
        d.press(.down, .enter, .up, .end, .enter)
        #expect(d.app.top is ReviewQueueScreen)
        #expect(!(1..<(g.height - 1)).contains { d.screen.row($0).contains("▸") })
    }

    @Test func consentOverridesAreListedInTheReviewQueue() throws {
        let d = try Driver(seedDemo: true)
        let overrides = try d.store.consentOverrides(since: LocalDate(year: 2000, month: 1, day: 1)!, viewer: d.store.testViewer)
        d.press(.char("v"))
        #expect(d.contains("Consent overrides"))
        if let first = overrides.first {
            #expect(d.contains(first.caseNumber.description))
        } else {
            #expect(d.contains("No consent overrides"))
        }
    }
}

/// Issue #16: a session is a value. The app reads and writes through the handle the PIN gave; a lock drops it.
@Suite("Sessions are values: the lock drops the person's handle, and no handle changes person")
struct SessionValueTests {
    @Test("after a lock the app holds the handle with nobody; the old handle still acts only for its person; a PIN gives a new one")
    func lockDropsTheHandle() throws {
        let d = try Driver()
        let before = d.app.store!
        let me = try #require(before.actor)
        d.app.lock()
        _ = d.screen
        #expect(d.app.store.actor == nil && d.app.session == nil)
        #expect(throws: StoreError.accessDenied) { try d.app.store.addNote(caseID: UUID(), text: "Nobody is logged in.") }
        #expect(before.actor?.id == me.id)              // a handle's person is fixed for its life
        // Another person logs in at the kiosk: the screens now act for them, and the first handle is unchanged.
        let other = try d.app.store.addTestUser(name: "Ibu Lain Fiktif", roles: [.focalPoint], pin: "731946")
        guard case .success(let theirs, let who) = try d.app.store.login(userID: other.id, pin: "731946") else {
            Issue.record("right PIN refused"); return
        }
        d.app.signIn(theirs, as: who)
        #expect(d.app.store.actor?.id == other.id && d.app.session?.id == other.id)
        #expect(before.actor?.id == me.id)
        let c = try before.registerCase(from: { var r = Report()
            r.reporterKind = .neighbour; r.sex = .female; r.approximateAgeText = "7"; r.village = "Kampung Fiksi"; r.childName = "Sari Fiktif"
            r.concerns = ["neglect"]; r.narrative = "A fictional report."; r.inDangerNow = false; r.childAssent = .yes; r.caregiverConsent = .yes
            return r }(), draftID: UUID())
        #expect(try before.events(caseID: c.id, viewer: .user(me)).allSatisfy { $0.author == me.name })
    }
}
