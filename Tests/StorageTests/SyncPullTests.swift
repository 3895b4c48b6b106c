import Foundation
import GRDB
import Model
@testable import Storage
import StoreTestSupport
import Testing

/// Issue #18, the kiosk's pull: what another kiosk pushed reaches this one through the door with the district as
/// actor, never over a change still waiting here, never back into the outbox, and conflicts show the safer value
/// until a supervisor decides. The "server" here is the Model's rules applied by hand (the real server's pull is
/// in ServerTests' PullClientTests).
@Suite("Pulling the district's changes (issue #18)")
struct SyncPullTests {
    /// A second kiosk ("Admin Dua", 580215), joined as `code`.
    static func otherKiosk(_ dir: TempDir, code: String) throws -> KingaStore {
        let store = try KingaStore(test: dir.path + "/other.sqlite", clock: pinned)
        return try store.acting(try store.addTestUser(name: "Admin Dua", roles: [.administrator, .supervisor], pin: "580215"))
    }

    static func join(_ store: KingaStore, _ code: String) throws {
        try store.joinDistrict(serverURL: "https://district.example:8443", certificatePEM: "PEM", fingerprint: "AB:CD",
                               kioskCode: KioskCode(code)!, kioskName: "Kiosk \(code)", villages: ["Kampung Fiksi"], token: "t")
    }

    /// What a server applying `push` as it is would send down, numbered from `first`.
    static func asPulled(_ push: PushRequest, first: Int) -> [ServerChange] { push.asPulled(first: first) }

    /// Registers "Amani" on `store` (joined, nothing waiting), pushes everything, acknowledged at server number n,
    /// and pulls it back: afterwards nothing of it waits. Returns the case and n.
    static func caseSyncedAndBack(_ store: KingaStore) throws -> (CaseRecord, Int) {
        let c = try store.registerCase(from: sampleReport(name: "Amani"), draftID: UUID())
        let made = try #require(try store.preparePush())
        let n = made.changes.count
        try store.takePushReply(PushReply(acceptedThrough: made.changes.last!.kioskSeq, applied: made.changes.map(\.kioskSeq), duplicates: [],
                                          serverSeq: n, conflicts: [], refusal: nil))
        try store.takePull(PullReply(changes: asPulled(made, first: 1), more: false, serverSeq: n), for: try store.preparePull())
        #expect(try store.syncStanding().acknowledged == 0)
        return (c, n)
    }

    @Test("another kiosk's case and note arrive with that kiosk's code in the number; nothing goes back up; a second pull changes nothing")
    func otherKiosksCasesArrive() throws {
        let dir = TempDir()
        let here = try DistrictJoinTests.adminStore(dir)
        let mine = try here.registerCase(from: sampleReport(name: "Amani"), draftID: UUID())          // KG-2026-0001, before joining
        try Self.join(here, "K07")
        let there = try Self.otherKiosk(dir, code: "K03")
        let theirs = try there.registerCase(from: sampleReport(name: "Zawadi Fiktif"), draftID: UUID())   // also KG-2026-0001
        try Self.join(there, "K03")
        try there.addNote(caseID: theirs.id, text: "Met the grandmother at the market.")
        let push = try #require(try there.preparePush())
        let changes = Self.asPulled(push, first: 1)
        let outboxBefore = try here.outbox(limit: 100_000).count
        let request = try here.preparePull()
        #expect(request.after == 0 && request.kioskCode == KioskCode("K07"))
        let got = try here.takePull(PullReply(changes: changes, more: false, serverSeq: changes.count), for: request)
        #expect(got.received == changes.count && got.changedHere >= 2, "\(got)")
        // Both cases are here, each under a number unique in the district.
        let arrived = try #require(try here.caseRecord(id: theirs.id, viewer: here.testViewer))
        #expect(arrived.number.description == "KG-2026-K03-0001")
        #expect(try here.caseRecord(id: mine.id, viewer: here.testViewer)?.number.description == "KG-2026-0001")
        let found = try here.caseList(CaseQuery(text: "zawadi"), after: nil, limit: 10, viewer: here.testViewer, today: pinned.today)
        #expect(found.map(\.summary.childName) == ["Zawadi Fiktif"])
        #expect(try here.events(caseID: theirs.id, viewer: here.testViewer).contains { $0.body == "Met the grandmother at the market." })
        // Nothing of it goes back up; the pull's own audit row does (the chain reaches the server whole), and the chain holds.
        let added = try here.outbox(limit: 100_000).dropFirst(outboxBefore)
        #expect(added.map(\.table) == ["audit_log"], "\(added.map(\.table))")
        #expect(try here.auditEntries(actionPrefix: "sync.pull").first?.detail.contains("asked by Admin Fiktif") == true)
        if case .broken(let seq, _) = try here.verifyAudit() { Issue.record("audit chain broken at \(seq)") }
        #expect(try here.pulledThrough() == changes.count)
        // The same changes again (a reply that was lost): nothing new.
        let again = try here.takePull(PullReply(changes: changes, more: false, serverSeq: changes.count), for: request)
        #expect(again.changedHere == 0, "\(again)")
        // Out of order: refused, nothing applied, the cursor stays.
        let shuffled = PullReply(changes: changes.reversed(), more: false, serverSeq: changes.count)
        #expect(throws: SyncRefusal.self) { try here.takePull(shuffled, for: try here.preparePull()) }
        #expect(try here.pulledThrough() == changes.count)
        // Nobody logged in: nothing is applied.
        #expect(throws: StoreError.accessDenied) { try here.withoutSession.takePull(PullReply(changes: [], more: false, serverSeq: 99), for: request) }
    }

