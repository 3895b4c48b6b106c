import Foundation
import Model
import Storage
import Vault

/// Whether this test run opens its stores encrypted: `KINGA_TESTS_ENCRYPTED=1`, set by `make test` for a second
/// run of the Storage and screen suites (issue #17: "the whole existing suite passes on the encrypted store").
public let testsEncrypted = ProcessInfo.processInfo.environment["KINGA_TESTS_ENCRYPTED"] == "1"

/// The key of every store a test opens in an encrypted run: one random key per test process, so a test that
/// opens the same file again (a second kiosk, a reopened store) opens it with the same key.
public let testDatabaseKey: DatabaseKey? = {
    guard testsEncrypted else { return nil }
    do { return try DatabaseKey.random() } catch { fatalError("libsodium could not make a key: \(error)") }
}()

extension KingaStore {
    /// The store a test opens at `path`: as `init(path:clock:auditKeyPath:key:)`, plaintext, or encrypted under
    /// `testDatabaseKey` in an encrypted run. Tests about plaintext files themselves (the migration, the sqlite3
    /// shell reading a file) use `init(path:clock:)` directly.
    /// - Throws: the errors of `init(path:clock:auditKeyPath:key:)`.
    public convenience init(test path: String, clock: Clock, auditKeyPath: String? = nil) throws {
        try self.init(path: path, clock: clock, auditKeyPath: auditKeyPath, key: testDatabaseKey)
    }
}

extension Report {
    /// A teacher's fictional report of a girl of `age` in Kampung Fiksi, neglect, not in danger now, with the child's
    /// assent and the caregiver's consent: what a test needs to make a case (`registerCase(from:draftID:)`).
    public static func fictional(_ childName: String, age: String = "12") -> Report {
        var r = Report()
        r.reporterKind = .teacher; r.sex = .female; r.approximateAgeText = age; r.village = "Kampung Fiksi"; r.concerns = ["neglect"]
        r.inDangerNow = false; r.childName = childName; r.childAssent = .yes; r.caregiverConsent = .yes
        return r
    }
}
