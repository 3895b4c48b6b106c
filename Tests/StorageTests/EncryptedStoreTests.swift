import Foundation
import GRDB
import Testing
@testable import Model
@testable import Storage
import Vault

/// Issue #17 through the one opener (issue #16): a store opened with a key is encrypted on disk — the database,
/// its write-ahead log, its backups and the demo reset — and works exactly as a plaintext one.
@Suite("The store, encrypted with a key")
struct EncryptedStoreTests {
    /// A word no file on disk may contain.
    static let marker = "Zanzibarquetzal"

    /// Every file under `folder` (recursively) that contains `word`, as bytes.
    static func filesContaining(_ word: String, under folder: String) -> [String] {
        let needle = Data(word.utf8)
        var found: [String] = []
        let e = FileManager.default.enumerator(atPath: folder)
        while let name = e?.nextObject() as? String {
            let p = folder + "/" + name
            if let d = FileManager.default.contents(atPath: p), d.range(of: needle) != nil { found.append(name) }
        }
        return found
    }

    @Test("a case, its note, search, a backup and a restore: the marker is found by Kinga and in no file")
    func wholeCycleLeavesNoPlaintext() throws {
        let dir = TempDir()
        let path = dir.path + "/k.sqlite"
        let key = try DatabaseKey.random()
        var store = try KingaStore(path: path, clock: pinned, key: key)
        store = try store.actAsTestSupervisor()
        let c = try store.registerCase(from: sampleReport(name: "Amani \(Self.marker)"), draftID: UUID())
        try store.addNote(caseID: c.id, text: "Visited \(Self.marker)'s family.")
        let found = try store.caseListStart(CaseQuery(text: String(Self.marker.prefix(6)).lowercased()), limit: 10,
                                            viewer: store.testViewer, today: pinned.today)
        #expect(found.rows.map(\.summary.id) == [c.id])
        let backup = try store.makeAutomaticBackup(reason: "manual")
        // Everything Kinga wrote (database, -wal, -shm, backups) while it is still open.
        #expect(Self.filesContaining(Self.marker, under: dir.path) == [])
        #expect(Self.filesContaining("SQLite format 3", under: dir.path) == [])
        // The backup opens with the key only.
        #expect(throws: (any Error).self) { _ = try KingaStore(path: backup, clock: pinned) }
        let copy = try KingaStore(path: backup, clock: pinned, auditKeyPath: store.auditKeyPath, key: key)
        #expect(try copy.caseRecord(id: c.id, viewer: .systemMaintenance)?.report.childName.contains(Self.marker) == true)
        // A restore with the key brings it back; with another key it is refused and nothing is replaced.
        store = store.withoutSession
        let restoredPath = dir.path + "/restored.sqlite"
        try KingaStore.restore(from: backup, to: restoredPath, clock: pinned, key: key)
        #expect(throws: StoreError.backupDamaged(backup)) {
            try KingaStore.restore(from: backup, to: dir.path + "/other.sqlite", clock: pinned, key: try DatabaseKey.random())
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/other.sqlite"))
        #expect(Self.filesContaining(Self.marker, under: dir.path) == [])
    }

