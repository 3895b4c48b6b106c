import Foundation
import GRDB
import Testing
@testable import Model
@testable import Storage
import StoreTestSupport

/// Issue #16: one door for every change, enforced by the database connection itself.
@Suite("One door for every change")
struct DoorTests {
    /// A statement that changes a guarded table without the door, on Kinga's own connection, as a careless
    /// or hostile new piece of Storage code would run it.
    private func outside(_ store: KingaStore, _ sql: String, _ args: StatementArguments = []) -> String? {
        do {
            try store.pool.write { db in try db.execute(sql: sql, arguments: args) }
            return nil
        } catch let e as DatabaseError {
            return e.message
        } catch {
            return "\(error)"
        }
    }

    @Test("a write to a case, event, referral, user, provider or audit table that skips the door is refused by SQLite")
    func writesOutsideTheDoorAreRefused() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let c = try store.registerCase(from: sampleReport(), draftID: UUID())
        let attempts: [(String, StatementArguments)] = [
            ("UPDATE case_record SET risk_level = 'low' WHERE id = ?", [c.id.uuidString]),
            ("DELETE FROM case_event WHERE case_id = ?", [c.id.uuidString]),
            ("INSERT INTO case_concern(case_id, concern, position) VALUES (?, 'neglect', 9)", [c.id.uuidString]),
            ("UPDATE app_user SET roles = 'administrator'", []),
            ("INSERT INTO referral(id) VALUES ('forged')", []),
            ("INSERT INTO service_provider(id) VALUES ('forged')", []),
            ("INSERT INTO audit_log(seq, at, actor, action, case_id, detail, mac) VALUES (999, 'x', 'x', 'x', NULL, '', 'x')", []),
            ("INSERT INTO meta(key, value) VALUES ('setting.profile', 'forged')", []),
            ("UPDATE case_counter SET last_serial = 0", []),
        ]
        let before = try store.caseRecord(id: c.id, viewer: store.testViewer)
        for (sql, args) in attempts {
            let refusal = outside(store, sql, args)
            #expect(refusal?.contains(KingaStore.outsideTheDoor) == true, "not refused: \(sql) → \(refusal ?? "ran")")
        }
        #expect(try store.caseRecord(id: c.id, viewer: store.testViewer) == before)
        #expect(try store.events(caseID: c.id, viewer: store.testViewer).count >= 1)
        #expect(try store.verifyAudit() == .intact(entries: try store.auditEntries(limit: 10_000).count))
        // The same kind of statement through the door goes in.
        try store.door { db in try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('test.door', 'yes')") }
        #expect(try store.pool.read { try String.fetchOne($0, sql: "SELECT value FROM meta WHERE key = 'test.door'") } == "yes")
        // And the guard closes again after it.
        #expect(outside(store, "UPDATE meta SET value = 'no' WHERE key = 'test.door'")?.contains(KingaStore.outsideTheDoor) == true)
    }

    @Test("the door needs the session for a person's change, and refuses upkeep while someone is logged in")
    func theActorIsChecked() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        #expect(throws: StoreError.accessDenied) { try store.door { _ in } }
        #expect(try store.auditEntries(actionPrefix: "access.denied").first?.actor == "nobody logged in")
        store = try store.actAsTestSupervisor()
        #expect(throws: StoreError.accessDenied) { try store.door(.maintenance) { _ in } }
        #expect(try store.auditEntries(actionPrefix: "access.denied").first?.actor == "Tess Supervisor")
        store = store.withoutSession
        try store.door(.maintenance) { db in try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('test.upkeep', 'yes')") }
    }

    @Test("a session begins only with a right PIN: a wrong one gives no handle, a handle's person never changes, and nothing is changed without one")
    func aSessionBeginsWithThePIN() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let admin: User
        (store, admin) = try store.createFirstUser(name: "Admin Fiktif", pin: "580214")
        #expect(store.actor?.id == admin.id)                       // the first user chose their PIN just now
        let fp = try store.createUser(name: "Focal Fiktif", roles: [.focalPoint], pin: "902134")
        #expect(try store.auditEntries(actionPrefix: "user.create").first?.actor == "Admin Fiktif")
        // A wrong PIN gives no handle; the handle with nobody logged in changes nothing.
        #expect(try store.login(userID: fp.id, pin: "000000") == .failed)
        let nobody = store.withoutSession
        #expect(nobody.actor == nil && store.actor?.id == admin.id)   // a handle's person never changes
        #expect(throws: StoreError.accessDenied) { try nobody.registerCase(from: sampleReport(), draftID: UUID()) }
        guard case .success(let asFP, _) = try nobody.login(userID: fp.id, pin: "902134") else { Issue.record("right PIN refused"); return }
        #expect(asFP.actor?.id == fp.id && nobody.actor == nil)
        store = asFP
        let c = try store.registerCase(from: sampleReport(), draftID: UUID())
        #expect(try store.events(caseID: c.id, viewer: .user(fp)).allSatisfy { $0.author == "Focal Fiktif" })
    }

    @Test("no public function of Storage takes an author string or a caller-built actor")
    func noAuthorParameters() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/Storage")
        let files = try FileManager.default.contentsOfDirectory(atPath: sources.path).filter { $0.hasSuffix(".swift") }
        #expect(files.count > 10)
        let forbidden = ["author:", "actor:", "createdBy:", "by user:", "by actor:", "by: User"]
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            // Each public function's signature: from "public func" to its opening brace.
            var rest = Substring(text)
            while let r = rest.range(of: "public func ") {
                let sig = rest[r.lowerBound...].prefix { $0 != "{" }
                for word in forbidden { #expect(!sig.contains(word), "\(file): \(sig.prefix(120))") }
                rest = rest[r.upperBound...]
            }
        }
    }

    @Test("settings: colours for anyone, the rest for an administrator, the district key only through its own setter")
    func settingsAreGuarded() throws {
        let dir = TempDir()
        let store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let fp = try store.addTestUser(name: "Focal Fiktif", roles: [.focalPoint], pin: "902134")
        let admin = try store.addTestUser(name: "Admin Fiktif", roles: [.administrator], pin: "580214")
        try store.acting(fp).setSetting("theme", "contrast")
        #expect(throws: StoreError.accessDenied) { try store.acting(fp).setSetting("profile", "forged") }
        #expect(throws: StoreError.accessDenied) { try store.acting(fp).setSetting("district_public_key", String(repeating: "ab", count: 32)) }
        #expect(throws: StoreError.accessDenied) { try store.acting(admin).setSetting("district_public_key", String(repeating: "ab", count: 32)) }
        try store.acting(admin).setSetting("profile", "generic")
        #expect(try store.setting("profile") == "generic" && store.setting("theme") == "contrast")
        #expect(try store.districtKey() == nil)
    }
}
