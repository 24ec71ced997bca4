/* The floor of a login that looks its user up in SQLite (bench/login): floor.c plus the
 * least such a lookup is, in a new process: open $CHECKPW_DB read-only, one SELECT of the
 * user's row, close. Static like the programs, with the same libsqlite3.a, and nothing
 * else but the busy timeout the programs set too (concurrent streams meet SQLite's
 * locks): no checks, no bookkeeping, no verify. Exits 1 for an unknown user, else execs
 * the subprogram. Not installed. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "floor_read.h"

int main(int argc, char** argv) {
  char buf[513];
  const long n = floor_read_request(buf, sizeof buf);
  if (n < 0) return (int)-n;
  const char* db_path = getenv("CHECKPW_DB");
  if (memchr(buf, '\0', (size_t)n) == NULL || db_path == NULL || argc < 2) return 2;
  sqlite3* db = NULL;
  sqlite3_stmt* st = NULL;
  if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
      sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "SELECT cram_md5 FROM accounts WHERE name = ?1", -1, &st, NULL) !=
          SQLITE_OK ||
      sqlite3_bind_text(st, 1, buf, -1, SQLITE_STATIC) != SQLITE_OK)
    return 111;
  const int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  sqlite3_close(db);
  if (rc == SQLITE_DONE) return 1;
  if (rc != SQLITE_ROW) return 111;
  execv(argv[1], argv + 1);
  return 111;
}
