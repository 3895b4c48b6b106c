import Foundation
import GRDB
import Model

extension KingaStore {
    /// Cases (open and closed, clearly labelled by status) that may be about the same child as `caseID`:
    /// a similar name and the same village or an age within two years (`DuplicateRule`). Candidates come from
    /// the village and name indexes (`duplicateMatches`), so the cost does not grow with the whole archive.
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func possibleDuplicates(of caseID: UUID, limit: Int = 10, viewer: Viewer) throws -> [CaseSummary] {
        try mayRead(viewer, caseID: caseID)
        let today = clock.today
        let s = try scope(viewer)
        return try pool.read { db in try Self.duplicateMatches(db, of: caseID, today: today, scope: s).prefix(limit).map { $0 } }
    }

    /// The SQL condition, and its arguments, for the cases whose name may be `name`'s (`DuplicateRule`), read from
    /// the name index: the same name, the same first name alone or with other names, or up to 200 names beginning
    /// with the same three letters ("amani" and "amany" both begin "ama"), wherever the child lives — a spelling
    /// written at another kiosk in another village. Used by the intake check and the district's check at pull time.
    /// - Parameters: `name` folded (`DuplicateRule.key`, as `name_key`); `table` the alias before the columns
    ///   (`"c."`, or `""` for none).
    static func likeNames(_ name: String, table: String) -> (sql: String, arguments: StatementArguments) {
        let firstName = String(name.split(separator: " ").first ?? ""), prefix = String(firstName.prefix(3))
        let key = table + "name_key"
        return ("""
            \(key) = ? OR \(key) = ? OR (\(key) > ? AND \(key) < ?)
            OR \(table)id IN (SELECT id FROM case_record WHERE name_key >= ? AND name_key < ? LIMIT 200)
            """, [name, firstName, firstName + " ", firstName + " \u{10FFFF}", prefix.count == 3 ? prefix : "\u{10FFFF}", prefix + "\u{10FFFF}"])
    }

    /// The cases `caseID` may be a duplicate of (`DuplicateRule`), most recently active first, from the village and
    /// name indexes (the same village, the same name or first name, or up to 200 names beginning with the same three
    /// letters; at most 500 candidates are compared); `scope` limits them to what the reader may see.
    /// - Throws: `StoreError.notFound` when there is no such case; database errors.
    static func duplicateMatches(_ db: Database, of caseID: UUID, today: LocalDate, scope s: (sql: String, args: StatementArguments)) throws -> [CaseSummary] {
        guard let me = try Row.fetchOne(db, sql: "SELECT name_key, village_key FROM case_record WHERE id = ?", arguments: [caseID.uuidString]),
              let record = try Self.fetchCase(db, id: caseID.uuidString) else { throw StoreError.notFound }
        let name: String = me["name_key"], village: String = me["village_key"]
        guard !name.isEmpty else { return [] }
        let names = Self.likeNames(name, table: "c.")
        let rows = try Row.fetchAll(db, sql: Self.summarySQL + """
             WHERE c.id != ? AND c.status != 'duplicate' AND \(s.sql)
               AND (c.village_key = ? OR \(names.sql))
             ORDER BY c.last_activity_at DESC LIMIT 500
            """, arguments: [caseID.uuidString] + s.args + [village] + names.arguments)
        let age = record.age?.years(on: today)
        return rows.compactMap { row -> CaseSummary? in
            guard let s = Self.summary(from: row) else { return nil }
            let ok = DuplicateRule.matches(name: name, village: village, age: age, candidateName: DuplicateRule.key(s.childName),
                                           candidateVillage: DuplicateRule.key(s.village), candidateAge: s.age?.years(on: today))
            return ok ? s : nil
        }
    }

    /// Links a new report to an existing case: the new case becomes a duplicate (closed to new work), and the
    /// existing case gets the report on its timeline. Both steps are on both timelines, in one transaction, as
    /// the session's user's.
    /// - Throws: `StoreError.notFound`; `StoreError.accessDenied` (audited) when nobody is logged in or the user
    ///   may not work on both cases.
    public func linkAsDuplicate(_ newID: UUID, of existingID: UUID) throws {
        let me = try sessionUser("case.duplicate", caseID: newID)
        let author = me.name
        try door { db in try link(db, newID, of: existingID, author: author, at: clock.now) }
    }

    /// `linkAsDuplicate` inside a transaction the caller holds (the door).
    func link(_ db: Database, _ newID: UUID, of existingID: UUID, author: String, at now: Date) throws {
        guard let new = try Self.fetchCase(db, id: newID.uuidString), let old = try Self.fetchCase(db, id: existingID.uuidString) else {
            throw StoreError.notFound
        }
        // The new report's own entry, as data when it has it (else its stored words go along as they are).
        let report = try Row.fetchOne(db, sql: "SELECT * FROM case_event WHERE case_id = ? AND kind = 'report_received' ORDER BY occurred_at LIMIT 1",
                                      arguments: [newID.uuidString]).flatMap(Self.event(from:))
        let link = DuplicateLinkRule.decide(existingStatus: old.status, existingNumber: old.number, newNumber: new.number,
                                            newReport: report?.fact, newUrgent: new.urgent)
        try insertEvent(db, caseID: existingID, at: now, fact: link.joined, author: author,
                        body: DuplicateLinkRule.needsStoredBody(link.joined) ? report?.body ?? "" : nil)
        try insertEvent(db, caseID: newID, at: now, fact: link.linked, author: author)
        try db.execute(sql: "UPDATE case_record SET status = ?, closed_at = ? WHERE id = ?",
                       arguments: [link.newStatus.rawValue, ISO8601.format(now), newID.uuidString])
        // A new report about a child whose case was closed opens it again: someone must act on it.
        if let reopen = link.reopen {
            try insertEvent(db, caseID: existingID, at: now, fact: reopen, author: author)
            try db.execute(sql: "UPDATE case_record SET status = ?, reopened = 1, assessed = 0, closed_at = NULL, closure_reason = NULL WHERE id = ?",
                           arguments: [link.existingStatus.rawValue, existingID.uuidString])
        }
        if link.markUrgent { try db.execute(sql: "UPDATE case_record SET urgent = 1 WHERE id = ?", arguments: [existingID.uuidString]) }
    }
}
