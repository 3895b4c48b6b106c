import Foundation
import GRDB

/// Upkeep the benchmark and the reliability suite ask of a store: counting its rows, emptying its log.
extension KingaStore {
    /// Number of timeline events in the database (all cases).
    public func eventCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM case_event") ?? 0 }
    }

    /// Moves everything from the write-ahead log into the database file and empties the log
    /// (`PRAGMA wal_checkpoint(TRUNCATE)`), so the file alone holds every change (its size is then the
    /// database's size).
    public func checkpoint() throws {
        try pool.writeWithoutTransaction { db in _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }
}
