import Foundation
import GRDB
import Testing
@testable import Model
@testable import Storage
import StoreTestSupport

/// A store with a handful of fictional cases for search tests.
private func searchStore(_ dir: TempDir) throws -> KingaStore {
    var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
    store = try store.actAsTestSupervisor()
    let people: [(String, String, String, Bool)] = [
        ("José Banda", "Kasama", "He works at the quarry all day.", false),
        ("Josephine Bandawe", "Mansa", "She stopped going to school.", true),
        ("Jo Phiri", "Kásama", "Neighbour heard shouting at night.", false),
        ("Mwila Tembo", "Chipata", "Banda family said the child is José's cousin.", false),
        ("Siti Rahayu", "Kampung Fiksi", "Asked to marry a man from the quarry.", false),
        ("Ана Петрова", "Село Вымышленное", "Не ходит в школу.", false),
    ]
    for (name, village, story, urgent) in people {
        var r = sampleReport(name: name, village: village, urgent: urgent)
        r.narrative = story
        try store.registerCase(from: r, draftID: UUID())
    }
    return store
}

private func names(_ store: KingaStore, _ q: CaseQuery, limit: Int = 50) throws -> [String] {
    try store.caseList(q, after: nil, limit: limit, viewer: store.testViewer, today: pinned.today).map(\.summary.childName)
}

/// Every row of `q`, read in pages of `size` forward from the top and backward from the end.
private func pagedBothWays(_ store: KingaStore, _ q: CaseQuery, size: Int) throws -> (forward: [UUID], backward: [UUID]) {
    var forward: [CaseListRow] = []
    var cursor: CaseListCursor?
    while true {
        let page = try store.caseList(q, after: cursor, limit: size, viewer: store.testViewer, today: pinned.today)
        if page.isEmpty { break }
        forward += page
        cursor = page.last?.cursor
    }
    var backward: [CaseListRow] = []
    var before: CaseListCursor?
    while true {
        let page = try store.caseList(q, before: before, limit: size, viewer: store.testViewer, today: pinned.today)
        if page.isEmpty { break }
        backward = page + backward
        before = page.first?.cursor
    }
    return (forward.map(\.summary.id), backward.map(\.summary.id))
}

@Suite("Case search, filters and sorting (issue #6)")
struct SearchTests {
    @Test("accents and case do not matter, in both directions")
    func accentAndCaseInsensitive() throws {
        let dir = TempDir()
        let store = try searchStore(dir)
        #expect(try names(store, CaseQuery(text: "jose")).first == "José Banda")
        #expect(try names(store, CaseQuery(text: "JOSÉ")).first == "José Banda")
        #expect(try names(store, CaseQuery(text: "ана")) == ["Ана Петрова"])
        #expect(try names(store, CaseQuery(text: "kasama")).sorted() == ["Jo Phiri", "José Banda"])
    }

    @Test("prefixes match, and whole-name hits come before other matches")
    func prefixesAndRanking() throws {
        let dir = TempDir()
        let store = try searchStore(dir)
        // "banda": José Banda has it whole in the name; Bandawe only as a prefix; Mwila Tembo in the story.
        let hits = try names(store, CaseQuery(text: "banda"))
        #expect(hits.first == "José Banda")
        #expect(Set(hits) == ["José Banda", "Josephine Bandawe", "Mwila Tembo"])
        // "jos": all prefixes; nobody is named exactly "jos", so newest registration first.
        #expect(try names(store, CaseQuery(text: "jos")) == ["Mwila Tembo", "Josephine Bandawe", "José Banda"])
        // Two words must both match.
        #expect(try names(store, CaseQuery(text: "quarry sit")) == ["Siti Rahayu"])
        #expect(try names(store, CaseQuery(text: "nobody-here")).isEmpty)
    }

