// mote datasets — IDX files (MNIST, Fashion-MNIST, EMNIST, KMNIST).
//
// An IDX file is: two zero bytes, a type byte (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
// 0x0D float32, 0x0E float64), a dimension count, that many big-endian uint32 sizes, then the
// elements big-endian in C order. Images are idx3 [N, H, W] (idx4 [N, H, W, C] and idx2 [N, F]
// are accepted too); labels are idx1 [N] integers.
#include <cstdio>
#include <cstring>

#include "host/data/readers.h"
#include "host/error.h"

namespace mote::data {

using host::HostError;

namespace {

struct Idx {
  int type = 0;
  std::vector<int> dims;
  std::vector<float> values;
};

int idx_item_size(int type) {
  switch (type) {
    case 0x08: case 0x09: return 1;
    case 0x0B: return 2;
    case 0x0C: case 0x0D: return 4;
    case 0x0E: return 8;
    default: return 0;
  }
}

uint64_t read_be(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

float idx_value(const uint8_t* p, int type) {
  switch (type) {
    case 0x08: return static_cast<float>(p[0]);
    case 0x09: return static_cast<float>(static_cast<int8_t>(p[0]));
    case 0x0B: return static_cast<float>(static_cast<int16_t>(read_be(p, 2)));
    case 0x0C: return static_cast<float>(static_cast<int32_t>(read_be(p, 4)));
    case 0x0D: {
      uint32_t bits = static_cast<uint32_t>(read_be(p, 4));
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    }
    default: {
      uint64_t bits = read_be(p, 8);
      double d;
      std::memcpy(&d, &bits, 8);
      return static_cast<float>(d);
    }
  }
}

// Parses and validates the header; returns the data offset and fills type and dims.
size_t parse_idx_header(const std::string& path, const std::vector<uint8_t>& b, Idx* idx) {
  if (b.size() < 4) throw HostError(path + ": not an IDX file (" + std::to_string(b.size()) + " bytes, no header)");
  if (b[0] != 0 || b[1] != 0) {
    throw HostError(path + ": not an IDX file (magic starts with bytes " + std::to_string(b[0]) + ", " +
                    std::to_string(b[1]) + "; expected 0, 0)");
  }
  idx->type = b[2];
  if (idx_item_size(idx->type) == 0) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", idx->type);
    throw HostError(path + ": unknown IDX element type " + hex + " (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)");
  }
  int rank = b[3];
  if (rank < 1 || rank > 4) throw HostError(path + ": IDX file has " + std::to_string(rank) + " dimensions (1 to 4 supported)");
  size_t offset = 4 + 4 * static_cast<size_t>(rank);
  if (b.size() < offset) throw HostError(path + ": truncated IDX header (" + std::to_string(b.size()) + " bytes)");
  for (int i = 0; i < rank; ++i) {
    uint64_t d = read_be(&b[4 + 4 * static_cast<size_t>(i)], 4);
    if (d > 0x7fffffffu) throw HostError(path + ": IDX dimension " + std::to_string(i) + " is " + std::to_string(d));
    idx->dims.push_back(static_cast<int>(d));
  }
  return offset;
}

Idx read_idx_file(const std::string& path) {
  std::vector<uint8_t> b = read_bytes(path, true);
  Idx idx;
  size_t offset = parse_idx_header(path, b, &idx);
  const int item = idx_item_size(idx.type);
  uint64_t count = 1;
  std::string dims;
  for (int d : idx.dims) {
    count *= static_cast<uint64_t>(d);
    if (count > (uint64_t{1} << 33)) throw HostError(path + ": IDX dimensions too large");
    dims += (dims.empty() ? "" : " x ") + std::to_string(d);
  }
  const uint64_t need = count * static_cast<uint64_t>(item);
  const uint64_t have = b.size() - offset;
  if (have < need) {
    throw HostError(path + ": truncated: the header says " + dims + " elements (" + std::to_string(need) +
                    " bytes of data), the file has " + std::to_string(have));
  }
  if (have > need) {
    throw HostError(path + ": " + std::to_string(have - need) + " bytes after the " + dims + " elements the header declares");
  }
  idx.values.resize(count);
  const uint8_t* p = b.data() + offset;
  for (uint64_t i = 0; i < count; ++i) idx.values[i] = idx_value(p + i * static_cast<uint64_t>(item), idx.type);
  return idx;
}

}  // namespace

Loaded read_idx(const std::string& images, const std::string& labels) {
  Idx xi = read_idx_file(images);
  if (xi.dims.size() < 2) {
    throw HostError(images + ": an IDX images file needs at least 2 dimensions [N, ...], this one has " +
                    std::to_string(xi.dims.size()));
  }
  Idx yi = read_idx_file(labels);
  if (yi.dims.size() != 1) {
    throw HostError(labels + ": an IDX labels file has 1 dimension [N], this one has " + std::to_string(yi.dims.size()));
  }
  if (yi.dims[0] != xi.dims[0]) {
    throw HostError(labels + ": " + std::to_string(yi.dims[0]) + " labels for " + std::to_string(xi.dims[0]) +
                    " images in " + images);
  }
  Loaded out;
  train::Shape shape(xi.dims.begin(), xi.dims.end());
  if (shape.size() == 3) shape.push_back(1);  // [N, H, W] -> NHWC with one channel
  out.x = train::Tensor(shape);
  out.x.vec() = std::move(xi.values);
  out.y = train::Tensor({yi.dims[0]});
  out.y.vec() = std::move(yi.values);
  out.classification = true;
  out.default_scale = xi.type == 0x08 ? 1.0f / 255.0f : 1.0f;
  out.where = [labels](int i) { return labels + ": record " + std::to_string(i); };
  return out;
}

}  // namespace mote::data
