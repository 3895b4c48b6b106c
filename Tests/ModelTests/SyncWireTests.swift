import Foundation
import PropertyBased
import Testing
@testable import Model

/// Fixed ids and helpers shared by the district link's tests.
enum SyncFixture {
    static let k07 = KioskCode("K07")!
    static let k12 = KioskCode("K12")!
    static let caseID = UUID(uuidString: "00000000-0000-0000-0000-00000000C001")!

    static func patch(_ fields: [String: (SyncValue, SyncValue)], base: Int = 1, entity: SyncEntity = .caseRecord, id: UUID = caseID) -> FieldPatch {
        FieldPatch(entity: entity, id: id, baseVersion: base, fields: fields.mapValues { FieldChange(old: $0.0, new: $0.1) })
    }

    static func push(from: Int, _ bodies: [SyncBody], kiosk: KioskCode = k07) -> PushRequest {
        PushRequest(kioskCode: kiosk, fromSeq: from,
                    changes: bodies.enumerated().map { SyncChange(kioskSeq: from &+ $0.offset, actor: "amina", body: $0.element) })
    }

    static func json<T: Encodable>(_ v: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(v)) ?? Data(), as: UTF8.self)
    }
}

@Suite("District link: wire format, limits, validation, exactly-once numbering")
struct SyncWireTests {
    typealias F = SyncFixture

    @Test("values travel as plain JSON and come back equal; a boolean is never read as a number")
    func valuesRoundTrip() throws {
        let values: [SyncValue] = [.null, .bool(true), .bool(false), .int(0), .int(-7), .int(Int.max), .string(""), .string("ليلى 👩🏽‍⚕️"),
                                   .list([]), .list([.string("neglect"), .int(1), .null, .bool(false)])]
        for v in values {
            let data = try JSONEncoder().encode([v])
            #expect(try JSONDecoder().decode([SyncValue].self, from: data) == [v])
        }
        #expect(F.json([SyncValue.bool(true), .int(1), .null]) == "[true,1,null]")
        #expect(try JSONDecoder().decode([SyncValue].self, from: Data("[1]".utf8)) == [.int(1)])
        #expect(try JSONDecoder().decode([SyncValue].self, from: Data("[true]".utf8)) == [.bool(true)])
        for bad in ["[1.5]", "[{\"a\":1}]", "[[[1]]]", "[1e400]"] {
            #expect((try? JSONDecoder().decode([SyncValue].self, from: Data(bad.utf8))) == nil, "\(bad)")
        }
    }

    @Test("a push has stable snake_case keys and decodes back to itself")
    func pushShape() throws {
        let record = SyncRecord(kind: .timelineEntry, id: UUID(uuidString: "00000000-0000-0000-0000-0000000000E1")!, caseID: F.caseID,
                                payload: ["fact": .string("note"), "body": .string("Visited")])
        let resolution = ConflictResolution(conflict: ConflictID(kiosk: F.k12, kioskSeq: 3, field: "risk_level"), value: .string("high"), note: "Seen")
        let push = F.push(from: 41, [.patch(F.patch(["risk_level": (.string("low"), .string("high"))], base: 3)), .record(record), .resolution(resolution)])
        let text = F.json(push)
        for key in ["\"kiosk_code\":\"K07\"", "\"from_seq\":41", "\"kiosk_seq\":42", "\"base_version\":3", "\"format\":1",
                    "\"fields\":{\"risk_level\":{\"new\":\"high\",\"old\":\"low\"}}", "\"case_id\":", "\"kind\":\"timeline_entry\"",
                    "\"conflict\":{\"field\":\"risk_level\",\"kiosk\":\"K12\",\"kiosk_seq\":3}"] {
            #expect(text.contains(key), "\(key) in \(text)")
        }
        #expect(try JSONDecoder().decode(PushRequest.self, from: Data(text.utf8)) == push)
        #expect(try SyncValidation.decodePush(Data(text.utf8)).get() == push)
    }

