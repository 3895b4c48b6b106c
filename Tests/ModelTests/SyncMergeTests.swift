import Foundation
import Testing
@testable import Model

@Suite("District link: three-way merge, reviews, records, resolutions, the more protective value")
struct SyncMergeTests {
    typealias F = SyncFixture
    let k07 = ChangeOrigin(kiosk: SyncFixture.k07, kioskSeq: 5, actor: "amina")

    /// A case row at version 2, last changed by K12.
    var row: SyncRow {
        var r = SyncRow.empty
        _ = r.apply(["status": .string("open"), "risk_level": .string("low"), "urgent": .bool(false), "village": .string("Kampung Fiksi")],
                    entity: .caseRecord, id: F.caseID, by: F.k12)
        _ = r.apply(["caregiver": .string("Ibu Sari")], entity: .caseRecord, id: F.caseID, by: F.k12)
        return r
    }

    @Test("one column: unchanged, applied, same value, conflict")
    func oneField() {
        let a = SyncValue.string("a"), b = SyncValue.string("b"), c = SyncValue.string("c")
        #expect(SyncMerge.mergeField(base: a, current: b, incoming: a) == .unchanged)
        #expect(SyncMerge.mergeField(base: a, current: a, incoming: b) == .applied)
        #expect(SyncMerge.mergeField(base: a, current: b, incoming: b) == .same)
        #expect(SyncMerge.mergeField(base: a, current: b, incoming: c) == .conflict(.value))
        #expect(SyncMerge.mergeField(base: .null, current: .null, incoming: a) == .applied)
    }

