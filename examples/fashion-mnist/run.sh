#!/bin/sh
# Trains the Fashion-MNIST CNN, quantizes it to int8 and exports it as C++ sources.
#   examples/fashion-mnist/run.sh [OUTDIR]   (default: out/fashion-mnist; MOTE=path/to/mote to pick the binary)
# Needs Debian's dataset-fashion-mnist package (/usr/share/datasets/fashion-mnist).
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-out/fashion-mnist}
mote=${MOTE:-$(command -v mote || echo "$here/../../build/host/cli/mote")}
"$mote" train "$here/spec.yaml" -o "$out" --quantize --threads 2
echo "report: $out/report.json, curve: $out/curve.svg"
