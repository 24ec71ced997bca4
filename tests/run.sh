#!/bin/sh
# Runs every test binary and ends with the one summary line CI reads:
# "N passed, M failed". A binary that dies before reporting counts as one failure.
set -u
: "${BUILD:?BUILD must name the build directory}"
counts="$BUILD/tests/counts"
mkdir -p "$counts"
rm -f "$counts"/*
passed=0
failed=0

run() {
  name=$1
  shift
  CHECKPW_TEST_COUNTS="$counts/$name" "$@"
  rc=$?
  if [ -s "$counts/$name" ]; then
    read -r p f < "$counts/$name"
  else
    p=0
    f=1
    echo "run: $name exited $rc without reporting its results" >&2
  fi
  # A binary that reports no failures yet exits non-zero still failed somewhere.
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
}

run unit "$BUILD/tests/checkpw_tests" ${GTEST_ARGS:-}
run c_abi "$BUILD/tests/c_abi_test"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
