import Foundation
import GRDB
import Model

// What is due today, and the home screen's counts.
extension KingaStore {
    // MARK: - Due today

    /// How many items "Due today" lists for `viewer` (the number on the home screen), counted in SQL with
    /// indexes instead of building every item, so the home screen opens as fast on a million cases as on
    /// ten. Always equal to `dueItems(deadlines:viewer:).count` (tested).
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func dueCount(deadlines: Deadlines, viewer: Viewer) throws -> Int {
        let now = clock.now
        let today = clock.today
        let s = try scopeValues(viewer)
        let first = Self.firstActionOverdueSQL(deadlines: deadlines, now: now)
        let reviewCutoff = ISO8601.format(now.addingTimeInterval(-Double(deadlines.reviewDays) * 86400))
        let counts: [(String, SQLArgs)] = [
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.first_action_at IS NULL AND \(first.sql)", s.args + first.args),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.next_follow_up <= ?", s.args + [today.iso]),
            ("SELECT count(*) FROM referral r JOIN case_record c ON c.id = r.case_id WHERE \(s.sql) AND r.status = 'pending' AND c.status = 'open'", s.args),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.first_action_at IS NOT NULL AND c.reviewed_at < ?", s.args + [reviewCutoff]),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.returned_comment IS NOT NULL", s.args),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.assigned_to IS NULL AND c.source = 'child_friendly'", s.args),
        ]
        return try pool.read { db in
            try counts.reduce(0) { total, q in total + (try Int.fetchOne(db, sql: q.0, arguments: StatementArguments(q.1)) ?? 0) }
        }
    }

    /// `EXPLAIN QUERY PLAN` of the home screen's counts (due items and the numbers at a glance), for tests.
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func dashboardPlans(viewer: Viewer) throws -> [String] {
        let s = try scopeValues(viewer)
        let first = Self.firstActionOverdueSQL(deadlines: .standard, now: clock.now)
        let queries: [(String, SQLArgs)] = [
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.first_action_at IS NULL AND \(first.sql)", s.args + first.args),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.next_follow_up <= ?", s.args + ["2026-01-01"]),
            ("SELECT count(*) FROM referral r JOIN case_record c ON c.id = r.case_id WHERE \(s.sql) AND r.status = 'pending' AND c.status = 'open'", s.args),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.first_action_at IS NOT NULL AND c.reviewed_at < ?", s.args + ["2026-01-01"]),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.returned_comment IS NOT NULL", s.args),
            ("SELECT count(*) FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.assigned_to IS NULL AND c.source = 'child_friendly'", s.args),
            (Self.openCountSQL(s.sql), s.args),
            (Self.urgentCountSQL(s.sql), s.args),
            (Self.allCasesCountSQL(s.sql), s.args),
        ]
        return try pool.read { db in
            try queries.flatMap { q in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + q.0, arguments: StatementArguments(q.1)).map { $0["detail"] as String? ?? "" }
            }
        }
    }

    /// The condition "no first action within the deadline for this case's risk" (urgent and unassessed
    /// cases count as high), for a case row `c` that is open without a first action. Shared by Due today,
    /// its count and the "due or overdue" filter so they always agree.
    static func firstActionOverdueSQL(deadlines: Deadlines, now: Date) -> (sql: String, args: SQLArgs) {
        func cutoff(_ risk: RiskLevel?, urgent: Bool) -> String {
            ISO8601.format(now.addingTimeInterval(-Double(deadlines.firstActionHours(risk: risk, urgent: urgent)) * 3600))
        }
        return ("""
            (SELECT min(e.occurred_at) FROM case_event e WHERE e.case_id = c.id AND e.kind = 'report_received') <
              CASE WHEN c.urgent = 1 THEN ? WHEN c.risk_level = 'medium' THEN ? WHEN c.risk_level = 'low' THEN ? ELSE ? END
            """, [cutoff(nil, urgent: true), cutoff(.medium, urgent: false), cutoff(.low, urgent: false), cutoff(.high, urgent: false)])
    }

    /// What needs doing: open cases with no first action past the deadline, follow-ups due today or earlier,
    /// stale and waiting referrals. Most urgent first (kind order, then days overdue).
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func dueItems(deadlines: Deadlines, viewer: Viewer) throws -> [DueItem] {
        let now = clock.now
        let today = clock.today
        let reader = try reader(viewer)
        let s = scope(reader)
        return try pool.read { db in
            var items: [DueItem] = []
            // First action: only cases not yet acted on; the deadline depends on risk, so compare per row.
            let rows = try Row.fetchAll(db, sql: """
                SELECT c.id, c.case_number, c.child_name, c.urgent, c.risk_level,
                       (SELECT occurred_at FROM case_event e WHERE e.case_id = c.id AND e.kind = 'report_received' ORDER BY occurred_at LIMIT 1) AS registered
                FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.first_action_at IS NULL
                """, arguments: s.args)
            for r in rows {
                guard let id = UUID(uuidString: r["id"]), let number = CaseNumber(r["case_number"]),
                      let registered = (r["registered"] as String?).flatMap(ISO8601.parse) else { continue }
                let risk = (r["risk_level"] as String?).flatMap(RiskLevel.init(rawValue:))
                let urgent: Bool = r["urgent"]
                let due = registered.addingTimeInterval(Double(deadlines.firstActionHours(risk: risk, urgent: urgent)) * 3600)
                if now > due {
                    let days = Int(now.timeIntervalSince(due) / 86400)
                    items.append(DueItem(kind: .firstActionOverdue, caseID: id, caseNumber: number, childName: r["child_name"],
                                         urgent: urgent, days: days, detail: risk.map { "\($0.rawValue) risk" } ?? "not assessed"))
                }
            }
            for r in try Row.fetchAll(db, sql: "SELECT id, case_number, child_name, urgent, next_follow_up FROM case_record c WHERE \(s.sql) AND status = 'open' AND next_follow_up <= ?",
                                      arguments: s.args + [today.iso]) {
                guard let id = UUID(uuidString: r["id"]), let number = CaseNumber(r["case_number"]),
                      let d = (r["next_follow_up"] as String?).flatMap(LocalDate.init(iso:)) else { continue }
                items.append(DueItem(kind: .followUpDue, caseID: id, caseNumber: number, childName: r["child_name"], urgent: r["urgent"],
                                     days: today.daysSinceEpoch - d.daysSinceEpoch, detail: d.iso))
            }
            for ref in try Row.fetchAll(db, sql: Self.referralSQL + " WHERE \(s.sql) AND r.status = 'pending' AND c.status = 'open' ORDER BY r.sent_on", arguments: s.args).compactMap(Self.referral(from:)) {
                let stale = Workflow.referralIsStale(status: ref.status, sent: ref.sentOn, today: today, deadlines: deadlines)
                items.append(DueItem(kind: stale ? .referralStale : .referralWaiting, caseID: ref.caseID, caseNumber: ref.caseNumber,
                                     childName: ref.childName, urgent: ref.urgent, days: ref.ageInDays(today: today), detail: ref.providerName))
            }
            // Review: open cases whose newest assessment, plan or follow-up (or registration) is older than the
            // profile's review interval (Inter-agency Guidelines: review at least every 3 months).
            let cutoff = ISO8601.format(now.addingTimeInterval(-Double(deadlines.reviewDays) * 86400))
            for r in try Row.fetchAll(db, sql: """
                SELECT c.id, c.case_number, c.child_name, c.urgent, c.reviewed_at AS reviewed
                FROM case_record c WHERE \(s.sql) AND c.status = 'open' AND c.first_action_at IS NOT NULL AND c.reviewed_at < ?
                """, arguments: s.args + [cutoff]) {
                guard let id = UUID(uuidString: r["id"]), let number = CaseNumber(r["case_number"]),
                      let reviewed = r["reviewed"] as String?, reviewed < cutoff, let at = ISO8601.parse(reviewed) else { continue }
                items.append(DueItem(kind: .reviewDue, caseID: id, caseNumber: number, childName: r["child_name"], urgent: r["urgent"],
                                     days: Int(now.timeIntervalSince(at) / 86400), detail: LocalDate(at, in: clock.timeZone).iso))
            }
            for r in try Row.fetchAll(db, sql: "SELECT id, case_number, child_name, urgent, returned_comment FROM case_record c WHERE \(s.sql) AND status = 'open' AND returned_comment IS NOT NULL",
                                      arguments: s.args) {
                guard let id = UUID(uuidString: r["id"]), let number = CaseNumber(r["case_number"]) else { continue }
                let readable = reader.map { $0.can(.viewNarrative, ownCase: true, demo: isDemo) } ?? true
                items.append(DueItem(kind: .returnedForCorrection, caseID: id, caseNumber: number, childName: r["child_name"], urgent: r["urgent"],
                                     days: 0, detail: readable ? r["returned_comment"] : ""))
            }
            for r in try Row.fetchAll(db, sql: "SELECT id, case_number, child_name, urgent, source FROM case_record c WHERE \(s.sql) AND status = 'open' AND assigned_to IS NULL AND source = 'child_friendly'",
                                      arguments: s.args) {
                guard let id = UUID(uuidString: r["id"]), let number = CaseNumber(r["case_number"]) else { continue }
                items.append(DueItem(kind: .waitingForFocalPoint, caseID: id, caseNumber: number, childName: r["child_name"], urgent: r["urgent"],
                                     days: 0, detail: r["source"]))
            }
            let order: [DueItem.Kind: Int] = [.waitingForFocalPoint: 0, .returnedForCorrection: 0, .firstActionOverdue: 1, .followUpDue: 2, .referralStale: 3, .reviewDue: 4, .referralWaiting: 5]
            return items.sorted {
                ($0.urgent ? 0 : 1, order[$0.kind]!, -$0.days, $0.caseNumber) < ($1.urgent ? 0 : 1, order[$1.kind]!, -$1.days, $1.caseNumber)
            }
        }
    }
}
