#!/usr/bin/env bash
# Runs the model fuzzer for a while from a fresh seed corpus.
#
#   fuzz/run_fuzz.sh <fuzz build dir> <seconds> [extra libFuzzer flags...]
#
# Seeds: every conformance model up to 64 KiB from ../shared (copied at run time, never committed;
# MOTE_SHARED_DIR overrides the location) plus the builder-made single-op models from make_seeds.
# New interesting inputs go to <build>/fuzz-corpus; crashes to <build>/fuzz-artifacts/. Exits
# non-zero when the fuzzer finds a crash, a sanitizer report, a timeout or a leak.
set -euo pipefail
build=$(cd "$1" && pwd)
seconds=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${MOTE_SHARED_DIR:-$root/../shared}

seeds=$build/fuzz-seeds
corpus=$build/fuzz-corpus
artifacts=$build/fuzz-artifacts
rm -rf "$seeds"
mkdir -p "$seeds" "$corpus" "$artifacts"

if [ -d "$shared/conformance" ]; then
  while IFS= read -r f; do
    rel=${f#"$shared"/conformance/}
    cp "$f" "$seeds/$(echo "${rel%/model.tflite}" | tr '/' '_').tflite"
  done < <(find "$shared/conformance" -name model.tflite -size -65k | sort)
else
  echo "run_fuzz: $shared/conformance absent; seeding from builder models only"
fi
"$build/fuzz/make_seeds" "$seeds" | tail -n 1
echo "run_fuzz: $(ls "$seeds" | wc -l) seeds, $(ls "$corpus" | wc -l) corpus files, ${seconds}s"

# -timeout: one input taking longer is a finding; -rss_limit_mb keeps a runaway allocation visible.
exec "$build/fuzz/model_fuzzer" "$corpus" "$seeds" \
  -max_total_time="$seconds" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 "$@"
