import Foundation
import Testing
@testable import Model
@testable import Storage
import StoreTestSupport

/// A temporary folder removed when the test ends.
final class TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "kinga-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

let pinned = Clock.fixed(ISO8601.parse("2026-03-02T09:00:00Z")!, timeZone: TimeZone(identifier: "UTC")!)

func sampleReport(name: String = "Amani", village: String = "Kampung Fiksi", urgent: Bool = false) -> Report {
    var r = Report()
    r.reporterKind = .teacher
    r.reporterName = "Ibu Guru Fiktif"
    r.childName = name
    r.sex = .female
    r.approximateAgeText = "9"
    r.village = village
    r.caregiver = "Grandmother"
    r.concerns = ["neglect", "out_of_school"]
    r.narrative = "She has not come to school for two weeks.\nShe looked hungry."
    r.inDangerNow = urgent
    r.childAssent = .yes
    r.caregiverConsent = .yes
    return r
}

/// The repository's seeds folder, found from this file's path.
let seedsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("seeds").path

@Suite("KingaStore: cases, timelines and drafts in SQLite")
struct StoreTests {
    @Test func registersACaseAndFindsItAfterReopening() throws {
        let dir = TempDir()
        let path = dir.path + "/k.sqlite"
        let id: UUID
        do {
            var store = try KingaStore(test: path, clock: pinned)
            store = try store.actAsTestSupervisor()
            let c = try store.registerCase(from: sampleReport(), draftID: UUID())
            #expect(c.number.description == "KG-2026-0001")
            #expect(c.childName == "Amani")
            #expect(c.concerns == ["neglect", "out_of_school"])
            #expect(c.version >= 1)
            #expect(c.age?.years(on: pinned.today) == 9)
            id = c.id
        }
        var again = try KingaStore(test: path, clock: pinned)
        again = try again.actAsTestSupervisor()
        let c = try #require(try again.caseRecord(id: id, viewer: again.testViewer))
        #expect(c.number.description == "KG-2026-0001")
        #expect(c.report.narrative.contains("looked hungry"))
        let events = try again.events(caseID: id, viewer: again.testViewer)
        #expect(events.map(\.kind) == [.reportReceived, .consentRecorded])
        #expect(events.allSatisfy { $0.author == "Tess Supervisor" && $0.deviceID == again.deviceID })
        #expect(try again.caseRecord(number: CaseNumber("KG-2026-0001")!, viewer: again.testViewer)?.id == id)
    }

