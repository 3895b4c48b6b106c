import Foundation
@testable import DistrictLink
@testable import KingaServer
import Model
import PostgresNIO
@testable import Storage
import Vault
import XCTest

/// Kiosks for the district link's tests against a real server.
extension PostgresTestCase {
    /// A kiosk store at `path` joined to the server with enrolment code `code`, with an administrator ("Admin Fiktif", 580214) logged in.
    func joinedKiosk(_ path: String, url: String, made: ServerCertificate.Made, code: String) async throws -> KingaStore {
        let store = try KingaStore(path: path, clock: .system)
        let admin = try store.addTestUser(name: "Admin Fiktif", roles: [.administrator, .supervisor], pin: "580214")
        let session = try store.acting(admin)
        let identity = try KioskIdentity.generate()
        let join = try await DistrictClient.enrol(url: url, code: code, fingerprint: made.fingerprint, publicKey: identity.publicKey)
        try session.joinDistrict(serverURL: join.serverURL, certificatePEM: join.certificatePEM, fingerprint: join.fingerprint,
                                 kioskCode: join.enrolment.kioskCode, kioskName: join.enrolment.name, villages: join.enrolment.villages,
                                 token: join.enrolment.token, identity: identity)
        return session
    }

    /// The kiosk's own key as a request signer (it joined with one: `joinedKiosk`).
    func signer(_ store: KingaStore) throws -> DistrictClient.Signer {
        let identity = try XCTUnwrap(try store.kioskIdentity())
        return { identity.sign($0) }
    }

    func report(_ name: String) -> Report {
        var r = Report()
        r.reporterKind = .teacher; r.sex = .female; r.approximateAgeText = "9"; r.village = "Kampung Fiksi"; r.childName = name
        r.concerns = ["neglect"]; r.narrative = "A fictional report."; r.inDangerNow = false; r.childAssent = .yes; r.caregiverConsent = .yes
        return r
    }

    /// A new folder for kiosks' databases, holding `pin.txt` with Admin Fiktif's PIN for the real binary's stdin.
    /// The caller removes it (`defer`).
    func kioskFolder(_ prefix: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "580214\n".write(toFile: folder + "/pin.txt", atomically: true, encoding: .utf8)
        return folder
    }

    /// One `kinga sync` of the database `db` by the real binary as Admin Fiktif (PIN from `folder`'s pin.txt);
    /// a failure is recorded. Returns what it printed.
    @discardableResult
    func adminSync(_ kinga: String, db: String, folder: String) throws -> String {
        let out = try shell("'\(kinga)' sync --db '\(db)' --user 'Admin Fiktif' < '\(folder)/pin.txt' 2>&1")
        XCTAssertEqual(out.status, 0, out.output)
        return out.output
    }

    /// Records a risk assessment of `level` on `caseID` at `store` (danger: the answers that point to high risk).
    func assess(_ store: KingaStore, _ caseID: UUID, _ level: RiskLevel, danger: Bool) throws {
        let answers = RiskAnswers(immediateDanger: danger, harmerHasAccess: danger, severity: danger ? .severe : .mild,
                                  frequency: danger ? .often : .once, safeAdult: !danger, childViews: "")
        try store.recordAssessment(caseID: caseID, Assessment(answers: answers, chosen: level, whyDifferent: "A fictional reason."))
    }

    /// The `kinga` binary this package built (debug), or a skip when it is not built.
    func kingaBinary() throws -> String {
        let kinga = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/kinga").path
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: kinga), "build kinga first (swift build)")
        return kinga
    }

    /// The `kinga-server` binary this package built (debug), or a skip when it is not built.
    func serverBinary() throws -> String {
        let path = URL(fileURLWithPath: try kingaBinary()).deletingLastPathComponent().appendingPathComponent("kinga-server").path
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: path), "build kinga-server first (swift build)")
        return path
    }

    /// The name of the database `client` is connected to (for a `postgres://` URL the real binary can use).
    func currentDatabase(_ client: PostgresClient) async throws -> String {
        let rows = try await client.query("SELECT current_database()")
        for try await (name) in rows.decode(String.self) { return name }
        throw XCTSkip("no database name")
    }
}
