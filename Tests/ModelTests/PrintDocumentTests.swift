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
}
