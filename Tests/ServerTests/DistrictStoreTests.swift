import Crypto
import Foundation
@testable import KingaServer
import Model
import PostgresNIO
import XCTest

/// The store against a real PostgreSQL (no HTTP): a push applied, a resent push acknowledged and not applied
/// again, a gap refused with nothing applied, a same-field disagreement from two kiosks becoming a conflict, a
/// pull in the server's order, a revoked kiosk refused.
final class DistrictStoreTests: PostgresTestCase {
    static let caseID = UUID(uuidString: "00000000-0000-0000-0000-00000000C001")!
    static let k1 = KioskCode("K01")!, k2 = KioskCode("K02")!

    func patch(_ seq: Int, base: Int, _ fields: [String: (SyncValue, SyncValue)], id: UUID = caseID, actor: String = "amina") -> SyncChange {
        SyncChange(kioskSeq: seq, actor: actor, madeAt: "2026-03-02T09:00:00Z",
                   body: .patch(FieldPatch(entity: .caseRecord, id: id, baseVersion: base,
                                           fields: fields.mapValues { FieldChange(old: $0.0, new: $0.1) })))
    }

    func note(_ seq: Int, id: UUID, body: String, caseID: UUID = caseID) -> SyncChange {
        SyncChange(kioskSeq: seq, actor: "amina", body: .record(SyncRecord(kind: .timelineEntry, id: id, caseID: caseID,
                                                                          payload: ["fact": .string("note"), "body": .string(body)])))
    }

    /// A store with kiosks K01 and K02.
    func withStore(_ body: (DistrictStore, KioskRegistry, PostgresClient) async throws -> Void) async throws {
        try await withDatabase { client, _, _ in
            let registry = KioskRegistry(client: client, logger: Self.logger)
            _ = try await registry.add(name: "Puskesmas Fiksi", code: Self.k1, villages: ["Kampung Fiksi"])
            _ = try await registry.add(name: "SD Contoh", code: Self.k2, villages: ["Desa Contoh"])
            try await body(DistrictStore(client: client, logger: Self.logger), registry, client)
        }
    }

    func count(_ client: PostgresClient, _ table: String) async throws -> Int {
        let rows = try await client.query("SELECT count(*) FROM \(unescaped: table)")
        for try await (n) in rows.decode(Int64.self) { return Int(n) }
        return -1
    }

    func testPushIsAppliedAndStored() async throws {
        try await withStore { store, _, client in
            let push = PushRequest(kioskCode: Self.k1, fromSeq: 1, changes: [
                patch(1, base: 0, ["risk_level": (.null, .string("high")), "village": (.null, .string("Kampung Fiksi"))]),
                note(2, id: UUID(), body: "First visit."),
            ])
            let reply = try await store.push(body: try JSONEncoder().encode(push), from: Self.k1)
            XCTAssertNil(reply.refusal)
            XCTAssertEqual(reply.applied, [1, 2])
            XCTAssertEqual(reply.acceptedThrough, 2)
            XCTAssertEqual(reply.serverSeq, 2)
            let values = try await store.values(.caseRecord, Self.caseID)
            XCTAssertEqual(values["risk_level"], .string("high"))
            let records = try await count(client, "sync_record"), log = try await count(client, "change_log")
            XCTAssertEqual(records, 1)
            XCTAssertEqual(log, 2)
        }
    }

    func testResentPushIsAcknowledgedNotReapplied() async throws {
        try await withStore { store, _, client in
            let push = PushRequest(kioskCode: Self.k1, fromSeq: 1, changes: [
                patch(1, base: 0, ["risk_level": (.null, .string("low"))]), note(2, id: UUID(), body: "Visit."),
            ])
            _ = try await store.push(push, from: Self.k1)
            // The reply was lost: the kiosk sends the same push again, with one more change.
            var again = push
            again.changes.append(patch(3, base: 1, ["risk_level": (.string("low"), .string("medium"))]))
            let reply = try await store.push(again, from: Self.k1)
            XCTAssertNil(reply.refusal)
            XCTAssertEqual(reply.duplicates, [1, 2])
            XCTAssertEqual(reply.applied, [3])
            XCTAssertEqual(reply.acceptedThrough, 3)
            let log = try await count(client, "change_log"), records = try await count(client, "sync_record")
            XCTAssertEqual(log, 3)
            XCTAssertEqual(records, 1)
            // The same number with other content is a replay: refused, nothing applied.
            var forged = push
            forged.changes[0] = patch(1, base: 0, ["risk_level": (.null, .string("high"))])
            let refused = try await store.push(forged, from: Self.k1)
            XCTAssertEqual(refused.refusal?.reason, .replayed)
            XCTAssertEqual(refused.acceptedThrough, 3)
            let values = try await store.values(.caseRecord, Self.caseID)
            XCTAssertEqual(values["risk_level"], .string("medium"))
        }
    }

