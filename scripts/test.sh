#!/usr/bin/env bash
# Builds mote and runs its tests with CTest.
#
#   scripts/test.sh              host preset: runtime, CLI, every GoogleTest binary (build/host)
#   scripts/test.sh host-asan    the same under AddressSanitizer + UBSan (build/asan)
#   scripts/test.sh <preset> <ctest args...>   e.g. scripts/test.sh host -R Robustness
#
# Conformance tests read ../shared beside the checkout (MOTE_SHARED_DIR overrides); without it
# they are skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
# The firmware tests need the Arm and RISC-V cross compilers and QEMU: install what is missing.
. scripts/deps.sh
ensure_packages "${MOTE_BUILD_PACKAGES[@]}" "${MOTE_TEST_PACKAGES[@]}"
preset=${1:-host}
[ $# -gt 0 ] && shift
cmake --preset "$preset" > /dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" -j2 "$@"
