#!/usr/bin/env bash
# make test: every suite of the main build (unit, CLI, GUI under Xvfb), then the unit and CLI
# tests again under AddressSanitizer + UndefinedBehaviorSanitizer (with the fuzz corpus replay),
# then a few seconds of libFuzzer on each fuzz target when clang is there. Ends with one line
# "N passed, N failed, N skipped" counted over every test case (TAP subtests).
set -uo pipefail
build=${1:-build}
asan=${2:-build-asan}
fuzz=${3:-build-fuzz}
cd "$(dirname "$0")/.."

status=0
meson test -C "$build" --print-errorlogs --num-processes 2 || status=1

if [ ! -f "$asan/build.ninja" ]; then
  meson setup "$asan" -Db_sanitize=address,undefined -Db_lundef=false -Dgui=disabled >/dev/null || status=1
fi
if meson compile -C "$asan" >/dev/null; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C "$asan" --print-errorlogs --num-processes 2 --suite unit --suite cli \
      --suite fuzz-replay || status=1
else
  echo "the sanitizer build failed"; status=1
fi

# A brief libFuzzer run of each reader (tests/fuzz/meson.build, suite 'fuzz'): catches a
# regression the corpus replay does not reach. Needs clang; the same build as `make fuzz`.
logs=("$build/meson-logs/testlog.json" "$asan/meson-logs/testlog.json")
if command -v clang >/dev/null; then
  if tests/fuzz/run-fuzz.sh "$fuzz" 0; then
    meson test -C "$fuzz" --no-rebuild --print-errorlogs --num-processes 2 --suite fuzz || status=1
  else
    echo "the fuzz build failed"; status=1
  fi
  logs+=("$fuzz/meson-logs/testlog.json")
else
  echo "clang not found: no libFuzzer run"
fi

/usr/bin/python3 tests/summary.py "${logs[@]}" || status=1
exit $status
