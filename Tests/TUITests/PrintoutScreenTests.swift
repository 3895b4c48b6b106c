import Exports
import Foundation
import I18n
import Testing
@testable import Model
import Printing
@testable import Storage
@testable import TUI
import StoreTestSupport

@Suite("Printouts from the screens (issue #8)")
struct PrintoutScreenTests {
    @Test("e in a case writes the one-page summary as text and PDF, in the user's language")
    func caseSummary() throws {
        let d = try Driver(seedDemo: true)
        let number = try #require(try d.store.casePage(after: nil, limit: 1, viewer: d.store.testViewer).first).number.description
        d.press(.char("c"), .enter)
        d.press(.char("e"))
        #expect(d.contains("Case summary"))
        #expect(d.contains("What was reported"))
        let files = try FileManager.default.contentsOfDirectory(atPath: d.store.slipsFolder).sorted()
        #expect(files == ["DEMO-\(number)-summary.pdf", "DEMO-\(number)-summary.txt"], "\(files)")
        #expect(d.store.slipsFolder.hasSuffix("/slips-demo"))
        #expect(d.contains("DEMO · Case summary"))
        for _ in 0..<5 { d.press(.pageDown) }
        #expect(d.contains("Saved for printing"))
        // In French.
        d.press(.escape)
        d.app.setLanguage(Languages.shared.language(code: "fr")!)
        d.press(.char("e"))
        #expect(d.contains("Résumé du cas"))
        #expect(try String(contentsOfFile: d.store.slipsFolder + "/DEMO-\(number)-summary.txt", encoding: .utf8).contains("Ce qui a été signalé"))
    }
}

extension PrintoutScreenTests {
    @Test("a known date of birth shows in the case header and on the printed summary, in the user's language")
    func dateOfBirthShown() throws {
        let d = try Driver()
        var r = Report()
        r.reporterKind = .teacher; r.childName = "Wezi Fiksi"; r.sex = .female; r.dateOfBirthText = "07/03/2016"; r.village = "Mansa"
        r.concerns = ["neglect"]; r.inDangerNow = false; r.childAssent = .yes; r.caregiverConsent = .yes
        let c = try d.store.registerCase(from: r, draftID: UUID(), assignedTo: d.app.session?.id)
        d.app.apply(.push(CaseDetailScreen(caseID: c.id)))
        #expect(d.contains("Wezi Fiksi · 9 years, born 7 Mar 2016 · Girl · Mansa"), "\(d.text)")
        d.press(.char("e"))
        let text = try String(contentsOfFile: d.store.slipsFolder + "/\(c.number)-summary.txt", encoding: .utf8)
        #expect(text.range(of: "Date of birth: +7 Mar 2016", options: .regularExpression) != nil, "\(text)")
        d.press(.escape)
        d.app.setLanguage(Languages.shared.language(code: "fr")!)
        _ = d.screen
        #expect(d.contains("9 ans (naissance : 7 mars 2016)"), "\(d.text)")
        d.press(.char("e"))
        let fr = try String(contentsOfFile: d.store.slipsFolder + "/\(c.number)-summary.txt", encoding: .utf8)
        #expect(fr.range(of: "Date de naissance : +7 mars 2016", options: .regularExpression) != nil, "\(fr)")
    }

    @Test("an approximate age is shown as an age only, without a made-up date of birth")
    func approximateAgeHasNoBirthDate() throws {
        let d = try Driver()
        var r = Report()
        r.reporterKind = .teacher; r.childName = "Chanda Fiksi"; r.sex = .male; r.approximateAgeText = "8"; r.village = "Mansa"
        r.concerns = ["neglect"]; r.inDangerNow = false; r.childAssent = .yes; r.caregiverConsent = .yes
        let c = try d.store.registerCase(from: r, draftID: UUID(), assignedTo: d.app.session?.id)
        d.app.apply(.push(CaseDetailScreen(caseID: c.id)))
        #expect(d.contains("Chanda Fiksi · 8 years · Boy · Mansa"), "\(d.text)")
        d.press(.char("e"))
        let text = try String(contentsOfFile: d.store.slipsFolder + "/\(c.number)-summary.txt", encoding: .utf8)
        #expect(!text.contains("Date of birth"))
    }
}

