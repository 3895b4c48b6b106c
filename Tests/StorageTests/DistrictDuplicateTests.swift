import Foundation
import GRDB
import Model
@testable import Storage
import StoreTestSupport
import Testing

/// Issue #19, "the same child reported at two kiosks is found as a possible duplicate once both reports reach the
/// server, and appears in the supervisor's review with both cases": found when a pull brings the other kiosk's case,
/// decided by a supervisor (the same child: joined; different children: said on both timelines), and the decision
/// reaches a third kiosk, which does not ask again.
@Suite("Possible duplicates across kiosks (issue #19)")
struct DistrictDuplicateTests {
    /// A kiosk at `name`.sqlite with a supervisor and administrator logged in, joined as `code`.
    static func kiosk(_ dir: TempDir, _ name: String, code: String) throws -> KingaStore {
        let store = try KingaStore(test: dir.path + "/\(name).sqlite", clock: pinned)
        let s = try store.acting(try store.addTestUser(name: "Supervisor \(name)", roles: [.administrator, .supervisor], pin: "580214"))
        try s.joinDistrict(serverURL: "https://district.example:8443", certificatePEM: "PEM", fingerprint: "AB:CD",
                           kioskCode: KioskCode(code)!, kioskName: "Kiosk \(code)", villages: ["Kampung Fiksi"], token: "t")
        return s
    }

    /// Everything `from` has not sent yet, taken by `to` as a pull numbered from `first`; returns the next number.
    @discardableResult
    static func deliver(_ from: KingaStore, to: KingaStore, first: Int) throws -> Int {
        let push = try #require(try from.preparePush())
        let changes = push.asPulled(first: first)
        try to.takePull(PullReply(changes: changes, more: false, serverSeq: first + changes.count - 1), for: try to.preparePull())
        return first + changes.count
    }

    @Test("a look-alike from another kiosk is listed once with both cases; different children and the same child are decided; a third kiosk does not ask again")
    func acrossKiosks() throws {
        let dir = TempDir()
        let here = try Self.kiosk(dir, "here", code: "K07"), there = try Self.kiosk(dir, "there", code: "K03")
        let amani = try here.registerCase(from: sampleReport(name: "Amani Fiktif"), draftID: UUID())
        let baraka = try here.registerCase(from: sampleReport(name: "Baraka Fiktif"), draftID: UUID())
        let amany = try there.registerCase(from: sampleReport(name: "Amany Fiktif"), draftID: UUID())       // a spelling of the same name
        let barakaThere = try there.registerCase(from: sampleReport(name: "Baraka Fiktif"), draftID: UUID())
        _ = try there.registerCase(from: sampleReport(name: "Zawadi Fiktif", village: "Desa Contoh"), draftID: UUID())   // nobody like her here
        #expect(try here.districtDuplicates().isEmpty)

        let changes = try #require(try there.preparePush()).asPulled(first: 1)
        let request = try here.preparePull()
        try here.takePull(PullReply(changes: changes, more: false, serverSeq: changes.count), for: request)
        let pairs = try here.districtDuplicates()
        #expect(pairs.count == 2, "\(pairs)")
        #expect(Set(pairs.map { Set([$0.older.id, $0.newer.id]) }) == [Set([amani.id, amany.id]), Set([baraka.id, barakaThere.id])])
        #expect(pairs.allSatisfy { Set([$0.older.number.kiosk, $0.newer.number.kiosk]) == [KioskCode("K07"), KioskCode("K03")] })
        #expect(try here.syncStanding().duplicates == 2)
        // The same changes again (a lost reply): nothing new.
        try here.takePull(PullReply(changes: changes, more: false, serverSeq: changes.count), for: request)
        #expect(try here.districtDuplicates().count == 2)

        // Only a supervisor decides.
        let focal = try here.acting(try here.addTestUser(name: "Fokal Fiktif", roles: [.focalPoint], pin: "602913"))
        #expect(throws: StoreError.accessDenied) { try focal.districtDuplicates() }
        #expect(throws: StoreError.accessDenied) { try focal.decideDistrictDuplicate(pairs[0], sameChild: true) }

        // Amani and Amany: two different children. Both timelines say so, naming the other case.
        let amaniPair = try #require(pairs.first { Set([$0.older.id, $0.newer.id]) == [amani.id, amany.id] })
        try here.decideDistrictDuplicate(amaniPair, sameChild: false)
        for (id, other) in [(amani.id, amany.id), (amany.id, amani.id)] {
            let entry = try #require(try here.events(caseID: id, viewer: here.testViewer).first { $0.fact?.kind == .notSameChild })
            #expect(entry.fact?.args["other"] == other.uuidString)
            #expect(entry.summary.hasPrefix("Not the same child as KG-2026-K0"), "\(entry.summary)")
        }
        #expect(throws: StoreError.notFound) { try here.decideDistrictDuplicate(amaniPair, sameChild: true) }   // decided already
        // Baraka and Baraka: the same child. The newer report joins the older case.
        let barakaPair = try #require(try here.districtDuplicates().first)
        try here.decideDistrictDuplicate(barakaPair, sameChild: true)
        #expect(try here.caseRecord(id: barakaPair.newer.id, viewer: here.testViewer)?.status == .duplicate)
        #expect(try here.caseRecord(id: barakaPair.older.id, viewer: here.testViewer)?.status == .open)
        #expect(try here.districtDuplicates().isEmpty)
        #expect(try here.syncStanding().duplicates == 0)
        #expect(try here.auditEntries(actionPrefix: "duplicate.").map(\.action).sorted() == ["duplicate.different", "duplicate.same"])
        if case .broken(let seq, _) = try here.verifyAudit() { Issue.record("audit chain broken at \(seq)") }

        // A third kiosk receives both kiosks' changes: the decisions came with them, so it lists nothing.
        let third = try Self.kiosk(dir, "third", code: "K05")
        let next = try Self.deliver(there, to: third, first: 1)
        let mine = try #require(try here.preparePush()).asPulled(first: next)
        try third.takePull(PullReply(changes: mine, more: false, serverSeq: next + mine.count - 1), for: try third.preparePull())
        #expect(try third.caseRecord(id: amani.id, viewer: third.testViewer) != nil)
        #expect(try third.caseRecord(id: barakaPair.newer.id, viewer: third.testViewer)?.status == .duplicate)
        #expect(try third.districtDuplicates().isEmpty)
        // It did find Amani and Amany alike, and read the supervisor's answer from their timelines.
        #expect(try third.pool.read { try String.fetchAll($0, sql: "SELECT status FROM district_duplicate") } == ["different"])
    }

    @Test("cases made at the same kiosk are never listed (the intake check already offered them)")
    func sameKioskIsNotAcrossKiosks() throws {
        let dir = TempDir()
        let there = try Self.kiosk(dir, "there", code: "K03"), here = try Self.kiosk(dir, "here", code: "K07")
        _ = try there.registerCase(from: sampleReport(name: "Amani Fiktif"), draftID: UUID())
        _ = try there.registerCase(from: sampleReport(name: "Amani Fiktif"), draftID: UUID())
        try Self.deliver(there, to: here, first: 1)
        #expect(try here.districtDuplicates().isEmpty)
    }
}