    @Test("different columns merge; the merge is marked for the timeline")
    func differentFieldsMerge() {
        // K07 started from version 1 (before the caregiver was written) and changes the village.
        let p = F.patch(["village": (.string("Kampung Fiksi"), .string("Desa Contoh"))], base: 1)
        let m = SyncMerge.mergePatch(p, into: row, origin: k07)
        #expect(m.conflicts.isEmpty && m.outcomes == ["village": .applied] && m.mergedWithOthers)
        #expect(m.row["village"] == .string("Desa Contoh") && m.row["caregiver"] == .string("Ibu Sari") && m.row.version == 3)
        #expect(m.applied == FieldPatch(entity: .caseRecord, id: F.caseID, baseVersion: 2,
                                        fields: ["village": FieldChange(old: .string("Kampung Fiksi"), new: .string("Desa Contoh"))]))
        #expect(m.row.changedBy["village"] == F.k07 && m.row.before["village"] == .string("Kampung Fiksi"))
    }

    @Test("the same column changed to the same value merges with nothing to apply")
    func sameValue() {
        let p = F.patch(["caregiver": (.null, .string("Ibu Sari"))], base: 1)
        let m = SyncMerge.mergePatch(p, into: row, origin: k07)
        #expect(m.conflicts.isEmpty && m.applied == nil && m.row == row && m.outcomes == ["caregiver": .same])
    }

    @Test("the same column changed to different values: current stays, incoming kept in the conflict")
    func conflictKeepsBoth() {
        let p = F.patch(["caregiver": (.null, .string("Pak Budi")), "risk_level": (.string("low"), .string("high"))], base: 1)
        let m = SyncMerge.mergePatch(p, into: row, origin: k07)
        #expect(m.row["caregiver"] == .string("Ibu Sari") && m.row["risk_level"] == .string("high"))
        #expect(m.conflicts.count == 1)
        let c = m.conflicts[0]
        #expect(c.kind == .value && c.field == "caregiver" && c.base == .null && c.current == .string("Ibu Sari")
                && c.incoming == .string("Pak Budi") && c.id == ConflictID(kiosk: F.k07, kioskSeq: 5, field: "caregiver") && c.actor == "amina")
        #expect(m.outcomes["caregiver"] == .conflict(.value) && m.outcomes["risk_level"] == .applied)
    }

    @Test("two kiosks acting on a case: the later review instant stays, with no conflict for a supervisor")
    func lastReviewIsTheLatest() {
        var r = row
        let base = SyncValue.string("2026-03-01T09:00:00.000Z")
        _ = r.apply(["reviewed_at": base], entity: .caseRecord, id: F.caseID, by: F.k07)
        _ = r.apply(["reviewed_at": .string("2026-03-02T10:00:00.000Z")], entity: .caseRecord, id: F.caseID, by: F.k12)
        let later = F.patch(["reviewed_at": (base, .string("2026-03-02T11:00:00.000Z"))], base: 1)
        let m = SyncMerge.mergePatch(later, into: r, origin: k07)
        #expect(m.conflicts.isEmpty && m.row["reviewed_at"] == .string("2026-03-02T11:00:00.000Z") && m.outcomes["reviewed_at"] == .applied)
        let earlier = F.patch(["reviewed_at": (base, .string("2026-03-02T08:00:00.000Z"))], base: 1)
        let n = SyncMerge.mergePatch(earlier, into: r, origin: k07)
        #expect(n.conflicts.isEmpty && n.row["reviewed_at"] == .string("2026-03-02T10:00:00.000Z") && n.row == r)
        // The kiosk that wrote the earlier one gets the district's later one back in the pull.
        #expect(n.applied?.fields["reviewed_at"]?.new == .string("2026-03-02T10:00:00.000Z"))
    }

    @Test("two kiosks recording a first action: the earlier instant stays, with no conflict for a supervisor")
    func firstActionIsTheEarliest() {
        var r = row
        _ = r.apply(["first_action_at": .string("2026-03-02T10:00:00.000Z")], entity: .caseRecord, id: F.caseID, by: F.k12)
        let earlier = F.patch(["first_action_at": (.null, .string("2026-03-02T08:30:00.000Z"))], base: 1)
        let m = SyncMerge.mergePatch(earlier, into: r, origin: k07)
        #expect(m.conflicts.isEmpty && m.row["first_action_at"] == .string("2026-03-02T08:30:00.000Z") && m.outcomes["first_action_at"] == .applied)
        let later = F.patch(["first_action_at": (.null, .string("2026-03-02T11:00:00.000Z"))], base: 1)
        let n = SyncMerge.mergePatch(later, into: r, origin: k07)
        #expect(n.conflicts.isEmpty && n.row["first_action_at"] == .string("2026-03-02T10:00:00.000Z") && n.row == r)
        // The kiosk that wrote the later one gets the district's earlier one back in the pull.
        #expect(n.applied?.fields["first_action_at"]?.new == .string("2026-03-02T10:00:00.000Z"))
        // Any other column changed two ways is still a conflict.
        #expect(SyncMerge.mergePatch(F.patch(["caregiver": (.null, .string("Pak Budi"))], base: 1), into: r, origin: k07).conflicts.count == 1)
    }

    @Test("a closure racing another change goes to review, in both orders; without a race it applies")
    func statusRaces() {
        // K07 closes the case it saw at version 1; K12 wrote the caregiver since: review, the case stays open.
        let close = F.patch(["status": (.string("open"), .string("closed"))], base: 1)
        let m = SyncMerge.mergePatch(close, into: row, origin: k07)
        #expect(m.row["status"] == .string("open") && m.applied == nil)
        #expect(m.conflicts.map(\.kind) == [.review] && m.conflicts[0].racing == ["caregiver"] && m.conflicts[0].incoming == .string("closed"))
        // Seen at version 2, nothing raced: it closes.
        let quiet = SyncMerge.mergePatch(F.patch(["status": (.string("open"), .string("closed"))], base: 2), into: row, origin: k07)
        #expect(quiet.conflicts.isEmpty && quiet.row["status"] == .string("closed"))
        // Its own earlier change is no race.
        var own = row
        _ = own.apply(["village": .string("X")], entity: .caseRecord, id: F.caseID, by: F.k07)
        #expect(SyncMerge.mergePatch(F.patch(["status": (.string("open"), .string("closed"))], base: 2), into: own, origin: k07).conflicts.isEmpty)
        // The other order: K12 closed the case since K07's base, K07 raises the risk: the risk applies, the
        // closure goes to review.
        var closed = row
        _ = closed.apply(["status": .string("closed")], entity: .caseRecord, id: F.caseID, by: F.k12)
        let edit = SyncMerge.mergePatch(F.patch(["risk_level": (.string("low"), .string("high"))], base: 2), into: closed, origin: k07)
        #expect(edit.row["risk_level"] == .string("high") && edit.row["status"] == .string("closed"))
        #expect(edit.conflicts.count == 1 && edit.conflicts[0].kind == .review && edit.conflicts[0].field == "status"
                && edit.conflicts[0].incoming == .string("open") && edit.conflicts[0].current == .string("closed")
                && edit.conflicts[0].racing == ["risk_level"])
        // The same kiosk edits again from the same old base: merged, no second review of the same closure.
        let again = SyncMerge.mergePatch(F.patch(["urgent": (.bool(false), .bool(true))], base: 2), into: edit.row,
                                         origin: ChangeOrigin(kiosk: F.k07, kioskSeq: 6, actor: "amina"))
        #expect(again.conflicts.isEmpty && again.row["urgent"] == .bool(true))
        // Another kiosk that had not seen the closure gets its own review.
        let k03 = ChangeOrigin(kiosk: KioskCode("K03")!, kioskSeq: 1, actor: "budi")
        #expect(SyncMerge.mergePatch(F.patch(["caregiver": (.string("Ibu Sari"), .string("Pak Budi"))], base: 2), into: again.row,
                                     origin: k03).conflicts.map(\.kind) == [.review])
        // A review note alone is a row change to store.
        let noted = SyncApply.apply(SyncChange(kioskSeq: 5, actor: "amina", body: .patch(F.patch(["risk_level": (.string("low"), .string("high"))], base: 2))),
                                    from: F.k07, context: .init(row: closed))
        #expect(noted.rowID == F.caseID && noted.row?.reviewed["status"] == [F.k07])
        // Both closed it: nothing to decide.
        let both = SyncMerge.mergePatch(F.patch(["status": (.string("open"), .string("closed"))], base: 2), into: closed, origin: k07)
        #expect(both.conflicts.isEmpty && both.outcomes["status"] == .same)
        // A closure against another status: a review, never a plain value conflict.
        let transfer = SyncMerge.mergePatch(F.patch(["status": (.string("open"), .string("transferred"))], base: 3), into: closed, origin: k07)
        #expect(transfer.conflicts.map(\.kind) == [.review])
        // Referrals have no review column.
        #expect(SyncMerge.reviewFields(.referral).isEmpty)
    }

    @Test("records: same id and content is a duplicate, other content a conflict that keeps the incoming record")
    func records() {
        let r = SyncRecord(kind: .auditRow, id: UUID(), caseID: nil, payload: ["seq": .int(1), "action": .string("login")])
        #expect(SyncMerge.mergeRecord(existing: nil, incoming: r, origin: k07) == .insert)
        #expect(SyncMerge.mergeRecord(existing: r, incoming: r, origin: k07) == .duplicate)
        var other = r
        other.payload["action"] = .string("logout")
        guard case .conflict(let c) = SyncMerge.mergeRecord(existing: r, incoming: other, origin: k07) else {
            Issue.record("expected a conflict")
            return
        }
        #expect(c.kind == .record && c.incomingRecord == other && c.rowID == r.id && c.recordKind == .auditRow)
    }

    @Test("a resolution sets the value and settles the conflict; a second, different one becomes a new conflict")
    func resolutions() {
        let p = F.patch(["caregiver": (.null, .string("Pak Budi"))], base: 1)
        let m = SyncMerge.mergePatch(p, into: row, origin: k07)
        let conflict = m.conflicts[0]
        let supervisor = ChangeOrigin(kiosk: F.k12, kioskSeq: 9, actor: "sari")
        let decide = ConflictResolution(conflict: conflict.id, value: .string("Pak Budi"), note: "Checked with the family")
        let r = SyncMerge.resolve(decide, of: conflict, isOpen: true, row: m.row, origin: supervisor)
        #expect(r.closes && r.row?["caregiver"] == .string("Pak Budi") && r.applied?.fields["caregiver"]?.old == .string("Ibu Sari"))
        // A second supervisor decided otherwise meanwhile.
        let late = ConflictResolution(conflict: conflict.id, value: .string("Ibu Sari"), note: "")
        let other = ChangeOrigin(kiosk: F.k07, kioskSeq: 6, actor: "budi")
        let r2 = SyncMerge.resolve(late, of: conflict, isOpen: false, row: r.row ?? row, origin: other)
        #expect(!r2.closes && r2.applied == nil && r2.conflicts.count == 1 && r2.conflicts[0].incoming == .string("Ibu Sari"))
        // The same decision twice: nothing.
        let r3 = SyncMerge.resolve(decide, of: conflict, isOpen: false, row: r.row ?? row, origin: other)
        #expect(r3.conflicts.isEmpty && r3.applied == nil && !r3.closes)
        // Through SyncApply, as the server calls it.
        let e = SyncApply.apply(SyncChange(kioskSeq: 9, actor: "sari", body: .resolution(decide)), from: F.k12,
                                context: .init(row: m.row, conflict: conflict, conflictIsOpen: true))
        #expect(e.resolved == [conflict.id] && e.row?["caregiver"] == .string("Pak Budi"))
        let unknown = SyncApply.apply(SyncChange(kioskSeq: 9, actor: "sari", body: .resolution(decide)), from: F.k12, context: .init())
        #expect(unknown.row == nil && unknown.patch == nil && unknown.resolved.isEmpty)
    }

    @Test("until resolved, deadlines follow the more protective value")
    func protective() {
        func pick(_ f: String, _ a: SyncValue, _ b: SyncValue, _ e: SyncEntity = .caseRecord) -> SyncValue {
            SyncProtection.protective(e, field: f, current: a, incoming: b)
        }
        #expect(pick("risk_level", .string("low"), .string("high")) == .string("high"))
        #expect(pick("risk_level", .string("high"), .string("medium")) == .string("high"))
        #expect(pick("risk_level", .string("medium"), .null) == .null)
        #expect(pick("risk_level", .null, .string("high")) == .string("high"))
        #expect(pick("urgent", .bool(false), .bool(true)) == .bool(true))
        #expect(pick("urgent", .bool(false), .bool(true), .referral) == .bool(true))
        #expect(pick("urgent", .int(0), .int(1)) == .int(1) && pick("urgent", .int(1), .int(0)) == .int(1))   // SQLite's 0/1 too
        #expect(pick("next_follow_up", .string("2026-03-10"), .string("2026-03-05")) == .string("2026-03-05"))
        #expect(pick("next_follow_up", .string("2026-03-05"), .null) == .string("2026-03-05"))
        #expect(pick("next_follow_up", .null, .string("2026-03-05")) == .string("2026-03-05"))
        #expect(pick("status", .string("closed"), .string("open")) == .string("open"))
        #expect(pick("caregiver", .string("a"), .string("b")) == .string("a"))
        #expect(pick("name", .string("a"), .string("b"), .provider) == .string("a"))

        let p = F.patch(["risk_level": (.string("low"), .string("high")), "urgent": (.bool(false), .bool(true))], base: 1)
        var medium = row
        _ = medium.apply(["risk_level": .string("medium"), "urgent": .bool(true)], entity: .caseRecord, id: F.caseID, by: F.k12)
        let m = SyncMerge.mergePatch(p, into: medium, origin: k07)
        #expect(m.row["risk_level"] == .string("medium") && m.outcomes["urgent"] == .same)
        let eff = SyncProtection.effective(m.row.values, entity: .caseRecord, rowID: F.caseID, openConflicts: m.conflicts)
        #expect(eff["risk_level"] == .string("high"))
        // Conflicts of other rows do not count.
        #expect(SyncProtection.effective(m.row.values, entity: .caseRecord, rowID: UUID(), openConflicts: m.conflicts)["risk_level"] == .string("medium"))
        // The effective value drives the real deadlines.
        let risk = eff["risk_level"]?.stringValue.flatMap(RiskLevel.init(rawValue:))
        #expect(Deadlines.standard.firstActionHours(risk: risk, urgent: false) == 24)
    }

    @Test("a kiosk's outbox: numbered, resent after a lost reply, laid over pulled rows until pulled back")
    func outbox() {
        var box = KioskOutbox(kiosk: F.k07)
        let p1 = F.patch(["risk_level": (.string("low"), .string("high"))], base: 2)
        let p2 = F.patch(["urgent": (.bool(false), .bool(true))], base: 2)
        box.append(.patch(p1), actor: "amina")
        box.append(.patch(p2), actor: "amina")
        let push = box.nextPush()
        #expect(push?.fromSeq == 1 && push?.changes.map(\.kioskSeq) == [1, 2])
        #expect(box.nextPush(limit: 1)?.changes.count == 1)
        // The server's copy changed the caregiver meanwhile; the shadow takes it, the overlay keeps ours.
        var shadow = row
        shadow = KioskOutbox.applyPulled(F.patch(["caregiver": (.string("Ibu Sari"), .string("Pak Budi")),
                                                  "risk_level": (.string("low"), .string("medium"))], base: 2), to: shadow)
        #expect(shadow.version == 3 && shadow["risk_level"] == .string("medium"))
        let shown = box.overlay(.caseRecord, id: F.caseID, shadow: shadow.values)
        #expect(shown["risk_level"] == .string("high") && shown["urgent"] == .bool(true) && shown["caregiver"] == .string("Pak Budi"))
        #expect(box.pendingFields(.caseRecord, id: F.caseID) == ["risk_level", "urgent"])
        // Reply lost: the same push goes again.
        #expect(box.nextPush() == push)
        box.acknowledge(PushReply(acceptedThrough: 2, applied: [1, 2], duplicates: [], serverSeq: 10, conflicts: [], refusal: nil))
        #expect(box.nextPush() == nil && box.entries.count == 2)
        box.pulled(through: 9)
        #expect(box.entries.count == 2)
        box.pulled(through: 10)
        #expect(box.entries.isEmpty && box.nextSeq == 3)
    }
}

