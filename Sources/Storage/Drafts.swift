import Foundation
import GRDB
import Model
import Vault

extension KingaStore {
    // MARK: - Drafts

    /// Saves a draft of a guided report: creates it, or replaces the version this session last read or wrote.
    /// Called after every answer and when Kinga stops or locks.
    ///
    /// Two sessions may hold the same draft (the same person on two terminals, `u` on a second kiosk
    /// session). The version check makes sure neither silently undoes the other, and a draft that has become a
    /// case never comes back (issue #14).
    /// - Parameters:
    ///   - expectedVersion: the draft's version when this session last read or wrote it; 0 for a new draft.
    /// - Returns: the draft as stored (version incremented).
    /// - Throws: `StoreError.draftSavedAsCase(number)` when a case was already saved from this draft;
    ///   `StoreError.draftContinuedElsewhere` when the stored version is not `expectedVersion` (another
    ///   session wrote since); `StoreError.accessDenied` for someone else's draft; database errors. Nothing
    ///   is written when it throws.
    @discardableResult
    public func saveDraft(id: UUID, step: ReportStep, report: Report, expectedVersion: Int) throws -> Draft {
        let now = clock.now
        let json = try Self.encode(report)
        let owner = actor
        return try door(.typing) { db in
            if let number = try String.fetchOne(db, sql: "SELECT case_number FROM case_record WHERE source_draft_id = ?",
                                                arguments: [id.uuidString]).flatMap({ CaseNumber($0) }) {
                throw StoreError.draftSavedAsCase(number)
            }
            let existing = try Row.fetchOne(db, sql: "SELECT version, created_at, author_id FROM draft WHERE id = ?", arguments: [id.uuidString])
            if let e = existing, let o = owner, let author = e["author_id"] as String?, author != o.id.uuidString {
                throw Denied(actor: o.name, caseID: nil, what: "draft.write")
            }
            let stored = existing?["version"] as Int? ?? 0
            // A draft thrown away in another session (no row, no case) is written again: what this session
            // still holds is the person's own typing, and losing it silently would be worse.
            if existing != nil && stored != expectedVersion { throw StoreError.draftContinuedElsewhere }
            let version = max(stored, expectedVersion) + 1
            let created = existing.flatMap { ISO8601.parse($0["created_at"]) } ?? now
            try db.execute(sql: """
                INSERT INTO draft(id, device_id, version, created_at, updated_at, step, report_json, author_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at,
                    step = excluded.step, report_json = excluded.report_json
                """, arguments: [id.uuidString, deviceID.uuidString, version, ISO8601.format(created),
                                 ISO8601.format(now), step.rawValue, json, owner?.id.uuidString])
            return Draft(id: id, version: version, createdAt: created, updatedAt: now, step: step, report: report)
        }
    }

    /// Unfinished drafts, newest first: the logged-in user's own (all of them for tools, when no one is logged in).
    public func drafts() throws -> [Draft] {
        let owner = actor
        return try pool.read { db in
            if let o = owner {
                return try Row.fetchAll(db, sql: "SELECT * FROM draft WHERE author_id = ? ORDER BY updated_at DESC, id",
                                        arguments: [o.id.uuidString]).compactMap(Self.draft(from:))
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM draft ORDER BY updated_at DESC, id").compactMap(Self.draft(from:))
        }
    }

    /// Throws a draft away (the user chose "Discard"); only its author may.
    public func deleteDraft(id: UUID) throws {
        let owner = actor
        try door { db in
            if let o = owner, let author = try String.fetchOne(db, sql: "SELECT author_id FROM draft WHERE id = ?", arguments: [id.uuidString]),
               author != o.id.uuidString {
                throw Denied(actor: o.name, caseID: nil, what: "draft.delete")
            }
            try db.execute(sql: "DELETE FROM draft WHERE id = ?", arguments: [id.uuidString])
        }
    }

    static func draft(from row: Row) -> Draft? {
        guard let id = UUID(uuidString: row["id"]), let created = ISO8601.parse(row["created_at"]),
              let updated = ISO8601.parse(row["updated_at"]), let step = ReportStep(rawValue: row["step"]),
              let report = try? decode(Report.self, row["report_json"]) else { return nil }
        var d = Draft(id: id, version: row["version"], createdAt: created, updatedAt: updated, step: step, report: report)
        d.deviceID = (row["device_id"] as String?).flatMap(UUID.init(uuidString:))
        d.authorID = (row["author_id"] as String?).flatMap(UUID.init(uuidString:))
        return d
    }
}
