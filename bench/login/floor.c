/* The floor of a checkpassword login (bench/login): what any program behind the
 * checkpassword interface must do, and nothing else. Static C: read the request from
 * fd 3 to end of file (at most 512 bytes), then exec the subprogram. Not installed. */
#include <unistd.h>

int main(int argc, char** argv) {
  char buf[513];
  size_t got = 0;
  for (;;) {
    ssize_t n = read(3, buf + got, sizeof buf - got);
    if (n < 0) return 111;
    if (n == 0) break;
    got += (size_t)n;
    if (got == sizeof buf) return 2;
  }
  close(3);
  if (argc < 2) return 2;
  execv(argv[1], argv + 1);
  return 111;
}
