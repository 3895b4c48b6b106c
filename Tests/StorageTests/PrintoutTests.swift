import Exports
import Foundation
import Testing
@testable import Model
@testable import Printing
@testable import Storage
import StoreTestSupport

/// Text of a PDF through poppler's pdftotext (installed by `make test`).
func pdfText(_ path: String) throws -> String {
    let out = NSTemporaryDirectory() + "kinga-pdf-" + UUID().uuidString + ".txt"
    defer { try? FileManager.default.removeItem(atPath: out) }
    var pid: pid_t = 0
    let argv = ["pdftotext", "-layout", path, out]
    var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for a in cargs { free(a) } }
    let spawned = posix_spawnp(&pid, "pdftotext", nil, nil, &cargs, environ)
    // Say why, not just "no such file": a spawn can also fail for want of memory or processes on a loaded machine.
    guard spawned == 0 else { throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "cannot start \(argv[0]): \(String(cString: strerror(spawned)))"]) }
    var status: Int32 = 0
    // A signal to the test process (other tests stop the programs they start) must not end the wait early.
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    return try String(contentsOfFile: out, encoding: .utf8)
}

/// The words of a PDF's first page with their left edge and baseline, in points, through `pdftotext -bbox`.
func pdfWords(_ path: String) throws -> [(text: String, x: Double, y: Double)] {
    let out = NSTemporaryDirectory() + "kinga-pdf-" + UUID().uuidString + ".html"
    defer { try? FileManager.default.removeItem(atPath: out) }
    var pid: pid_t = 0
    let argv = ["pdftotext", "-bbox", "-f", "1", "-l", "1", path, out]
    var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for a in cargs { free(a) } }
    let spawned = posix_spawnp(&pid, "pdftotext", nil, nil, &cargs, environ)
    // Say why, not just "no such file": a spawn can also fail for want of memory or processes on a loaded machine.
    guard spawned == 0 else { throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "cannot start \(argv[0]): \(String(cString: strerror(spawned)))"]) }
    var status: Int32 = 0
    // A signal to the test process (other tests stop the programs they start) must not end the wait early.
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    let html = try String(contentsOfFile: out, encoding: .utf8)
    let word = try Regex(#"<word xMin="([0-9.]+)" yMin="[0-9.]+" xMax="[0-9.]+" yMax="([0-9.]+)">([^<]*)</word>"#)
    return html.matches(of: word).compactMap { m in
        guard let x = Double(m.output[1].substring ?? ""), let y = Double(m.output[2].substring ?? "") else { return nil }
        return (String(m.output[3].substring ?? ""), x, y)
    }
}

@Suite("Printouts as PDF and text, with rights and a trace (issue #8)")
struct PrintoutTests {
    func doc(_ paragraphs: Int = 1) -> PrintDocument {
        PrintDocument(title: "Case summary", subtitle: "KG-2026-0001 · made on 2 Mar 2026",
                      blocks: [.field(label: "Child", value: "Luyándo Mwale (“Lulu”)"), .field(label: "Other child", value: "ليلى"),
                               .heading("What was reported")] + Array(repeating: .paragraph(String(repeating: "The quarry dust and the long days. ", count: 12)), count: paragraphs),
                      footer: "Confidential: this is about a child.", reference: "KG-2026-0001")
    }

    @Test("the PDF is A4, holds every word (accents and Arabic too) and the footer; a long one runs onto more pages")
    func pdf() throws {
        let dir = TempDir()
        let one = dir.path + "/one.pdf", many = dir.path + "/many.pdf"
        try PDFPrinter.write(doc(), to: one)
        let head = try #require(FileHandle(forReadingAtPath: one)?.readData(ofLength: 5))
        #expect(String(decoding: head, as: UTF8.self) == "%PDF-")
        let text = try pdfText(one)
        #expect(text.contains("Luyándo Mwale"))
        // pdftotext may wrap Arabic in direction marks and split its last letter off: compare without them.
        let bare = String(text.unicodeScalars.filter { !(0x202A...0x202E).contains($0.value) && $0 != " " }.map(Character.init))
        #expect(bare.contains("ليلى") || bare.contains("ﻰﻠﻴﻟ") || bare.contains("ىليل"), "\(text)")
        #expect(text.contains("Confidential: this is about a child."))
        #expect(text.components(separatedBy: "\u{0C}").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.count == 1)
        try PDFPrinter.write(doc(30), to: many)
        let pages = try pdfText(many).components(separatedBy: "\u{0C}").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        #expect(pages.count >= 3)
        #expect(pages.allSatisfy { $0.contains("Confidential") }, "the footer on every page")
        #expect(pages[1].contains("KG-2026-0001 · page 2"), "the case and the page on every page")
        #expect(throws: PDFPrinter.Failure.self) { try PDFPrinter.write(doc(), to: dir.path + "/no/such/folder/x.pdf") }
    }

