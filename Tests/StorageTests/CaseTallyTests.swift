import Foundation
import GRDB
import Testing
@testable import Model
@testable import Storage
import StoreTestSupport

/// The case tally (migration v17, issue #17): the home screen's counts and the list's count without search
/// words are read from a small table kept by triggers; these tests check it always equals counting.
@Suite("The case tally")
struct CaseTallyTests {
    /// The demo's cases, with a focal point who has some of them.
    private func demoStore(_ dir: TempDir) throws -> (KingaStore, User) {
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        try Seeds.fillDemo(store, seeds: seedsFolder, timeZone: TimeZone(identifier: "UTC")!)
        let focal = try #require(try store.users().first { $0.roles == [.focalPoint] })
        return (store, focal)
    }

    /// Counted the slow way, on a connection of its own: cases in `statuses` (all when nil), optionally
    /// urgent only, seen by `focal` (own and unassigned) or by everyone.
    private func counted(_ store: KingaStore, statuses: [String]?, urgent: Bool = false, focal: User? = nil) throws -> Int {
        var sql = "SELECT count(*) FROM case_record WHERE 1=1"
        var args: [String] = []
        if let s = statuses { sql += " AND status IN (\(s.map { "'\($0)'" }.joined(separator: ",")))" }
        if urgent { sql += " AND urgent = 1" }
        if let f = focal { sql += " AND (assigned_to = ? OR assigned_to IS NULL)"; args.append(f.id.uuidString) }
        return try store.outsideKinga { db in try Int.fetchOne(db, sql: sql, arguments: StatementArguments(args)) ?? -1 }
    }

    private func expectAgrees(_ store: KingaStore, focal: User, _ note: String) throws {
        #expect(try store.outsideKinga { db in try CaseTally.mismatches(db) } == [], "\(note)")
        let all = try store.todaySummary(viewer: store.testViewer)
        #expect(all.openCases == (try counted(store, statuses: ["open"])), "\(note)")
        #expect(all.urgentOpenCases == (try counted(store, statuses: ["open"], urgent: true)), "\(note)")
        #expect(all.allCases == (try counted(store, statuses: ["open", "closed", "transferred"])), "\(note)")
        let whole = try store.caseMatchCount(CaseQuery(), viewer: store.testViewer, today: pinned.today)
        #expect(whole == CaseMatchCount(count: try counted(store, statuses: nil), capped: false), "\(note)")
        let seen = try store.beginSession(userID: focal.id)
        let mine = try seen.todaySummary(viewer: .user(focal))
        #expect(mine.openCases == (try counted(store, statuses: ["open"], focal: focal)), "\(note)")
        #expect(mine.urgentOpenCases == (try counted(store, statuses: ["open"], urgent: true, focal: focal)), "\(note)")
        #expect(mine.allCases == (try counted(store, statuses: ["open", "closed", "transferred"], focal: focal)), "\(note)")
        var closed = CaseQuery()
        closed.filter.status = .closed
        #expect(try seen.caseMatchCount(closed, viewer: .user(focal), today: pinned.today).count
                == (try counted(store, statuses: ["closed"], focal: focal)), "\(note)")
    }

    @Test("agrees with counting after the demo, and after random changes of status, urgency and assignee, new cases and deletions")
    func agreesThroughRandomChanges() throws {
        let dir = TempDir()
        let (store, focal) = try demoStore(dir)
        try expectAgrees(store, focal: focal, "after the demo")
        var rng = SystemRandomNumberGenerator()
        let users: [String?] = try store.users().map { $0.id.uuidString } + [nil]
        for round in 0..<40 {
            let ids = try store.outsideKinga { db in try String.fetchAll(db, sql: "SELECT id FROM case_record") }
            let id = try #require(ids.randomElement(using: &rng))
            let status = ["open", "closed", "transferred", "duplicate"].randomElement(using: &rng)!
            let urgent = Int.random(in: 0...1, using: &rng)
            let assignee = users.randomElement(using: &rng)!
            try store.outsideKinga { db in
                switch round % 5 {
                case 0: try db.execute(sql: "UPDATE case_record SET status = ? WHERE id = ?", arguments: [status, id])
                case 1: try db.execute(sql: "UPDATE case_record SET urgent = ?, assigned_to = ? WHERE id = ?", arguments: [urgent, assignee, id])
                case 2: try db.execute(sql: "UPDATE case_record SET status = ?, urgent = ?, assigned_to = ?, village = 'Fiktiva' WHERE id = ?",
                                       arguments: [status, urgent, assignee, id])
                case 3: try db.execute(sql: "UPDATE case_record SET caregiver = 'Someone Fictional' WHERE id = ?", arguments: [id])
                default: try db.execute(sql: "DELETE FROM case_record WHERE id = ?", arguments: [id])
                }
            }
            if round % 8 == 0 { try store.registerCase(from: sampleReport(name: "Tally Child \(round)", village: "Kasama", urgent: round % 16 == 0), draftID: UUID()) }
        }
        try expectAgrees(store, focal: focal, "after random changes")
    }

    @Test("an archive made before the tally gets it at its first start, and kinga check finds a tally changed behind Kinga's back")
    func migrationFillsItAndCheckFindsTampering() throws {
        let dir = TempDir()
        let (made, focal) = try demoStore(dir)
        var store = made
        // As before v17: no tally, no triggers, the migration not yet run.
        try store.outsideKinga { db in
            try db.execute(sql: """
                DROP TRIGGER case_tally_insert; DROP TRIGGER case_tally_update; DROP TRIGGER case_tally_delete;
                DROP TABLE case_tally;
                DELETE FROM grdb_migrations WHERE identifier = 'v17-case-tally';
                UPDATE case_record SET urgent = 1 - urgent WHERE rowid % 3 = 0;
                """)
        }
        let path = store.path
        store = try KingaStore(test: path, clock: pinned)
        store = try store.actAsTestSupervisor()
        try expectAgrees(store, focal: focal, "after the migration")
        let sound = try store.check()
        #expect(sound.problems == [] && sound.caseCounts)
        try store.outsideKinga { db in try db.execute(sql: "UPDATE case_tally SET n = n + 2 WHERE rowid = (SELECT min(rowid) FROM case_tally)") }
        let report = try store.check()
        #expect(!report.caseCounts)
        #expect(report.problems.count == 1 && report.problems[0].contains("disagree"), "\(report.problems)")
    }

    @Test("the home screen's counts and the whole list's count read the tally, not the cases")
    func countsReadTheTally() throws {
        let dir = TempDir()
        let store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let q = CaseListQuery(CaseQuery(), scope: (sql: "1=1", args: []), today: pinned.today, deadlines: .standard, now: pinned.now)
        let (sql, _) = q.countSQL(tier0: [], cap: nil)
        #expect(sql.contains("FROM case_tally") && !sql.contains("case_record"), "\(sql)")
        for summary in [KingaStore.openCountSQL("1=1"), KingaStore.urgentCountSQL("1=1"), KingaStore.allCasesCountSQL("1=1")] {
            #expect(summary.contains("FROM case_tally") && !summary.contains("case_record"), "\(summary)")
        }
        // The plans of the home screen's counts: the tally's own index, never the case table's.
        let dashboard = try store.dashboardPlans(viewer: .systemMaintenance)
        #expect(dashboard.contains { $0.contains("case_tally_key") }, "\(dashboard.joined(separator: "\n"))")
    }
}
