import Foundation
import Testing

/// Issue #17 in the real binary: a new kiosk's database is encrypted; the login screen unlocks it; the
/// command-line tools ask who you are; no file Kinga wrote holds a child's name.
@Suite("An encrypted kiosk in the real binary", .serialized, .cleansUp)
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

    /// A first run in tmux with one report about "Amani <marker>", back on the home screen.
    static func kioskWithMarkedCase() throws -> TmuxSession {
        let t = TmuxSession()
        try t.startKinga()
        try t.recordReport(child: "Amani \(Self.marker)", age: "9", story: "\(Self.marker) told her teacher about the nights alone.",
                           noConsentReason: "The caregiver could not be reached.")
        try t.waitFor("KG-2026-0001")
        try t.send("2")
        try t.waitFor("1 open case")
        return t
    }

    @Test("a report, a printout, a restart to the locked login screen, a check, a backup and an export: the marker word is in no file; the tools need a PIN")
    func noPlaintextAnywhere() throws {
        let t = try Self.kioskWithMarkedCase()
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

    @Test("a note, a draft, a child's report sealed in the inbox, a backup and an export with names: the marker is in no file; the backup and the office's recovery key make a new kiosk where the same PIN opens every case")
    func newLaptopFromBackup() throws {
        let t = try Self.kioskWithMarkedCase()
        // A note on the case, and a report left unfinished (kept as a draft when the screen is locked).
        try t.send("c")
        try t.waitFor("Amani Zebulon")
        try t.send("Enter")
        try t.waitFor("Timeline")
        try t.send("a")
        try t.waitFor("Add a note")
        try t.type("Visited \(Self.marker) with the teacher.")
        try t.send("F2")
        try t.waitFor("Note saved.")
        try t.send("Escape", "Escape", "n")
        try t.waitFor("Step 1 of 6")
        try t.send("4", "PageDown")
        try t.waitFor("Step 2 of 6")
        try t.type("Draft \(Self.marker)")
        try t.waitFor("Draft \(Self.marker)")
        try t.send("C-l")
        try t.waitFor("Kinga is locked")
        try t.send("C-q")
        try t.waitForExit()
        #expect(TmuxSession.sqlite(t.dataHome + "/kinga/kinga.sqlite", "SELECT count(*) FROM draft").output != "0\n")
        // Restarted locked: a child tells us from the login screen, before anyone has the database open.
        try t.stopServer()
        let kiosk = TmuxSession(width: t.width, height: t.height, dataHome: t.dataHome)
        try kiosk.startKinga(logIn: false)
        try kiosk.waitFor("Choose your name")
        _ = try kiosk.tellAsChild(languageKey: "1", .english, name: "Sari \(Self.marker)", place: "At the \(Self.marker) quarry")
        try kiosk.send("Enter")
        try kiosk.waitFor("Choose your name")
        try kiosk.send("C-q")
        try kiosk.waitForExit()
        let inbox = t.dataHome + "/kinga/kinga.sqlite.inbox"
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: inbox)) ?? []).count == 1, "the child's report is not in the inbox")
        #expect(Self.filesContaining(Self.marker, under: t.dataHome) == [], "plaintext left")
        // At the office: a key pair. On the kiosk: the office's public key, then a backup to a USB stick.
        let home = t.dataHome
        try "902134\n".write(toFile: home + "/pin.txt", atomically: true, encoding: .utf8)
        let made = try t.command("office new-key --out '\(home)/district.pub'")
        let recovery = try #require(made.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.split(separator: "-").count >= 10 }, "\(made.output)")
        try (recovery + "\n").write(toFile: home + "/recovery.txt", atomically: true, encoding: .utf8)
        let set = try t.command("district-key set '\(home)/district.pub' --user 'E2E Focal Point' < '\(home)/pin.txt'")
        #expect(set.status == 0, "\(set.output)")
        try FileManager.default.createDirectory(atPath: home + "/usb", withIntermediateDirectories: true)
        let backup = try t.command("backup '\(home)/usb/kiosk.sqlite' --user 'E2E Focal Point' < '\(home)/pin.txt'")
        #expect(backup.status == 0, "\(backup.output)")
        #expect(FileManager.default.fileExists(atPath: home + "/usb/kiosk.sqlite.keys"))
        // An export with names, sealed for the district office.
        let named = try t.command("export cases --identifying --user 'E2E Focal Point' --out '\(home)/usb/names.json' < '\(home)/pin.txt'")
        #expect(named.status == 0 && named.output.contains("sealed for the district office"), "\(named.output)")
        #expect(Self.filesContaining(Self.marker, under: t.dataHome) == [], "plaintext left on the old laptop or the USB stick")
        // The new laptop: nothing there yet. Without the recovery key the command says what to add; with it, a kiosk.
        let laptop = TmuxSession(width: t.width, height: t.height)
        let bare = try laptop.command("restore '\(home)/usb/kiosk.sqlite' --yes")
        #expect(bare.status == 1 && bare.output.contains("--recovery-key"), "\(bare.output)")
        let unsure = try laptop.command("restore '\(home)/usb/kiosk.sqlite' --recovery-key '\(home)/recovery.txt'")
        #expect(unsure.status == 1 && unsure.output.contains("--yes"), "\(unsure.output)")
        #expect(!FileManager.default.fileExists(atPath: laptop.dataHome + "/kinga/kinga.sqlite"))
        let restored = try laptop.command("restore '\(home)/usb/kiosk.sqlite' --recovery-key '\(home)/recovery.txt' --yes")
        #expect(restored.status == 0 && restored.output.contains("Made a kiosk"), "\(restored.output)")
        try laptop.startKinga()                           // the login screen, E2E Focal Point's PIN, the home screen
        try laptop.send("c")
        let list = try laptop.waitFor("Amani Zebulon")
        #expect(list.contains("Sari"), "the child's report did not come with the backup:\n\(list)")
        try laptop.send("Escape", "q")
        try laptop.waitForExit()
        #expect(Self.filesContaining(Self.marker, under: laptop.dataHome) == [], "plaintext left on the new laptop")
        let check = try laptop.command("check --user 'E2E Focal Point' < '\(home)/pin.txt'")
        #expect(check.status == 0 && check.output.contains("Everything is sound"), "\(check.output)")
    }
}
