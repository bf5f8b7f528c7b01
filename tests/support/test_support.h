// Helpers shared by the tests: reading files, locating ../shared, the conformance input generator.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mote::testing {

// Directory of the read-only shared data (../shared beside the checkout); empty if absent.
std::string shared_dir();
// Reads a whole file; fails the current test (ADD_FAILURE) and returns {} on error.
std::vector<uint8_t> read_file(const std::string& path);
bool file_exists(const std::string& path);

// The conformance generator (../shared/conformance/README.md): murmur3 finaliser seed, xorshift32.
uint32_t fmix32(uint32_t h);
// `count` elements for sample k, input tensor i, for element size 1 (int8), 2 (int16).
std::vector<uint8_t> generate_int_input(int k, int i, size_t count, int elem_bytes);
std::vector<float> generate_float_input(int k, int i, size_t count, double lo, double hi);

}  // namespace mote::testing
