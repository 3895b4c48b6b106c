import Foundation
@testable import DistrictLink
@testable import KingaServer
import Model
import NIOSSL
import PostgresNIO
@testable import Storage
import XCTest

/// Issue #18, the kiosk's end of enrolment against a real server over real TLS on loopback: the certificate is
/// checked against the fingerprint before anything is sent, the code is redeemed once, and afterwards the kiosk
/// trusts that certificate and no other.
final class EnrolmentClientTests: PostgresTestCase {
    func testEnrolPinsTheCertificateAndRedeemsTheCodeOnce() async throws {
        try await withServer { url, made, impostor, added, _ in
            // Bad input, before anything is sent.
            await assertRefused(.badAddress("http://127.0.0.1:1")) { try await DistrictClient.enrol(url: "http://127.0.0.1:1", code: added.enrolmentCode, fingerprint: made.fingerprint) }
            await assertRefused(.badFingerprint) { try await DistrictClient.enrol(url: url, code: added.enrolmentCode, fingerprint: "12:34") }
            // Another certificate's fingerprint: refused, and the code is still good afterwards.
            await assertRefused(.fingerprintMismatch(expected: impostor.fingerprint, found: made.fingerprint)) {
                try await DistrictClient.enrol(url: url, code: added.enrolmentCode, fingerprint: impostor.fingerprint)
            }
            // The right one, typed in lower case without colons.
            let typed = made.fingerprint.replacingOccurrences(of: ":", with: "").lowercased()
            let join = try await DistrictClient.enrol(url: url + "/", code: added.enrolmentCode, fingerprint: typed)
            XCTAssertEqual(join.serverURL, url)
            XCTAssertEqual(join.fingerprint, made.fingerprint)
            XCTAssertEqual(join.enrolment.kioskCode, KioskCode("K07"))
            XCTAssertEqual(join.enrolment.villages, ["Kampung Fiksi"])
            XCTAssertNotEqual(join.enrolment.token, added.token)
            // The code works once.
            do {
                _ = try await DistrictClient.enrol(url: url, code: added.enrolmentCode, fingerprint: made.fingerprint)
                XCTFail("an enrolment code worked twice")
            } catch DistrictLinkError.refused(let why) {
                XCTAssertFalse(why.isEmpty)
            }
            // Pinned: the kept certificate opens the connection; any other certificate does not.
            let health = try await DistrictClient.request(url + "/v1/health", tls: try DistrictClient.pinned(join.certificatePEM))
            XCTAssertEqual(health.status, 200)
            let otherPEM = try String(contentsOfFile: impostor.certificatePath, encoding: .utf8)
            do {
                _ = try await DistrictClient.request(url + "/v1/health", tls: try DistrictClient.pinned(otherPEM))
                XCTFail("a connection was trusted with another certificate pinned")
            } catch DistrictLinkError.certificateChanged {
            } catch { XCTFail("another certificate pinned gave \(String(reflecting: error)), not certificateChanged") }
        }
    }

