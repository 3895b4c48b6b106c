import Foundation
import Testing
@testable import Model
@testable import Storage
import StoreTestSupport

@Suite("Users and PINs: Argon2id hashes, lockout with back-off, audited")
struct UserTests {
    @Test func pinsAreStoredOnlyAsArgon2idHashes() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        try store.addTestUser(name: "Ibu Fiktif", roles: [.focalPoint], pin: "902134")
        let hash = try store.pool.read { try String.fetchOne($0, sql: "SELECT pin_hash FROM app_user") } ?? ""
        #expect(hash.hasPrefix("$argon2id$"))
        #expect(!hash.contains("902134"))
        #expect(hash.contains("m=19456") && hash.contains("t=2"))   // ≥ OWASP minimum (19 MiB, 2 passes)
        try store.addTestUser(name: "Admin Fiktif", roles: [.administrator], pin: "580214")
        store = try store.loggedIn(userID: try #require(try store.userID(named: "Admin Fiktif")), pin: "580214")
        #expect(throws: UserError.weakPIN(.sequence)) { try store.createUser(name: "B", roles: [.supervisor], pin: "123456") }
        #expect(throws: UserError.nameTaken) { try store.createUser(name: "ibu fiktif", roles: [.supervisor], pin: "902134") }
    }

    @Test func fiveWrongPINsLockTheAccountWithGrowingBackOff() throws {
        let dir = TempDir()
        let box = NowBox(ISO8601.parse("2026-03-02T09:00:00Z")!)
        let store = try KingaStore(test: dir.path + "/k.sqlite", clock: Clock(timeZone: TimeZone(identifier: "UTC")!) { box.value })
        let u = try store.addTestUser(name: "Pak Fiktif", roles: [.supervisor], pin: "902134")
        for _ in 0..<4 { #expect(try store.login(userID: u.id, pin: "000000") == .failed) }
        let locked = try store.login(userID: u.id, pin: "000000")
        #expect(locked == .locked(until: box.value + 30))
        // While locked, even the right PIN is not checked.
        #expect(try store.login(userID: u.id, pin: "902134") == .locked(until: box.value + 30))
        box.value += 31
        #expect(try store.login(userID: u.id, pin: "111111") == .locked(until: box.value + 60))
        box.value += 61
        guard case .success(_, let who) = try store.login(userID: u.id, pin: "902134") else { Issue.record("right PIN refused"); return }
        #expect(who.roles == [.supervisor])
        #expect(who.can(.overrideConsent, demo: false))
        let actions = try store.auditEntries().map(\.action)
        #expect(actions.filter { $0 == "login.failed" }.count == 6)
        #expect(actions.contains("account.locked") && actions.contains("login.refused_locked") && actions.contains("login.ok"))
        #expect(try store.verifyAudit() == .intact(entries: actions.count))
    }

    @Test func changeAndResetPIN() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let admin = try store.addTestUser(name: "Admin Fiktif", roles: [.administrator], pin: "580214")
        store = try store.loggedIn(userID: admin.id, pin: "580214")
        let fp = try store.createUser(name: "FP Fiktif", roles: [.focalPoint], pin: "902134")
        #expect(try store.auditEntries(actionPrefix: "user.create").first?.actor == "Admin Fiktif")
        store = try store.loggedIn(userID: fp.id, pin: "902134")
        #expect(throws: UserError.notAllowed) { try store.setPIN(userID: fp.id, newPIN: "771903", oldPIN: "000000") }
        try store.setPIN(userID: fp.id, newPIN: "771903", oldPIN: "902134")
        store = try store.loggedIn(userID: fp.id, pin: "771903")
        #expect(throws: UserError.notAllowed) { try store.setPIN(userID: admin.id, newPIN: "771903", oldPIN: nil) }
        store = try store.loggedIn(userID: admin.id, pin: "580214")
        try store.setPIN(userID: fp.id, newPIN: "640285", oldPIN: nil)
        store = store.withoutSession
        #expect(throws: StoreError.accessDenied) { try store.setPIN(userID: fp.id, newPIN: "640286", oldPIN: "640285") }
        guard case .success = try store.login(userID: fp.id, pin: "640285") else { Issue.record("reset PIN refused"); return }
        #expect(try store.users().map(\.name) == ["Admin Fiktif", "FP Fiktif"])
    }

