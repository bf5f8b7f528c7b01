#include "tests/support/test_support.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "host/inputs.h"

namespace mote::testing {

std::string shared_dir() {
  const char* env = std::getenv("MOTE_SHARED_DIR");
  std::string dir = env ? env : MOTE_SHARED_DIR;
  struct stat st;
  if (stat((dir + "/conformance").c_str(), &st) != 0) return {};
  return dir;
}

bool file_exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    ADD_FAILURE() << "cannot open " << path;
    return {};
  }
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

// The generator itself lives in the host library (host/inputs.h); these wrappers keep the test API.
uint32_t fmix32(uint32_t h) { return mote::host::fmix32(h); }

std::vector<uint8_t> generate_int_input(int k, int i, size_t count, int elem_bytes) {
  return mote::host::generate_input(elem_bytes == 1 ? TensorType::kInt8 : TensorType::kInt16, count, k, i);
}

std::vector<float> generate_float_input(int k, int i, size_t count, double lo, double hi) {
  std::vector<uint8_t> bytes = mote::host::generate_input(TensorType::kFloat32, count, k, i, {lo, hi});
  std::vector<float> out(count);
  if (count) std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

}  // namespace mote::testing
