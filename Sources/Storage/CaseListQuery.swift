import Foundation
import GRDB
import Model

/// One case-list query made into SQL: the filters as a WHERE clause, the sort as key columns, the search as
/// FTS5 MATCH expressions per tier.
struct CaseListQuery {
    let query: CaseQuery
    let terms: SearchTerms
    let scope: (sql: String, args: SQLArgs)
    let today: LocalDate
    let deadlines: Deadlines
    let now: Date

    init(_ query: CaseQuery, scope: (sql: String, args: SQLArgs), today: LocalDate, deadlines: Deadlines, now: Date) {
        self.query = query
        terms = query.terms
        self.scope = scope
        self.today = today
        self.deadlines = deadlines
        self.now = now
    }

    // MARK: filters

    /// The WHERE conditions of the scope and the filters (always at least the scope).
    var filterSQL: (sql: String, args: SQLArgs) {
        var parts = [scope.sql]
        var args = scope.args
        let f = query.filter
        if let s = f.status { parts.append("c.status = ?"); args += [s.rawValue] }
        switch f.risk {
        case .level(let r)?: parts.append("c.risk_level = ?"); args += [r.rawValue]
        case .notAssessed?: parts.append("c.risk_level IS NULL")
        case nil: break
        }
        if let u = f.urgent { parts.append("c.urgent = ?"); args += [u] }
        if let c = f.concern {
            parts.append("EXISTS (SELECT 1 FROM case_concern k WHERE k.case_id = c.id AND k.concern = ?)")
            args += [c]
        }
        if let v = f.village { parts.append("c.village_key = ?"); args += [DuplicateRule.key(v)] }
        switch f.assignee {
        case .user(let id)?: parts.append("c.assigned_to = ?"); args += [id.uuidString]
        case .nobody?: parts.append("c.assigned_to IS NULL")
        case nil: break
        }
        if f.overdueOnly {
            // The same rules as Due today: a follow-up due today or earlier, or no first action within the
            // deadline for the case's risk (urgent and unassessed cases count as high).
            let first = KingaStore.firstActionOverdueSQL(deadlines: deadlines, now: now)
            parts.append("(c.status = 'open' AND (c.next_follow_up <= ? OR (c.first_action_at IS NULL AND \(first.sql))))")
            args += [today.iso]
            args += first.args
        }
        return (parts.joined(separator: " AND "), args)
    }

    // MARK: sort keys

    /// The key columns of a sort, most significant first; pages compare them as one row value.
    static func keyColumns(_ sort: CaseSort) -> [String] {
        switch sort {
        case .lastActivity: return ["c.last_activity_at", "c.number_year", "c.number_serial"]
        case .caseNumber: return ["c.number_year", "c.number_serial"]
        case .childName: return ["c.name_key", "c.number_year", "c.number_serial"]
        case .village: return ["c.village_key", "c.number_year", "c.number_serial"]
        case .risk: return [SearchIndex.riskRank, "c.last_activity_at", "c.number_year", "c.number_serial"]
        case .status: return [SearchIndex.statusRank, "c.last_activity_at", "c.number_year", "c.number_serial"]
        }
    }

    // MARK: search tiers

    /// FTS5 MATCH expressions of the search tiers 1 (every word whole in the name) and 2 (every word as a
    /// prefix anywhere, and not tier 1). Words hold only letters and digits; quotes are doubled anyway.
    /// Tier 1 (every word whole in the name) is matched in the small `case_name` index; tier 2 (every word
    /// as a prefix anywhere) in `case_search`, leaving out tier 1's cases one row at a time.
    var exactNameMatch: String? {
        yearNumber != nil ? nil : quoted.joined(separator: " AND ")
    }

    /// The year and serial digits when the whole query is a case number with its year (`KG-2024-0042`,
    /// `2024-004`): then only case numbers are searched, the year as a whole word.
    var yearNumber: (year: String, serial: String)? {
        guard terms.caseNumber?.year != nil, terms.words.count == 2 else { return nil }
        return (terms.words[0], terms.words[1])
    }

