/*
 * checkpw.h: the C ABI of libcheckpw (MD5, HMAC-MD5, CRAM-MD5, Base64), for mail
 * servers written in C. Compiles as C99 and C++.
 *
 * Pointers may be NULL only when their length is 0. A NULL pointer with a non-zero
 * length, or a NULL output, is a caller error: the function then writes nothing,
 * returns -1 or 0 where it returns a value, and never crashes.
 * Secrets (keys, passwords, decoded data) are wiped from our internal buffers before
 * each function returns; wiping the caller's own buffers is the caller's job.
 */
#ifndef CHECKPW_H
#define CHECKPW_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CHECKPW_MD5_DIGEST_SIZE 16
#define CHECKPW_CRAM_MD5_SECRET_SIZE 32

/* MD5 (RFC 1321) of data. */
void checkpw_md5(const void* data, size_t len, unsigned char digest[16]);

/* HMAC-MD5 (RFC 2104) of msg under key. */
void checkpw_hmac_md5(const void* key, size_t key_len, const void* msg, size_t msg_len,
                      unsigned char digest[16]);

/* The CRAM-MD5 secret of a password: the HMAC-MD5 key state after the pads, outer
 * (opad) state A,B,C,D then inner (ipad) state, 32-bit little-endian words: Dovecot's
 * {CRAM-MD5} layout. Password-equivalent for CRAM-MD5. */
void checkpw_cram_md5_secret(const void* password, size_t len, unsigned char secret[32]);

/* 0 when response is the 32 hex digits (either case) of HMAC-MD5(challenge) under
 * secret, -1 otherwise. Its time does not depend on where the response differs. */
int checkpw_cram_md5_verify(const unsigned char secret[32], const char* challenge,
                            size_t challenge_len, const char* response, size_t response_len);

/* Characters needed to Base64-encode n bytes (RFC 4648, padded); 0 on overflow. */
size_t checkpw_base64_encoded_size(size_t n);

/* Encodes n bytes of in into out, which must hold checkpw_base64_encoded_size(n)
 * characters. Writes no NUL. Returns the characters written. */
size_t checkpw_base64_encode(char* out, const void* in, size_t n);

/* Strict RFC 4648 decoding of n characters into out (capacity out_cap). Returns 0 and
 * sets *out_len; or -1 and sets *out_len to 0 for a character outside the alphabet,
 * missing or wrong padding, non-zero trailing bits, or out_cap too small. out may be
 * in itself (decoding in place); no other overlap is allowed. */
int checkpw_base64_decode(void* out, size_t out_cap, size_t* out_len, const char* in, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* CHECKPW_H */
