# Build configuration. Override any of these on the make command line,
# e.g. `make CXX=clang++ CC=clang` or `make install PREFIX=/usr DESTDIR=/tmp/pkg`.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR     ?= $(PREFIX)/share/man
LIBEXECDIR ?= $(PREFIX)/libexec
# The checkpassword programs' PostgreSQL builds: the programs in BINDIR have no
# PostgreSQL client and exec the one here of their name for a postgresql:// location.
HELPERDIR  ?= $(LIBEXECDIR)/checkpw
DESTDIR    ?=

# make install SETUID_GROUP=nofiles: the checkpassword programs setuid root, 4750, that group.

# The database the checkpassword programs read unless CHECKPW_DB overrides it
# (and CHECKPW_DB is ignored when they run setuid).
DBPATH ?= /etc/checkpw/users.db
# A root-owned file holding the location instead (a path or a postgresql:// URI, which
# may carry the password); when it exists it wins over DBPATH, and under setuid it is the
# only way to name another store.
LOCATION_FILE ?= /etc/checkpw/location

# Where Dovecot keeps its reply helper (used only by the Dovecot test).
DOVECOT_REPLY ?= /usr/lib/dovecot/checkpassword-reply

CXX ?= g++
CC  ?= gcc
OPT ?= -O2 -g

VERSION   = 1.0.0
SOVERSION = 1
