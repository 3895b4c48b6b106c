/*
 * shim.h — libsodium for Kinga: Argon2id PIN hashes (crypto_pwhash_str) and HMAC-SHA-256 for the audit chain.
 * Wrappers give Swift plain functions and sizes instead of macros. Also the database key's vault (Sources/Vault).
 */
#ifndef KINGA_CSODIUM_SHIM_H
#define KINGA_CSODIUM_SHIM_H
#include <sodium.h>

static inline int kinga_sodium_init(void) { return sodium_init(); }
static inline size_t kinga_hmac_bytes(void) { return crypto_auth_hmacsha256_BYTES; }
static inline size_t kinga_hmac_key_bytes(void) { return crypto_auth_hmacsha256_KEYBYTES; }
static inline size_t kinga_pwhash_strbytes(void) { return crypto_pwhash_STRBYTES; }

/* Argon2id (libsodium's default for crypto_pwhash_str) at the OWASP Password Storage Cheat Sheet's
 * recommended minimum: 19 MiB of memory, 2 passes, 1 lane. (Kinga used libsodium's INTERACTIVE limits,
 * 64 MiB, before issue #6: that alone tripled the program's peak memory at login. Older hashes still verify,
 * since a PHC string carries its own limits, and are re-hashed at the next successful login.) */
#define KINGA_PIN_OPSLIMIT 2ULL
#define KINGA_PIN_MEMLIMIT (19UL * 1024UL * 1024UL)
static inline int kinga_pin_hash(char *out, const char *pin, unsigned long long len) {
    return crypto_pwhash_str(out, pin, len, KINGA_PIN_OPSLIMIT, KINGA_PIN_MEMLIMIT);
}
/* 1 when `hash` was made with other limits than Kinga's current ones (re-hash it), 0 otherwise, -1 when invalid. */
static inline int kinga_pin_needs_rehash(const char *hash) {
    return crypto_pwhash_str_needs_rehash(hash, KINGA_PIN_OPSLIMIT, KINGA_PIN_MEMLIMIT);
}
static inline int kinga_pin_verify(const char *hash, const char *pin, unsigned long long len) {
    return crypto_pwhash_str_verify(hash, pin, len);
}

/* Process hardening for the vault (issue #17): no core dump may carry the database key. Sets RLIMIT_CORE to 0 and
 * clears the "dumpable" flag (PR_SET_DUMPABLE 0, which also stops other users' ptrace). Returns 0 when both
 * succeeded, -1 otherwise (errno tells why). prctl is variadic, so Swift cannot call it directly. */
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/resource.h>
static inline int kinga_disable_core_dumps(void) {
    struct rlimit none = { 0, 0 };
    int a = setrlimit(RLIMIT_CORE, &none);
    int b = prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return (a == 0 && b == 0) ? 0 : -1;
}
#else
#include <sys/resource.h>
static inline int kinga_disable_core_dumps(void) {
    struct rlimit none = { 0, 0 };
    return setrlimit(RLIMIT_CORE, &none);
}
#endif
#endif
