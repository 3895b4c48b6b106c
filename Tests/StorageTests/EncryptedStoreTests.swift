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
}
