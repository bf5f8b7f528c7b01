#!/usr/bin/env bash
# Where a firmware's instructions go: runs a firmware built by targets/build_firmware.sh under QEMU
# with the profiling plugin (targets/qemu-plugin/insn_profile.c) and prints the instructions
# executed between the markers (i.e. inside Interpreter::invoke) per function, largest first.
#
#   bench/fw_profile.sh OUTDIR [TOP]
#
#   OUTDIR  a build_firmware.sh output directory (firmware.elf, qemu.txt)
#   TOP     how many functions to print (default 15)
#
# Writes OUTDIR/profile.txt (one `<address> <count>` line per executed instruction address, then
# `total N`, N equal to insn_count's figure) and prints `count  share  function`. Kernels are
# inlined into their callers, so the hot function is usually a kernel's pixel loop; to see the
# instructions themselves, join profile.txt with `objdump -d OUTDIR/firmware.elf` by address.
# Example (docs/targets.md, "Where the instructions go"):
#   targets/build_firmware.sh cortex-m4 model.tflite out input_0_0.bin
#   bench/fw_profile.sh out
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: fw_profile.sh OUTDIR [TOP]}
top=${2:-15}
[ -f "$out/firmware.elf" ] && [ -f "$out/qemu.txt" ] || { echo "fw_profile: $out has no firmware.elf/qemu.txt (build it with targets/build_firmware.sh)" >&2; exit 2; }
plugin_dir=$root/build/qemu-plugin
mkdir -p "$plugin_dir"
so=$plugin_dir/libinsn_profile.so
src=$root/targets/qemu-plugin/insn_profile.c
if [ ! -f "$so" ] || [ "$src" -nt "$so" ] || [ "$root/targets/qemu-plugin/insn_markers.h" -nt "$so" ]; then
  ${CC:-cc} -std=c11 -O2 -fPIC -shared -fvisibility=hidden -Wall -Wextra -Werror -o "$so" "$src"
fi
case $(head -c 20 "$out/qemu.txt") in
  qemu-system-riscv*) nm=riscv64-unknown-elf-nm ;;
  *) nm=arm-none-eabi-nm ;;
esac
read -r -a qemu < "$out/qemu.txt"
"${qemu[@]}" -plugin "$so,out=$out/profile.txt" > "$out/profile.log" 2>&1 || { cat "$out/profile.log" >&2; exit 1; }
# Symbols (start, size, name) and the profile, both by address; attribute each address to the
# function that contains it.
"$nm" -C -n -S "$out/firmware.elf" | awk '$3 ~ /^[TtWw]$/ { $3 = ""; print }' > "$out/profile.syms"
awk -v top="$top" '
  function hex(s,   i, v, c) { v = 0; s = tolower(s); for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c } return v }
  NR == FNR { start[n] = hex($1); size[n] = hex($2); $1 = ""; $2 = ""; sub(/^ +/, ""); name[n++] = $0; next }
  $1 == "total" { total = $2; next }
  {
    a = hex($1)
    while (k + 1 < n && start[k + 1] <= a) k++
    f = (k < n && a >= start[k] && a < start[k] + size[k]) ? name[k] : "?"
    sum[f] += $2
  }
  END {
    printf "%14s  %6s  %s\n", "instructions", "share", "function (between the markers)"
    for (i = 0; i < top; i++) {
      best = ""; bv = -1
      for (f in sum) if (sum[f] > bv) { bv = sum[f]; best = f }
      if (bv <= 0) break
      printf "%14d  %5.1f%%  %s\n", bv, 100 * bv / total, substr(best, 1, 110)
      delete sum[best]
    }
    printf "%14d  100.0%%  total\n", total
  }' "$out/profile.syms" "$out/profile.txt"