    private var quoted: [String] { terms.words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" } }

    /// Cases whose number is what was typed (tier 0), as docids (looked up once per query).
    func caseNumberDocids(_ db: Database) throws -> [Int64] {
        if let known = tier0Cache.value { return known }
        let found = try lookUpCaseNumbers(db)
        tier0Cache.value = found
        return found
    }

    /// Holds tier 0 between the count and the page of one read.
    final class Box: @unchecked Sendable { var value: [Int64]? }
    let tier0Cache = Box()

    private func lookUpCaseNumbers(_ db: Database) throws -> [Int64] {
        guard let n = terms.caseNumber else { return [] }
        let f = filterSQL
        if let y = n.year {
            return try Int64.fetchAll(db, sql: "SELECT c.number_year * \(SearchIndex.docidYear) + c.number_serial FROM case_record c WHERE c.number_year = ? AND c.number_serial = ? AND \(f.sql)",
                                      arguments: StatementArguments([y, n.serial] + f.args))
        }
        return try Int64.fetchAll(db, sql: """
            SELECT c.number_year * \(SearchIndex.docidYear) + c.number_serial FROM case_record c
            WHERE c.number_year IN (SELECT year FROM case_counter) AND c.number_serial = ? AND \(f.sql)
            ORDER BY c.number_year DESC
            """, arguments: StatementArguments([n.serial] + f.args))
    }

    static let joinName = "FROM case_name s JOIN case_record c ON c.number_year = s.rowid / \(SearchIndex.docidYear) AND c.number_serial = s.rowid % \(SearchIndex.docidYear)"
    static let joinSearch = "FROM case_search s JOIN case_record c ON c.number_year = s.rowid / \(SearchIndex.docidYear) AND c.number_serial = s.rowid % \(SearchIndex.docidYear)"

    /// True when the search is ordered by a column (only when few enough cases match to sort them).
    var sortedSearch: Bool { terms.isEmpty == false && query.sort != nil }

    // MARK: pages

    /// One page forward (`forward`) or backward from `cursor`, in list order.
    func page(_ db: Database, after cursor: CaseListCursor?, limit: Int, forward: Bool) throws -> [CaseListRow] {
        guard limit > 0 else { return [] }
        if terms.isEmpty || sortedSearch { return try sortedPage(db, after: cursor, limit: limit, forward: forward) }
        // Best matches: tiers 0, 1, 2 in turn (backward: 2, 1, 0), each by docid (newest first).
        let tier0 = try caseNumberDocids(db)
        var out: [CaseListRow] = []
        let tiers = forward ? [0, 1, 2] : [2, 1, 0]
        for tier in tiers {
            if let c = cursor, forward ? tier < c.tier : tier > c.tier { continue }
            let within = cursor.flatMap { $0.tier == tier ? $0.key.first.flatMap { Int64.fromDatabaseValue($0) } : nil }
            out += try tierPage(db, tier: tier, tier0: tier0, after: within, limit: limit - out.count, forward: forward)
            if out.count >= limit { break }
        }
        return forward ? out : out.reversed()
    }

    /// Rows of one search tier after docid `after` (exclusive), newest first forward, oldest first backward.
    private func tierPage(_ db: Database, tier: Int, tier0: [Int64], after: Int64?, limit: Int, forward: Bool) throws -> [CaseListRow] {
        guard let (sql, args) = tierSQL(tier: tier, tier0: tier0, after: after, limit: limit, forward: forward) else { return [] }
        return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(args)).compactMap { row in
            guard let s = KingaStore.summary(from: row) else { return nil }
            return CaseListRow(summary: s, cursor: CaseListCursor(tier: tier, key: [row["docid"] as DatabaseValue]))
        }
    }