    func testGapIsRefusedWithNothingApplied() async throws {
        try await withStore { store, _, client in
            let gap = PushRequest(kioskCode: Self.k1, fromSeq: 3, changes: [patch(3, base: 0, ["risk_level": (.null, .string("high"))])])
            let reply = try await store.push(gap, from: Self.k1)
            XCTAssertEqual(reply.refusal?.reason, .gap)
            XCTAssertEqual(reply.acceptedThrough, 0)
            XCTAssertEqual(reply.applied, [])
            // Numbered with a hole inside the push: refused whole, the first change too.
            let holed = PushRequest(kioskCode: Self.k1, fromSeq: 1, changes: [patch(1, base: 0, ["urgent": (.null, .bool(true))]),
                                                                               patch(3, base: 1, ["urgent": (.bool(true), .bool(false))])])
            let second = try await store.push(holed, from: Self.k1)
            XCTAssertEqual(second.refusal?.reason, .outOfOrder)
            let log = try await count(client, "change_log"), rows = try await count(client, "sync_row")
            XCTAssertEqual(log, 0)
            XCTAssertEqual(rows, 0)
            // Malformed and foreign pushes are refused the same way, never thrown at the caller.
            let junk = try await store.push(body: Data("{\"format\":1,\"changes\":".utf8), from: Self.k1)
            XCTAssertEqual(junk.refusal?.reason, .malformed)
            let other = try await store.push(PushRequest(kioskCode: Self.k2, fromSeq: 1, changes: []), from: Self.k1)
            XCTAssertEqual(other.refusal?.reason, .malformed)
            let nul = try await store.push(PushRequest(kioskCode: Self.k1, fromSeq: 1, changes: [note(1, id: UUID(), body: "a\u{0}b")]), from: Self.k1)
            XCTAssertEqual(nul.refusal?.reason, .malformed)
            let after = try await count(client, "change_log")
            XCTAssertEqual(after, 0)
        }
    }

    func testSameFieldDisagreementBecomesConflictAndDifferentFieldsMerge() async throws {
        try await withStore { store, _, _ in
            let created = try await store.push(PushRequest(kioskCode: Self.k1, fromSeq: 1, changes: [
                patch(1, base: 0, ["risk_level": (.null, .string("low")), "caregiver": (.null, .string("Ibu Sari"))]),
            ]), from: Self.k1)
            XCTAssertEqual(created.applied, [1])
            // Both kiosks start from version 1. K01 raises the risk to medium; K02, offline, to high and also
            // corrects the caregiver.
            _ = try await store.push(PushRequest(kioskCode: Self.k1, fromSeq: 2, changes: [
                patch(2, base: 1, ["risk_level": (.string("low"), .string("medium"))]),
            ]), from: Self.k1)
            let reply = try await store.push(PushRequest(kioskCode: Self.k2, fromSeq: 1, changes: [
                patch(1, base: 1, ["risk_level": (.string("low"), .string("high")), "caregiver": (.string("Ibu Sari"), .string("Pak Budi"))],
                      actor: "budi"),
            ]), from: Self.k2)
            XCTAssertNil(reply.refusal)
            XCTAssertEqual(reply.conflicts.count, 1)
            let conflict = try XCTUnwrap(reply.conflicts.first)
            XCTAssertEqual(conflict.kind, .value)
            XCTAssertEqual(conflict.field, "risk_level")
            XCTAssertEqual(conflict.current, .string("medium"))
            XCTAssertEqual(conflict.incoming, .string("high"))
            XCTAssertEqual(conflict.base, .string("low"))
            let values = try await store.values(.caseRecord, Self.caseID)
            XCTAssertEqual(values["risk_level"], .string("medium"), "the server's value stays until a supervisor decides")
            XCTAssertEqual(values["caregiver"], .string("Pak Budi"), "a different field merges")
            let open = try await store.openConflicts()
            XCTAssertEqual(open, [conflict])
            // A supervisor resolves it (from K01): the value is set and the conflict closes.
            let resolved = try await store.push(PushRequest(kioskCode: Self.k1, fromSeq: 3, changes: [
                SyncChange(kioskSeq: 3, actor: "supervisor", body: .resolution(ConflictResolution(conflict: conflict.id, value: .string("high"), note: "Home visit."))),
            ]), from: Self.k1)
            XCTAssertEqual(resolved.applied, [3])
            let after = try await store.values(.caseRecord, Self.caseID)
            XCTAssertEqual(after["risk_level"], .string("high"))
            let still = try await store.openConflicts()
            XCTAssertEqual(still, [])
            let pulled = try await store.pull(for: Self.k2, after: 0)
            XCTAssertEqual(pulled.changes.last?.resolved, [conflict.id])
        }
    }

