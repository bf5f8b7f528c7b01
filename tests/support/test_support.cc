#include "tests/support/test_support.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <sys/stat.h>

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

uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

namespace {
uint32_t step(uint32_t x) {
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}
}  // namespace

std::vector<uint8_t> generate_int_input(int k, int i, size_t count, int elem_bytes) {
  std::vector<uint8_t> out(count * elem_bytes);
  uint32_t x = fmix32(static_cast<uint32_t>(k + 1) + 65536u * static_cast<uint32_t>(i));
  for (size_t n = 0; n < count; ++n) {
    x = step(x);
    if (elem_bytes == 1) {
      out[n] = static_cast<uint8_t>(x >> 24);
    } else {
      uint16_t v = static_cast<uint16_t>(x >> 16);
      out[2 * n] = static_cast<uint8_t>(v & 0xff);
      out[2 * n + 1] = static_cast<uint8_t>(v >> 8);
    }
  }
  return out;
}

std::vector<float> generate_float_input(int k, int i, size_t count, double lo, double hi) {
  std::vector<float> out(count);
  uint32_t x = fmix32(static_cast<uint32_t>(k + 1) + 65536u * static_cast<uint32_t>(i));
  for (size_t n = 0; n < count; ++n) {
    x = step(x);
    out[n] = static_cast<float>(lo + (hi - lo) * (static_cast<double>(x >> 8) / 16777216.0));
  }
  return out;
}

}  // namespace mote::testing