    private func tierSQL(tier: Int, tier0: [Int64], after: Int64?, limit: Int, forward: Bool) -> (String, SQLArgs)? {
        let f = filterSQL
        let cmp = forward ? "<" : ">"
        let order = forward ? "DESC" : "ASC"
        if tier == 0 {
            guard !tier0.isEmpty else { return nil }
            let list = tier0.map { "(\($0 / Int64(SearchIndex.docidYear)), \($0 % Int64(SearchIndex.docidYear)))" }.joined(separator: ",")
            // The few numbers drive the join (CROSS JOIN keeps that order): an IN list over the row value
            // made SQLite walk the whole number index to avoid a sort of seven rows.
            var sql = KingaStore.summarySQL.replacingOccurrences(of: "FROM case_record c", with: ", c.number_year * \(SearchIndex.docidYear) + c.number_serial AS docid FROM (SELECT column1 AS y, column2 AS s FROM (VALUES \(list))) t0 CROSS JOIN case_record c")
            sql += " WHERE c.number_year = t0.y AND c.number_serial = t0.s"
            var args: SQLArgs = []
            if let a = after { sql += " AND c.number_year * \(SearchIndex.docidYear) + c.number_serial \(cmp) ?"; args += [a] }
            sql += " ORDER BY docid \(order) LIMIT ?"
            return (sql, args + [limit])
        }
        var sql: String
        var args: SQLArgs
        if tier == 1 {
            guard let exact = exactNameMatch else { return nil }
            sql = KingaStore.summarySQL.replacingOccurrences(of: "FROM case_record c", with: ", s.rowid AS docid " + Self.joinName)
            sql += " WHERE case_name MATCH ? AND \(f.sql)"
            args = [exact] + f.args
        } else {
            sql = KingaStore.summarySQL.replacingOccurrences(of: "FROM case_record c", with: ", s.rowid AS docid " + Self.joinSearch)
            sql += " WHERE case_search MATCH ? AND \(f.sql)"
            args = [prefixMatch] + f.args
            if let exact = exactNameMatch {
                // Not already in tier 1: one lookup by rowid in the name index per candidate.
                sql += " AND NOT EXISTS (SELECT 1 FROM case_name n WHERE n.rowid = s.rowid AND case_name MATCH ?)"
                args += [exact]
            }
        }
        if !tier0.isEmpty { sql += " AND s.rowid NOT IN (\(tier0.map(String.init).joined(separator: ",")))" }
        if let a = after { sql += " AND s.rowid \(cmp) ?"; args += [a] }
        sql += " ORDER BY s.rowid \(order) LIMIT ?"
        return (sql, args + [limit])
    }

