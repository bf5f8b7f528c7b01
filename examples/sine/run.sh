#!/bin/sh
# Trains the sine regressor, quantizes it to int8 and exports it as C++ sources.
#   examples/sine/run.sh [OUTDIR]        (default: out/sine; MOTE=path/to/mote to pick the binary)
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-out/sine}
mote=${MOTE:-$(command -v mote || echo "$here/../../build/host/cli/mote")}
"$mote" train "$here/spec.yaml" -o "$out" --quantize --threads 2
echo "report: $out/report.json, curve: $out/curve.svg"