    @Test("replies and pulls keep their keys")
    func replyShapes() throws {
        let reply = PushReply(acceptedThrough: 42, applied: [41, 42], duplicates: [40], serverSeq: 977, conflicts: [], refusal: nil)
        let text = F.json(reply)
        #expect(text.contains("\"accepted_through\":42") && text.contains("\"server_seq\":977") && !text.contains("refusal"))
        #expect(try JSONDecoder().decode(PushReply.self, from: Data(text.utf8)) == reply)
        let refused = PushReply(acceptedThrough: 40, applied: [], duplicates: [], serverSeq: 9, conflicts: [],
                                refusal: SyncRefusal(.gap, "send from 41", kioskSeq: 45))
        #expect(F.json(refused).contains("\"refusal\":{\"kiosk_seq\":45,\"message\":\"send from 41\",\"reason\":\"gap\"}"))
        let pull = PullReply(changes: [ServerChange(serverSeq: 5, kiosk: F.k07, kioskSeq: 2, actor: "amina",
                                                    patch: F.patch(["urgent": (.bool(false), .bool(true))]), record: nil, opened: [], resolved: [])],
                             more: false, serverSeq: 5)
        #expect(try JSONDecoder().decode(PullReply.self, from: Data(F.json(pull).utf8)) == pull)
        #expect(try SyncValidation.decodePull(Data(#"{"format":1,"kiosk_code":"k07","after":976,"limit":10}"#.utf8)).get()
                == PullRequest(kioskCode: F.k07, after: 976, limit: 10))
        #expect(reason(SyncValidation.decodePull(Data(#"{"format":1,"kiosk_code":"K07","after":-1,"limit":10}"#.utf8))) == .malformed)
        #expect(reason(SyncValidation.decodePull(Data(#"{"format":2,"kiosk_code":"K07","after":1,"limit":10}"#.utf8))) == .unsupportedFormat)
    }

    func reason<T>(_ r: Result<T, SyncRefusal>) -> SyncRefusal.Reason? {
        if case .failure(let f) = r { return f.reason }
        return nil
    }

    @Test("an audit head must be the last audit entry the push carries; without one a push reads as before (issue #19)")
    func auditHead() throws {
        func row(_ seq: Int, _ mac: String) -> SyncBody {
            .record(SyncRecord(kind: .auditRow, id: UUID(), caseID: nil, payload: ["seq": .int(seq), "mac": .string(mac)]))
        }
        var push = F.push(from: 1, [row(1, "aa"), .patch(F.patch(["risk_level": (.null, .string("high"))])), row(2, "bb")])
        #expect(AuditHead.last(in: push.changes)?.seq == 2 && AuditHead.last(in: push.changes)?.mac == "bb")
        #expect(SyncValidation.validate(push) == nil)
        push.auditHead = AuditHead(seq: 2, mac: "bb", signature: "c2ln")
        #expect(SyncValidation.validate(push) == nil)
        let text = F.json(push)
        #expect(text.contains(#""audit_head":{"mac":"bb","seq":2,"signature":"c2ln"}"#), "\(text)")
        #expect(try JSONDecoder().decode(PushRequest.self, from: Data(text.utf8)) == push)
        for wrong in [AuditHead(seq: 1, mac: "aa", signature: "c2ln"), AuditHead(seq: 2, mac: "cc", signature: "c2ln")] {
            push.auditHead = wrong
            #expect(SyncValidation.validate(push)?.reason == .malformed)
        }
        push.auditHead = AuditHead(seq: 2, mac: "bb", signature: String(repeating: "x", count: 500))
        #expect(SyncValidation.validate(push)?.reason == .oversized)
        // A head on a push with no audit entry is refused; an older kiosk's push (no head) reads as before.
        var plain = F.push(from: 1, [.patch(F.patch(["risk_level": (.null, .string("high"))]))])
        plain.auditHead = AuditHead(seq: 1, mac: "aa", signature: "c2ln")
        #expect(SyncValidation.validate(plain)?.reason == .malformed)
        #expect(try JSONDecoder().decode(PushRequest.self, from: Data(#"{"format":1,"kiosk_code":"K07","from_seq":1,"changes":[]}"#.utf8)).auditHead == nil)
        // The server's receipt signs these bytes, and travels in the push's reply.
        let receipt = AuditReceipt(kiosk: F.k07, seq: 2, mac: "bb", receivedAt: "2026-12-07T10:00:00.000Z", serverSeq: 40, signature: "c2ln")
        #expect(String(decoding: receipt.signedMessage, as: UTF8.self) == "kinga-audit-receipt-v1\nK07\n2\nbb\n2026-12-07T10:00:00.000Z\n40\n")
        let reply = PushReply(acceptedThrough: 3, applied: [1, 2, 3], duplicates: [], serverSeq: 40, conflicts: [], refusal: nil, receipt: receipt)
        #expect(try JSONDecoder().decode(PushReply.self, from: Data(F.json(reply).utf8)) == reply)
    }

    @Test("a kiosk's own change comes back light: no record it holds, no column applied as it was sent (issue #19)")
    func lightEcho() {
        let note = SyncRecord(kind: .timelineEntry, id: UUID(), caseID: F.caseID, payload: ["body": .string(String(repeating: "words ", count: 50))])
        let sentNote = SyncChange(kioskSeq: 4, actor: "amina", body: .record(note))
        let back = ServerChange(serverSeq: 9, kiosk: F.k07, kioskSeq: 4, actor: "amina", patch: nil, record: note, opened: [], resolved: [])
        #expect(back.echo(of: sentNote).record == nil)
        #expect(F.json(back.echo(of: sentNote)).utf8.count < F.json(back).utf8.count / 3)
        // A patch applied as sent: only its entity, id and base version come back.
        let sent = SyncChange(kioskSeq: 5, actor: "amina", body: .patch(F.patch(["risk_level": (.string("low"), .string("high")), "urgent": (.bool(false), .bool(true))])))
        let applied = ServerChange(serverSeq: 10, kiosk: F.k07, kioskSeq: 5, actor: "amina",
                                   patch: F.patch(["risk_level": (.string("medium"), .string("high")), "urgent": (.bool(false), .bool(true))], base: 3),
                                   record: nil, opened: [], resolved: [])
        let light = applied.echo(of: sent)
        #expect(light.patch?.fields.isEmpty == true && light.patch?.baseVersion == 3 && light.patch?.id == F.caseID)
        // The server kept another value for a column (a conflict): the whole patch comes back, with the conflict.
        let conflict = SyncConflict(id: ConflictID(kiosk: F.k07, kioskSeq: 5, field: "risk_level"), kind: .value, entity: .caseRecord, rowID: F.caseID,
                                    field: "risk_level", base: .string("low"), current: .string("medium"), incoming: .string("high"), actor: "amina")
        let kept = ServerChange(serverSeq: 10, kiosk: F.k07, kioskSeq: 5, actor: "amina",
                                patch: F.patch(["risk_level": (.string("medium"), .string("medium"))], base: 3), record: nil, opened: [conflict], resolved: [])
        #expect(kept.echo(of: sent) == kept)
        // Not the change that was sent: unchanged.
        #expect(back.echo(of: sent) == back && applied.echo(of: sentNote) == applied)
    }

    @Test("malformed, oversized and out-of-order pushes are refused with a reason, never a trap")
    func refusals() {
        func decoded(_ text: String) -> SyncRefusal.Reason? { reason(SyncValidation.decodePush(Data(text.utf8))) }
        #expect(decoded("") == .malformed)
        #expect(decoded("not json") == .malformed)
        #expect(decoded("[]") == .malformed)
        #expect(decoded(#"{"format":2,"kiosk_code":"K07","from_seq":1,"changes":[]}"#) == .unsupportedFormat)
        #expect(decoded(#"{"format":1,"kiosk_code":"X07","from_seq":1,"changes":[]}"#) == .malformed)
        #expect(decoded(#"{"format":1,"kiosk_code":"K07","from_seq":1,"changes":[{"kiosk_seq":1,"actor":"a"}]}"#) == .malformed)
        #expect(decoded(#"{"format":1,"kiosk_code":"K07","from_seq":1,"changes":[{"kiosk_seq":1,"actor":"a","patch":{"entity":"case","id":"00000000-0000-0000-0000-00000000C001","base_version":0,"fields":{}},"record":{"kind":"audit_row","id":"00000000-0000-0000-0000-00000000C001","payload":{}}}]}"#) == .malformed)
        #expect(decoded(#"{"format":1,"kiosk_code":"K07","from_seq":1,"changes":[{"kiosk_seq":1,"actor":"a","patch":{"entity":"spaceship","id":"00000000-0000-0000-0000-00000000C001","base_version":0,"fields":{"a":{"old":1,"new":2}}}}]}"#) == .malformed)
        #expect(decoded(#"{"format":1,"kiosk_code":"K07","from_seq":1,"changes":[]}"#) == nil)
        #expect(reason(SyncValidation.decodePush(Data(count: SyncLimits.maxRequestBytes + 1))) == .oversized)

        let ok = F.patch(["urgent": (.bool(false), .bool(true))])
        #expect(SyncValidation.validate(F.push(from: 1, [.patch(ok)])) == nil)
        var p = F.push(from: 1, [.patch(ok), .patch(ok)])
        p.changes[1].kioskSeq = 3
        #expect(SyncValidation.validate(p)?.reason == .outOfOrder)
        #expect(SyncValidation.validate(p)?.kioskSeq == 3)
        #expect(SyncValidation.validate(F.push(from: 0, [.patch(ok)]))?.reason == .malformed)
        #expect(SyncValidation.validate(F.push(from: Int.max, [.patch(ok), .patch(ok)]))?.reason == .outOfOrder)
        let many = Array(repeating: SyncBody.patch(ok), count: SyncLimits.maxChangesPerPush + 1)
        #expect(SyncValidation.validate(F.push(from: 1, many))?.reason == .oversized)
        let long = String(repeating: "é", count: SyncLimits.maxValueBytes / 2 + 1)
        #expect(SyncValidation.validate(F.push(from: 1, [.patch(F.patch(["caregiver": (.null, .string(long))]))]))?.reason == .oversized)
        let longList = SyncValue.list(Array(repeating: .int(1), count: SyncLimits.maxListItems + 1))
        #expect(SyncValidation.validate(F.push(from: 1, [.patch(F.patch(["concerns": (.null, longList)]))]))?.reason == .oversized)
        #expect(SyncValidation.validate(F.push(from: 1, [.patch(F.patch(["concerns": (.null, .list([.list([])]))]))]))?.reason == .malformed)
        for bad in ["", "Risk", "risk-level", "1risk", "risk level", String(repeating: "a", count: SyncLimits.maxNameBytes + 1)] {
            #expect(SyncValidation.validate(F.push(from: 1, [.patch(F.patch([bad: (.null, .int(1))]))]))?.reason == .malformed, "\(bad)")
        }
        #expect(SyncValidation.validate(F.push(from: 1, [.patch(F.patch([:]))]))?.reason == .malformed)
        #expect(SyncValidation.validate(F.push(from: 1, [.patch(F.patch(["urgent": (.null, .bool(true))], base: -1))]))?.reason == .malformed)
        var noActor = F.push(from: 1, [.patch(ok)])
        noActor.changes[0].actor = ""
        #expect(SyncValidation.validate(noActor)?.reason == .malformed)
        let fields = Dictionary(uniqueKeysWithValues: (0...SyncLimits.maxFields).map { ("f\($0)", (SyncValue.null, SyncValue.int($0))) })
        #expect(SyncValidation.validate(F.push(from: 1, [.patch(F.patch(fields))]))?.reason == .oversized)
    }

    @Test("exactly once: new changes apply, a resent push is acknowledged, a gap or a replay is refused")
    func sequencing() throws {
        let a = SyncBody.patch(F.patch(["urgent": (.bool(false), .bool(true))]))
        let b = SyncBody.patch(F.patch(["risk_level": (.null, .string("high"))]))
        let first = F.push(from: 1, [a, b])
        let plan = try SyncSequencing.plan(lastApplied: 0, push: first).get()
        #expect(plan.apply.map(\.kioskSeq) == [1, 2] && plan.duplicates.isEmpty && plan.acceptedThrough == 2)
        // The reply was lost: the same push again, with one more change.
        let again = F.push(from: 1, [a, b, a])
        let logged = Dictionary(uniqueKeysWithValues: first.changes.map { ($0.kioskSeq, $0) })
        let plan2 = try SyncSequencing.plan(lastApplied: 2, push: again, alreadyApplied: logged).get()
        #expect(plan2.apply.map(\.kioskSeq) == [3] && plan2.duplicates == [1, 2] && plan2.acceptedThrough == 3)
        // Entirely a duplicate.
        let plan3 = try SyncSequencing.plan(lastApplied: 3, push: first, alreadyApplied: logged).get()
        #expect(plan3.apply.isEmpty && plan3.duplicates == [1, 2] && plan3.acceptedThrough == 3)
        // An empty push says where the server is.
        #expect(try SyncSequencing.plan(lastApplied: 3, push: F.push(from: 4, [])).get().acceptedThrough == 3)
        // A gap.
        let gap = SyncSequencing.plan(lastApplied: 3, push: F.push(from: 5, [a]))
        #expect(reason(gap) == .gap)
        // Other content under a number already applied: a restored kiosk counting again.
        #expect(reason(SyncSequencing.plan(lastApplied: 2, push: F.push(from: 1, [b, b]), alreadyApplied: logged)) == .replayed)
        // Numbering is checked here too.
        var bad = F.push(from: 1, [a, b])
        bad.changes.swapAt(0, 1)
        #expect(reason(SyncSequencing.plan(lastApplied: 0, push: bad)) == .outOfOrder)
    }
}