    /// A page of the list in a column's order, with the filters and, when searching, only matching cases.
    private func sortedPage(_ db: Database, after cursor: CaseListCursor?, limit: Int, forward: Bool) throws -> [CaseListRow] {
        let (sql, args, keys) = sortedSQL(after: cursor, limit: limit, forward: forward)
        let rows = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(args)).compactMap { row -> CaseListRow? in
            guard let s = KingaStore.summary(from: row) else { return nil }
            return CaseListRow(summary: s, cursor: CaseListCursor(tier: 0, key: (0..<keys).map { row["k\($0)"] as DatabaseValue }))
        }
        return forward ? rows : rows.reversed()
    }

    private func sortedSQL(after cursor: CaseListCursor?, limit: Int, forward: Bool) -> (String, SQLArgs, Int) {
        let sort = query.sort ?? .lastActivity
        let cols = Self.keyColumns(sort)
        // Natural order, possibly reversed; backward pages walk the other way.
        var descending = !sort.naturalOrderIsAscending
        if query.reversed { descending.toggle() }
        if !forward { descending.toggle() }
        let dir = descending ? "DESC" : "ASC"
        let keySelect = cols.enumerated().map { "\($1) AS k\($0)" }.joined(separator: ", ")
        let from = terms.isEmpty ? "FROM case_record c" : Self.joinSearch
        var sql = KingaStore.summarySQL.replacingOccurrences(of: "FROM case_record c", with: ", \(keySelect) \(from)")
        let f = filterSQL
        var args: SQLArgs = []
        sql += " WHERE "
        if !terms.isEmpty {
            sql += "case_search MATCH ? AND "
            args += [prefixMatch]
        }
        sql += f.sql
        args += f.args
        if let c = cursor, c.key.count == cols.count {
            sql += " AND (\(cols.joined(separator: ", "))) \(descending ? "<" : ">") (\(Array(repeating: "?", count: cols.count).joined(separator: ", ")))"
            args += c.key.map { $0 }
        }
        sql += " ORDER BY " + cols.map { "\($0) \(dir)" }.joined(separator: ", ") + " LIMIT ?"
        args += [limit]
        return (sql, args, cols.count)
    }

    /// The statements a first page runs (the count and the page), for the sqlite3 floor and query plans.
    func statements(_ db: Database, limit: Int) throws -> [(String, SQLArgs)] {
        let tier0 = try caseNumberDocids(db)
        var out: [(String, SQLArgs)] = [countSQL(tier0: tier0, cap: terms.isEmpty && query.filter.isEmpty ? nil : KingaStore.countCap)]
        if terms.isEmpty || sortedSearch {
            let (sql, args, _) = sortedSQL(after: nil, limit: limit, forward: true)
            out.append((sql, args))
        } else {
            // Exactly the tier queries a first page runs: each tier only while the page is not full yet.
            var left = limit
            for tier in 0...2 where left > 0 {
                guard let s = tierSQL(tier: tier, tier0: tier0, after: nil, limit: left, forward: true) else { continue }
                out.append(s)
                left -= try Row.fetchAll(db, sql: s.0, arguments: StatementArguments(s.1)).count
            }
        }
        return out
    }

    // MARK: count

    /// The count statement: every case matching the filters (and, when searching, every word as a prefix,
    /// apart from the tier-0 cases counted separately), stopping after `cap + 1` when a cap is given.
    func countSQL(tier0: [Int64], cap: Int?) -> (String, SQLArgs) {
        let f = filterSQL
        var sql: String
        var args: SQLArgs = []
        if countsFromTally {
            // The whole list, or only status, urgency and assignee filters: read from the tally the triggers
            // keep (`CaseTally`, issue #17), exact at any size and never capped. Counting walked an index entry
            // per case: at a million, hundreds of milliseconds before the first case list, each page decrypted
            // once on an encrypted kiosk.
            return (CaseTally.countSQL(f.sql), f.args)
        } else if terms.isEmpty {
            sql = "SELECT 1 FROM case_record c WHERE \(f.sql)"
        } else if f.sql == "1=1" {
            // Nothing to check on the case rows: count in the search index alone (no lookup per case).
            sql = "SELECT 1 FROM case_search s WHERE case_search MATCH ?"
            args += [prefixMatch]
            if !tier0.isEmpty { sql += " AND s.rowid NOT IN (\(tier0.map(String.init).joined(separator: ",")))" }
        } else {
            sql = "SELECT 1 " + Self.joinSearch + " WHERE case_search MATCH ? AND \(f.sql)"
            args += [prefixMatch]
            if !tier0.isEmpty { sql += " AND s.rowid NOT IN (\(tier0.map(String.init).joined(separator: ",")))" }
        }
        args += f.args
        if let cap { return ("SELECT count(*) FROM (\(sql) LIMIT \(cap + 1))", args) }
        return ("SELECT count(*) FROM (\(sql))", args)
    }

    /// True when the count comes exact from the tally (see `countSQL`): no cap applies.
    var countsFromTally: Bool { terms.isEmpty && CaseTally.answers(query.filter) }

    func count(_ db: Database, cap requested: Int?) throws -> CaseMatchCount {
        let tier0 = try caseNumberDocids(db)
        let cap = countsFromTally ? nil : requested
        let (sql, args) = countSQL(tier0: tier0, cap: cap)
        let n = (try Int.fetchOne(db.cachedStatement(sql: sql), arguments: StatementArguments(args)) ?? 0) + tier0.count
        if let cap, n > cap { return CaseMatchCount(count: cap, capped: true) }
        return CaseMatchCount(count: n, capped: false)
    }

    /// Every word as a prefix anywhere: the union of tiers 1 and 2.
    var prefixMatch: String {
        if let n = yearNumber { return "number : (\"\(n.year)\" AND \"\(n.serial)\"*)" }
        return quoted.map { $0 + "*" }.joined(separator: " AND ")
    }
}
