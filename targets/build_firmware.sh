#!/usr/bin/env bash
# Builds the example firmware (targets/common/bench_main.cc) for one model and one target.
#
#   targets/build_firmware.sh TARGET MODEL OUTDIR [INPUT...]
#
#   TARGET  cortex-m4   Cortex-M4F, QEMU -M mps2-an386
#           cortex-m7   Cortex-M7,  QEMU -M mps2-an500
#           cortex-m55  Cortex-M55 with Helium, QEMU -M mps3-an547
#           riscv32     RV32IMAC (ESP32-C3 class), picolibc, QEMU -M virt -bios none
#   MODEL   a .tflite file
#   OUTDIR  created if missing; receives
#             gen/            mote export output (app_model.h/.cc, app_model_settings.h, model_input.h)
#             obj/            object files
#             firmware.elf    the image      firmware.map  the linker map
#             qemu.txt        the QEMU command line that runs it (one line)
#   INPUT   one .bin or .npy per model input (as for `mote run`), embedded in the image.
#           Required: the firmware runs exactly these bytes.
#
# Prints the path of firmware.elf as the only line on stdout (progress and sizes go to stderr).
# Exit status: 0 built; 1 build failed (compiler/exporter message on stderr); 2 usage error or a
# missing tool (the message names the Debian package to install).
#
# Run the result:
#   $(cat OUTDIR/qemu.txt)      e.g. qemu-system-arm -M mps2-an386 -nographic
#                               -semihosting-config enable=on,target=native -kernel OUTDIR/firmware.elf
# It prints `mote: arena_bytes N`, `mote: output <j> <hex>`, `mote: ok` (see bench_main.cc) and
# QEMU exits with the firmware's status.
#
# Environment:
#   MOTE_CLI        the mote command (default: build/host/cli/mote, build/*/cli/mote, or mote on PATH)
#   MOTE_FW_CACHE   where the runtime library is built once per target and options
#                   (default: build/firmware beside this checkout's other build trees)
#   MOTE_FW_OPT     optimization flags for runtime and application (default: the target's, see
#                   target_config: -O2, plus -fno-tree-vectorize on cortex-m55)
#   MOTE_FW_CMAKE_ARGS  extra CMake arguments for the runtime (e.g. -DMOTE_STRIP_ERROR_STRINGS=ON)
#
# Rebuilds are incremental: the runtime library is a CMake build (locked, so concurrent callers
# share it), and the application is only recompiled when the exported files, the board sources
# or the flags changed.
#
# Adding a target: add a case to target_config below that sets
#   CC CXX            compilers (the C driver links: no libstdc++ is needed)
#   CPU               flags for every compile and the link (array)
#   TOOLCHAIN         CMake toolchain file for the runtime library
#   BOARD_SRCS        the board's sources (.c/.S/.cc): startup, console, exit, markers (array)
#   LDFLAGS           link flags: linker script, specs, libraries (array; objects come first,
#                     then the runtime library, then these)
#   QEMU              the command that runs firmware.elf (array; the ELF path is appended)
#   OPT               default optimization flags (MOTE_FW_OPT overrides them)
#   NM SIZE           binutils for the symbol check and the size report
#   PKG_CC PKG_QEMU   the Debian packages that provide the compiler and the emulator
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
die() {
  echo "build_firmware: $*" >&2
  exit "${2:-1}"
}

