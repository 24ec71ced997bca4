/* The request as every floor program reads it: fd 3 to end of file, at most 512 bytes,
 * then fd 3 closed. Returns the bytes read, or -111 (unreadable) or -2 (too long), the
 * exit status a checkpassword program gives. */
#pragma once
#include <unistd.h>

static inline long floor_read_request(char* buf, size_t size) {
  size_t got = 0;
  for (;;) {
    ssize_t n = read(3, buf + got, size - got);
    if (n < 0) return -111;
    if (n == 0) break;
    got += (size_t)n;
    if (got == size) return -2;
  }
  close(3);
  return (long)got;
}
