#include "store/pg.h"

#include <sodium.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "core/hex.h"
#include "store/location.h"

extern char** environ;

namespace checkpw {
namespace {

// libpq fills every parameter the location leaves out from PG* variables (PGHOST,
// PGPASSFILE, PGSERVICEFILE, PGSSLKEY...) and HOME (~/.pgpass). Under setuid these are the
// caller's, so the environment is put aside while libpq reads it, and put back as it was:
// the subprogram gets the environment the server gave us.
class EnvAside {
 public:
  EnvAside() {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      const std::string_view entry(*e);
      const auto eq = entry.find('=');
      if (eq == std::string_view::npos) continue;
      const std::string_view name = entry.substr(0, eq);
      if (name.substr(0, 2) == "PG" || name == "HOME") saved_.emplace_back(entry);
    }
    for (const std::string& s : saved_) unsetenv(s.substr(0, s.find('=')).c_str());
  }
  ~EnvAside() {
    for (const std::string& s : saved_) {
      const auto eq = s.find('=');
      setenv(s.substr(0, eq).c_str(), s.c_str() + eq + 1, 1);
    }
  }
  EnvAside(const EnvAside&) = delete;
  EnvAside& operator=(const EnvAside&) = delete;

 private:
  std::vector<std::string> saved_;
};

// libpq's messages end in a newline and may span lines; ours are one line.
std::string one_line(const char* message) {
  std::string s = message != nullptr ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& c : s) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return s.empty() ? "unknown PostgreSQL error" : s;
}

void no_notices(void*, const char*) {}

}  // namespace

// --- PgResult ----------------------------------------------------------------------

PgResult::~PgResult() {
  if (r_ != nullptr) PQclear(r_);
}

PgResult& PgResult::operator=(PgResult&& o) noexcept {
  if (this != &o) {
    if (r_ != nullptr) PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}

int PgResult::rows() const noexcept {
  return r_ != nullptr ? PQntuples(r_) : 0;
}

bool PgResult::is_null(int row, int col) const noexcept {
  return PQgetisnull(r_, row, col) != 0;
}

std::string PgResult::text(int row, int col) const {
  return std::string(PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col)));
}

Result<std::int64_t> PgResult::int64(int row, int col) const {
  const char* v = PQgetvalue(r_, row, col);
  const std::size_t n = static_cast<std::size_t>(PQgetlength(r_, row, col));
  if (n == 1 && (v[0] == 't' || v[0] == 'f')) return std::int64_t{v[0] == 't' ? 1 : 0};
  std::int64_t out = 0;
  const auto [end, ec] = std::from_chars(v, v + n, out);
  if (n == 0 || ec != std::errc() || end != v + n) return temp_error("not an integer column");
  return out;
}

std::int64_t PgResult::changed() const noexcept {
  const char* n = PQcmdTuples(r_);
  return n != nullptr && *n != '\0' ? std::atoll(n) : 0;
}

// --- PgParam -----------------------------------------------------------------------

PgParam PgParam::bytes(std::span<const unsigned char> v) {
  std::string s = "\\x";
  s.resize(2 + 2 * v.size());
  hex_encode(std::span(s.data() + 2, 2 * v.size()), v);
  return {std::move(s)};
}

PgParam::~PgParam() {
  if (text) sodium_memzero(text->data(), text->size());
}

// --- PgConn ------------------------------------------------------------------------

PgConn::~PgConn() {
  if (c_ != nullptr) PQfinish(c_);
}

PgConn& PgConn::operator=(PgConn&& o) noexcept {
  if (this != &o) {
    if (c_ != nullptr) PQfinish(c_);
    c_ = o.c_;
    o.c_ = nullptr;
  }
  return *this;
}

Result<PgConn> PgConn::connect(const std::string& location, const Options& o) {
  const std::string timeout = std::to_string(o.connect_timeout_s);
  // Defaults first, the location next (its values win), then what we insist on. The
  // passfile is one that can never exist (/dev/null is no directory): libpq passes over a
  // missing one in silence, but prints a WARNING to our stderr, the log, about /dev/null
  // itself ("not a plain file") at every connection without a password (peer, say).
  std::vector<const char*> keys = {"passfile", "connect_timeout", "application_name"};
  std::vector<const char*> values = {"/dev/null/none", timeout.c_str(), "checkpw"};
  if (o.session_default != nullptr) {
    keys.push_back("target_session_attrs");
    values.push_back(o.session_default);
  }
  keys.push_back("dbname");
  values.push_back(location.c_str());
  keys.push_back("gssencmode");  // no Kerberos in these programs (pg_no_gss_ldap.c)
  values.push_back("disable");
  keys.push_back("client_encoding");
  values.push_back("UTF8");
  if (o.session_force != nullptr) {
    keys.push_back("target_session_attrs");
    values.push_back(o.session_force);
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* raw = nullptr;
  {
    EnvAside aside;
    raw = PQconnectdbParams(keys.data(), values.data(), 1);
  }
  PgConn c(raw);
  if (raw == nullptr) return temp_error("PostgreSQL: out of memory");
  if (PQstatus(raw) != CONNECTION_OK) {
    // libpq quotes a URI it cannot parse whole, password included.
    return temp_error("PostgreSQL: " + location_scrubbed(one_line(PQerrorMessage(raw)), location));
  }
  PQsetNoticeProcessor(raw, no_notices, nullptr);
  return c;
}

Result<PgResult> PgConn::exec(std::string_view sql, const std::vector<PgParam>& params,
                              PgFailure* failure) {
  if (failure != nullptr) *failure = PgFailure::kOther;
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& p : params) values.push_back(p.text ? p.text->c_str() : nullptr);
  const std::string text(sql);
  PGresult* raw = PQexecParams(c_, text.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
  PgResult owned(raw);
  const ExecStatusType st = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return owned;
  const char* state = raw != nullptr ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
  // SQLSTATEs are public codes, not secrets: a plain comparison is fine here.
  if (failure != nullptr && state != nullptr) {
    if (std::strcmp(state, "25006") == 0) *failure = PgFailure::kReadOnly;
    if (std::strcmp(state, "23505") == 0) *failure = PgFailure::kUnique;
    if (std::strcmp(state, "42P01") == 0) *failure = PgFailure::kNoTable;
  }
  return temp_error("PostgreSQL: " +
                    one_line(raw != nullptr ? PQresultErrorMessage(raw) : PQerrorMessage(c_)));
}

bool PgConn::read_only() const noexcept {
  // Server parameters the server reports to every client: public, compared plainly.
  for (const char* p : {"in_hot_standby", "default_transaction_read_only"}) {
    const char* v = PQparameterStatus(c_, p);
    if (v != nullptr && std::strcmp(v, "on") == 0) return true;
  }
  return false;
}

// --- PgTransaction -----------------------------------------------------------------

PgTransaction::~PgTransaction() {
  if (open_) (void)c_.exec("ROLLBACK");
}

Status PgTransaction::begin() {
  auto r = c_.exec("BEGIN");
  if (!r) return r.error();
  open_ = true;
  return ok_status();
}

Status PgTransaction::commit() {
  auto r = c_.exec("COMMIT");
  open_ = false;
  if (!r) return r.error();
  return ok_status();
}

}  // namespace checkpw
