import Foundation
import Testing
@testable import Model
@testable import Storage
@testable import TUI
import Vault

/// Issue #17 on screen: a locked kiosk's login screen is drawn from the key slots, before the database is open;
/// the PIN opens it; a child's report made before anyone logged in waits sealed and reaches the intake queue.
@Suite("The login screen of a locked kiosk")
struct LockedKioskScreenTests {
    /// A new kiosk with an administrator ("Wulan Admin", 573920) and a focal point ("Yusuf Focal", 284617).
    static func kiosk() throws -> (dir: String, locked: LockedKiosk) {
        let dir = NSTemporaryDirectory() + "kinga-locked-" + UUID().uuidString
        let path = dir + "/kinga.sqlite"
        guard case .firstRun(let store) = try KingaStore.openKiosk(path: path, clock: pinned, derivation: .fastForTestsOnly) else {
            throw StoreError.notFound
        }
        let admin = try store.createFirstUser(name: "Wulan Admin", pin: "573920").session
        try admin.createUser(name: "Yusuf Focal", roles: [.focalPoint], pin: "284617")
        try admin.setSetting("language", "en")
        guard case .locked(let locked) = try KingaStore.openKiosk(path: path, clock: pinned, derivation: .fastForTestsOnly) else {
            throw StoreError.notFound
        }
        return (dir, locked)
    }

    @Test("names from the key slots; a wrong PIN keeps it locked with one message; the right PIN opens the home screen")
    func unlockOnScreen() throws {
        let (dir, locked) = try Self.kiosk()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let app = App(locked: locked, profile: try Seeds.profile(id: "generic", seeds: seedsFolder), clock: pinned)
        var unlocked: KingaStore?
        app.onUnlock = { unlocked = $0 }
        #expect(app.store == nil)
        var text = app.render(width: 80, height: 24).text
        #expect(text.contains("Choose your name") && text.contains("Wulan Admin") && text.contains("Yusuf Focal"), "\(text)")
        // Yusuf, wrong PIN.
        app.handle(.key(.char("2"))); app.handle(.key(.tab))
        for c in "111111" { app.handle(.key(.char(c))) }
        app.handle(.key(.enter))
        text = app.render(width: 80, height: 24).text
        #expect(text.contains("That did not work") && app.store == nil && app.session == nil, "\(text)")
        for c in "284617" { app.handle(.key(.char(c))) }
        app.handle(.key(.enter))
        text = app.render(width: 80, height: 24).text
        #expect(text.contains("What would you like to do?"), "\(text)")
        #expect(app.session?.name == "Yusuf Focal" && unlocked != nil && app.store != nil)
    }

    @Test("a child's report on the locked kiosk: sealed in the inbox, nothing to read back, in the intake queue after the next login")
    func childReportBeforeUnlock() throws {
        let (dir, locked) = try Self.kiosk()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var child = ChildReport()
        child.language = "en"
        let app = App(locked: locked, profile: try Seeds.profile(id: "generic", seeds: seedsFolder), clock: pinned)
        try app.submitChildReport(child.report(narrative: "Sealed words"), language: "en")
        #expect(try FileManager.default.contentsOfDirectory(atPath: locked.inboxFolder).count == 1)
        app.handle(.key(.char("1"))); app.handle(.key(.tab))
        for c in "573920" { app.handle(.key(.char(c))) }
        app.handle(.key(.enter))
        #expect(app.session?.name == "Wulan Admin")
        #expect(try app.store.caseCount(viewer: .user(app.session!)) == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: locked.inboxFolder).isEmpty)
    }

    @Test("a database found damaged only after the right PIN ends the loop with the reason, for the command to print; a wrong PIN never does")
    func damagedAfterThePIN() throws {
        let (dir, locked) = try Self.kiosk()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Random bytes over the middle of the encrypted file.
        let handle = try #require(FileHandle(forUpdatingAtPath: locked.path))
        try handle.seek(toOffset: 4096)
        try handle.write(contentsOf: Data((0..<16_384).map { _ in UInt8.random(in: 0...255) }))
        try handle.close()
        let app = App(locked: locked, profile: try Seeds.profile(id: "generic", seeds: seedsFolder), clock: pinned)
        app.handle(.key(.char("1"))); app.handle(.key(.tab))
        for c in "000000" { app.handle(.key(.char(c))) }
        app.handle(.key(.enter))
        #expect(!app.quitRequested && app.openFailure == nil)
        for c in "573920" { app.handle(.key(.char(c))) }
        app.handle(.key(.enter))
        #expect(app.quitRequested && app.store == nil && app.session == nil)
        #expect("\(try #require(app.openFailure))".contains("damaged"), "\(String(describing: app.openFailure))")
    }
}
