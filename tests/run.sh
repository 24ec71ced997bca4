#!/bin/sh
# Runs every test binary and ends with the one summary line CI reads:
# "N passed, M failed". Skipped tests are listed with their reasons just before it
# ("skipped: K", then "skipped: Suite.Name: reason" lines). A binary that dies before
# reporting counts as one failure. The GoogleTest binary runs its test files as
# parallel jobs, CHECKPW_TEST_JOBS at once (default: the number of CPUs); GTEST_ARGS
# with a --gtest_filter runs the chosen tests in one process instead.
set -u
: "${BUILD:?BUILD must name the build directory}"
counts="$BUILD/tests/counts"
mkdir -p "$counts"
rm -f "$counts"/*
passed=0
failed=0
skipped=0
: > "$counts/skips"

run() {
  name=$1
  shift
  CHECKPW_TEST_COUNTS="$counts/$name" "$@"
  rc=$?
  if [ -s "$counts/$name" ]; then
    read -r p f s < "$counts/$name"
    tail -n +2 "$counts/$name" >> "$counts/skips"
  else
    p=0
    f=1
    s=0
    echo "run: $name exited $rc without reporting its results" >&2
  fi
  # A binary that reports no failures yet exits non-zero still failed somewhere.
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + ${s:-0}))
}

CHECKPW_TEST_JOBS=${CHECKPW_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)} \
  CHECKPW_TEST_TIMES="$BUILD/tests/job-times" run unit "$BUILD/tests/checkpw_tests" ${GTEST_ARGS:-}
run c_abi "$BUILD/tests/c_abi_test"

if [ "$skipped" -gt 0 ]; then
  echo "skipped: $skipped"
  sed 's/^/skipped: /' "$counts/skips"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
