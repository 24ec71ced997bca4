/* The floor of a plaintext login (bench/login): floor.c plus the one thing a plaintext
 * checkpassword program cannot leave out, an Argon2id verify of the request's password
 * against the hash in $FLOOR_VERIFY_HASH, in a new process, with its memory taken as the
 * programs take it (static libsodium, mmap through lib/auth/huge_pages.cc). Exits 1 on a
 * mismatch, else execs the subprogram. Not installed. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "floor_read.h"

int main(int argc, char** argv) {
  char buf[513];
  const long n = floor_read_request(buf, sizeof buf);
  if (n < 0) return (int)-n;
  const size_t got = (size_t)n;
  const char* user_end = memchr(buf, '\0', got);
  if (user_end == NULL) return 2;
  const char* password = user_end + 1;
  const char* password_end = memchr(password, '\0', got - (size_t)(password - buf));
  const char* hash = getenv("FLOOR_VERIFY_HASH");
  if (password_end == NULL || hash == NULL || argc < 2) return 2;
  if (sodium_init() < 0) return 111;
  if (crypto_pwhash_str_verify(hash, password, (unsigned long long)(password_end - password)) != 0)
    return 1;
  execv(argv[1], argv + 1);
  return 111;
}
