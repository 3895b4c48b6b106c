import Foundation
import PropertyBased
import Testing
@testable import Model

/// A district in memory: one server and three kiosks, built only from the district link's pure functions
/// (`SyncValidation`, `SyncSequencing`, `SyncApply`, `KioskOutbox`), with lost replies, resent pushes,
/// partial pulls and two supervisors deciding the same conflict.
private struct District {
    static let rowIDs: [(SyncEntity, UUID)] = [
        (.caseRecord, UUID(uuidString: "00000000-0000-0000-0000-00000000C001")!),
        (.caseRecord, UUID(uuidString: "00000000-0000-0000-0000-00000000C002")!),
        (.referral, UUID(uuidString: "00000000-0000-0000-0000-00000000F001")!),
    ]
    static let choices: [String: [SyncValue]] = [
        "status": [.string("open"), .string("closed"), .string("transferred")],
        "risk_level": [.null, .string("low"), .string("medium"), .string("high")],
        "urgent": [.bool(false), .bool(true)],
        "caregiver": [.string("Ibu Sari"), .string("Pak Budi"), .string("Mama Ruth")],
        "village": [.string("Kampung Fiksi"), .string("Desa Contoh")],
    ]
    static let fields = choices.keys.sorted()
    static let server = KioskCode("K00")!

    struct Kiosk {
        var outbox: KioskOutbox
        var shadow: [UUID: SyncRow] = [:]
        var records: [UUID: SyncRecord] = [:]
        var cursor = 0
        var conflicts: [ConflictID: SyncConflict] = [:]
    }

    // Server state: the rules and the independent check are `SyncReplay`'s.
    var server = SyncReplay()
    var rows: [UUID: SyncRow] { server.rows }
    var records: [UUID: SyncRecord] { server.records }
    var open: Set<ConflictID> { server.open }
    var log: [ServerChange] = []
    var lastApplied: [KioskCode: Int] = [:]
    var applied: [KioskCode: [Int: SyncChange]] = [:]
    var applyCount: [String: Int] = [:]
    var problems: [String] = []
    /// How often each rule was reached (conflict kinds, duplicates acknowledged, merges of different columns).
    var reached: [String: Int] = [:]

    var kiosks: [Kiosk]
    var recordCounter = 0
    /// Send pull replies and push replies through JSON (the property test does; the coverage count need not).
    var wire = true

    init() {
        kiosks = ["K01", "K02", "K03"].map { Kiosk(outbox: KioskOutbox(kiosk: KioskCode($0)!)) }
        // The server starts with the three rows, as a migration from one kiosk would leave them.
        var initialRows: [UUID: SyncRow] = [:]
        for (n, (entity, id)) in Self.rowIDs.enumerated() {
            var row = SyncRow.empty
            let initial = Self.fields.reduce(into: [String: SyncValue]()) { $0[$1] = Self.choices[$1]?[n % 2] ?? .null }
            if let p = row.apply(initial, entity: entity, id: id, by: Self.server) {
                initialRows[id] = row
                log.append(ServerChange(serverSeq: log.count + 1, kiosk: Self.server, kioskSeq: n + 1, actor: "migration",
                                        patch: p, record: nil, opened: [], resolved: []))
            }
        }
        server = SyncReplay(rows: initialRows)
    }

    // MARK: kiosk side

    func shown(_ k: Int, _ id: UUID, _ entity: SyncEntity) -> [String: SyncValue] {
        kiosks[k].outbox.overlay(entity, id: id, shadow: kiosks[k].shadow[id]?.values ?? [:])
    }

    mutating func edit(_ k: Int, row r: Int, field f: Int, value v: Int, second: Int?) {
        let (entity, id) = Self.rowIDs[r % Self.rowIDs.count]
        let now = shown(k, id, entity)
        var fields: [String: FieldChange] = [:]
        for (fi, vi) in [(f, v)] + (second.map { [($0, v + 1)] } ?? []) {
            let name = Self.fields[fi % Self.fields.count]
            guard let options = Self.choices[name] else { continue }
            let new = options[vi % options.count], old = now[name] ?? .null
            if new != old { fields[name] = FieldChange(old: old, new: new) }
        }
        guard !fields.isEmpty else { return }
        let base = kiosks[k].shadow[id]?.version ?? 0
        kiosks[k].outbox.append(.patch(FieldPatch(entity: entity, id: id, baseVersion: base, fields: fields)), actor: "user\(k)")
    }