    func testPullFollowsServerOrder() async throws {
        try await withStore { store, _, _ in
            let other = UUID()
            for round in 0..<3 {
                _ = try await store.push(PushRequest(kioskCode: Self.k1, fromSeq: round + 1, changes: [note(round + 1, id: UUID(), body: "K01 \(round)")]), from: Self.k1)
                _ = try await store.push(PushRequest(kioskCode: Self.k2, fromSeq: round + 1, changes: [
                    // The case is in K01's village, so K01's pull carries it.
                    patch(round + 1, base: round, ["urgent": (round == 0 ? .null : .bool(round % 2 == 0), .bool(round % 2 == 1))]
                          .merging(round == 0 ? ["village": (.null, .string("Kampung Fiksi"))] : [:]) { a, _ in a }, id: other),
                ]), from: Self.k2)
            }
            let first = try await store.pull(for: Self.k1, after: 0, limit: 4)
            XCTAssertEqual(first.changes.map(\.serverSeq), [1, 2, 3, 4])
            XCTAssertTrue(first.more)
            XCTAssertEqual(first.serverSeq, 6)
            XCTAssertEqual(first.changes.map(\.kiosk), [Self.k1, Self.k2, Self.k1, Self.k2])
            let rest = try await store.pull(for: Self.k1, after: 4, limit: 4)
            XCTAssertEqual(rest.changes.map(\.serverSeq), [5, 6])
            XCTAssertFalse(rest.more)
            XCTAssertNil(SyncValidation.validate(rest, for: PullRequest(kioskCode: Self.k1, after: 4, limit: 4)))
            XCTAssertEqual(rest.changes[1].patch?.fields["urgent"]?.new, .bool(false))
            let none = try await store.pull(for: Self.k2, after: 6)
            XCTAssertEqual(none.changes, [])
            XCTAssertEqual(none.serverSeq, 6)
            // Pages by bytes, as a kiosk on a slow link asks (`SyncLimits.pageBytes`): never empty, cut with `more`,
            // and the pages together are the whole.
            let one = try await store.pull(for: Self.k1, after: 0, maxBytes: 1)
            XCTAssertEqual(one.changes.map(\.serverSeq), [1])
            XCTAssertTrue(one.more)
            var seen: [Int] = [], after = 0
            while true {
                let page = try await store.pull(for: Self.k1, after: after, maxBytes: 600)
                XCTAssertFalse(page.changes.isEmpty)
                seen += page.changes.map(\.serverSeq)
                after = page.changes.last?.serverSeq ?? after
                if !page.more { break }
            }
            XCTAssertEqual(seen, [1, 2, 3, 4, 5, 6])
        }
    }

    func testConcurrentPushesAreSerialised() async throws {
        try await withStore { store, registry, _ in
            try await withThrowingTaskGroup(of: PushReply.self) { group in
                for kiosk in [Self.k1, Self.k2] {
                    group.addTask {
                        var last = PushReply(acceptedThrough: 0, applied: [], duplicates: [], serverSeq: 0, conflicts: [], refusal: nil)
                        for seq in 1...10 {
                            let change = SyncChange(kioskSeq: seq, actor: "a", body: .record(SyncRecord(kind: .timelineEntry, id: UUID(), caseID: nil, payload: ["n": .int(seq)])))
                            last = try await store.push(PushRequest(kioskCode: kiosk, fromSeq: seq, changes: [change]), from: kiosk)
                        }
                        return last
                    }
                }
                for try await reply in group { XCTAssertEqual(reply.acceptedThrough, 10) }
            }
            // A supervisor's kiosk (the whole district) sees both kiosks' entries.
            _ = try await registry.add(name: "Kantor Dinas", code: KioskCode("K09")!, villages: [], wholeDistrict: true)
            let all = try await store.pull(for: KioskCode("K09")!, after: 0)
            XCTAssertEqual(all.changes.map(\.serverSeq), Array(1...20), "no hole and no repeat in the server's order")
            // An audit row is kept (each kiosk's chain is here) but never sent down: kiosks keep their own chains.
            let audit = SyncChange(kioskSeq: 11, actor: "a", body: .record(SyncRecord(kind: .auditRow, id: UUID(), caseID: nil, payload: ["seq": .int(1)])))
            let kept = try await store.push(PushRequest(kioskCode: Self.k1, fromSeq: 11, changes: [audit]), from: Self.k1)
            XCTAssertEqual(kept.applied, [11])
            let after = try await store.pull(for: Self.k2, after: 20)
            XCTAssertEqual(after.changes, [])
            XCTAssertEqual(after.serverSeq, 21)
        }
    }