@Suite("The case summary stays on one page (issue #8)")
struct OnePageTests {
    @Test("every demo case's summary is one A4 page, in every language")
    func onePage() throws {
        let d = try Driver(seedDemo: true)
        let dir = NSTemporaryDirectory() + "kinga-onepage-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["KEEP_PDF"] == nil { try? FileManager.default.removeItem(atPath: dir) } }
        var pages: [String: Int] = [:]
        var cut: [String] = []
        for lang in ["en", "id", "fr"] {
            d.app.setLanguage(Languages.shared.language(code: lang)!)
            for s in try d.store.casePage(after: nil, limit: 100, viewer: d.store.testViewer) {
                let c = try #require(try d.store.caseRecord(id: s.id, viewer: d.store.testViewer))
                let doc = L10n.$current.withValue(Languages.shared.language(code: lang)!) {
                    Printouts.caseSummary(c, progress: try? d.store.progress(caseID: s.id, deadlines: d.app.profile.deadlines, viewer: d.store.testViewer),
                                          referrals: (try? d.store.referrals(caseID: s.id, viewer: d.store.testViewer)) ?? [], events: (try? d.store.events(caseID: s.id, viewer: d.store.testViewer)) ?? [],
                                          profile: d.app.profile, today: pinned.today, timeZone: pinned.timeZone)
                }
                let pdf = dir + "/\(lang)-\(c.number).pdf"
                try PDFPrinter.write(doc, to: pdf)
                pages["\(lang) \(c.number)"] = try pdfPageCount(pdf)
                // An ordinary case is printed whole: cutting is for the largest ones.
                if PDFPrinter.fitted(doc) != doc { cut.append("\(lang) \(c.number)") }
            }
        }
        #expect(cut.isEmpty, "cut although the case is ordinary: \(cut)")
        #expect(pages.count > 60)
        let long = pages.filter { $0.value != 1 }
        #expect(long.isEmpty, "more than one page: \(long.sorted { $0.key < $1.key })")
    }
}

/// What a poppler tool (`pdfinfo`, `pdftotext`; installed by `make test`) writes to standard output.
func poppler(_ tool: String, _ args: [String]) throws -> String {
    let out = NSTemporaryDirectory() + "kinga-\(tool)-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: out) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv = [tool] + args
    var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for a in cargs { free(a) } }
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, tool, &actions, nil, &cargs, environ)
    // Say why, not just "no such file": a spawn can also fail for want of memory or processes on a loaded machine.
    guard spawned == 0 else { throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "cannot start \(argv[0]): \(String(cString: strerror(spawned)))"]) }
    var status: Int32 = 0
    // A signal to the test process (other tests stop the programs they start) must not end the wait early.
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    return try String(contentsOfFile: out, encoding: .utf8)
}

/// Pages of a PDF, from poppler's pdfinfo.
func pdfPageCount(_ path: String) throws -> Int {
    let line = try poppler("pdfinfo", [path]).split(separator: "\n").first { $0.hasPrefix("Pages:") } ?? ""
    return Int(line.split(separator: " ").last ?? "") ?? 0
}

@Suite("The case summary fits one A4 page for any case (issue #15)")
struct LargestCaseTests {
    static let latinName = "Nomvula-Chimwemwe Mwansa-Ouédraogo Katongo"
    static let arabicName = "ليلى عبد الرحمن"

