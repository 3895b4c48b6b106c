import CSQLCipher
import Foundation
import GRDB
import GRDBSQLite
import Vault

/// Why an encrypted database could not be unlocked, re-keyed or copied, in words a screen can show as they are.
/// No case carries key material.
public enum CipherError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The key does not open this database: it was made with another key, or it is not a database at all
    /// (SQLCipher cannot tell the two apart: SQLITE_NOTADB, "file is not a database").
    case wrongKey
    /// This build of Kinga links an SQLite without encryption (`PRAGMA cipher_version` is empty).
    case notEncrypting
    /// SQLCipher refused the key (`sqlite3_key`'s SQLite result code).
    case keyRejected(code: Int32)
    /// Re-encrypting under a new key failed (SQLite's message).
    case rekeyFailed(String)
    /// An encrypted copy could not be made or failed its check (the destination's path and SQLite's message).
    /// A half-made copy is removed.
    case copyFailed(path: String, reason: String)

    /// What happened and what to do, in plain words for the screen.
    public var description: String {
        switch self {
        case .wrongKey: return "This key does not open the database. It may belong to another kiosk, or the file may be damaged. Nothing was changed."
        case .notEncrypting: return "This copy of Kinga was built without database encryption, so it will not open case data. Rebuild it with 'make build'."
        case .keyRejected(let code): return "The encryption library refused the key (SQLite code \(code)). Please tell a technician."
        case .rekeyFailed(let why): return "The database could not be re-encrypted (\(why)). It is unchanged and still opens with the old key."
        case .copyFailed(let path, let why): return "Kinga could not make an encrypted copy at \(path) (\(why)). Nothing was left there."
        }
    }
}

/// How the pages of an encrypted Kinga database are checked: which HMAC SQLCipher keeps beside each page (issue #17).
///
/// Everything else is SQLCipher 4's default and the same in both: AES-256-CBC, 4096-byte pages, a random IV per
/// page write, the raw 256-bit key (no PBKDF2 for the key itself). The HMAC is part of the file's format: a file
/// written with one opens only with the same setting (`PRAGMA cipher_hmac_algorithm`, zetetic.net/sqlcipher/
/// sqlcipher-api), and the file does not say which it was (its first 16 bytes are the salt), so a reader tries
/// `current` first and then the older one.
public enum CipherFormat: String, Sendable, CaseIterable {
    /// HMAC-SHA256 on every page: every database, backup and copy Kinga writes since 2026-12-07.
    ///
    /// Why: the first frame after the PIN reads about a thousand pages for the first time, and each is decrypted
    /// and checked then. On this kind of CPU (SHA extensions) OpenSSL hashes 4 KiB at about 1.24 GB/s with SHA-256
    /// against 0.42 GB/s with SHA-512 (`openssl speed -bytes 4096 sha256 sha512`). Measured with SQLCipher 4.19 on
    /// the 100,000-case bench archive, cold reads from the OS cache: the home screen's counts 5.4 ms plaintext,
    /// 8.8 ms with HMAC-SHA512, 7.4 ms with HMAC-SHA256; a scan of every timeline entry 29, 156 and 105 ms (README,
    /// "Performance"). SHA-256's 256-bit tag keeps SQLCipher's integrity check (a forged or swapped page is refused);
    /// SQLCipher 3 used HMAC-SHA1.
    case hmacSHA256 = "HMAC_SHA256"
    /// HMAC-SHA512, SQLCipher 4's default: Kinga's encrypted databases and backups made from 2026-12-04 to
    /// 2026-12-07. Read as they are (backups, restores, checks); a kiosk's own database is re-encrypted to
    /// `current` the first time it is opened (`KingaStore.reencryptToCurrentFormat`).
    case hmacSHA512 = "HMAC_SHA512"

    /// What Kinga writes.
    public static let current = CipherFormat.hmacSHA256
}