    @Test("a case number finds its case first; words from the report are searched")
    func caseNumbersAndReportWords() throws {
        let dir = TempDir()
        let store = try searchStore(dir)
        #expect(try names(store, CaseQuery(text: "KG-2026-0003")).first == "Jo Phiri")
        #expect(try names(store, CaseQuery(text: "kg-2026-0003")).first == "Jo Phiri")
        #expect(try names(store, CaseQuery(text: "3")).first == "Jo Phiri")
        #expect(try names(store, CaseQuery(text: "0005")).first == "Siti Rahayu")
        #expect(try names(store, CaseQuery(text: "shouting")) == ["Jo Phiri"])
        #expect(try names(store, CaseQuery(text: "школу")) == ["Ана Петрова"])
    }

    @Test("hostile search text never breaks the query")
    func hostileText() throws {
        let dir = TempDir()
        let store = try searchStore(dir)
        for text in ["\"", "'", "*", "NOT", "name:", "(", ")", "\"jose\" OR 1=1 --", "\u{202E}jose", "jose\u{0}", "^", "NEAR(a b)", String(repeating: "a b ", count: 5000)] {
            _ = try store.caseList(CaseQuery(text: text), after: nil, limit: 20, viewer: store.testViewer, today: pinned.today)
            _ = try store.caseMatchCount(CaseQuery(text: text), viewer: store.testViewer, today: pinned.today)
        }
        #expect(try names(store, CaseQuery(text: "NOT")).isEmpty)
        #expect(try names(store, CaseQuery(text: "\u{202E}jose")).first == "José Banda")
    }

    @Test("the count is exact up to the cap, then says there are more")
    func counts() throws {
        let dir = TempDir()
        let store = try searchStore(dir)
        #expect(try store.caseMatchCount(CaseQuery(text: "jos"), viewer: store.testViewer, today: pinned.today) == CaseMatchCount(count: 3, capped: false))
        #expect(try store.caseMatchCount(CaseQuery(text: "jos"), cap: 2, viewer: store.testViewer, today: pinned.today) == CaseMatchCount(count: 2, capped: true))
        #expect(try store.caseMatchCount(CaseQuery(), viewer: store.testViewer, today: pinned.today) == CaseMatchCount(count: 6, capped: false))
        #expect(try store.caseMatchCount(CaseQuery(text: "3"), viewer: store.testViewer, today: pinned.today).count == 1)
    }

    @Test("filters combine with each other and with search")
    func filters() throws {
        let dir = TempDir()
        let store = try searchStore(dir)
        #expect(try names(store, CaseQuery(filter: CaseFilter(urgent: true))) == ["Josephine Bandawe"])
        #expect(try names(store, CaseQuery(text: "jos", filter: CaseFilter(urgent: false))) == ["Mwila Tembo", "José Banda"])
        #expect(try names(store, CaseQuery(filter: CaseFilter(village: "KASAMA"))).sorted() == ["Jo Phiri", "José Banda"])
        #expect(try names(store, CaseQuery(filter: CaseFilter(risk: .notAssessed))).count == 6)
        #expect(try names(store, CaseQuery(filter: CaseFilter(risk: .level(.high)))).isEmpty)
        #expect(try names(store, CaseQuery(filter: CaseFilter(concern: "neglect"))).count == 6)
        #expect(try names(store, CaseQuery(filter: CaseFilter(concern: "child_marriage"))).isEmpty)
        #expect(try names(store, CaseQuery(filter: CaseFilter(status: .closed))).isEmpty)
        #expect(try names(store, CaseQuery(filter: CaseFilter(assignee: .nobody))).count == 6)
        #expect(try names(store, CaseQuery(filter: CaseFilter(assignee: .user(UUID())))).isEmpty)
        // Registered "now" with no action yet: nothing is overdue today; a day later, all are (24 h for urgent
        // and unassessed cases).
        #expect(try names(store, CaseQuery(filter: CaseFilter(overdueOnly: true))).isEmpty)
        var later = try KingaStore(test: store.path, clock: .fixed(pinned.now.addingTimeInterval(25 * 3600), timeZone: pinned.timeZone))
        later = try later.actAsTestSupervisor()
        #expect(try later.caseList(CaseQuery(filter: CaseFilter(overdueOnly: true)), after: nil, limit: 50, viewer: later.testViewer, today: later.clock.today).count == 6)
    }

