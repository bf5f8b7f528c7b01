#!/usr/bin/env bash
# Freestanding checks for the mote runtime:
#   1. cross-build the runtime for Cortex-M4F (arm-none-eabi-g++, -Wall -Wextra -Werror);
#   2. link a tiny firmware (scripts/freestanding/min_firmware.cc: model in flash, all ops,
#      prepare + invoke) with no C runtime startup, and fail if the image contains heap,
#      exception or RTTI machinery (malloc/free/new/delete/__cxa_throw/personality/typeinfo);
#   3. fail if the runtime library has mutable globals (.data/.bss) or static-init guards;
#   4. compile every runtime source for the host with -ffreestanding -nostdinc++ (C headers only).
#
#   scripts/check_freestanding.sh [arm build dir]     (default: build/cortex-m4f, the preset's)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/cortex-m4f}
mkdir -p "$build"
build=$(cd "$build" && pwd)
fail=0

echo "== 1. Cortex-M4F runtime build ($build)"
cmake -S "$root" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/arm-none-eabi.cmake" \
  -DCMAKE_BUILD_TYPE=MinSizeRel -DMOTE_DEVICE_ONLY=ON > "$build/configure.log"
cmake --build "$build" -j2 --target mote_runtime
lib=$build/runtime/libmote_runtime.a

echo "== 2. link a minimal firmware and inspect its symbols"
cpu=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
arm-none-eabi-g++ "${cpu[@]}" -std=c++17 -Os -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics \
  -ffunction-sections -fdata-sections -Wall -Wextra -Werror -I "$root" \
  -c "$root/scripts/freestanding/min_firmware.cc" -o "$build/min_firmware.o"
arm-none-eabi-g++ "${cpu[@]}" --specs=nosys.specs -nostartfiles -T "$root/scripts/freestanding/min_firmware.ld" \
  -Wl,--gc-sections -Wl,-Map="$build/min_firmware.map" "$build/min_firmware.o" "$lib" -lm -o "$build/min_firmware.elf"
arm-none-eabi-size "$build/min_firmware.elf"
banned='^(malloc|free|calloc|realloc|_malloc_r|_free_r|_calloc_r|_realloc_r|_sbrk|_sbrk_r|_Zn[wa][jm].*|_Zd[la]Pv.*|__cxa_throw|__cxa_allocate_exception|__cxa_begin_catch|__cxa_rethrow|__gxx_personality.*|__cxa_guard_acquire|__cxa_pure_virtual|_Unwind_Resume|_ZTI.*|_ZTS.*|_ZTV.*|abort)$'
found=$(arm-none-eabi-nm "$build/min_firmware.elf" | awk '{print $NF}' | grep -E "$banned" || true)
if [ -n "$found" ]; then
  echo "FAIL: the firmware image contains forbidden symbols:"
  echo "$found" | sed 's/^/  /'
  echo "  (who pulls them in: see $build/min_firmware.map)"
  fail=1
else
  echo "ok: no malloc/free/new/delete/exception/RTTI symbols in the image"
fi
found=$(arm-none-eabi-nm -u "$lib" 2>/dev/null | awk '{print $NF}' | grep -E "$banned" | sort -u || true)
if [ -n "$found" ]; then
  echo "FAIL: libmote_runtime.a references forbidden symbols:"
  echo "$found" | sed 's/^/  /'
  fail=1
fi
defined=$(arm-none-eabi-nm --defined-only "$lib" | awk 'NF == 3 {print $3}' | sort -u)
externals=$(comm -23 <(arm-none-eabi-nm -u "$lib" | awk 'NF == 2 {print $2}' | sort -u) <(echo "$defined"))
echo "the runtime needs from outside: $(echo "$externals" | tr '\n' ' ')"

echo "== 3. no mutable globals in the runtime"
globals=$(arm-none-eabi-nm -C "$lib" | grep -E '^[0-9a-f]+ [bBdD] ' || true)
if [ -n "$globals" ]; then
  echo "FAIL: the runtime has mutable global state (.data/.bss):"
  arm-none-eabi-nm -A -C "$lib" | grep -E ' [bBdD] ' | sed 's/^/  /'
  fail=1
else
  echo "ok: no .data/.bss symbols in libmote_runtime.a"
fi

echo "== 4. host -ffreestanding -nostdinc++ compile of every runtime source"
n=0
for f in "$root"/runtime/*.cc "$root"/runtime/kernels/*.cc "$root"/runtime/ops/*.cc; do
  [ -e "$f" ] || continue
  if ! g++ -std=c++17 -ffreestanding -nostdinc++ -fno-exceptions -fno-rtti -Wall -Wextra -Werror -Wshadow \
      -Wno-missing-field-initializers -fsyntax-only -I "$root" "$f"; then
    echo "FAIL: ${f#"$root"/} does not compile freestanding without C++ headers"
    fail=1
  fi
  n=$((n + 1))
done
echo "checked $n sources"

if [ "$fail" -ne 0 ]; then
  echo "check_freestanding: FAILED"
  exit 1
fi
echo "check_freestanding: all checks passed"
