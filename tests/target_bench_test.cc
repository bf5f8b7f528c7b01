// host/target_bench.h's parser of the example firmware's console output, without QEMU: the
// lines bench_main.cc prints, outputs of any size, and malformed lines.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "host/target_bench.h"

namespace {

using mote::host::FirmwareOutput;
using mote::host::parse_firmware_output;

TEST(FirmwareOutputParser, ReadsEveryLineBenchMainPrints) {
  const FirmwareOutput f = parse_firmware_output(
      "booting\nmote: arena_bytes 22696\nmote: output 1 ff00\nmote: output 0 0a7f80 \r\nmote: stack_bytes 3540\nmote: ok\n");
  EXPECT_TRUE(f.ok);
  EXPECT_TRUE(f.error.empty());
  EXPECT_EQ(f.arena_bytes, 22696u);
  EXPECT_EQ(f.stack_bytes, 3540u);
  ASSERT_EQ(f.outputs.size(), 2u);
  EXPECT_EQ(f.outputs[0], (std::vector<uint8_t>{0x0a, 0x7f, 0x80}));
  EXPECT_EQ(f.outputs[1], (std::vector<uint8_t>{0xff, 0x00}));

  const FirmwareOutput e = parse_firmware_output("mote: error op 3 (CONV_2D): arena too small\nmote: error later\n");
  EXPECT_FALSE(e.ok);
  EXPECT_EQ(e.error, "mote: error op 3 (CONV_2D): arena too small");
}

// A 1 MB output (2 MB of hex on one line): parsed without deep recursion (the ASan build of the
// firmware tests overflowed the stack on a 64 KB int16 output when this used std::regex).
TEST(FirmwareOutputParser, HugeOutputLine) {
  std::string hex;
  std::vector<uint8_t> want;
  for (int i = 0; i < (1 << 20); ++i) {
    const uint8_t b = static_cast<uint8_t>(i * 37 + 11);
    want.push_back(b);
    const char* digits = "0123456789abcdef";
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  const FirmwareOutput f = parse_firmware_output("mote: output 0 " + hex + "\nmote: ok\n");
  ASSERT_EQ(f.outputs.size(), 1u);
  EXPECT_EQ(f.outputs[0], want);
}

TEST(FirmwareOutputParser, MalformedOutputLinesAreSkipped) {
  const FirmwareOutput f = parse_firmware_output(
      "mote: output 0 abc\n"     // odd length
      "mote: output 1 zz\n"      // not hex
      "mote: output 2 AB\n"      // uppercase: bench_main prints lowercase
      "mote: output x 00\n"      // no index
      "mote: output 3\n"         // no bytes
      "mote: output 4 \n");      // empty output: zero bytes
  ASSERT_EQ(f.outputs.size(), 5u);
  for (int j = 0; j < 4; ++j) EXPECT_TRUE(f.outputs[static_cast<size_t>(j)].empty()) << j;
  EXPECT_FALSE(f.ok);
}

}  // namespace
