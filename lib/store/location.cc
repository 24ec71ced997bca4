#include "store/location.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "store/account.h"

namespace checkpw {

bool pg_location(std::string_view location) noexcept {
  return location.substr(0, 13) == "postgresql://" || location.substr(0, 11) == "postgres://";
}

Result<std::optional<std::string>> location_file_read(const char* path) {
  const std::string what = std::string("location file ") + path;
  const int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0 && errno == ENOENT) return std::optional<std::string>();
  if (fd < 0) return temp_error("cannot open " + what + ": " + std::strerror(errno));
  struct stat st {};
  char buf[4097];
  ssize_t n = -1;
  std::string problem;
  if (fstat(fd, &st) != 0) {
    problem = std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    problem = "not a regular file";
  } else if (st.st_uid != 0) {
    problem = "not owned by root";
  } else if ((st.st_mode & 022) != 0) {
    problem = "writable by group or others";
  } else if ((n = read(fd, buf, sizeof buf)) < 0) {
    problem = std::strerror(errno);
  } else if (n == static_cast<ssize_t>(sizeof buf)) {
    problem = "longer than 4096 bytes";
  }
  close(fd);
  std::optional<std::string> line;
  if (problem.empty()) {
    std::string_view text(buf, static_cast<std::size_t>(n));
    while (!text.empty() && problem.empty()) {
      const std::size_t eol = std::min(text.find('\n'), text.size());
      std::string_view l = text.substr(0, eol);
      text.remove_prefix(std::min(eol + 1, text.size()));
      while (!l.empty() && (l.back() == '\r' || l.back() == ' ' || l.back() == '\t')) {
        l.remove_suffix(1);
      }
      if (l.empty() || l[0] == '#') continue;
      if (line) problem = "more than one location";
      for (const char ch : l) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f) problem = "a control character in the location";
      }
      line = std::string(l);
    }
    if (problem.empty() && !line) problem = "no location in it";
  }
  sodium_memzero(buf, sizeof buf);
  if (!problem.empty()) {
    if (line) wipe_string(*line);
    return temp_error(what + ": " + problem);
  }
  return line;
}

Result<std::string> store_location(const char* override) {
  if (override != nullptr && *override != '\0') return std::string(override);
  auto file = location_file_read(store_location_file());
  if (!file) return file.error();
  if (*file) return std::move(**file);
  return std::string(store_default_location());
}

namespace {

// Where a PostgreSQL URI holds a password: the user:PASSWORD@ part and each password=
// parameter, as (offset, length), in order.
std::vector<std::pair<std::size_t, std::size_t>> password_spans(std::string_view s) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  if (!pg_location(s)) return spans;
  const std::size_t start = s.find("://") + 3;
  const std::size_t end = std::min(s.find_first_of("/?", start), s.size());
  const std::size_t at = s.rfind('@', end);
  if (at != std::string_view::npos && at >= start) {
    const std::size_t colon = s.find(':', start);
    if (colon < at) spans.emplace_back(colon + 1, at - colon - 1);
  }
  for (std::size_t q = s.find('?'); q != std::string_view::npos; q = s.find('&', q + 1)) {
    if (s.compare(q + 1, 9, "password=") != 0) continue;
    const std::size_t value = q + 10;
    spans.emplace_back(value, std::min(s.find('&', value), s.size()) - value);
  }
  return spans;
}

}  // namespace

std::string location_shown(std::string_view location) {
  std::string s(location);
  const auto spans = password_spans(location);
  for (auto span = spans.rbegin(); span != spans.rend(); ++span) {
    s.replace(span->first, span->second, "***");
  }
  return s;
}

std::string location_scrubbed(std::string message, std::string_view location) {
  for (const auto& [at, n] : password_spans(location)) {
    if (n == 0) continue;
    const std::string_view password = location.substr(at, n);
    for (std::size_t i = message.find(password); i != std::string::npos;
         i = message.find(password, i + 3)) {
      message.replace(i, n, "***");
    }
  }
  return message;
}

}  // namespace checkpw