    /// The real `kinga` binary: `kinga enroll` on an encrypted kiosk, an administrator's PIN on standard input.
    func testKingaEnrollCommand() async throws {
        let kinga = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/kinga").path
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: kinga), "build kinga first (swift build)")
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("kinga-enroll-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        let db = home + "/kinga.sqlite"
        // An encrypted kiosk with its administrator, as a first run makes it.
        guard case .firstRun(let store) = try KingaStore.openKiosk(path: db, clock: .system, derivation: .fastForTestsOnly) else {
            return XCTFail("a new path is a first run")
        }
        try store.createFirstUser(name: "Ayu Admin", pin: "482916")
        try "482916\n".write(toFile: home + "/pin.txt", atomically: true, encoding: .utf8)
        func kingaEnroll(_ args: String) throws -> (status: Int32, output: String) {
            try shell("'\(kinga)' enroll --db '\(db)' --user 'Ayu Admin' \(args) < '\(home)/pin.txt' 2>&1")
        }
        var serverKey: Data?
        try await withServer { url, made, impostor, added, registry in
            let wrong = try kingaEnroll("'\(url)' '\(added.enrolmentCode)' --fingerprint '\(impostor.fingerprint)'")
            XCTAssertEqual(wrong.status, 1, wrong.output)
            XCTAssertTrue(wrong.output.contains("not the one the district office gave"), wrong.output)
            let ok = try kingaEnroll("'\(url)' '\(added.enrolmentCode)' --fingerprint '\(made.fingerprint)'")
            XCTAssertEqual(ok.status, 0, ok.output)
            XCTAssertTrue(ok.output.contains("This kiosk is now K07"), ok.output)
            // The kiosk's own key: beside the database, readable by Kinga's user alone; its public half on the server;
            // the real `kinga sync` signs with it and is heard.
            let keyFile = db + ".kiosk-key"
            XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int, 0o600)
            for try await (key) in try await registry.client.query("SELECT public_key FROM kiosk WHERE code = 'K07'", logger: Self.logger)
                .decode(ByteBuffer?.self) { serverKey = key.map { Data($0.readableBytesView) } }
            XCTAssertEqual(serverKey?.count, 32)
            let sync = try shell("'\(kinga)' sync --db '\(db)' --user 'Ayu Admin' < '\(home)/pin.txt' 2>&1")
            XCTAssertEqual(sync.status, 0, sync.output)
            let again = try kingaEnroll("'\(url)' '\(added.enrolmentCode)' --fingerprint '\(made.fingerprint)'")
            XCTAssertEqual(again.status, 1, again.output)
            XCTAssertTrue(again.output.contains("already joined"), again.output)
        }
        guard case .locked(let locked) = try KingaStore.openKiosk(path: db, clock: .system),
              case .success(let opened, _) = try locked.unlock(userID: try XCTUnwrap(locked.users.first).id, pin: "482916") else {
            return XCTFail("the kiosk no longer opens")
        }
        XCTAssertEqual(try opened.districtLink()?.kioskCode, KioskCode("K07"))
        XCTAssertEqual(try opened.kioskIdentity()?.publicKey, serverKey)
    }

    /// Two PEM readers can disagree: a second block whose BEGIN line ends in a space is skipped by one and read by
    /// the other. Kinga never trusts the server's text: exactly one certificate, written out again by Kinga.
    func testOnlyOneCertificateIsEverTrusted() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kinga-pem-\(UUID().uuidString)").path
        defer { for f in [folder, folder + "-2"] { try? FileManager.default.removeItem(atPath: f) } }
        let made = try ServerCertificate.make(in: folder, names: ["localhost"])
        let other = try ServerCertificate.make(in: folder + "-2", names: ["localhost"])
        let genuine = try String(contentsOfFile: made.certificatePath, encoding: .utf8)
        let smuggled = try String(contentsOfFile: other.certificatePath, encoding: .utf8)
            .replacingOccurrences(of: "-----BEGIN CERTIFICATE-----\n", with: "-----BEGIN CERTIFICATE----- \n")
        XCTAssertThrowsError(try DistrictClient.canonical(genuine + smuggled)) { XCTAssertEqual($0 as? DistrictLinkError, .notKingaServer) }
        XCTAssertThrowsError(try DistrictClient.canonical("not a certificate")) { XCTAssertEqual($0 as? DistrictLinkError, .notKingaServer) }
        let kept = try DistrictClient.canonical("  " + genuine + "\n\n")
        XCTAssertEqual(kept.fingerprint, made.fingerprint)
        XCTAssertNoThrow(try DistrictClient.pinned(kept.pem))
        let twoCertificates = genuine + (try String(contentsOfFile: other.certificatePath, encoding: .utf8))
        XCTAssertThrowsError(try DistrictClient.pinned(twoCertificates))
    }

    func assertRefused(_ expected: DistrictLinkError, file: StaticString = #filePath, line: UInt = #line,
                       _ body: () async throws -> DistrictJoin) async {
        do {
            _ = try await body()
            XCTFail("not refused: \(expected)", file: file, line: line)
        } catch let e as DistrictLinkError {
            XCTAssertEqual(e, expected, file: file, line: line)
        } catch {
            XCTFail("\(error)", file: file, line: line)
        }
    }
}
