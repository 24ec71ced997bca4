# checkpw: plain GNU make. Configuration lives in config.mk; output goes to $(BUILD).
include config.mk

BUILD ?= build

# Quiet by default; `make V=1` shows every command.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

WARN      = -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror
HARDEN    = -D_FORTIFY_SOURCE=2 -fstack-protector-strong
PATH_DEFS = -DCHECKPW_DBPATH='"$(DBPATH)"' -DCHECKPW_LOCATION_FILE='"$(LOCATION_FILE)"' \
  -DCHECKPW_HELPERDIR='"$(HELPERDIR)"'
CPPFLAGS += -Ilib -MMD -MP $(PATH_DEFS)
# The compiled-in paths, recorded: `make install PREFIX=/usr` after a plain `make`
# rebuilds what names them instead of installing programs that look in /usr/local.
PATHS_STAMP := $(BUILD)/paths
PATHS_NOW   := $(DBPATH) $(LOCATION_FILE) $(HELPERDIR)
ifneq ($(PATHS_NOW),$(shell cat $(PATHS_STAMP) 2>/dev/null))
$(shell mkdir -p $(BUILD) && echo '$(PATHS_NOW)' > $(PATHS_STAMP))
endif
CXXFLAGS += -std=c++20 $(OPT) $(WARN) $(HARDEN) $(SAN_FLAGS)
CFLAGS   += -std=c99 $(OPT) $(WARN) $(HARDEN) $(SAN_FLAGS)
LDFLAGS  += -Wl,-z,relro,-z,now $(SAN_FLAGS)
CORE_LIBS = -lsodium
# libpq for the PostgreSQL store. The static programs take Debian's libpq.a with the
# PostgreSQL server-dev archives it needs and the static OpenSSL; its GSSAPI and LDAP
# calls are stubbed to fail (lib/store/pg_no_gss_ldap.c).
PG_INCLUDEDIR := $(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
PG_PKGLIBDIR  := $(shell pg_config --pkglibdir 2>/dev/null || echo /usr/lib/postgresql/15/lib)
CPPFLAGS += -isystem $(PG_INCLUDEDIR)
LIBS      = -lsodium -lsqlite3 -lcrypt -lpq

# libcheckpw, the installed library: lib/core alone, compiled once as PIC for both the
# archive and the .so, which exports only the checkpw_* C ABI and needs only libsodium.
CORE_SRCS := $(wildcard lib/core/*.cc)
CORE_OBJS := $(CORE_SRCS:%.cc=$(BUILD)/%.o)
LIB_A     := $(BUILD)/lib/libcheckpw.a
LIB_SO    := $(BUILD)/lib/libcheckpw.so.$(VERSION)
LIB_SONAME = libcheckpw.so.$(SOVERSION)
LIB_PC    := $(BUILD)/lib/checkpw.pc

# Internal code the programs share (lib/base, lib/auth, lib/store): one static archive,
# never installed, headers included.
INTERNAL_SRCS := $(filter-out lib/auth/no_dlopen.cc lib/auth/huge_pages.cc lib/store/store_open_sqlite.cc,\
  $(wildcard lib/base/*.cc lib/auth/*.cc lib/store/*.cc))
INTERNAL_OBJS := $(INTERNAL_SRCS:%.cc=$(BUILD)/%.o)
INTERNAL_A    := $(BUILD)/lib/libcheckpw-internal.a
LIB_SRCS      := $(CORE_SRCS) $(INTERNAL_SRCS)
LINK_LIBS      = $(INTERNAL_A) $(LIB_A) $(LIBS)

# Programs: each directory with a main.cc is one executable, linked to the archive
# (setuid programs must not depend on the dynamic loader finding our .so).
# The checkpassword programs are static PIEs (libsodium, SQLite, libcrypt, libstdc++ and
# glibc inside): no dynamic loading on a login, and nothing a loader could be talked into
# under setuid; see lib/auth/no_dlopen.cc. The sanitizers need the dynamic runtime, so
# `make san` links them dynamically. Each comes in two builds (lib/store/store.h): the
# one in bin/ without the PostgreSQL client (store_open_sqlite.o: no libpq, no OpenSSL,
# whose 20,000 start-up relocations every login would pay), and the full one in
# libexec/checkpw/ (HELPERDIR when installed), which the first execs for a PostgreSQL
# location.
PROGRAMS  := $(patsubst %/main.cc,%,$(wildcard */main.cc))
STATIC_PROGRAMS := checkpw cram-md5-checkpw
PROG_BINS := $(PROGRAMS:%=$(BUILD)/bin/%) $(STATIC_PROGRAMS:%=$(BUILD)/libexec/checkpw/%)
WRAP_OBJS       := $(BUILD)/lib/auth/no_dlopen.o $(BUILD)/lib/auth/huge_pages.o
NO_GSS_OBJ      := $(BUILD)/lib/store/pg_no_gss_ldap.o
SQLITE_ONLY_OBJ := $(BUILD)/lib/store/store_open_sqlite.o
STATIC_LDFLAGS  := $(if $(SAN_FLAGS),-pie,-static-pie -Wl,--wrap=dlopen -Wl,--wrap=mmap $(WRAP_OBJS))
STATIC_PG_LIBS  := $(if $(SAN_FLAGS),,-L$(PG_PKGLIBDIR) -lpgcommon -lpgport -lssl -lcrypto \
  $(NO_GSS_OBJ) -lpthread)
