#!/usr/bin/env bash
# Firmware figures under QEMU for the MLPerf Tiny int8 models and person_detect, next to the
# TensorFlow Lite Micro anchors (../shared/anchors.md, same QEMU machines and the same marker-based
# instruction counter):
#
#   bench/firmware_table.sh [MOTE] [SHARED_DIR]
#
#   MOTE        the mote command (default: build/host/cli/mote, else the first build/*/cli/mote)
#   SHARED_DIR  default ../shared beside the checkout
#   MOTE_FW_TARGETS  targets to measure (default "cortex-m4 cortex-m7 cortex-m55 riscv32")
#   MOTE_FW_MODELS   models (default "hello_world_int8 ad01_int8 kws_ref_model person_detect
#                    pretrainedResnet_quant")
#
# For each target and model it runs `mote bench MODEL --target T --json` (generated input sample 0,
# i.e. the golden input_0_*.bin) and prints one Markdown table per target:
#   instructions per inference (exact: counted between the markers around Interpreter::invoke),
#   the TFLM reference-kernel count and mote / TFLM, the TFLM + CMSIS-NN count where measured,
#   arena bytes, code bytes (flash minus the model: runtime + kernels + startup, board, C library),
#   of which runtime and kernel code, RAM (.data + .bss with the arena + the stack reservation),
#   and whether the firmware's output bytes equal the host run.
# Needs the packages of docs/targets.md (gcc-arm-none-eabi, libnewlib-arm-none-eabi,
# qemu-system-arm, gcc-riscv64-unknown-elf, picolibc-riscv64-unknown-elf, qemu-system-misc).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
mote=${1:-}
shared=${2:-$root/../shared}
if [ -z "$mote" ]; then
  for c in "$root"/build/host/cli/mote "$root"/build/*/cli/mote; do
    if [ -x "$c" ]; then mote=$c; break; fi
  done
fi
[ -n "$mote" ] && [ -x "$mote" ] || { echo "firmware_table: the mote command was not found (cmake --build --preset host)" >&2; exit 1; }
[ -d "$shared/conformance/core" ] || { echo "firmware_table: $shared/conformance/core not found" >&2; exit 1; }
targets=${MOTE_FW_TARGETS:-cortex-m4 cortex-m7 cortex-m55 riscv32}
models=${MOTE_FW_MODELS:-hello_world_int8 ad01_int8 kws_ref_model person_detect pretrainedResnet_quant}

# anchor SECTION_WORD MODEL COLUMN -> the cell of MODEL's row (column numbers as awk -F'|' counts
# them: 2 = model) in the first table after the "## ..." heading that contains SECTION_WORD.
anchor() {
  awk -F'|' -v sec="$1" -v m="$2" -v col="$3" '
    /^## / { on = index($0, sec) > 0 }
    on && $2 ~ "^ *"m" *$" { v = $col; gsub(/^ +| +$/, "", v); print v; exit }' "$shared/anchors.md"
}

# json KEY FILE -> the integer or boolean after "KEY": (first occurrence)
json() { sed -n "s/.*\"$1\": \\([0-9a-z]*\\).*/\\1/p" "$2" | head -n 1; }

num() { echo "$1" | tr -d ','; }
group() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }
ratio() {
  local a b
  a=$(num "$1")
  b=$(num "$2")
  if [[ "$a" =~ ^[0-9]+$ ]] && [[ "$b" =~ ^[0-9]+$ ]] && [ "$b" -gt 0 ]; then
    # rounded to two decimals (bc alone would truncate: 0.456 must read 0.46)
    printf '%.2f\n' "$(echo "scale=6; $a / $b" | bc)"
  else
    echo "—"
  fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for target in $targets; do
  case $target in
    cortex-m4) sec="Cortex-M4F under QEMU" ref_col=3 cmsis_col=4 label="Cortex-M4F (mps2-an386)" sizes=1 ;;
    cortex-m7) sec="RISC-V, Cortex-M55" ref_col=6 cmsis_col=7 label="Cortex-M7 (mps2-an500)" sizes=0 ;;
    cortex-m55) sec="RISC-V, Cortex-M55" ref_col=4 cmsis_col=5 label="Cortex-M55 (mps3-an547)" sizes=0 ;;
    riscv32) sec="RISC-V, Cortex-M55" ref_col=3 cmsis_col=0 label="RV32IMAC (virt)" sizes=0 ;;
    *) echo "firmware_table: unknown target $target" >&2; exit 1 ;;
  esac
  echo
  echo "### $label"
  echo
  echo "| model | mote instr / inference | TFLM ref | mote / ref | TFLM + CMSIS-NN | arena (TFLM ref) | code: total (runtime + kernels) (TFLM ref) | RAM | output = host |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |"
  for model in $models; do
    out=$tmp/$target-$model.json
    if ! "$mote" bench "$shared/conformance/core/$model/model.tflite" --target "$target" --json > "$out" 2> "$tmp/err"; then
      printf '| %s | failed: %s | | | | | | | |\n' "$model" "$(tr '\n' ' ' < "$tmp/err")"
      continue
    fi
    instr=$(json instructions_per_inference "$out")
    arena=$(json arena_bytes "$out")
    flash=$(json flash_bytes "$out")
    model_data=$(json model_data "$out")
    runtime=$(json runtime_code "$out")
    kernels=$(json kernel_code "$out")
    ram=$(json ram_bytes "$out")
    same=$(json output_matches_host "$out")
    ref=$(anchor "$sec" "$model" "$ref_col")
    cmsis=$( [ "$cmsis_col" -gt 0 ] && anchor "$sec" "$model" "$cmsis_col" || true)
    code=$((flash - model_data))
    tflm_arena="" tflm_code=""
    if [ "$sizes" = 1 ]; then  # the M4 anchors give "ref / CMSIS-NN" arena and code bytes
      tflm_arena=" ($(anchor "$sec" "$model" 6 | sed 's| */.*||'))"
      tflm_code=" ($(anchor "$sec" "$model" 7 | sed 's| */.*||'))"
    fi
    printf '| %s | %s | %s | %s | %s | %s%s | %s (%s + %s)%s | %s | %s |\n' "$model" "$(group "$instr")" "${ref:-—}" \
      "$(ratio "$instr" "${ref:-}")" "${cmsis:-—}" "$(group "$arena")" "$tflm_arena" "$(group "$code")" "$(group "$runtime")" \
      "$(group "$kernels")" "$tflm_code" "$(group "$ram")" "$([ "$same" = true ] && echo yes || echo NO)"
  done
done
