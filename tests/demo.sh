#!/bin/sh
# make demo: a throwaway database under build/demo, two accounts, and the exchanges a
# qmail-smtpd, qmail-popup or Dovecot has with our programs. The client side is
# computed independently (coreutils base64, OpenSSL's HMAC-MD5); the server side
# decodes what the client sent and hands it to the real checkpw / cram-md5-checkpw on
# fd 3, as the servers do. Ends with one summary line; exits 1 if any verdict surprises.
set -eu
BUILD=${1:-build}
DEMO=$BUILD/demo
TOOL=$BUILD/bin/userdb-tool
CHECKPW=$BUILD/bin/checkpw
CRAM=$BUILD/bin/cram-md5-checkpw
export CHECKPW_DB="$DEMO/users.db"
export TCPREMOTEIP=127.0.0.1

rm -rf "$DEMO"
mkdir -p "$DEMO"
echo "== a throwaway database: $CHECKPW_DB"
"$TOOL" init
"$TOOL" config failure_delay_ms 0 >/dev/null  # the demo should not wait out each failure
printf 'wonderland\n' | "$TOOL" add alice --password-stdin
printf 'tanstaaftanstaaf\n' | "$TOOL" add bob --password-stdin  # RFC 2195's example
"$TOOL" list

total=0
surprises=0
b64() { printf '%s' "$1" | base64 -w0; }
b64_nul3() { printf '\0%s\0%s' "$1" "$2" | base64 -w0; }  # SASL PLAIN: authzid NUL authcid NUL passwd

# verdict EXPECTED PROGRAM OK_REPLY FAIL_REPLY: the request is in $REQ and becomes the
# program's fd 3; the server's reply follows from the program's exit status.
REQ="$DEMO/request"
verdict() {
  expected=$1
  prog=$2
  total=$((total + 1))
  set +e
  "$prog" sh -c 'echo "   (subprogram ran as uid $(id -u) for USER=$USER)"' 3<"$REQ" 0</dev/null 2>"$DEMO/log"
  rc=$?
  set -e
  rm -f "$REQ"
  case $rc in
    0) what="accepted: the subprogram ran"; reply=$3 ;;
    1) what="rejected"; reply=$4 ;;
    2) what="misuse"; reply="454 4.7.0 Temporary authentication failure" ;;
    111) what="temporary failure"; reply="454 4.7.0 Temporary authentication failure" ;;
    *) what="exit $rc"; reply="454 4.7.0 Temporary authentication failure" ;;
  esac
  [ -n "$reply" ] && echo "S: $reply"
  sed 's/^/   log: /' "$DEMO/log"
  if [ "$rc" -eq "$expected" ]; then
    echo "   => $what (exit $rc), as expected"
  else
    echo "   => $what (exit $rc), EXPECTED exit $expected"
    surprises=$((surprises + 1))
  fi
  echo
}

smtp_hello() {
  echo "S: 220 mail.example.org ESMTP"
  echo "C: EHLO client.example.net"
  echo "S: 250-mail.example.org"
  echo "S: 250 AUTH LOGIN PLAIN CRAM-MD5"
}

echo
echo "== SMTP AUTH PLAIN (RFC 4954, RFC 4616), checkpw"
smtp_hello
blob=$(b64_nul3 alice wonderland)
echo "C: AUTH PLAIN $blob"
# The server decodes authzid\0authcid\0passwd and passes authcid\0passwd\0\0.
user=$(printf '%s' "$blob" | base64 -d | tr '\0' '\n' | sed -n 2p)
pass=$(printf '%s' "$blob" | base64 -d | tr '\0' '\n' | sed -n 3p)
printf '%s\0%s\0\0' "$user" "$pass" >"$REQ"
verdict 0 "$CHECKPW" "235 2.7.0 Authentication successful" "535 5.7.8 Authentication credentials invalid"

echo "== SMTP AUTH LOGIN, checkpw"
smtp_hello
echo "C: AUTH LOGIN"
echo "S: 334 $(b64 'Username:')"
echo "C: $(b64 alice)"
echo "S: 334 $(b64 'Password:')"
echo "C: $(b64 wonderland)"
user=$(b64 alice | base64 -d)
pass=$(b64 wonderland | base64 -d)
printf '%s\0%s\0\0' "$user" "$pass" >"$REQ"
verdict 0 "$CHECKPW" "235 2.7.0 Authentication successful" "535 5.7.8 Authentication credentials invalid"

challenge="<1896.697170952@postoffice.reston.mci.net>"
response=$(printf '%s' "$challenge" | openssl dgst -md5 -hmac tanstaaftanstaaf -r | cut -d' ' -f1)
printf '%s\n' '== SMTP AUTH CRAM-MD5 (RFC 2195), cram-md5-checkpw, user\0response\0challenge'
smtp_hello
echo "C: AUTH CRAM-MD5"
echo "S: 334 $(b64 "$challenge")"
answer=$(b64 "bob $response")
echo "C: $answer"
decoded=$(printf '%s' "$answer" | base64 -d)
printf '%s\0%s\0%s\0' "${decoded%% *}" "${decoded#* }" "$challenge" >"$REQ"
verdict 0 "$CRAM" "235 2.7.0 Authentication successful" "535 5.7.8 Authentication credentials invalid"

printf '%s\n' '== SMTP AUTH CRAM-MD5, the other field order: user\0challenge\0response'
smtp_hello
echo "C: AUTH CRAM-MD5"
echo "S: 334 $(b64 "$challenge")"
echo "C: $answer"
printf '%s\0%s\0%s\0' "${decoded%% *}" "$challenge" "${decoded#* }" >"$REQ"
verdict 0 "$CRAM" "235 2.7.0 Authentication successful" "535 5.7.8 Authentication credentials invalid"

stamp="<4711.1700000000@pop.example.org>"
echo "== POP3 USER/PASS through qmail-popup (timestamp in the third field), cram-md5-checkpw"
echo "S: +OK $stamp"
echo "C: USER alice"
echo "S: +OK"
echo "C: PASS wonderland"
printf '%s\0%s\0%s\0' alice wonderland "$stamp" >"$REQ"
verdict 0 "$CRAM" "+OK" "-ERR authorization failed"

echo "== SMTP AUTH PLAIN with a wrong password"
smtp_hello
blob=$(b64_nul3 alice looking-glass)
echo "C: AUTH PLAIN $blob"
printf '%s\0%s\0\0' alice looking-glass >"$REQ"
verdict 1 "$CHECKPW" "235 2.7.0 Authentication successful" "535 5.7.8 Authentication credentials invalid"

echo "== POP3 USER/PASS for an unknown user"
echo "S: +OK $stamp"
echo "C: USER mallory"
echo "S: +OK"
echo "C: PASS wonderland"
printf '%s\0%s\0%s\0' mallory wonderland "$stamp" >"$REQ"
verdict 1 "$CHECKPW" "+OK" "-ERR authorization failed"

echo "== A malformed request: no NUL after the password (a broken server)"
printf 'alice\0wonderland' >"$REQ"
verdict 2 "$CHECKPW" "" ""

ok=$((total - surprises))
echo "demo: $total exchanges, $ok verdicts as expected, $surprises surprises"
[ "$surprises" -eq 0 ]