    func testEnrolmentCodeIsSingleUseAndExpires() async throws {
        try await withStore { _, registry, _ in
            let added = try await registry.add(name: "Posyandu", code: KioskCode("K04")!, villages: ["Kampung Fiksi"])
            let enrolled = try await registry.redeem(added.enrolmentCode.lowercased())
            XCTAssertEqual(enrolled.kioskCode, KioskCode("K04"))
            XCTAssertEqual(enrolled.villages, ["Kampung Fiksi"])
            try await registry.authenticate(code: enrolled.kioskCode, token: enrolled.token, message: Data(), signature: nil)
            do {
                try await registry.authenticate(code: enrolled.kioskCode, token: added.token, message: Data(), signature: nil)
                XCTFail("the token from kiosk add still works after enrolment")
            } catch let e as KioskRegistryError { XCTAssertEqual(e, .notAuthenticated) }
            do {
                _ = try await registry.redeem(added.enrolmentCode)
                XCTFail("an enrolment code was used twice")
            } catch let e as KioskRegistryError { XCTAssertEqual(e, .enrolmentRefused) }
            let old = try await registry.add(name: "Late", code: KioskCode("K05")!, villages: [], validFor: 3600, now: Date().addingTimeInterval(-7200))
            do {
                _ = try await registry.redeem(old.enrolmentCode)
                XCTFail("an expired enrolment code was accepted")
            } catch let e as KioskRegistryError { XCTAssertEqual(e, .enrolmentRefused) }
        }
    }

    /// A kiosk that enrolled with its own Ed25519 key is heard only when a request is signed with that key, over
    /// exactly the bytes it sent; a kiosk enrolled without one keeps its token alone.
    func testAKioskWithAKeyMustSign() async throws {
        try await withStore { _, registry, _ in
            let added = try await registry.add(name: "Posyandu", code: KioskCode("K04")!, villages: [])
            let key = Curve25519.Signing.PrivateKey()
            let enrolled = try await registry.redeem(added.enrolmentCode, publicKey: key.publicKey.rawRepresentation)
            let message = RequestSignature.message(method: "GET", target: "/v1/pull?after=0&limit=1000", kiosk: enrolled.kioskCode, body: Data())
            let good = try key.signature(for: message).base64EncodedString()
            try await registry.authenticate(code: enrolled.kioskCode, token: enrolled.token, message: message, signature: good)
            let other = try Curve25519.Signing.PrivateKey().signature(for: message).base64EncodedString()
            let elsewhere = RequestSignature.message(method: "GET", target: "/v1/pull?after=5&limit=1000", kiosk: enrolled.kioskCode, body: Data())
            for (signature, signed, what) in [(nil, message, "unsigned"), (other, message, "another key"), ("not base64!", message, "garbage"),
                                              (good, elsewhere, "another request")] {
                do {
                    try await registry.authenticate(code: enrolled.kioskCode, token: enrolled.token, message: signed, signature: signature)
                    XCTFail("\(what) was accepted")
                } catch let e as KioskRegistryError { XCTAssertEqual(e, .badSignature(enrolled.kioskCode)) }
            }
            // The signature does not stand in for the token.
            do {
                try await registry.authenticate(code: enrolled.kioskCode, token: added.token, message: message, signature: good)
                XCTFail("an old token with a good signature was accepted")
            } catch let e as KioskRegistryError { XCTAssertEqual(e, .notAuthenticated) }
        }
    }

    func testRevokedKioskCanNeitherPushNorPull() async throws {
        try await withStore { store, registry, _ in
            let k3 = KioskCode("K03")!
            let added = try await registry.add(name: "Kantor Desa", code: k3, villages: [])
            try await registry.authenticate(code: k3, token: added.token, message: Data(), signature: nil)
            do {
                try await registry.authenticate(code: k3, token: added.token + "x", message: Data(), signature: nil)
                XCTFail("a wrong token was accepted")
            } catch let e as KioskRegistryError { XCTAssertEqual(e, .notAuthenticated) }
            let revoked = try await registry.revoke(k3)
            XCTAssertTrue(revoked)
            do {
                try await registry.authenticate(code: k3, token: added.token, message: Data(), signature: nil)
                XCTFail("a revoked kiosk was accepted")
            } catch let e as KioskRegistryError { XCTAssertEqual(e, .notAuthenticated) }
            do {
                _ = try await store.push(PushRequest(kioskCode: k3, fromSeq: 1, changes: [note(1, id: UUID(), body: "x")]), from: k3)
                XCTFail("a revoked kiosk pushed")
            } catch let e as StoreRefusal { XCTAssertEqual(e, .revoked(k3)) }
            do {
                _ = try await store.pull(for: k3, after: 0)
                XCTFail("a revoked kiosk pulled")
            } catch let e as StoreRefusal { XCTAssertEqual(e, .revoked(k3)) }
            do {
                _ = try await registry.add(name: "again", code: Self.k1, villages: [])
                XCTFail("a kiosk code was given twice")
            } catch let e as KioskRegistryError { XCTAssertEqual(e, .codeTaken(Self.k1)) }
        }
    }

