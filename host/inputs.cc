#include "host/inputs.h"

#include <cstring>

#include "host/error.h"

namespace mote::host {

uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

uint32_t xorshift32(uint32_t x) {
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}

namespace {

template <typename T>
void put(std::vector<uint8_t>& out, size_t n, T v) {
  std::memcpy(out.data() + n * sizeof(T), &v, sizeof(T));  // host is little-endian, like the files
}

}  // namespace

std::vector<uint8_t> generate_input(mote::TensorType type, size_t count, int k, int i, FloatRange range) {
  const size_t size = mote::type_size(type);
  switch (type) {
    case mote::TensorType::kInt8:
    case mote::TensorType::kUInt8:
    case mote::TensorType::kInt16:
    case mote::TensorType::kInt32:
    case mote::TensorType::kFloat32: break;
    default:
      throw HostError(std::string("no generated inputs for ") + mote::type_name(type) +
                      " tensors (the generator defines INT8, UINT8, INT16, INT32, FLOAT32)");
  }
  std::vector<uint8_t> out(count * size);
  uint32_t x = fmix32(static_cast<uint32_t>(k + 1) + 65536u * static_cast<uint32_t>(i));
  for (size_t n = 0; n < count; ++n) {
    x = xorshift32(x);
    switch (type) {
      case mote::TensorType::kInt8: put(out, n, static_cast<int8_t>(static_cast<uint8_t>(x >> 24))); break;
      case mote::TensorType::kUInt8: put(out, n, static_cast<uint8_t>(x >> 24)); break;
      case mote::TensorType::kInt16: put(out, n, static_cast<int16_t>(static_cast<uint16_t>(x >> 16))); break;
      case mote::TensorType::kInt32: put(out, n, static_cast<int32_t>(x)); break;
      default:
        put(out, n, static_cast<float>(range.lo + (range.hi - range.lo) * (static_cast<double>(x >> 8) / 16777216.0)));
        break;
    }
  }
  return out;
}

void fill_generated_inputs(mote::Interpreter& interp, int k, FloatRange range) {
  for (int i = 0; i < interp.num_inputs(); ++i) {
    mote::TensorRef r = interp.input(i);
    if (r.data == nullptr) throw HostError("input " + std::to_string(i) + " has no memory (interpreter not prepared?)");
    std::vector<uint8_t> bytes = generate_input(r.type, static_cast<size_t>(r.shape.elements()), k, i, range);
    std::memcpy(r.data, bytes.data(), bytes.size());
  }
}

}  // namespace mote::host
