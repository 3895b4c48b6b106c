import Foundation
import GRDB
import Testing
@testable import Model
@testable import Storage
import StoreTestSupport

/// A clock whose time the test moves.
private final class MovableTime: @unchecked Sendable {
    var now: Date
    init(_ d: Date) { now = d }
}

private func movableStore(_ dir: TempDir) throws -> (KingaStore, MovableTime) {
    let t = MovableTime(pinned.now)
    let clock = Clock(timeZone: pinned.timeZone, now: { t.now })
    var store = try KingaStore(test: dir.path + "/db/k.sqlite", clock: clock)
    store = try store.actAsTestSupervisor()
    return (store, t)
}

@Suite("Backups, restore and check (issue #7)")
struct BackupTests {
    @Test("a backup is a sound, complete copy; a name already used is refused; a failed copy leaves nothing")
    func backupCopies() throws {
        let dir = TempDir()
        let (store, _) = try movableStore(dir)
        try store.registerCase(from: sampleReport(name: "Backup Child"), draftID: UUID())
        let copy = dir.path + "/copy.sqlite"
        try store.backup(to: copy)
        var again = try KingaStore(test: copy, clock: pinned, auditKeyPath: store.auditKeyPath)
        again = try again.actAsTestSupervisor()
        #expect(try again.caseCount(viewer: again.testViewer) == 1)
        #expect(try again.check().ok)
        #expect(throws: StoreError.self) { try store.backup(to: copy) }
        // A folder that cannot be written: a kind error, and no temporary file left behind.
        let ro = dir.path + "/readonly"
        try FileManager.default.createDirectory(atPath: ro, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o500])
        defer { chmod(ro, 0o700) }
        if getuid() != 0 {   // root ignores folder permissions
            #expect(throws: StoreError.self) { try store.backup(to: ro + "/x.sqlite") }
            #expect(try FileManager.default.contentsOfDirectory(atPath: ro).isEmpty)
        }
    }

    @Test("a backup at least daily, only when there is something to keep; the last 7 are kept")
    func dailyAndPruned() throws {
        let dir = TempDir()
        let (store, t) = try movableStore(dir)
        #expect(try store.backupIfDue() == nil)          // no cases yet
        try store.registerCase(from: sampleReport(), draftID: UUID())
        #expect(try store.backupIfDue() != nil)
        t.now += 3600
        #expect(try store.backupIfDue() == nil)          // one already today
        for _ in 0..<10 {
            t.now += 25 * 3600
            #expect(try store.backupIfDue() != nil)
        }
        let kept = store.backups()
        #expect(kept.count == KingaStore.backupsKept)
        #expect(kept.first?.madeAt == t.now)
        #expect(kept.map(\.madeAt) == kept.map(\.madeAt).sorted(by: >))
        #expect(kept.allSatisfy { $0.reason == "daily" })
        let mode = (try FileManager.default.attributesOfItem(atPath: kept[0].path)[.posixPermissions] as? Int) ?? 0
        #expect(mode & 0o077 == 0)
    }

    @Test("before a schema update, a database with data is backed up first")
    func beforeUpdate() throws {
        let dir = TempDir()
        let path = dir.path + "/k.sqlite"
        do {
            // A database as an older Kinga left it: migrations up to v7 only, with one case.
            var store = try KingaStore(path: path, clock: pinned)
            store = try store.actAsTestSupervisor()
            try store.registerCase(from: sampleReport(), draftID: UUID())
        }
        let q = try DatabaseQueue(path: path)
        try q.write { db in
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v8-due-indexes'")
            try db.execute(sql: "DROP TRIGGER case_reviewed; DROP INDEX case_open_reviewed; DROP INDEX case_returned; DROP INDEX case_child_queue; ALTER TABLE case_record DROP COLUMN reviewed_at")
        }
        try q.close()
        var reopened = try KingaStore(path: path, clock: pinned)
        reopened = try reopened.actAsTestSupervisor()
        #expect(reopened.backups().map(\.reason) == ["before-update"])
        #expect(try reopened.caseCount(viewer: reopened.testViewer) == 1)
    }

    @Test("restore goes back to the backup and keeps the replaced database as a backup; a damaged backup is refused")
    func restore() throws {
        let dir = TempDir()
        let (store, t) = try movableStore(dir)
        try store.registerCase(from: sampleReport(name: "Before"), draftID: UUID())
        let b = try store.makeAutomaticBackup(reason: "manual")
        try store.registerCase(from: sampleReport(name: "After"), draftID: UUID())
        t.now += 60
        let broken = dir.path + "/broken.sqlite"
        try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: broken))
        #expect(throws: StoreError.backupDamaged(broken)) { try KingaStore.restore(from: broken, to: store.path, clock: store.clock, key: testDatabaseKey) }
        #expect(try store.caseCount(viewer: store.testViewer) == 2)
        let path = store.path
        let kept = try KingaStore.restore(from: b, to: path, clock: store.clock, key: testDatabaseKey)
        var restored = try KingaStore(test: path, clock: pinned)
        restored = try restored.actAsTestSupervisor()
        #expect(try restored.casePage(after: nil, limit: 10, viewer: restored.testViewer).map(\.childName) == ["Before"])
        let saved = try #require(kept)
        #expect(saved.contains("before-restore"))
        #expect(try KingaStore(test: saved, clock: pinned, auditKeyPath: restored.auditKeyPath).caseCount(viewer: .systemMaintenance) == 2)
        #expect(try restored.check().ok)
    }

    @Test("a damaged database is not opened, and its file is left exactly as it was")
    func damagedIsNotOpened() throws {
        let dir = TempDir()
        let path = dir.path + "/k.sqlite"
        do {
            var store = try KingaStore(test: path, clock: pinned)
            store = try store.actAsTestSupervisor()
            for i in 0..<40 { try store.registerCase(from: sampleReport(name: "Child \(i)"), draftID: UUID()) }
            try store.checkpoint()
        }
        // Cut the file in half, as a failing disk or a copy interrupted would.
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: StoreError.damaged(path)) { try KingaStore(test: path, clock: pinned) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test("check finds a search index out of step and an edited audit log")
    func checkFindsProblems() throws {
        let dir = TempDir()
        let (store, _) = try movableStore(dir)
        try store.registerCase(from: sampleReport(), draftID: UUID())
        var r = try store.check()
        #expect(r.ok, "\(r.problems)")
        #expect(r.cases == 1 && r.synchronous == 2)
        try store.outsideKinga { db in try db.execute(sql: "INSERT INTO case_search(case_search) VALUES ('delete-all')") }
        r = try store.check()
        #expect(!r.searchIndex)
        #expect(r.problems.contains { $0.contains("search index") })
    }
}