    @Test("a wrong key, or none, never opens an encrypted database; the message says so and nothing is changed")
    func wrongKeyIsRefusedPlainly() throws {
        let dir = TempDir()
        let path = dir.path + "/k.sqlite"
        do {
            var store = try KingaStore(path: path, clock: pinned, key: try DatabaseKey.random())
            store = try store.actAsTestSupervisor()
            try store.registerCase(from: sampleReport(), draftID: UUID())
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            _ = try KingaStore(path: path, clock: pinned, key: try DatabaseKey.random())
            Issue.record("opened with a wrong key")
        } catch let e as StoreError {
            #expect(e.description.contains("does not open the database"), "\(e)")
        }
        #expect(throws: (any Error).self) { _ = try KingaStore(path: path, clock: pinned) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test("the demo fills, resets and keeps its key; the practice still counts")
    func demoOnAnEncryptedStore() throws {
        let dir = TempDir()
        let key = try DatabaseKey.random()
        let store = try KingaStore(path: dir.path + "/demo.sqlite", clock: pinned, key: key)
        let n = try Seeds.fillDemo(store, seeds: seedsFolder, timeZone: TimeZone(identifier: "UTC")!)
        #expect(try store.caseCount(viewer: .systemMaintenance) == n)
        try store.resetDemo { fresh in try Seeds.fillDemo(fresh, seeds: seedsFolder, timeZone: TimeZone(identifier: "UTC")!) }
        #expect(try store.caseCount(viewer: .systemMaintenance) == n)
        #expect(try store.verifyAudit() == .intact(entries: try store.auditEntries(limit: 100_000).count))
        #expect(Self.filesContaining("SQLite format 3", under: dir.path) == [])
        let again = try KingaStore(path: dir.path + "/demo.sqlite", clock: pinned, key: key)
        #expect(try again.isDemoDatabase())
    }

    /// A plaintext kiosk at `<dir>/plain.sqlite` with a case for each of `names` (the first with a note, when given),
    /// closed. Returns its path, the cases' ids and its row counts.
    static func plainKiosk(_ dir: TempDir, names: [String], note: String? = nil) throws -> (path: String, caseIDs: [UUID], counts: [String: Int]) {
        let plain = dir.path + "/plain.sqlite"
        let store = try KingaStore(path: plain, clock: pinned).actAsTestSupervisor()
        let ids = try names.map { try store.registerCase(from: sampleReport(name: $0), draftID: UUID()).id }
        if let note, let first = ids.first { try store.addNote(caseID: first, text: note) }
        let counts = try store.rowCounts()
        try store.pool.close()
        return (plain, ids, counts)
    }

    /// Writes the database at `plain` into a new file at `path` encrypted under `key` in SQLCipher 4's default
    /// format (HMAC-SHA512): what Kinga wrote before `CipherFormat.hmacSHA256`.
    static func makeOlderFormatCopy(of plain: String, at path: String, key: DatabaseKey) throws {
        let q = try DatabaseQueue(path: plain)
        defer { try? q.close() }
        try q.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            let literal = try key.withRawKeyLiteral { String(decoding: $0, as: UTF8.self) }
            try db.execute(sql: "ATTACH DATABASE ? AS older KEY \"\(literal)\"", arguments: [path])
            try db.execute(sql: "PRAGMA older.cipher_hmac_algorithm = HMAC_SHA512")
            try db.execute(sql: "SELECT sqlcipher_export('older')")
            try db.execute(sql: "DETACH DATABASE older")
        }
    }

    @Test("a kiosk encrypted with HMAC-SHA512 (before 2026-12-07) is re-encrypted with HMAC-SHA256 when it opens: every row and the audit chain kept, its backups still restore")
    func olderFormatIsReencryptedAtOpen() throws {
        let dir = TempDir()
        let (plain, ids, counts) = try Self.plainKiosk(dir, names: ["Amani \(Self.marker)"], note: "Visited the family.")
        let caseID = ids[0]
        let key = try DatabaseKey.random()
        let path = dir.path + "/k.sqlite"
        try Self.makeOlderFormatCopy(of: plain, at: path, key: key)
        try FileManager.default.copyItem(atPath: plain + ".audit-key", toPath: path + ".audit-key")
        // The old kiosk's own backup, in the old format too.
        let oldBackup = dir.path + "/old-backup.sqlite"
        try Self.makeOlderFormatCopy(of: plain, at: oldBackup, key: key)
        #expect(try Opener.format(of: path, key: key) == .hmacSHA512)
        #expect(throws: CipherError.wrongKey) { try Opener.format(of: path, key: try DatabaseKey.random()) }

        // A wrong key changes nothing, in the old format too.
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: (any Error).self) { _ = try KingaStore(path: path, clock: pinned, key: try DatabaseKey.random()) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)

