#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz, built in build-fuzz/ (make fuzz-build).
#
#   scripts/fuzz.sh check [SECONDS]  each target over its committed corpus, then
#                                    SECONDS (default 10) of fuzzing; for `make test`
#   scripts/fuzz.sh run [SECONDS]    SECONDS (default 60) of fuzzing each target
#
# Targets run $JOBS at a time (default: the number of cores); FUZZ_TARGETS
# picks some. The committed corpus is only read: what a run finds goes to
# build-fuzz/corpus/<target>/ and is fuzzed from again next time; a crash is
# saved as build-fuzz/artifacts/<target>-crash-* and fails the run. Reproduce
# one with build-fuzz/fuzz/<target> FILE.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=build-fuzz
MODE=${1:-check}
case "$MODE" in
  check) SECONDS_EACH=${2:-10} ;;
  run) SECONDS_EACH=${2:-60} ;;
  *) echo "usage: $0 check|run [SECONDS]" >&2; exit 2 ;;
esac
JOBS=${JOBS:-$(nproc)}
if [ -n "${FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<< "$FUZZ_TARGETS"
else
  mapfile -t targets < <(find tests/fuzz/corpus -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
fi

# Scratch directories of the targets go here, so that a crash leaves none in /tmp.
export TMPDIR=$PWD/$BUILD/tmp
export LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1
for symbolizer in llvm-symbolizer-16 llvm-symbolizer; do
  if command -v "$symbolizer" >/dev/null; then
    ASAN_SYMBOLIZER_PATH=$(command -v "$symbolizer")
    export ASAN_SYMBOLIZER_PATH
    break
  fi
done
mkdir -p "$TMPDIR" "$BUILD/artifacts" "$BUILD/logs"
trap 'rm -rf "$TMPDIR"' EXIT

# One target: its corpus replayed (check only), then fuzzed. Prints one line.
fuzz_one() {
  local target=$1 bin=$BUILD/fuzz/$1 seeds=tests/fuzz/corpus/$1 found=$BUILD/corpus/$1
  local log=$BUILD/logs/$1.log dict=tests/fuzz/$1.dict
  local options=(-timeout=10 -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$target-")
  [ -f "$dict" ] && options+=(-dict="$dict")
  mkdir -p "$found"
  if [ "$MODE" = check ] && ! "$bin" "${options[@]}" -runs=0 "$seeds" >"$log" 2>&1; then
    printf '%-16s FAILED on its corpus (%s)\n' "$target" "$log"
    return 1
  fi
  # New inputs go to the first directory: the scratch one, never the repository's.
  if ! "$bin" "${options[@]}" -max_total_time="$SECONDS_EACH" "$found" "$seeds" >>"$log" 2>&1; then
    printf '%-16s FAILED while fuzzing (%s)\n' "$target" "$log"
    return 1
  fi
  local runs speed
  runs=$(awk '/stat::number_of_executed_units/ {n = $2} END {print n + 0}' "$log")
  speed=$(awk '/stat::average_exec_per_sec/ {n = $2} END {print n + 0}' "$log")
  printf '%-16s ok: %3d seeds, %8d runs in %ss (%d/s), %d inputs found so far\n' "$target" \
    "$(find "$seeds" -maxdepth 1 -type f | wc -l)" "$runs" "$SECONDS_EACH" "$speed" \
    "$(find "$found" -maxdepth 1 -type f | wc -l)"
}
export -f fuzz_one
export BUILD MODE SECONDS_EACH

failed=0
printf '%s\n' "${targets[@]}" | xargs -P "$JOBS" -I{} bash -c 'fuzz_one {}' || failed=1
if [ "$failed" -ne 0 ]; then
  for log in "$BUILD"/logs/*.log; do
    grep -qE 'invariant broken|ERROR: |SUMMARY: ' "$log" || continue
    echo "--- $log"
    grep -E -A12 'invariant broken|==ERROR|ERROR: libFuzzer' "$log" | head -40
  done
  exit 1
fi
