import CSV
import Exports
import Foundation
import Testing
@testable import Model
@testable import Storage
import Vault
import StoreTestSupport

/// Gives the store the district office's public key (as an administrator) and returns the office's secret key.
func sealForOffice(_ store: KingaStore) throws -> DistrictSecretKey {
    let admin = try store.users().first { $0.roles.contains(.administrator) }
        ?? store.addTestUser(name: "Office Admin", roles: [.administrator], pin: "580214")
    let secret = try DistrictSecretKey.generate()
    try store.acting(admin).setDistrictKey(secret.publicKey)
    return secret
}

/// A sealed export, opened with the district office's secret key.
func opened(_ path: String, _ secret: DistrictSecretKey) throws -> Data {
    try SealedFile.open(try Data(contentsOf: URL(fileURLWithPath: path)), with: secret)
}

@Suite("Case exports: roles, redaction, audit, cancel, round trip (issue #8)")
struct CaseExportTests {

    /// The demo, its users by role, and every child's name in it.
    func demo(_ dir: TempDir) throws -> (KingaStore, [Role: User], [String]) {
        var store = try KingaStore(test: dir.path + "/demo.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        try Seeds.fillDemo(store, seeds: seedsFolder, timeZone: TimeZone(identifier: "UTC")!)
        store.isDemo = true
        var users: [Role: User] = [:]
        for u in try store.users() { if let r = u.roles.first { users[r] = u } }
        let names = try store.caseList(CaseQuery(), after: nil, limit: 1000, viewer: store.testViewer, today: pinned.today).map(\.summary.childName).filter { !$0.isEmpty }
        return (store, users, names)
    }

    @Test("pseudonymised by default: no child's name, contact or story in the file; audited")
    func pseudonymised() throws {
        let dir = TempDir()
        let (store, users, names) = try demo(dir)
        for format in CaseExport.Format.allCases {
            let out = dir.path + "/cases.\(format.rawValue)"
            let n = try store.acting(users[.administrator]!).exportCases(to: out, format: format, identifying: false)
            #expect(n == (try store.caseCount(viewer: store.testViewer)))
            let text = try String(contentsOfFile: out, encoding: .utf8)
            #expect(names.count > 20)
            for name in names { #expect(!text.contains(name), "\(name) in the \(format) export") }
            #expect(!text.contains("0896 5550"), "a reporter's phone number")
            #expect(text.contains("KG-2026-0001"))
        }
        let entries = try store.auditEntries(actionPrefix: "export.cases")
        #expect(entries.count == 2)
        #expect(entries.allSatisfy { $0.actor == "Admin Demo" && $0.detail.contains("pseudonymised") })
    }

    @Test("identifying on request: names for both roles, narratives only for a supervisor")
    func identifying() throws {
        let dir = TempDir()
        let (store, users, names) = try demo(dir)
        let sup = dir.path + "/sup.json", admin = dir.path + "/admin.json"
        // Without the district office's key, names never leave the kiosk (issue #17).
        #expect(throws: CaseExport.Failure.noDistrictKey) { try store.acting(users[.supervisor]!).exportCases(to: sup, format: .json, identifying: true) }
        #expect(!FileManager.default.fileExists(atPath: sup))
        let office = try sealForOffice(store)
        try store.acting(users[.supervisor]!).exportCases(to: sup, format: .json, identifying: true)
        try store.acting(users[.administrator]!).exportCases(to: admin, format: .json, identifying: true)
        // On the kiosk's disk the file is sealed: no name in it, and it opens only with the office's key.
        let raw = try Data(contentsOf: URL(fileURLWithPath: sup))
        #expect(raw.starts(with: SealedFile.magic))
        // Names of 8 bytes or more: a shorter one turns up by chance in random ciphertext (a 3-byte name about once
        // in 800 runs of this file), which says nothing about the sealing.
        for name in names where name.utf8.count >= 8 { #expect(raw.range(of: Data(name.utf8)) == nil, "\(name) in the sealed file") }
        #expect(names.contains { $0.utf8.count >= 8 })
        #expect(throws: SealedFile.Failure.wrongKey) { _ = try opened(sup, try DistrictSecretKey.generate()) }
        struct File: Decodable { var about: CaseExport.About; var cases: [CaseExport.Line] }
        let s = try JSONDecoder().decode(File.self, from: opened(sup, office))
        let a = try JSONDecoder().decode(File.self, from: opened(admin, office))
        #expect(s.about.identifying && s.about.narratives && s.about.cases == s.cases.count)
        #expect(a.about.identifying && !a.about.narratives)
        #expect(Set(s.cases.compactMap(\.childName)).isSuperset(of: names))
        #expect(Set(a.cases.compactMap(\.childName)).isSuperset(of: names))
        let first = try #require(try store.caseRecord(number: CaseNumber(year: 2026, serial: 1), viewer: store.testViewer))
        #expect(s.cases.first { $0.caseNumber == "KG-2026-0001" }?.narrative == first.report.narrative)
        #expect(a.cases.allSatisfy { $0.narrative?.hasPrefix("[withheld") == true })
        #expect(try store.auditEntries(actionPrefix: "export.cases").contains { $0.detail.contains("narratives withheld") })
    }

    @Test("a focal point is refused, the refusal is audited and no file appears")
    func focalPointRefused() throws {
        let dir = TempDir()
        let (store, users, _) = try demo(dir)
        let out = dir.path + "/x.csv"
        #expect(throws: CaseExport.Failure.notAllowed(role: "focal point")) {
            try store.acting(users[.focalPoint]!).exportCases(to: out, format: .csv, identifying: false)
        }
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try store.auditEntries(actionPrefix: "export.cases.refused").count == 1)
        // A trainer may export only from the demo.
        store.isDemo = false
        #expect(throws: CaseExport.Failure.self) { try store.acting(users[.trainer]!).exportCases(to: out, format: .csv, identifying: false) }
    }

    @Test("cancelling after the first batch leaves no file and no temporary file; an existing file is never overwritten")
    func cancelAndExisting() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let boss = try store.addTestUser(name: "Ms Supervisor", roles: [.supervisor], pin: "482915")
        store = try store.actAsTestSupervisor()
        for i in 0..<1_203 { _ = try store.registerCase(from: sampleReport(name: "Child \(i)"), draftID: UUID()) }
        let out = dir.path + "/cases.csv"
        var calls: [CaseExport.Progress] = []
        #expect(throws: CaseExport.Failure.cancelled(done: 500)) {
            try store.acting(boss).exportCases(to: out, format: .csv, identifying: false) { p in calls.append(p); return false }
        }
        #expect(calls.count == 1 && calls[0].total == 1_203 && calls[0].remaining != nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("cases") }.isEmpty)
        #expect(try store.auditEntries(actionPrefix: "export.cases.cancelled").count == 1)
        // The whole export, in three batches, every case once and in order.
        var seen: [Int] = []
        let n = try store.acting(boss).exportCases(to: out, format: .csv, identifying: false) { p in seen.append(p.done); return true }
        #expect(n == 1_203 && seen == [500, 1_000, 1_203])
        let reader = try CSVReader(string: try String(contentsOfFile: out, encoding: .utf8), hasHeaderRow: true)
        var numbers: [String] = []
        while let r = reader.next() { numbers.append(r[0]) }
        #expect(numbers.count == 1_203 && numbers == numbers.sorted() && Set(numbers).count == 1_203)
        let before = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(throws: CaseExport.Failure.exists(out)) { try store.acting(boss).exportCases(to: out, format: .json, identifying: false) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == before)
    }

    @Test("CSV round trip: commas, quotes, line breaks, Arabic and Han names")
    func csvRoundTrip() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let boss = try store.addTestUser(name: "Ms Supervisor", roles: [.supervisor], pin: "482915")
        store = try store.actAsTestSupervisor()
        let hard = ["ليلى \"Layla\", Jr", "王小明", "Ama, Efua", "=HYPERLINK(\"http://x\")"]
        for name in hard {
            var r = sampleReport(name: name, village: "Kampung \"Baru\", Utara")
            r.narrative = "Line one, with a comma\nline \"two\""
            _ = try store.registerCase(from: r, draftID: UUID())
        }
        let out = dir.path + "/c.csv"
        let office = try sealForOffice(store)
        try store.acting(boss).exportCases(to: out, format: .csv, identifying: true)
        let text = String(decoding: try opened(out, office), as: UTF8.self)
        #expect(text.hasSuffix("\r\n"))
        let reader = try CSVReader(string: text, hasHeaderRow: true)
        let header = try #require(reader.headerRow)
        #expect(header == CaseExport.columns + CaseExport.identifyingColumns)
        var rows: [[String: String]] = []
        while let r = reader.next() { rows.append(Dictionary(uniqueKeysWithValues: zip(header, r))) }
        // A name a spreadsheet would run as a formula comes out as text (a leading apostrophe).
        #expect(rows.map { $0["child_name"]! } == hard.map { $0.hasPrefix("=") ? "'" + $0 : $0 })
        #expect(rows.allSatisfy { $0["village"] == "Kampung \"Baru\", Utara" && $0["narrative"] == "Line one, with a comma\nline \"two\"" })
    }
}
