import Foundation
import I18n
import Testing
@testable import Model
@testable import Storage
@testable import TUI

/// Issue 15, item 4: every word a person sees or hears comes in their language. This renders every screen,
/// every printout and every step of the child's report (and what read-aloud says) headless, in every language
/// but English, over a case that went through the whole cycle (every kind of timeline entry), and fails on
/// English left in them.
///
/// Two checks, because English reaches a screen in two ways:
/// - from a catalogue or a profile: every English `msgid` of the templates (cut at its placeholders and line
///   breaks) and every English label of the country profiles, when it has 3 or more words and the language's
///   own text does not contain it too;
/// - written in code: words that are English and no word of French or Indonesian (`englishOnly`).
/// The data typed for the test is neutral (invented names and "Xyz" texts), so whatever English is found came
/// from Kinga, not from what a person typed.
@Suite("No English left in another language (issue 15, item 4)")
struct NoEnglishLeftTests {
    /// Words that are English and not French or Indonesian (nor a key name such as Enter or Esc): one of them in
    /// a non-English screen is English left behind. Checked against every translation by `translationsAreClean`.
    static let englishOnly: Set<String> = [
        "the", "of", "and", "with", "from", "this", "that", "your", "you", "are", "is", "was", "were", "has", "have",
        "not", "for", "by", "to", "at", "ticked", "goal", "goals", "summary", "printed", "sent", "referral", "referrals",
        "helpline", "emergency", "child", "children", "safe", "yes", "risk", "follow", "closed", "reopened", "asked",
        "waiting", "approval", "returned", "taken", "given", "linked", "another", "report", "received",
        "reported", "consent", "said", "chosen", "why", "views", "written", "how", "next", "answer",
    ]

    static let codes = Languages.shared.all.map(\.code).filter { $0 != "en" }

    /// English phrases of 3 or more words from the templates and the profiles, with the key they come from
    /// (nil for a profile label).
    static func englishPhrases() throws -> [(phrase: String, key: String?)] {
        var out: [(String, String?)] = []
        for (key, msgid) in Languages.shared.english.allTexts {
            for part in msgid.split(whereSeparator: { $0 == "\n" }).flatMap({ $0.split(separator: /\{[A-Za-z0-9_]+\}/) }) {
                let p = part.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
                if p.split(separator: " ").count >= 3 { out.append((p, key)) }
            }
        }
        for id in ["generic", "indonesia", "zambia"] {
            let p = try Seeds.profile(id: id, seeds: seedsFolder)
            let texts = (p.emergencyNumbers + p.helplines).map { $0.label.english } + p.urgentSteps.map(\.english)
            for t in texts where t.split(separator: " ").count >= 3 { out.append((t, nil)) }
        }
        return out
    }

    /// What is wrong with `text` (a screen, a printout, something spoken) in `language`: English phrases and
    /// English-only words found, one line each.
    static func english(in text: String, language l: Language, phrases: [(phrase: String, key: String?)], place: String) -> [String] {
        let flat = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        var found: [String] = []
        let own = l.allTexts.values.joined(separator: "\n")
        for (phrase, key) in phrases where flat.contains(phrase) {
            if let key, l.text(key) == Languages.shared.english.text(key) { continue }   // the same in both ("Kinga")
            if own.contains(phrase) { continue }
            found.append("\(place): English \"\(phrase)\"")
        }
        for line in text.split(separator: "\n") {
            // File paths and identifiers (an audit action such as `case.referral_sent`) are not words.
            // A word cut short to fit ("atteints" as "at…") is not a word either.
            let prose = line.split(separator: " ").filter { !$0.contains("/") && !$0.hasSuffix("…") && $0.firstMatch(of: /^[a-z]+([._][a-z0-9]+)+$/) == nil }
                .joined(separator: " ")
            let words = prose.lowercased().split(whereSeparator: { !$0.isLetter }).map(String.init)
            let english = Set(words.filter(englishOnly.contains))
            if !english.isEmpty { found.append("\(place): English \(english.sorted()) in \"\(line.trimmingCharacters(in: .whitespaces))\"") }
        }
        return found
    }

