import Foundation
import GRDB
import XCTest
@testable import Storage
import Vault

/// The encrypting SQLite (issue #17): an encrypted DatabasePool in WAL mode with FTS5 keeps search working and
/// leaves no readable word in any file; a wrong key fails with a typed error and prints nothing.
final class DatabaseCipherTests: XCTestCase {
    /// A word that appears nowhere else, so finding it in a file's bytes means plaintext leaked.
    let marker = "zanzibarquokka"
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("kinga-cipher-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func configuration(_ key: DatabaseKey?) -> Configuration {
        var config = Configuration()
        if let key { DatabaseCipher.configure(&config, key: key) }
        return config
    }

    /// A note table with an external-content FTS5 index (unicode61, diacritics removed), and two notes.
    func fill(_ writer: some DatabaseWriter) throws {
        try writer.write { db in
            try db.execute(sql: """
                CREATE TABLE note(id INTEGER PRIMARY KEY, body TEXT NOT NULL);
                CREATE VIRTUAL TABLE note_fts USING fts5(body, content='note', content_rowid='id',
                    tokenize='unicode61 remove_diacritics 2', prefix='1 2 3');
                CREATE TRIGGER note_ai AFTER INSERT ON note BEGIN
                    INSERT INTO note_fts(rowid, body) VALUES (new.id, new.body);
                END;
                """)
            try db.execute(sql: "INSERT INTO note(body) VALUES (?)", arguments: ["Met the child at the café; \(marker) said she is safe"])
            try db.execute(sql: "INSERT INTO note(body) VALUES (?)", arguments: ["Follow-up visit planned"])
        }
    }

    func search(_ reader: some DatabaseReader, _ query: String) throws -> [String] {
        try reader.read { db in
            try String.fetchAll(db, sql: "SELECT note.body FROM note_fts JOIN note ON note.id = note_fts.rowid WHERE note_fts MATCH ?",
                                arguments: [query])
        }
    }

    /// True when `word` appears in the file's bytes (as UTF-8).
    func fileContains(_ path: String, _ word: String) throws -> Bool {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.range(of: Data(word.utf8)) != nil
    }

    func testCipherVersionIsNotEmpty() throws {
        let queue = try DatabaseQueue(path: path("v.sqlite"), configuration: configuration(try DatabaseKey.random()))
        let version = try queue.read(DatabaseCipher.version)
        XCTAssertNotNil(version)
        XCTAssertFalse(version?.isEmpty ?? true)
        // The session extension and pre-update hook (district link) and FTS5 are compiled in.
        let options = try queue.read { try String.fetchAll($0, sql: "PRAGMA compile_options") }
        for option in ["ENABLE_FTS5", "ENABLE_SESSION", "ENABLE_PREUPDATE_HOOK", "HAS_CODEC", "TEMP_STORE=2"] {
            XCTAssertTrue(options.contains(option), "missing \(option) in \(options)")
        }
    }

    func testMarkerIsFoundBySearchAndInNoFileOnDisk() throws {
        let key = try DatabaseKey.random()
        let dbPath = path("kinga.sqlite")
        let pool = try DatabasePool(path: dbPath, configuration: configuration(key))
        try fill(pool)
        XCTAssertEqual(try pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }, "wal")
        XCTAssertEqual(try search(pool, "cafe").count, 1, "cafe finds café")
        XCTAssertEqual(try search(pool, marker).count, 1)
        XCTAssertEqual(try search(pool, "zan*").count, 1)

        // A backup through SQLite's backup API, under another key, and an export under a third.
        let backupKey = try DatabaseKey.random()
        let backup = try DatabaseQueue(path: path("backup.sqlite"), configuration: configuration(backupKey))
        try pool.backup(to: backup)
        try backup.close()
        let exportKey = try DatabaseKey.random()
        try pool.writeWithoutTransaction { try DatabaseCipher.exportEncrypted($0, to: path("export.sqlite"), key: exportKey) }

        // While the pool is open the WAL and shared-memory files exist: none of them, nor the copies, holds the word.
        let files = ["kinga.sqlite", "kinga.sqlite-wal", "kinga.sqlite-shm", "backup.sqlite", "export.sqlite"]
        for file in files {
            XCTAssertTrue(FileManager.default.fileExists(atPath: path(file)), file)
            XCTAssertFalse(try fileContains(path(file), marker), "\(marker) readable in \(file)")
            XCTAssertFalse(try fileContains(path(file), "café"), "café readable in \(file)")
        }
        XCTAssertGreaterThan(try Data(contentsOf: URL(fileURLWithPath: path("kinga.sqlite-wal"))).count, 0)
        try pool.close()