@Suite("District link: case numbers unique in the district, deadline inputs while conflicts wait")
struct SyncDistrictTests {
    @Test("a number given before enrolment is kept unique in the district by its kiosk's code")
    func districtKeys() {
        let k07 = SyncFixture.k07, k12 = SyncFixture.k12
        let before = CaseNumber(year: 2026, serial: 42)
        #expect(before.districtKey(origin: k07) == CaseNumber("KG-2026-K07-0042"))
        #expect(before.districtKey(origin: k07) != before.districtKey(origin: k12))
        let after = CaseNumber(year: 2026, kiosk: k07, serial: 43)
        #expect(after.districtKey(origin: k12) == after)
        #expect(before.description == "KG-2026-0042")
    }

    @Test("deadline inputs come from the more protective side as Model's types, and drive the real deadlines")
    func deadlineInputs() {
        let id = SyncFixture.caseID
        let values: [String: SyncValue] = ["risk_level": .string("low"), "urgent": .bool(false), "next_follow_up": .string("2026-03-20"),
                                           "status": .string("closed")]
        func conflict(_ f: String, _ incoming: SyncValue, seq: Int) -> SyncConflict {
            SyncConflict(id: ConflictID(kiosk: SyncFixture.k07, kioskSeq: seq, field: f), kind: f == "status" ? .review : .value,
                         entity: .caseRecord, rowID: id, field: f, base: .null, current: values[f] ?? .null, incoming: incoming, actor: "a")
        }
        let quiet = SyncProtection.deadlineInputs(values, caseID: id, openConflicts: [])
        #expect(quiet.risk == .low && !quiet.urgent && quiet.nextFollowUp == LocalDate(year: 2026, month: 3, day: 20) && quiet.status == .closed)
        let open = [conflict("risk_level", .string("high"), seq: 1), conflict("urgent", .bool(true), seq: 2),
                    conflict("next_follow_up", .string("2026-03-09"), seq: 3), conflict("status", .string("open"), seq: 4)]
        let d = SyncProtection.deadlineInputs(values, caseID: id, openConflicts: open)
        #expect(d.risk == .high && d.urgent && d.nextFollowUp == LocalDate(year: 2026, month: 3, day: 9) && d.status == .open)
        #expect(ClosureApproval.isRequired(risk: d.risk, urgent: d.urgent))
        let t0 = Date(timeIntervalSince1970: 0)
        let facts = CaseFacts(status: d.status ?? .open, registeredAt: t0, risk: d.risk, urgent: d.urgent, assessed: true, hasPlan: false,
                              referrals: [], reopened: false, firstActionAt: nil)
        #expect(Workflow.firstActionDue(facts, deadlines: .standard) == t0.addingTimeInterval(24 * 3600))
        // Values of the wrong type read as absent.
        let odd = SyncProtection.deadlineInputs(["risk_level": .int(3), "urgent": .string("yes"), "next_follow_up": .string("soon")],
                                                caseID: id, openConflicts: [])
        #expect(odd.risk == nil && !odd.urgent && odd.nextFollowUp == nil && odd.status == nil)
    }
}