    @Test func caseNumbersRunOnAndAreUnique() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let numbers = try (0..<12).map { _ in try store.registerCase(from: sampleReport(), draftID: UUID()).number.description }
        #expect(numbers.first == "KG-2026-0001")
        #expect(numbers.last == "KG-2026-0012")
        #expect(Set(numbers).count == 12)
    }

    @Test("saving the same draft twice creates one case")
    func saveIsIdempotentPerDraft() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let draft = UUID()
        try store.saveDraft(id: draft, step: .review, report: sampleReport(), expectedVersion: 0)
        let a = try store.registerCase(from: sampleReport(), draftID: draft)
        let b = try store.registerCase(from: sampleReport(), draftID: draft)
        #expect(a.id == b.id)
        #expect(try store.caseCount(viewer: store.testViewer) == 1)
        #expect(try store.drafts().isEmpty)
    }

    @Test("a draft already saved as a case is never saved again with other answers: the stale session is told the number")
    func sameDraftDifferentAnswers() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let draft = UUID()
        let a = try store.registerCase(from: sampleReport(name: "T1"), draftID: draft)
        #expect(throws: StoreError.draftSavedAsCase(a.number)) {
            try store.registerCase(from: sampleReport(name: "T2"), draftID: draft)
        }
        #expect(try store.casePage(after: nil, limit: 10, viewer: store.testViewer).map(\.childName) == ["T1"])
    }

    @Test("ghost drafts (issue #14): a draft saved as a case in one session is never written again by a stale one")
    func savedDraftNeverComesBack() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let id = UUID()
        var half = Report()
        half.childName = "Half typed"
        // Session A starts the report; session B continues the same draft and saves it as a case.
        let a1 = try store.saveDraft(id: id, step: .child, report: half, expectedVersion: 0)
        let b = try #require(try store.drafts().first)
        let b2 = try store.saveDraft(id: id, step: .review, report: sampleReport(name: "Half typed"), expectedVersion: b.version)
        let saved = try store.registerCase(from: b2.report, draftID: id)
        #expect(try store.drafts().isEmpty)
        // A, hung up or locked, writes its old copy: refused with the case number, nothing comes back.
        #expect(throws: StoreError.draftSavedAsCase(saved.number)) {
            try store.saveDraft(id: id, step: .child, report: half, expectedVersion: a1.version)
        }
        #expect(try store.drafts().isEmpty)
        #expect(try store.caseCount(viewer: store.testViewer) == 1)
    }

    @Test("two sessions on one draft: the second writer of an older version is refused, never overwriting the newer one")
    func draftVersionsAreChecked() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let id = UUID()
        var r = Report()
        r.childName = "First"
        let v1 = try store.saveDraft(id: id, step: .child, report: r, expectedVersion: 0)
        r.village = "Kampung Baru"
        _ = try store.saveDraft(id: id, step: .child, report: r, expectedVersion: v1.version)      // session B
        var stale = Report()
        stale.childName = "First"
        stale.caregiver = "Only in session A"
        #expect(throws: StoreError.draftContinuedElsewhere) {
            try store.saveDraft(id: id, step: .child, report: stale, expectedVersion: v1.version)
        }
        #expect(try store.drafts().map(\.report.village) == ["Kampung Baru"])
    }

    @Test func urgentReportsAreFlaggedOnTheTimeline() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let c = try store.registerCase(from: sampleReport(urgent: true), draftID: UUID())
        #expect(c.urgent)
        #expect(try store.events(caseID: c.id, viewer: store.testViewer).map(\.kind).contains(.urgentFlagged))
        #expect(try store.todaySummary(viewer: store.testViewer) == TodaySummary(openCases: 1, urgentOpenCases: 1, drafts: 0, allCases: 1))
    }

    @Test("the home screen's \"cases in all (open, closed and transferred)\" leaves out a report joined to another case as a duplicate")
    func allCasesLeavesOutDuplicates() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let first = try store.registerCase(from: sampleReport(name: "Amani Fiksi"), draftID: UUID())
        let again = try store.registerCase(from: sampleReport(name: "Amani Fiksi"), draftID: UUID())
        try store.linkAsDuplicate(again.id, of: first.id)
        #expect(try store.todaySummary(viewer: store.testViewer).allCases == 1)
        #expect(try store.todaySummary(viewer: store.testViewer).openCases == 1)
    }

    @Test func incompleteReportsAreRefused() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        var r = sampleReport()
        r.village = ""
        #expect(throws: StoreError.invalidReport([.village])) { try store.registerCase(from: r, draftID: UUID()) }
        #expect(try store.caseCount(viewer: store.testViewer) == 0)
    }

    @Test func draftsSurviveReopeningAndCanBeDiscarded() throws {
        let dir = TempDir()
        let path = dir.path + "/k.sqlite"
        let id = UUID()
        var r = Report()
        r.childName = "Half typed"
        do {
            var store = try KingaStore(test: path, clock: pinned)
            store = try store.actAsTestSupervisor()
            try store.saveDraft(id: id, step: .child, report: r, expectedVersion: 0)
            r.village = "Kampung Fiksi"
            let d = try store.saveDraft(id: id, step: .whatHappened, report: r, expectedVersion: 1)
            #expect(d.version == 2)
        }
        var store = try KingaStore(test: path, clock: pinned)
        store = try store.actAsTestSupervisor()
        let drafts = try store.drafts()
        #expect(drafts.count == 1)
        #expect(drafts[0].report == r)
        #expect(drafts[0].step == .whatHappened)
        #expect(try store.todaySummary(viewer: store.testViewer).drafts == 1)
        try store.deleteDraft(id: id)
        #expect(try store.drafts().isEmpty)
    }

    @Test func notesGoOnTheTimelineAndMoveTheCaseToTheTop() throws {
        let dir = TempDir()
        var now = ISO8601.parse("2026-03-02T09:00:00Z")!
        let box = NowBox(now)
        let clock = Clock(timeZone: TimeZone(identifier: "UTC")!) { box.value }
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: clock)
        store = try store.actAsTestSupervisor()
        let first = try store.registerCase(from: sampleReport(name: "First"), draftID: UUID())
        now += 60
        box.value = now
        _ = try store.registerCase(from: sampleReport(name: "Second"), draftID: UUID())
        #expect(try store.casePage(after: nil, limit: 10, viewer: store.testViewer).map(\.childName) == ["Second", "First"])
        now += 60
        box.value = now
        let note = try store.addNote(caseID: first.id, text: "Visited the family.\nAll safe today.\u{1B}[2J")
        #expect(note.summary == "Visited the family.")
        #expect(!note.body.contains("\u{1B}"))
        #expect(try store.casePage(after: nil, limit: 10, viewer: store.testViewer).map(\.childName) == ["First", "Second"])
        #expect(try store.events(caseID: first.id, viewer: store.testViewer).last?.kind == .note)
        #expect(try store.caseRecord(id: first.id, viewer: store.testViewer)!.version > first.version)
        #expect(throws: StoreError.notFound) { try store.addNote(caseID: UUID(), text: "x") }
    }

    @Test("keyset pages walk the whole list forwards and backwards without gaps or repeats")
    func keysetPagination() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let base = ISO8601.parse("2026-01-01T00:00:00Z")!
        for i in 0..<95 {
            // Several cases share a timestamp, so the id must break ties.
            _ = try store.registerCase(from: sampleReport(name: "Child \(i)"), draftID: UUID(), receivedAt: base + Double(i / 3) * 3600)
        }
        var forward: [CaseSummary] = []
        var cursor: CaseCursor?
        while true {
            let page = try store.casePage(after: cursor, limit: 10, viewer: store.testViewer)
            if page.isEmpty { break }
            forward += page
            cursor = CaseCursor(page.last!)
        }
        #expect(forward.count == 95)
        #expect(Set(forward.map(\.id)).count == 95)
        #expect(zip(forward, forward.dropFirst()).allSatisfy { $0.lastActivityAt >= $1.lastActivityAt })
        var backward: [CaseSummary] = try store.casePage(before: nil, limit: 10, viewer: store.testViewer)
        while let first = backward.first {
            let page = try store.casePage(before: CaseCursor(first), limit: 10, viewer: store.testViewer)
            if page.isEmpty { break }
            backward = page + backward
        }
        #expect(backward.map(\.id) == forward.map(\.id))
    }

    @Test("the case-list query uses the index, never a full-table scan with a sort")
    func casePageUsesIndex() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let plan = try store.casePagePlan().joined(separator: "\n")
        #expect(plan.contains("case_by_activity"), "plan: \(plan)")
        #expect(!plan.contains("USE TEMP B-TREE"), "plan: \(plan)")
        #expect(!plan.contains("SCAN c"), "plan: \(plan)")
    }

    @Test func writerIsSynchronousFull() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        #expect(try store.writerSynchronousMode() == 2)
    }

    @Test func namesAreStoredNFCAndWithoutControls() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let c = try store.registerCase(from: sampleReport(name: "Jose\u{301}\u{1B}[31m"), draftID: UUID())
        #expect(c.childName == "José[31m")
    }

    @Test func aFileThatIsNotADatabaseGivesAPlainMessage() throws {
        let dir = TempDir()
        let path = dir.path + "/broken.sqlite"
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        do {
            _ = try KingaStore(path: path, clock: pinned)
            Issue.record("opened a file that is not a database")
        } catch let e as StoreError {
            #expect(e.description.contains("damaged") && e.description.contains("nothing more can be lost"))
        }
    }

    @Test func theDemoSeedsLoad() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/demo.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let n = try Seeds.fillDemo(store, seeds: seedsFolder, timeZone: TimeZone(identifier: "UTC")!)
        #expect(n >= 40)
        #expect(try store.caseCount(viewer: store.testViewer) == n)
        let all = try store.casePage(after: nil, limit: 1000, viewer: store.testViewer)
        #expect(Set(all.map(\.village)).count >= 5)
        #expect(all.contains { $0.age?.years(on: pinned.today) == 0 })
        #expect(all.contains { $0.urgent })
        #expect(all.allSatisfy { $0.lastActivityAt <= pinned.now })
    }

    @Test(arguments: ["generic", "indonesia", "zambia"])
    func profilesLoadAndNameTheirSources(id: String) throws {
        let p = try Seeds.profile(id: id, seeds: seedsFolder)
        #expect(p.id == id)
        #expect(!p.sources.isEmpty)
        #expect(p.helplines.contains { $0.number == "116 111" })
        #expect(p.concerns.map(\.id) == StandardConcern.ids)
        #expect(!p.urgentSteps.isEmpty)
        #expect(p.deadlines.firstActionHours[.high] == 24)
        #expect(!p.deadlines.source.isEmpty)
        #expect(p.rules.formalReportConcerns.contains("sexual_violence"))
        #expect(!p.rules.sources.isEmpty)
    }
}

/// A mutable "now" for a test clock.
final class NowBox: @unchecked Sendable {
    var value: Date
    init(_ v: Date) { value = v }
}
