/*
 * shim.h — libsodium for Kinga: Argon2id PIN hashes (crypto_pwhash_str) and HMAC-SHA-256 for the audit chain.
 * Wrappers give Swift plain functions and sizes instead of macros.
 */
#ifndef KINGA_CSODIUM_SHIM_H
#define KINGA_CSODIUM_SHIM_H
#include <sodium.h>

static inline int kinga_sodium_init(void) { return sodium_init(); }
static inline size_t kinga_hmac_bytes(void) { return crypto_auth_hmacsha256_BYTES; }
static inline size_t kinga_hmac_key_bytes(void) { return crypto_auth_hmacsha256_KEYBYTES; }
static inline size_t kinga_pwhash_strbytes(void) { return crypto_pwhash_STRBYTES; }

/* Argon2id (libsodium's default for crypto_pwhash_str) with the INTERACTIVE limits: 2 passes, 64 MiB.
 * OWASP Password Storage Cheat Sheet minimum for Argon2id: 19 MiB, 2 passes. Output: a PHC string. */
static inline int kinga_pin_hash(char *out, const char *pin, unsigned long long len) {
    return crypto_pwhash_str(out, pin, len, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE);
}
static inline int kinga_pin_verify(const char *hash, const char *pin, unsigned long long len) {
    return crypto_pwhash_str_verify(hash, pin, len);
}
#endif