[ $# -ge 3 ] || usage
target=$1
model=$2
outdir=$3
shift 3
inputs=("$@")

target_config() {
  # -O2 everywhere: the kernels' 32-bit inner loops (runtime/kernels/dot_s8.h) rely on inlining and
  # unrolling that -Os does not do (pretrainedResnet_quant on the M4: 49.0 M instructions at -O2,
  # 122 M at -Os). See docs/targets.md for the measurements.
  OPT=-O2
  case "$1" in
    cortex-m4 | cortex-m7 | cortex-m55)
      CC=arm-none-eabi-gcc
      CXX=arm-none-eabi-g++
      NM=arm-none-eabi-nm
      SIZE=arm-none-eabi-size
      PKG_CC="gcc-arm-none-eabi libnewlib-arm-none-eabi"
      PKG_QEMU=qemu-system-arm
      TOOLCHAIN=$root/targets/cortex-m/toolchain.cmake
      BOARD_SRCS=("$root/targets/cortex-m/startup.c" "$root/targets/cortex-m/board_semihost.c"
        "$root/targets/cortex-m/markers.S")
      local machine ld
      case "$1" in
        cortex-m4)
          CPU=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
          machine=mps2-an386 ld=mps2-an386.ld ;;
        cortex-m7)
          CPU=(-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16)
          machine=mps2-an500 ld=mps2-an500.ld ;;
        cortex-m55)
          CPU=(-mcpu=cortex-m55 -mthumb -mfloat-abi=hard)
          # GCC 12's -O2 vectorizer turns the scalar int8 loops into MVE code that shuffles
          # through the stack: 61 % more instructions on pretrainedResnet_quant (74.3 M vs 46.1 M).
          OPT="-O2 -fno-tree-vectorize"
          machine=mps3-an547 ld=mps3-an547.ld ;;
      esac
      LDFLAGS=(-nostartfiles --specs=nano.specs -L "$root/targets/cortex-m" -T "$ld"
        -Wl,--gc-sections -Wl,--no-warn-rwx-segments -lm -lc -lgcc)
      QEMU=(qemu-system-arm -M "$machine" -nographic -monitor none -serial none
        -semihosting-config enable=on,target=native -kernel)
      ;;
    riscv32)
      # picolibc supplies crt0 (stack, .data, .bss, main) and the semihosting OS layer; memory.ld
      # places "flash" and RAM in the virt machine's memory at 0x80000000.
      CC=riscv64-unknown-elf-gcc
      CXX=riscv64-unknown-elf-g++
      NM=riscv64-unknown-elf-nm
      SIZE=riscv64-unknown-elf-size
      PKG_CC="gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf"
      PKG_QEMU=qemu-system-misc
      TOOLCHAIN=$root/targets/riscv32/toolchain.cmake
      BOARD_SRCS=("$root/targets/riscv32/board.c" "$root/targets/riscv32/markers.S")
      CPU=(-march=rv32imac -mabi=ilp32 --specs=picolibc.specs)
      [ -f /usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs ] ||
        die "picolibc for riscv64-unknown-elf not found: install the Debian package picolibc-riscv64-unknown-elf" 2
      LDFLAGS=(--crt0=semihost --oslib=semihost -L "$root/targets/riscv32" -T memory.ld -Wl,--gc-sections -lm)
      QEMU=(qemu-system-riscv32 -M virt -bios none -m 8M -nographic -monitor none -serial none
        -semihosting-config enable=on,target=native -kernel)
      ;;
    *)
      die "unknown target '$1' (targets: cortex-m4, cortex-m7, cortex-m55, riscv32)" 2 ;;
  esac
}

target_config "$target"
opt=${MOTE_FW_OPT:-$OPT}
read -r -a opt_flags <<< "$opt"
read -r -a extra_cmake <<< "${MOTE_FW_CMAKE_ARGS:-}"

command -v "$CXX" > /dev/null || die "$CXX not found: install the Debian package(s) $PKG_CC" 2
[ -f "$model" ] || die "$model: no such model file" 2

