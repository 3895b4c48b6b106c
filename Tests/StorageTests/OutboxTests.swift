import Foundation
import GRDB
import Testing
@testable import Model
@testable import Storage
import StoreTestSupport

/// Issue #18: every change a person makes reaches the outbox in the same transaction, through the one door.
@Suite("The outbox for the district server")
struct OutboxTests {
    @Test("a report, a note, a risk assessment and a new user each leave their rows in the outbox, in order; a refused change leaves none")
    func changesReachTheOutbox() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        try store.switchOutboxOn()
        store = try store.actAsTestSupervisor()
        let start = try store.outbox().last?.seq ?? 0
        let c = try store.registerCase(from: sampleReport(), draftID: UUID())
        let afterReport = try store.outbox(after: start)
        #expect(afterReport.contains { $0.table == "case_record" && $0.op == "insert" && $0.rowID == c.id.uuidString })
        #expect(afterReport.contains { $0.table == "case_event" && $0.op == "insert" })
        #expect(afterReport.contains { $0.table == "audit_log" && $0.op == "insert" })
        #expect(afterReport.map(\.seq) == afterReport.map(\.seq).sorted())
        // The case row becomes a field patch from nothing; its timeline entries become records of the case.
        let insert = try #require(afterReport.first { $0.table == "case_record" && $0.op == "insert" })
        guard case .patch(let p) = try #require(insert.body(auditID: { _ in UUID() })) else { Issue.record("not a patch"); return }
        #expect(p.entity == .caseRecord && p.baseVersion == 0 && p.fields["child_name"]?.new == .string("Amani"))
        #expect(p.fields["name_key"] == nil)          // kiosk-only
        let event = try #require(afterReport.first { $0.table == "case_event" })
        guard case .record(let r) = try #require(event.body(auditID: { _ in UUID() })) else { Issue.record("not a record"); return }
        #expect(r.kind == .timelineEntry && r.caseID == c.id)
        // A risk assessment is an update: old and new risk, from the version the kiosk had.
        let mark = try store.outbox().last?.seq ?? 0
        let answers = RiskAnswers(immediateDanger: true, harmerHasAccess: true, severity: .severe, frequency: .often, safeAdult: false, childViews: "")
        try store.recordAssessment(caseID: c.id, Assessment(answers: answers, chosen: .high, whyDifferent: ""))
        let patches = try store.outbox(after: mark).filter { $0.table == "case_record" && $0.op == "update" }
            .compactMap { $0.body(auditID: { _ in UUID() }) }.compactMap { body -> FieldPatch? in if case .patch(let p) = body { return p } else { return nil } }
        let risk = try #require(patches.first { $0.fields["risk_level"] != nil })
        // Its base is the server version the kiosk had pulled (none yet: 0, the side that sends races to review);
        // each device's own bookkeeping (edit counter, timestamps) never travels in an update.
        #expect(risk.fields["risk_level"]?.new == .string("high") && risk.baseVersion == 0)
        #expect(risk.fields["version"] == nil && risk.fields["updated_at"] == nil && risk.fields["last_activity_at"] == nil)
        // A refused change (a focal point writing on someone else's case) adds nothing but its refusal's audit row.
        let fp = try store.addTestUser(name: "FP Fiktif", roles: [.focalPoint], pin: "902134")
        let other = try store.registerCase(from: sampleReport(name: "Other"), draftID: UUID(), assignedTo: try store.addTestUser(name: "FP Two", roles: [.focalPoint], pin: "902135").id)
        let before = try store.outbox().last?.seq ?? 0
        #expect(throws: StoreError.accessDenied) { try store.acting(fp).addNote(caseID: other.id, text: "Not mine.") }
        #expect(try store.outbox(after: before).map(\.table) == ["audit_log"])
        // A user made by an administrator (PIN and all) travels without their PIN's hash, ever.
        let admin = try store.addTestUser(name: "Admin Fiktif", roles: [.administrator], pin: "580214")
        try store.acting(admin).createUser(name: "New Focal", roles: [.focalPoint], pin: "731946")
        try store.acting(admin).setPIN(userID: admin.id, newPIN: "640285", oldPIN: "580214")
        let all = try store.outbox(limit: 100_000)
        #expect(all.contains { $0.table == "app_user" })
        let raw = try store.pool.read { db in try String.fetchAll(db, sql: "SELECT coalesce(old_json, '') || coalesce(new_json, '') FROM outbox") }
        #expect(!raw.contains { $0.contains("$argon2id$") || $0.contains("pin_hash") })
    }

    @Test("a kiosk that has not joined a district keeps no outbox")
    func offUntilLinked() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        try store.registerCase(from: sampleReport(), draftID: UUID())
        #expect(try store.outboxCount() == 0)
    }

    @Test("upkeep (seeding, the synthetic archive) leaves the outbox alone; acknowledged changes are dropped")
    func upkeepIsNotShared() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        try store.switchOutboxOn()
        try store.addTestUser(name: "Only Upkeep", roles: [.supervisor], pin: "902134")
        #expect(try store.outboxCount() == 0)
        store = try store.actAsTestSupervisor()
        try store.registerCase(from: sampleReport(), draftID: UUID())
        let n = try store.outboxCount()
        #expect(n > 0)
        let admin = try store.addTestUser(name: "Admin Fiktif", roles: [.administrator], pin: "580214")
        try store.acting(admin).joinDistrict(serverURL: "https://district.example:8443", certificatePEM: "PEM", fingerprint: "AB:CD",
                                             kioskCode: KioskCode("K07")!, kioskName: "Puskesmas Fiksi", villages: [], token: "t")
        let push = try #require(try store.preparePush())
        // Nothing unacknowledged is ever forgotten.
        try store.forgetAcknowledged(pulledThrough: 1_000)
        let again = try #require(try store.preparePush())
        #expect(again.fromSeq == push.fromSeq && Array(again.changes.prefix(push.changes.count)) == push.changes)
        #expect(again.changes.count == push.changes.count + 1)                 // the forgetting's own audit row
        let through = try #require(again.changes.last?.kioskSeq)
        try store.takePushReply(PushReply(acceptedThrough: through, applied: Array(1...through), duplicates: [], serverSeq: 10, conflicts: [], refusal: nil))
        try store.forgetAcknowledged(pulledThrough: 10)
        // Forgetting is itself audited, and its audit row waits for the server in its turn, with the push's own.
        #expect(try store.outbox().map(\.table) == ["audit_log", "audit_log"])
    }

    @Test("the outbox cannot be written or emptied outside the door")
    func outboxIsGuarded() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        try store.switchOutboxOn()
        store = try store.actAsTestSupervisor()
        try store.registerCase(from: sampleReport(), draftID: UUID())
        #expect(try store.outboxCount() > 0)
        #expect(throws: (any Error).self) { try store.pool.write { try $0.execute(sql: "DELETE FROM outbox") } }
        #expect(throws: (any Error).self) {
            try store.pool.write { try $0.execute(sql: "INSERT INTO outbox(at, tbl, row_id, op) VALUES ('x', 'case_record', 'x', 'insert')") }
        }
    }
}

