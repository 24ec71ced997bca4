#!/bin/sh
# Installs the Debian packages named on the command line that are not installed yet.
# As root: apt-get install them (with services kept from starting during the install).
# Otherwise: print the exact command and exit 2.
set -eu
missing=""
for pkg in "$@"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $pkg" ;;
  esac
done
if [ -z "$missing" ]; then
  echo "deps: all packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing packages; run as root:" >&2
  echo "  apt-get update && apt-get install -y$missing" >&2
  exit 2
fi
echo "deps: installing$missing"
# Keep package scripts from starting system-wide daemons (Dovecot): the tests start
# their own private instances. Only remove the policy file if we created it.
policy=/usr/sbin/policy-rc.d
created_policy=no
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod 0755 "$policy"
  created_policy=yes
fi
rc=0
export DEBIAN_FRONTEND=noninteractive
apt-get update -q || rc=$?
if [ "$rc" -eq 0 ]; then
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $missing || rc=$?
fi
[ "$created_policy" = yes ] && rm -f "$policy"
exit "$rc"
