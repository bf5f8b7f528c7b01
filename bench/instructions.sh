#!/usr/bin/env bash
# Instructions per invoke on the host, counted by valgrind's callgrind:
#   (I(11 invokes) - I(1 invoke)) / 10, input sample 0 of the conformance generator.
# Usage: bench/instructions.sh [BUILD_DIR] [SHARED_DIR]
# Prints a Markdown table: model, mote instructions/invoke, TFLM reference (from shared/anchors.md), ratio.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build/host}
shared=${2:-$here/../../shared}
loop=$build/bench/invoke_loop
command -v valgrind >/dev/null || { echo "bench: valgrind not installed (apt-get install valgrind)" >&2; exit 1; }
[ -x "$loop" ] || { echo "bench: $loop not built (cmake --build $build --target invoke_loop)" >&2; exit 1; }
[ -d "$shared/conformance/core" ] || { echo "bench: $shared/conformance/core not found" >&2; exit 1; }

count() {  # model n [lo hi] -> total instructions
  local out
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" "$loop" "$@" >/dev/null 2>&1
  callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}'
  rm -f "$out"
}

anchor() {  # model name -> TFLM reference instructions / invoke from anchors.md
  awk -F'|' -v m="$1" '$2 ~ "^ *"m"( |$)" && NF > 5 {gsub(/[ ,]/, "", $5); print $5; exit}' "$shared/anchors.md"
}

echo "| model | mote instructions / invoke | TFLM reference | mote / TFLM |"
echo "| --- | ---: | ---: | ---: |"
for spec in "hello_world_int8" "hello_world_float 0 6.283185307179586" "micro_speech_quantized" "person_detect" \
            "kws_ref_model" "pretrainedResnet_quant" "pretrainedResnet 0 255" "ad01_int8" "ad01_fp32 -84.85 14.86"; do
  set -- $spec
  name=$1; shift
  model=$shared/conformance/core/$name/model.tflite
  i1=$(count "$model" 1 "$@")
  i11=$(count "$model" 11 "$@")
  per=$(( (i11 - i1) / 10 ))
  ref=$(anchor "$name")
  ref_n=$(echo "$ref" | sed -E 's/([0-9.]+)M/\1*1000000/' | bc 2>/dev/null | cut -d. -f1)
  ratio=$( [ -n "$ref_n" ] && [ "$ref_n" != 0 ] && echo "scale=3; $per / $ref_n" | bc || echo "-")
  printf '| %s | %s | %s | %s |\n' "$name" "$per" "${ref:--}" "$ratio"
done