/// SQLCipher for Kinga's one database opener (issue #17): unlock a connection, check that the build encrypts,
/// re-key, and copy a database into a new encrypted file.
///
/// Use from `Configuration.prepareDatabase`, which GRDB runs on every new connection (the writer and each reader
/// of a `DatabasePool`) before anything else touches the file:
/// ```swift
/// var config = Configuration()
/// config.prepareDatabase { db in try DatabaseCipher.unlock(db, key: key) }
/// let pool = try DatabasePool(path: path, configuration: config)   // throws CipherError.wrongKey for a wrong key
/// guard try pool.read(DatabaseCipher.version) != nil else { throw CipherError.notEncrypting }
/// ```
/// Do not use `eraseDatabaseOnSchemaChange` (GRDB's `erase()` fails on an encrypted database).
/// Sources: SQLCipher API documentation (sqlite3_key, PRAGMA cipher_version, cipher_log_level, sqlcipher_export)
/// and ../shared/ENCRYPTION.md (what was checked on this machine).
public enum DatabaseCipher {
    /// Unlocks a freshly opened connection with `key`, then reads the schema to prove the key is right.
    ///
    /// Steps: `PRAGMA cipher_log_level = NONE` (otherwise a wrong key makes SQLCipher print "hmac check failed" to
    /// stderr, over the screen); `sqlite3_key` with the raw-key form `x'<64 hex>'` (the key itself, so no PBKDF2 on
    /// every pooled connection); `PRAGMA cipher_hmac_algorithm` for `format`; a read of `sqlite_master`. On a new,
    /// empty file this sets the key and format it will be written with.
    /// - Parameter format: how the file's pages are checked (`CipherFormat`); a file in the other format looks
    ///   exactly like a wrong key.
    /// - Throws: `CipherError.wrongKey` (wrong key, other format, or not a database), `CipherError.keyRejected`, or
    ///   GRDB's `DatabaseError` for other I/O failures.
    public static func unlock(_ db: Database, key: DatabaseKey, format: CipherFormat = .current) throws {
        try db.execute(sql: "PRAGMA cipher_log_level = NONE")
        let code = try key.withRawKeyLiteral { literal in
            sqlite3_key(db.sqliteConnection, literal.baseAddress, Int32(literal.count))
        }
        guard code == SQLITE_OK else { throw CipherError.keyRejected(code: code) }
        try db.execute(sql: "PRAGMA cipher_hmac_algorithm = \(format.rawValue)")
        do {
            _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw CipherError.wrongKey
        }
    }

    /// Adds `unlock(_:key:)` to `configuration.prepareDatabase` (after whatever it already does), so every
    /// connection opened with it is unlocked with `key`. A convenience for the opener, backups and tests.
    public static func configure(_ configuration: inout Configuration, key: DatabaseKey) {
        configuration.prepareDatabase { db in try unlock(db, key: key) }
    }

    /// The SQLCipher version (`PRAGMA cipher_version`, e.g. "4.19.0 community"), or nil when the linked SQLite has
    /// no encryption. Kinga refuses to open case data when this is nil.
    public static func version(_ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "PRAGMA cipher_version").flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Re-encrypts the whole database under `newKey` (`sqlite3_rekey`; works in WAL mode). Call it outside any
    /// transaction, on the writer (`pool.writeWithoutTransaction`); other pooled connections must be closed and
    /// reopened with the new key. A plaintext database cannot be re-keyed: use `exportEncrypted` for that.
    /// - Throws: `CipherError.rekeyFailed` (the database is then unchanged).
    public static func rekey(_ db: Database, to newKey: DatabaseKey) throws {
        let code = try newKey.withRawKeyLiteral { literal in
            sqlite3_rekey(db.sqliteConnection, literal.baseAddress, Int32(literal.count))
        }
        guard code == SQLITE_OK else { throw CipherError.rekeyFailed(String(cString: sqlite3_errstr(code))) }
    }

