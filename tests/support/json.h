// A small strict JSON parser (RFC 8259) for checking the tools' --json output: objects,
// arrays, strings with every escape (\uXXXX and surrogate pairs to UTF-8), integers,
// true, false and null. Throws std::runtime_error on anything else or trailing text.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace checkpw::test {

struct Json {
  using Array = std::vector<Json>;
  using Object = std::map<std::string, Json>;
  std::variant<std::nullptr_t, bool, std::int64_t, std::string, std::shared_ptr<Array>,
               std::shared_ptr<Object>>
      v;

  bool is_null() const { return v.index() == 0; }
  bool boolean() const { return std::get<bool>(v); }
  std::int64_t integer() const { return std::get<std::int64_t>(v); }
  const std::string& str() const { return std::get<std::string>(v); }
  const Array& array() const { return *std::get<std::shared_ptr<Array>>(v); }
  const Object& object() const { return *std::get<std::shared_ptr<Object>>(v); }
  const Json& operator[](const std::string& key) const { return object().at(key); }
};

Json json_parse(std::string_view text);

}  // namespace checkpw::test