    mutating func record(_ k: Int, variant: Int) {
        recordCounter += 1
        let known = kiosks[k].records.values.sorted { $0.id.uuidString < $1.id.uuidString }
        let mine = kiosks[k].outbox.entries.compactMap { e -> SyncRecord? in
            if case .record(let r) = e.change.body { return r } else { return nil }
        }
        var r = SyncRecord(kind: .timelineEntry, id: UUID(uuidString: String(format: "00000000-0000-0000-0001-%012d", recordCounter)) ?? UUID(),
                           caseID: Self.rowIDs[0].1, payload: ["fact": .string("note"), "body": .string("note \(recordCounter)")])
        if variant == 0, let last = mine.last {
            r = last  // saved twice
        } else if variant == 1, let other = known.first {
            r = other  // the same id with other content
            r.payload["body"] = .string("rewritten on kiosk \(k)")
        }
        kiosks[k].outbox.append(.record(r), actor: "user\(k)")
    }

    /// One push; the reply may be lost (the kiosk then sends the same push again later).
    mutating func push(_ k: Int, loseReply: Bool) {
        guard let request = kiosks[k].outbox.nextPush(limit: 3) else { return }
        let sent = receive(request)
        guard !loseReply else { return }
        guard let reply = wire ? try? JSONDecoder().decode(PushReply.self, from: (try? JSONEncoder().encode(sent)) ?? Data()) : sent,
              reply == sent else {
            problems.append("push reply did not survive the wire")
            return
        }
        kiosks[k].outbox.acknowledge(reply)
    }

    /// One pull, through the wire: the request and the reply are encoded and decoded, and the reply is checked
    /// before anything of it is applied.
    mutating func pull(_ k: Int, limit: Int) {
        var kiosk = kiosks[k]
        let request = PullRequest(kioskCode: kiosk.outbox.kiosk, after: kiosk.cursor, limit: min(limit, SyncLimits.maxChangesPerPull))
        guard case .success(let asked) = SyncValidation.decodePull((try? JSONEncoder().encode(request)) ?? Data()) else {
            problems.append("pull request refused")
            return
        }
        let waiting = log.filter { $0.serverSeq > asked.after }
        let sent = PullReply(changes: Array(waiting.prefix(asked.limit)), more: waiting.count > asked.limit, serverSeq: log.count)
        guard let reply = wire ? try? JSONDecoder().decode(PullReply.self, from: (try? JSONEncoder().encode(sent)) ?? Data()) : sent,
              reply == sent, SyncValidation.validate(reply, for: asked) == nil else {
            problems.append("pull reply did not survive the wire")
            return
        }
        for change in reply.changes {
            if let p = change.patch { kiosk.shadow[p.id] = KioskOutbox.applyPulled(p, to: kiosk.shadow[p.id] ?? .empty) }
            if let r = change.record { kiosk.records[r.id] = r }
            for c in change.opened { kiosk.conflicts[c.id] = c }
            for id in change.resolved { kiosk.conflicts[id] = nil }
            kiosk.cursor = change.serverSeq
        }
        if !reply.more { kiosk.cursor = max(kiosk.cursor, reply.serverSeq) }
        kiosk.outbox.pulled(through: kiosk.cursor)
        kiosks[k] = kiosk
    }

    mutating func resolveAll(_ k: Int, choice: Int) {
        for c in kiosks[k].conflicts.values.sorted(by: { $0.id < $1.id }) {
            let value: SyncValue = c.kind == .record ? .null : ((choice + c.id.kioskSeq) % 2 == 0 ? c.incoming : c.current)
            kiosks[k].outbox.append(.resolution(ConflictResolution(conflict: c.id, value: value, note: "decided")), actor: "supervisor\(k)")
        }
        kiosks[k].conflicts = [:]
    }

    // MARK: server side

    mutating func receive(_ request: PushRequest) -> PushReply {
        let k = request.kioskCode
        let last = lastApplied[k] ?? 0
        let body = (try? JSONEncoder().encode(request)) ?? Data()
        let plan: SyncSequencing.Plan
        switch SyncValidation.decodePush(body).flatMap({ SyncSequencing.plan(lastApplied: last, push: $0, alreadyApplied: applied[k] ?? [:]) }) {
        case .failure(let refusal):
            problems.append("refused: \(refusal.message)")
            return PushReply(acceptedThrough: last, applied: [], duplicates: [], serverSeq: log.count, conflicts: [], refusal: refusal)
        case .success(let p): plan = p
        }
        reached["duplicate", default: 0] += plan.duplicates.count
        var opened: [SyncConflict] = []
        for change in plan.apply {
            opened += apply(change, from: k)
        }
        lastApplied[k] = plan.acceptedThrough
        return PushReply(acceptedThrough: plan.acceptedThrough, applied: plan.apply.map(\.kioskSeq), duplicates: plan.duplicates,
                         serverSeq: log.count, conflicts: opened, refusal: nil)
    }

