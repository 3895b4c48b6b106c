import Foundation
import GRDB
import Model

/// How many cases there are by status, urgency and assignee, kept in the table `case_tally` by triggers on
/// `case_record` (migration v17, issue #17), so the home screen's "open", "urgent" and "cases in all" and the
/// case list's count without search words cost a few hundred rows at most instead of a walk over every case.
///
/// The table's columns carry `case_record`'s names (`status`, `urgent`, `assigned_to`) and the count `n`; a
/// query names it `c`, so the scope of `KingaStore.scopeValues` and the list's status, urgency and assignee
/// conditions (`CaseListQuery.filterSQL`) apply to it word for word. The triggers run inside the statement
/// that changes a case, so the tally can never disagree with the cases (tested after every kind of change:
/// `CaseTallyTests`); `kinga check` compares the two as well (`mismatches`).
enum CaseTally {
    /// The triggers of migration v17. Never change them: add a migration that drops and recreates them.
    static let triggers = """
        CREATE TRIGGER case_tally_insert AFTER INSERT ON case_record BEGIN
            \(add("NEW"))
        END;
        CREATE TRIGGER case_tally_delete AFTER DELETE ON case_record BEGIN
            \(remove("OLD"))
        END;
        CREATE TRIGGER case_tally_update AFTER UPDATE OF status, urgent, assigned_to ON case_record
            WHEN OLD.status IS NOT NEW.status OR OLD.urgent IS NOT NEW.urgent OR OLD.assigned_to IS NOT NEW.assigned_to
        BEGIN
            \(remove("OLD"))
            \(add("NEW"))
        END;
        """

    /// The condition picking the tally row of the case row `r` ("NEW" or "OLD"); `IS` so NULL finds NULL.
    private static func key(_ r: String) -> String {
        "status = \(r).status AND urgent = \(r).urgent AND assigned_to IS \(r).assigned_to"
    }

    private static func add(_ r: String) -> String {
        """
        UPDATE case_tally SET n = n + 1 WHERE \(key(r));
            INSERT INTO case_tally(status, urgent, assigned_to, n) SELECT \(r).status, \(r).urgent, \(r).assigned_to, 1
                WHERE NOT EXISTS (SELECT 1 FROM case_tally WHERE \(key(r)));
        """
    }

    private static func remove(_ r: String) -> String {
        "UPDATE case_tally SET n = n - 1 WHERE \(key(r));"
    }

    /// The count of cases meeting `condition`, a WHERE clause over a case row named `c` that uses only
    /// `c.status`, `c.urgent` and `c.assigned_to` (see `answers`). - Returns: `SELECT` of one integer.
    static func countSQL(_ condition: String) -> String {
        "SELECT coalesce(sum(c.n), 0) FROM case_tally c WHERE \(condition)"
    }

    /// True when the tally can count the cases of `filter` with no search words: it knows each case's status,
    /// urgency and assignee, nothing else.
    static func answers(_ filter: CaseFilter) -> Bool {
        filter.risk == nil && filter.concern == nil && filter.village == nil && !filter.overdueOnly
    }

    /// Where the tally and the cases disagree: one line per status, urgency and assignee whose counts differ
    /// (empty when they agree). A disagreement means the file was changed by something other than Kinga.
    /// - Throws: database errors.
    static func mismatches(_ db: Database) throws -> [String] {
        try Row.fetchAll(db, sql: """
            WITH counted AS (SELECT status, urgent, assigned_to, count(*) AS n FROM case_record GROUP BY status, urgent, assigned_to),
                 kept AS (SELECT status, urgent, assigned_to, sum(n) AS n FROM case_tally GROUP BY status, urgent, assigned_to)
            SELECT k.status, k.urgent, k.assigned_to, k.n AS kept, coalesce(c.n, 0) AS counted FROM kept k
                LEFT JOIN counted c ON c.status = k.status AND c.urgent = k.urgent AND c.assigned_to IS k.assigned_to
                WHERE k.n <> coalesce(c.n, 0)
            UNION ALL
            SELECT c.status, c.urgent, c.assigned_to, 0, c.n FROM counted c
                WHERE NOT EXISTS (SELECT 1 FROM kept k WHERE k.status = c.status AND k.urgent = c.urgent AND k.assigned_to IS c.assigned_to)
            """).map { r in
            let who = (r["assigned_to"] as String?) ?? "nobody"
            return "\(r["status"] as String) urgent=\(r["urgent"] as Int) assigned=\(who): kept \(r["kept"] as Int), counted \(r["counted"] as Int)"
        }
    }
}
