# CMake toolchain for the mote runtime on Cortex-M (Debian's gcc-arm-none-eabi). The CPU flags
# (-mcpu=..., float ABI) come from the caller: targets/build_firmware.sh passes CMAKE_C_FLAGS /
# CMAKE_CXX_FLAGS for the chosen target, so one file serves M4F, M7 and M55.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
