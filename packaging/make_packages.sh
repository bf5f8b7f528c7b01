#!/usr/bin/env bash
# Assembles drop-in packages of the mote runtime:
#   packaging/make_packages.sh [OUT_DIR]          (default: build/packages)
#
#   OUT_DIR/esp-idf/mote/     ESP-IDF component: CMakeLists.txt (idf_component_register with every
#                             runtime source), idf_component.yml, runtime/. Copy it into a project's
#                             components/ folder.
#   OUT_DIR/arduino/mote/     Arduino library: library.properties, src/mote.h, src/runtime/ with the
#                             sources renamed .cc -> .cpp (Arduino IDE 1.x compiles only .c/.cpp/.S).
#                             Zip it for Sketch > Include Library > Add .ZIP Library, or copy it into
#                             ~/Arduino/libraries/.
#   OUT_DIR/platformio/mote/  PlatformIO library: library.json, src/mote.h, src/runtime/. Use it with
#                             `lib_deps = symlink:///path/to/OUT_DIR/platformio/mote` or copy it into
#                             the project's lib/ folder.
#
# Only runtime/ goes in (headers, .inc tables, sources): no host code, no tests. The output is
# deterministic (same files, same bytes) for a given checkout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out=${1:-$root/build/packages}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# copy_runtime DEST CC_EXT: runtime/{,kernels/,ops/}{*.h,*.inc,*.cc} into DEST/runtime/, sources
# with extension CC_EXT.
copy_runtime() {
  local dest=$1 ext=$2 dir f base
  rm -rf "$dest/runtime"
  for dir in runtime runtime/kernels runtime/ops; do
    mkdir -p "$dest/$dir"
    for f in "$root/$dir"/*.h "$root/$dir"/*.inc "$root/$dir"/*.cc; do
      [ -e "$f" ] || continue
      base=$(basename "$f")
      case $base in *.cc) base=${base%.cc}.$ext ;; esac
      cp "$f" "$dest/$dir/$base"
    done
  done
}

idf=$out/esp-idf/mote
mkdir -p "$idf"
cp "$here/esp-idf/mote/CMakeLists.txt" "$here/esp-idf/mote/idf_component.yml" "$idf/"
copy_runtime "$idf" cc

ard=$out/arduino/mote
mkdir -p "$ard/src"
cp "$here/arduino/library.properties" "$ard/"
cp "$here/arduino/mote.h" "$ard/src/"
copy_runtime "$ard/src" cpp

pio=$out/platformio/mote
mkdir -p "$pio/src"
cp "$here/platformio/library.json" "$pio/"
cp "$here/arduino/mote.h" "$pio/src/"
copy_runtime "$pio/src" cc

echo "packages in $out: esp-idf/mote arduino/mote platformio/mote"
