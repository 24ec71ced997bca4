// The Debian packages, built from the one source by `make deb` (dpkg-buildpackage), with
// lintian reporting no error: checkpw-argon2 (the programs; not called checkpw, and in
// conflict with Debian's unrelated checkpw), libcheckpw1 (the shared library alone) and
// libcheckpw-dev (what a C program builds against). Each package's fields and its exact
// files, so that no file is shipped twice or lost between them; the programs unpacked
// from the package create a database and decide a login; a C program built against the
// unpacked -dev package runs against the unpacked library.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/jobs.h"
#include "support/request.h"
#include "support/runner.h"
#include "support/util.h"

namespace checkpw {
namespace {

// Scheduling hint for the parallel test run (support/jobs.h): about 120 s.
CHECKPW_TEST_WEIGHT(120);

const std::string kDebDir = std::string(CHECKPW_BUILD_DIR) + "/deb";
const std::string kDeb = kDebDir + "/checkpw-argon2_1.0.0_amd64.deb";
const std::string kLibDeb = kDebDir + "/libcheckpw1_1.0.0_amd64.deb";
const std::string kDevDeb = kDebDir + "/libcheckpw-dev_1.0.0_amd64.deb";

test::RunResult tool_run(std::vector<std::string> argv, const std::string& in = "") {
  return test::run({.argv = std::move(argv),
                    .fd3 = test::Fd3::kClosed,
                    .env = test::base_env(),
                    .stdin_data = in,
                    .timeout_seconds = 900});
}

// The files (not directories) a package holds, as dpkg-deb -c lists them: "./usr/bin/x",
// and a symbolic link as "./usr/lib/a.so -> a.so.1".
std::set<std::string> files_of(const std::string& deb) {
  const test::RunResult r = tool_run({test::find_executable("dpkg-deb"), "-c", deb});
  EXPECT_EQ(r.exit_code, 0) << deb << r.err;
  std::set<std::string> files;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == 'd') continue;
    const std::size_t at = line.find(" ./");
    if (at != std::string::npos) files.insert(line.substr(at + 1));
  }
  return files;
}

// The files under ./usr/share/doc/PACKAGE/, which every package has (copyright,
// changelog), are left out.
std::set<std::string> files_beside_docs(const std::string& deb, const std::string& package) {
  std::set<std::string> files = files_of(deb);
  const std::string docs = "./usr/share/doc/" + package + "/";
  EXPECT_EQ(files.count(docs + "copyright"), 1u) << package;
  EXPECT_EQ(files.count(docs + "changelog.gz"), 1u) << package;
  std::erase_if(files, [&](const std::string& f) { return f.rfind(docs, 0) == 0; });
  return files;
}