    mutating func apply(_ change: SyncChange, from k: KioskCode) -> [SyncConflict] {
        applyCount["\(k):\(change.kioskSeq)", default: 0] += 1
        applied[k, default: [:]][change.kioskSeq] = change
        let (effect, found) = server.apply(change, from: k)
        problems += found
        if effect.mergedWithOthers { reached["merged", default: 0] += 1 }
        if !effect.resolved.isEmpty { reached["resolved", default: 0] += 1 }
        for c in effect.opened {
            // A review in the other order: this change edited other columns while the status had changed.
            let otherOrder = c.kind == .review && c.incoming == c.base && !change.body.isResolution
            reached[c.kind.rawValue + (otherOrder ? " (other order)" : ""), default: 0] += 1
            if change.body.isResolution { reached["second decision", default: 0] += 1 }
        }
        if effect.patch != nil || effect.insert != nil || !effect.opened.isEmpty || !effect.resolved.isEmpty {
            log.append(effect.serverChange(log.count + 1, kiosk: k, change: change))
        }
        return effect.opened
    }

    /// Everyone pushes and pulls until nothing waits; supervisors decide conflicts (two of them, differently, the
    /// first time). Returns false when it did not settle in a few rounds.
    mutating func settle(choice: Int) -> Bool {
        for round in 0..<12 {
            for k in kiosks.indices { pushAll(k) }
            for k in kiosks.indices { pull(k, limit: Int.max) }
            if open.isEmpty && kiosks.allSatisfy({ $0.outbox.entries.isEmpty }) { return true }
            resolveAll(0, choice: choice)
            if round == 0 && choice % 3 == 0 { resolveAll(1, choice: choice + 1) }
        }
        return false
    }

    mutating func pushAll(_ k: Int) {
        while kiosks[k].outbox.nextPush() != nil { push(k, loseReply: false) }
    }
}

private extension SyncBody {
    var isResolution: Bool { if case .resolution = self { return true } else { return false } }
}

/// Turns a list of numbers into the district's operations: the same mapping for the property test and for the
/// coverage check.
private func run(_ ops: [Int], choice: Int, wire: Bool = true) -> (District, settled: Bool) {
    var d = District()
    d.wire = wire
    for k in d.kiosks.indices { d.pull(k, limit: Int.max) }
    for n in ops {
        let k = n % 3, a = n / 3, kind = a % 10, b = a / 10
        switch kind {
        case 0...4: d.edit(k, row: b % 3, field: b / 3 % 5, value: b / 15 % 4, second: b / 60 % 3 == 0 ? b / 180 % 5 : nil)
        case 5: d.record(k, variant: b % 6)
        case 6, 7: d.push(k, loseReply: b % 3 == 0)
        default: d.pull(k, limit: b % 4 == 0 ? Int.max : 1 + b % 3)
        }
    }
    let settled = d.settle(choice: choice)
    return (d, settled)
}

@Suite("District link: a server and three kiosks in memory (swift-property-based)")
struct SyncSimulationTests {
    @Test("the simulation reaches every rule: value, review and record conflicts, races both ways, duplicates, merges, two supervisors")
    func coverage() {
        var seed: UInt64 = 0x2026_0018
        var reached: [String: Int] = [:]
        for round in 0..<120 {
            let ops = (0..<60).map { _ in
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                return Int(seed >> 33) % 1_000_001
            }
            let (d, settled) = run(ops, choice: round, wire: false)
            #expect(settled && d.problems.isEmpty)
            reached.merge(d.reached, uniquingKeysWith: +)
        }
        for rule in ["value", "review", "review (other order)", "record", "duplicate", "merged", "resolved", "second decision"] {
            #expect(reached[rule, default: 0] > 0, "never reached: \(rule) in \(reached)")
        }
    }

    @Test("random edits, pushes, lost replies and pulls: nothing lost, nothing twice, every disagreement a conflict, all converge")
    func districtConverges() async {
        let ops = Gen.int(in: 0...1_000_000).array(of: 10...70)
        await propertyCheck(count: 150, input: ops, Gen.int(in: 0...1000)) { ops, choice in
            let (d, settled) = run(ops, choice: choice)
            #expect(settled, "the district did not settle")
            #expect(d.problems.isEmpty, "\(d.problems.prefix(5))")
            // Nothing applied twice, and every change every kiosk made was applied once.
            #expect(d.applyCount.values.allSatisfy { $0 == 1 })
            for kiosk in d.kiosks {
                let code = kiosk.outbox.kiosk
                #expect(d.lastApplied[code, default: 0] == kiosk.outbox.nextSeq - 1)
                for seq in 1..<kiosk.outbox.nextSeq { #expect(d.applyCount["\(code):\(seq)"] == 1) }
            }
            // Every kiosk shows what the server has, and knows no open conflict.
            for kiosk in d.kiosks {
                #expect(kiosk.conflicts.isEmpty && kiosk.cursor == d.log.count)
                #expect(kiosk.records == d.records)
                for (entity, id) in District.rowIDs {
                    #expect(kiosk.outbox.overlay(entity, id: id, shadow: kiosk.shadow[id]?.values ?? [:]) == d.rows[id]?.values)
                    #expect(kiosk.shadow[id]?.version == d.rows[id]?.version)
                }
            }
            #expect(d.open.isEmpty)
        }
    }
}
