#include "store/settings.h"

#include <sodium.h>

#include <charconv>
#include <cstdint>

namespace checkpw {
namespace {

Error misuse(std::string message) {
  return {Verdict::kMisuse, std::move(message)};
}

bool parse_int(std::string_view s, std::int64_t& out) noexcept {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

Status int_in(std::string_view key, std::string_view value, std::int64_t lo, std::int64_t hi,
              int& out) {
  std::int64_t n = 0;
  if (!parse_int(value, n) || n < lo || n > hi) {
    return misuse(std::string(key) + " must be an integer from " + std::to_string(lo) + " to " +
                  std::to_string(hi));
  }
  out = static_cast<int>(n);
  return ok_status();
}

// Bytes, or with a K, M or G suffix (KiB, MiB, GiB).
bool parse_size(std::string_view s, std::int64_t& out) noexcept {
  std::int64_t mult = 1;
  if (!s.empty()) {
    switch (s.back()) {
      case 'K':
        mult = 1 << 10;
        break;
      case 'M':
        mult = 1 << 20;
        break;
      case 'G':
        mult = 1 << 30;
        break;
      default:
        break;
    }
    if (mult != 1) s.remove_suffix(1);
  }
  std::int64_t n = 0;
  if (!parse_int(s, n) || n < 0 || n > (std::int64_t{1} << 40) / mult) return false;
  out = n * mult;
  return true;
}

bool domain_valid(std::string_view d) noexcept {
  if (d.empty()) return true;
  if (d.size() > 253) return false;
  std::size_t label = 0;
  char prev = '.';
  for (char c : d) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (c == '.') {
      if (label == 0 || prev == '-') return false;
      label = 0;
    } else if (alnum || c == '-') {
      if (c == '-' && label == 0) return false;
      if (++label > 63) return false;
    } else {
      return false;
    }
    prev = c;
  }
  return label != 0 && prev != '-';
}

Status parse_yes_no(std::string_view key, std::string_view v, bool& out) {
  if (v == "yes" || v == "1" || v == "true" || v == "on") {
    out = true;
  } else if (v == "no" || v == "0" || v == "false" || v == "off") {
    out = false;
  } else {
    return misuse(std::string(key) + " must be yes or no");
  }
  return ok_status();
}

const SettingKey kSettings[] = {
    {"argon2_opslimit", "2",
     [](Settings& s, std::string_view v) {
       int n = 0;
       if (auto r = int_in("argon2_opslimit", v, crypto_pwhash_argon2id_OPSLIMIT_MIN, 64, n); !r)
         return r;
       s.cost.opslimit = static_cast<unsigned long long>(n);
       return ok_status();
     },
     [](const Settings& s) { return std::to_string(s.cost.opslimit); },
     "Argon2id passes for new hashes; 1 to 64 (default 2). Weaker hashes are upgraded at "
     "their next successful plaintext login; stronger ones are kept."},
    {"argon2_memlimit", "19922944",
     [](Settings& s, std::string_view v) {
       std::int64_t n = 0;
       if (!parse_size(v, n) || n < std::int64_t{crypto_pwhash_argon2id_MEMLIMIT_MIN} ||
           n > (std::int64_t{1} << 30) || n % 1024 != 0) {
         return Status(
             misuse("argon2_memlimit must be a multiple of 1024 bytes from 8K (8192) "
                    "to 1G (1073741824)"));
       }
       s.cost.memlimit = static_cast<std::size_t>(n);
       return ok_status();
     },
     [](const Settings& s) { return std::to_string(s.cost.memlimit); },
     "Argon2id memory for new hashes in bytes, or with a K, M or G suffix; a multiple of "
     "1024 from 8K to 1G (default 19M)."},
    {"busy_timeout_ms", "5000",
     [](Settings& s, std::string_view v) {
       return int_in("busy_timeout_ms", v, 0, 600000, s.busy_timeout_ms);
     },
     [](const Settings& s) { return std::to_string(s.busy_timeout_ms); },
     "How long to wait for a writer before a temporary failure; 0 to 600000 (default 5000)."},
    {"failure_delay_ms", "1000",
     [](Settings& s, std::string_view v) {
       return int_in("failure_delay_ms", v, 0, 60000, s.failure_delay_ms);
     },
     [](const Settings& s) { return std::to_string(s.failure_delay_ms); },
     "How long after the request arrived the checkpassword programs report a rejection; "
     "0 to 60000 (default 1000)."},
    {"deadline_ms", "10000",
     [](Settings& s, std::string_view v) {
       return int_in("deadline_ms", v, 100, 600000, s.deadline_ms);
     },
     [](const Settings& s) { return std::to_string(s.deadline_ms); },
     "How long a checkpassword program may take, from its start to its answer, before it "
     "gives up with a temporary failure (111); the failure delay comes on top. 100 to "
     "600000 (default 10000). Until this setting is read, 10000 applies."},
    {"last_login_interval_s", "300",
     [](Settings& s, std::string_view v) {
       return int_in("last_login_interval_s", v, 0, 86400, s.last_login_interval_s);
     },
     [](const Settings& s) { return std::to_string(s.last_login_interval_s); },
     "A successful login writes last_login only when the stored one is at least this many "
     "seconds old (or there are failures to clear, or a hash to upgrade): a mail client "
     "that polls every minute then costs no write. 0 to 86400 (default 300; 0 writes on "
     "every login)."},
    {"lockout_failures", "0",
     [](Settings& s, std::string_view v) {
       return int_in("lockout_failures", v, 0, 1000, s.lockout.failures);
     },
     [](const Settings& s) { return std::to_string(s.lockout.failures); },
     "Failed logins of one account within lockout_window_s that lock it for "
     "lockout_duration_s; 0 (the default) turns lockout off, else 1 to 1000. A locked "
     "account is rejected whatever the secret; a successful login resets the count; "
     "userdb-tool unlock clears a lock."},
    {"lockout_window_s", "900",
     [](Settings& s, std::string_view v) {
       return int_in("lockout_window_s", v, 1, 2592000, s.lockout.window_s);
     },
     [](const Settings& s) { return std::to_string(s.lockout.window_s); },
     "The window in which lockout_failures count, in seconds; 1 to 2592000 (default 900)."},
    {"lockout_duration_s", "900",
     [](Settings& s, std::string_view v) {
       return int_in("lockout_duration_s", v, 1, 2592000, s.lockout.duration_s);
     },
     [](const Settings& s) { return std::to_string(s.lockout.duration_s); },
     "How long a lock lasts, in seconds; 1 to 2592000 (default 900)."},
    {"log_destination", "stderr",
     [](Settings& s, std::string_view v) {
       if (v == "stderr") {
         s.log_destination = LogDestination::kStderr;
       } else if (v == "syslog") {
         s.log_destination = LogDestination::kSyslog;
       } else if (v == "none") {
         s.log_destination = LogDestination::kNone;
       } else {
         return Status(misuse("log_destination must be stderr, syslog or none"));
       }
       return ok_status();
     },
     [](const Settings& s) {
       return std::string(s.log_destination == LogDestination::kSyslog ? "syslog"
                          : s.log_destination == LogDestination::kNone ? "none"
                                                                       : "stderr");
     },
     "Where the checkpassword programs write their line per accepted or rejected login: "
     "stderr (the default; qmail's multilog), syslog (facility LOG_AUTH) or none. Under "
     "Dovecot, which logs every stderr line as an error, stderr means syslog. Temporary "
     "failures, misuse and warnings always go to stderr too."},
    {"log_failed_names", "no",
     [](Settings& s, std::string_view v) {
       return parse_yes_no("log_failed_names", v, s.log_failed_names);
     },
     [](const Settings& s) { return std::string(s.log_failed_names ? "yes" : "no"); },
     "Log the user name of rejected logins: yes or no (default no)."},
    {"default_domain", "",
     [](Settings& s, std::string_view v) {
       if (!domain_valid(v)) return Status(misuse("default_domain must be empty or a DNS name"));
       s.default_domain = std::string(v);
       return ok_status();
     },
     [](const Settings& s) { return s.default_domain; },
     "Domain for user names given without one; empty (the default) or a DNS name."},
};

}  // namespace

std::span<const SettingKey> setting_keys() noexcept {
  return kSettings;
}

const SettingKey* setting_find(std::string_view name) noexcept {
  for (const SettingKey& k : kSettings) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

Status setting_parse(Settings& s, std::string_view key, std::string_view value) {
  const SettingKey* k = setting_find(key);
  if (k == nullptr) return misuse("no such setting: " + std::string(key));
  return k->parse(s, value);
}

std::optional<std::string> setting_get(const Settings& s, std::string_view key) {
  const SettingKey* k = setting_find(key);
  if (k == nullptr) return std::nullopt;
  return k->format(s);
}

}  // namespace checkpw
