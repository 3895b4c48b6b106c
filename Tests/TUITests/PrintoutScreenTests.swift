import Foundation
import I18n
import Testing
@testable import Model
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