    /// Issue #18, the catchment: a kiosk gets the directory, its villages' cases and the cases it holds, never another
    /// village's; a supervisor's kiosk gets every case; a case moving into a kiosk's villages is sent to it whole, and
    /// the kiosk it left keeps receiving its changes.
    func testPullsFollowTheCatchment() async throws {
        try await withStore { store, registry, _ in
            _ = try await registry.add(name: "Kantor Dinas", code: KioskCode("K09")!, villages: [], wholeDistrict: true)
            let other = UUID(uuidString: "00000000-0000-0000-0000-00000000C002")!
            let provider = UUID()
            func seen(_ k: KioskCode, after: Int = 0) async throws -> [ServerChange] { try await store.pull(for: k, after: after).changes }
            func cases(_ changes: [ServerChange]) -> Set<UUID> { Set(changes.compactMap { $0.patch?.entity == .caseRecord ? $0.patch?.id : $0.record?.caseID }) }
            // K01 makes a case in its village, with a note; K02 makes one in its own; K01 adds a service provider.
            _ = try await store.push(PushRequest(kioskCode: Self.k1, fromSeq: 1, changes: [
                patch(1, base: 0, ["id": (.null, .string(Self.caseID.uuidString)), "village": (.null, .string("Kampung Fiksi")), "child_name": (.null, .string("Amani"))]),
                note(2, id: UUID(), body: "First visit."),
                SyncChange(kioskSeq: 3, actor: "amina", body: .patch(FieldPatch(entity: .provider, id: provider, baseVersion: 0,
                                                                                fields: ["name": FieldChange(old: .null, new: .string("Klinik Fiksi"))]))),
            ]), from: Self.k1)
            _ = try await store.push(PushRequest(kioskCode: Self.k2, fromSeq: 1, changes: [
                patch(1, base: 0, ["id": (.null, .string(other.uuidString)), "village": (.null, .string("Desa Contoh")), "child_name": (.null, .string("Zawadi"))], id: other),
            ]), from: Self.k2)
            let atK1 = try await seen(Self.k1), atK2 = try await seen(Self.k2), atK9 = try await seen(KioskCode("K09")!)
            XCTAssertEqual(cases(atK1), [Self.caseID])
            XCTAssertEqual(cases(atK2), [other])
            XCTAssertEqual(cases(atK9), [Self.caseID, other])
            XCTAssertTrue(atK2.contains { $0.patch?.id == provider }, "the directory goes to every kiosk")
            let k2Cursor = atK2.last!.serverSeq
            // The family moves: K01 changes the village to K02's. K02 is sent the case whole (row and note), after the move.
            _ = try await store.push(PushRequest(kioskCode: Self.k1, fromSeq: 4, changes: [
                patch(4, base: 1, ["village": (.string("Kampung Fiksi"), .string("Desa Contoh"))]),
            ]), from: Self.k1)
            let moved = try await seen(Self.k2, after: k2Cursor)
            XCTAssertEqual(cases(moved), [Self.caseID])
            let whole = try XCTUnwrap(moved.first { $0.patch?.fields["id"] != nil })
            XCTAssertEqual(whole.patch?.fields["child_name"]?.new, .string("Amani"))
            XCTAssertEqual(whole.patch?.fields["village"]?.new, .string("Desa Contoh"))
            XCTAssertTrue(KioskPull.creates(try XCTUnwrap(whole.patch)))
            XCTAssertTrue(moved.contains { $0.record?.payload["body"] == .string("First visit.") })
            let atK1Now = try await seen(Self.k1)
            XCTAssertFalse(atK1Now.contains { $0.patch?.fields["id"] != nil && $0.serverSeq > 5 }, "only K02 gets the whole case")
            // A village typed another way is the same village: K02's new case in "KAMPUNG  fiksi " reaches K01.
            let third = UUID()
            _ = try await store.push(PushRequest(kioskCode: Self.k2, fromSeq: 2, changes: [
                patch(2, base: 0, ["id": (.null, .string(third.uuidString)), "village": (.null, .string("KAMPUNG  fiksi ")), "child_name": (.null, .string("Sari"))], id: third),
            ]), from: Self.k2)
            let atK1Third = try await seen(Self.k1)
            XCTAssertTrue(cases(atK1Third).contains(third))
            // K02 writes on it; K01, which held it, still receives that.
            _ = try await store.push(PushRequest(kioskCode: Self.k2, fromSeq: 3, changes: [
                patch(3, base: 2, ["caregiver": (.null, .string("Ibu Sari"))]),
            ]), from: Self.k2)
            let atK1Later = try await seen(Self.k1)
            XCTAssertTrue(atK1Later.contains { $0.patch?.fields["caregiver"]?.new == .string("Ibu Sari") })
        }
    }

