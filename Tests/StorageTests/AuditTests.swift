import Foundation
import Testing
@testable import Model
@testable import Storage
import StoreTestSupport

@Suite("The audit log: append-only, HMAC-chained, written with every change")
struct AuditTests {
    @Test func changesAndViewsAreLoggedAndTheChainVerifies() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let c = try store.registerCase(from: sampleReport(), draftID: UUID())
        try store.recordView(caseID: c.id)
        try store.addNote(caseID: c.id, text: "Visited.")
        let actions = try store.auditEntries().map(\.action)
        #expect(actions.contains("case.report_received") && actions.contains("case.view") && actions.contains("case.note"))
        #expect(try store.verifyAudit() == .intact(entries: actions.count))
        // The key lives outside the database, readable only by its owner.
        let attrs = try FileManager.default.attributesOfItem(atPath: store.auditKeyPath)
        #expect((attrs[.posixPermissions] as? Int) == 0o400)
    }

    @Test("the database refuses updates and deletes of audit rows")
    func appendOnly() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        try store.auditAlone(actor: "user", action: "login")
        #expect(throws: (any Error).self) { try store.outsideKinga { try $0.execute(sql: "UPDATE audit_log SET actor = 'b'") } }
        #expect(throws: (any Error).self) { try store.outsideKinga { try $0.execute(sql: "DELETE FROM audit_log") } }
    }

    @Test("editing an audit row with the sqlite3 tool is found by verify, which names the first bad entry")
    func tamperingIsDetected() throws {
        let dir = TempDir()
        let path = dir.path + "/k.sqlite"
        do {
            var store = try KingaStore(path: path, clock: pinned)
            store = try store.actAsTestSupervisor()
            for i in 0..<5 { try store.auditAlone(actor: "user\(i)", action: "login") }
        }
        let sql = "DROP TRIGGER audit_no_update; UPDATE audit_log SET actor = 'someone else' WHERE seq = 3;"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [path, sql]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        var store = try KingaStore(path: path, clock: pinned)
        store = try store.actAsTestSupervisor()
        #expect(try store.verifyAudit() == .broken(firstBadSeq: 3, checked: 2))
    }

    @Test func aDeletedEntryIsFound() throws {
        let dir = TempDir()
        let path = dir.path + "/k.sqlite"
        do {
            var store = try KingaStore(path: path, clock: pinned)
            store = try store.actAsTestSupervisor()
            for i in 0..<4 { try store.auditAlone(actor: "user\(i)", action: "login") }
            try store.outsideKinga { db in
                try db.execute(sql: "DROP TRIGGER audit_no_delete; DELETE FROM audit_log WHERE seq = 2")
            }
        }
        var store = try KingaStore(path: path, clock: pinned)
        store = try store.actAsTestSupervisor()
        #expect(try store.verifyAudit() == .broken(firstBadSeq: 2, checked: 1))
    }
}