mote=${MOTE_CLI:-}
if [ -z "$mote" ]; then
  for c in "$root"/build/host/cli/mote "$root"/build/*/cli/mote; do
    if [ -x "$c" ]; then mote=$c; break; fi
  done
fi
[ -n "$mote" ] || mote=$(command -v mote || true)
[ -n "$mote" ] && [ -x "$mote" ] || die "the mote command was not found: build it (cmake --build --preset host) or set MOTE_CLI" 2

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
# One build per OUTDIR at a time (parallel test runs may ask for the same firmware).
exec 8> "$outdir/.lock"
flock 8

# 1. The runtime library, once per target and flag set.
cache=${MOTE_FW_CACHE:-$root/build/firmware}
key=$(printf '%s\n' "$target" "$opt" "${extra_cmake[@]}" "${CPU[@]}" | sha256sum | cut -c1-12)
libdir=$cache/runtime-$target-$key
mkdir -p "$libdir"
(
  flock 9
  if [ ! -f "$libdir/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$libdir" -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" -DMOTE_DEVICE_ONLY=ON \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS="${CPU[*]}" -DCMAKE_CXX_FLAGS="${CPU[*]}" \
      -DCMAKE_C_FLAGS_RELEASE="$opt -DNDEBUG" -DCMAKE_CXX_FLAGS_RELEASE="$opt -DNDEBUG" \
      "${extra_cmake[@]}" > "$libdir/configure.log" 2>&1 ||
      { cat "$libdir/configure.log" >&2; exit 1; }
  fi
  cmake --build "$libdir" -j2 --target mote_runtime > "$libdir/build.log" 2>&1 || { cat "$libdir/build.log" >&2; exit 1; }
) 9> "$libdir.lock" || die "runtime library build failed for $target (log above)"
lib=$libdir/runtime/libmote_runtime.a

# 2. Export the model and its input. Files are replaced only when their content changes.
export_args=(export "$model" --name app -o "$outdir/gen.new")
for f in "${inputs[@]}"; do export_args+=(--input "$f"); done
rm -rf "$outdir/gen.new"
"$mote" "${export_args[@]}" > "$outdir/export.log" || die "mote export failed (message above)"
mkdir -p "$outdir/gen"
for f in "$outdir"/gen.new/*; do
  cmp -s "$f" "$outdir/gen/${f##*/}" || cp "$f" "$outdir/gen/${f##*/}"
done
rm -rf "$outdir/gen.new"
[ -f "$outdir/gen/model_input.h" ] || die "no INPUT files given: the firmware needs one input file per model input" 2

# 3. Compile and link the application, unless nothing it depends on changed.
app_srcs=("$root/targets/common/bench_main.cc" "$outdir/gen/app_model.cc" "${BOARD_SRCS[@]}")
common=("${CPU[@]}" "${opt_flags[@]}" -ffunction-sections -fdata-sections -Wall -Wextra -Werror -I "$root" -I "$outdir/gen")
cxxflags=(-std=c++17 -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit)
cflags=(-std=c11)
elf=$outdir/firmware.elf
stamp=$( {
  printf '%s\n' "$CC" "${common[@]}" "${cxxflags[@]}" "${LDFLAGS[@]}"
  cat "${app_srcs[@]}" "$outdir"/gen/*.h "$root"/targets/common/*.h "$lib"
  find "$(dirname "${BOARD_SRCS[0]}")" -type f -print0 | sort -z | xargs -0 cat
  cat "$root"/runtime/*.h
} | sha256sum | cut -c1-64)
if [ -f "$elf" ] && [ "$(cat "$outdir/.stamp" 2> /dev/null)" = "$stamp" ]; then
  echo "build_firmware: $elf is up to date" >&2
else
  rm -f "$elf" "$outdir/.stamp"
  mkdir -p "$outdir/obj"
  objs=()
  for src in "${app_srcs[@]}"; do
    obj=$outdir/obj/$(basename "$src").o
    case "$src" in
      *.cc) "$CXX" "${common[@]}" "${cxxflags[@]}" -c "$src" -o "$obj" ;;
      *.c | *.S) "$CC" "${common[@]}" "${cflags[@]}" -c "$src" -o "$obj" ;;
    esac
    objs+=("$obj")
  done
  "$CC" "${CPU[@]}" "${opt_flags[@]}" -Wl,-Map="$outdir/firmware.map" "${objs[@]}" "$lib" "${LDFLAGS[@]}" -o "$elf"
  # The runtime must never pull in the heap, exceptions or RTTI.
  banned='^(malloc|free|calloc|realloc|_malloc_r|_free_r|_sbrk|_sbrk_r|_Zn[wa][jm].*|_Zd[la]Pv.*|__cxa_throw|__cxa_allocate_exception|__gxx_personality.*|__cxa_guard_acquire|_Unwind_Resume|_ZTI.*|_ZTV.*)$'
  bad=$("$NM" "$elf" | awk '{print $NF}' | grep -E "$banned" || true)
  if [ -n "$bad" ]; then
    rm -f "$elf"
    die "the image links forbidden symbols (heap/exceptions/RTTI): $(echo "$bad" | tr '\n' ' ')(see $outdir/firmware.map)"
  fi
  echo "$stamp" > "$outdir/.stamp"
fi
printf '%s\n' "${QEMU[*]} $elf" > "$outdir/qemu.txt"
"$SIZE" "$elf" >&2
echo "$elf"
