import Foundation
import XCTest
@testable import Vault

/// Key slots (issue #17): the database key wrapped per user under Argon2id(PIN) and sealed to the district office.
/// Tests use `KeyDerivation.fastForTestsOnly` (8 KiB, 1 pass) except `testRealParametersWrapAndUnwrap`.
final class KeySlotTests: XCTestCase {
    let fast = KeyDerivation.fastForTestsOnly
    let ana = KeySlotUser(id: UUID(), name: "Ana", roles: ["focal_point"], language: "id")
    let budi = KeySlotUser(id: UUID(), name: "Budi", roles: ["supervisor", "administrator"])
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("kinga-vault-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A file with slots for Ana (PIN 482916) and Budi (PIN 771234).
    func anaAndBudi(_ key: DatabaseKey) throws -> KeySlotFile {
        var file = KeySlotFile(deviceID: UUID())
        try file.setUser(ana, pin: "482916", key: key, derivation: fast)
        try file.setUser(budi, pin: "771234", key: key, derivation: fast)
        return file
    }

    func assertWrongPIN(_ file: KeySlotFile, _ user: KeySlotUser, _ pin: String, line: UInt = #line) {
        XCTAssertThrowsError(try file.unlock(userID: user.id, pin: pin), line: line) {
            XCTAssertEqual($0 as? VaultError, .wrongPIN, line: line)
        }
    }

    func testWrapAndUnwrapWithThePIN() throws {
        let key = try DatabaseKey.random()
        var file = KeySlotFile(deviceID: UUID())
        try file.setUser(ana, pin: "482916", key: key, derivation: fast)
        try file.setUser(budi, pin: "correct horse battery", key: key, derivation: fast)
        XCTAssertTrue(try file.unlock(userID: ana.id, pin: "482916").isSameKey(as: key))
        XCTAssertTrue(try file.unlock(userID: budi.id, pin: "correct horse battery").isSameKey(as: key))
    }

    func testWrongPINIsRefused() throws {
        let key = try DatabaseKey.random()
        var file = KeySlotFile(deviceID: UUID())
        try file.setUser(ana, pin: "482916", key: key, derivation: fast)
        assertWrongPIN(file, ana, "482917")
        XCTAssertThrowsError(try file.unlock(userID: budi.id, pin: "482916")) {
            XCTAssertEqual($0 as? VaultError, .noSlot(userID: budi.id))
        }
    }

    func testASlotCannotBeMovedToAnotherUser() throws {
        let key = try DatabaseKey.random()
        var file = try anaAndBudi(key)
        file.users[1].salt = file.users[0].salt
        file.users[1].nonce = file.users[0].nonce
        file.users[1].ciphertext = file.users[0].ciphertext
        assertWrongPIN(file, budi, "482916")
    }

    func testPINChangeKeepsAccessWithTheNewPINOnly() throws {
        let key = try DatabaseKey.random()
        var file = try anaAndBudi(key)
        let budiSlot = file.users[1]
        try file.setUser(ana, pin: "905512", key: key, derivation: fast)
        XCTAssertEqual(file.users.count, 2)
        XCTAssertEqual(file.users[1], budiSlot, "a PIN change rewrites one slot")
        XCTAssertTrue(try file.unlock(userID: ana.id, pin: "905512").isSameKey(as: key))
        assertWrongPIN(file, ana, "482916")
    }

    func testRemovedSlotLosesAccess() throws {
        let key = try DatabaseKey.random()
        var file = try anaAndBudi(key)
        XCTAssertTrue(file.removeUser(ana.id))
        XCTAssertFalse(file.removeUser(ana.id))
        XCTAssertThrowsError(try file.unlock(userID: ana.id, pin: "482916")) {
            XCTAssertEqual($0 as? VaultError, .noSlot(userID: ana.id))
        }
        XCTAssertTrue(try file.unlock(userID: budi.id, pin: "771234").isSameKey(as: key))
    }

    func testRecoveryKeyUnwrapsAndAWrongOneIsRefused() throws {
        let key = try DatabaseKey.random()
        let district = try DistrictSecretKey.generate()
        var file = KeySlotFile(deviceID: UUID())
        XCTAssertThrowsError(try file.unlock(recoveryKey: district)) { XCTAssertEqual($0 as? VaultError, .noRecoverySlot) }
        try file.setRecovery(districtPublicKey: district.publicKey, key: key)
        XCTAssertEqual(file.recovery?.sealedKey.count, 80)
        XCTAssertTrue(try file.unlock(recoveryKey: district).isSameKey(as: key))
        // Through the text the district office keeps, as a person would type it back (lower case, spaces).
        let typed = district.recoveryText.lowercased().replacingOccurrences(of: "-", with: " ")
        XCTAssertTrue(try file.unlock(recoveryKey: DistrictSecretKey(recoveryText: typed)).isSameKey(as: key))
        let other = try DistrictSecretKey.generate()
        XCTAssertThrowsError(try file.unlock(recoveryKey: other)) { XCTAssertEqual($0 as? VaultError, .wrongRecoveryKey) }
    }

    func testRecoveryTextRoundTripsAndRejectsATypo() throws {
        let district = try DistrictSecretKey.generate()
        let text = district.recoveryText
        XCTAssertEqual(text.count, 56 + 13, "14 groups of 4 characters and 13 dashes")
        XCTAssertEqual(try DistrictSecretKey(recoveryText: text).publicKey, district.publicKey)
        // One character changed (to another valid one): caught by the check characters, not taken as another key.
        var chars = Array(text)
        chars[5] = chars[5] == "A" ? "B" : "A"
        XCTAssertThrowsError(try DistrictSecretKey(recoveryText: String(chars))) {
            XCTAssertEqual($0 as? VaultError, .recoveryKeyTypo)
        }
        XCTAssertThrowsError(try DistrictSecretKey(recoveryText: String(text.dropLast()))) {
            guard case .recoveryKeyUnreadable? = $0 as? VaultError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try DistrictSecretKey(recoveryText: "U" + String(text.dropFirst()))) {
            XCTAssertEqual($0 as? VaultError, .recoveryKeyUnreadable("'U' is not used in recovery keys"))
        }
        // O and I/L read as 0 and 1.
        let confusable = text.replacingOccurrences(of: "0", with: "O").replacingOccurrences(of: "1", with: "l")
        XCTAssertEqual(try DistrictSecretKey(recoveryText: confusable).publicKey, district.publicKey)
    }

    func testPublicKeyTextRoundTrips() throws {
        let pk = try DistrictSecretKey.generate().publicKey
        XCTAssertEqual(try DistrictPublicKey(text: pk.text.uppercased() + "\n"), pk)
        XCTAssertThrowsError(try DistrictPublicKey(text: String(pk.text.dropLast()))) {
            XCTAssertEqual($0 as? VaultError, .publicKeyUnreadable)
        }
    }

    func testFileRoundTripsWithMode0600AndNoSecrets() throws {
        let key = try DatabaseKey.random()
        let district = try DistrictSecretKey.generate()
        var file = KeySlotFile(deviceID: UUID())
        try file.setUser(ana, pin: "482916", key: key, derivation: fast)
        try file.setRecovery(districtPublicKey: district.publicKey, key: key)
        let url = KeySlotFile.url(forDatabase: dir.appendingPathComponent("kinga.sqlite"))
        XCTAssertEqual(url.lastPathComponent, "kinga.sqlite.keys")
        try file.write(to: url)
        let mode = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        let loaded = try KeySlotFile.load(from: url, expectedDeviceID: file.deviceID)
        XCTAssertEqual(loaded, file)
        XCTAssertTrue(try loaded.unlock(userID: ana.id, pin: "482916").isSameKey(as: key))
        // The raw key never appears in the file, in hex or base64.
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.contains("\"districtPublicKey\" : \"\(district.publicKey.text)\""), text)
        let raw = key.withUnsafeBytes { Data($0) }
        XCTAssertFalse(text.contains(raw.base64EncodedString()))
        XCTAssertFalse(text.contains(raw.map { String(format: "%02x", $0) }.joined()))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["kinga.sqlite.keys"], "no temporary file left")
    }

    func testDamagedOrForeignFilesAreRefusedAndLeftAlone() throws {
        let key = try DatabaseKey.random()
        var file = KeySlotFile(deviceID: UUID())
        try file.setUser(ana, pin: "482916", key: key, derivation: fast)
        let url = dir.appendingPathComponent("kinga.sqlite.keys")
        try file.write(to: url)
        let good = try Data(contentsOf: url)

        func refused(_ contents: Data, _ check: (VaultError) -> Bool, line: UInt = #line) throws {
            try contents.write(to: url)
            XCTAssertThrowsError(try KeySlotFile.load(from: url, expectedDeviceID: file.deviceID), line: line) {
                guard let e = $0 as? VaultError, check(e) else { return XCTFail("unexpected \($0)", line: line) }
                XCTAssertFalse(e.description.isEmpty, line: line)
            }
            XCTAssertEqual(try Data(contentsOf: url), contents, "nothing overwritten", line: line)
        }
        func isDamaged(_ e: VaultError) -> Bool { if case .slotFileDamaged = e { return true }; return false }
        try refused(good.prefix(good.count / 2), isDamaged)
        try refused(Data("{\"hello\": 1}".utf8), isDamaged)
        try refused(Data([0xFF, 0x00, 0x12]), isDamaged)
        var shortSalt = file
        shortSalt.users[0].salt = Data([1, 2, 3])
        try refused(try JSONEncoder().encode(shortSalt), isDamaged)
        var huge = file
        huge.users[0].memlimit = 1 << 40
        try refused(try JSONEncoder().encode(huge), isDamaged)
        var newer = file
        newer.format = 99
        try refused(try JSONEncoder().encode(newer)) { $0 == .slotFileTooNew(path: url.path, format: 99) }
        var other = file
        other.deviceID = UUID()
        try refused(try JSONEncoder().encode(other)) { $0 == .slotFileFromOtherKiosk(path: url.path) }
        XCTAssertThrowsError(try KeySlotFile.load(from: dir.appendingPathComponent("none.keys"))) {
            guard case .slotFileMissing? = $0 as? VaultError else { return XCTFail("\($0)") }
        }
    }

    func testKeysAreNeverPrinted() throws {
        let key = try DatabaseKey.random()
        let district = try DistrictSecretKey.generate()
        XCTAssertEqual("\(key)", "DatabaseKey(redacted)")
        XCTAssertEqual(String(reflecting: key), "DatabaseKey(redacted)")
        XCTAssertEqual("\(district)", "DistrictSecretKey(redacted)")
    }

    func testPassphraseIsNormalised() throws {
        let key = try DatabaseKey.random()
        var file = KeySlotFile(deviceID: UUID())
        try file.setUser(ana, pin: "caf\u{E9} au lait", key: key, derivation: fast)
        XCTAssertTrue(try file.unlock(userID: ana.id, pin: "cafe\u{301} au lait").isSameKey(as: key))
    }

    func testOutOfRangeDerivationIsRefused() throws {
        var file = KeySlotFile(deviceID: UUID())
        XCTAssertThrowsError(try file.setUser(ana, pin: "482916", key: DatabaseKey.random(),
                                              derivation: KeyDerivation(opslimit: 0, memlimit: 8192))) {
            XCTAssertEqual($0 as? VaultError, .keyDerivationOutOfRange)
        }
    }

    /// Once at the real limits (64 MiB, 3 passes): about 0.1 s.
    func testRealParametersWrapAndUnwrap() throws {
        let key = try DatabaseKey.random()
        var file = KeySlotFile(deviceID: UUID())
        try file.setUser(ana, pin: "482916", key: key)
        XCTAssertEqual(file.users[0].memlimit, 64 * 1024 * 1024)
        XCTAssertEqual(file.users[0].opslimit, 3)
        XCTAssertTrue(try file.unlock(userID: ana.id, pin: "482916").isSameKey(as: key))
        assertWrongPIN(file, ana, "482915")
    }

    func testCoreDumpsCanBeTurnedOff() throws {
        // Harmless for the rest of the run: only this process's core dumps are turned off.
        XCTAssertTrue(ProcessHardening.disableCoreDumps())
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_CORE.rawValue), &limit)
        XCTAssertEqual(limit.rlim_cur, 0)
    }
}
