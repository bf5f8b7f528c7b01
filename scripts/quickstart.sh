#!/usr/bin/env bash
# Installs what mote needs to build (Debian packages), builds the host tools, and runs the main
# job on a bundled example: inspect a real keyword-spotting model, run it on a sample input and
# check the output against the reference bytes, then benchmark it; then train the bundled sine
# example, quantize it to int8 and compare the two models.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/deps.sh
ensure_packages "${MOTE_BUILD_PACKAGES[@]}"

echo "== building (build/host)"
cmake --preset host >/dev/null
cmake --build --preset host --target mote >/dev/null

mote=build/host/cli/mote
shared=${MOTE_SHARED_DIR:-../shared}
example=$shared/conformance/core/kws_ref_model
if [ ! -f "$example/model.tflite" ]; then
  echo "quickstart: example model $example/model.tflite not found (the shared conformance folder sits beside the checkout)" >&2
  exit 1
fi

echo "== mote inspect $example/model.tflite"
$mote inspect "$example/model.tflite"
echo "== mote run (sample 0) and compare with the reference output"
out=$(mktemp --suffix=.bin)
$mote run "$example/model.tflite" --input "$example/input_0_0.bin" --output "$out"
if cmp -s "$out" "$example/output_0_0.bin"; then echo "output matches the reference bytes"; else echo "output DIFFERS from the reference" >&2; exit 1; fi
rm -f "$out"
echo "== mote bench"
$mote bench "$example/model.tflite" --iterations 20

# The bundled sine example from data to an int8 model: train (a second), quantize, evaluate.
sine=build/quickstart/sine
echo "== mote train examples/sine/spec.yaml --quantize"
$mote train examples/sine/spec.yaml -o "$sine" --quantize
echo "== mote eval (float vs int8 on the spec's test split)"
$mote eval "$sine/model_float.tflite" "$sine/model_int8.tflite" --data examples/sine/spec.yaml