    /// The largest realistic case: every one-line field long, eight concerns, a 4,000-character report,
    /// three long plan goals, 16 referrals in every status, 40 timeline notes. All fictional.
    static func largestCase(_ store: KingaStore) throws -> UUID {
        var r = Report()
        r.reporterKind = .teacher
        r.reporterName = "Ibu Guru Kartika Dewi Anggraeni-Siregar (wali kelas enam)"
        r.childName = latinName + " " + arabicName
        r.nickname = "Nomvu"
        r.sex = .female
        r.approximateAgeText = "13"
        r.village = "Kelurahan Pasir Cempaka Utara, Dusun Tiga, RT 04 / RW 11, near the fish landing"
        r.caregiver = "Fatimah Nur Hidayati-Mwale (aunt, looks after five children since the flood) فاطمة"
        r.concerns = ["physical_violence", "neglect", "child_labour", "out_of_school", "child_marriage", "emotional_abuse",
                      "separated", "mental_distress"]
        let sentences = ["She said that her uncle makes her work at the quarry from before sunrise until the evening prayer.",
                         "Her teacher saw bruises on both arms and a burn on the left hand that she would not explain.",
                         "The aunt says there is no money for the uniform and that the girl must help with the younger ones.",
                         "A neighbour heard talk of a marriage to an older man from the next village after the harvest.",
                         "She has not eaten at school for three days and fell asleep twice during the morning lessons.",
                         "Her mother went to work in the city two years ago and has not called since the last rainy season."]
        var words = ""
        var i = 0
        while words.count < 4_000 { words += sentences[i % sentences.count] + " "; i += 1 }
        r.narrative = String(words.prefix(4_000))
        r.whenHappened = "Since the end of the rainy season, most evenings after the market closes and on every school holiday"
        r.whereHappened = "At home, on the road to the quarry behind the clinic, and at the uncle's stall at the Saturday market"
        r.inDangerNow = true
        r.childAssent = .yes
        r.caregiverConsent = .yes
        let c = try store.registerCase(from: r, draftID: UUID())
        let answers = RiskAnswers(immediateDanger: true, harmerHasAccess: true, severity: .severe, frequency: .often, safeAdult: false,
                                  childViews: "I want to go back to school and live with my grandmother.")
        try store.recordAssessment(caseID: c.id, Assessment(answers: answers, chosen: .high, whyDifferent: ""))
        let goal = "Nomvula goes back to school every day with a uniform, books and a meal, and the quarry work stops for good"
        try store.saveCasePlan(caseID: c.id, CasePlan(goals: (1...3).map {
            PlanGoal(what: "\($0). " + goal, who: "Head teacher, the aunt, the social welfare officer and the community focal point", by: pinned.today.adding(days: 30 * $0))
        }, childViews: "", caregiverViews: ""))
        let services: [ServiceType] = [.health, .psychosocial, .police, .legal, .shelter, .education, .socialWelfare, .food]
        for n in 0..<16 {
            let p = try store.saveProvider(ServiceProvider(name: "Fictional Provider Number \(n + 1) of the District Service Network",
                                                           services: [services[n % services.count]], area: "Kampung Fiksi", contact: "0800", hours: "", notes: ""))
            let ref = try store.sendReferral(caseID: c.id, providerID: p.id, service: services[n % services.count], reason: "Needs support",
                                             urgent: n % 3 == 0)
            switch n % 5 {
            case 1: try store.updateReferral(id: ref.id, to: .accepted, note: "")
            case 2: try store.updateReferral(id: ref.id, to: .declined, note: "No place this month")
            case 3: try store.updateReferral(id: ref.id, to: .accepted, note: "")
                    try store.updateReferral(id: ref.id, to: .completed, note: "")
            case 4: try store.updateReferral(id: ref.id, to: .withdrawn, note: "Family moved the appointment")
            default: break
            }
        }
        for n in 1...40 {
            try store.addNote(caseID: c.id, text: "Visit \(n): spoke with the aunt and the head teacher about school, food and the quarry; "
                              + "Nomvula was quiet but said she felt a little safer this week.")
        }
        return c.id
    }

    @Test("the largest realistic case prints on exactly one page in every language: cut with '… see Kinga for the rest', name and risk kept",
          arguments: ["en", "id", "fr"])
    func largest(language: String) throws {
        let d = try Driver()
        let id = try Self.largestCase(d.store)
        let lang = try #require(Languages.shared.language(code: language))
        d.app.setLanguage(lang)
        let p = try L10n.$current.withValue(lang) { try Printouts.printSummary(caseID: id, d.app) }
        let pdf = try #require(p.pdfPath, "\(p.pdfProblem ?? "")")
        #expect(try pdfPageCount(pdf) == 1)
        let text = try poppler("pdftotext", ["-layout", pdf, "-"])
        let cut = lang.text("print.seeKinga")
        #expect(text.contains(cut), "\(language): no '\(cut)' in\n\(text)")
        #expect(p.text.contains(cut), "the text file says the same as the PDF")
        for part in Self.latinName.split(separator: " ") { #expect(text.contains(part), "\(language): the name (it may wrap)") }
        // pdftotext may wrap Arabic in direction marks or give presentation forms: compare letters only.
        let bare = String(text.unicodeScalars.filter { (0x0621...0x064A).contains($0.value) || (0xFE70...0xFEFF).contains($0.value) }.map(Character.init))
        #expect(bare.contains("ليلى") || bare.contains("ﻰﻠﻴﻟ") || bare.contains("ىليل") || bare.contains("ﻟﻴﻠﻰ"), "\(language): the Arabic name")
        #expect(text.contains(L10n.$current.withValue(lang) { S.risk(.high) }), "\(language): the risk")
        #expect(text.contains(lang.text("print.urgentCase").prefix(20)), "\(language): the urgent notice")
    }
}

@Suite("Long choices wrap instead of being cut")
struct LongChoiceTests {
    @Test("a provider line longer than the screen shows its phone number whole, under the name, at 80 and 40 columns")
    func wraps() throws {
        for width in [80, 40] {
            let d = try Driver(width: width, height: 24)
            let line = "SD Negeri 3 Pasir Cempaka · Kelurahan Pasir Cempaka Utara · 0812 5550 8861"
            let form = FormScreen(title: "T", intro: "", submitLabel: "Save",
                                  fields: [FormField("provider", "Which service provider?", .choice([line, "Puskesmas Fiktif · 0800"]))]) { _, _ in .none }
            d.app.apply(.push(form))
            let rows = d.text.split(separator: "\n").map(String.init)
            #expect(rows.contains { $0.contains("1. ( ) SD Negeri 3") }, "\(d.text)")
            #expect(d.text.replacingOccurrences(of: "\n", with: " ").contains("0812 5550 8861") || rows.contains { $0.contains("8861") }, "\(d.text)")
            #expect(rows.contains { $0.contains("2. ( ) Puskesmas Fiktif · 0800") })
            #expect(d.screen.invariantViolation() == nil)
        }
    }
}

@Suite("The login screen speaks the kiosk's language")
struct KioskLanguageTests {
    @Test("a French kiosk: the login screen is French when Kinga starts and when an English-speaking user locks it")
    func loginInKioskLanguage() throws {
        let dir = NSTemporaryDirectory() + "kinga-kiosk-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try KingaStore(test: dir + "/k.sqlite", clock: pinned)
        let user = try store.addTestUser(name: "Ms English", roles: [.focalPoint], pin: "482915", language: "en")
        let profile = try Seeds.profile(id: "generic", seeds: seedsFolder)
        let fr = try #require(Languages.shared.language(code: "fr"))
        let app = App(store: store, profile: profile, clock: pinned, demo: false, session: nil, language: fr)
        #expect(app.render(width: 80, height: 24).contains("Choisissez votre nom et tapez votre code PIN."))
        app.signIn(try store.acting(user), as: user)
        #expect(app.render(width: 80, height: 24).contains("What would you like to do?"))
        app.lock()
        #expect(app.render(width: 80, height: 24).contains("Kinga est verrouillé"))
    }
}

@Suite("Words in the user's language, and messages never cut")
struct LanguageFitTests {
    @Test("the report's list of concerns is in the user's language, not the profile's English labels")
    func concernsTranslated() throws {
        let d = try Driver()
        d.app.setLanguage(Languages.shared.language(code: "fr")!)
        d.press(.char("n"))
        d.press(.char("4"), .pageDown)
        d.type("Amani"); d.press(.tab)
        d.press(.char("1"), .tab, .tab)
        d.type("9"); d.press(.tab)
        d.type("Kampung Fiksi"); d.press(.pageDown)
        #expect(d.contains("[ ] Violence physique"), "\(d.text)")
        #expect(!d.contains("Physical violence"))
    }

