import Exports
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
        #expect(d.contains("no child can be recognised"))
        #expect(d.screen.invariantViolation() == nil)
        // Scroll to the end: months and referrals.
        for _ in 0..<6 { d.press(.pageDown) }
        #expect(d.contains("Registered per month") || d.contains("Referrals by service"))
        let names = try d.store.casePage(after: nil, limit: 100, viewer: d.store.testViewer).map(\.childName).filter { $0.count > 3 }
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
        for n in try d.store.casePage(after: nil, limit: 100, viewer: d.store.testViewer).map(\.childName) where n.count > 3 { #expect(!text.contains(n)) }
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

    /// Every line of the statistics page, read by scrolling one line at a time from the top.
    static func allLines(_ d: Driver) -> [String] {
        d.press(.home)
        // Rows 1 to height − 3 hold the page; the row under it only the scroll mark, the last the keys.
        var lines = (1...(d.height - 3)).map { d.screen.row($0) }
        for _ in 0..<200 {
            let before = d.text
            d.press(.down)
            if d.text == before { break }
            lines.append(d.screen.row(d.height - 3))
        }
        // The last two columns hold only the scroll marks.
        return lines.map { String($0.dropLast(2)).trimmingCharacters(in: .whitespaces) }
    }

    @Test("at 80x24 every service's referral figures, rates and median are whole on screen, in every language (issue #15)",
          arguments: ["en", "id", "fr"])
    func referralsFitAt80Columns(language: String) throws {
        let d = try Driver(seedDemo: true)
        let lang = try #require(Languages.shared.language(code: language))
        d.app.setLanguage(lang)
        for period in ["3", "5"] {
            d.press(.char("t"), .char(Character(period)))
            let screen = try #require(d.app.top as? StatisticsScreen)
            let stats = try #require(screen.stats)
            #expect(stats.referrals.count >= 5)
            let lines = Self.allLines(d)
            let start = try #require(lines.firstIndex(of: L10n.$current.withValue(lang) { S.statsReferrals }))
            var rest = Array(lines[start...])
            for r in stats.referrals {
                func percent(_ p: Int?) -> String { p.map { "\($0) %" } ?? "—" }
                let figures = [r.sent.description, r.answered.description, "\(r.accepted) (\(percent(r.acceptancePercent)))",
                               "\(r.completed) (\(percent(r.completionPercent)))", r.medianDaysToReply.map { String(Int($0.rounded())) } ?? "—"]
                let at = try #require(rest.firstIndex { $0.hasPrefix(r.service) }, "\(r.service) is not on the screen whole: \(rest)")
                let row = rest[at].count > r.service.count + 4 ? rest[at] : rest[at + 1]
                let cells = row.dropFirst(row.hasPrefix(r.service) ? r.service.count : 0)
                    .components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                #expect(cells == figures, "\(language) \(r.service): \(row)")
                rest = Array(rest[(at + 1)...])
            }
            let table = lines[start...]
            #expect(!table.contains { $0.contains("…") }, "\(language): a line is cut: \(table.filter { $0.contains("…") })")
            d.press(.escape)
        }
    }

    @Test("'largest month' is never 0 when cases were closed, and never a hidden count (issue #15)")
    func largestMonth() throws {
        let d = try Driver(seedDemo: true)
        d.press(.char("t"), .char("3"))
        let stats = try #require((d.app.top as? StatisticsScreen)?.stats)
        #expect(stats.closedCases.published.map { $0 > 0 } == true)
        #expect(stats.byMonth.allSatisfy { $0.closed.published == 0 || $0.closed == .suppressed(threshold: 5) })
        let lines = Self.allLines(d)
        let closed = try #require(lines.firstIndex(of: "Closed per month"))
        #expect(lines[closed + 1].hasSuffix("largest month: <5"), "\(lines[closed + 1])")
        #expect(!lines.contains { $0.hasSuffix("largest month: 0") })
    }
}