        // The copies open with their own key only, and search works in them.
        let reopened = try DatabaseQueue(path: path("backup.sqlite"), configuration: configuration(backupKey))
        XCTAssertEqual(try search(reopened, "cafe").count, 1)
        let exported = try DatabaseQueue(path: path("export.sqlite"), configuration: configuration(exportKey))
        XCTAssertEqual(try search(exported, marker).count, 1)
        XCTAssertThrowsError(try DatabaseQueue(path: path("backup.sqlite"), configuration: configuration(key))) {
            XCTAssertEqual($0 as? CipherError, .wrongKey)
        }
    }

    /// The detector itself: the same content in a plaintext file is found.
    func testMarkerIsReadableInAPlaintextDatabase() throws {
        let queue = try DatabaseQueue(path: path("plain.sqlite"))
        try fill(queue)
        try queue.close()
        XCTAssertTrue(try fileContains(path("plain.sqlite"), marker))
    }

    func testWrongKeyFailsWithTheTypedErrorAndPrintsNothing() throws {
        let key = try DatabaseKey.random()
        let dbPath = path("kinga.sqlite")
        let pool = try DatabasePool(path: dbPath, configuration: configuration(key))
        try fill(pool)
        try pool.close()

        let wrong = try DatabaseKey.random()
        let printed = try capturingStandardError {
            XCTAssertThrowsError(try DatabasePool(path: dbPath, configuration: configuration(wrong))) {
                XCTAssertEqual($0 as? CipherError, .wrongKey)
                XCTAssertFalse("\($0)".isEmpty)
            }
            // No key at all: SQLite's own "file is not a database".
            XCTAssertThrowsError(try DatabaseQueue(path: dbPath)) {
                XCTAssertEqual(($0 as? DatabaseError)?.resultCode, .SQLITE_NOTADB)
            }
        }
        XCTAssertEqual(printed, "", "nothing may print over the screen")
        // The right key still opens it.
        XCTAssertEqual(try search(DatabasePool(path: dbPath, configuration: configuration(key)), "cafe").count, 1)
    }

    func testPlaintextDatabaseIsEncryptedByExportWithEveryRow() throws {
        let plain = try DatabaseQueue(path: path("plain.sqlite"))
        try fill(plain)
        let key = try DatabaseKey.random()
        try plain.writeWithoutTransaction { try DatabaseCipher.exportEncrypted($0, to: path("encrypted.sqlite"), key: key) }
        try plain.close()
        XCTAssertFalse(try fileContains(path("encrypted.sqlite"), marker))
        let mode = try FileManager.default.attributesOfItem(atPath: path("encrypted.sqlite"))[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        let encrypted = try DatabasePool(path: path("encrypted.sqlite"), configuration: configuration(key))
        XCTAssertEqual(try encrypted.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM note") }, 2)
        XCTAssertEqual(try search(encrypted, "cafe").count, 1)
        // An existing destination is refused and left alone.
        let again = try DatabaseQueue(path: path("plain.sqlite"))
        XCTAssertThrowsError(try again.writeWithoutTransaction {
            try DatabaseCipher.exportEncrypted($0, to: path("encrypted.sqlite"), key: key)
        }) { guard case .copyFailed? = $0 as? CipherError else { return XCTFail("\($0)") } }
        XCTAssertEqual(try encrypted.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM note") }, 2)
    }

    func testPlaintextAndEncryptedFilesAreToldApart() throws {
        let plain = try DatabaseQueue(path: path("plain.sqlite"))
        try fill(plain)
        let encrypted = try DatabaseQueue(path: path("encrypted.sqlite"), configuration: configuration(try DatabaseKey.random()))
        try fill(encrypted)
        XCTAssertTrue(DatabaseCipher.isPlaintextDatabase(atPath: path("plain.sqlite")))
        XCTAssertFalse(DatabaseCipher.isPlaintextDatabase(atPath: path("encrypted.sqlite")))
        XCTAssertFalse(DatabaseCipher.isPlaintextDatabase(atPath: path("missing.sqlite")))
        // A key given to a plaintext database is refused like a wrong key (the opener checks the header first).
        XCTAssertThrowsError(try DatabaseQueue(path: path("plain.sqlite"), configuration: configuration(try DatabaseKey.random()))) {
            XCTAssertEqual($0 as? CipherError, .wrongKey)
        }
        // SQLite's backup API cannot copy a plaintext database into an encrypted one: exportEncrypted is the way.
        let target = try DatabaseQueue(path: path("target.sqlite"), configuration: configuration(try DatabaseKey.random()))
        XCTAssertThrowsError(try plain.backup(to: target))
    }

    func testRekeyInWALMode() throws {
        let old = try DatabaseKey.random(), new = try DatabaseKey.random()
        let dbPath = path("kinga.sqlite")
        let pool = try DatabasePool(path: dbPath, configuration: configuration(old))
        try fill(pool)
        try pool.writeWithoutTransaction { try DatabaseCipher.rekey($0, to: new) }
        try pool.close()
        XCTAssertEqual(try search(DatabasePool(path: dbPath, configuration: configuration(new)), "cafe").count, 1)
        XCTAssertThrowsError(try DatabasePool(path: dbPath, configuration: configuration(old))) {
            XCTAssertEqual($0 as? CipherError, .wrongKey)
        }
    }

    /// Runs `body` with file descriptor 2 sent to a file, and returns what was written there.
    func capturingStandardError(_ body: () throws -> Void) throws -> String {
        let capture = path("stderr.txt")
        _ = FileManager.default.createFile(atPath: capture, contents: nil)
        let saved = dup(2)
        let fd = open(capture, O_WRONLY)
        fflush(nil)
        dup2(fd, 2)
        close(fd)
        defer { fflush(nil); dup2(saved, 2); close(saved) }
        try body()
        fflush(nil)
        return try String(contentsOfFile: capture, encoding: .utf8)
    }
}