    @Test("the translations themselves hold no English-only word", arguments: codes)
    func translationsAreClean(code: String) throws {
        let l = try #require(Languages.shared.language(code: code))
        var bad: [String] = []
        for (key, text) in l.allTexts where l.has(key) && text != Languages.shared.english.text(key) {
            let words = text.replacing(/\{[A-Za-z0-9_]+\}/, with: " ").lowercased().split(whereSeparator: { !$0.isLetter }).map(String.init)
            let english = words.filter(Self.englishOnly.contains)
            if !english.isEmpty { bad.append("\(key): \(english)") }
        }
        #expect(bad.isEmpty, "\(bad.sorted())")
    }

    /// A case that went through every step, so its timeline holds every kind of entry; a second case linked to it
    /// as a duplicate; a child's report in the intake queue; two providers.
    static func fullCycle(_ d: Driver) throws -> [UUID] {
        var s = d.store
        let me = try #require(d.app.session)
        let health = try s.saveProvider(ServiceProvider(name: "Pusat Fiksi", services: [.health], area: "Kampung Fiksi", contact: "0800 000",
                                                        hours: "08-16", notes: "Xyz"))
        let welfare = try s.saveProvider(ServiceProvider(name: "Dinas Fiksi", services: [.socialWelfare], area: "Kampung Fiksi",
                                                         contact: "0800 001", hours: "08-16", notes: "Xyz"))
        var r = Report()
        r.reporterKind = .neighbour
        r.reporterName = "Bapak Fiksi"
        r.reporterContact = "0811 000"
        r.childName = "Amani Fiksi"
        r.nickname = "Ami"
        r.sex = .female
        r.dateOfBirthText = "2016-03-07"
        r.village = "Kampung Fiksi"
        r.caregiver = "Ibu Fiksi"
        r.concerns = ["sexual_violence", "neglect"]
        r.whenHappened = "Xyz"
        r.whereHappened = "Xyz"
        r.narrative = "Xyz xyz xyz."
        r.inDangerNow = true
        let c = try s.registerCase(from: r, draftID: UUID(), receivedAt: pinned.now.addingTimeInterval(-3 * 3600), assignedTo: me.id)
        try s.recordConsent(caseID: c.id, childAssent: .no, caregiverConsent: .notAsked, reason: "Xyz")
        try s.recordConsent(caseID: c.id, childAssent: .yes, caregiverConsent: .yes, reason: "")
        let answers = RiskAnswers(immediateDanger: false, harmerHasAccess: true, severity: .moderate, frequency: .often, safeAdult: false, childViews: "Xyz")
        try s.recordAssessment(caseID: c.id, Assessment(answers: answers, chosen: .high, whyDifferent: "Xyz"))
        try s.saveCasePlan(caseID: c.id, CasePlan(goals: [PlanGoal(what: "Xyz", who: "Ibu Fiksi", by: pinned.today.adding(days: 7)),
                                                          PlanGoal(what: "Xyz", who: "", by: nil)],
                                                  childViews: "Xyz", caregiverViews: "Xyz"))
        let ref = try s.sendReferral(caseID: c.id, providerID: health.id, service: .health, reason: "Xyz", urgent: true)
        try s.updateReferral(id: ref.id, to: .accepted, note: "Xyz", feedback: "Xyz")
        let ref2 = try s.sendReferral(caseID: c.id, providerID: welfare.id, service: .socialWelfare, reason: "Xyz", urgent: false)
        try s.updateReferral(id: ref2.id, to: .declined, note: "Xyz")
        try s.updateReferral(id: ref.id, to: .completed, note: "", feedback: "Xyz")
        try s.recordFollowUp(caseID: c.id, FollowUp(mode: .visit, outcome: "Xyz", childSafe: false, next: nil), deadlines: d.app.profile.deadlines)
        try s.recordFollowUp(caseID: c.id, FollowUp(mode: .call, outcome: "Xyz", childSafe: true, next: nil), deadlines: d.app.profile.deadlines)
        try s.addNote(caseID: c.id, text: "Xyz")
        let closure = Closure(reason: .goalsMet, goalsMet: true, childSafe: true, referralsResolvedOrExplained: true, note: "Xyz")
        let worker = try s.addTestUser(name: "Focal Fiksi", roles: [.focalPoint], pin: "731946")
        s = try s.beginSession(userID: me.id)
        try s.reassign(caseID: c.id, to: worker)
        // The case is the focal point's now: they work on it, the supervisor decides.
        s = try s.beginSession(userID: worker.id)
        try s.requestClosure(caseID: c.id, closure, rules: d.app.profile.rules)
        s = try s.beginSession(userID: me.id)
        try s.returnForCorrection(caseID: c.id, comment: "Xyz")
        s = try s.beginSession(userID: worker.id)
        try s.requestClosure(caseID: c.id, closure, rules: d.app.profile.rules)
        s = try s.beginSession(userID: me.id)
        try s.approveClosure(caseID: c.id, rules: d.app.profile.rules)
        try s.reopenCase(caseID: c.id, reason: "Xyz")
        var second = r
        second.inDangerNow = false
        second.childAssent = .yes
        second.caregiverConsent = .yes
        let c2 = try s.registerCase(from: second, draftID: UUID(), assignedTo: worker.id)
        try s.linkAsDuplicate(c2.id, of: c.id)
        var child = ChildReport(language: "fr")
        child.safety = .notSafe
        child.name = "Nia Fiksi"
        child.what = [.hurt]
        try s.registerChildReport(child.report(narrative: "Xyz"), language: "fr")
        let queued = try #require(try s.casePage(after: nil, limit: 10, viewer: .user(me)).first { $0.childName == "Nia Fiksi" })
        try s.takeCase(caseID: queued.id)
        return [c.id, c2.id, queued.id]
    }

