import Foundation
import GRDB
import Testing
@testable import Model
@testable import Storage
import Vault

/// Issue #17: a real kiosk's database is encrypted, and it opens only when a person's PIN opens their key slot.
@Suite("A locked kiosk: login before unlock, key slots kept in step")
struct KioskLockTests {
    static let fast = KeyDerivation.fastForTestsOnly
    static let marker = "Quokkaventure"

    /// A new kiosk at `dir/kinga.sqlite` with its first administrator ("Ayu Admin", PIN 482916), closed again.
    static func newKiosk(_ dir: TempDir) throws -> (path: String, admin: UUID) {
        let path = dir.path + "/kinga.sqlite"
        guard case .firstRun(let store) = try KingaStore.openKiosk(path: path, clock: pinned, derivation: fast) else {
            Issue.record("a new path is a first run")
            throw StoreError.notFound
        }
        let (session, admin) = try store.createFirstUser(name: "Ayu Admin", pin: "482916")
        try session.setSetting("language", "fr")
        return (path, admin.id)
    }

    static func locked(_ path: String) throws -> LockedKiosk {
        guard case .locked(let l) = try KingaStore.openKiosk(path: path, clock: pinned, derivation: fast) else {
            Issue.record("a kiosk with a slot file is locked")
            throw StoreError.notFound
        }
        return l
    }

    @Test("the login screen's names come from the slot file; the right PIN opens the database, a wrong one never does")
    func unlockWithPIN() throws {
        let dir = TempDir()
        let (path, admin) = try Self.newKiosk(dir)
        let locked = try Self.locked(path)
        #expect(locked.users.map(\.name) == ["Ayu Admin"])
        #expect(locked.users.first?.roles == [.administrator, .supervisor])
        #expect(locked.setting("language") == "fr")
        // The database is not readable without the key.
        #expect(throws: (any Error).self) { _ = try KingaStore(path: path, clock: pinned) }
        guard case .failed = try locked.unlock(userID: admin, pin: "000000") else { Issue.record("wrong PIN opened"); return }
        guard case .success(let store, let me) = try locked.unlock(userID: admin, pin: "482916") else { Issue.record("right PIN refused"); return }
        #expect(me.id == admin && store.actor?.id == admin)
        // The wrong PIN typed before the unlock is in the audit log, then the unlock.
        let actions = try store.auditEntries(limit: 10, actionPrefix: "login").map(\.action)
        #expect(actions.contains("login.failed") && actions.contains("login.ok"))
    }

    @Test("five wrong PINs before the unlock lock the slot; the lock holds even with the right PIN")
    func lockOutBeforeUnlock() throws {
        let dir = TempDir()
        let (path, admin) = try Self.newKiosk(dir)
        let locked = try Self.locked(path)
        var last: UnlockResult = .failed
        for _ in 1...5 { last = try locked.unlock(userID: admin, pin: "111111") }
        guard case .locked = last else { Issue.record("five wrong PINs should lock"); return }
        guard case .locked = try locked.unlock(userID: admin, pin: "482916") else { Issue.record("a locked slot was tried"); return }
    }

    @Test("a new user, a PIN change and a deactivation rewrite only that person's slot")
    func slotsFollowUsers() throws {
        let dir = TempDir()
        let (path, admin) = try Self.newKiosk(dir)
        guard case .success(let store, _) = try Self.locked(path).unlock(userID: admin, pin: "482916") else { Issue.record("unlock"); return }
        let fp = try store.createUser(name: "Budi Focal", roles: [.focalPoint], pin: "735190")
        #expect(try Self.locked(path).users.map(\.name) == ["Ayu Admin", "Budi Focal"])
        // An administrator resets Budi's PIN: the old one no longer opens, the new one does.
        try store.setPIN(userID: fp.id, newPIN: "926317", oldPIN: nil)
        guard case .failed = try Self.locked(path).unlock(userID: fp.id, pin: "735190") else { Issue.record("old PIN still opens"); return }
        guard case .success = try Self.locked(path).unlock(userID: fp.id, pin: "926317") else { Issue.record("new PIN refused"); return }
        // Switched off: Budi's slot is gone, so his PIN opens nothing.
        try store.deactivateUser(fp.id)
        #expect(try Self.locked(path).users.map(\.name) == ["Ayu Admin"])
        guard case .failed = try Self.locked(path).unlock(userID: fp.id, pin: "926317") else { Issue.record("deactivated user unlocked"); return }
        // An administrator cannot switch herself off.
        #expect(throws: UserError.notAllowed) { try store.deactivateUser(admin) }
    }

