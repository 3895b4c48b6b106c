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
#endif
