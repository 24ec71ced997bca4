// The command table: one row per command, with everything the parser (args.cc), the help
// and the dispatch (main.cc) know about it. A new command is one row here and one
// handler in the file of its group.
#include "tool.h"

namespace checkpw::tool {
namespace {

const Command kCommands[] = {
    {"init",
     "[--group NAME | --login-role ROLE]",
     "create the database, or migrate an existing one",
     0,
     0,
     {},
     {"--group", "--login-role"},
     cmd_init,
     "usage: userdb-tool [--db PATH] init [--group NAME]\n"
     "       userdb-tool --db postgresql://... init [--login-role ROLE]\n"
     "\n"
     "Creates the database with mode 0600, or 0640 and group NAME with --group, in\n"
     "WAL mode with persistent -wal and -shm files of the same mode and group (so\n"
     "members of that group can read it without write access to the directory).\n"
     "On an existing checkpw database it runs any pending schema migrations,\n"
     "restores missing -wal and -shm files, and says which it did; it never changes\n"
     "the database's mode or group, and refuses (exit 1) when --group names a group\n"
     "other than the file's. It never adopts a file it did not create: an existing\n"
     "empty or foreign file (no checkpw schema, another owner, readable or writable\n"
     "by others, group-writable, not a regular file) is refused with exit 1 and left\n"
     "as it is.\n"
     "\n"
     "With a postgresql:// location it creates the tables in the database the URI\n"
     "names (connect as their owner), or migrates them; a schema that holds other\n"
     "tables is refused. --login-role ROLE grants an existing role what the\n"
     "checkpassword programs need and no more: SELECT on the tables, UPDATE of the\n"
     "bookkeeping columns and of the hash and CRAM-MD5 secret (upgraded at a login).\n"},
    {"add",
     "USER [options]",
     "add an account (password asked twice, or --password-stdin)",
     1,
     1,
     {"--no-cram-md5", "--password-stdin"},
     {"--uid", "--gid", "--home", "--shell"},
     cmd_add,
     "usage: userdb-tool [--db PATH] add USER [--uid N] [--gid N] [--home DIR]\n"
     "         [--shell PATH] [--no-cram-md5] [--password-stdin]\n"
     "\n"
     "Adds an enabled account. The password is asked twice on the terminal with echo\n"
     "off, or read as one line from standard input with --password-stdin (its line\n"
     "end, LF or CR LF, removed). It is stored as an Argon2id hash at the configured\n"
     "cost, plus the CRAM-MD5 secret (Dovecot's {CRAM-MD5} form) unless\n"
     "--no-cram-md5. USER: 1 to 255 bytes of UTF-8 without control characters.\n"
     "--uid and --gid: 1 to 4294967294 (0 is refused), both or neither (the programs\n"
     "run as root switch to an account's identity only when it has both). --home and\n"
     "--shell: absolute paths. Exit 1 if USER exists, 2 for a bad option (nothing is\n"
     "written).\n"},
    {"passwd",
     "USER",
     "set a new password",
     1,
     1,
     {"--password-stdin"},
     {},
     cmd_passwd,
     "usage: userdb-tool [--db PATH] passwd USER [--password-stdin]\n"
     "\n"
     "Sets a new password (asked twice on the terminal, or one line from standard\n"
     "input with --password-stdin). The CRAM-MD5 secret is replaced too if the\n"
     "account has one. Exit 1 if USER does not exist.\n"},
    {"del",
     "USER",
     "delete an account",
     1,
     1,
     {},
     {},
     cmd_del,
     "usage: userdb-tool [--db PATH] del USER\n"
     "\n"
     "Deletes the account. Exit 1 if USER does not exist.\n"},
    {"enable",
     "USER",
     "allow logins",
     1,
     1,
     {},
     {},
     cmd_enable,
     "usage: userdb-tool [--db PATH] enable USER\n"
     "\n"
     "Lets the account log in again. Exit 1 if USER does not exist.\n"},
    {"disable",
     "USER",
     "refuse logins",
     1,
     1,
     {},
     {},
     cmd_disable,
     "usage: userdb-tool [--db PATH] disable USER\n"
     "\n"
     "Refuses every login to the account (its password is kept). Exit 1 if USER does\n"
     "not exist.\n"},
    {"unlock",
     "USER",
     "clear a lockout",
     1,
     1,
     {},
     {},
     cmd_unlock,
     "usage: userdb-tool [--db PATH] unlock USER\n"
     "\n"
     "Clears the account's lock and its count of failures in the current lockout\n"
     "window (see the lockout_* settings in userdb-tool config --help). Exit 1 if USER\n"
     "does not exist.\n"},
    {"set",
     "USER [options]",
     "change uid, gid, home, shell",
     1,
     1,
     {},
     {"--uid", "--gid", "--home", "--shell", "--clear"},
     cmd_set,
     "usage: userdb-tool [--db PATH] set USER [--uid N] [--gid N] [--home DIR]\n"
     "         [--shell PATH] [--clear FIELD]...\n"
     "\n"
     "Changes the account's ids and paths; --clear removes one (FIELD: uid, gid, home\n"
     "or shell) and may be repeated. Same rules as for add: a change of the ids must\n"
     "leave the account both a uid and a gid, or neither (an account that has only one\n"
     "may still change its home or shell). Exit 1 if USER does not exist, 2 if nothing\n"
     "is to change or the change is refused (nothing is written).\n"},
    {"show",
     "USER [--json]",
     "show an account (never a hash or secret)",
     1,
     1,
     {"--json"},
     {},
     cmd_show,
     "usage: userdb-tool [--db PATH] show USER [--json]\n"
     "\n"
     "Shows the account: enabled, mechanisms it can use (plain, cram-md5), hash\n"
     "scheme, uid, gid, home, shell, created/changed/last-login times and failure\n"
     "counters; never a hash or secret. --json prints one JSON object (times in unix\n"
     "seconds). Exit 1 if USER does not exist.\n"},
    {"list",
     "[--json]",
     "list accounts",
     0,
     0,
     {"--json"},
     {},
     cmd_list,
     "usage: userdb-tool [--db PATH] list [--json]\n"
     "\n"
     "Lists every account, one per line (tab-separated, with a header), or as a JSON\n"
     "array of the objects `show --json` prints. Never a hash or secret.\n"},
    {"verify",
     "USER",
     "check a password exactly as the checkpassword programs decide",
     1,
     1,
     {"--password-stdin"},
     {},
     cmd_verify,
     "usage: userdb-tool [--db PATH] verify USER [--password-stdin]\n"
     "\n"
     "Runs the decision checkpw makes for USER and the password, read-only (counters\n"
     "and hashes are not touched): the default domain completes a bare USER, and\n"
     "disabled accounts and accounts with uid or gid 0 are refused, as the programs\n"
     "refuse them. The password is asked once on the terminal, or read as one line\n"
     "from standard input with --password-stdin. Exit 0 if checkpw would accept, 1 if\n"
     "it would reject (wrong password, disabled, uid/gid 0, no such user), 111 if the\n"
     "stored hash or row is unusable or memory runs out.\n"},
    {"tune",
     "[--max-ms N] [--max-memory SIZE] [--apply]",
     "measure Argon2id here and propose (or store) the strongest cost that fits",
     0,
     0,
     {"--apply"},
     {"--max-ms", "--max-memory"},
     cmd_tune,
     "usage: userdb-tool [--db PATH] tune [--max-ms N] [--max-memory SIZE] [--apply]\n"
     "\n"
     "Times one Argon2id hash on this machine at 8M, 16M, 32M... of memory up to the\n"
     "limit, with as many passes as fit the time, prints the table it measured, and\n"
     "proposes the strongest cost (the most memory, then the most passes) that takes\n"
     "at most N ms (default 100) and fits a process limited to SIZE bytes (K, M or G;\n"
     "default 200000000, the softlimit -m of qmail's run files; 16M of it is left to\n"
     "the program). A verify costs what a hash costs: every plaintext login pays it.\n"
     "Without --apply nothing is written; with it, argon2_opslimit and argon2_memlimit\n"
     "are stored, new and changed passwords get the new cost and older hashes are\n"
     "upgraded at their next successful plaintext login. Run it on the mail host,\n"
     "not idle: it takes a few seconds. Exit 1 if not even 8M with one pass fits.\n"},
    {"import",
     "--format FORMAT [--apply] FILE",
     "bring accounts in from passwd-file, vpasswd, shadow, poppasswd (report first)",
     1,
     1,
     {"--apply"},
     {"--format", "--domain", "--passwd"},
     cmd_import,
     "usage: userdb-tool [--db PATH] import --format FORMAT [--domain DOMAIN]\n"
     "         [--passwd FILE] [--apply] FILE\n"
     "\n"
     "Reads accounts from FILE (- for standard input) and prints a report: lines\n"
     "read, accounts by hash scheme, lines skipped, lines that cannot be imported\n"
     "and why, names the database has already, accounts with a uid and no gid or a\n"
     "gid and no uid (imported so; root logins fail 111 until set gives both).\n"
     "Lines are never shown (they hold passwords). Without --apply nothing is\n"
     "written; with it every account goes in one transaction, or none: exit 2 if\n"
     "any line is malformed, 1 if any name exists, the database unchanged either\n"
     "way. FORMAT:\n"
     "  passwd-file  Dovecot's user:{SCHEME}password:uid:gid:gecos:home:shell:extra;\n"
     "               {ARGON2ID}, {SHA512-CRYPT}, {SHA256-CRYPT}, {MD5-CRYPT},\n"
     "               {BLF-CRYPT}, {CRYPT} (the default), {PLAIN} and {CRAM-MD5} (the\n"
     "               secret alone: plaintext is checked against it until the first\n"
     "               successful login stores Argon2id); nologin in the\n"
     "               extra fields imports the account disabled.\n"
     "  vpasswd      vpopmail's per-domain name:crypted:flags:flags:gecos:dir:quota\n"
     "               [:clear], with --domain DOMAIN: accounts are name@DOMAIN, home\n"
     "               is dir, the clear password is used when present.\n"
     "  shadow       /etc/shadow, with --passwd FILE (/etc/passwd) for uid, gid, home\n"
     "               and shell; locked (!...) and password-less (*, !) entries and\n"
     "               uid 0 are skipped, never imported.\n"
     "  poppasswd    cmd5checkpw's login:password file, the password in clear\n"
     "               (Dabrowski's /etc/poppasswd, Hoffmann's ~qmail/users/authuser);\n"
     "               a line with a third field is malformed (cmd5checkpw would have\n"
     "               cut the password at the ':'), one with no password is skipped.\n"
     "Plaintext passwords are hashed with Argon2id at the configured cost and get\n"
     "their CRAM-MD5 secret. crypt(3) hashes (yescrypt, SHA-512, SHA-256, MD5,\n"
     "bcrypt) are kept and replaced by Argon2id and a CRAM-MD5 secret at the next\n"
     "successful plaintext login; DES crypt is not supported.\n"},
    {"export",
     "--format passwd-file",
     "write every account in Dovecot's passwd-file format to standard output",
     0,
     0,
     {},
     {"--format"},
     cmd_export,
     "usage: userdb-tool [--db PATH] export --format passwd-file\n"
     "\n"
     "Writes every account, ordered by name, as a line of Dovecot's passwd-file:\n"
     "user:{SCHEME}hash:uid:gid::home:shell:extra. Argon2id hashes are written as\n"
     "{ARGON2ID}, imported crypt(3) hashes as {SHA512-CRYPT}, {SHA256-CRYPT},\n"
     "{MD5-CRYPT}, {BLF-CRYPT} or (yescrypt) {CRYPT}, so Dovecot's passwd-file passdb\n"
     "and doveadm pw -t verify them as they are. Disabled accounts and accounts\n"
     "with uid or gid 0 get the extra field nologin=y. CRAM-MD5 secrets are not\n"
     "written. The output holds every password hash: send it to a file only you can\n"
     "read (umask 077). If any account cannot be written as a line (a ':' or line\n"
     "end in a field, a hash with no Dovecot scheme, a row userdb-tool would not\n"
     "write), nothing is written and the command exits 1 naming them.\n"},
    {"copy",
     "--from LOCATION --to LOCATION",
     "copy every account and setting into a new, empty store",
     0,
     0,
     {},
     {"--from", "--to"},
     cmd_copy,
     "usage: userdb-tool copy --from LOCATION --to LOCATION\n"
     "\n"
     "Copies every account (hashes, CRAM-MD5 secrets, identity, bookkeeping and\n"
     "lockout state) and every setting from one store to another: an SQLite file and\n"
     "a postgresql:// URI either way, or two of a kind. The target is created when it\n"
     "does not exist (an SQLite file: mode 0600, removed again if the copy fails; for\n"
     "a group-readable file run init --group first) and must hold no account: a\n"
     "target with accounts is refused (exit 1) and left as it is. Everything goes in\n"
     "one transaction, or nothing: a source row that userdb-tool would not write\n"
     "stops the copy (exit 2). --db is not used. Messages never show a URI's\n"
     "password. Grants are not copied: on a PostgreSQL target run init --login-role\n"
     "ROLE afterwards for the programs' role.\n"},
    {"config",
     "[KEY [VALUE]]",
     "show or change settings",
     0,
     2,
     {},
     {},
     cmd_config,
     "usage: userdb-tool [--db PATH] config [KEY [VALUE]]\n"
     "\n"
     "Without KEY prints every setting as KEY=VALUE; with KEY prints its value; with\n"
     "VALUE validates and stores it (exit 2 for an unknown key or invalid value).\n"
     "\n"
     "Settings:\n"},
    {"check",
     "",
     "integrity, schema objects, schema version and permission audit",
     0,
     0,
     {},
     {},
     cmd_check,
     "usage: userdb-tool [--db PATH] check\n"
     "\n"
     "Runs PRAGMA integrity_check, reports the schema version and the number of\n"
     "accounts, and audits permissions: a warning for the database, its -wal or -shm\n"
     "file, or its directory when anyone beyond the owner and the file's group can\n"
     "read or write them, when the group can write them, and when -wal or -shm is\n"
     "missing or differs from the database's mode and group. It also fails when the\n"
     "file holds a trigger, view, table or index that the schema does not define\n"
     "(the programs never run them; someone planted them), and names every account\n"
     "whose row userdb-tool would not write (logins to it fail with 111). Exit 0\n"
     "when the check passes (warnings included), 111 when the database is corrupt,\n"
     "unreadable, of another schema version, or holds such objects or rows.\n"},
};

}  // namespace

std::span<const Command> commands() {
  return kCommands;
}

const Command* find_command(std::string_view name) {
  for (const Command& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

}  // namespace checkpw::tool