    /// Issue #19, "a case moved out of a kiosk's catchment while it has unsent edits (edits are accepted or sent to
    /// review, never dropped)": K04 holds a case only because it is in its village; the supervisor moves it to another
    /// village and sets its risk level; K04, offline all along, then sends a note and another risk level written on
    /// the case as it was. The note is applied, the other risk level becomes a conflict for a supervisor, K04 keeps the
    /// case and learns of the move, and the kiosk of the new village receives K04's note.
    func testEditsOnACaseThatLeftTheKiosksVillagesAreNeverDropped() async throws {
        try await withStore { store, registry, _ in
            let k4 = KioskCode("K04")!, k9 = KioskCode("K09")!
            _ = try await registry.add(name: "Posyandu Fiksi", code: k4, villages: ["Kampung Fiksi"])
            _ = try await registry.add(name: "Kantor Dinas", code: k9, villages: [], wholeDistrict: true)
            _ = try await store.push(PushRequest(kioskCode: Self.k1, fromSeq: 1, changes: [
                patch(1, base: 0, ["id": (.null, .string(Self.caseID.uuidString)), "village": (.null, .string("Kampung Fiksi")),
                                   "child_name": (.null, .string("Amani")), "risk_level": (.null, .string("medium"))]),
            ]), from: Self.k1)
            let atK4 = try await store.pull(for: k4, after: 0)
            XCTAssertTrue(atK4.changes.contains { $0.patch?.id == Self.caseID }, "K04 holds the case by its village")
            let k2Cursor = try await store.pull(for: Self.k2, after: 0).serverSeq
            // The supervisor moves the family to Desa Contoh (K02's village) and marks the risk low.
            let moved = try await store.push(PushRequest(kioskCode: k9, fromSeq: 1, changes: [
                patch(1, base: 1, ["village": (.string("Kampung Fiksi"), .string("Desa Contoh")), "risk_level": (.string("medium"), .string("low"))], actor: "Ibu Supervisor"),
            ]), from: k9)
            XCTAssertNil(moved.refusal)
            // K04, offline since, sends what it wrote on the case as it knew it.
            let noteID = UUID()
            let late = try await store.push(PushRequest(kioskCode: k4, fromSeq: 1, changes: [
                patch(1, base: 1, ["risk_level": (.string("medium"), .string("high"))], actor: "Fokal Empat"),
                note(2, id: noteID, body: "The child says the uncle came back."),
            ]), from: k4)
            XCTAssertNil(late.refusal, "edits on a case that left the kiosk's villages are accepted")
            XCTAssertEqual(late.applied, [1, 2])
            let conflicts = try await store.openConflicts()
            XCTAssertEqual(conflicts.map(\.field), ["risk_level"], "the other risk level goes to a supervisor, never dropped")
            XCTAssertEqual(conflicts.first?.incoming, .string("high"))
            // K04 keeps the case: it receives the move and what comes after.
            let atK4After = try await store.pull(for: k4, after: atK4.serverSeq)
            XCTAssertTrue(atK4After.changes.contains { $0.patch?.fields["village"]?.new == .string("Desa Contoh") })
            _ = try await store.push(PushRequest(kioskCode: Self.k2, fromSeq: 1, changes: [
                patch(1, base: 3, ["caregiver": (.null, .string("Bibi Amani"))], actor: "Fokal Dua"),
            ]), from: Self.k2)
            let atK4Later = try await store.pull(for: k4, after: atK4After.serverSeq)
            XCTAssertTrue(atK4Later.changes.contains { $0.patch?.fields["caregiver"]?.new == .string("Bibi Amani") }, "K04 still holds the case")
            // The kiosk of the new village has K04's note.
            let atK2 = try await store.pull(for: Self.k2, after: k2Cursor)
            XCTAssertTrue(atK2.changes.contains { $0.record?.id == noteID })
        }
    }