@Suite("Optimistic concurrency in Storage")
struct EditContextTests {
    @Test("a save under an old version is refused with the other changes, then goes ahead once acknowledged")
    func versionCheck() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let c = try store.registerCase(from: sampleReport(), draftID: UUID())
        let mine = try store.beginEdit(caseID: c.id)
        let theirs = try store.beginEdit(caseID: c.id)
        let me = try #require(store.actor)
        store = store.withoutSession
        let other = try store.addTestUser(name: "Other", roles: [.supervisor], pin: "580214")
        store = try store.beginSession(userID: other.id)
        try KingaStore.$editContext.withValue(theirs) { _ = try store.addNote(caseID: c.id, text: "Theirs") }
        store = try store.beginSession(userID: me.id)
        #expect(throws: StoreError.changedElsewhere) {
            try KingaStore.$editContext.withValue(mine) { _ = try store.addNote(caseID: c.id, text: "Mine") }
        }
        #expect(mine.conflict?.map(\.author) == ["Other"])
        #expect(mine.conflict?.first?.summary == "Theirs")
        #expect(try store.events(caseID: c.id, viewer: store.testViewer).filter { $0.kind == .note }.map(\.summary) == ["Theirs"])
        mine.acknowledge()
        try KingaStore.$editContext.withValue(mine) { _ = try store.addNote(caseID: c.id, text: "Mine") }
        #expect(try store.events(caseID: c.id, viewer: store.testViewer).filter { $0.kind == .note }.map(\.summary) == ["Theirs", "Mine"])
    }
}
