// SQLCipher's key functions, for Swift (issue #17).
//
// GRDB imports Debian's sqlite3.h, which does not declare these; the library that provides them is the static
// SQLCipher build in .build-deps/sqlcipher (scripts/sqlcipher.sh), which kinga-sqlcipher.pc puts first on the
// linker's path (see Package.swift).
// SQLITE_HAS_CODEC is deliberately NOT defined for Swift: GRDB would then look for a module named SQLCipher.
// A build linked against Debian's libsqlite3 fails at link time ("undefined reference to sqlite3_key").
//
// `struct sqlite3` stays opaque, so Swift sees the connection as an OpaquePointer: pass GRDB's
// `db.sqliteConnection` unchanged.
#ifndef KINGA_SQLCIPHER_SHIM_H
#define KINGA_SQLCIPHER_SHIM_H

struct sqlite3;

/// Sets the key of the "main" database on a connection that has just been opened, before any other statement.
/// `key` points to `size` bytes; the raw-key form is the 67 characters `x'<64 hex digits>'`. Returns SQLITE_OK (0)
/// even for a wrong key: the first read of the schema is what fails (SQLITE_NOTADB, 26).
int sqlite3_key(struct sqlite3 *db, const void *key, int size);

/// Re-encrypts the "main" database under a new key (same forms as sqlite3_key). Returns an SQLite result code.
int sqlite3_rekey(struct sqlite3 *db, const void *key, int size);

#endif