    @Test("a profile's pin_policy is what the store asks of new PINs and PIN changes (issue #17)")
    func profilePINPolicy() throws {
        // The generic profile with a stricter pin_policy, loaded as Kinga loads a profile.
        let dir = TempDir()
        let generic = try String(contentsOfFile: seedsFolder + "/profiles/generic.yaml", encoding: .utf8)
        let strict = generic.replacingOccurrences(of: "  minimum_digits: 6\n  minimum_passphrase_length: 8\n  passphrase_for: []",
                                                  with: "  minimum_digits: 8\n  minimum_passphrase_length: 12\n  passphrase_for: [supervisor, administrator]")
        #expect(strict != generic)
        try FileManager.default.createDirectory(atPath: dir.path + "/seeds/profiles", withIntermediateDirectories: true)
        try strict.write(toFile: dir.path + "/seeds/profiles/strict.yaml", atomically: true, encoding: .utf8)
        let policy = try Seeds.profile(id: "strict", seeds: dir.path + "/seeds").pinPolicy
        #expect(policy == PINPolicy(minimumDigits: 8, minimumPassphrase: 12, passphraseRoles: [.supervisor, .administrator]))
        #expect(try Seeds.profile(id: "generic", seeds: seedsFolder).pinPolicy == PINPolicy())
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store.pinPolicy = policy
        #expect(throws: UserError.weakPIN(.passphraseRequired(minimum: 12))) { try store.createFirstUser(name: "Admin Fiktif", pin: "58021497") }
        let admin: User
        (store, admin) = try store.createFirstUser(name: "Admin Fiktif", pin: "green mango tree")
        store = try store.loggedIn(userID: admin.id, pin: "green mango tree")
        #expect(throws: UserError.weakPIN(.tooFewDigits(minimum: 8))) { try store.createUser(name: "FP Fiktif", roles: [.focalPoint], pin: "902134") }
        let fp = try store.createUser(name: "FP Fiktif", roles: [.focalPoint], pin: "90213475")
        #expect(throws: UserError.weakPIN(.tooFewDigits(minimum: 8))) { try store.setPIN(userID: fp.id, newPIN: "771903", oldPIN: nil) }
        #expect(throws: UserError.weakPIN(.passphraseRequired(minimum: 12))) { try store.createUser(name: "Sup Fiktif", roles: [.supervisor], pin: "77190364") }
        #expect(try store.users().map(\.name) == ["Admin Fiktif", "FP Fiktif"])
    }
}

@Suite("Review fixes: drafts, first user, demo flag, audit key, directory")
struct ReviewFixTests {
    @Test func draftsBelongToTheirAuthor() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let a = try store.addTestUser(name: "A", roles: [.focalPoint], pin: "902134")
        let b = try store.addTestUser(name: "B", roles: [.focalPoint], pin: "902134")
        store = try store.acting(a)
        var r = Report(); r.childName = "Private draft"
        let id = UUID()
        try store.saveDraft(id: id, step: .child, report: r, expectedVersion: 0)
        store = try store.acting(b)
        #expect(try store.drafts().isEmpty)
        #expect(throws: StoreError.accessDenied) { try store.deleteDraft(id: id) }
        #expect(throws: StoreError.accessDenied) { try store.saveDraft(id: id, step: .child, report: Report(), expectedVersion: 1) }
        store = try store.acting(a)
        #expect(try store.drafts().first?.report.childName == "Private draft")
    }

    @Test func onlyOneFirstUser() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.createFirstUser(name: "First", pin: "902134").session
        #expect(throws: UserError.notAllowed) { try store.createFirstUser(name: "Second", pin: "902134") }
        let fp = try store.addTestUser(name: "FP", roles: [.focalPoint], pin: "902134")
        store = try store.acting(fp)
        #expect(throws: UserError.notAllowed) { try store.createUser(name: "Mine", roles: [.supervisor], pin: "902134") }
        store = store.withoutSession
        #expect(throws: StoreError.accessDenied) { try store.createUser(name: "Nobody's", roles: [.supervisor], pin: "902134") }
        #expect(throws: StoreError.accessDenied) { try store.saveProvider(ServiceProvider(name: "X", services: [.health], area: "", contact: "", hours: "", notes: "")) }
    }

    @Test func aMissingAuditKeyIsNeverReplacedSilently() throws {
        let dir = TempDir()
        let path = dir.path + "/k.sqlite"
        do {
            let store = try KingaStore(test: path, clock: pinned)
            try store.recordAudit(action: "login.ok")
            try FileManager.default.removeItem(atPath: store.auditKeyPath)
        }
        do {
            _ = try KingaStore(test: path, clock: pinned)
            Issue.record("opened with a new key over an existing log")
        } catch let e as StoreError {
            #expect(e.description.contains("audit key"))
        }
    }

    @Test func theDemoIsMarked() throws {
        let dir = TempDir()
        let store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        #expect(try !store.isDemoDatabase())
        try Seeds.fillDemo(store, seeds: seedsFolder, timeZone: TimeZone(identifier: "UTC")!)
        #expect(try store.isDemoDatabase())
    }
}

import CSodium

@Suite("PIN hashes")
struct PINHashTests {
    @Test("new PINs use Argon2id at 19 MiB and 2 passes; an older 64 MiB hash is replaced at the next login")
    func owaspLimitsAndRehash() throws {
        let dir = TempDir()
        let store = try KingaStore(path: dir.path + "/k.sqlite", clock: pinned)
        let u = try store.addTestUser(name: "Ibu Fiktif", roles: [.focalPoint], pin: "902134")
        func hash() throws -> String { try store.pool.read { db in try String.fetchOne(db, sql: "SELECT pin_hash FROM app_user WHERE id = ?", arguments: [u.id.uuidString]) ?? "" } }
        #expect(try hash().hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        // A hash made the old way (libsodium INTERACTIVE: 64 MiB).
        var out = [CChar](repeating: 0, count: Int(kinga_pwhash_strbytes()))
        let pin = Array("902134".utf8CString)
        #expect(crypto_pwhash_str(&out, pin, 6, UInt64(crypto_pwhash_OPSLIMIT_INTERACTIVE), Int(crypto_pwhash_MEMLIMIT_INTERACTIVE)) == 0)
        let old = String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #expect(old.contains("m=65536"))
        try store.outsideKinga { db in try db.execute(sql: "UPDATE app_user SET pin_hash = ? WHERE id = ?", arguments: [old, u.id.uuidString]) }
        #expect(try store.login(userID: u.id, pin: "902134").user == u)
        #expect(try hash().contains("m=19456,t=2"))
        #expect(try store.login(userID: u.id, pin: "902134").user == u)
    }
}
