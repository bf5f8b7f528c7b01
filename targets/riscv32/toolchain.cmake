# CMake toolchain for the mote runtime on RV32 (Debian's gcc-riscv64-unknown-elf + picolibc). The
# CPU flags (-march=rv32imac -mabi=ilp32 --specs=picolibc.specs) come from the caller:
# targets/build_firmware.sh passes them in CMAKE_C_FLAGS / CMAKE_CXX_FLAGS.
# Debian ships no C++ standard headers for this compiler; the runtime includes only C headers, so
# g++ compiles it as is, and firmware links with the gcc driver (no libstdc++).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_CXX_COMPILER riscv64-unknown-elf-g++)
set(CMAKE_ASM_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