    @Test("mixed-direction values keep the order the screen shows: 'ليلى (Layla)' prints with the Arabic first, left of '(Layla)' (issue #15)")
    func mixedDirectionKeepsTheScreenOrder() throws {
        let dir = TempDir()
        let path = dir.path + "/bidi.pdf"
        let d = PrintDocument(title: "Case summary", subtitle: "KG-2026-0001",
                              blocks: [.field(label: "Child", value: "ليلى (Layla)"),
                                       .paragraph("ليلى (Layla) told her teacher, 9 days ago.")],
                              footer: "Confidential.", reference: "KG-2026-0001")
        try PDFPrinter.write(d, to: path)
        let words = try pdfWords(path)
        // Each "(Layla)" must stand right of the Arabic word on its line, as on the screen (left to right).
        let layla = words.filter { $0.text.contains("Layla") }
        let arabic = words.filter { $0.text.unicodeScalars.contains { (0x0600...0x06FF).contains($0.value) || (0xFE70...0xFEFF).contains($0.value) } }
        // (pdftotext may cut an Arabic word into letters: every piece counts.)
        #expect(layla.count == 2, "\(words)")
        for l in layla {
            let same = arabic.filter { abs($0.y - l.y) < 2 }
            #expect(!same.isEmpty && same.allSatisfy { $0.x < l.x }, "\(words)")
        }
        // The sentence reads left to right: "told" right of "(Layla)", "ago." last.
        if let told = words.first(where: { $0.text == "told" }), let ago = words.first(where: { $0.text == "ago." }),
           let l = layla.max(by: { $0.y < $1.y }) {
            #expect(l.x < told.x && told.x < ago.x, "\(words)")
        } else { Issue.record("words missing: \(words)") }
    }

    @Test("written beside the database as text and PDF, private, on the timeline and in the audit; refused for a case not yours")
    func writeAndRights() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let me = try store.addTestUser(name: "Ms Focal", roles: [.focalPoint], pin: "482915")
        let other = try store.addTestUser(name: "Mr Other", roles: [.focalPoint], pin: "482916")
        store = try store.actAsTestSupervisor()
        let c = try store.registerCase(from: sampleReport(name: "Luyándo Mwale"), draftID: UUID(), assignedTo: me.id)
        store = try store.acting(other)
        #expect(throws: StoreError.accessDenied) {
            try store.writePrintout(doc(), caseID: c.id, baseName: "\(c.number)-summary", fact: EventFact(.printed, ["document": "summary"]))
        }
        #expect(!FileManager.default.fileExists(atPath: store.slipsFolder + "/\(c.number)-summary.txt"))
        store = try store.acting(me)
        let p = try store.writePrintout(doc(), caseID: c.id, baseName: "\(c.number)-summary", fact: EventFact(.printed, ["document": "summary"]))
        #expect(p.pdfPath != nil && p.pdfProblem == nil)
        #expect(try String(contentsOfFile: p.textPath, encoding: .utf8) == doc().plainText())
        for f in [p.textPath, p.pdfPath!] {
            #expect((try FileManager.default.attributesOfItem(atPath: f)[.posixPermissions] as? Int) == 0o600)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.slipsFolder).filter { $0.contains(".part") }.isEmpty)
        #expect(try store.events(caseID: c.id, viewer: store.testViewer).contains { $0.fact?.kind == .printed && $0.summary == "Case summary printed" && $0.body.contains(".pdf") })
        #expect(try store.auditEntries(actionPrefix: "case.printout").count == 1)
    }
}
