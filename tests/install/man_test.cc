// The manual pages, the reference an administrator reads: man(1) renders each without a warning,
// each has the sections a reader looks for, and userdb-tool(8) names every command the tool has and
// every setting the database holds, so the page cannot fall behind the program.
#include <gtest/gtest.h>

#include <string>

#include "store/settings.h"
#include "support/runner.h"
#include "support/util.h"

namespace checkpw {
namespace {

const std::string kMan = std::string(CHECKPW_SOURCE_DIR) + "/man/";

// man -l PAGE, rendered as text at 80 columns; warnings (groff's -ww) on stderr.
test::RunResult render(const std::string& page) {
  const std::string man = test::find_executable("man");
  EXPECT_FALSE(man.empty());
  return test::run({.argv = {man, "--warnings", "-E", "UTF-8", "-l", kMan + page},
                    .fd3 = test::Fd3::kClosed,
                    .env = {"PATH=/usr/bin:/bin", "MANWIDTH=80", "LC_ALL=C.UTF-8", "MANPAGER=cat",
                            "PAGER=cat"}});
}

TEST(Man, EveryPageRendersWithoutWarningsAndHasItsSections) {
  for (const char* page : {"checkpw.8", "cram-md5-checkpw.8", "userdb-tool.8", "libcheckpw.3"}) {
    const test::RunResult r = render(page);
    EXPECT_EQ(r.exit_code, 0) << page << ": " << r.err;
    EXPECT_EQ(r.err, "") << page;
    const bool library = std::string(page) == "libcheckpw.3";
    for (const char* section : {"NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO"}) {
      EXPECT_NE(r.out.find(std::string("\n") + section + "\n"), std::string::npos)
          << page << " lacks " << section;
    }
    EXPECT_NE(r.out.find(library ? "\nRETURN VALUE\n" : "\nEXIT STATUS\n"), std::string::npos)
        << page;
  }
}

TEST(Man, UserdbToolPageNamesEveryCommandAndSetting) {
  const std::string page = render("userdb-tool.8").out;
  ASSERT_FALSE(page.empty());
  // The commands, from the tool's own --help.
  const test::RunResult help = test::run({.argv = {CHECKPW_BUILD_DIR "/bin/userdb-tool", "--help"},
                                          .fd3 = test::Fd3::kClosed,
                                          .env = test::base_env()});
  ASSERT_EQ(help.exit_code, 0);
  const auto start = help.out.find("Commands:\n");
  ASSERT_NE(start, std::string::npos);
  int commands = 0;
  for (std::size_t at = help.out.find("\n  ", start); at != std::string::npos;
       at = help.out.find("\n  ", at + 1)) {
    if (help.out[at + 3] == ' ') continue;  // a summary on a line of its own
    const std::string name = help.out.substr(at + 3, help.out.find(' ', at + 3) - at - 3);
    if (name.empty() || name.find('\n') != std::string::npos) break;
    ++commands;
    EXPECT_NE(page.find(name), std::string::npos) << "userdb-tool(8) does not mention " << name;
  }
  EXPECT_GE(commands, 16);
  for (const SettingKey& key : setting_keys()) {
    EXPECT_NE(page.find(key.name), std::string::npos) << "userdb-tool(8) lacks " << key.name;
  }
}

}  // namespace
}  // namespace checkpw
