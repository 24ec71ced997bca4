#include "store/db_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace checkpw {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

std::string mode_text(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

void audit_one(std::vector<std::string>& out, const std::string& path, const struct stat& st,
               const char* kind) {
  if ((st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
    out.push_back(std::string(kind) + " " + path + " can be read or written by anyone (mode " +
                  mode_text(st.st_mode) + ")");
  }
  if ((st.st_mode & S_IWGRP) != 0) {
    out.push_back(std::string(kind) + " " + path + " is writable by its group (mode " +
                  mode_text(st.st_mode) + ")");
  }
}

}  // namespace

Status db_file_create(const std::string& path, std::optional<gid_t> group) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    Error e = temp_error(errno_text());
    if (errno == EEXIST) e.verdict = Verdict::kReject;
    return e;
  }
  bool ok = true;
  if (group) ok = fchown(fd, static_cast<uid_t>(-1), *group) == 0;
  if (ok) ok = fchmod(fd, group ? 0640 : 0600) == 0;
  const int saved = errno;
  close(fd);
  if (!ok) {
    unlink(path.c_str());
    return temp_error(std::string("unable to set mode and group: ") + std::strerror(saved));
  }
  return ok_status();
}

void db_file_remove(const std::string& path) noexcept {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    unlink((path + suffix).c_str());
  }
}

Status db_file_match_wal(const std::string& path) {
  struct stat db_st {};
  if (stat(path.c_str(), &db_st) != 0) {
    return temp_error("unable to stat database: " + errno_text());
  }
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string p = path + suffix;
    const int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return temp_error("unable to open " + p + ": " + errno_text());
    struct stat st {};
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (ok && (st.st_uid != db_st.st_uid || st.st_gid != db_st.st_gid)) {
      const uid_t owner = geteuid() == 0 ? db_st.st_uid : static_cast<uid_t>(-1);
      ok = fchown(fd, owner, db_st.st_gid) == 0;
    }
    if (ok && (st.st_mode & 07777) != (db_st.st_mode & 0666)) {
      ok = fchmod(fd, db_st.st_mode & 0666) == 0;
    }
    const int saved = errno;
    close(fd);
    if (!ok) {
      return temp_error("unable to set mode and group of " + p + ": " + std::strerror(saved));
    }
  }
  return ok_status();
}

Status db_file_check_owned(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    Error e = temp_error(errno_text());
    if (errno == ELOOP) e = {Verdict::kReject, "it is a symbolic link"};
    return e;
  }
  struct stat st {};
  const bool got = fstat(fd, &st) == 0;
  const int saved = errno;
  close(fd);
  if (!got) return temp_error(std::strerror(saved));
  if (!S_ISREG(st.st_mode)) return Error{Verdict::kReject, "it is not a regular file"};
  if (st.st_uid != geteuid()) {
    return Error{Verdict::kReject, "it is owned by uid " + std::to_string(st.st_uid) +
                                       ", not by this user; refusing to adopt it"};
  }
  if ((st.st_mode & (S_IWGRP | S_IRWXO)) != 0) {
    return Error{Verdict::kReject, "its mode " + mode_text(st.st_mode) +
                                       " lets others read or write it; refusing to use it "
                                       "(chmod 0600, or 0640 for a reading group)"};
  }
  return ok_status();
}

Result<std::vector<std::string>> db_file_audit(const std::string& path) {
  std::vector<std::string> out;
  struct stat db_st {};
  if (stat(path.c_str(), &db_st) != 0) return temp_error(errno_text());
  audit_one(out, path, db_st, "file");
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string p = path + suffix;
    struct stat st {};
    if (lstat(p.c_str(), &st) != 0) {
      out.push_back(p +
                    " is missing: members of the database's group cannot open it "
                    "(run userdb-tool init to restore it)");
      continue;
    }
    audit_one(out, p, st, "file");
    if ((st.st_mode & 07777) != (db_st.st_mode & 0666) || st.st_gid != db_st.st_gid ||
        st.st_uid != db_st.st_uid) {
      out.push_back(p +
                    " differs from the database in mode, owner or group "
                    "(run userdb-tool init to fix it)");
    }
  }
  const std::string dir = dir_of(path);
  struct stat dir_st {};
  if (stat(dir.c_str(), &dir_st) != 0) return temp_error(errno_text());
  audit_one(out, dir, dir_st, "directory");
  return out;
}

}  // namespace checkpw
