#!/bin/sh
# `make check`: every stage CI needs, each in its own build directory, and one plain
# summary line at the end, "N passed, M failed": the test counts of `make test` and
# `make san`, plus one for each other stage (the clang build, format-check, each fuzz
# target) that passed or failed. Every stage runs even when an earlier one failed; each
# stage's output is kept in $BUILD/check/STAGE.log and shown when it ends, with its own
# summary line restated so that only the last line is in the summary's form.
set -u
: "${BUILD:?BUILD must name the build directory}"
: "${MAKE:=make}"
jobs=$(nproc 2>/dev/null || echo 2)
m="$MAKE --no-print-directory -j$jobs"
logs="$BUILD/check"
mkdir -p "$logs"
passed=0
failed=0

# stage NAME COMMAND...: a stage whose log ends with "N passed, M failed" adds those
# counts; any other stage counts as one test.
stage() {
  name=$1
  shift
  echo "== check: $name: $*"
  started=$(date +%s)
  "$@" > "$logs/$name.log" 2>&1
  rc=$?
  took=$(($(date +%s) - started))
  sed -E 's/^([0-9]+) passed, ([0-9]+) failed$/(stage summary: \1 ok, \2 not ok)/' "$logs/$name.log"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logs/$name.log" | tail -n 1)
  if [ -n "$line" ]; then
    p=${line%% passed*}
    f=${line#*passed, }
    f=${f%% failed*}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  elif [ "$rc" -eq 0 ]; then
    p=1
    f=0
  else
    p=0
    f=1
  fi
  echo "== check: $name: exit $rc in $took s"
  passed=$((passed + p))
  failed=$((failed + f))
}

stage test $m test
stage san $m san
stage clang $m CXX=clang++ CC=clang BUILD="$BUILD/clang" all \
  "$BUILD/clang/tests/checkpw_tests" "$BUILD/clang/bench/checkpw_bench" \
  "$BUILD/clang/bench/login-rate" "$BUILD/clang/bench/floor"
stage format $m format-check
# One stage per fuzz target, each built and run on its own.
for src in tests/fuzz/*_fuzz.cc; do
  t=$(basename "$src" .cc)
  stage "fuzz-$t" $m fuzz FUZZ_TARGETS="$BUILD/fuzz/$t" \
    FUZZ_SECONDS="${FUZZ_SECONDS:-15}" FUZZ_ARGS=-seed=1
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