    /// Copies the database of connection `db` (plaintext or encrypted) into a new file at `destination`, encrypted
    /// under `key` in `CipherFormat.current`, then checks the copy (`quick_check`) and sets its mode to 0600.
    ///
    /// How: `ATTACH DATABASE destination AS kinga_export KEY x'…'` (the key bound from locked memory), SQLCipher's
    /// `sqlcipher_export('kinga_export')` (schema, rows, FTS5 tables, indexes, triggers), `DETACH`. This is
    /// SQLCipher's documented way to encrypt a plaintext database; SQLite's online backup API cannot copy between a
    /// plaintext and an encrypted file (their pages reserve different space), though it does copy between two
    /// encrypted files under different keys (`DatabaseReader.backup(to:)` into a writer configured with
    /// `configure(_:key:)`). The copy holds the data as seen by one read; `user_version` is not copied (Kinga's
    /// schema lives in GRDB's `grdb_migrations` table).
    ///
    /// Call it outside any transaction on a connection that may write (ATTACH needs one): for a `DatabasePool`,
    /// `pool.writeWithoutTransaction { try DatabaseCipher.exportEncrypted($0, to: path, key: key) }`, which holds
    /// other writers back while it copies.
    /// - Throws: `CipherError.copyFailed` when `destination` exists or anything fails; a half-made file is removed.
    public static func exportEncrypted(_ db: Database, to destination: String, key: DatabaseKey) throws {
        let fm = FileManager.default
        guard !fm.fileExists(atPath: destination) else {
            throw CipherError.copyFailed(path: destination, reason: "a file with that name already exists")
        }
        var attached = false
        do {
            try attach(db, path: destination, as: "kinga_export", key: key)
            attached = true
            try db.execute(sql: "SELECT sqlcipher_export('kinga_export')")
            let check = try String.fetchOne(db, sql: "PRAGMA kinga_export.quick_check")
            guard check == "ok" else { throw CipherError.copyFailed(path: destination, reason: check ?? "no answer from the check") }
            try db.execute(sql: "DETACH DATABASE kinga_export")
            attached = false
            chmod(destination, 0o600)
        } catch {
            if attached { try? db.execute(sql: "DETACH DATABASE kinga_export") }
            for suffix in ["", "-journal", "-wal", "-shm"] { try? fm.removeItem(atPath: destination + suffix) }
            if let e = error as? CipherError { throw e }
            throw CipherError.copyFailed(path: destination, reason: (error as? DatabaseError)?.message ?? "\(error)")
        }
    }

    /// True when the file at `path` starts with SQLite's plaintext header ("SQLite format 3" and a NUL byte): an
    /// unencrypted database, to be encrypted with `exportEncrypted` before use. An encrypted file starts with
    /// random-looking bytes (SQLCipher's salt). False when the file is missing, shorter than 16 bytes or unreadable.
    public static func isPlaintextDatabase(atPath path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        return header == Data("SQLite format 3\u{0}".utf8)
    }

    /// `ATTACH DATABASE path AS name KEY <raw key>`, with the key bound as a blob straight from locked memory
    /// (SQLITE_STATIC: SQLite reads it during the step and keeps no copy of the statement's parameter), then
    /// `PRAGMA name.cipher_hmac_algorithm` for `CipherFormat.current` (before anything reads or writes it).
    static func attach(_ db: Database, path: String, as name: String, key: DatabaseKey) throws {
        var statement: OpaquePointer?
        var code = sqlite3_prepare_v2(db.sqliteConnection, "ATTACH DATABASE ?1 AS \(name) KEY ?2", -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection))) }
        code = try key.withRawKeyLiteral { literal in
            sqlite3_bind_text(statement, 1, path, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
            sqlite3_bind_blob(statement, 2, literal.baseAddress, Int32(literal.count), nil)
            let stepped = sqlite3_step(statement)
            sqlite3_clear_bindings(statement)
            return stepped
        }
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        try db.execute(sql: "PRAGMA \(name).cipher_hmac_algorithm = \(CipherFormat.current.rawValue)")
    }
}
