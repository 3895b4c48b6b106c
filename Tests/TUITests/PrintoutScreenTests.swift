import Foundation
import I18n
import Testing
@testable import Model
import Printing
@testable import Storage
@testable import TUI

@Suite("Printouts from the screens (issue #8)")
struct PrintoutScreenTests {
    @Test("e in a case writes the one-page summary as text and PDF, in the user's language")
    func caseSummary() throws {
        let d = try Driver(seedDemo: true)
        let number = try #require(try d.store.casePage(after: nil, limit: 1).first).number.description
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
        let c = try d.store.registerCase(from: r, draftID: UUID(), author: "t", assignedTo: d.app.session?.id)
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
        let c = try d.store.registerCase(from: r, draftID: UUID(), author: "t", assignedTo: d.app.session?.id)
        d.app.apply(.push(CaseDetailScreen(caseID: c.id)))
        #expect(d.contains("Chanda Fiksi · 8 years · Boy · Mansa"), "\(d.text)")
        d.press(.char("e"))
        let text = try String(contentsOfFile: d.store.slipsFolder + "/\(c.number)-summary.txt", encoding: .utf8)
        #expect(!text.contains("Date of birth"))
    }
}

@Suite("The case summary stays on one page (issue #8)")
struct OnePageTests {
    @Test("every demo case's summary is one A4 page, in English and French")
    func onePage() throws {
        let d = try Driver(seedDemo: true)
        let dir = NSTemporaryDirectory() + "kinga-onepage-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["KEEP_PDF"] == nil { try? FileManager.default.removeItem(atPath: dir) } }
        var pages: [String: Int] = [:]
        for lang in ["en", "fr"] {
            d.app.setLanguage(Languages.shared.language(code: lang)!)
            for s in try d.store.casePage(after: nil, limit: 100) {
                let c = try #require(try d.store.caseRecord(id: s.id))
                let doc = L10n.$current.withValue(Languages.shared.language(code: lang)!) {
                    Printouts.caseSummary(c, progress: try? d.store.progress(caseID: s.id, deadlines: d.app.profile.deadlines),
                                          referrals: (try? d.store.referrals(caseID: s.id)) ?? [], events: (try? d.store.events(caseID: s.id)) ?? [],
                                          profile: d.app.profile, today: pinned.today, timeZone: pinned.timeZone)
                }
                let pdf = dir + "/\(lang)-\(c.number).pdf"
                try PDFPrinter.write(doc, to: pdf)
                pages["\(lang) \(c.number)"] = try pdfPageCount(pdf)
            }
        }
        #expect(pages.count > 40)
        let long = pages.filter { $0.value != 1 }
        #expect(long.isEmpty, "more than one page: \(long.sorted { $0.key < $1.key })")
    }
}

/// Pages of a PDF, from poppler's pdfinfo (installed by `make test`).
func pdfPageCount(_ path: String) throws -> Int {
    let out = NSTemporaryDirectory() + "kinga-pdfinfo-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: out) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv = ["pdfinfo", path]
    var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for a in cargs { free(a) } }
    var pid: pid_t = 0
    guard posix_spawnp(&pid, "pdfinfo", &actions, nil, &cargs, environ) == 0 else { throw CocoaError(.fileNoSuchFile) }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    let text = try String(contentsOfFile: out, encoding: .utf8)
    let line = text.split(separator: "\n").first { $0.hasPrefix("Pages:") } ?? ""
    return Int(line.split(separator: " ").last ?? "") ?? 0
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
        let store = try KingaStore(path: dir + "/k.sqlite", clock: pinned)
        let user = try store.createUser(name: "Ms English", roles: [.focalPoint], pin: "482915", language: "en", createdBy: "t")
        let profile = try Seeds.profile(id: "generic", seeds: seedsFolder)
        let fr = try #require(Languages.shared.language(code: "fr"))
        let app = App(store: store, profile: profile, clock: pinned, demo: false, session: nil, language: fr)
        #expect(app.render(width: 80, height: 24).contains("Choisissez votre nom et tapez votre code PIN."))
        app.signIn(user)
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
        let feb = try d.store.casePage(after: nil, limit: 100).first { s in
            ((try? d.store.events(caseID: s.id)) ?? []).suffix(8).contains { LocalDate($0.occurredAt, in: pinned.timeZone).month == 2 && LocalDate($0.occurredAt, in: pinned.timeZone).day >= 10 }
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
