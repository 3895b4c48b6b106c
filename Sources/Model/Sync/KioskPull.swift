import Foundation

/// What a kiosk does with the changes it pulls from the district server (issue #18, "What syncs, and how"), as
/// pure rules. Storage loads a row, the columns that still have changes waiting to go up, and the conflicts it
/// holds, calls these, and writes the result through the door with the district as actor.
///
/// - A pulled change never overwrites a column that still has a change of this kiosk waiting to go up, or
///   acknowledged but not yet pulled back (DHIS2's rule, ../shared/SYNC.md §1: "a download never overwrites
///   unsynced local data"). Once the kiosk's own change comes back through the pull, the server's value shows.
/// - Each kiosk keeps its own bookkeeping of a row (`bookkeeping`): those columns never travel in an update and
///   a pull never sets them from another kiosk's copy.
/// - While a conflict waits for a supervisor, the kiosk shows the more protective of the two values for the
///   columns deadlines depend on (`SyncProtection`), and the server's value for the others; once it is
///   resolved, the resolution's value.
public enum KioskPull {
    /// Columns each device keeps for itself: the row's local edit counter (optimistic concurrency, issue #7), when
    /// this copy last changed, and when the case was last active here. A change to only these is not a change
    /// for the district (an update sends the columns a person changed); a pulled change sets them locally
    /// (`version` + 1, `updated_at` now, `last_activity_at` no earlier than before).
    public static let bookkeeping: Set<String> = ["version", "updated_at", "last_activity_at"]

    /// Columns set once when a row is made and never changed: its identity, its case number and where it was made.
    /// A pull never sets them on a row the kiosk holds (another kiosk's case number is shown here with that kiosk's
    /// code, `CaseNumber.districtKey`, and keeps it).
    public static let fixedAtCreation: Set<String> = ["id", "case_number", "number_year", "number_serial", "device_id", "created_at"]

    /// The columns to set on this kiosk's row for a pulled patch: every column it carries, except the columns with
    /// changes of this kiosk still waiting (`pending`) and, on an existing row, its bookkeeping and the columns
    /// fixed at creation.
    /// - Parameters:
    ///   - patch: the patch as the server applied it.
    ///   - pending: columns of this row with changes of this kiosk waiting or not yet pulled back.
    ///   - rowExists: false when the kiosk does not have the row yet (then bookkeeping columns are taken as sent).
    /// - Returns: column → value (`.null` sets NULL).
    public static func columns(of patch: FieldPatch, pending: Set<String>, rowExists: Bool) -> [String: SyncValue] {
        var out: [String: SyncValue] = [:]
        for (f, change) in patch.fields where !pending.contains(f) && !(rowExists && (bookkeeping.contains(f) || fixedAtCreation.contains(f))) {
            out[f] = change.new
        }
        return out
    }

    /// What a column shows while `conflicts` (open, on this column of this row) wait: the more protective of the
    /// server's value and each incoming value for the columns deadlines follow (`SyncProtection.protective`), the
    /// server's value for every other column.
    /// - Parameters:
    ///   - server: the server's current value of the column.
    ///   - conflicts: the open conflicts on this row and column (any order).
    public static func shown(_ entity: SyncEntity, field: String, server: SyncValue, conflicts: [SyncConflict]) -> SyncValue {
        var value = server
        for c in conflicts.sorted(by: { $0.id < $1.id }) where c.kind != .record {
            value = SyncProtection.protective(entity, field: field, current: value, incoming: c.incoming)
        }
        return value
    }

    /// Whether a pulled patch can make a row the kiosk does not hold: a patch that starts a row (`base_version` 0)
    /// or carries the whole row (its `id` column: a row made elsewhere, or a case sent whole when it came into this
    /// kiosk's villages). A later patch of a row the kiosk does not hold (outside its catchment) is not applied.
    public static func creates(_ patch: FieldPatch) -> Bool { patch.baseVersion == 0 || patch.fields["id"] != nil }
}