    /// Every screen text reached from home and from the cases, in the driver's language: (where, text).
    static func screens(_ d: Driver, cases: [UUID]) throws -> [(String, String)] {
        var out: [(String, String)] = []
        func look(_ place: String) { out.append((place, d.text)) }
        func route(_ name: String, _ keys: [Key], start: Screen? = nil, more: Int = 0) {
            d.app.apply(.home(then: start))
            look(name + " start")
            for (i, k) in keys.enumerated() { d.press(k); look("\(name) after key \(i + 1)") }
            for i in 0..<more { d.press(.pageDown); look("\(name) page \(i + 2)") }
        }
        route("help", [.char("?")], more: 6)
        for k in ["c", "d", "r", "s", "t", "m", "v", "a", "k", "g", "o", "u"] { route("home \(k)", [.char(Character(k))], more: 2) }
        route("case list search", [.char("c"), .char("/")])
        route("case list filters", [.char("c"), .char("f")], more: 3)
        route("case list sort", [.char("c"), .char("s")])
        route("referral", [.char("r"), .enter], more: 3)
        route("referral slip", [.char("r"), .char("p")], more: 3)
        route("new provider", [.char("s"), .char("n")], more: 2)
        route("statistics periods", [.char("t"), .char("2")], more: 2)
        route("wizard", [.char("n"), .char("4"), .pageDown, .pageDown, .pageDown, .pageDown, .pageDown, .pageDown, .escape])
        for (n, id) in cases.enumerated() {
            route("case \(n)", [], start: CaseDetailScreen(caseID: id))
            let events = try d.store.events(caseID: id, viewer: d.store.testViewer)
            for i in events.indices {
                d.app.apply(.home(then: CaseDetailScreen(caseID: id)))
                d.press(.home)
                for _ in 0..<i { d.press(.down) }
                d.press(.enter)
                look("case \(n) entry \(i + 1)")
            }
            for k in ["t", "s", "p", "f", "u", "k", "x", "g", "o", "e"] {
                route("case \(n) key \(k)", [.char(Character(k))], start: CaseDetailScreen(caseID: id), more: 3)
            }
        }
        return out
    }