    /// Issue #18's catchment, "its users' cases": a case given to a person reaches the kiosk where their account
    /// was made, whole, even when its village is another kiosk's.
    func testACaseGivenToSomeoneReachesTheirKiosk() async throws {
        try await withStore { store, _, client in
            let person = UUID(), other = UUID(uuidString: "00000000-0000-0000-0000-00000000C003")!
            func cases(_ k: KioskCode, after: Int = 0) async throws -> [ServerChange] {
                try await store.pull(for: k, after: after).changes.filter { $0.patch?.entity == .caseRecord || $0.record?.caseID != nil }
            }
            // K01 made Fokal Satu's account; K02 records a case in its own village, with a note.
            _ = try await store.push(PushRequest(kioskCode: Self.k1, fromSeq: 1, changes: [
                SyncChange(kioskSeq: 1, actor: "amina", body: .patch(FieldPatch(entity: .user, id: person, baseVersion: 0, fields: [
                    "id": FieldChange(old: .null, new: .string(person.uuidString)), "name": FieldChange(old: .null, new: .string("Fokal Satu")),
                    "roles": FieldChange(old: .null, new: .string("focal_point"))]))),
            ]), from: Self.k1)
            _ = try await store.push(PushRequest(kioskCode: Self.k2, fromSeq: 1, changes: [
                patch(1, base: 0, ["id": (.null, .string(other.uuidString)), "village": (.null, .string("Desa Contoh")), "child_name": (.null, .string("Zawadi"))], id: other),
                note(2, id: UUID(), body: "Visited the school.", caseID: other),
            ]), from: Self.k2)
            let before = try await cases(Self.k1)
            XCTAssertEqual(before, [], "not K01's village, not given to anyone of K01")
            let cursor = try await store.pull(for: Self.k1, after: 0).serverSeq
            // K02's supervisor gives it to Fokal Satu: K01 is sent the case whole, then its later changes.
            _ = try await store.push(PushRequest(kioskCode: Self.k2, fromSeq: 3, changes: [
                patch(3, base: 1, ["assigned_to": (.null, .string(person.uuidString))], id: other),
            ]), from: Self.k2)
            let given = try await cases(Self.k1, after: cursor)
            let whole = try XCTUnwrap(given.first { $0.patch?.fields["id"] != nil })
            XCTAssertTrue(KioskPull.creates(try XCTUnwrap(whole.patch)))
            XCTAssertEqual(whole.patch?.fields["assigned_to"]?.new, .string(person.uuidString))
            XCTAssertTrue(given.contains { $0.record?.payload["body"] == .string("Visited the school.") })
            let later = try await store.pull(for: Self.k1, after: 0).serverSeq
            _ = try await store.push(PushRequest(kioskCode: Self.k2, fromSeq: 4, changes: [
                patch(4, base: 2, ["caregiver": (.null, .string("Ibu Rina"))], id: other),
            ]), from: Self.k2)
            let afterThat = try await cases(Self.k1, after: later)
            XCTAssertTrue(afterThat.contains { $0.patch?.fields["caregiver"]?.new == .string("Ibu Rina") })
            // Given to someone the server never received: nobody else is sent anything.
            let k1Now = try await store.pull(for: Self.k1, after: 0).serverSeq
            _ = try await store.push(PushRequest(kioskCode: Self.k2, fromSeq: 5, changes: [
                patch(5, base: 3, ["assigned_to": (.string(person.uuidString), .string(UUID().uuidString))], id: other),
            ]), from: Self.k2)
            let last = try await cases(Self.k1, after: k1Now)
            XCTAssertEqual(last.count, 1, "K01 holds the case now and gets the change, once")
            // The person's kiosk is found through an index, not by reading the whole change log.
            let plan = try await client.withTransaction(logger: Self.logger) { conn -> String in
                try await conn.query("SET LOCAL enable_seqscan = off", logger: Self.logger)
                var lines: [String] = []
                for try await (line) in try await conn.query("""
                    EXPLAIN SELECT c.kiosk_id FROM change_log c WHERE c.entity = 'user' AND c.entity_id = \(person)
                    AND c.audience IS NULL ORDER BY c.server_seq LIMIT 1
                    """, logger: Self.logger).decode(String.self) { lines.append(line) }
                return lines.joined(separator: "\n")
            }
            XCTAssertTrue(plan.contains("change_log_user"), plan)
        }
    }

