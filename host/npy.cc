#include "host/npy.h"

#include <cstring>
#include <limits>

#include "host/error.h"
#include "host/files.h"

namespace mote::host {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
constexpr size_t kMaxDims = 32;
constexpr uint64_t kMaxBytes = uint64_t{1} << 40;  // refuse absurd shapes before multiplying further

struct DtypeInfo {
  NpyDtype dtype;
  const char* descr;
  size_t itemsize;
};
constexpr DtypeInfo kDtypes[] = {
    {NpyDtype::kFloat32, "<f4", 4}, {NpyDtype::kInt8, "|i1", 1},  {NpyDtype::kInt16, "<i2", 2},
    {NpyDtype::kInt32, "<i4", 4},   {NpyDtype::kUInt8, "|u1", 1},  {NpyDtype::kInt64, "<i8", 8},
    {NpyDtype::kFloat64, "<f8", 8},
};

const DtypeInfo& info(NpyDtype d) {
  for (const DtypeInfo& i : kDtypes)
    if (i.dtype == d) return i;
  return kDtypes[0];
}

// Strict reader of the header dict. Each failure throws with the header byte position.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& name) : s_(text), name_(name) {}

  void parse(std::string* descr, bool* fortran, std::vector<int64_t>* shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    skip_ws();
    expect('{', "the header to start with '{'");
    skip_ws();
    while (peek() != '}') {
      std::string key = string_literal("a quoted key");
      skip_ws();
      expect(':', "':' after key '" + key + "'");
      skip_ws();
      if (key == "descr") {
        once(&have_descr, key);
        *descr = string_literal("a quoted type string for 'descr'");
      } else if (key == "fortran_order") {
        once(&have_fortran, key);
        *fortran = boolean();
      } else if (key == "shape") {
        once(&have_shape, key);
        *shape = tuple();
      } else {
        fail("unexpected key '" + key + "' (allowed: 'descr', 'fortran_order', 'shape')");
      }
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        skip_ws();
      } else if (peek() != '}') {
        fail("expected ',' or '}' after the value of '" + key + "'");
      }
    }
    ++pos_;
    if (!have_descr) fail("missing key 'descr'");
    if (!have_fortran) fail("missing key 'fortran_order'");
    if (!have_shape) fail("missing key 'shape'");
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r' || s_[pos_] == '\n')) ++pos_;
    if (pos_ != s_.size()) fail("unexpected text after the closing '}'");
    if (s_.empty() || s_.back() != '\n') fail("header does not end with a newline");
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw HostError(name_ + ": invalid .npy header: " + what + " (header byte " + std::to_string(pos_) + ")");
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_ws() {
    while (peek() == ' ' || peek() == '\t') ++pos_;
  }
  void expect(char c, const std::string& what) {
    if (peek() != c) fail("expected " + what);
    ++pos_;
  }
  void once(bool* seen, const std::string& key) {
    if (*seen) fail("key '" + key + "' appears twice");
    *seen = true;
  }
  std::string string_literal(const std::string& what) {
    char q = peek();
    if (q != '\'' && q != '"') fail("expected " + what);
    size_t start = ++pos_;
    while (pos_ < s_.size() && s_[pos_] != q) {
      if (s_[pos_] == '\\' || s_[pos_] == '\n') fail("unsupported character in a string");
      ++pos_;
    }
    if (pos_ >= s_.size()) fail("unterminated string");
    std::string out = s_.substr(start, pos_ - start);
    ++pos_;
    return out;
  }
  bool boolean() {
    if (s_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (s_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    fail("expected True or False for 'fortran_order'");
  }
  int64_t integer() {
    if (peek() == '-') fail("negative dimension in 'shape'");
    if (peek() < '0' || peek() > '9') fail("expected a dimension (non-negative integer) in 'shape'");
    int64_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
      if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) fail("dimension too large in 'shape'");
      v = v * 10 + (peek() - '0');
      ++pos_;
    }
    if (peek() == 'L') ++pos_;  // Python 2 long suffix, written by old NumPy
    return v;
  }
  std::vector<int64_t> tuple() {
    expect('(', "a tuple for 'shape'");
    std::vector<int64_t> dims;
    skip_ws();
    bool trailing_comma = false;
    while (peek() != ')') {
      if (dims.size() == kMaxDims) fail("more than " + std::to_string(kMaxDims) + " dimensions in 'shape'");
      dims.push_back(integer());
      skip_ws();
      trailing_comma = false;
      if (peek() == ',') {
        ++pos_;
        trailing_comma = true;
        skip_ws();
      } else if (peek() != ')') {
        fail("expected ',' or ')' in 'shape'");
      }
    }
    ++pos_;
    if (dims.size() == 1 && !trailing_comma) fail("'shape' (n) is not a tuple: a 1-D shape is written (n,)");
    return dims;
  }

  const std::string& s_;
  const std::string& name_;
  size_t pos_ = 0;
};