SQLITE_ONLY_LIBS = $(SQLITE_ONLY_OBJ) $(INTERNAL_A) $(LIB_A) -lsodium -lsqlite3 -lcrypt
PROG_OBJS := $(patsubst %.cc,$(BUILD)/%.o,$(foreach p,$(PROGRAMS),$(wildcard $(p)/*.cc)))
$(BUILD)/bin/userdb-tool: $(patsubst %.cc,$(BUILD)/%.o,$(wildcard userdb-tool/*.cc)) $(INTERNAL_A) \
  $(LIB_A)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CXX) -fPIE -pie $(LDFLAGS) -o $@ $(filter %.o,$^) $(LINK_LIBS)
define static_prog_rule
$(BUILD)/bin/$(1): $(BUILD)/$(1)/main.o $(SQLITE_ONLY_OBJ) $(INTERNAL_A) $(LIB_A) $(WRAP_OBJS)
	@mkdir -p $$(@D)
	$$(call say,LINK,$$@)
	$$(Q)$$(CXX) -fPIE $(STATIC_LDFLAGS) $$(LDFLAGS) -o $$@ $(BUILD)/$(1)/main.o $(SQLITE_ONLY_LIBS)
$(BUILD)/libexec/checkpw/$(1): $(BUILD)/$(1)/main.o $(INTERNAL_A) $(LIB_A) $(WRAP_OBJS) \
  $(NO_GSS_OBJ)
	@mkdir -p $$(@D)
	$$(call say,LINK,$$@)
	$$(Q)$$(CXX) -fPIE $(STATIC_LDFLAGS) $$(LDFLAGS) -o $$@ $(BUILD)/$(1)/main.o $$(LINK_LIBS) \
	  $(STATIC_PG_LIBS)
endef
$(foreach p,$(STATIC_PROGRAMS),$(eval $(call static_prog_rule,$(p))))

# Tests: one GoogleTest binary from tests/**/*_test.cc and tests/support, plus a C99
# program that links the shared library through checkpw.h alone.
TEST_SRCS := $(sort $(shell find tests -name '*_test.cc' 2>/dev/null) $(wildcard tests/support/*.cc))
TEST_OBJS := $(TEST_SRCS:%.cc=$(BUILD)/%.o)
TEST_BIN  := $(BUILD)/tests/checkpw_tests
C_ABI_BIN := $(BUILD)/tests/c_abi_test
TEST_LIBS  = -lgtest -lpthread -lcrypto

# Google Benchmark: every bench/**/*.cc but bench/login, which is the login-rate driver
# (its own program) and the floor it measures against (static C).
BENCH_SRCS := $(shell find bench -name '*.cc' -not -path 'bench/login/*' 2>/dev/null)
BENCH_OBJS := $(BENCH_SRCS:%.cc=$(BUILD)/%.o)
BENCH_BIN  := $(BUILD)/bench/checkpw_bench
LOGIN_RATE_OBJS := $(BUILD)/bench/login/login_rate.o $(BUILD)/bench/support/spawn.o \
  $(BUILD)/tests/support/postgres.o $(BUILD)/tests/support/runner.o $(BUILD)/tests/support/util.o
LOGIN_RATE := $(BUILD)/bench/login-rate
FLOOR_BIN  := $(BUILD)/bench/floor $(BUILD)/bench/floor-verify $(BUILD)/bench/floor-sqlite

.PHONY: all deps test check deb bench demo install uninstall clean format format-check san fuzz notqmail
.DEFAULT_GOAL := all

all: $(LIB_A) $(LIB_SO) $(LIB_PC) $(PROG_BINS)

$(BUILD)/lib/core/%.o: lib/core/%.cc
	@mkdir -p $(@D)
	$(call say,CXX,$@)
	$(Q)$(CXX) $(CPPFLAGS) $(CXXFLAGS) -fPIC -fvisibility=hidden -fvisibility-inlines-hidden -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.cc
	@mkdir -p $(@D)
	$(call say,CXX,$@)
	$(Q)$(CXX) $(CPPFLAGS) -Itests -DCHECKPW_BUILD_DIR='"$(abspath $(BUILD))"' \
	  -DCHECKPW_SOURCE_DIR='"$(CURDIR)"' $(CXXFLAGS) -fPIE -c -o $@ $<

$(BUILD)/bench/%.o: bench/%.cc
	@mkdir -p $(@D)
	$(call say,CXX,$@)
	$(Q)$(CXX) $(CPPFLAGS) -Ibench -Itests -DCHECKPW_BUILD_DIR='"$(abspath $(BUILD))"' $(CXXFLAGS) \
	  -Wno-deprecated-declarations -fPIE -c -o $@ $<

$(BUILD)/%.o: %.cc
	@mkdir -p $(@D)
	$(call say,CXX,$@)
	$(Q)$(CXX) $(CPPFLAGS) $(CXXFLAGS) -fPIE -c -o $@ $<

$(BUILD)/lib/store/built_in.o $(BUILD)/userdb-tool/args.o \
  $(BUILD)/tests/checkpw/pg_build_test.o $(BUILD)/tests/userdb-tool/output_test.o: $(PATHS_STAMP)

$(NO_GSS_OBJ): lib/store/pg_no_gss_ldap.c
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fPIE -c -o $@ $<

$(LIB_A): $(CORE_OBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(INTERNAL_A): $(INTERNAL_OBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(LIB_SO): $(CORE_OBJS)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CXX) -shared -Wl,-soname,$(LIB_SONAME) -Wl,-z,defs -Wl,--as-needed $(LDFLAGS) -o $@ $^ \
	  $(CORE_LIBS)
	$(Q)ln -sf libcheckpw.so.$(VERSION) $(BUILD)/lib/$(LIB_SONAME)
	$(Q)ln -sf $(LIB_SONAME) $(BUILD)/lib/libcheckpw.so

PC_SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
  -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' lib/core/checkpw.pc.in
$(LIB_PC): lib/core/checkpw.pc.in config.mk
	@mkdir -p $(@D)
	$(call say,GEN,$@)
	$(Q)$(PC_SUBST) > $@

$(TEST_BIN): $(TEST_OBJS) $(INTERNAL_A) $(LIB_A)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CXX) -fPIE -pie $(LDFLAGS) -o $@ $(TEST_OBJS) $(LINK_LIBS) $(TEST_LIBS)

$(C_ABI_BIN): tests/c_abi/c_abi_test.c lib/core/checkpw.h $(LIB_SO)
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) -Ilib/core $(CFLAGS) -Wstrict-prototypes -fPIE -pie $(LDFLAGS) -o $@ $< \
	  -L$(BUILD)/lib -Wl,-rpath,$(abspath $(BUILD))/lib -lcheckpw

# Copies of the two checkpassword programs linked with other compiled-in values
# (lib/store/built_in.cc), as the tests need them: $(1) their directory (the PostgreSQL
# builds in $(1)/libexec/checkpw), $(2) the compiler flags of their built_in.o.
define prog_copies
$(1)/built_in.o: lib/store/built_in.cc $(PATHS_STAMP)
	@mkdir -p $$(@D)
	$$(call say,CXX,$$@)
	$$(Q)$$(CXX) $$(CPPFLAGS) $(2) $$(CXXFLAGS) -fPIE -c -o $$@ $$<
$(1)/libexec/checkpw/%: $(BUILD)/%/main.o $(1)/built_in.o $(INTERNAL_A) $(LIB_A) $(WRAP_OBJS) \
  $(NO_GSS_OBJ)
	@mkdir -p $$(@D)
	$$(call say,LINK,$$@)
	$$(Q)$$(CXX) -fPIE $$(STATIC_LDFLAGS) $$(LDFLAGS) -o $$@ $(BUILD)/$$*/main.o $(1)/built_in.o \
	  $$(LINK_LIBS) $$(STATIC_PG_LIBS)
$(1)/%: $(BUILD)/%/main.o $(1)/built_in.o $(SQLITE_ONLY_OBJ) $(INTERNAL_A) $(LIB_A) $(WRAP_OBJS)
	@mkdir -p $$(@D)
	$$(call say,LINK,$$@)
	$$(Q)$$(CXX) -fPIE $$(STATIC_LDFLAGS) $$(LDFLAGS) -o $$@ $(BUILD)/$$*/main.o $(1)/built_in.o \
	  $$(SQLITE_ONLY_LIBS)
endef
built_in_flags = -UCHECKPW_DBPATH -DCHECKPW_DBPATH='"$(strip $(1))"' -UCHECKPW_LOCATION_FILE \
  -DCHECKPW_LOCATION_FILE='"$(strip $(2))"' -UCHECKPW_HELPERDIR -DCHECKPW_HELPERDIR='"$(strip $(3))"' $(4)

# The programs the tests run (tests/bin): the PostgreSQL builds they hand over to are
# their own, and the waits before the settings are read are short, so that a test of the
# deadline or of a busy database does not wait 10 s or 5 s. Production code has no other
# way to find a PostgreSQL build than the compiled-in HELPERDIR.
TEST_PROGS = $(abspath $(BUILD))/tests/bin
TEST_PROG_BINS = $(STATIC_PROGRAMS:%=$(BUILD)/tests/bin/%) \
  $(STATIC_PROGRAMS:%=$(BUILD)/tests/bin/libexec/checkpw/%)
$(eval $(call prog_copies,$(BUILD)/tests/bin,$(call built_in_flags,$(DBPATH),$(LOCATION_FILE),\
  $(TEST_PROGS)/libexec/checkpw,-DCHECKPW_START_DEADLINE_MS=2000 -DCHECKPW_START_BUSY_TIMEOUT_MS=1000)))
# Copies whose compiled-in database is a file the setuid test makes (CHECKPW_DB is
# ignored under setuid, as it must be).
SETUID_DIR    = $(abspath $(BUILD))/tests/setuid
SETUID_BINS   = $(STATIC_PROGRAMS:%=$(BUILD)/tests/setuid/%) \
  $(STATIC_PROGRAMS:%=$(BUILD)/tests/setuid/libexec/checkpw/%)
$(eval $(call prog_copies,$(BUILD)/tests/setuid,$(call built_in_flags,$(SETUID_DIR)/users.db,\
  $(SETUID_DIR)/location,$(SETUID_DIR)/libexec/checkpw,)))
# The programs the benchmarks run (bench/bin): the production values, but the PostgreSQL
# builds they hand over to are the build tree's.
BENCH_PROG_BINS = $(STATIC_PROGRAMS:%=$(BUILD)/bench/bin/%) \
  $(STATIC_PROGRAMS:%=$(BUILD)/bench/bin/libexec/checkpw/%)
$(eval $(call prog_copies,$(BUILD)/bench/bin,$(call built_in_flags,$(DBPATH),$(LOCATION_FILE),\
  $(abspath $(BUILD))/bench/bin/libexec/checkpw,)))
# Copies whose HELPERDIR the hand-off test fills with stand-ins (no PostgreSQL builds).
HANDOFF_BINS  = $(STATIC_PROGRAMS:%=$(BUILD)/tests/handoff/%)
$(eval $(call prog_copies,$(BUILD)/tests/handoff,$(call built_in_flags,$(DBPATH),$(LOCATION_FILE),\
  $(abspath $(BUILD))/tests/handoff/libexec/checkpw,)))

$(BENCH_BIN): $(BENCH_OBJS) $(INTERNAL_A) $(LIB_A)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CXX) -fPIE -pie $(LDFLAGS) -o $@ $(BENCH_OBJS) $(LINK_LIBS) -lbenchmark_main -lbenchmark -lpthread -lcrypto

# A real qmail-popup and qmail-smtpd for the qmail tests (tests/qmail), built from the
# notqmail source tarball with Erwin Hoffmann's SMTP AUTH patch, named by
# NOTQMAIL_TARBALL=PATH (make's command line or the environment). Without it the qmail
# tests are skipped, and the summary says so. conf-qmail names a private qmail home in
# the build directory: nothing is installed, and nothing under /var/qmail is read or
# written. Third-party C, built with its own conf-cc (no -Werror of ours) and serially
# (its Makefile is not written for -j), its output kept in build.log and shown only when
# the build fails.
NOTQMAIL_TARBALL ?=
NOTQMAIL_DIR     := $(BUILD)/notqmail
NOTQMAIL_HOME    := $(abspath $(BUILD))/qmail-home
NOTQMAIL_BINS    := $(NOTQMAIL_DIR)/qmail-popup $(NOTQMAIL_DIR)/qmail-smtpd
ifneq ($(NOTQMAIL_TARBALL),)
NOTQMAIL_TARBALL := $(abspath $(NOTQMAIL_TARBALL))
$(NOTQMAIL_BINS) &: $(NOTQMAIL_TARBALL)
	$(call say,NOTQMAIL,$(NOTQMAIL_DIR))
	$(Q)rm -rf $(NOTQMAIL_DIR) && mkdir -p $(NOTQMAIL_HOME)/control
	$(Q)tar -xzf $(NOTQMAIL_TARBALL) -C $(BUILD)
	$(Q)echo $(NOTQMAIL_HOME) > $(NOTQMAIL_DIR)/conf-qmail
	$(Q)echo checkpw.test > $(NOTQMAIL_HOME)/control/me
	$(Q)cd $(NOTQMAIL_DIR) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	  make qmail-popup qmail-smtpd > build.log 2>&1 || \
	  { tail -n 30 build.log >&2; echo "notqmail: build failed; see $(NOTQMAIL_DIR)/build.log" >&2; \
	    exit 1; }
TEST_QMAIL := $(NOTQMAIL_BINS)
else
$(NOTQMAIL_BINS):
	@echo "notqmail: give the source tarball: make $@ NOTQMAIL_TARBALL=PATH" >&2; exit 2
TEST_QMAIL :=
endif
notqmail: $(NOTQMAIL_BINS)

# The test run ends with one plain line, "N passed, M failed", summed over every binary.
test: all $(TEST_BIN) $(C_ABI_BIN) $(TEST_PROG_BINS) $(SETUID_BINS) $(HANDOFF_BINS) $(TEST_QMAIL)
	@BUILD=$(abspath $(BUILD)) CHECKPW_NOTQMAIL_TARBALL='$(NOTQMAIL_TARBALL)' sh tests/run.sh

# What CI runs (the README's test command): `make test`, then the suite under ASan and
# UBSan (`make san`), the clang build with -Werror, `format-check` and a short fuzz pass
# (CHECK_FUZZ_SECONDS per target, default 15); one summary line for all of them.
CHECK_FUZZ_SECONDS ?= 15
check:
	@MAKE='$(MAKE)' BUILD=$(BUILD) FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS) sh tests/check.sh

# Its in-process Argon2id verify takes its memory as the programs' does: libsodium linked
# statically, its mmap through lib/auth/huge_pages.cc.
$(LOGIN_RATE): $(LOGIN_RATE_OBJS) $(INTERNAL_A) $(LIB_A) $(BUILD)/lib/auth/huge_pages.o
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CXX) -fPIE -pie $(LDFLAGS) -Wl,--wrap=mmap -o $@ $(LOGIN_RATE_OBJS) \
	  $(BUILD)/lib/auth/huge_pages.o $(INTERNAL_A) $(LIB_A) -l:libsodium.a $(LINK_LIBS) -lgtest -lpthread

$(BUILD)/bench/floor: bench/login/floor.c bench/login/floor_read.h
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(CFLAGS) -static -o $@ $<
$(BUILD)/bench/floor-verify: bench/login/floor_verify.c bench/login/floor_read.h $(BUILD)/lib/auth/huge_pages.o
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(CFLAGS) -fPIE -c -o $@.o $<
	$(Q)$(CXX) -static-pie -Wl,--wrap=mmap -o $@ $@.o $(BUILD)/lib/auth/huge_pages.o -l:libsodium.a
$(BUILD)/bench/floor-sqlite: bench/login/floor_sqlite.c bench/login/floor_read.h $(BUILD)/lib/auth/no_dlopen.o
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(CFLAGS) -fPIE -c -o $@.o $<
	$(Q)$(CXX) -static-pie -Wl,--wrap=dlopen -o $@ $@.o $(BUILD)/lib/auth/no_dlopen.o -lsqlite3

# Google Benchmark (JSON in build/bench.json), then the login-rate driver (a table, and
# JSON in build/login-rate.json); BENCH_ARGS and LOGIN_RATE_ARGS pass options to each.
bench: all $(BENCH_BIN) $(LOGIN_RATE) $(FLOOR_BIN) $(BENCH_PROG_BINS)
	$(BENCH_BIN) --benchmark_out=$(BUILD)/bench.json --benchmark_out_format=json $(BENCH_ARGS)
	$(LOGIN_RATE) $(LOGIN_RATE_ARGS)

# Runs the whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
san:
	$(MAKE) BUILD=build/san OPT='-O1 -g' \
	  SAN_FLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer' test

# The README's first quick-start command: installs what is missing, builds, and shows
# the programs answering SMTP and POP3 logins from a throwaway database in build/demo.
demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@sh tests/demo.sh $(BUILD)

# Coverage-guided fuzzing with libFuzzer (clang): each target in tests/fuzz runs for
# FUZZ_SECONDS (default 60) with ASan and UBSan, from its corpus in the build directory
# plus the seeds in tests/fuzz/seeds/TARGET (valid requests, so that mutations reach the
# accepting paths). Not part of `make test`; `make check` runs a short pass.
FUZZ_SECONDS ?= 60
# The library is compiled once for all targets (instrumented, into one archive); each
# target is its own file linked with it.
FUZZ_TARGETS := $(patsubst tests/fuzz/%.cc,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/*_fuzz.cc))
FUZZ_FLAGS   := -Ilib -isystem $(PG_INCLUDEDIR) $(PATH_DEFS) -std=c++20 -O1 -g
FUZZ_LIB_OBJS := $(LIB_SRCS:%.cc=$(BUILD)/fuzz/obj/%.o)
FUZZ_LIB     := $(BUILD)/fuzz/libcheckpw-fuzz.a
$(BUILD)/fuzz/obj/%.o: %.cc
	@mkdir -p $(@D)
	$(call say,CXX,$@)
	$(Q)clang++ $(FUZZ_FLAGS) -MMD -MP -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<
$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	$(Q)rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^
$(BUILD)/fuzz/%: tests/fuzz/%.cc $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(call say,FUZZ,$@)
	$(Q)clang++ $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_LIB) $(LIBS)
fuzz: $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(BUILD)/fuzz/corpus-$${t##*/}; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -max_len=600 -print_final_stats=1 $(FUZZ_ARGS) \
	    $(BUILD)/fuzz/corpus-$${t##*/} $$(ls -d tests/fuzz/seeds/$${t##*/} 2>/dev/null) || exit 1; \
	done

# The Debian package (debian/): built by dpkg-buildpackage from a copy of the tree (so the
# checkout is left as it is) into $(BUILD)/deb, then checked with lintian, which must
# report no error (the overrides in debian/ say why).
DEB_DIR = $(BUILD)/deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	tar --exclude=./build --exclude=./.git -cf - . | tar -C $(DEB_DIR)/src -xf -
	cd $(DEB_DIR)/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD \
	  DEB_BUILD_OPTIONS="parallel=$$(nproc) nocheck" \
	  dpkg-buildpackage -us -uc -b > ../build.log 2>&1 || { tail -n 40 ../build.log >&2; exit 1; }
	lintian --fail-on error --info $(DEB_DIR)/*.deb | tee $(DEB_DIR)/lintian.log

# Installs whatever Debian packages are missing. As root it runs apt-get; otherwise it
# prints the exact command and fails with exit 2.
DEB_PACKAGES = g++ gcc make libsodium-dev libsqlite3-dev sqlite3 libgtest-dev libbenchmark-dev \
  libssl-dev libcrypt-dev openssl pkg-config clang clang-format curl dovecot-core dovecot-imapd \
  dovecot-pop3d dovecot-sqlite gdb fail2ban daemontools python3 util-linux strace man-db \
  groff-base debhelper dpkg-dev fakeroot lintian postgresql-15 postgresql-client-15 libpq-dev \
  postgresql-server-dev-15 pgbouncer dovecot-pgsql
deps:
	@sh install/deps.sh $(DEB_PACKAGES)

# The programs go in as install/modes says (mode, owner, group; checked before anything
# is copied). SETUID_GROUP=GROUP (as root) installs those it marks opt-in, the two
# checkpassword programs, setuid root, mode 4750 and that group (the server's: nofiles
# for qmail-smtpd's qmaild), so that only the server's user can run them; without it
# nothing is setuid.
SETUID_GROUP ?=
INSTALL_MODES ?= install/modes
install: all
	sh install/programs.sh $(INSTALL_MODES) $(BUILD)/bin $(DESTDIR)$(BINDIR) \
	  "$(SETUID_GROUP)" $(PROGRAMS)
	sh install/programs.sh install/helpers $(BUILD)/libexec/checkpw $(DESTDIR)$(HELPERDIR) "" \
	  $(STATIC_PROGRAMS)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	  $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(wildcard man/*.8) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(wildcard man/*.3) $(DESTDIR)$(MANDIR)/man3/
	install -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	$(Q)ln -sf libcheckpw.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libcheckpw.so
	install -m 0644 lib/core/checkpw.h $(DESTDIR)$(INCLUDEDIR)/
	$(PC_SUBST) > $(DESTDIR)$(PKGCONFIGDIR)/checkpw.pc  # with this install's PREFIX

uninstall:
	rm -f $(PROGRAMS:%=$(DESTDIR)$(BINDIR)/%) $(STATIC_PROGRAMS:%=$(DESTDIR)$(HELPERDIR)/%)
	-rmdir $(DESTDIR)$(HELPERDIR) 2>/dev/null
	rm -f $(DESTDIR)$(LIBDIR)/libcheckpw.a $(DESTDIR)$(LIBDIR)/libcheckpw.so \
	  $(DESTDIR)$(LIBDIR)/$(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libcheckpw.so.$(VERSION)
	rm -f $(DESTDIR)$(INCLUDEDIR)/checkpw.h $(DESTDIR)$(PKGCONFIGDIR)/checkpw.pc
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man8/%,$(wildcard man/*.8)) \
	  $(patsubst man/%,$(DESTDIR)$(MANDIR)/man3/%,$(wildcard man/*.3))

FORMAT_SRCS = $(shell find lib checkpw cram-md5-checkpw userdb-tool tests bench \
  -name '*.cc' -o -name '*.h' -o -name '*.c' 2>/dev/null)
format:
	clang-format -i $(FORMAT_SRCS)
format-check:
	clang-format --dry-run --Werror $(FORMAT_SRCS)

clean:
	rm -rf build

-include $(CORE_OBJS:.o=.d) $(INTERNAL_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(BENCH_OBJS:.o=.d) $(LOGIN_RATE_OBJS:.o=.d) \
  $(PROG_OBJS:.o=.d) $(SQLITE_ONLY_OBJ:.o=.d) $(WRAP_OBJS:.o=.d) $(FUZZ_LIB_OBJS:.o=.d)