    /// Every printout of the cases, as plain text, in the current language.
    static func printouts(_ d: Driver, cases: [UUID]) throws -> [(String, String)] {
        var out: [(String, String)] = []
        for id in cases {
            let c = try #require(try d.store.caseRecord(id: id, viewer: d.store.testViewer))
            let doc = Printouts.caseSummary(c, progress: try? d.store.progress(caseID: id, deadlines: d.app.profile.deadlines, viewer: d.store.testViewer),
                                            referrals: try d.store.referrals(caseID: id, viewer: d.store.testViewer), events: try d.store.events(caseID: id, viewer: d.store.testViewer),
                                            profile: d.app.profile, today: pinned.today, timeZone: pinned.timeZone)
            out.append(("summary of \(c.number)", doc.plainText()))
            for r in try d.store.referrals(caseID: id, viewer: d.store.testViewer) {
                let slip = Printouts.referralSlip(r, provider: nil, profile: d.app.profile, focalPoint: "Focal Fiksi", today: pinned.today)
                out.append(("slip \(r.providerName)", slip.plainText()))
            }
        }
        return out
    }

    /// Every step of the child's report in `code`, as drawn and as read aloud: (where, text).
    static func childSteps(_ d: Driver, code: String) throws -> [(String, String)] {
        var out: [(String, String)] = []
        d.app.lock()
        d.press(.function(3))
        let index = try #require(Languages.shared.all.firstIndex { $0.code == code })
        d.press(.char(Character("\(index + 1)")))
        func look(_ place: String) {
            out.append((place, d.text))
            if let child = d.app.top as? ChildReportScreen {
                out.append((place + " read aloud", L10n.$current.withValue(d.app.language) { child.spokenText(d.app) }))
            }
        }
        look("welcome")
        let keys: [Key] = [.enter, .char("2"), .enter, .char("1"), .enter, .char("1"), .char("8"), .enter, .char("1"), .down, .down, .enter]
        for (i, k) in keys.enumerated() { d.press(k); look("child step \(i + 2)") }
        d.press(.escape); look("child stop")
        d.press(.char("2")); look("child stop refused")
        d.press(.char("1")); look("child send")
        look("child done")
        return out
    }

    @Test("every screen, printout and child step in every other language is free of English", arguments: codes)
    func noEnglish(code: String) throws {
        let l = try #require(Languages.shared.language(code: code))
        let phrases = try Self.englishPhrases()
        let d = try Driver()
        let cases = try Self.fullCycle(d)
        d.app.setLanguage(l)
        var texts = try Self.screens(d, cases: cases)
        texts += try L10n.$current.withValue(l) { try Self.printouts(d, cases: cases) }
        for profile in ["generic", "indonesia", "zambia"] {
            let p = try Driver(profile: profile)
            p.app.setLanguage(l)
            p.press(.char("n"), .char("4"), .pageDown, .pageDown, .pageDown, .pageDown)
            p.press(.char("1"), .pageDown)
            texts.append(("\(profile) urgent step of the report", p.text))
            p.app.apply(.home(then: nil))
            p.press(.char("?"))
            texts.append(("\(profile) help", p.text))
            texts += try Self.childSteps(p, code: code).map { ("\(profile) \($0.0)", $0.1) }
        }
        #expect(texts.count > 200)
        // The child's danger step was reached and read aloud, with every profile's numbers.
        #expect(texts.filter { $0.0.hasSuffix("read aloud") && $0.1.contains("116 111") }.count >= 3)
        #expect(texts.contains { $0.0.hasPrefix("indonesia") && $0.1.contains("SAPA 129") })
        var found: [String] = []
        for (place, text) in texts { found += Self.english(in: text, language: l, phrases: phrases, place: place) }
        var seen = Set<String>()
        found = found.filter { seen.insert($0.drop { $0 != ":" }.description).inserted }
        #expect(found.isEmpty, "English left in \(code) (\(found.count)):\n\(found.prefix(150).joined(separator: "\n"))")
    }
}
