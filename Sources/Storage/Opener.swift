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
    /// - Parameters: `key` nil for a plaintext file; `readonly` for checks and for reading a backup; `format` how an
    ///   encrypted file's pages are checked (`CipherFormat.current` for everything Kinga writes).
    static func configuration(key: DatabaseKey?, readonly: Bool = false, format: CipherFormat = .current) -> Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.readonly = readonly
        config.busyMode = .timeout(KingaStore.busyTimeoutSeconds)
        config.prepareDatabase { db in
            if let key { try DatabaseCipher.unlock(db, key: key, format: format) }
            if !readonly { try db.execute(sql: "PRAGMA synchronous = FULL") }
        }
        return config
    }

    /// The page cache of each connection of an encrypted store's pool, in KiB (`PRAGMA cache_size = -16384`):
    /// 16 MiB instead of SQLite's 2 MiB (issue #17).
    ///
    /// Why: SQLCipher encrypts a page when SQLite writes it and decrypts it (AES-256, checked with an HMAC: `CipherFormat`) when
    /// SQLite reads it back from the file into its page cache (SQLCipher README); pages in that cache stay
    /// decrypted. The cache is per connection, 2 MiB by default (`-2000`), and grows only as pages are read
    /// (sqlite.org/pragma.html#pragma_cache_size). At 2 MiB the pages that searches and scrolling share (the FTS5
    /// indexes, the list's index, the case rows) were pushed out and decrypted again: about 10 µs a page here
    /// against about 2 µs plaintext. SQLCipher never uses memory-mapped reads (its pager takes `getPageMMap` only
    /// when no codec is set: `setGetterMethod` in the SQLCipher 4.19.0 amalgamation), so this cache is the only
    /// one that holds decrypted pages. The cipher settings (AES-256, HMAC per page) and the raw key (no PBKDF2 per
    /// connection: zetetic.net/sqlcipher/performance) are unchanged; `cipher_memory_security` stays off (its
    /// default, zetetic.net/sqlcipher/sqlcipher-api).
    ///
    /// Measured with `kinga-bench --sizes 10000,100000 --no-fzf` (release, 2 shared cores, 2026-12-06), encrypted ÷
    /// plaintext at 100,000 cases, medians of 9–10 runs, before → after: search keystroke p50 1.32 → 0.94, p99
    /// 1.24 → 1.21 (0.94 in another nine runs), page-down p99 near the top 1.24 → 0.93, deep 1.17 → 1.27 (0.99 in
    /// the other runs; these tails are noise), whole export 1.25 → 1.05; peak memory 102 MB both. 8 and 32 MiB
    /// gave no more than 16 (README.md, "Encrypted and plaintext side by side"). Slower: the first frame after
    /// the PIN (1.65 → 2.02, 22 → 32 ms): every page it reads is read for the first time, so decrypted whatever
    /// the cache, and a cache still growing takes fresh memory for each page.
    ///
    /// Memory: the cache grows only as pages are read, up to this much per connection. GRDB opens the writer and
    /// readers on demand (`maximumReaderCount`, default 5), and Kinga reads one at a time on the screen's thread
    /// (plus the backup's thread), so about three connections at most: under 50 MB even if all were full, after
    /// the unlock's 64 MiB Argon2id has been freed. Peak memory measured stayed 102 MB (the Argon2id peak).
    /// Plaintext stores keep SQLite's default; one-off connections (checks, backups, restores) too, since they
    /// read each page once.
    static let encryptedPageCacheKiB = 16_384

    /// A single connection to `path` (a backup, a restore's source, a check). An existing encrypted file in an
    /// older `CipherFormat` (a backup made before 2026-12-07) is opened in its own format; a new file is written in
    /// `CipherFormat.current`.
    /// - Parameter format: the format to use, when the caller knows it; nil tries `current`, then the older ones.
    /// - Throws: `CipherError.wrongKey` when `key` does not open it in any format; GRDB's `DatabaseError` otherwise.
    static func queue(_ path: String, key: DatabaseKey?, readonly: Bool = false, format: CipherFormat? = nil) throws -> DatabaseQueue {
        if let format { return try DatabaseQueue(path: path, configuration: configuration(key: key, readonly: readonly, format: format)) }
        do {
            return try DatabaseQueue(path: path, configuration: configuration(key: key, readonly: readonly))
        } catch CipherError.wrongKey {
            for older in CipherFormat.allCases where older != .current {
                if let q = try? DatabaseQueue(path: path, configuration: configuration(key: key, readonly: readonly, format: older)) { return q }
            }
            throw CipherError.wrongKey
        }
    }

    /// The `CipherFormat` in which `key` opens the existing encrypted file at `path` (read-only; nothing written).
    /// - Throws: `CipherError.wrongKey` when it opens in none (another kiosk's key, or not a database);
    ///   GRDB's `DatabaseError` when the file cannot be read.
    static func format(of path: String, key: DatabaseKey) throws -> CipherFormat {
        for format in [CipherFormat.current] + CipherFormat.allCases.filter({ $0 != .current }) {
            do {
                try DatabaseQueue(path: path, configuration: configuration(key: key, readonly: true, format: format)).close()
                return format
            } catch CipherError.wrongKey { continue }
        }
        throw CipherError.wrongKey
    }

    /// The store's pool (WAL: one writer, several readers), after checking that the linked SQLite encrypts.
    /// - Throws: `CipherError.notEncrypting`, `CipherError.wrongKey`; GRDB's `DatabaseError` otherwise.
    /// With a key, each of the pool's connections gets a page cache of `encryptedPageCacheKiB`.
    /// - Parameter format: how the file's pages are checked (an older one only while a kiosk's database could not
    ///   be re-encrypted yet: `KingaStore.reencryptToCurrentFormat`).
    static func pool(_ path: String, key: DatabaseKey?, format: CipherFormat = .current) throws -> DatabasePool {
        var config = configuration(key: key, format: format)
        if key != nil {
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA cache_size = -\(encryptedPageCacheKiB)") }
        }
        let pool = try DatabasePool(path: path, configuration: config)
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
