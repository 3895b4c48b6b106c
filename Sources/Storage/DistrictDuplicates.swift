import Foundation
import GRDB
import Model

/// Two cases made at two kiosks of the district that may be about one child (issue #19, "the same child reported at
/// two kiosks"), as a supervisor's review lists them.
public struct DistrictDuplicate: Equatable, Sendable, Identifiable {
    /// `<older id>:<newer id>`.
    public var id: String { "\(older.id.uuidString):\(newer.id.uuidString)" }
    /// The case registered first: it keeps the child's history when they are the same child.
    public var older: CaseSummary
    /// The case registered later: it becomes a duplicate of `older` when they are the same child.
    public var newer: CaseSummary
}

extension KingaStore {
    /// The kiosk a case was made at, read from its number (`KG-2026-K07-0042` is K07's); a number without a kiosk
    /// code is this kiosk's own (a pulled case always carries its kiosk's code: `CaseNumber.districtKey`).
    static func origin(_ number: CaseNumber, me: KioskCode) -> KioskCode { number.kiosk ?? me }

    /// Compares cases a pull brought or renamed with the cases this kiosk holds under a like name (the name index:
    /// the same name or first name, or up to 200 names beginning with the same three letters), and keeps each pair made
    /// at two different kiosks that `DuplicateRule` finds alike (a similar name, and the same village or an age within
    /// two years) for a supervisor to decide. Pairs found before and pairs a supervisor already found to be different
    /// children (an `EventFact.Kind.notSameChild` entry on either case, naming the other) are not kept again.
    /// Runs inside the pull's transaction.
    /// - Throws: database errors.
    static func noteDistrictDuplicates(_ db: Database, cases: Set<UUID>, me: KioskCode, today: LocalDate, now: String) throws {
        let columns = "id, case_number, name_key, village_key, date_of_birth, approx_age, age_recorded_on"
        for id in cases.sorted(by: { $0.uuidString < $1.uuidString }) {
            guard let mine = try Row.fetchOne(db, sql: "SELECT \(columns) FROM case_record WHERE id = ? AND status <> 'duplicate'",
                                              arguments: [id.uuidString]),
                  let number = CaseNumber(mine["case_number"]) else { continue }
            let name: String = mine["name_key"], village: String = mine["village_key"]
            guard !name.isEmpty else { continue }
            let here = origin(number, me: me), age = Self.age(from: mine)?.years(on: today)
            // Only the columns the rule reads, from the name index; a new kiosk's first pull brings hundreds of cases
            // (the intake check's whole summaries of every case of the village cost 12 ms a case there).
            let names = likeNames(name, table: "")
            let candidates = try Row.fetchAll(db, sql: """
                SELECT \(columns) FROM case_record WHERE id <> ? AND status <> 'duplicate' AND (\(names.sql))
                LIMIT 500
                """, arguments: [id.uuidString] + names.arguments)
            for other in candidates {
                guard let otherNumber = CaseNumber(other["case_number"]), origin(otherNumber, me: me) != here,
                      DuplicateRule.matches(name: name, village: village, age: age, candidateName: other["name_key"],
                                            candidateVillage: other["village_key"], candidateAge: Self.age(from: other)?.years(on: today))
                else { continue }
                let otherID: String = other["id"]
                let (a, b) = id.uuidString < otherID ? (id.uuidString, otherID) : (otherID, id.uuidString)
                let decided = try Int.fetchOne(db, sql: """
                    SELECT 1 FROM case_event WHERE fact = ? AND ((case_id = ? AND json_extract(fact_args, '$.other') = ?)
                                                              OR (case_id = ? AND json_extract(fact_args, '$.other') = ?))
                    """, arguments: [EventFact.Kind.notSameChild.rawValue, a, b, b, a]) != nil
                try db.execute(sql: "INSERT INTO district_duplicate(case_a, case_b, found_at, status) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                               arguments: [a, b, now, decided ? "different" : "open"])
            }
        }
    }

    /// The possible duplicates across kiosks waiting for a supervisor, oldest found first: both cases still held
    /// here and neither marked as a duplicate since.
    /// - Throws: `StoreError.accessDenied` (audited) unless the session's user may review work (a supervisor).
    public func districtDuplicates() throws -> [DistrictDuplicate] {
        let me = try sessionUser("duplicates.district")
        guard me.can(.reviewQueue, demo: isDemo) else {
            try auditAlone(actor: me.name, action: "access.denied", detail: "duplicates.district")
            throw StoreError.accessDenied
        }
        return try pool.read { db in
            let pairs = try Row.fetchAll(db, sql: "SELECT case_a, case_b FROM district_duplicate WHERE status = 'open' ORDER BY found_at, case_a, case_b")
            return try pairs.compactMap { pair -> DistrictDuplicate? in
                let rows = try Row.fetchAll(db, sql: Self.summarySQL + " WHERE c.id IN (?, ?) AND c.status <> 'duplicate' ORDER BY c.created_at, c.id",
                                            arguments: [pair["case_a"], pair["case_b"]]).compactMap(Self.summary(from:))
                return rows.count == 2 ? DistrictDuplicate(older: rows[0], newer: rows[1]) : nil
            }
        }
    }

    /// A supervisor decides a possible duplicate across kiosks, in one transaction, audited as `duplicate.same` or
    /// `duplicate.different`:
    /// - the same child: the newer report is joined to the older case as `linkAsDuplicate` does (the newer case
    ///   becomes a duplicate, both timelines say so); with the next sync every kiosk that holds them sees it;
    /// - different children: each case's timeline says so, naming the other (`EventFact.Kind.notSameChild`), so no
    ///   kiosk that receives the entries asks again.
    /// - Throws: `StoreError.accessDenied` (audited) unless a supervisor is logged in; `StoreError.notFound` when the
    ///   pair is not waiting here any more (decided already, or a case was marked a duplicate meanwhile).
    public func decideDistrictDuplicate(_ pair: DistrictDuplicate, sameChild: Bool) throws {
        let me = try sessionUser("duplicates.decide", caseID: pair.older.id)
        guard me.can(.reviewQueue, demo: isDemo) else {
            try auditAlone(actor: me.name, action: "access.denied", detail: "duplicates.decide \(pair.id)")
            throw StoreError.accessDenied
        }
        let (a, b) = pair.older.id.uuidString < pair.newer.id.uuidString
            ? (pair.older.id.uuidString, pair.newer.id.uuidString) : (pair.newer.id.uuidString, pair.older.id.uuidString)
        let now = clock.now
        try door { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM district_duplicate WHERE case_a = ? AND case_b = ? AND status = 'open'", arguments: [a, b]) != nil,
                  try Int.fetchOne(db, sql: "SELECT count(*) FROM case_record WHERE id IN (?, ?) AND status <> 'duplicate'", arguments: [a, b]) == 2
            else { throw StoreError.notFound }
            if sameChild {
                try link(db, pair.newer.id, of: pair.older.id, author: me.name, at: now)
            } else {
                for (this, other) in [(pair.older, pair.newer), (pair.newer, pair.older)] {
                    try insertEvent(db, caseID: this.id, at: now, fact: EventFact(.notSameChild, [
                        "number": other.number.description, "other": other.id.uuidString, "supervisor": me.name,
                    ]), author: me.name)
                }
            }
            try db.execute(sql: "UPDATE district_duplicate SET status = ?, decided_by = ?, decided_at = ? WHERE case_a = ? AND case_b = ?",
                           arguments: [sameChild ? "same" : "different", me.name, ISO8601.format(now), a, b])
            try audit(db, actor: me.name, action: sameChild ? "duplicate.same" : "duplicate.different",
                      detail: "\(pair.older.number) and \(pair.newer.number)")
        }
    }
}
