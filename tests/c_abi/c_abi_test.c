/* Proves the C ABI: compiled as C99 against checkpw.h alone and linked to
 * libcheckpw.so. Each CHECK is one test in the suite's summary. */
#include <checkpw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (cond) {                                                              \
      passed++;                                                              \
    } else {                                                                 \
      failed++;                                                              \
      fprintf(stderr, "c_abi_test: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                        \
  } while (0)

static void hex(const unsigned char* p, size_t n, char* out) {
  static const char digits[] = "0123456789abcdef";
  size_t i;
  for (i = 0; i < n; i++) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  out[2 * n] = '\0';
}

static void test_md5(void) {
  unsigned char d[CHECKPW_MD5_DIGEST_SIZE];
  char h[33];
  checkpw_md5("abc", 3, d);
  hex(d, sizeof d, h);
  CHECK(strcmp(h, "900150983cd24fb0d6963f7d28e17f72") == 0);
  checkpw_md5(NULL, 0, d); /* NULL with length 0 is the empty message */
  hex(d, sizeof d, h);
  CHECK(strcmp(h, "d41d8cd98f00b204e9800998ecf8427e") == 0);
  memset(d, 0xab, sizeof d);
  checkpw_md5(NULL, 5, d); /* caller error: nothing written, no crash */
  CHECK(d[0] == 0xab && d[15] == 0xab);
  checkpw_md5("abc", 3, NULL);
  CHECK(1 == 1 && "NULL digest did not crash");
}

static void test_hmac(void) {
  unsigned char d[16];
  char h[33];
  const char* msg = "what do ya want for nothing?";
  checkpw_hmac_md5("Jefe", 4, msg, strlen(msg), d); /* RFC 2202 case 2 */
  hex(d, sizeof d, h);
  CHECK(strcmp(h, "750c783e6ab0b503eaa86e310a5db738") == 0);
  memset(d, 0xab, sizeof d);
  checkpw_hmac_md5(NULL, 3, msg, 1, d);
  CHECK(d[0] == 0xab);
}

static void test_cram(void) {
  unsigned char secret[CHECKPW_CRAM_MD5_SECRET_SIZE];
  char h[65];
  const char* challenge = "<1896.697170952@postoffice.reston.mci.net>";
  checkpw_cram_md5_secret("test", 4, secret);
  hex(secret, sizeof secret, h);
  CHECK(strcmp(h, "e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6") == 0);
  checkpw_cram_md5_secret("tanstaaftanstaaf", 16, secret);
  CHECK(checkpw_cram_md5_verify(secret, challenge, strlen(challenge),
                                "b913a602c7eda7a495b4e6e7334d3890", 32) == 0);
  CHECK(checkpw_cram_md5_verify(secret, challenge, strlen(challenge),
                                "B913A602C7EDA7A495B4E6E7334D3890", 32) == 0);
  CHECK(checkpw_cram_md5_verify(secret, challenge, strlen(challenge),
                                "b913a602c7eda7a495b4e6e7334d3891", 32) == -1);
  CHECK(checkpw_cram_md5_verify(secret, challenge, strlen(challenge),
                                "b913a602c7eda7a495b4e6e7334d389", 31) == -1);
  CHECK(checkpw_cram_md5_verify(secret, NULL, 5, "b913a602c7eda7a495b4e6e7334d3890", 32) == -1);
  CHECK(checkpw_cram_md5_verify(secret, challenge, strlen(challenge), NULL, 32) == -1);
  CHECK(checkpw_cram_md5_verify(NULL, challenge, strlen(challenge),
                                "b913a602c7eda7a495b4e6e7334d3890", 32) == -1);
}

static void test_base64(void) {
  char enc[16];
  unsigned char dec[16];
  size_t n = 99;
  CHECK(checkpw_base64_encoded_size(0) == 0);
  CHECK(checkpw_base64_encoded_size(4) == 8);
  CHECK(checkpw_base64_encoded_size((size_t)-1) == 0);
  CHECK(checkpw_base64_encode(enc, "fooba", 5) == 8 && memcmp(enc, "Zm9vYmE=", 8) == 0);
  CHECK(checkpw_base64_encode(enc, NULL, 0) == 0);
  CHECK(checkpw_base64_encode(enc, NULL, 3) == 0);
  CHECK(checkpw_base64_decode(dec, sizeof dec, &n, "Zm9vYmE=", 8) == 0 && n == 5 &&
        memcmp(dec, "fooba", 5) == 0);
  n = 99;
  CHECK(checkpw_base64_decode(dec, sizeof dec, &n, "Zm9vYmE", 7) == -1 && n == 0);
  n = 99;
  CHECK(checkpw_base64_decode(dec, sizeof dec, &n, "Zm9=", 4) == -1 && n == 0);
  n = 99;
  CHECK(checkpw_base64_decode(dec, 4, &n, "Zm9vYmE=", 8) == -1 && n == 0);
  n = 99;
  CHECK(checkpw_base64_decode(NULL, 0, &n, NULL, 0) == 0 && n == 0);
  CHECK(checkpw_base64_decode(dec, sizeof dec, NULL, "Zm9v", 4) == -1);
  n = 99;
  CHECK(checkpw_base64_decode(NULL, 8, &n, "Zm9v", 4) == -1 && n == 0);
}

int main(void) {
  const char* counts = getenv("CHECKPW_TEST_COUNTS");
  test_md5();
  test_hmac();
  test_cram();
  test_base64();
  printf("c_abi_test: %d checks passed, %d failed\n", passed, failed);
  if (counts != NULL) {
    FILE* f = fopen(counts, "w");
    if (f != NULL) {
      fprintf(f, "%d %d\n", passed, failed);
      fclose(f);
    }
  }
  return failed == 0 ? 0 : 1;
}
