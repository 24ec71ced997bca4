#!/bin/sh
# Installs the programs as install/modes says: the modes are data, checked whole before
# anything is copied, so that no edit can make an install half setuid.
#   sh install/programs.sh MODES FROM TO SETUID_GROUP PROGRAM...
# MODES must have exactly one valid line for each PROGRAM (the programs `make` built).
# Everything is checked before anything is copied; a problem exits 2 with its line.
set -eu
if [ $# -lt 5 ]; then
  echo "usage: $0 MODES FROM TO SETUID_GROUP PROGRAM..." >&2
  exit 2
fi
modes=$1 from=$2 to=$3 setuid_group=$4
shift 4
programs=" $* "

fail() {
  echo "install: $*" >&2
  exit 2
}

[ -r "$modes" ] || fail "cannot read $modes"
root=no
[ "$(id -u)" -eq 0 ] && root=yes
if [ -n "$setuid_group" ]; then
  [ "$root" = yes ] || fail "SETUID_GROUP=$setuid_group needs root (the programs become root-owned)"
  getent group "$setuid_group" >/dev/null || fail "SETUID_GROUP=$setuid_group: no such group"
fi

# Pass 1: every line valid, every program named once, nothing else named.
plan=""
n=0
while IFS= read -r line || [ -n "$line" ]; do
  n=$((n + 1))
  case "$line" in '' | '#'*) continue ;; esac
  read -r prog mode owner group setuid extra <<END
$line
END
  [ -n "$setuid" ] && [ -z "$extra" ] ||
    fail "$modes:$n: want 5 fields: program mode owner group setuid"
  case "$mode" in
    0[0-7][0-7][0-7]) ;;
    [4-7][0-7][0-7][0-7] | [0-7][0-7][0-7][0-7][0-7]*)
      fail "$modes:$n: $prog: mode $mode: setuid, setgid or sticky bits belong to SETUID_GROUP, not the file" ;;
    *) fail "$modes:$n: $prog: mode $mode is not four octal digits (0755)" ;;
  esac
  case "$mode" in
    ??[2367]? | ???[2367]) fail "$modes:$n: $prog: mode $mode lets group or others write it" ;;
  esac
  for name in "$owner" "$group"; do
    case "$name" in
      [a-z_]*) ;;
      *) fail "$modes:$n: $prog: '$name' is not a user or group name" ;;
    esac
    case "$name" in
      *[!a-z0-9_-]*) fail "$modes:$n: $prog: '$name' is not a user or group name" ;;
    esac
  done
  case "$setuid" in
    opt-in | never) ;;
    *) fail "$modes:$n: $prog: setuid is opt-in or never, not '$setuid'" ;;
  esac
  [ "$prog" = userdb-tool ] && [ "$setuid" != never ] &&
    fail "$modes:$n: userdb-tool refuses to run setuid; its setuid field must be never"
  case "$programs" in *" $prog "*) ;; *) fail "$modes:$n: $prog is not a program this build makes" ;; esac
  case " $plan " in *" $prog:"*) fail "$modes:$n: $prog is named twice" ;; esac
  [ -f "$from/$prog" ] || fail "$from/$prog is not built"
  if [ "$root" = yes ]; then
    getent passwd "$owner" >/dev/null || fail "$modes:$n: $prog: no user $owner"
    getent group "$group" >/dev/null || fail "$modes:$n: $prog: no group $group"
  fi
  plan="$plan $prog:$mode:$owner:$group:$setuid"
done < "$modes"
for p in $programs; do
  case " $plan " in *" $p:"*) ;; *) fail "$modes has no line for $p" ;; esac
done

# Pass 2: install.
install -d "$to"
for entry in $plan; do
  IFS=: read -r prog mode owner group setuid <<END
$entry
END
  if [ -n "$setuid_group" ] && [ "$setuid" = opt-in ]; then
    install -o root -g "$setuid_group" -m 4750 "$from/$prog" "$to/$prog"
    echo "install: $to/$prog root:$setuid_group 4750 (setuid)"
  elif [ "$root" = yes ]; then
    install -o "$owner" -g "$group" -m "$mode" "$from/$prog" "$to/$prog"
  else
    install -m "$mode" "$from/$prog" "$to/$prog"
  fi
done
[ "$root" = yes ] || echo "install: not root: owners and groups of $modes not applied"
