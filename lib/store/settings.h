// The settings every store keeps beside its accounts (doc/design.md section 7), as one table
// of keys: name, default, parse, format and help. A new setting is one row in
// settings.cc and one member here; nothing else learns its name.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/password_cost.h"
#include "base/result.h"

namespace checkpw {

// Lockout (doc/design.md section 7): `failures` failed logins within `window_s` seconds
// lock the account for `duration_s`; 0 failures turns it off (the default).
struct Lockout {
  int failures = 0;
  int window_s = 900;
  int duration_s = 900;
};

// Where decision lines go (doc/design.md section 8).
enum class LogDestination { kStderr, kSyslog, kNone };

struct Settings {
  PasswordCost cost{2, 19u << 20};
  int busy_timeout_ms = 5000;
  int failure_delay_ms = 1000;
  int deadline_ms = 10000;
  int last_login_interval_s = 300;
  Lockout lockout;
  bool log_failed_names = false;
  LogDestination log_destination = LogDestination::kStderr;
  std::string default_domain;
};

struct SettingKey {
  const char* name;
  const char* default_value;  // as format() prints it; equal to format(Settings{})
  // Parses and range-checks a value into the settings: kMisuse (naming the allowed
  // values) when it is invalid, the settings unchanged then.
  Status (*parse)(Settings&, std::string_view value);
  std::string (*format)(const Settings&);
  const char* help;
};

std::span<const SettingKey> setting_keys() noexcept;
// The row of `name`, or nullptr for a key this build does not know.
const SettingKey* setting_find(std::string_view name) noexcept;

// Through the table: kMisuse for an unknown key or an invalid value.
[[nodiscard]] Status setting_parse(Settings& s, std::string_view key, std::string_view value);
std::optional<std::string> setting_get(const Settings& s, std::string_view key);

}  // namespace checkpw