@Suite("Joining a district (issue #18)")
struct DistrictJoinTests {
    @Test("an administrator joins: new numbers carry the kiosk code, old ones stay, the outbox is on, the token never shows")
    func join() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let fokal = try store.addTestUser(name: "Fokal Fiktif", roles: [.focalPoint], pin: "902134")
        let admin = try store.addTestUser(name: "Admin Fiktif", roles: [.administrator], pin: "580214")
        store = try store.loggedIn(userID: fokal.id, pin: "902134")
        let before = try store.registerCase(from: sampleReport(name: "Sebelum"), draftID: UUID())
        #expect(before.number.description == "KG-2026-0001")
        func join() throws {
            try store.joinDistrict(serverURL: "https://district.example:8443", certificatePEM: "PEM", fingerprint: "AB:CD",
                                   kioskCode: KioskCode("K07")!, kioskName: "Puskesmas Fiksi", villages: ["Kampung Fiksi"], token: "secret-token")
        }
        // A focal point may not.
        #expect(throws: StoreError.accessDenied) { try join() }
        #expect(try store.districtLink() == nil)
        store = try store.loggedIn(userID: admin.id, pin: "580214")
        try join()
        let link = try #require(try store.districtLink())
        #expect(link.kioskCode.rawValue == "K07" && link.villages == ["Kampung Fiksi"] && link.serverURL == "https://district.example:8443")
        #expect(throws: DistrictJoinError.alreadyLinked) { try join() }
        #expect(try store.auditEntries(actionPrefix: "district.enrol").first?.actor == "Admin Fiktif")
        store = try store.loggedIn(userID: fokal.id, pin: "902134")
        let after = try store.registerCase(from: sampleReport(name: "Sesudah"), draftID: UUID())
        #expect(after.number.description == "KG-2026-K07-0002")
        #expect(try store.caseRecord(id: before.id, viewer: .user(fokal))?.number.description == "KG-2026-0001")
        #expect(try store.outboxCount() > 0)
        #expect(!(try store.auditEntries().contains { $0.detail.contains("secret-token") }))
        #expect(!(try store.outbox().contains { String(describing: $0).contains("secret-token") }))
    }

    /// A store with "Admin Fiktif" (administrator and supervisor, PIN 580214) logged in.
    static func adminStore(_ dir: TempDir) throws -> KingaStore {
        let store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        return try store.acting(try store.addTestUser(name: "Admin Fiktif", roles: [.administrator, .supervisor], pin: "580214"))
    }

    /// Joins `store` (an administrator's handle) to a district as K07, with no server behind it.
    static func join(_ store: KingaStore) throws {
        try store.joinDistrict(serverURL: "https://district.example:8443", certificatePEM: "PEM", fingerprint: "AB:CD",
                               kioskCode: KioskCode("K07")!, kioskName: "Puskesmas Fiksi", villages: ["Kampung Fiksi"], token: "t")
    }

    @Test("a push numbers the waiting changes 1, 2, 3… with no gap, drops rows with nothing for the server, and keeps the numbers for a resend")
    func pushNumbering() throws {
        let dir = TempDir()
        let store = try Self.adminStore(dir)
        let admin = try #require(store.actor)
        #expect(throws: DistrictJoinError.notLinked) { try store.preparePush() }
        try Self.join(store)
        let c = try store.registerCase(from: sampleReport(name: "Amani"), draftID: UUID())
        // A wrong PIN: the account's failure counter is kiosk-only (no outbox row at all), its audit row travels.
        #expect(try store.withoutSession.login(userID: admin.id, pin: "000000") == .failed)
        try store.addNote(caseID: c.id, text: "Visited.")
        let push = try #require(try store.preparePush())
        #expect(push.kioskCode == KioskCode("K07") && push.fromSeq == 1)
        #expect(push.changes.map(\.kioskSeq) == Array(1...push.changes.count))
        #expect(try store.outbox(limit: 10_000).count == push.changes.count)          // the empty row was dropped
        #expect(try store.preparePush() == push)                                      // the same numbers again
        // Audit rows carry a UUID of their own, the same every time (device and sequence number).
        let auditIDs = push.changes.compactMap { change -> UUID? in
            if case .record(let r) = change.body, r.kind == .auditRow { return r.id } else { return nil }
        }
        #expect(!auditIDs.isEmpty && Set(auditIDs).count == auditIDs.count)
        // The server acknowledged the first two: the rest is the next push, from 3.
        let reply = PushReply(acceptedThrough: 2, applied: [1, 2], duplicates: [], serverSeq: 10, conflicts: [], refusal: nil)
        #expect(try store.takePushReply(reply) == .acknowledged(applied: 2, duplicates: 0))
        #expect(try store.preparePush()?.fromSeq == 3)
        #expect(try store.syncStanding().waiting == push.changes.count - 2)
        // A refusal acknowledges nothing (numbers the server holds may carry other changes), and is audited.
        let refused = PushReply(acceptedThrough: 2, applied: [], duplicates: [], serverSeq: 10, conflicts: [],
                                refusal: SyncRefusal(.gap, "Changes before 3 never arrived."))
        #expect(try store.takePushReply(refused) == .refused(SyncRefusal(.gap, "Changes before 3 never arrived.")))
        #expect(try store.auditEntries(actionPrefix: "sync.refused").first?.detail.contains("asked by Admin Fiktif") == true)
        #expect(try store.preparePush()?.fromSeq == 3)
        let replayed = PushReply(acceptedThrough: 9, applied: [], duplicates: [], serverSeq: 10, conflicts: [],
                                 refusal: SyncRefusal(.replayed, "Number 3 was already applied with other content."))
        #expect(try store.takePushReply(replayed) == .refused(SyncRefusal(.replayed, "Number 3 was already applied with other content.")))
        #expect(try store.preparePush()?.fromSeq == 3)
        #expect(try store.syncStanding().waiting == push.changes.count - 2)
    }

    @Test("a day of long notes goes in several pushes, each a page a slow link carries in time (under the server's limit too)")
    func pushesStayUnderTheRequestLimit() throws {
        let dir = TempDir()
        let store = try Self.adminStore(dir)
        try Self.join(store)
        let c = try store.registerCase(from: sampleReport(name: "Amani"), draftID: UUID())
        let long = String(repeating: "ሰላም ", count: 2_400)                  // 9,600 characters, 24 KB in UTF-8
        for _ in 0..<240 { try store.addNote(caseID: c.id, text: long) }      // 240 notes: about 6 MB, over the 4 MiB limit
        let push = try #require(try store.preparePush())
        #expect(try JSONEncoder().encode(push).count <= SyncLimits.pageBytes)
        #expect(push.changes.count >= 2, "a page holds as many changes as fit")
        let waiting = try store.syncStanding().waiting
        #expect(push.changes.count < SyncLimits.maxChangesPerPush && push.changes.count < waiting)
        // The rest follows in the next push, from the next number.
        let through = try #require(push.changes.last?.kioskSeq)
        try store.takePushReply(PushReply(acceptedThrough: through, applied: Array(1...through), duplicates: [], serverSeq: through,
                                          conflicts: [], refusal: nil))
        #expect(try store.preparePush()?.fromSeq == through + 1)
    }

    @Test("the longest report a kiosk can save travels: every value of its push is within the district link's limit")
    func theLongestReportTravels() throws {
        let dir = TempDir()
        let store = try Self.adminStore(dir)
        try Self.join(store)
        var r = sampleReport(name: String(repeating: "ሰ", count: TextLimits.line))
        let long = String(repeating: "ሰላም ", count: TextLimits.narrative / 4)          // 10,000 characters, 3 bytes each but the spaces
        r.caregiverConsent = .no; r.narrative = long; r.reasonWithoutConsent = String(repeating: "ሰ", count: TextLimits.line * 4); r.whenHappened = String(repeating: "ሰ", count: TextLimits.line)
        r.whereHappened = r.whenHappened; r.caregiver = r.whenHappened; r.reporterName = r.whenHappened; r.reporterContact = r.whenHappened
        try store.registerCase(from: r, draftID: UUID())
        let push = try #require(try store.preparePush())
        for change in push.changes {
            let values: [SyncValue]
            switch change.body {
            case .patch(let p): values = p.fields.values.map(\.new)
            case .record(let rec): values = Array(rec.payload.values)
            case .resolution(let res): values = [res.value]
            }
            #expect(values.allSatisfy { $0.byteCount <= SyncLimits.maxValueBytes })
        }
        #expect(SyncValidation.validate(push) == nil)
    }
}
