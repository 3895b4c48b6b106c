import Foundation
import Testing

/// Issue #17 in the real binary: a new kiosk's database is encrypted; the login screen unlocks it; the
/// command-line tools ask who you are; no file Kinga wrote holds a child's name.
@Suite("An encrypted kiosk in the real binary", .serialized)
struct EncryptedKioskTests {
    static let marker = "Zebulonquill"

    /// Every file under `folder` whose bytes contain `word`.
    static func filesContaining(_ word: String, under folder: String) -> [String] {
        let needle = Data(word.utf8)
        var found: [String] = []
        let e = FileManager.default.enumerator(atPath: folder)
        while let name = e?.nextObject() as? String {
            if let d = FileManager.default.contents(atPath: folder + "/" + name), d.range(of: needle) != nil { found.append(name) }
        }
        return found
    }

    @Test("a report, a printout, a restart to the locked login screen, a check, a backup and an export: the marker word is in no file; the tools need a PIN")
    func noPlaintextAnywhere() throws {
        let t = TmuxSession()
        try t.startKinga()
        try t.recordReport(child: "Amani \(Self.marker)", age: "9", story: "\(Self.marker) told her teacher about the nights alone.",
                           noConsentReason: "The caregiver could not be reached.")
        try t.waitFor("KG-2026-0001")
        try t.send("2")
        try t.waitFor("1 open case")
        // A printout: on disk while Kinga runs (no private runtime folder here), gone when it closes.
        try t.send("c")
        try t.waitFor("Amani Zebulon")
        try t.send("Enter")
        try t.waitFor("Timeline")
        try t.send("e")
        try t.waitFor("Case summary")
        let slips = t.dataHome + "/kinga/slips"
        try t.waitUntil("the summary as text and PDF") { ((try? FileManager.default.contentsOfDirectory(atPath: slips)) ?? []).count == 2 }
        try t.send("Escape", "Escape", "Escape", "q")
        try t.waitForExit()
        #expect(try FileManager.default.contentsOfDirectory(atPath: slips).isEmpty, "printouts outlived Kinga")
        let db = t.dataHome + "/kinga/kinga.sqlite"
        #expect(FileManager.default.fileExists(atPath: db + ".keys"))
        // Restarted: the login screen comes from the key file; a child reports before anyone logs in.
        try t.stopServer()
        let locked = TmuxSession(width: t.width, height: t.height, dataHome: t.dataHome)
        try locked.startKinga(logIn: false)
        try locked.waitFor("Choose your name")
        try locked.send("C-q")
        try locked.waitForExit()
        // The tools: without a user they say what to add; with a PIN they work.
        let plain = try t.command("check")
        #expect(plain.status == 1 && plain.output.contains("--user NAME"), "\(plain.output)")
        try "902134\n".write(toFile: t.dataHome + "/pin.txt", atomically: true, encoding: .utf8)
        let check = try t.command("check --user 'E2E Focal Point' < '\(t.dataHome)/pin.txt'")
        #expect(check.status == 0 && check.output.contains("Everything is sound"), "\(check.output)")
        let wrong = try t.command("check --user 'E2E Focal Point' < /dev/null")
        #expect(wrong.status == 1 && wrong.output.contains("No PIN was typed"), "\(wrong.output)")
        let backup = try t.command("backup '\(t.dataHome)/copy.sqlite' --user 'E2E Focal Point' < '\(t.dataHome)/pin.txt'")
        #expect(backup.status == 0, "\(backup.output)")
        let export = try t.command("export cases --user 'E2E Focal Point' --out '\(t.dataHome)/cases.json' < '\(t.dataHome)/pin.txt'")
        #expect(export.status == 0, "\(export.output)")
        #expect(TmuxSession.sqlite(db, "SELECT count(*) FROM case_record").output == "1\n")
        // Nothing Kinga wrote holds the child's name: database, WAL, key file, backups, the export.
        #expect(Self.filesContaining(Self.marker, under: t.dataHome) == [], "plaintext left")
        #expect(Self.filesContaining("SQLite format 3", under: t.dataHome + "/kinga") == [])
    }
}
