import Foundation
import GRDB

/// Where the database stood at one moment, for learning cheaply whether anything was committed since
/// ("Screens that can be told", issue #16). Take one with `KingaStore.changeToken()`, keep it, and ask
/// `KingaStore.changes(since:)` later.
///
/// It is read on the store's writer connection, which every change of this Kinga goes through (the door):
/// - `dataVersion` is that connection's `PRAGMA data_version`, which SQLite moves when *another* connection
///   (another Kinga process on the same file, or any other program) commits;
/// - `ownChanges` is that connection's `total_changes()`, the rows this Kinga itself inserted, updated or
///   deleted since it opened the file;
/// - `lastEventRowID` is the newest timeline entry's rowid then (0 for none): every change to a case writes one,
///   so the entries after it name the cases that changed.
/// Two tokens are equal exactly when nothing was committed in between (the converse may fail: a rolled-back
/// write can move `ownChanges`, which only costs one look at the timeline).
public struct ChangeToken: Equatable, Sendable {
    /// `PRAGMA data_version` on the writer connection.
    public let dataVersion: Int64
    /// `total_changes()` on the writer connection (rows, since the store was opened).
    public let ownChanges: Int64
    /// The largest `case_event` rowid when the token was taken (0: no entries).
    public let lastEventRowID: Int64
}

/// What was committed since a `ChangeToken`: the token to keep for next time and the cases that changed.
public struct StoreChanges: Equatable, Sendable {
    /// Where the database stands now: pass it to the next `changes(since:)`.
    public let token: ChangeToken
    /// The cases with a timeline entry newer than the old token (a note, an assessment, a new case, …), by id.
    /// Empty when what was committed touched no case (an audit entry, a setting, a draft).
    public let cases: Set<UUID>
    /// True when the timeline went backwards (the database was replaced, as by the demo reset): then any case
    /// may have changed, and `cases` is empty.
    public let everything: Bool

    /// True when a screen showing cases has something to reload: `everything`, or some case changed.
    public var touchesCases: Bool { everything || !cases.isEmpty }
}

extension KingaStore {
    /// Where the database stands now (see `ChangeToken`): one pragma, one function and one rowid lookup on the
    /// writer connection, microseconds.
    /// - Throws: database errors (the file became unreadable).
    public func changeToken() throws -> ChangeToken {
        try pool.writeWithoutTransaction { db in try Self.token(db) }
    }

    /// What was committed, by this Kinga or any other connection to the file, since `token`.
    ///
    /// Nothing changed (the common case, once a second while the kiosk is idle): one pragma and one function on
    /// the writer connection, no query of any table, and nil. Something changed: one more range read of the
    /// timeline by rowid (`case_event` entries after `token.lastEventRowID`, their distinct `case_id`).
    /// - Parameter token: from `changeToken()` or a previous `changes(since:)`.
    /// - Returns: nil when nothing was committed since `token`; else the new token and the cases changed.
    /// - Throws: database errors (the file became unreadable).
    public func changes(since token: ChangeToken) throws -> StoreChanges? {
        try pool.writeWithoutTransaction { db in
            let (version, own) = try Self.counters(db)
            guard version != token.dataVersion || own != token.ownChanges else { return nil }
            let last = try Self.lastEventRowID(db)
            let now = ChangeToken(dataVersion: version, ownChanges: own, lastEventRowID: last)
            if last < token.lastEventRowID { return StoreChanges(token: now, cases: [], everything: true) }
            let ids = try String.fetchAll(db, sql: "SELECT DISTINCT case_id FROM case_event WHERE rowid > ? AND rowid <= ?",
                                          arguments: [token.lastEventRowID, last])
            return StoreChanges(token: now, cases: Set(ids.compactMap(UUID.init(uuidString:))), everything: false)
        }
    }

    private static func token(_ db: Database) throws -> ChangeToken {
        let (version, own) = try counters(db)
        return ChangeToken(dataVersion: version, ownChanges: own, lastEventRowID: try lastEventRowID(db))
    }

    /// `PRAGMA data_version` and `total_changes()` of the connection `db`.
    private static func counters(_ db: Database) throws -> (Int64, Int64) {
        let version = try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0
        let own = try Int64.fetchOne(db, sql: "SELECT total_changes()") ?? 0
        return (version, own)
    }

    /// The newest timeline entry's rowid (0 for none): `max(rowid)` is one step down the table's b-tree.
    private static func lastEventRowID(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM case_event") ?? 0
    }
}
