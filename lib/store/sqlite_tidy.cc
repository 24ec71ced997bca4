// store_tidy (store.h) for SQLite: the programs' connections never checkpoint, so the
// WAL grows with the bookkeeping, and every program that opens the database first reads
// the whole WAL to rebuild its index. Once it passes kWalCheckpointBytes, the program that
// just wrote starts a detached process (two forks: nobody has to reap it, not even the
// subprogram the login execs) that checkpoints and truncates it in its own connection,
// with the default flushes, while the login goes on. Several such processes at once are
// harmless: SQLite lets one checkpoint run and the others give up.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "store/location.h"
#include "store/sqlite.h"
#include "store/sqlite_store.h"
#include "store/store.h"

namespace checkpw {

void store_tidy(const std::string& path) noexcept {
  if (pg_location(path)) return;  // PostgreSQL keeps its own WAL
  struct stat st {};
  const std::string wal = path + "-wal";
  if (stat(wal.c_str(), &st) != 0 || st.st_size < kWalCheckpointBytes) return;
  const pid_t child = fork();
  if (child < 0) return;
  if (child > 0) {
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return;
  }
  // The forked children leave with _exit: they must not run the parent's exit handlers or
  // flush its buffers, and they touch nothing of the parent's but this path. The parent has
  // no database open (store.h), so SQLite holds no file of the parent's here either.
  // Their status is no verdict (exit_code() is the program's, given by main): the first
  // child's 0 tells the waiting parent "forked", and nobody reaps the second.
  if (fork() != 0) _exit(0);
  setsid();
  // Nothing the server handed the program stays open (a server that waits for the end of
  // a pipe must not wait for this process), and the deadline's handler is not ours.
  close_range(0, ~0U, 0);
  for (int fd = 0; fd < 3; ++fd) {
    if (open("/dev/null", O_RDWR) != fd) _exit(0);
  }
  signal(SIGALRM, SIG_DFL);
  alarm(kTidySeconds);
  {
    auto db = SqliteDb::open(path, SQLITE_OPEN_READWRITE);
    if (db) {
      int persist = 1;
      sqlite3_file_control(db->get(), "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
      sqlite3_busy_timeout(db->get(), 1000);
      // Its one frame must outlive the close: it carries the new WAL's header.
      int on = 0;
      sqlite3_db_config(db->get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, &on);
      (void)wal_truncate(*db);
    }
  }
  _exit(0);
}

}  // namespace checkpw
