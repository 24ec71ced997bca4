// doc/layout.md names every file under lib/, so that a newcomer finds in it what each
// file is for and where a new one belongs, and a file added without a word there fails
// here. A file is named in the section of its folder ("## lib/store: ..."), in backticks:
// by its full name (`pg_no_gss_ldap.c`, `store.h`), or, for a .cc and the .h beside it, by
// the module's name (`sqlite_store` names sqlite_store.cc and sqlite_store.h).
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "support/util.h"

namespace checkpw {
namespace {

// The text of the "## lib/FOLDER" section: from its heading to the next "## " heading.
std::string section_of(const std::string& layout, const std::string& folder) {
  const std::string heading = "\n## " + folder;
  std::size_t at = layout.find(heading + ":");
  if (at == std::string::npos) at = layout.find(heading + "\n");
  if (at == std::string::npos) return "";
  const std::size_t end = layout.find("\n## ", at + 1);
  return layout.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// Every `...` span of a text.
std::set<std::string> quoted(const std::string& text) {
  std::set<std::string> spans;
  for (std::size_t open = text.find('`'); open != std::string::npos;) {
    const std::size_t close = text.find('`', open + 1);
    if (close == std::string::npos) break;
    spans.insert(text.substr(open + 1, close - open - 1));
    open = text.find('`', close + 1);
  }
  return spans;
}

// The files (paths relative to the source, "lib/store/pg.cc") that the layout text does
// not name as the header above says.
std::vector<std::string> unnamed(const std::string& layout, const std::vector<std::string>& files) {
  std::vector<std::string> missing;
  for (const std::string& file : files) {
    const std::filesystem::path path(file);
    const std::set<std::string> names = quoted(section_of(layout, path.parent_path().string()));
    const std::string name = path.filename().string();
    const std::string ext = path.extension().string();
    const bool by_module = (ext == ".cc" || ext == ".h") && names.count(path.stem().string());
    if (names.count(name) == 0 && !by_module) missing.push_back(file);
  }
  return missing;
}

TEST(Layout, NamesEveryFileUnderLib) {
  const std::string source = CHECKPW_SOURCE_DIR;
  const std::string layout = test::read_file(source + "/doc/layout.md");
  ASSERT_FALSE(layout.empty());
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(source + "/lib")) {
    if (!entry.is_regular_file()) continue;
    files.push_back(std::filesystem::relative(entry.path(), source).string());
  }
  ASSERT_GE(files.size(), 50u) << "lib/ not found under " << source;
  for (const std::string& file : unnamed(layout, files)) {
    ADD_FAILURE() << "doc/layout.md does not name " << file
                  << " (in backticks, in the section of its folder)";
  }
}

// The check itself: a file named nowhere, or only in another folder's section, or a
// header whose module is not named, is reported; the forms the rule allows are not.
TEST(Layout, TheCheckFindsAnUnnamedFile) {
  const std::string layout =
      "# layout\n\n## lib/core: libcheckpw\n\n`md5` and `checkpw.h`.\n\n"
      "## lib/store\n\n| `sqlite_store` | ... |\n| `pg_no_gss_ldap.c` | ... |\n";
  EXPECT_EQ(unnamed(layout, {"lib/core/md5.cc", "lib/core/md5.h", "lib/core/checkpw.h",
                             "lib/store/sqlite_store.cc", "lib/store/sqlite_store.h",
                             "lib/store/pg_no_gss_ldap.c"}),
            std::vector<std::string>{});
  EXPECT_EQ(
      unnamed(layout, {"lib/core/hex.cc", "lib/store/md5.cc", "lib/core/checkpw.pc.in",
                       "lib/core/md5.c", "lib/auth/login.cc"}),
      (std::vector<std::string>{"lib/core/hex.cc", "lib/store/md5.cc", "lib/core/checkpw.pc.in",
                                "lib/core/md5.c", "lib/auth/login.cc"}));
}

}  // namespace
}  // namespace checkpw
