// NumPy .npy reading and writing (host/npy.h): byte-exact agreement with files NumPy writes, round
// trips for every dtype, and a clear error — never a crash — for every malformed or truncated file.
#include "host/npy.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "host/error.h"
#include "host/files.h"

namespace {

using mote::host::HostError;
using mote::host::NpyArray;
using mote::host::NpyDtype;

std::vector<uint8_t> bytes_of(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

// A version 1.0 file exactly as NumPy 1.24 writes it: header padded with spaces so that the data
// starts at byte 128 (header length 118 = 0x76), ended by '\n'.
std::vector<uint8_t> numpy_file(const std::string& dict, const std::vector<uint8_t>& data) {
  std::string header = dict;
  header.resize(117, ' ');
  header += '\n';
  std::vector<uint8_t> out = bytes_of(std::string("\x93NUMPY\x01\x00\x76\x00", 10));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// Builds a file with an arbitrary version and header text (the header is used as given).
std::vector<uint8_t> raw_file(int major, const std::string& header, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out = bytes_of(std::string("\x93NUMPY", 6));
  out.push_back(static_cast<uint8_t>(major));
  out.push_back(0);
  const uint32_t n = static_cast<uint32_t>(header.size());
  const int len_bytes = major == 1 ? 2 : 4;
  for (int i = 0; i < len_bytes; ++i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

NpyArray parse(const std::vector<uint8_t>& b) { return mote::host::parse_npy(b.data(), b.size(), "t.npy"); }

// Expects parse to throw a HostError whose message names the file and contains `part`.
void expect_error(const std::vector<uint8_t>& b, const std::string& part) {
  try {
    parse(b);
    ADD_FAILURE() << "no error; expected one containing \"" << part << "\"";
  } catch (const HostError& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.rfind("t.npy: ", 0), 0u) << msg;
    EXPECT_NE(msg.find(part), std::string::npos) << "message: " << msg << "\nexpected to contain: " << part;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "message must be one line: " << msg;
  }
}

const std::vector<uint8_t> kI16Data = {0x01, 0x00, 0xfe, 0xff, 0x03, 0x00, 0x04, 0x00, 0x05, 0x00, 0xfa, 0xff};
const char kI16Dict[] = "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 3), }";

TEST(Npy, ReadsWhatNumpyWrites) {
  NpyArray a = parse(numpy_file(kI16Dict, kI16Data));
  EXPECT_EQ(a.dtype, NpyDtype::kInt16);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  ASSERT_EQ(a.elements(), 6u);
  const int16_t want[] = {1, -2, 3, 4, 5, -6};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(a.as<int16_t>()[i], want[i]);

  NpyArray f = parse(numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                                {0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0xa0, 0xbf}));
  EXPECT_EQ(f.dtype, NpyDtype::kFloat32);
  EXPECT_EQ(f.shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(f.as<float>()[0], 0.5f);
  EXPECT_EQ(f.as<float>()[1], -1.25f);

  NpyArray s = parse(numpy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (), }", {7}));
  EXPECT_EQ(s.dtype, NpyDtype::kUInt8);
  EXPECT_TRUE(s.shape.empty());
  EXPECT_EQ(s.elements(), 1u);
  EXPECT_EQ(s.data, std::vector<uint8_t>{7});
}

// NumPy's default integer and float types (np.array([3, -1]) is int64, np.array([0.5]) float64):
// labels and features saved without an explicit dtype.
TEST(Npy, ReadsInt64AndFloat64AsValues) {
  NpyArray i = parse(numpy_file("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                                {0x03, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(i.dtype, NpyDtype::kInt64);
  ASSERT_EQ(i.elements(), 2u);
  EXPECT_EQ(i.value(0), 3.0);
  EXPECT_EQ(i.value(1), -1.0);

  // 0.5 and -1.25 as little-endian doubles.
  NpyArray f = parse(numpy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }",
                                {0, 0, 0, 0, 0, 0, 0xe0, 0x3f, 0, 0, 0, 0, 0, 0, 0xf4, 0xbf}));
  EXPECT_EQ(f.dtype, NpyDtype::kFloat64);
  EXPECT_EQ(f.value(0), 0.5);
  EXPECT_EQ(f.value(1), -1.25);
  // The other types through the same accessor.
  EXPECT_EQ(parse(numpy_file(kI16Dict, kI16Data)).value(5), -6.0);
  expect_error(numpy_file("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", {1, 0, 0, 0, 0, 0, 0, 0}),
               "data is 8 bytes but shape (2,) <i8");
}

TEST(Npy, WritesExactlyWhatNumpyWrites) {
  NpyArray a;
  a.dtype = NpyDtype::kInt16;
  a.shape = {2, 3};
  a.data = kI16Data;
  EXPECT_EQ(mote::host::encode_npy(a), numpy_file(kI16Dict, kI16Data));

  NpyArray s;
  s.dtype = NpyDtype::kUInt8;
  s.data = {7};
  EXPECT_EQ(mote::host::encode_npy(s), numpy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (), }", {7}));
}

TEST(Npy, RoundTripsEveryDtypeAndRank) {
  const NpyDtype dtypes[] = {NpyDtype::kFloat32, NpyDtype::kInt8, NpyDtype::kInt16, NpyDtype::kInt32, NpyDtype::kUInt8};
  const std::vector<std::vector<int64_t>> shapes = {{}, {0}, {1}, {5}, {2, 3}, {1, 49, 10, 1}, {2, 1, 3, 1, 2, 2}};
  for (NpyDtype d : dtypes) {
    for (const auto& shape : shapes) {
      NpyArray a;
      a.dtype = d;
      a.shape = shape;
      a.data.resize(a.elements() * mote::host::npy_itemsize(d));
      for (size_t i = 0; i < a.data.size(); ++i) a.data[i] = static_cast<uint8_t>(i * 37 + 11);
      std::vector<uint8_t> file = mote::host::encode_npy(a);
      EXPECT_EQ((file.size() - a.data.size()) % 64, 0u) << "data must start at a multiple of 64";
      NpyArray b = parse(file);
      EXPECT_EQ(b.dtype, a.dtype);
      EXPECT_EQ(b.shape, a.shape) << a.shape_string();
      EXPECT_EQ(b.data, a.data);
    }
  }
}

TEST(Npy, RoundTripsThroughAFile) {
  const std::string path = ::testing::TempDir() + "npy_test_roundtrip.npy";
  NpyArray a;
  a.dtype = NpyDtype::kFloat32;
  a.shape = {3};
  const float v[] = {1.5f, -2.0f, 1e-7f};
  a.data.resize(sizeof(v));
  std::memcpy(a.data.data(), v, sizeof(v));
  mote::host::write_npy(path, a);
  NpyArray b = mote::host::read_npy(path);
  EXPECT_EQ(b.data, a.data);
  EXPECT_EQ(b.shape, a.shape);
  std::remove(path.c_str());
}

TEST(Npy, ReadsVersions2And3AndHeaderVariants) {
  const std::string dict = std::string(kI16Dict) + "\n";
  EXPECT_EQ(parse(raw_file(2, dict, kI16Data)).shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(parse(raw_file(3, dict, kI16Data)).shape, (std::vector<int64_t>{2, 3}));
  // Key order, double quotes, no trailing comma, Python 2 long suffix, no padding.
  NpyArray a = parse(raw_file(1, "{\"shape\": (2L, 3L), \"fortran_order\": False, \"descr\": \"<i2\"}\n", kI16Data));
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.dtype, NpyDtype::kInt16);
  // A 1-byte type may carry '<' instead of '|'.
  EXPECT_EQ(parse(raw_file(1, "{'descr': '<i1', 'fortran_order': False, 'shape': (2,), }\n", {1, 2})).dtype, NpyDtype::kInt8);
}

TEST(Npy, RejectsMalformedFiles) {
  const std::vector<uint8_t> d6 = kI16Data;
  expect_error(bytes_of("NUMPY"), "magic");
  expect_error(bytes_of(std::string("\x93NUMPZ\x01\x00\x10\x00", 10)), "magic");
  expect_error(raw_file(4, std::string(kI16Dict) + "\n", d6), "format version 4.0");
  expect_error(bytes_of(std::string("\x93NUMPY\x02\x00\x10", 9)), "truncated before the header length");
  {
    std::vector<uint8_t> b = numpy_file(kI16Dict, d6);
    b[8] = 0xff;  // header length 0x00ff runs past the end
    b.resize(200);
    expect_error(b, "header length 255 runs past the end");
  }
  expect_error(raw_file(1, "{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }\n", d6), "fortran_order is True");
  expect_error(raw_file(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (2, 3), }\n", d6), "unsupported .npy dtype '<c8'");
  expect_error(raw_file(1, "{'descr': '>i2', 'fortran_order': False, 'shape': (2, 3), }\n", d6), "big-endian");
  expect_error(raw_file(1, "{'fortran_order': False, 'shape': (2, 3), }\n", d6), "missing key 'descr'");
  expect_error(raw_file(1, "{'descr': '<i2', 'shape': (2, 3), }\n", d6), "missing key 'fortran_order'");
  expect_error(raw_file(1, "{'descr': '<i2', 'fortran_order': False, }\n", d6), "missing key 'shape'");
  expect_error(raw_file(1, "{'descr': '<i2', 'descr': '<i2', 'fortran_order': False, 'shape': (6,), }\n", d6), "appears twice");
  expect_error(raw_file(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (6,), 'x': 1}\n", d6), "unexpected key 'x'");
  expect_error(raw_file(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (6), }\n", d6), "not a tuple");
  expect_error(raw_file(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (-6,), }\n", d6), "negative dimension");
  expect_error(raw_file(1, "{'descr': '<i2', 'fortran_order': False, 'shape': [6], }\n", d6), "a tuple for 'shape'");
  expect_error(raw_file(1, "{'descr': '<i2', 'fortran_order': 0, 'shape': (6,), }\n", d6), "True or False");
  expect_error(raw_file(1, "{'descr': '<i2' 'fortran_order': False, 'shape': (6,), }\n", d6), "expected ',' or '}'");
  expect_error(raw_file(1, "{'descr': '<i2, 'fortran_order': False, 'shape': (6,), }\n", d6), "after the value of 'descr'");
  expect_error(raw_file(1, "{'descr': '<i2", d6), "unterminated string");
  expect_error(raw_file(1, "{'descr': '<i2\n", d6), "unsupported character in a string");
  expect_error(raw_file(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (6,), } x\n", d6), "after the closing '}'");
  expect_error(raw_file(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (6,), }", d6), "newline");
  expect_error(raw_file(1, "['descr']\n", d6), "start with '{'");
  expect_error(raw_file(1, std::string("{'descr': '<i2'\0, }\n", 20), d6), "NUL");
  expect_error(raw_file(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (99999999999999999999,), }\n", d6), "too large");
  expect_error(raw_file(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n", d6), "too large");
  expect_error(raw_file(1, std::string(kI16Dict) + "\n", std::vector<uint8_t>(d6.begin(), d6.end() - 1)),
               "data is 11 bytes but shape (2, 3) <i2 needs 12 (file truncated)");
  std::vector<uint8_t> extra = d6;
  extra.push_back(0);
  expect_error(raw_file(1, std::string(kI16Dict) + "\n", extra), "(extra bytes at the end)");
}

TEST(Npy, EveryTruncationIsAnErrorNotACrash) {
  const std::vector<uint8_t> full = numpy_file(kI16Dict, kI16Data);
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<uint8_t> part(full.begin(), full.begin() + static_cast<long>(n));
    EXPECT_THROW(parse(part), HostError) << "prefix of " << n << " bytes";
  }
  EXPECT_NO_THROW(parse(full));
}

TEST(Npy, EverySingleByteCorruptionOfTheHeaderIsHandled) {
  // Each header byte replaced by a few troublesome characters: either a clean error or (when the
  // change is harmless, e.g. inside the padding) a valid array with the right data size.
  const std::vector<uint8_t> full = numpy_file(kI16Dict, kI16Data);
  const uint8_t subs[] = {'\0', '(', ')', ',', '\'', '9', '}', '{', 0xff};
  for (size_t pos = 0; pos < full.size() - kI16Data.size(); ++pos) {
    for (uint8_t c : subs) {
      std::vector<uint8_t> b = full;
      b[pos] = c;
      try {
        NpyArray a = parse(b);
        EXPECT_EQ(a.data.size(), a.elements() * mote::host::npy_itemsize(a.dtype));
      } catch (const HostError&) {
      }
    }
  }
}

TEST(Npy, MissingFileErrorNamesTheFile) {
  try {
    mote::host::read_npy("/nonexistent/dir/x.npy");
    ADD_FAILURE() << "no error";
  } catch (const HostError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/x.npy: cannot open"), std::string::npos) << e.what();
  }
}

TEST(Npy, EncodeRefusesInconsistentArrays) {
  NpyArray a;
  a.dtype = NpyDtype::kInt32;
  a.shape = {2};
  a.data = {1, 2, 3};
  EXPECT_THROW(mote::host::encode_npy(a), HostError);
}

TEST(Npy, TensorTypeMapping) {
  NpyDtype d;
  ASSERT_TRUE(mote::host::npy_dtype_for(mote::TensorType::kInt8, &d));
  EXPECT_STREQ(mote::host::npy_descr(d), "|i1");
  ASSERT_TRUE(mote::host::npy_dtype_for(mote::TensorType::kFloat32, &d));
  EXPECT_STREQ(mote::host::npy_descr(d), "<f4");
  ASSERT_TRUE(mote::host::npy_dtype_for(mote::TensorType::kInt16, &d));
  EXPECT_STREQ(mote::host::npy_descr(d), "<i2");
  EXPECT_FALSE(mote::host::npy_dtype_for(mote::TensorType::kInt64, &d));
}

}  // namespace