        let store = try KingaStore(path: path, clock: pinned, key: key)
        #expect(try Opener.format(of: path, key: key) == .hmacSHA256)
        #expect(throws: CipherError.wrongKey) { try Opener.queue(path, key: key, readonly: true, format: .hmacSHA512).close() }
        #expect(try store.rowCounts() == counts)
        #expect(try store.verifyAudit() == .intact(entries: counts["audit_log"] ?? -1))
        #expect(try store.caseRecord(id: caseID, viewer: .systemMaintenance)?.report.childName.contains(Self.marker) == true)
        #expect(!FileManager.default.fileExists(atPath: path + ".reencrypting"))
        #expect(Self.filesContaining(Self.marker, under: dir.path) == ["plain.sqlite"])
        // New backups are in the new format; the old one still restores, into the new format.
        let backup = try store.makeAutomaticBackup(reason: "manual")
        #expect(try Opener.format(of: backup, key: key) == .hmacSHA256)
        try store.pool.close()
        let restored = dir.path + "/restored.sqlite"
        try KingaStore.restore(from: oldBackup, to: restored, clock: pinned, key: key)
        #expect(try Opener.format(of: restored, key: key) == .hmacSHA256)
        let back = try KingaStore(path: restored, clock: pinned, auditKeyPath: path + ".audit-key", key: key)
        #expect(try back.caseRecord(id: caseID, viewer: .systemMaintenance) != nil)
        #expect(try back.verifyAudit() == .intact(entries: counts["audit_log"] ?? -1))
    }

    @Test("a kiosk in the old format whose copy cannot be made now still opens, as it is, and is re-encrypted at a later start")
    func olderFormatOpensWhenItCannotBeCopied() throws {
        let dir = TempDir()
        let (plain, ids, _) = try Self.plainKiosk(dir, names: ["Amani Fiktif"])
        let caseID = ids[0]
        let key = try DatabaseKey.random()
        // A name so long that "<name>.reencrypting" is over the file system's 255 bytes: the copy cannot be made,
        // as when the disk has no room for it. The database and its -wal, -shm and -journal still fit.
        let long = dir.path + "/" + String(repeating: "k", count: 238) + ".sqlite"
        try Self.makeOlderFormatCopy(of: plain, at: long, key: key)
        let auditKey = dir.path + "/audit-key"
        try FileManager.default.copyItem(atPath: plain + ".audit-key", toPath: auditKey)
        do {
            var store = try KingaStore(path: long, clock: pinned, auditKeyPath: auditKey, key: key)
            #expect(try Opener.format(of: long, key: key) == .hmacSHA512)
            store = try store.actAsTestSupervisor()
            #expect(try store.caseRecord(id: caseID, viewer: store.testViewer)?.report.childName == "Amani Fiktif")
            try store.addNote(caseID: caseID, text: "Written while the kiosk was still in the old format.")
            // Its backup is made in the new format all the same.
            let backup = try store.makeAutomaticBackup(reason: "manual")
            #expect(try Opener.format(of: backup, key: key) == .hmacSHA256)
            #expect(try store.events(caseID: caseID, viewer: store.testViewer).contains { $0.body == "Written while the kiosk was still in the old format." })
            try store.pool.close()
        }
        // Once the copy can be made (here: the database under a shorter name), the next start re-encrypts it.
        let short = dir.path + "/k.sqlite"
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: long + suffix) {
            try FileManager.default.moveItem(atPath: long + suffix, toPath: short + suffix)
        }
        try? FileManager.default.removeItem(atPath: long + "-shm")
        let store = try KingaStore(path: short, clock: pinned, auditKeyPath: auditKey, key: key).actAsTestSupervisor()
        #expect(try Opener.format(of: short, key: key) == .hmacSHA256)
        #expect(try store.events(caseID: caseID, viewer: store.testViewer).contains { $0.body == "Written while the kiosk was still in the old format." })
        #expect(try store.verifyAudit() == .intact(entries: try store.rowCounts()["audit_log"] ?? -1))
    }

    @Test("a damaged database in the old format is never copied: it is kept as it was")
    func damagedOlderFormatIsKept() throws {
        let dir = TempDir()
        let plain = try Self.plainKiosk(dir, names: (0..<40).map { "Child \($0)" }).path
        let key = try DatabaseKey.random()
        let path = dir.path + "/k.sqlite"
        try Self.makeOlderFormatCopy(of: plain, at: path, key: key)
        try FileManager.default.copyItem(atPath: plain + ".audit-key", toPath: path + ".audit-key")
        // Scramble one page in the middle: its HMAC no longer matches.
        let h = try #require(FileHandle(forUpdatingAtPath: path))
        let size = try h.seekToEnd()
        try h.seek(toOffset: (size / 4096 / 2) * 4096 + 100)
        try h.write(contentsOf: Data(repeating: 0x5A, count: 64))
        try h.close()
        let damaged = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: (any Error).self) { _ = try KingaStore(path: path, clock: pinned, key: key) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == damaged)
        #expect(!FileManager.default.fileExists(atPath: path + ".reencrypting"))
    }
}
