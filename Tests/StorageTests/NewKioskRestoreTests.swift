import Foundation
import GRDB
import Testing
@testable import Model
@testable import Storage
import Vault

/// Issue #17: the old laptop is gone; its encrypted backup and the district's recovery key make a new kiosk.
@Suite("Restoring an encrypted backup onto a new laptop")
struct NewKioskRestoreTests {
    /// An encrypted kiosk with a district recovery key, two users (one switched off), one case and a backup
    /// (`<dir>/usb/backup.sqlite` and its `.keys`), as a district office would carry them.
    static func oldKioskWithBackup(_ dir: TempDir, district: DistrictSecretKey) throws -> (backup: String, caseID: UUID, admin: UUID) {
        let (path, admin) = try KioskLockTests.newKiosk(dir)
        guard case .success(let store, _) = try KioskLockTests.locked(path).unlock(userID: admin, pin: "482916") else {
            Issue.record("unlock"); throw StoreError.notFound
        }
        try store.setDistrictKey(district.publicKey)
        _ = try store.createUser(name: "Budi Fokal", roles: [.focalPoint], pin: "730615")
        let gone = try store.createUser(name: "Citra Pergi", roles: [.focalPoint], pin: "730615")
        try store.deactivateUser(gone.id)
        let c = try store.registerCase(from: sampleReport(name: "Amani \(KioskLockTests.marker)"), draftID: UUID())
        try FileManager.default.createDirectory(atPath: dir.path + "/usb", withIntermediateDirectories: true)
        let backup = dir.path + "/usb/backup.sqlite"
        try store.backup(to: backup)
        return (backup, c.id, admin)
    }

    @Test("the recovery key makes a kiosk from the backup: everyone's PIN works, every record and the audit chain are kept")
    func restoreOntoNewLaptop() throws {
        let old = TempDir(), new = TempDir()
        let district = try DistrictSecretKey.generate()
        let (backup, caseID, admin) = try Self.oldKioskWithBackup(old, district: district)
        let backupSlots = try KeySlotFile.load(from: KeySlotFile.url(forDatabase: URL(fileURLWithPath: backup)))
        #expect(backupSlots.users.isEmpty && backupSlots.recovery?.sealedAuditKey != nil)
        let path = new.path + "/kiosk/kinga.sqlite"
        #expect(KingaStore.isEmptyKiosk(at: path))
        let people = try KingaStore.restoreOntoNewKiosk(from: backup, to: path, recoveryKey: district, clock: pinned)
        #expect(people == 2)
        #expect(!KingaStore.isEmptyKiosk(at: path))
        let locked = try KioskLockTests.locked(path)
        #expect(locked.users.map(\.name) == ["Ayu Admin", "Budi Fokal"])
        #expect(locked.setting("language") == "fr")
        guard case .failed = try locked.unlock(userID: admin, pin: "000000") else { Issue.record("wrong PIN opened"); return }
        let budi = try #require(locked.users.first { $0.name == "Budi Fokal" })
        guard case .success(let store, let who) = try locked.unlock(userID: budi.id, pin: "730615") else { Issue.record("PIN refused"); return }
        #expect(who.name == "Budi Fokal")
        #expect(try store.verifyAudit() == .intact(entries: try store.auditEntries().count))
        #expect(try store.auditEntries(actionPrefix: "restore.new_kiosk").first?.actor == "district recovery key")
        #expect(try store.withoutSession.caseRecord(id: caseID, viewer: .systemMaintenance) != nil)
        // The new kiosk keeps a recovery slot, and its children's inbox works.
        #expect(try KeySlotFile.load(from: KeySlotFile.url(forDatabase: URL(fileURLWithPath: path))).recovery?.districtPublicKey == district.publicKey)
        try KioskLockTests.locked(path).submitChildReport(sampleReport(name: "Dewi Anak"), language: "id")
        guard case .success(let again, _) = try KioskLockTests.locked(path).unlock(userID: admin, pin: "482916") else { Issue.record("admin PIN refused"); return }
        #expect(try again.caseList(CaseQuery(text: "Dewi"), after: nil, limit: 5, viewer: .user(try #require(again.actor)), today: pinned.today).count == 1)
        #expect(EncryptedStoreTests.filesContaining(KioskLockTests.marker, under: new.path) == [])
    }

    @Test("bad input: a wrong recovery key, a missing .keys file, a kiosk already there, an older backup without its audit key")
    func refusals() throws {
        let old = TempDir(), new = TempDir()
        let district = try DistrictSecretKey.generate()
        let (backup, _, _) = try Self.oldKioskWithBackup(old, district: district)
        let path = new.path + "/kinga.sqlite"
        func refused(_ words: String, _ run: () throws -> Void) {
            do { try run(); Issue.record("not refused: \(words)") } catch {
                #expect("\(error)".contains(words), "\(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: path) && !FileManager.default.fileExists(atPath: path + ".keys")
                    && !FileManager.default.fileExists(atPath: path + ".audit-key"))
        }
        refused("another district") {
            try KingaStore.restoreOntoNewKiosk(from: backup, to: path, recoveryKey: try DistrictSecretKey.generate(), clock: pinned)
        }
        // The .keys file left behind on the USB stick.
        let keys = KeySlotFile.url(forDatabase: URL(fileURLWithPath: backup))
        let aside = URL(fileURLWithPath: keys.path + ".aside")
        try FileManager.default.moveItem(at: keys, to: aside)
        refused("not beside it") { try KingaStore.restoreOntoNewKiosk(from: backup, to: path, recoveryKey: district, clock: pinned) }
        try FileManager.default.moveItem(at: aside, to: keys)
        // A backup made before the audit key travelled with it: refused without the old .audit-key file, taken with it.
        var older = try KeySlotFile.load(from: keys)
        older.recovery?.sealedAuditKey = nil
        try older.write(to: keys)
        refused("--audit-key") { try KingaStore.restoreOntoNewKiosk(from: backup, to: path, recoveryKey: district, clock: pinned) }
        refused("does not verify") {
            try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: new.path + "/wrong.audit-key"))
            try KingaStore.restoreOntoNewKiosk(from: backup, to: path, recoveryKey: district, clock: pinned, auditKeyFile: new.path + "/wrong.audit-key")
        }
        try KingaStore.restoreOntoNewKiosk(from: backup, to: path, recoveryKey: district, clock: pinned,
                                           auditKeyFile: old.path + "/kinga.sqlite.audit-key")
        // Now a kiosk works there: a second restore onto it is refused and changes nothing.
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: StoreError.self) { try KingaStore.restoreOntoNewKiosk(from: backup, to: path, recoveryKey: district, clock: pinned) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }
}
