import Foundation
import Model
import Printing
import Storage

extension KingaStore {
    /// A folder beside the database for files Kinga writes (`slips`, `exports`), created on demand, private.
    /// The demo's are `slips-demo`, `exports-demo`: fictional printouts never mix with real ones, even though
    /// both databases live in the same folder.
    public func filesFolder(_ name: String) -> String {
        let demo = holdsDemo
        return ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(demo ? name + "-demo" : name)
    }

    /// True for the demo database (opened with `--demo`, or filled as the demo).
    public var holdsDemo: Bool { isDemo || (try? isDemoDatabase()) == true }

    /// Where printouts (referral slips, case summaries) are written: `slips` (`slips-demo`) in the session's
    /// folder in memory when there is one (`sessionFilesFolder`), else beside the database. Either way they are
    /// removed when Kinga closes (`removePrintouts`): printouts live only while they may be printed (issue #17).
    public var slipsFolder: String {
        guard let memory = sessionFilesFolder else { return filesFolder("slips") }
        return (memory as NSString).appendingPathComponent(holdsDemo ? "slips-demo" : "slips")
    }

    /// Removes every printout of the database at `path`: `slips` and `slips-demo` beside it and in the session's
    /// folder in memory. Files on disk are overwritten with zeros first. Called when Kinga starts (what a crash left)
    /// and when it closes, so no child's name stays in a printout on the kiosk's disk after Kinga closes. (On
    /// flash disks and journalling file systems an overwrite does not promise the old blocks are gone: the
    /// session's folder in memory, and full-disk encryption, are the real answers; README.)
    /// - Returns: how many files were removed.
    @discardableResult
    public static func removePrintouts(besideDatabase path: String, sessionFolder: String?) -> Int {
        let fm = FileManager.default
        let beside = (path as NSString).deletingLastPathComponent
        var folders = ["slips", "slips-demo"].map { (beside as NSString).appendingPathComponent($0) }
        if let memory = sessionFolder { folders += ["slips", "slips-demo"].map { (memory as NSString).appendingPathComponent($0) } }
        var removed = 0
        for folder in folders {
            for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] {
                let file = (folder as NSString).appendingPathComponent(name)
                if let handle = FileHandle(forUpdatingAtPath: file), let size = try? handle.seekToEnd(), size > 0 {
                    try? handle.seek(toOffset: 0)
                    try? handle.write(contentsOf: Data(count: Int(size)))
                    try? handle.synchronize()
                    try? handle.close()
                }
                if (try? fm.removeItem(atPath: file)) != nil { removed += 1 }
            }
        }
        return removed
    }

    /// Writes a printout about a case (referral slip, case summary) in `slipsFolder`, as plain
    /// text and as PDF (`PDFPrinter`), both readable only by Kinga's user, and records it on the case's
    /// timeline and in the audit log. The text is written first: if the PDF cannot be made (no fonts, disk
    /// full) the text file is still there and `pdfProblem` says why. A document that must fit one page (a
    /// `cutNotice`) is cut to the page first (`PDFPrinter.fitted`), so the text says what the PDF says.
    /// - Parameters:
    ///   - baseName: the file name without extension, for example `KG-2026-0042-summary`.
    ///   - fact: the timeline entry, `EventFact(.printed, …)` with `document` ("summary" or "slip") and, for a
    ///     slip, `provider`; the files written are added to it.
    /// The timeline entry and the audit entry are the session's user's.
    /// - Throws: `StoreError.accessDenied` when nobody is logged in or the user may not work on this case
    ///   (checked before anything is written), file-system errors for the text file.
    public func writePrintout(_ whole: PrintDocument, caseID: UUID, baseName: String, fact: EventFact) throws -> Printout {
        try mayPrint(caseID: caseID)
        let doc = PDFPrinter.fitted(whole)
        try FileManager.default.createDirectory(atPath: slipsFolder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if let memory = sessionFilesFolder { chmod(memory, 0o700) }
        let demo = holdsDemo
        let base = (slipsFolder as NSString).appendingPathComponent((demo ? "DEMO-" : "") + baseName)
        let text = doc.plainText()
        try Data(text.utf8).write(to: URL(fileURLWithPath: base + ".txt"), options: .atomic)
        chmod(base + ".txt", 0o600)
        var pdf: String? = base + ".pdf"
        var problem: String?
        let tmp = base + ".pdf.part-\(getpid())"
        do {
            try PDFPrinter.write(doc, to: tmp)
            chmod(tmp, 0o600)
            // rename(2) replaces an older PDF of the same name in one step.
            guard rename(tmp, base + ".pdf") == 0 else { throw PDFPrinter.Failure(path: base + ".pdf", reason: String(cString: strerror(errno))) }
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            // An older PDF must not be printed by mistake beside the new text.
            try? FileManager.default.removeItem(atPath: base + ".pdf")
            pdf = nil
            problem = "\(error)"
        }
        let files = [base + ".txt", pdf].compactMap { $0 }
        try recordPrintout(caseID: caseID, fact: fact, files: files, baseName: baseName)
        return Printout(text: text, textPath: base + ".txt", pdfPath: pdf, pdfProblem: problem)
    }
}

/// What `writePrintout` wrote.
public struct Printout: Sendable, Equatable {
    /// The printout as plain text (what the screen shows).
    public let text: String
    /// The `.txt` file written.
    public let textPath: String
    /// Nil when the PDF could not be made (then `pdfProblem` says why).
    public let pdfPath: String?
    /// Why the PDF could not be made (nil when it was).
    public let pdfProblem: String?
}
