import Foundation
import GRDB
import Model
import Vault

/// One change someone else made to a case while the user was editing it.
public struct CaseChange: Hashable, Sendable {
    public let author: String
    /// When it was saved (UTC).
    public let at: Date
    public let kind: EventKind
    /// The English words stored with the entry (see `CaseEvent.summary`); show them through `fact`.
    public let summary: String
    public let body: String
    /// What the change records, as data (nil: shown with its stored words).
    public let fact: EventFact?
}

/// A case as the user saw it when they started an edit: its version then, and when (optimistic concurrency,
/// issue #7). Bind it with `KingaStore.$editContext.withValue(ctx) { … }` around a save: when someone else
/// changed the case in between, the save is refused with `StoreError.changedElsewhere` and `conflict` lists
/// their changes. The screen shows them beside the user's own answers; `acknowledge()` then lets the next
/// save go ahead. Nothing is ever overwritten silently.
public final class EditContext: @unchecked Sendable {
    public let caseID: UUID
    /// The case's version when the edit began (or when the user last acknowledged other changes).
    public private(set) var version: Int
    /// The newest timeline entry the user has seen (SQLite rowid, so clocks do not matter).
    public private(set) var lastEventRowID: Int64
    /// The changes found by the last refused save (nil when the last save went ahead or none was tried).
    public private(set) var conflict: [CaseChange]?
    private var latest: (version: Int, rowID: Int64)?

    init(caseID: UUID, version: Int, lastEventRowID: Int64) {
        self.caseID = caseID
        self.version = version
        self.lastEventRowID = lastEventRowID
    }

    func found(_ changes: [CaseChange], version current: Int, lastEventRowID row: Int64) {
        conflict = changes
        latest = (current, row)
    }

    /// The user has seen the other changes: the next save goes ahead on top of them (and is refused again
    /// if yet another change comes in first).
    public func acknowledge() {
        if let l = latest { version = l.version; lastEventRowID = l.rowID }
        conflict = nil
        latest = nil
    }
}

extension KingaStore {
    /// Starts an edit of a case: remembers its version and newest timeline entry now.
    /// - Throws: `StoreError.notFound`.
    public func beginEdit(caseID: UUID) throws -> EditContext {
        try pool.read { db in
            guard let v = try Int.fetchOne(db, sql: "SELECT version FROM case_record WHERE id = ?", arguments: [caseID.uuidString]) else {
                throw StoreError.notFound
            }
            let row = try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM case_event WHERE case_id = ?", arguments: [caseID.uuidString]) ?? 0
            return EditContext(caseID: caseID, version: v, lastEventRowID: row)
        }
    }
}