    @Test("a change waiting here is never overwritten; other columns merge; a conflict shows the safer value until a supervisor resolves it")
    func waitingChangesAndConflicts() throws {
        let dir = TempDir()
        let here = try DistrictJoinTests.adminStore(dir)
        try Self.join(here, "K07")
        let (c, n) = try Self.caseSyncedAndBack(here)
        let answers = RiskAnswers(immediateDanger: true, harmerHasAccess: true, severity: .severe, frequency: .often, safeAdult: false, childViews: "")
        try here.recordAssessment(caseID: c.id, Assessment(answers: answers, chosen: .high, whyDifferent: ""))   // waits to go up
        let k03 = KioskCode("K03")!
        // Another kiosk changed the village and the risk of this case; the risk here has not gone up yet.
        let edit = FieldPatch(entity: .caseRecord, id: c.id, baseVersion: 1, fields: [
            "village": FieldChange(old: .string("Kampung Fiksi"), new: .string("Kampung Baru")),
            "risk_level": FieldChange(old: .null, new: .string("low")),
        ])
        let first = [ServerChange(serverSeq: n + 1, kiosk: k03, kioskSeq: 9, actor: "Fokal Tiga", patch: edit, record: nil, opened: [], resolved: [])]
        let got = try here.takePull(PullReply(changes: first, more: false, serverSeq: n + 1), for: try here.preparePull())
        #expect(got.keptWaiting == 1 && got.changedHere == 1, "\(got)")
        var now = try #require(try here.caseRecord(id: c.id, viewer: here.testViewer))
        #expect(now.village == "Kampung Baru" && now.risk == .high)
        // The timeline says who changed what, where (never sent back up: each kiosk writes its own line).
        let line = try #require(try here.events(caseID: c.id, viewer: here.testViewer).last { $0.fact?.kind == .changedElsewhere })
        #expect(line.summary == "Changed at kiosk K03 by Fokal Tiga" && line.body.contains("village") && !line.body.contains("risk"), "\(line.body)")
        // The risk goes up; the server keeps its "low" and opens a conflict with this kiosk's "high"... and another
        // kiosk's "medium" against the server's "low" later. Acknowledged at n + 10: pulled back at n + 11, forgotten.
        let push = try #require(try here.preparePush())
        #expect(push.changes.contains { if case .patch(let p) = $0.body { return p.id == c.id && p.fields["risk_level"] != nil } else { return false } })
        try here.takePushReply(PushReply(acceptedThrough: push.changes.last!.kioskSeq, applied: push.changes.map(\.kioskSeq), duplicates: [],
                                         serverSeq: n + 10, conflicts: [], refusal: nil))
        let conflict = SyncConflict(id: ConflictID(kiosk: KioskCode("K07")!, kioskSeq: 3, field: "risk_level"), kind: .value, entity: .caseRecord,
                                    rowID: c.id, field: "risk_level", base: .null, current: .string("low"), incoming: .string("high"), actor: "Admin Fiktif")
        let opened = ServerChange(serverSeq: n + 11, kiosk: KioskCode("K07")!, kioskSeq: 3, actor: "Admin Fiktif", patch: nil, record: nil,
                                  opened: [conflict], resolved: [])
        let second = try here.takePull(PullReply(changes: [opened], more: false, serverSeq: n + 11), for: try here.preparePull())
        #expect(second.conflictsOpened == 1)
        #expect(try here.syncStanding().conflicts == 1 && (try here.syncStanding().acknowledged) == 0)
        now = try #require(try here.caseRecord(id: c.id, viewer: here.testViewer))
        #expect(now.risk == .high)                                 // the safer of "low" (server) and "high" (this kiosk)
        // The queue: a supervisor sees it, a focal point may not; a value that is neither side's is refused.
        let fp = try here.addTestUser(name: "Fokal Fiktif", roles: [.focalPoint], pin: "902134")
        #expect(throws: StoreError.accessDenied) { try here.acting(fp).syncConflicts() }
        let queue = try here.syncConflicts()
        #expect(queue.count == 1 && queue.first?.caseNumber == c.number.description && queue.first?.childName == "Amani" && queue.first?.decided == nil)
        let item = try #require(queue.first)
        #expect(throws: CycleError.self) { try here.decideSyncConflict(item.id, value: .string("medium")) }
        #expect(throws: StoreError.accessDenied) { try here.acting(fp).decideSyncConflict(item.id, value: .string("high")) }
        // This kiosk's supervisor chooses "high": it waits to go up as a resolution; nobody else needs to decide here.
        try here.decideSyncConflict(item.id, value: .string("high"), note: "Home visit.")
        #expect(try here.syncConflicts().first?.decided == .string("high"))
        #expect(try here.syncStanding().conflicts == 0)
        #expect(throws: StoreError.notFound) { try here.decideSyncConflict(item.id, value: .string("low")) }
        let decision = try #require(try here.preparePush())
        #expect(decision.changes.contains {
            if case .resolution(let r) = $0.body { return r.conflict == conflict.id && r.value == .string("high") && r.note == "Home visit." }
            return false
        })
        // Meanwhile a supervisor at the district office decided "medium" first: the value everywhere, the conflict settled.
        let decided = FieldPatch(entity: .caseRecord, id: c.id, baseVersion: 4, fields: ["risk_level": FieldChange(old: .string("low"), new: .string("medium"))])
        let resolution = ServerChange(serverSeq: n + 12, kiosk: KioskCode("K01")!, kioskSeq: 1, actor: "Supervisor Fiktif", patch: decided, record: nil,
                                      opened: [], resolved: [conflict.id])
        let third = try here.takePull(PullReply(changes: [resolution], more: false, serverSeq: n + 12), for: try here.preparePull())
        #expect(third.conflictsResolved == 1)
        now = try #require(try here.caseRecord(id: c.id, viewer: here.testViewer))
        #expect(now.risk == .medium)
        #expect(try here.syncStanding().conflicts == 0)
        #expect(try here.syncConflicts().isEmpty)
    }

    @Test("a value chosen here while a conflict on it waits is not a decision: once it is back from the server, the safer value shows again (issue #19)")
    func aChoiceWhileAConflictWaitsIsNotADecision() throws {
        let dir = TempDir()
        let here = try DistrictJoinTests.adminStore(dir)
        try Self.join(here, "K07")
        let (c, n) = try Self.caseSyncedAndBack(here)
        // The server has "low"; K03's "high" waits as a conflict: here shows "high", as every kiosk does.
        let conflict = SyncConflict(id: ConflictID(kiosk: KioskCode("K03")!, kioskSeq: 4, field: "risk_level"), kind: .value, entity: .caseRecord,
                                    rowID: c.id, field: "risk_level", base: .null, current: .string("low"), incoming: .string("high"), actor: "Fokal Tiga")
        let opened = ServerChange(serverSeq: n + 1, kiosk: KioskCode("K03")!, kioskSeq: 4, actor: "Fokal Tiga", patch: nil, record: nil,
                                  opened: [conflict], resolved: [])
        try here.takePull(PullReply(changes: [opened], more: false, serverSeq: n + 1), for: try here.preparePull())
        #expect(try here.caseRecord(id: c.id, viewer: here.testViewer)?.risk == .high)
        // Someone here assesses "low", the server's own value: the server merges it as the same and sends no field back.
        let calm = RiskAnswers(immediateDanger: false, harmerHasAccess: false, severity: .mild, frequency: .once, safeAdult: true, childViews: "")
        try here.recordAssessment(caseID: c.id, Assessment(answers: calm, chosen: .low, whyDifferent: ""))
        #expect(try here.caseRecord(id: c.id, viewer: here.testViewer)?.risk == .low)   // until it has been synced
        let push = try #require(try here.preparePush())
        try here.takePushReply(PushReply(acceptedThrough: push.changes.last!.kioskSeq, applied: push.changes.map(\.kioskSeq), duplicates: [],
                                         serverSeq: n + 1 + push.changes.count, conflicts: [], refusal: nil))
        let back = Self.asPulled(push, first: n + 2).map { change -> ServerChange in
            var c = change
            c.patch?.fields["risk_level"] = nil
            if c.patch?.fields.isEmpty == true { c.patch = nil }
            return c
        }
        try here.takePull(PullReply(changes: back, more: false, serverSeq: n + 1 + push.changes.count), for: try here.preparePull())
        // Back from the server, with K03's "high" still waiting for a supervisor: "high" here too.
        #expect(try here.syncStanding().conflicts == 1)
        #expect(try here.caseRecord(id: c.id, viewer: here.testViewer)?.risk == .high)
    }

    @Test("a light echo of this kiosk's own change moves a waiting conflict's server value, as the whole change did (issue #19)")
    func lightEchoKeepsTheConflictsServerValue() throws {
        let dir = TempDir()
        let here = try DistrictJoinTests.adminStore(dir)
        try Self.join(here, "K07")
        let (c, n) = try Self.caseSyncedAndBack(here)
        // The server has "high"; K03's "low" waits as a conflict: here shows "high".
        let conflict = SyncConflict(id: ConflictID(kiosk: KioskCode("K03")!, kioskSeq: 4, field: "risk_level"), kind: .value, entity: .caseRecord,
                                    rowID: c.id, field: "risk_level", base: .null, current: .string("high"), incoming: .string("low"), actor: "Fokal Tiga")
        let opened = ServerChange(serverSeq: n + 1, kiosk: KioskCode("K03")!, kioskSeq: 4, actor: "Fokal Tiga", patch: nil, record: nil,
                                  opened: [conflict], resolved: [])
        try here.takePull(PullReply(changes: [opened], more: false, serverSeq: n + 1), for: try here.preparePull())
        #expect(try here.caseRecord(id: c.id, viewer: here.testViewer)?.risk == .high)
        // Someone here assesses "low"; the server applies it as sent: the district's value is now "low", the conflict waits.
        let calm = RiskAnswers(immediateDanger: false, harmerHasAccess: false, severity: .mild, frequency: .once, safeAdult: true, childViews: "")
        try here.recordAssessment(caseID: c.id, Assessment(answers: calm, chosen: .low, whyDifferent: "A fictional reason."))
        let push = try #require(try here.preparePush())
        try here.takePushReply(PushReply(acceptedThrough: push.changes.last!.kioskSeq, applied: push.changes.map(\.kioskSeq), duplicates: [],
                                         serverSeq: n + 1 + push.changes.count, conflicts: [], refusal: nil))
        // Back as light echoes: no columns, "applied as sent".
        let back = zip(Self.asPulled(push, first: n + 2), push.changes).map { $0.0.echo(of: $0.1) }
        #expect(back.contains { $0.patch?.entity == .caseRecord && $0.patch?.fields.isEmpty == true })
        try here.takePull(PullReply(changes: back, more: false, serverSeq: n + 1 + push.changes.count), for: try here.preparePull())
        // Both sides of the conflict are now "low", as on every other kiosk, which received the change whole.
        #expect(try here.syncConflicts().first?.conflict.current == .string("low"))
        #expect(try here.caseRecord(id: c.id, viewer: here.testViewer)?.risk == .low)
    }

    @Test("a change acknowledged late (a resend after a lost reply) does not shield its column from a later change of another kiosk")
    func lateAcknowledgementShieldsNothing() throws {
        let dir = TempDir()
        let here = try DistrictJoinTests.adminStore(dir)
        try Self.join(here, "K07")
        let (c, n) = try Self.caseSyncedAndBack(here)
        let answers = RiskAnswers(immediateDanger: true, harmerHasAccess: true, severity: .severe, frequency: .often, safeAdult: false, childViews: "")
        try here.recordAssessment(caseID: c.id, Assessment(answers: answers, chosen: .high, whyDifferent: ""))
        // Applied at n+1…; the reply was lost; K03 then set the risk to low; the resend is acknowledged as a duplicate at
        // the server's latest number, after K03's change and one more.
        let push = try #require(try here.preparePush())
        let mine = Self.asPulled(push, first: n + 1)
        let theirs = ServerChange(serverSeq: n + 1 + mine.count, kiosk: KioskCode("K03")!, kioskSeq: 4, actor: "Fokal Tiga",
                                  patch: FieldPatch(entity: .caseRecord, id: c.id, baseVersion: 5,
                                                    fields: ["risk_level": FieldChange(old: .string("high"), new: .string("low"))]),
                                  record: nil, opened: [], resolved: [])
        try here.takePushReply(PushReply(acceptedThrough: push.changes.last!.kioskSeq, applied: [], duplicates: push.changes.map(\.kioskSeq),
                                         serverSeq: theirs.serverSeq + 1, conflicts: [], refusal: nil))
        // (The change at theirs + 1 is another village's: not in this kiosk's pull.)
        try here.takePull(PullReply(changes: mine + [theirs], more: false, serverSeq: theirs.serverSeq + 1), for: try here.preparePull())
        // The server applied K03's after this kiosk's: low, as on the server.
        #expect(try here.caseRecord(id: c.id, viewer: here.testViewer)?.risk == .low)
        #expect(try here.syncStanding().acknowledged == 0)
    }

    @Test("a change this database refuses (a status this version does not know) is skipped and named; the changes after it still arrive")
    func aRefusedChangeNeverBlocksThePull() throws {
        let dir = TempDir()
        let here = try DistrictJoinTests.adminStore(dir)
        try Self.join(here, "K07")
        let (c, n) = try Self.caseSyncedAndBack(here)
        let k03 = KioskCode("K03")!
        func change(_ seq: Int, _ fields: [String: FieldChange]) -> ServerChange {
            ServerChange(serverSeq: seq, kiosk: k03, kioskSeq: seq, actor: "Fokal Tiga",
                         patch: FieldPatch(entity: .caseRecord, id: c.id, baseVersion: seq, fields: fields), record: nil, opened: [], resolved: [])
        }
        let poison = change(n + 1, ["status": FieldChange(old: .string("open"), new: .string("archived-in-a-later-version"))])
        let good = change(n + 2, ["caregiver": FieldChange(old: .string("Grandmother"), new: .string("Ibu Sari"))])
        let got = try here.takePull(PullReply(changes: [poison, good], more: false, serverSeq: n + 2), for: try here.preparePull())
        #expect(got.notApplied == 1 && got.received == 2, "\(got)")
        let now = try #require(try here.caseRecord(id: c.id, viewer: here.testViewer))
        #expect(now.status == .open && now.caregiver == "Ibu Sari")
        #expect(try here.pulledThrough() == n + 2)
        #expect(try here.auditEntries(actionPrefix: "sync.pull").first?.detail.contains("not applied here: server \(n + 1)") == true)
        // Kept whole for a later version.
        let kept = try here.pool.read { try String.fetchAll($0, sql: "SELECT change_json FROM sync_unapplied") }
        #expect(kept.count == 1 && kept[0].contains("archived-in-a-later-version"))
    }

    @Test("people from the district arrive with no PIN here and cannot log in; an administrator sets one with them; switched off at another kiosk, they lose it here")
    func peopleFromTheDistrict() throws {
        let dir = TempDir()
        // A real kiosk, encrypted with a key-slot file (Ayu Admin, 482916), joined as K07.
        let (path, admin) = try KioskLockTests.newKiosk(dir)
        guard case .success(let here, _) = try KioskLockTests.locked(path).unlock(userID: admin, pin: "482916") else { Issue.record("unlock"); return }
        try Self.join(here, "K07")
        let there = try Self.otherKiosk(dir, code: "K03")                                  // Admin Dua at K03
        let tiga = try there.addTestUser(name: "Fokal Tiga", roles: [.focalPoint], pin: "730519")
        let namesake = try there.addTestUser(name: "ayu admin", roles: [.focalPoint], pin: "730520")
        try Self.join(there, "K03")
        let push = try #require(try there.preparePush())
        let got = try here.takePull(PullReply(changes: Self.asPulled(push, first: 1), more: false, serverSeq: push.changes.count),
                                    for: try here.preparePull())
        #expect(got.notApplied == 0, "\(got)")
        // Listed for the administrator, never on the login screen; no PIN opens their account or the database here.
        let people = try here.people()
        #expect(people.first { $0.id == tiga.id }?.pinHere == false)
        #expect(people.first { $0.id == namesake.id }?.name == "ayu admin (K03)", "a name taken here gets the kiosk's code")
        #expect(try here.users().map(\.name) == ["Ayu Admin"])
        #expect(try KioskLockTests.locked(path).users.map(\.name) == ["Ayu Admin"])
        // K03's administrator is listed here too, but only K03 can switch them off.
        let dua = try #require(there.actor)
        #expect(throws: UserError.administratorOfAnotherKiosk) { try here.deactivateUser(dua.id) }
        #expect(try here.people().contains { $0.id == dua.id })
        guard case .failed = try here.login(userID: tiga.id, pin: "730519") else { Issue.record("a PIN set at K03 opened K07"); return }
        guard case .failed = try KioskLockTests.locked(path).unlock(userID: tiga.id, pin: "730519") else { Issue.record("K03's PIN unlocked K07"); return }
        // The administrator here sets a PIN with Fokal Tiga: now it logs in and opens the database.
        let outboxBefore = try here.outbox(limit: 100_000).count
        try here.setPIN(userID: tiga.id, newPIN: "264813", oldPIN: nil)
        guard case .success(_, let u) = try KioskLockTests.locked(path).unlock(userID: tiga.id, pin: "264813") else {
            Issue.record("the PIN set here does not unlock"); return
        }
        #expect(u.name == "Fokal Tiga" && u.roles == [.focalPoint])
        #expect(try here.users().contains { $0.id == tiga.id })
        // The PIN stays here: nothing that goes up carries it.
        for e in try here.outbox(limit: 100_000).dropFirst(outboxBefore) {
            #expect(e.new?["pin_hash"] == nil && e.old?["pin_hash"] == nil, "\(e.table) \(e.op)")
        }
        // Switched off at K03: after the next pull Fokal Tiga can no longer log in here, and their slot is gone.
        let sent = push.changes.count
        try there.takePushReply(PushReply(acceptedThrough: push.changes.last!.kioskSeq, applied: push.changes.map(\.kioskSeq), duplicates: [],
                                          serverSeq: sent, conflicts: [], refusal: nil))
        try there.deactivateUser(tiga.id)
        let off = try #require(try there.preparePush())
        try here.takePull(PullReply(changes: Self.asPulled(off, first: sent + 1), more: false, serverSeq: sent + off.changes.count),
                          for: try here.preparePull())
        #expect(try here.people().contains { $0.id == tiga.id } == false)
        #expect(try KioskLockTests.locked(path).users.map(\.name) == ["Ayu Admin"])
        guard case .failed = try KioskLockTests.locked(path).unlock(userID: tiga.id, pin: "264813") else {
            Issue.record("switched off at K03, still unlocks K07"); return
        }
    }
}
