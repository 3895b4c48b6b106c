import Foundation
import Testing
@testable import Model
@testable import Storage
@testable import TUI
import StoreTestSupport

/// Issue #17: the district recovery key, made at the kiosk and shown once, from the Users screen.
@Suite("The district recovery key on screen")
struct RecoveryKeyScreenTests {
    let ui = SessionScreenTests()

    /// An administrator logged in on the Users screen.
    func usersScreen(_ dir: TempDir) throws -> (App, KingaStore) {
        let store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        try store.addTestUser(name: "Anna Fiktif", roles: [.administrator, .supervisor], pin: "902134")
        let a = try ui.app(store)
        ui.keys(a, .char("1"), .tab); ui.type(a, "902134"); ui.keys(a, .enter)
        ui.keys(a, .char("m"))
        #expect(ui.screen(a).contains("r Recovery key"))
        return (a, store)
    }

    @Test("made now: shown once in groups, set only after its last group is typed back; Esc does not lose it")
    func makeNow() throws {
        let dir = TempDir()
        let (a, store) = try usersScreen(dir)
        ui.keys(a, .char("r"))
        #expect(ui.screen(a).contains("District recovery key"))
        #expect(!ui.screen(a).contains("already has a district key"))
        ui.keys(a, .char("2"), .function(2))
        let shown = ui.screen(a)
        #expect(shown.contains("Write down the recovery key"))
        #expect(try store.districtKey() == nil)                 // not before it is written down
        // The key: 14 groups of four over two lines, in the alphabet recovery keys use.
        let groups = shown.split(separator: "\n").flatMap { line in
            line.split(separator: " ").filter { $0.contains("-") }.flatMap { $0.split(separator: "-") }
        }.filter { $0.count == 4 && $0.allSatisfy { "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains($0) } }
        #expect(groups.count == 14, "\(shown)")
        let last = String(try #require(groups.last))
        ui.keys(a, .escape)
        #expect(ui.screen(a).contains("Write down the recovery key"))
        ui.type(a, "ZZZZ"); ui.keys(a, .function(2))
        #expect(ui.screen(a).contains("That is not how the key ends"))
        #expect(ui.screen(a).contains(last))                    // still on screen to copy again
        #expect(try store.districtKey() == nil)
        for _ in 0..<4 { ui.keys(a, .backspace) }
        ui.type(a, last.lowercased()); ui.keys(a, .function(2))
        let back = ui.screen(a)
        #expect(back.contains("The recovery key is set") && back.contains("Users"), "\(back)")
        #expect(!back.contains(last))
        #expect(try store.districtKey() != nil)
        // Again from the Users screen: it says a key is already set.
        ui.keys(a, .char("r"))
        #expect(ui.screen(a).contains("already has a district key"))
        ui.keys(a, .char("3"), .function(2))
        #expect(ui.screen(a).contains("No recovery key yet") || ui.screen(a).contains("Users"))
    }
}