@Suite("Case numbers with the kiosk's code (issue #18)")
struct CaseNumberKioskTests {
    @Test("kiosk codes: K and 2 to 4 letters or digits, kept in capitals")
    func kioskCodes() throws {
        for good in ["K07", "k07", "K123", "KAB1", "K0000"] { #expect(KioskCode(good) != nil, "\(good)") }
        for bad in ["", "K", "K7", "K12345", "07", "X07", "K-7", "K 07", "KÉ1", "K٠٧"] { #expect(KioskCode(bad) == nil, "\(bad)") }
        #expect(KioskCode("k0a")?.rawValue == "K0A")
        #expect(try JSONDecoder().decode([KioskCode].self, from: Data(#"["k07"]"#.utf8)) == [KioskCode("K07")!])
        #expect((try? JSONDecoder().decode([KioskCode].self, from: Data(#"["Q07"]"#.utf8))) == nil)
    }

    @Test("KG-2026-K07-0042 parses and prints; numbers before enrolment stay as they were")
    func numbers() throws {
        let k = try #require(CaseNumber("kg-2026-k07-0042"))
        #expect(k.year == 2026 && k.serial == 42 && k.kiosk == KioskCode("K07"))
        #expect(k.description == "KG-2026-K07-0042")
        #expect(CaseNumber(year: 2026, kiosk: KioskCode("K123"), serial: 12345).description == "KG-2026-K123-12345")
        let old = try #require(CaseNumber("KG-2026-0042"))
        #expect(old == CaseNumber(year: 2026, serial: 42) && old.kiosk == nil && old.description == "KG-2026-0042")
        #expect(old != k)
        for bad in ["KG-2026-K7-0042", "KG-2026-X07-0042", "KG-2026-K07-0000", "KG-2026-K07", "KG-K07-2026-0042", "KG-2026-K07-0042-1"] {
            #expect(CaseNumber(bad) == nil, "\(bad)")
        }
        // Order: year, then numbers without a code, then by code and serial.
        let sorted = [CaseNumber("KG-2026-K12-0001")!, CaseNumber("KG-2026-K07-0002")!, CaseNumber("KG-2027-0001")!,
                      CaseNumber("KG-2026-0009")!, CaseNumber("KG-2026-K07-0001")!, CaseNumber("KG-2026-0010")!].sorted()
        #expect(sorted.map(\.description) == ["KG-2026-0009", "KG-2026-0010", "KG-2026-K07-0001", "KG-2026-K07-0002",
                                              "KG-2026-K12-0001", "KG-2027-0001"])
    }

