// libFuzzer target (make fuzz): the settings table and the account-field checks. A value
// a setting accepts formats to a canonical form that parses to the same settings; a
// refused value leaves the settings untouched; a name or path the checks accept has no
// control byte and no NUL.
#include <cstdlib>
#include <string>
#include <string_view>

#include "store/account.h"
#include "store/settings.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const auto keys = checkpw::setting_keys();
  const checkpw::SettingKey& key = keys[data[0] % keys.size()];
  const std::string_view value = all.substr(1);
  checkpw::Settings s;
  const std::string before = key.format(s);
  if (key.parse(s, value)) {
    const std::string canonical = key.format(s);
    checkpw::Settings again;
    if (!key.parse(again, canonical) || key.format(again) != canonical) std::abort();
  } else if (key.format(s) != before) {
    std::abort();  // a refused value changed the settings
  }
  for (const bool path : {false, true}) {
    const bool ok =
        path ? checkpw::user_path_check(value, "home").ok() : checkpw::user_name_check(value).ok();
    if (!ok) continue;
    for (unsigned char c : value) {
      if (c < 0x20 || c == 0x7f) std::abort();
    }
    if (!path && (value.empty() || value.size() > checkpw::kUserNameMax)) std::abort();
    if (path && value[0] != '/') std::abort();
  }
  return 0;
}
