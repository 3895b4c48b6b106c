import Foundation
import Testing
@testable import Model
@testable import Storage
@testable import TUI
import I18n

@Suite("Statistics screen (issue #8): bars with numbers, small counts hidden, export")
struct StatisticsScreenTests {
    @Test("t opens the statistics: bars and numbers, <5 for small counts, periods 1–5, no child's name")
    func statistics() throws {
        let d = try Driver(seedDemo: true)
        d.press(.char("t"))
        #expect(d.app.top is StatisticsScreen)
        #expect(d.contains("Cases registered from"))
        d.press(.char("5"))                       // everything
        #expect(d.contains("All cases registered up to 2 Mar 2026"))
        #expect(d.contains("By protection concern"))
        #expect(d.contains("█"))
        #expect(d.contains("<5"))
        #expect(d.contains("so that no child can be recognised"))
        #expect(d.screen.invariantViolation() == nil)
        // Scroll to the end: months and referrals.
        for _ in 0..<6 { d.press(.pageDown) }
        #expect(d.contains("Registered per month") || d.contains("Referrals by service"))
        let names = try d.store.casePage(after: nil, limit: 100).map(\.childName).filter { $0.count > 3 }
        for _ in 0..<8 { d.press(.pageUp) }
        for _ in 0..<8 {
            for n in names { #expect(!d.text.contains(n), "a child's name on the statistics screen: \(n)") }
            d.press(.pageDown)
        }
    }

    @Test("e saves the CSV beside the database, without names, and audits it")
    func exportFromTheScreen() throws {
        let d = try Driver(seedDemo: true)
        d.press(.char("t"), .char("5"), .char("e"))
        #expect(d.contains("Saved for the social welfare office"))
        let folder = d.store.filesFolder("exports")
        #expect(folder.hasSuffix("/exports-demo"))        // the demo's files never mix with real ones
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(files.count == 1)
        let text = try String(contentsOfFile: folder + "/" + files[0], encoding: .utf8)
        #expect(text.hasPrefix("section,item,value"))
        for n in try d.store.casePage(after: nil, limit: 100).map(\.childName) where n.count > 3 { #expect(!text.contains(n)) }
        #expect(!files[0].hasSuffix(".part"))
    }

    @Test("the screen fits and stays whole at 40x12, 80x24 and 200x50, in every language", arguments: ["en", "id", "fr"])
    func sizes(language: String) throws {
        for (w, h) in [(40, 12), (80, 24), (200, 50)] {
            let d = try Driver(width: w, height: h, seedDemo: true)
            d.app.setLanguage(Languages.shared.language(code: language)!)
            d.press(.char("t"), .char("5"))
            #expect(d.screen.invariantViolation() == nil)
        }
    }
}
