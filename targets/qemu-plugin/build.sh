#!/usr/bin/env bash
# Builds the instruction-counting QEMU plugin: targets/qemu-plugin/build.sh OUT_DIR
# → OUT_DIR/libinsn_count.so (rebuilt only when a source is newer). Needs only a host C compiler
# (cc): the plugin API declarations are in qemu_plugin_api.h, QEMU resolves them at load time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT_DIR}
mkdir -p "$out"
so=$out/libinsn_count.so
if [ -f "$so" ] && [ "$so" -nt "$here/insn_count.c" ] && [ "$so" -nt "$here/qemu_plugin_api.h" ] &&
  [ "$so" -nt "$here/insn_markers.h" ]; then
  echo "$so"
  exit 0
fi
${CC:-cc} -std=c11 -O2 -fPIC -shared -fvisibility=hidden -Wall -Wextra -Werror \
  -o "$so.tmp" "$here/insn_count.c"
mv "$so.tmp" "$so"
echo "$so"