uint32_t read_le(const uint8_t* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

const char* npy_descr(NpyDtype d) { return info(d).descr; }
size_t npy_itemsize(NpyDtype d) { return info(d).itemsize; }

bool npy_dtype_for(mote::TensorType t, NpyDtype* out) {
  switch (t) {
    case mote::TensorType::kFloat32: *out = NpyDtype::kFloat32; return true;
    case mote::TensorType::kInt8: *out = NpyDtype::kInt8; return true;
    case mote::TensorType::kInt16: *out = NpyDtype::kInt16; return true;
    case mote::TensorType::kInt32: *out = NpyDtype::kInt32; return true;
    case mote::TensorType::kUInt8: *out = NpyDtype::kUInt8; return true;
    default: return false;
  }
}

size_t NpyArray::elements() const {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

double NpyArray::value(size_t i) const {
  const uint8_t* p = data.data() + i * npy_itemsize(dtype);
  auto load = [p](auto v) {
    std::memcpy(&v, p, sizeof(v));
    return static_cast<double>(v);
  };
  switch (dtype) {
    case NpyDtype::kFloat32: return load(float{});
    case NpyDtype::kInt8: return load(int8_t{});
    case NpyDtype::kInt16: return load(int16_t{});
    case NpyDtype::kInt32: return load(int32_t{});
    case NpyDtype::kUInt8: return load(uint8_t{});
    case NpyDtype::kInt64: return load(int64_t{});
    case NpyDtype::kFloat64: return load(double{});
  }
  return 0;
}

std::string NpyArray::shape_string() const {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

NpyArray parse_npy(const uint8_t* bytes, size_t size, const std::string& name) {
  const std::string bad = name + ": not a valid .npy file: ";
  if (size < kMagicLen + 2 || std::memcmp(bytes, kMagic, kMagicLen) != 0)
    throw HostError(bad + "missing the \\x93NUMPY magic" + (size < 8 ? " (file is " + std::to_string(size) + " bytes)" : ""));
  const int major = bytes[6], minor = bytes[7];
  if (!((major == 1 || major == 2 || major == 3) && minor == 0))
    throw HostError(bad + "format version " + std::to_string(major) + "." + std::to_string(minor) +
                    " (mote reads 1.0, 2.0 and 3.0)");
  const size_t len_bytes = major == 1 ? 2 : 4;
  const size_t prefix = kMagicLen + 2 + len_bytes;
  if (size < prefix) throw HostError(bad + "truncated before the header length (file is " + std::to_string(size) + " bytes)");
  const size_t header_len = read_le(bytes + 8, static_cast<int>(len_bytes));
  if (header_len > size - prefix)
    throw HostError(bad + "header length " + std::to_string(header_len) + " runs past the end of the file (" +
                    std::to_string(size - prefix) + " bytes after the prefix)");
  const std::string header(reinterpret_cast<const char*>(bytes + prefix), header_len);
  if (header.find('\0') != std::string::npos) throw HostError(name + ": invalid .npy header: contains a NUL byte");

  std::string descr;
  bool fortran = false;
  NpyArray a;
  HeaderParser(header, name).parse(&descr, &fortran, &a.shape);
  if (fortran) throw HostError(name + ": fortran_order is True; mote reads C-order (row-major) arrays only");
  bool known = false;
  for (const DtypeInfo& i : kDtypes) {
    // 1-byte types carry no byte order; accept any byte-order mark for them.
    bool match = descr == i.descr || (i.itemsize == 1 && descr.size() == 3 && (descr[0] == '<' || descr[0] == '=') &&
                                      descr.compare(1, 2, i.descr + 1) == 0);
    if (match) {
      a.dtype = i.dtype;
      known = true;
    }
  }
  if (!known)
    throw HostError(name + ": unsupported .npy dtype '" + descr + "' (mote reads <f4, <f8, |i1, <i2, <i4, <i8, |u1)" +
                    (!descr.empty() && descr[0] == '>' ? "; big-endian data is not supported" : ""));

  uint64_t need = npy_itemsize(a.dtype);
  for (int64_t d : a.shape) {
    if (d != 0 && need > kMaxBytes / static_cast<uint64_t>(d))
      throw HostError(name + ": .npy shape " + a.shape_string() + " is too large");
    need *= static_cast<uint64_t>(d);
  }
  const size_t have = size - prefix - header_len;
  if (have != need)
    throw HostError(name + ": .npy data is " + std::to_string(have) + " bytes but shape " + a.shape_string() + " " + descr +
                    " needs " + std::to_string(need) + (have < need ? " (file truncated)" : " (extra bytes at the end)"));
  a.data.assign(bytes + prefix + header_len, bytes + size);
  return a;
}

NpyArray read_npy(const std::string& path) {
  AlignedBuffer b = read_file(path);
  return parse_npy(b.data(), b.size(), path);
}

std::vector<uint8_t> encode_npy(const NpyArray& a) {
  for (int64_t d : a.shape)
    if (d < 0) throw HostError("cannot write .npy: negative dimension in shape " + a.shape_string());
  if (a.data.size() != a.elements() * npy_itemsize(a.dtype))
    throw HostError("cannot write .npy: " + std::to_string(a.data.size()) + " data bytes for shape " + a.shape_string() +
                    " " + npy_descr(a.dtype));
  std::string header =
      std::string("{'descr': '") + npy_descr(a.dtype) + "', 'fortran_order': False, 'shape': " + a.shape_string() + ", }";
  size_t prefix = kMagicLen + 2 + 2;
  int major = 1;
  if (header.size() + 1 + 64 > 65535) {
    major = 2;
    prefix = kMagicLen + 2 + 4;
  }
  size_t total = prefix + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::vector<uint8_t> out(kMagic, kMagic + kMagicLen);
  out.push_back(static_cast<uint8_t>(major));
  out.push_back(0);
  const uint32_t hl = static_cast<uint32_t>(header.size());
  for (size_t i = 0; i < prefix - kMagicLen - 2; ++i) out.push_back(static_cast<uint8_t>(hl >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), a.data.begin(), a.data.end());
  return out;
}

void write_npy(const std::string& path, const NpyArray& a) {
  std::vector<uint8_t> bytes = encode_npy(a);
  write_file(path, bytes.data(), bytes.size());
}

}  // namespace mote::host
