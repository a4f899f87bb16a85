#!/usr/bin/env bash
# make mutants: each tests/mutants/*.patch is a deliberate bug. Each is applied alone to a scratch
# copy of the working tree, built (one build folder reused, so a rebuild is incremental), and
# tested with the tests its "Tests:" line names; a mutant that every one of them passes SURVIVED.
# Prints one line a mutant, then a summary; exits 1 if any survived, and 2 (loudly) if a patch
# no longer applies or a mutant does not build. Usage: tests/mutants/run.sh [NAME...]
#   MUTANTS_DIR  the scratch folder (default build-mutants; the tree is copied to $MUTANTS_DIR/src)
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
scratch=${MUTANTS_DIR:-build-mutants}
case $scratch in /*) ;; *) scratch=$root/$scratch ;; esac
tree=$scratch/src
build=$scratch/build
logs=$scratch/logs

if [ $# -gt 0 ]; then
  patches=()
  for n in "$@"; do patches+=("tests/mutants/${n%.patch}.patch"); done
else
  patches=(tests/mutants/*.patch)
fi

# the scratch tree: the working tree's files (committed or not, not ignored). Only the files
# whose content differs are copied, with a fresh mtime, so that ninja rebuilds what changed since
# the last run (or what an interrupted run left patched) and nothing else.
mkdir -p "$tree" "$logs"
stage=$scratch/stage
rm -rf "$stage" && mkdir -p "$stage"
git ls-files -z --cached --others --exclude-standard | grep -zv '^tests/mutants/' \
  | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$stage"
(cd "$stage" && find . -type f -print0) | while IFS= read -r -d '' f; do
  if ! cmp -s "$stage/$f" "$tree/$f"; then
    mkdir -p "$(dirname "$tree/$f")" && cp "$stage/$f" "$tree/$f"
  fi
done
rm -rf "$stage"
# git apply in the scratch tree must not find this repository around it
export GIT_CEILING_DIRECTORIES=$scratch
# a test a mutant makes abort leaves its temporary files behind: here, not in /tmp
export TMPDIR=$scratch/tmp
# the tests look for MNIST beside the repository by default: the scratch tree has none
export DIGITPAD_MNIST_DIR=${DIGITPAD_MNIST_DIR:-$(cd "$root/.." && pwd)/shared/mnist}
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$tree" -Dgui=disabled >"$logs/setup.log" 2>&1 \
    || { echo "mutants: meson setup failed, see $logs/setup.log"; exit 2; }
fi

# test names (meson's) → the targets they need
targets_for () {
  for t in "$@"; do
    case $t in
      cli|cli-*) echo src/cli/digitpad-cli ;;
      fuzz-replay-*) echo "tests/fuzz/replay-${t#fuzz-replay-}" ;;
      *) echo "tests/test-$t" ;;
    esac
  done | sort -u
}

survived=() killed=() broken=()
t_all=$(date +%s)
for p in "${patches[@]}"; do
  name=$(basename "$p" .patch)
  tests=$(sed -n 's/^Tests: *//p' "$p" | head -n1)
  if [ ! -f "$p" ] || [ -z "$tests" ]; then
    echo "!! $name: no such patch, or no 'Tests:' line in it"; broken+=("$name"); continue
  fi
  if ! (cd "$tree" && git apply --check "$root/$p" 2>"$logs/$name.apply"); then
    echo "!! $name: THE PATCH NO LONGER APPLIES (regenerate it: tests/mutants/README.md)"
    sed 's/^/   /' "$logs/$name.apply"
    broken+=("$name"); continue
  fi
  t0=$(date +%s)
  (cd "$tree" && git apply "$root/$p")
  trap '(cd "$tree" && git apply -R "$root/$p")' EXIT  # interrupted: the tree goes back
  # shellcheck disable=SC2046
  if ! meson compile -C "$build" $(targets_for $tests) >"$logs/$name.build" 2>&1; then
    echo "!! $name: does not build, see $logs/$name.build"; broken+=("$name")
  else
    rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"
    # shellcheck disable=SC2086
    if meson test -C "$build" --no-rebuild --num-processes 2 $tests >"$logs/$name.test" 2>&1; then
      verdict=SURVIVED; survived+=("$name")
    else
      verdict=killed; killed+=("$name")
    fi
    cp "$build/meson-logs/testlog.txt" "$logs/$name.testlog" 2>/dev/null
    failing=$(sed -nE 's|^ *[0-9]+/[0-9]+ .* / ([^ ]+) +(FAIL\|TIMEOUT\|ERROR) .*|\1|p' \
              "$logs/$name.test" | paste -sd, -)
    printf '%-9s %-30s %4ss  tests: %s%s\n' "$verdict" "$name" $(($(date +%s) - t0)) "$tests" \
      "${failing:+  (failed: $failing)}"
    # the first failing check, for the record
    [ $verdict = killed ] && grep -m1 -E '^not ok|ERROR:|assertion failed' "$logs/$name.testlog" \
      | cut -c1-200 | sed 's/^/          /' 
  fi
  (cd "$tree" && git apply -R "$root/$p")
  trap - EXIT
done

echo "mutants: ${#killed[@]} killed, ${#survived[@]} survived, ${#broken[@]} broken," \
  "in $(($(date +%s) - t_all)) s (logs: $logs)"
[ ${#survived[@]} -eq 0 ] || echo "SURVIVED: ${survived[*]}"
[ ${#broken[@]} -eq 0 ] || { echo "BROKEN: ${broken[*]}"; exit 2; }
[ ${#survived[@]} -eq 0 ]
