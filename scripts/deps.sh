# Sourced by scripts/test.sh and scripts/quickstart.sh: installs the Debian packages mote needs when
# any is missing (idempotent; apt-get update runs only when something must be installed).
#   ensure_packages pkg...
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing ${missing[*]}"
  local sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}"
}

# Build and host tools, plus the cross compilers and emulators the firmware tests use.
MOTE_BUILD_PACKAGES=(cmake make g++ libgtest-dev libcli11-dev nlohmann-json3-dev libyaml-cpp-dev zlib1g-dev libpng-dev)
MOTE_TEST_PACKAGES=(valgrind bc gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib
  binutils-arm-none-eabi qemu-system-arm qemu-system-misc gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
  dataset-fashion-mnist)