std::string multiarch() {
  test::RunResult r =
      tool_run({test::find_executable("dpkg-architecture"), "-qDEB_HOST_MULTIARCH"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

TEST(Deb, BuildsLintianCleanConflictsWithDebiansCheckpwAndWorksUnpacked) {
  if (geteuid() != 0) GTEST_SKIP() << "make deps installs the build tools as root";
#ifdef __SANITIZE_ADDRESS__
  // dpkg-buildpackage builds the package from the source with its own flags, not from this
  // build: under make san it would build the very package make test built and checked.
  GTEST_SKIP() << "the package does not depend on this build's sanitizers (make test checks it)";
#endif
  test::RunResult r = tool_run({test::find_executable("make"), "--no-print-directory", "-C",
                                CHECKPW_SOURCE_DIR, "BUILD=" CHECKPW_BUILD_DIR, "deb"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string lintian = test::read_file(kDebDir + "/lintian.log");
  EXPECT_EQ(lintian.find("\nE: "), std::string::npos) << lintian;
  EXPECT_NE(lintian.rfind("E: ", 0), 0u) << lintian;

  const std::string dpkg_deb = test::find_executable("dpkg-deb");
  r = tool_run({dpkg_deb, "-f", kDeb, "Package", "Conflicts", "Section"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Package: checkpw-argon2\nConflicts: checkpw\nSection: mail\n");

  r = tool_run({dpkg_deb, "-c", kDeb});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* path :
       {"./usr/bin/checkpw", "./usr/bin/cram-md5-checkpw", "./usr/bin/userdb-tool",
        "./usr/libexec/checkpw/checkpw", "./usr/libexec/checkpw/cram-md5-checkpw",
        "./usr/share/man/man8/checkpw.8.gz", "./usr/share/man/man8/cram-md5-checkpw.8.gz",
        "./usr/share/man/man8/userdb-tool.8.gz",
        "./usr/share/doc/checkpw-argon2/examples/qmail-smtpd.run",
        "./usr/share/doc/checkpw-argon2/examples/qmail-popup.run",
        "./usr/share/doc/checkpw-argon2/examples/checkpw-smtpd@.service",
        "./usr/share/doc/checkpw-argon2/examples/dovecot-sql.conf.ext",
        "./usr/share/doc/checkpw-argon2/examples/dovecot-pgsql.conf.ext",
        "./usr/share/doc/checkpw-argon2/copyright"}) {
    EXPECT_NE(r.out.find(std::string(" ") + path + "\n"), std::string::npos) << path;
  }
  EXPECT_EQ(r.out.find("rwsr"), std::string::npos) << "the package installs nothing setuid";
  // The library and what builds against it are the other two packages' alone.
  for (const std::string& path : files_of(kDeb)) {
    for (const char* not_here : {"libcheckpw", "/include/", "pkgconfig", "/man3/"}) {
      EXPECT_EQ(path.find(not_here), std::string::npos) << path;
    }
  }

  // libcheckpw1: the shared library and its documentation, nothing else.
  const std::string lib = "./usr/lib/" + multiarch() + "/";
  r = tool_run({dpkg_deb, "-f", kLibDeb, "Package", "Section", "Multi-Arch"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Package: libcheckpw1\nSection: libs\nMulti-Arch: same\n");
  EXPECT_EQ(files_beside_docs(kLibDeb, "libcheckpw1"),
            (std::set<std::string>{lib + "libcheckpw.so.1 -> libcheckpw.so.1.0.0",
                                   lib + "libcheckpw.so.1.0.0"}));
  // Its symbols file names every function of the C ABI, and only those.
  r = tool_run({dpkg_deb, "-I", kLibDeb, "symbols"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("libcheckpw.so.1 libcheckpw1 #MINVER#\n", 0), 0u) << r.out;
  for (const char* fn :
       {"checkpw_md5", "checkpw_hmac_md5", "checkpw_cram_md5_secret", "checkpw_cram_md5_verify",
        "checkpw_base64_encoded_size", "checkpw_base64_encode", "checkpw_base64_decode"}) {
    EXPECT_NE(r.out.find(std::string(" ") + fn + "@Base 1.0.0\n"), std::string::npos) << fn;
  }
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '@'), 7) << r.out;

  // libcheckpw-dev: the header, the .so link, the archive, checkpw.pc and libcheckpw(3).
  r = tool_run({dpkg_deb, "-f", kDevDeb, "Package", "Section", "Multi-Arch", "Depends"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "Package: libcheckpw-dev\nSection: libdevel\nMulti-Arch: same\n"
            "Depends: libcheckpw1 (= 1.0.0), libsodium-dev\n");
  EXPECT_EQ(
      files_beside_docs(kDevDeb, "libcheckpw-dev"),
      (std::set<std::string>{"./usr/include/checkpw.h", lib + "libcheckpw.a",
                             lib + "libcheckpw.so -> libcheckpw.so.1", lib + "pkgconfig/checkpw.pc",
                             "./usr/share/man/man3/libcheckpw.3.gz"}));

  // Unpacked into a throwaway root, the programs do their job.
  const test::TempDir root;
  ASSERT_EQ(tool_run({dpkg_deb, "-x", kDeb, root.path()}).exit_code, 0);
  // The package says under which licence it may be used.
  const std::string copyright =
      test::read_file(root.path() + "/usr/share/doc/checkpw-argon2/copyright");
  EXPECT_NE(copyright.find("\nLicense: ISC\n"), std::string::npos) << copyright;
  EXPECT_NE(copyright.find("Permission to use, copy, modify, and/or distribute"),
            std::string::npos);
  const std::string bin = root.path() + "/usr/bin/";
  const std::string db = root.file("users.db");
  ASSERT_EQ(tool_run({bin + "userdb-tool", "--db", db, "init"}).exit_code, 0);
  ASSERT_EQ(
      tool_run({bin + "userdb-tool", "--db", db, "config", "failure_delay_ms", "0"}).exit_code, 0);
  ASSERT_EQ(
      tool_run({bin + "userdb-tool", "--db", db, "add", "alice", "--password-stdin"}, "alice-pw\n")
          .exit_code,
      0);
  test::RunOptions login;
  login.argv = {bin + "checkpw", "/bin/true"};
  login.env = {"CHECKPW_DB=" + db, "PATH=/usr/bin:/bin"};
  login.fd3_data = test::checkpassword_request("alice", "alice-pw");
  EXPECT_EQ(test::run(login).exit_code, 0);
  login.fd3_data = test::checkpassword_request("alice", "wrong");
  EXPECT_EQ(test::run(login).exit_code, 1);
  // The package's two builds fit together: a postgresql:// location goes from the program
  // in /usr/bin to its compiled-in HELPERDIR, /usr/libexec/checkpw, where the package puts
  // the PostgreSQL build (unpacked elsewhere here, so not found: 111 naming it), and that
  // build's libpq finds no server (111, its message).
  login.env = {"CHECKPW_DB=postgresql://login@/accounts?host=/nonexistent", "PATH=/usr/bin:/bin"};
  for (const char* prog : {"checkpw", "cram-md5-checkpw"}) {
    const std::string helper = std::string("/usr/libexec/checkpw/") + prog;
    login.argv = {bin + prog, "/bin/true"};
    test::RunResult pg = test::run(login);
    EXPECT_EQ(pg.exit_code, 111) << prog << pg.err;
    if (access(helper.c_str(), F_OK) != 0) {
      EXPECT_NE(pg.err.find(helper + ": No such file"), std::string::npos) << prog << pg.err;
    }
    login.argv[0] = root.path() + helper;
    pg = test::run(login);
    EXPECT_EQ(pg.exit_code, 111) << prog << pg.err;
    EXPECT_NE(pg.err.find("/nonexistent/.s.PGSQL.5432"), std::string::npos) << prog << pg.err;
  }

  // A C program built against the unpacked libcheckpw-dev, with the flags its checkpw.pc
  // gives, runs against the unpacked libcheckpw1: MD5("abc") of RFC 1321.
  const test::TempDir libroot;
  ASSERT_EQ(tool_run({dpkg_deb, "-x", kLibDeb, libroot.path()}).exit_code, 0);
  ASSERT_EQ(tool_run({dpkg_deb, "-x", kDevDeb, libroot.path()}).exit_code, 0);
  const std::string libdir = libroot.path() + lib.substr(1);
  const std::string pc = test::read_file(libdir + "pkgconfig/checkpw.pc");
  EXPECT_NE(pc.find("\nlibdir=" + lib.substr(1, lib.size() - 2) + "\n"), std::string::npos) << pc;
  const std::string prog = libroot.file("md5");
  test::write_file(libroot.file("md5.c"),
                   "#include <checkpw.h>\n#include <stdio.h>\n"
                   "int main(void) { unsigned char d[16]; checkpw_md5(\"abc\", 3, d);\n"
                   "  for (int i = 0; i < 16; ++i) printf(\"%02x\", d[i]);\n"
                   "  return 0; }\n");
  r = tool_run({test::find_executable("cc"), "-std=c99", "-I" + libroot.path() + "/usr/include",
                "-o", prog, libroot.file("md5.c"), "-L" + libdir, "-lcheckpw"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  test::RunOptions c_run;
  c_run.argv = {prog};
  c_run.fd3 = test::Fd3::kClosed;
  c_run.env = {"LD_LIBRARY_PATH=" + libdir, "PATH=/usr/bin:/bin"};
  const test::RunResult md5 = test::run(c_run);
  EXPECT_EQ(md5.exit_code, 0) << md5.err;
  EXPECT_EQ(md5.out, "900150983cd24fb0d6963f7d28e17f72");
}

}  // namespace
}  // namespace checkpw
