/* The floor of a checkpassword login (bench/login): what any program behind the
 * checkpassword interface must do, and nothing else. Static C: read the request from
 * fd 3 to end of file (at most 512 bytes), then exec the subprogram. Not installed. */
#include <unistd.h>

#include "floor_read.h"

int main(int argc, char** argv) {
  char buf[513];
  const long got = floor_read_request(buf, sizeof buf);
  if (got < 0) return (int)-got;
  if (argc < 2) return 2;
  execv(argv[1], argv + 1);
  return 111;
}
