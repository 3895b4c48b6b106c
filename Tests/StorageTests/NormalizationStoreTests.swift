import Foundation
import GRDB
import Testing
@testable import Model
@testable import Storage
import StoreTestSupport

/// The scalars of a text as hex (`String`'s `==` is canonical equivalence and cannot see a wrong form).
private func hex(_ s: String) -> [String] { s.unicodeScalars.map { String($0.value, radix: 16, uppercase: true) } }

/// 김민주 as a keyboard typing one jamo at a time leaves it after Foundation's NFC on Linux: 기 + ᆷ, then
/// 민주 whole (fictional name).
private let kimAsTyped = "\u{AE30}\u{11B7} \u{BBFC}\u{C8FC}"
/// The same letters as single jamo, as pasted from a keyboard buffer.
private let kimJamo = "\u{1100}\u{1175}\u{11B7} \u{1106}\u{1175}\u{11AB}\u{110C}\u{116E}"
/// 하늘 ("sky"), an invented village, as single jamo.
private let villageJamo = "\u{1112}\u{1161}\u{1102}\u{1173}\u{11AF}"

private func names(_ store: KingaStore, _ text: String) throws -> [String] {
    try store.caseList(CaseQuery(text: text), after: nil, limit: 20, viewer: store.testViewer, today: pinned.today).map(\.summary.childName)
}

@Suite("NFC in the store: names and searched texts are stored and found the same however they were typed")
struct NormalizationStoreTests {
    @Test("a Korean name typed as jamo is stored as NFC syllables and found by the composed and the decomposed word")
    func hangulStoredAndFound() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        var r = sampleReport(name: kimAsTyped, village: villageJamo)
        r.narrative = "Her aunt Nguye\u{302}\u{303}n Thi\u{323} Lan is worried."
        let id = try store.registerCase(from: r, draftID: UUID()).id
        let saved = try #require(try store.caseRecord(id: id, viewer: store.testViewer))
        #expect(hex(saved.childName) == ["AE40", "20", "BBFC", "C8FC"])
        #expect(hex(saved.village) == ["D558", "B298"])
        #expect(hex(saved.report.childName) == hex(saved.childName))
        for query in ["김", "\u{1100}\u{1175}\u{11B7}", "\u{AE30}\u{11B7}", "김 민", "하늘", "nguyen", "Nguyễn", "Nguye\u{302}\u{303}n", "thị"] {
            #expect(try names(store, query).count == 1, "searching \(hex(query))")
        }
        var filtered = CaseQuery()
        filtered.filter.village = "하늘"
        #expect(try store.caseList(filtered, after: nil, limit: 5, viewer: store.testViewer, today: pinned.today).count == 1)
    }

    @Test("upgrading a database an older Kinga wrote with 기 + ᆷ puts names, keys, the report and the search index into NFC")
    func migrationRenormalises() throws {
        let dir = TempDir()
        let path = dir.path + "/k.sqlite"
        let id: UUID
        do {
            var store = try KingaStore(path: path, clock: pinned)
            store = try store.actAsTestSupervisor()
            id = try store.registerCase(from: sampleReport(name: "Placeholder", village: "Mansa"), draftID: UUID()).id
            store = store.withoutSession
            _ = try store.addTestUser(name: "\u{AE30}\u{11B7} Focal", roles: [.focalPoint], pin: "902134")
        }
        // What an older Kinga stored: the name, village and report as Foundation left them, and the search
        // index written from them by the triggers.
        var old = sampleReport(name: kimAsTyped, village: "\u{D558}\u{B290}\u{11AF}")
        old.caregiver = "\u{AE30}\u{11B7} Halmeoni"
        let q = try DatabaseQueue(path: path)
        try q.write { db in
            try db.execute(sql: """
                UPDATE case_record SET child_name = ?, village = ?, caregiver = ?, report_json = ?, name_key = ?, village_key = ? WHERE id = ?
                """, arguments: [old.childName, old.village, old.caregiver, try KingaStore.encode(old), kimAsTyped, old.village, id.uuidString])
            try db.execute(sql: "UPDATE app_user SET name = ? WHERE name = ?", arguments: ["\u{AE30}\u{11B7} Focal", "김 Focal"])
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v11-nfc-again'")
        }
        try q.close()
        do {
            let stale = try DatabaseQueue(path: path)
            let name = try stale.read { db in try String.fetchOne(db, sql: "SELECT child_name FROM case_record") }
            #expect(hex(name ?? "") == hex(kimAsTyped), "the old form is in place before the upgrade")
            try stale.close()
        }
        var store = try KingaStore(path: path, clock: pinned)
        store = try store.actAsTestSupervisor()
        let saved = try #require(try store.caseRecord(id: id, viewer: store.testViewer))
        #expect(hex(saved.childName) == ["AE40", "20", "BBFC", "C8FC"])
        #expect(hex(saved.village) == ["D558", "B298"])
        #expect(hex(saved.caregiver).prefix(1) == ["AE40"])
        #expect(hex(saved.report.childName) == hex(saved.childName))
        #expect(try names(store, "김") == [saved.childName])
        #expect(try names(store, "하늘") == [saved.childName])
        #expect(try store.users().contains { hex($0.name).first == "AE40" })
        let keys = try store.pool.read { db in try Row.fetchOne(db, sql: "SELECT name_key, village_key FROM case_record")! }
        #expect(hex(keys["name_key"]) == hex(DuplicateRule.key("김 민주")))
        #expect(hex(keys["village_key"]) == hex("하늘"))
        #expect(try store.check().ok)
    }
}