    @Test("every column sorts both ways, and keyset pages join up exactly", arguments: CaseSort.allCases)
    func sortingAndPaging(sort: CaseSort) throws {
        let dir = TempDir()
        let store = try searchStore(dir)
        for reversed in [false, true] {
            let q = CaseQuery(sort: sort, reversed: reversed)
            let all = try store.caseList(q, after: nil, limit: 100, viewer: store.testViewer, today: pinned.today)
            #expect(all.count == 6)
            // Forward in pages of 2, and backward from the end, give the same order.
            let paged = try pagedBothWays(store, q, size: 2)
            #expect(paged.forward == all.map(\.summary.id))
            #expect(paged.backward == all.map(\.summary.id))
            if sort == .childName {
                let expected = all.map(\.summary.childName).sorted { DuplicateRule.key($0) < DuplicateRule.key($1) }
                #expect(all.map(\.summary.childName) == (reversed ? expected.reversed() : expected))
            }
        }
    }

    @Test("search results page forward and back across the tiers")
    func searchPaging() throws {
        let dir = TempDir()
        let store = try searchStore(dir)
        let q = CaseQuery(text: "banda")
        let all = try store.caseList(q, after: nil, limit: 100, viewer: store.testViewer, today: pinned.today)
        let paged = try pagedBothWays(store, q, size: 1)
        #expect(paged.forward == all.map(\.summary.id))
        #expect(paged.backward == all.map(\.summary.id))
        // A search ordered by a column: only the matches, in that order.
        let byName = try names(store, CaseQuery(text: "banda", sort: .childName))
        #expect(byName == ["José Banda", "Josephine Bandawe", "Mwila Tembo"])
    }

    @Test("the index follows changes to names and reports")
    func indexFollowsChanges() throws {
        let dir = TempDir()
        let store = try searchStore(dir)
        let c = try #require(try store.caseList(CaseQuery(text: "siti"), after: nil, limit: 1, viewer: store.testViewer, today: pinned.today).first)
        var record = try #require(try store.caseRecord(id: c.summary.id, viewer: store.testViewer))
        record.report.narrative = "Moved to her aunt in Lusaka."
        try store.outsideKinga { db in
            try db.execute(sql: "UPDATE case_record SET report_json = ?, child_name = 'Siti Aminah' WHERE id = ?",
                           arguments: [try KingaStore.encode(record.report), c.summary.id.uuidString])
        }
        #expect(try names(store, CaseQuery(text: "quarry")) == ["José Banda"])
        #expect(try names(store, CaseQuery(text: "lusaka")) == ["Siti Aminah"])
        #expect(try names(store, CaseQuery(text: "rahayu")).isEmpty)
        #expect(try names(store, CaseQuery(text: "aminah")) == ["Siti Aminah"])
    }