    @Test("a child's report made before anyone unlocked is sealed in the inbox, then enters the intake queue at the next unlock")
    func childInbox() throws {
        let dir = TempDir()
        let (path, admin) = try Self.newKiosk(dir)
        let locked = try Self.locked(path)
        var child = ChildReport()
        child.language = "en"
        try locked.submitChildReport(child.report(narrative: "My name is \(Self.marker)"), language: "en")
        let inbox = try FileManager.default.contentsOfDirectory(atPath: locked.inboxFolder)
        #expect(inbox.count == 1)
        #expect(EncryptedStoreTests.filesContaining(Self.marker, under: dir.path) == [])
        guard case .success(let store, _) = try locked.unlock(userID: admin, pin: "482916") else { Issue.record("unlock"); return }
        #expect(try store.caseCount(viewer: store.testViewer) == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: locked.inboxFolder).isEmpty)
        #expect(EncryptedStoreTests.filesContaining(Self.marker, under: dir.path) == [])
    }

    @Test("backups carry the district recovery slot, never the users' slots; the recovery key restores them")
    func backupsAndRecovery() throws {
        let dir = TempDir()
        let (path, admin) = try Self.newKiosk(dir)
        let district = try DistrictSecretKey.generate()
        guard case .success(let store, _) = try Self.locked(path).unlock(userID: admin, pin: "482916") else { Issue.record("unlock"); return }
        try store.setDistrictKey(district.publicKey)
        let c = try store.registerCase(from: sampleReport(name: "Amani \(Self.marker)"), draftID: UUID())
        let backup = dir.path + "/copy.sqlite"
        try store.backup(to: backup)
        let slots = try KeySlotFile.load(from: KeySlotFile.url(forDatabase: URL(fileURLWithPath: backup)))
        #expect(slots.users.isEmpty && slots.recovery != nil)
        // The recovery key opens the kiosk with nobody logged in; another district's key does not.
        let other = try DistrictSecretKey.generate()
        #expect(throws: StoreError.self) { _ = try Self.locked(path).unlock(recoveryKey: other) }
        let byOffice = try Self.locked(path).unlock(recoveryKey: district)
        #expect(byOffice.actor == nil)
        #expect(try byOffice.caseRecord(id: c.id, viewer: .systemMaintenance) != nil)
        // A restore with the recovery key, and with a PIN; a wrong PIN restores nothing.
        #expect(throws: StoreError.self) { try Self.locked(path).restore(from: backup, userID: admin, pin: "000000") }
        try Self.locked(path).restore(from: backup, recoveryKey: district)
        try Self.locked(path).restore(from: backup, userID: admin, pin: "482916")
        #expect(EncryptedStoreTests.filesContaining(Self.marker, under: dir.path) == [])
    }

    @Test("bad input: a damaged slot file says what it is, and nothing is overwritten")
    func damagedSlotFile() throws {
        let dir = TempDir()
        let (path, _) = try Self.newKiosk(dir)
        let url = KeySlotFile.url(forDatabase: URL(fileURLWithPath: path))
        try Data("{\"kind\":\"kinga-key-slots\",\"format\":1,\"users\":[".utf8).write(to: url)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            _ = try KingaStore.openKiosk(path: path, clock: pinned, derivation: Self.fast)
            Issue.record("a damaged slot file was accepted")
        } catch let StoreError.cannotOpen(_, reason) {
            #expect(reason.contains("key"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(FileManager.default.fileExists(atPath: url.path))
    }

    @Test("a first run stopped before the first user starts again cleanly; an old plaintext database opens as before")
    func interruptedFirstRunAndPlaintext() throws {
        let dir = TempDir()
        let path = dir.path + "/kinga.sqlite"
        guard case .firstRun = try KingaStore.openKiosk(path: path, clock: pinned, derivation: Self.fast) else { Issue.record("first run"); return }
        // Nobody was made: the next start is a first run again, not a kiosk nobody can open.
        guard case .firstRun(let again) = try KingaStore.openKiosk(path: path, clock: pinned, derivation: Self.fast) else {
            Issue.record("an interrupted first run must start again"); return
        }
        #expect(try again.needsSetup())
        let plainPath = dir.path + "/old.sqlite"
        let old = try KingaStore(path: plainPath, clock: pinned)
        _ = try old.seedUser(name: "Old User", roles: [.focalPoint], pin: "582046")
        guard case .plaintext = try KingaStore.openKiosk(path: plainPath, clock: pinned, derivation: Self.fast) else {
            Issue.record("a plaintext database opens as before"); return
        }
    }

