import Foundation
import Testing
@testable import Model

@Suite("Printouts as plain text (issue #8)")
struct PrintDocumentTests {
    let doc = PrintDocument(
        title: "Referral slip", subtitle: "KG-2026-0042 · made on 2 Mar 2026",
        blocks: [.field(label: "Child", value: "Luyándo Mwale"), .field(label: "Referred to", value: "Mwanzi East Clinic"),
                 .notice("URGENT: please see this child as soon as possible."),
                 .heading("Reason for the referral"),
                 .paragraph("A long reason that goes on and on so that it must wrap over several lines of the printed slip without losing a word.\n\nA second paragraph."),
                 .list(["health · clinic · waiting", "ليلى · 王小明"])],
        footer: "Confidential: this is about a child.")

    @Test("fields line up, text wraps at the width, nothing is lost, the footer ends it")
    func layout() {
        let text = doc.plainText(width: 40)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "Referral slip" && lines[1].allSatisfy { $0 == "=" })
        let child = lines.first { $0.hasPrefix("Child:") }!, to = lines.first { $0.hasPrefix("Referred to:") }!
        #expect(child.firstIndex(of: "L")!.utf16Offset(in: child) == to.firstIndex(of: "M")!.utf16Offset(in: to))
        #expect(lines.allSatisfy { $0.count <= 40 }, "\(lines.filter { $0.count > 40 })")
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        #expect(words.contains("without losing a word. A second paragraph."))
        #expect(text.contains("• ليلى · 王小明"))
        #expect(text.contains("! URGENT"))
        #expect(text.hasSuffix("Confidential: this is about a child.\n"))
    }

    @Test("a word longer than the line is cut, never dropped or overflowing")
    func longWord() {
        let lines = PrintDocument.wrap(String(repeating: "x", count: 25) + " end", width: 10)
        #expect(lines == ["xxxxxxxxxx", "xxxxxxxxxx", "xxxxx end"])
    }

    /// A stand-in for the page: at most `lines` lines of plain text at 40 characters.
    static func fits(_ lines: Int) -> (PrintDocument) -> Bool {
        { $0.plainText(width: 40).split(separator: "\n", omittingEmptySubsequences: false).count <= lines }
    }

    @Test("a one-page document is cut from the end to what fits, at whole items or words, with the cut line last (issue #15)")
    func cutToFit() {
        var d = PrintDocument(title: "Case summary", subtitle: "KG-2026-0042",
                              blocks: [.field(label: "Child", value: "Luyándo Mwale"), .field(label: "Risk", value: "high"),
                                       .heading("Referrals"), .list((1...16).map { "Referral number \($0) to a clinic" }),
                                       .heading("Case plan"), .list(["Back to school", "A meal every day"]),
                                       .heading("What was reported"),
                                       .paragraph(String(repeating: "She said the work at the quarry starts before sunrise. ", count: 40))],
                              footer: "Confidential.", cutNotice: "… see Kinga for the rest")
        #expect(d.cut(toFit: Self.fits(1_000)) == d, "a document that fits is not touched")
        for limit in [12, 20, 30, 45, 60] {
            let cut = d.cut(toFit: Self.fits(limit))
            #expect(Self.fits(limit)(cut), "\(limit) lines")
            #expect(cut.blocks.last == .cut("… see Kinga for the rest"))
            #expect(Array(cut.blocks.prefix(2)) == Array(d.blocks.prefix(2)), "who the child is and the risk come first")
            if case .heading? = cut.blocks.dropLast().last { Issue.record("a heading left alone at \(limit) lines") }
            // One more item or word would not fit: nothing was cut that had room.
            if case .list(let items)? = cut.blocks.dropLast().last, items.count < 16, items.count > 0 {
                var more = cut
                more.blocks[more.blocks.count - 2] = .list(Array((1...16).map { "Referral number \($0) to a clinic" }.prefix(items.count + 1)))
                #expect(!Self.fits(limit)(more))
            }
        }
        let words = d.cut(toFit: Self.fits(60))
        if case .paragraph(let p)? = words.blocks.dropLast().last {
            #expect(p.hasSuffix(" …") && p.hasPrefix("She said the work"))
        } else {
            Issue.record("at 60 lines the report's words are cut by words: \(words.blocks)")
        }
        d.cutNotice = nil
        #expect(d.cut(toFit: Self.fits(12)) == d, "only a one-page document is cut")
    }
}