    @Test("the hot queries use indexes: no full-table scan, no sort of the whole table")
    func queryPlans() throws {
        let dir = TempDir()
        let store = try searchStore(dir)
        var queries: [CaseQuery] = CaseSort.allCases.flatMap { [CaseQuery(sort: $0), CaseQuery(sort: $0, reversed: true)] }
        // Cases numbered 1 in three years, so a bare "1" finds several numbers (tier 0 with a list).
        for year in [2024, 2025] {
            try store.registerCase(from: sampleReport(name: "Year \(year)"), draftID: UUID(), receivedAt: ISO8601.parse("\(year)-06-01T09:00:00Z")!)
        }
        queries += [CaseQuery(text: "jos"), CaseQuery(text: "KG-2026-0001"), CaseQuery(text: "42"), CaseQuery(text: "1"),
                    CaseQuery(text: "jos", filter: CaseFilter(status: .open, urgent: true))]
        for q in queries {
            let plans = try store.caseListPlans(q, viewer: store.testViewer, today: pinned.today)
            // Without search words or other filters, the count is read from the case tally (a few rows).
            #expect((plans["tally"] != nil) == (!q.isSearch && q.filter.isEmpty), "\(q): \(plans.keys.sorted())")
            for (name, plan) in plans where name != "tally" {
                let text = plan.joined(separator: "\n")
                // "SCAN c" alone is a full-table scan; "SCAN c USING … INDEX" walks an index in order.
                let tableScan = plan.contains { $0.hasPrefix("SCAN c") && !$0.contains("INDEX") }
                #expect(!tableScan, "\(q) \(name): \(text)")
                // A search reaches cases through the search index or the case number: never by walking cases.
                if q.isSearch { #expect(!plan.contains { $0.hasPrefix("SCAN c") }, "\(q) \(name): \(text)") }
                if name != "page0" { #expect(!text.contains("TEMP B-TREE FOR ORDER BY") || q.isSearch, "\(q) \(name): \(text)") }
            }
        }
    }
}

@Suite("Other names (nickname)")
struct NicknameTests {
    @Test("a child is found by another name, and older reports without the field still read")
    func nicknameIsSearched() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        var r = sampleReport(name: "Chileshe Mwale")
        r.nickname = "Shesh"
        let c = try store.registerCase(from: r, draftID: UUID())
        #expect(try names(store, CaseQuery(text: "shesh")) == ["Chileshe Mwale"])
        // The nickname counts as part of the name: a whole-word hit.
        #expect(try store.caseList(CaseQuery(text: "shesh"), after: nil, limit: 5, viewer: store.testViewer, today: pinned.today).first?.cursor.tier == 1)
        #expect(try store.caseRecord(id: c.id, viewer: store.testViewer)?.report.nickname == "Shesh")
        // A report saved before the field existed (no "nickname" key) reads with it empty.
        let old = #"{"childName":"Amani","concerns":["neglect"],"village":"X","caregiver":"","narrative":"n","childAssent":"yes","caregiverConsent":"yes","reporterName":"","reporterContact":"","dateOfBirthText":"","approximateAgeText":"9","whenHappened":"","whereHappened":"","reasonWithoutConsent":""}"#
        let decoded = try JSONDecoder().decode(Report.self, from: Data(old.utf8))
        #expect(decoded.childName == "Amani")
        #expect(decoded.nickname == "")
    }
}

@Suite("Home screen counts at scale")
struct DashboardTests {
    @Test("the due count always equals the Due today list, on the demo data at several dates and for each user",
          arguments: [0, 2, 30, 120, 400])
    func dueCountMatchesTheList(daysLater: Int) throws {
        let dir = TempDir()
        let path = dir.path + "/demo.sqlite"
        do {
            var seedStore = try KingaStore(test: path, clock: pinned)
            seedStore = try seedStore.actAsTestSupervisor()
            try Seeds.fillDemo(seedStore, seeds: seedsFolder, timeZone: TimeZone(identifier: "UTC")!)
        }
        let later = Clock.fixed(pinned.now.addingTimeInterval(Double(daysLater) * 86_400), timeZone: pinned.timeZone)
        var store = try KingaStore(test: path, clock: later)
        store = try store.actAsTestSupervisor()
        let d = Deadlines.standard
        #expect(try store.dueCount(deadlines: d, viewer: store.testViewer) == store.dueItems(deadlines: d, viewer: store.testViewer).count)
        if daysLater == 400 { #expect(try store.dueCount(deadlines: d, viewer: store.testViewer) > 0) }
        for u in try store.users() {
            store = try store.beginSession(userID: u.id)
            #expect(try store.dueCount(deadlines: d, viewer: .user(u)) == store.dueItems(deadlines: d, viewer: .user(u)).count, "\(u.name)")
        }
    }

    @Test("the home screen's counts never scan the case table")
    func dashboardPlans() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let fp = try store.addTestUser(name: "Plan Focal Point", roles: [.focalPoint], pin: "902134")
        for user in [nil, fp] {
            if let u = user { store = try store.beginSession(userID: u.id) }
            let plan = try store.dashboardPlans(viewer: user.map(Viewer.user) ?? .systemMaintenance)
            #expect(!plan.contains { $0.hasPrefix("SCAN c") && !$0.contains("INDEX") }, "\(plan.joined(separator: "\n"))")
        }
    }
}