    @Test("the home screen's footer keeps Help and Quit at 80 columns in every language", arguments: ["en", "id", "fr"])
    func homeFooter(code: String) throws {
        let d = try Driver()
        let l = try #require(Languages.shared.language(code: code))
        d.app.setLanguage(l)
        let footer = try #require(d.text.split(separator: "\n").last.map(String.init))
        #expect(footer.contains("? " + l.text("kHelp")) && footer.contains("q " + l.text("kQuit")), "\(footer)")
    }

    @Test("a long message wraps onto a second and third line above the footer instead of being cut")
    func longFlash() throws {
        let d = try Driver()
        d.app.flash = ("La démo a été réinitialisée : les cas fictifs sont revenus comme avant. Reconnectez-vous, puis choisissez votre nom.", .success)
        let rows = d.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(rows.joined(separator: " ").contains("choisissez votre nom."), "\(d.text)")
        #expect(d.screen.invariantViolation() == nil)
    }
}

@Suite("The case timeline shows whole dates in every language")
struct TimelineDateTests {
    @Test("French dates and times are not cut in the timeline at 80 columns")
    func frenchDates() throws {
        let d = try Driver(seedDemo: true)
        d.app.setLanguage(Languages.shared.language(code: "fr")!)
        // A case whose newest entries are from February (a long French month: "22 févr. 2026 09:00").
        let feb = try d.store.casePage(after: nil, limit: 100, viewer: d.store.testViewer).first { s in
            ((try? d.store.events(caseID: s.id, viewer: d.store.testViewer)) ?? []).suffix(8).contains { LocalDate($0.occurredAt, in: pinned.timeZone).month == 2 && LocalDate($0.occurredAt, in: pinned.timeZone).day >= 10 }
        }
        d.app.apply(.push(CaseDetailScreen(caseID: try #require(feb).id)))
        let rows = d.text.split(separator: "\n").map(String.init)
        let dated = rows.filter { $0.range(of: #"\d{4} \d\d:\d\d"#, options: .regularExpression) != nil }
        #expect(!dated.isEmpty, "\(d.text)")
        // Every time that starts is whole: a year followed by a digit is followed by hh:mm.
        let started = rows.filter { $0.range(of: #"20\d\d \d"#, options: .regularExpression) != nil }
        #expect(started.allSatisfy { $0.range(of: #"20\d\d \d\d:\d\d"#, options: .regularExpression) != nil }, "\(started)")
        #expect(rows.contains { $0.contains("févr.") }, "a February date, the long French month, is on screen")
    }
}