    @Test("a slot made from a stored PIN hash opens with that PIN, and no other")
    func slotFromPINHash() throws {
        let key = try DatabaseKey.random()
        let id = UUID()
        var file = KeySlotFile(deviceID: UUID())
        try file.setUser(KeySlotUser(id: id, name: "Citra", roles: ["focal_point"]), pinHash: try KingaStore.hashPIN("917364"), key: key)
        #expect(try file.unlock(userID: id, pin: "917364").isSameKey(as: key))
        #expect(throws: VaultError.wrongPIN) { _ = try file.unlock(userID: id, pin: "917365") }
        #expect(throws: VaultError.self) { try file.setUser(KeySlotUser(id: id, name: "Citra", roles: []), pinHash: "not a hash", key: key) }
    }

    @Test("an old plain database is encrypted at the first start: every record, the audit chain and everyone's PIN kept, no plaintext left")
    func plaintextMigration() throws {
        let dir = TempDir()
        let path = dir.path + "/kinga.sqlite"
        let caseID: UUID
        let users: [(UUID, String)]
        do {
            var old = try KingaStore(path: path, clock: pinned)
            let admin: User
            (old, admin) = try old.createFirstUser(name: "Dewi Admin", pin: "640219")
            let fp = try old.createUser(name: "Eko Focal", roles: [.focalPoint], pin: "318605")
            try old.setSetting("language", "id")
            caseID = try old.registerCase(from: sampleReport(name: "Amani \(Self.marker)"), draftID: UUID()).id
            try old.addNote(caseID: caseID, text: "Visited \(Self.marker)'s family.")
            try old.makeAutomaticBackup(reason: "daily")
            users = [(admin.id, "640219"), (fp.id, "318605")]
            old = old.withoutSession
        }
        #expect(!EncryptedStoreTests.filesContaining(Self.marker, under: dir.path).isEmpty)
        guard case .locked(let locked) = try KingaStore.openKiosk(path: path, clock: pinned, derivation: Self.fast, encryptPlaintext: true) else {
            Issue.record("a plain database is encrypted, then locked"); return
        }
        #expect(EncryptedStoreTests.filesContaining(Self.marker, under: dir.path) == [])
        #expect(!DatabaseCipher.isPlaintextDatabase(atPath: path))
        #expect(locked.setting("language") == "id")
        for (id, pin) in users {
            guard case .success(let opened, _) = try locked.unlock(userID: id, pin: pin) else { Issue.record("a PIN stopped working"); return }
            let store = opened.withoutSession
            #expect(try store.caseRecord(id: caseID, viewer: .systemMaintenance)?.report.childName.contains(Self.marker) == true)
            #expect(try store.events(caseID: caseID, viewer: .systemMaintenance).contains { $0.body.contains(Self.marker) })
            guard case .intact = try store.verifyAudit() else { Issue.record("audit chain broken"); return }
        }
        // The old backup was encrypted too: it opens with the kiosk's key only.
        let backup = try #require(KingaStore.backups(for: path).first)
        #expect(!DatabaseCipher.isPlaintextDatabase(atPath: backup.path))
        try locked.restore(from: backup.path, userID: users[0].0, pin: users[0].1)
    }

    @Test("a backup from another kiosk is refused with a plain message, and nothing is overwritten")
    func backupFromAnotherKiosk() throws {
        let dirA = TempDir(), dirB = TempDir()
        let (pathA, adminA) = try Self.newKiosk(dirA)
        let (pathB, adminB) = try Self.newKiosk(dirB)
        guard case .success(let a, _) = try Self.locked(pathA).unlock(userID: adminA, pin: "482916") else { Issue.record("unlock"); return }
        let backup = dirA.path + "/a.sqlite"
        try a.backup(to: backup)
        let before = try Data(contentsOf: URL(fileURLWithPath: pathB))
        do {
            try Self.locked(pathB).restore(from: backup, userID: adminB, pin: "482916")
            Issue.record("another kiosk's backup was restored")
        } catch let e as StoreError {
            #expect(e.description.contains("another kiosk"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: pathB)) == before)
    }

    @Test("a slot weaker than the kiosk's limits (made from a stored PIN hash) is wrapped again at the next unlock")
    func weakSlotIsRewrapped() throws {
        let dir = TempDir()
        let (path, admin) = try Self.newKiosk(dir)           // slots at the fastest limits
        let stronger = KeyDerivation(opslimit: 2, memlimit: 16 * 1024)
        guard case .locked(let locked) = try KingaStore.openKiosk(path: path, clock: pinned, derivation: stronger),
              case .success = try locked.unlock(userID: admin, pin: "482916") else { Issue.record("unlock"); return }
        let slot = try #require(try KeySlotFile.load(from: KeySlotFile.url(forDatabase: URL(fileURLWithPath: path))).users.first)
        #expect(slot.memlimit == 16 * 1024 && slot.opslimit == 2)
        guard case .success = try Self.locked(path).unlock(userID: admin, pin: "482916") else { Issue.record("the PIN no longer opens it"); return }
    }
}
