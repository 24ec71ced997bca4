// Small helpers shared by the tests: data files, hex, temporary directories.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace checkpw::test {

using Bytes = std::vector<unsigned char>;

// Non-comment, non-empty lines of tests/data/<name>.
std::vector<std::string> data_lines(const std::string& name);

// Independent of lib/hex.cc on purpose: the tests must not trust what they test.
Bytes from_hex(std::string_view hex);
std::string to_hex(const unsigned char* p, std::size_t n);
inline std::string to_hex(const Bytes& b) {
  return to_hex(b.data(), b.size());
}
inline Bytes bytes_of(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

std::string read_file(const std::string& path);

// Copies the executable at `path` into `dir` (mode 0755) and returns the copy's path:
// a test that runs a program as another user needs one that user can reach, and the
// build directory may sit under a root-only directory (CI clones into mktemp -d).
std::string reachable_copy(const TempDir& dir, const std::string& path);
void write_file(const std::string& path, std::string_view contents);

// Whether the run was given the notqmail source tarball (make test NOTQMAIL_TARBALL=PATH,
// passed on as $CHECKPW_NOTQMAIL_TARBALL): the qmail tests then must run; without it
// they are skipped, with this reason.
bool notqmail_given();
inline constexpr char kNoNotqmail[] =
    "no notqmail tarball given: `make test NOTQMAIL_TARBALL=PATH` builds qmail-popup and "
    "qmail-smtpd (notqmail with Erwin Hoffmann's SMTP AUTH patch) for these tests";

}  // namespace checkpw::test
