#!/usr/bin/env bash
# make fuzz FUZZ_SECONDS=N: builds the libFuzzer targets with clang (AddressSanitizer +
# UndefinedBehaviorSanitizer + coverage over the whole engine) in a build directory of their own,
# runs each target for N seconds, one after the other, merges what they found into
# tests/fuzz/corpus/<target>/ (only inputs that add coverage), and prints a summary.
# A crash leaves its input in BUILD/tests/fuzz/crash-<target>-*: replay it with
#   BUILD/tests/fuzz/fuzz-<target> FILE
# then copy it into tests/fuzz/regressions/<target>/ with the fix.
#   tests/fuzz/run-fuzz.sh [BUILD_DIR [SECONDS [TARGET…]]]
# SECONDS = 0 only sets up and builds the targets (tests/run-all.sh then runs the 'fuzz' suite).
set -uo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
shift 2 2>/dev/null || shift $#
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(idx safetensors theta image strokes)
cd "$(dirname "$0")/../.."
src=tests/fuzz

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzz=true -Dgui=disabled -Db_sanitize=address,undefined \
    -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link -Dbuildtype=debugoptimized >/dev/null \
    || { echo "run-fuzz: meson setup of $build failed"; exit 1; }
fi
for t in "${targets[@]}"; do
  meson compile -C "$build" "tests/fuzz/fuzz-$t" >/dev/null \
    || { echo "run-fuzz: building fuzz-$t failed"; exit 1; }
done

[ "$seconds" -gt 0 ] || exit 0

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
jobs=$(nproc 2>/dev/null || echo 1)
[ "$jobs" -le 2 ] || jobs=2
status=0
summary=()
for t in "${targets[@]}"; do
  exe="$build/tests/fuzz/fuzz-$t"
  new="$build/tests/fuzz/new-$t"
  log="$build/tests/fuzz/fuzz-$t.log"
  rm -rf "$new" && mkdir -p "$new" "$src/corpus/$t" "$src/regressions/$t"
  before=$(find "$src/corpus/$t" -type f | wc -l)
  # gdk-pixbuf's loaders reserve what a header claims (the BMP loader: 4 GiB for a header size
  # of 0xffffff00) without touching it; the RSS limit still applies to what is really used
  extra=()
  [ "$t" != image ] || extra=(-malloc_limit_mb=8192)
  echo "== fuzz-$t: $seconds s"
  # New inputs go to $new first; the corpus and the regressions are read-only seeds.
  "$exe" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 "${extra[@]}" \
    -print_final_stats=1 -artifact_prefix="$build/tests/fuzz/crash-$t-" \
    "$new" "$src/corpus/$t" "$src/regressions/$t" >"$log" 2>&1
  rc=$?
  # Keep only the new inputs that add coverage to what the corpus already has.
  "$exe" -merge=1 -max_len=65536 -timeout=10 -rss_limit_mb=2048 "${extra[@]}" "$src/corpus/$t" "$new" \
    >>"$log" 2>&1 || true
  after=$(find "$src/corpus/$t" -type f | wc -l)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | head -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  crashes=$(ls "$build/tests/fuzz/crash-$t-"* 2>/dev/null | wc -l)
  if [ $rc -ne 0 ]; then
    status=1
    grep -m3 -E 'ERROR: |SUMMARY: |runtime error' "$log" | sed 's/^/   /'
  fi
  summary+=("$(printf '%-12s %5ss  %10s execs  %-10s corpus %4d -> %4d  %s' "$t" "$seconds" \
    "${execs:-?}" "${cov:-cov: ?}" "$before" "$after" \
    "$([ $rc -eq 0 ] && echo ok || echo "FAILED (exit $rc, $crashes artifact(s), log $log)")")")
done

echo
echo "fuzz summary (target, time, executions, coverage, corpus files before -> after, result):"
printf '  %s\n' "${summary[@]}"
exit $status