    @Test("stored JSON without a kiosk reads as before; with one it round-trips; a bad code is an error")
    func codable() throws {
        let old = try JSONDecoder().decode(CaseNumber.self, from: Data(#"{"year":2026,"serial":42}"#.utf8))
        #expect(old == CaseNumber(year: 2026, serial: 42))
        #expect(SyncFixture.json(old) == #"{"serial":42,"year":2026}"#)
        let k = CaseNumber(year: 2026, kiosk: KioskCode("K07"), serial: 42)
        #expect(SyncFixture.json(k) == #"{"kiosk":"K07","serial":42,"year":2026}"#)
        #expect(try JSONDecoder().decode(CaseNumber.self, from: Data(SyncFixture.json(k).utf8)) == k)
        #expect((try? JSONDecoder().decode(CaseNumber.self, from: Data(#"{"year":2026,"serial":42,"kiosk":"nope"}"#.utf8))) == nil)
    }
}

@Suite("District link: hostile input never traps (swift-property-based)")
struct SyncHostileInputTests {
    /// A valid push as JSON text, to damage.
    static let valid: String = {
        let p = SyncFixture.push(from: 3, [.patch(SyncFixture.patch(["risk_level": (.string("low"), .string("high")), "concerns": (.list([]), .list([.string("neglect")]))])),
                                           .record(SyncRecord(kind: .auditRow, id: SyncFixture.caseID, caseID: nil, payload: ["seq": .int(4)]))])
        return SyncFixture.json(p)
    }()

    @Test("damaged pushes are refused with a reason or read whole; what is read passes validation")
    func damagedPushes() async {
        let pieces = ["{", "}", "[", "]", "\"", ",", ":", "null", "true", "-1", "1e999", "0", "\\u0000", "\u{1B}[2J", "ليلى", "[[[[[[", "\"old\""]
        await propertyCheck(count: 400, input: Gen.int(in: 0...10_000).array(of: 1...6), Gen<String?>.element(of: pieces).map { $0 ?? "" }) { cuts, piece in
            var text = Array(Self.valid)
            for c in cuts where !text.isEmpty {
                let at = c % text.count
                if c % 2 == 0 { text.remove(at: at) } else { text.insert(contentsOf: piece, at: at) }
            }
            switch SyncValidation.decodePush(Data(String(text).utf8)) {
            case .success(let push): #expect(SyncValidation.validate(push) == nil)
            case .failure(let refusal): #expect(!refusal.message.isEmpty)
            }
        }
    }

    @Test("any text is refused as a push, kindly")
    func anyTextIsRefused() async {
        await propertyCheck(count: 300, input: anyText) { text in
            if case .success = SyncValidation.decodePush(Data(text.utf8)) { Issue.record("accepted \(text)") }
        }
    }

    @Test("a pull reply out of the server's order is refused before anything is applied")
    func pullOrder() {
        let request = PullRequest(kioskCode: SyncFixture.k07, after: 10, limit: 2)
        func change(_ seq: Int) -> ServerChange {
            ServerChange(serverSeq: seq, kiosk: SyncFixture.k12, kioskSeq: 1, actor: "a", patch: nil, record: nil, opened: [], resolved: [])
        }
        #expect(SyncValidation.validate(PullReply(changes: [change(11), change(14)], more: false, serverSeq: 14), for: request) == nil)
        #expect(SyncValidation.validate(PullReply(changes: [change(12), change(12)], more: false, serverSeq: 14), for: request)?.reason == .outOfOrder)
        #expect(SyncValidation.validate(PullReply(changes: [change(9)], more: false, serverSeq: 14), for: request)?.reason == .outOfOrder)
        #expect(SyncValidation.validate(PullReply(changes: [change(11), change(12), change(13)], more: true, serverSeq: 14), for: request)?.reason == .oversized)
        #expect(SyncValidation.validate(PullReply(format: 2, changes: [], more: false, serverSeq: 14), for: request)?.reason == .unsupportedFormat)
    }
}
