import Foundation
import GRDB
import Model

/// SQL arguments kept as plain values, so a query can also be printed with them written in.
typealias SQLArgs = [(any DatabaseValueConvertible)?]

/// A position in a filtered, sorted or searched case list: the sort key of one row. Opaque to screens;
/// pass the cursor of the last (or first) row shown to get the next (or previous) page.
public struct CaseListCursor: Hashable, @unchecked Sendable {
    /// Search tier (0 case number, 1 exact name, 2 other matches); 0 outside best-match searches.
    let tier: Int
    /// The row's sort key values, in the order of `CaseListQuery.keyColumns`.
    let key: [DatabaseValue]
}

/// One line of the case list with its cursor.
public struct CaseListRow: Hashable, Sendable {
    public let summary: CaseSummary
    public let cursor: CaseListCursor
}

/// How many cases match, counted up to a cap so the cost of the count never grows with the archive.
public struct CaseMatchCount: Hashable, Sendable {
    /// The number counted (at most `cap` when `capped`).
    public let count: Int
    /// True when there are more than `count`.
    public let capped: Bool

    public init(count: Int, capped: Bool) {
        self.count = count
        self.capped = capped
    }
}

/// Search, filters and sorting for the case list (issue #6).
///
/// Every page is one keyset query ("scrolling window", https://sqlite.org/rowvalue.html#scrolling_window_queries)
/// walking an index in the list's order and stopping after `limit` rows, so the cost follows the screen,
/// not the number of cases. Searching uses the `case_search` FTS5 index: best matches first, in three
/// tiers (the case number typed, then cases whose name has every word whole, then every other case with
/// words starting with what was typed), each newest registration first.
extension KingaStore {
    /// Largest count made exactly; above it the list says "more than 1,000" (counting further would cost
    /// time in proportion to the archive).
    public static let countCap = 1_000

    /// Cases matching `query`, one page after `cursor` (nil: from the top).
    /// - Parameters:
    ///   - today: for the "overdue" filter (local date); `deadlines`: the profile's first-action deadlines.
    ///   - viewer: whose eyes the page is for (see `Viewer`): limits it to the cases they may see.
    /// - Returns: at most `limit` rows in list order.
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func caseList(_ query: CaseQuery, after cursor: CaseListCursor?, limit: Int, viewer: Viewer,
                         today: LocalDate, deadlines: Deadlines = .standard) throws -> [CaseListRow] {
        let q = CaseListQuery(query, scope: try scopeValues(viewer), today: today, deadlines: deadlines, now: clock.now)
        return try pool.read { db in try q.page(db, after: cursor, limit: limit, forward: true) }
    }

    /// One page ending just before `cursor` (nil: the last page), in list order. For scrolling up and End.
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func caseList(_ query: CaseQuery, before cursor: CaseListCursor?, limit: Int, viewer: Viewer,
                         today: LocalDate, deadlines: Deadlines = .standard) throws -> [CaseListRow] {
        let q = CaseListQuery(query, scope: try scopeValues(viewer), today: today, deadlines: deadlines, now: clock.now)
        return try pool.read { db in try q.page(db, after: cursor, limit: limit, forward: false) }
    }

    /// The count and the first page together, in one read (one snapshot, one connection): what the list
    /// runs on every change of the search or the filters.
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func caseListStart(_ query: CaseQuery, limit: Int, cap: Int? = KingaStore.countCap, viewer: Viewer,
                              today: LocalDate, deadlines: Deadlines = .standard) throws -> (count: CaseMatchCount, rows: [CaseListRow]) {
        let scope = try scopeValues(viewer)
        let q = CaseListQuery(query, scope: scope, today: today, deadlines: deadlines, now: clock.now)
        var counted = query
        counted.sort = nil
        let c = CaseListQuery(counted, scope: scope, today: today, deadlines: deadlines, now: clock.now)
        return try pool.read { db in
            let n = try c.count(db, cap: query.isSearch || !query.filter.isEmpty ? cap : nil)
            // A column order is kept only when few enough match to sort them (see CaseListScreen).
            var run = q
            if query.isSearch && query.sort != nil && n.capped {
                var best = query
                best.sort = nil
                run = CaseListQuery(best, scope: scope, today: today, deadlines: deadlines, now: clock.now)
            }
            return (n, try run.page(db, after: nil, limit: limit, forward: true))
        }
    }

    /// How many cases match `query`, exact up to `cap` (default `countCap`). Without search words or
    /// filters the count is exact and uses the smallest index.
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func caseMatchCount(_ query: CaseQuery, cap: Int? = KingaStore.countCap, viewer: Viewer,
                               today: LocalDate, deadlines: Deadlines = .standard) throws -> CaseMatchCount {
        let q = CaseListQuery(query, scope: try scopeValues(viewer), today: today, deadlines: deadlines, now: clock.now)
        return try pool.read { db in try q.count(db, cap: query.isSearch || !query.filter.isEmpty ? cap : nil) }
    }

    /// The SQL a search page runs, with its arguments written in as literals, for running the very same
    /// query in the `sqlite3` shell (the benchmark's floor). Statements end with `;`.
    public func caseListSQL(_ query: CaseQuery, limit: Int, today: LocalDate, deadlines: Deadlines = .standard) throws -> [String] {
        let q = CaseListQuery(query, scope: ("1=1", []), today: today, deadlines: deadlines, now: clock.now)
        return try pool.read { db in
            try q.statements(db, limit: limit).map { sql, args in
                var out = sql
                for v in args.reversed() {
                    guard let r = out.range(of: "?", options: .backwards) else { break }
                    out.replaceSubrange(r, with: Self.literal(v))
                }
                return out + ";"
            }
        }
    }

    /// `EXPLAIN QUERY PLAN` lines of every query the case list and the home screen run for `query`
    /// (pages forward and backward, the count), for tests that forbid full-table scans. Keyed "page0", "page1",
    /// …; a count read from the case tally (`CaseTally`) is keyed "tally".
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func caseListPlans(_ query: CaseQuery, viewer: Viewer, today: LocalDate) throws -> [String: [String]] {
        let q = CaseListQuery(query, scope: try scopeValues(viewer), today: today, deadlines: .standard, now: clock.now)
        return try pool.read { db in
            var out: [String: [String]] = [:]
            for (i, (sql, args)) in try q.statements(db, limit: 20).enumerated() {
                // The count read from the tally (a few rows, scanned whole) is named apart from the case queries.
                out[i == 0 && q.countsFromTally ? "tally" : "page\(i)"] = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: StatementArguments(args)).map { $0["detail"] as String? ?? "" }
            }
            return out
        }
    }

    static func literal(_ v: (any DatabaseValueConvertible)?) -> String {
        switch (v?.databaseValue ?? .null).storage {
        case .null: return "NULL"
        case .int64(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        case .blob(let b): return "X'" + b.map { String(format: "%02x", $0) }.joined() + "'"
        }
    }
}
