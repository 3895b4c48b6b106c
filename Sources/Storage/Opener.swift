import Foundation
import GRDB
import Vault

/// Kinga's one database opener (issue #16): every connection Kinga makes to a database file — the store's pool,
/// a backup's copy, a restore, the damage check, the seeder, the demo reset, the benchmark — is configured here,
/// so that checking, opening and (issue #17) unlocking happen in one place.
///
/// With a `DatabaseKey`, every connection is unlocked with it before anything else touches the file
/// (`DatabaseCipher.unlock`), and copies (backups) are written under the same key. Without one, the file is plain
/// SQLite (databases made before encryption at rest; tests). Either way the linked SQLite must be the encrypting
/// build: a Kinga built without it refuses to open case data (`CipherError.notEncrypting`).
enum Opener {
    /// The configuration of every Kinga connection: foreign keys on, a busy timeout so two sessions wait for each
    /// other (`KingaStore.busyTimeoutSeconds`), `synchronous = FULL` on writers (a saved report survives power
    /// loss), and the key when there is one.
    /// - Parameters: `key` nil for a plaintext file; `readonly` for checks and for reading a backup.
    static func configuration(key: DatabaseKey?, readonly: Bool = false) -> Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.readonly = readonly
        config.busyMode = .timeout(KingaStore.busyTimeoutSeconds)
        config.prepareDatabase { db in
            if let key { try DatabaseCipher.unlock(db, key: key) }
            if !readonly { try db.execute(sql: "PRAGMA synchronous = FULL") }
        }
        return config
    }

    /// A single connection to `path` (a backup, a restore's source, a check).
    /// - Throws: `CipherError.wrongKey` when `key` does not open it; GRDB's `DatabaseError` otherwise.
    static func queue(_ path: String, key: DatabaseKey?, readonly: Bool = false) throws -> DatabaseQueue {
        try DatabaseQueue(path: path, configuration: configuration(key: key, readonly: readonly))
    }

    /// The store's pool (WAL: one writer, several readers), after checking that the linked SQLite encrypts.
    /// - Throws: `CipherError.notEncrypting`, `CipherError.wrongKey`; GRDB's `DatabaseError` otherwise.
    static func pool(_ path: String, key: DatabaseKey?) throws -> DatabasePool {
        let pool = try DatabasePool(path: path, configuration: configuration(key: key))
        guard try pool.read(DatabaseCipher.version) != nil else {
            try? pool.close()
            throw CipherError.notEncrypting
        }
        return pool
    }

    /// Reads the whole file read-only with `PRAGMA quick_check`. `.damaged` only when SQLite itself says so
    /// (damage found, or not a database — which, for an encrypted file, is also what a wrong key looks like, so
    /// the check is made with the file's own key); `.unknown` when it could not look (for example a write-ahead
    /// log left by a program that was killed needs a writer to recover it): then the normal open decides.
    static func damageCheck(_ path: String, key: DatabaseKey?) -> KingaStore.Soundness {
        do {
            let q = try queue(path, key: key, readonly: true)
            defer { try? q.close() }
            return try q.read { db in try String.fetchOne(db, sql: "PRAGMA quick_check") } == "ok" ? .sound : .damaged
        } catch CipherError.wrongKey {
            return .damaged
        } catch let e as DatabaseError where e.resultCode == .SQLITE_CORRUPT || e.resultCode == .SQLITE_NOTADB {
            return .damaged
        } catch {
            return .unknown
        }
    }
}