    /// Issue #18's catchment, "cases a supervisor pinned": a pinned case reaches the kiosk whole (row and timeline,
    /// authored by the supervisor, named by the kiosk that made it) and its later changes follow; a kiosk that holds
    /// it already is sent nothing again; a wrong number, kiosk or an empty name is refused with nothing recorded.
    func testASupervisorPinsACaseToAKiosk() async throws {
        try await withStore { store, registry, client in
            _ = try await registry.add(name: "Kantor Dinas", code: KioskCode("K09")!, villages: [], wholeDistrict: true)
            let wulan = UUID(uuidString: "00000000-0000-0000-0000-00000000C004")!
            func cases(_ k: KioskCode, after: Int = 0) async throws -> [ServerChange] {
                try await store.pull(for: k, after: after).changes.filter { $0.patch?.entity == .caseRecord || $0.record?.caseID != nil }
            }
            _ = try await store.push(PushRequest(kioskCode: Self.k2, fromSeq: 1, changes: [
                patch(1, base: 0, ["id": (.null, .string(wulan.uuidString)), "case_number": (.null, .string("KG-2026-K02-0001")),
                                   "village": (.null, .string("Desa Contoh")), "child_name": (.null, .string("Wulan"))], id: wulan),
                note(2, id: UUID(), body: "Staying with her aunt in Kampung Fiksi.", caseID: wulan),
            ]), from: Self.k2)
            let before = try await cases(Self.k1)
            XCTAssertEqual(before, [], "not K01's village")
            let cursor = try await store.pull(for: Self.k1, after: 0).serverSeq

            do { _ = try await store.pin(caseNumber: "KG-2026-K02-0999", to: Self.k1, by: "Ibu Pengawas"); XCTFail("an unknown case was pinned") }
            catch let e as PinRefusal { XCTAssertEqual(e, .unknownCase("KG-2026-K02-0999")) }
            do { _ = try await store.pin(caseNumber: "KG-2026-K02-0001", to: KioskCode("K55")!, by: "Ibu Pengawas"); XCTFail("an unknown kiosk") }
            catch let e as StoreRefusal { XCTAssertEqual(e, .unknownKiosk(KioskCode("K55")!)) }
            do { _ = try await store.pin(caseNumber: "KG-2026-K02-0001", to: Self.k1, by: "  "); XCTFail("a pin without a name") }
            catch let e as PinRefusal { XCTAssertEqual(e, .noSupervisor) }
            let none = try await count(client, "case_pin")
            XCTAssertEqual(none, 0)

            // Pinned to K01 (the number typed as people type it): sent whole, after everything before it.
            let outcome = try await store.pin(caseNumber: " kg-2026-k02-0001 ", to: Self.k1, by: "Ibu Pengawas")
            XCTAssertEqual(outcome, .sent(wulan))
            let sent = try await cases(Self.k1, after: cursor)
            let whole = try XCTUnwrap(sent.first { $0.patch?.fields["id"] != nil })
            XCTAssertTrue(KioskPull.creates(try XCTUnwrap(whole.patch)))
            XCTAssertEqual(whole.patch?.fields["child_name"]?.new, .string("Wulan"))
            XCTAssertEqual(whole.actor, "Ibu Pengawas")
            XCTAssertEqual(whole.kiosk, Self.k2, "named by the kiosk that made the case, never by the kiosk receiving it")
            XCTAssertTrue(sent.contains { $0.record?.payload["body"] == .string("Staying with her aunt in Kampung Fiksi.") })
            let held = try await store.catchment(of: Self.k1)
            XCTAssertTrue(held.contains(wulan))
            let other = try await cases(Self.k2, after: 0)
            XCTAssertFalse(other.contains { $0.actor == "Ibu Pengawas" }, "only K01 is sent the case")

            // Its later changes follow; pinning again, or to kiosks that hold it, sends nothing again.
            let later = try await store.pull(for: Self.k1, after: 0).serverSeq
            _ = try await store.push(PushRequest(kioskCode: Self.k2, fromSeq: 3, changes: [
                patch(3, base: 1, ["caregiver": (.null, .string("Ibu Rina"))], id: wulan),
            ]), from: Self.k2)
            for k in [Self.k1, Self.k2, KioskCode("K09")!] {
                let again = try await store.pin(caseNumber: "KG-2026-K02-0001", to: k, by: "Ibu Pengawas")
                XCTAssertEqual(again, .alreadyHeld(wulan), "\(k)")
            }
            let afterThat = try await cases(Self.k1, after: later)
            XCTAssertEqual(afterThat.map { $0.patch?.fields["caregiver"]?.new }, [.string("Ibu Rina")], "the change, once, and no second copy")
            let pins = try await count(client, "case_pin")
            XCTAssertEqual(pins, 3)
            // Numbers given before kiosks joined are not unique: two cases numbered KG-2026-0007, made by K01 and K02.
            let first = UUID(), second = UUID()
            _ = try await store.push(PushRequest(kioskCode: Self.k1, fromSeq: 1, changes: [
                patch(1, base: 0, ["id": (.null, .string(first.uuidString)), "case_number": (.null, .string("KG-2026-0007")),
                                   "village": (.null, .string("Kampung Fiksi")), "child_name": (.null, .string("Intan"))], id: first),
            ]), from: Self.k1)
            _ = try await store.push(PushRequest(kioskCode: Self.k2, fromSeq: 4, changes: [
                patch(4, base: 0, ["id": (.null, .string(second.uuidString)), "case_number": (.null, .string("KG-2026-0007")),
                                   "village": (.null, .string("Desa Contoh")), "child_name": (.null, .string("Putri"))], id: second),
            ]), from: Self.k2)
            do { _ = try await store.pin(caseNumber: "KG-2026-0007", to: KioskCode("K09")!, by: "Ibu Pengawas"); XCTFail("an ambiguous number was pinned") }
            catch let e as PinRefusal { XCTAssertEqual(e, .ambiguous("KG-2026-0007", madeBy: ["K01", "K02"])) }
            let chosen = try await store.pin(caseNumber: "KG-2026-0007", to: Self.k1, by: "Ibu Pengawas", madeBy: Self.k2)
            XCTAssertEqual(chosen, .sent(second), "the one K02 made, not K01's own")
        }
    }
}
