import Foundation
import GRDB
import Model

/// A half-written note or form about a case, kept on disk for the person who typed it.
public struct UnfinishedForm: Equatable, Sendable {
    /// When it was kept (UTC).
    public let savedAt: Date
    /// The form's answers by field id: text as typed, a choice as its index, ticks as indexes joined by ",".
    public let values: [String: String]
}

extension KingaStore {
    /// Keeps what the logged-in person has typed into a note or form about a case, so that it survives Kinga
    /// stopping, locking itself, or losing its terminal (a dropped SSH connection, a closed window). Replaces
    /// what was kept before for the same person, form and case. Does nothing when nobody is logged in.
    /// - Parameters:
    ///   - place: which form ("note", or a form's help key such as "help.assessment").
    ///   - caseID: the case the form is about.
    ///   - values: see `UnfinishedForm.values`; never PINs or passphrases.
    /// - Throws: database errors.
    public func keepUnfinished(place: String, caseID: UUID, values: [String: String]) throws {
        guard let owner = actor else { return }
        let json = String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
        try door(.typing) { db in
            try db.execute(sql: """
                INSERT INTO unfinished_form(owner_id, place, case_id, saved_at, values_json) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(owner_id, place, case_id) DO UPDATE SET saved_at = excluded.saved_at, values_json = excluded.values_json
                """, arguments: [owner.id.uuidString, place, caseID.uuidString, ISO8601.format(clock.now), json])
        }
    }

    /// What the logged-in person kept of this form about this case, or nil.
    /// - Throws: database errors.
    public func unfinished(place: String, caseID: UUID) throws -> UnfinishedForm? {
        guard let owner = actor else { return nil }
        return try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT saved_at, values_json FROM unfinished_form WHERE owner_id = ? AND place = ? AND case_id = ?",
                                             arguments: [owner.id.uuidString, place, caseID.uuidString]),
                  let at = ISO8601.parse(row["saved_at"]),
                  let values = try? JSONDecoder().decode([String: String].self, from: Data((row["values_json"] as String).utf8)) else { return nil }
            return UnfinishedForm(savedAt: at, values: values)
        }
    }

    /// Forgets what was kept of this form (it was saved, or the person threw it away).
    /// - Throws: database errors.
    public func dropUnfinished(place: String, caseID: UUID) throws {
        guard let owner = actor else { return }
        try door { db in
            try db.execute(sql: "DELETE FROM unfinished_form WHERE owner_id = ? AND place = ? AND case_id = ?",
                           arguments: [owner.id.uuidString, place, caseID.uuidString])
        }
    }
}
