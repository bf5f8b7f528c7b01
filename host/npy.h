// mote host library — NumPy .npy files.
//
// Format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
//
//   "\x93NUMPY" | major | minor | header length (uint16 LE for 1.0, uint32 LE for 2.0/3.0) |
//   header: a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (1, 49), }
//           padded with spaces and ended by '\n' | raw array data in C (row-major) order
//
// Read: versions 1.0, 2.0 and 3.0 (3.0 only allows a UTF-8 header, which changes nothing for the
// keys used here). Write: version 1.0, header padded so the data starts at a multiple of 64 bytes
// (version 2.0 only if the header would not fit in 65535 bytes). Element types: '<f4' (float32),
// '|i1' (int8), '<i2' (int16), '<i4' (int32), '|u1' (uint8), '<i8' (int64, NumPy's default integer),
// '<f8' (float64, NumPy's default float). Fortran-ordered arrays, big-endian data, other types and
// malformed headers are refused.
//
// The header is checked strictly: magic, version, header length inside the file, a dict with
// exactly the keys 'descr', 'fortran_order' and 'shape' (each once), a shape tuple of non-negative
// integers whose byte size does not overflow, and a data section of exactly that many bytes.
// Errors throw HostError naming the file (or the `name` given to parse_npy) and the problem.
//
//   mote::host::NpyArray a = mote::host::read_npy("features.npy");
//   if (a.dtype == mote::host::NpyDtype::kFloat32) { const float* v = a.as<float>(); ... }
//   mote::host::write_npy("out.npy", mote::host::NpyArray::make(NpyDtype::kInt8, {1, 12}, bytes));
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/tensor.h"

namespace mote::host {

enum class NpyDtype { kFloat32, kInt8, kInt16, kInt32, kUInt8, kInt64, kFloat64 };

// "<f4", "|i1", "<i2", "<i4", "|u1", "<i8", "<f8".
const char* npy_descr(NpyDtype d);
// 4, 1, 2, 4, 1, 8, 8.
size_t npy_itemsize(NpyDtype d);
// The .npy type that stores `t`'s elements; false for tensor types .npy I/O does not handle.
bool npy_dtype_for(mote::TensorType t, NpyDtype* out);

struct NpyArray {
  NpyDtype dtype = NpyDtype::kFloat32;
  std::vector<int64_t> shape;  // empty: a scalar (one element)
  std::vector<uint8_t> data;   // little-endian elements, C order; size = elements() * itemsize

  size_t elements() const;
  template <typename T>
  const T* as() const {
    return reinterpret_cast<const T*>(data.data());
  }
  // Element i (C order) of any dtype, as a double (exact for every type but int64 beyond 2^53).
  double value(size_t i) const;
  // "(1, 49, 10, 1)" — the shape as NumPy prints it.
  std::string shape_string() const;
};

// Parses .npy bytes; `name` (usually the file name) starts every error message.
NpyArray parse_npy(const uint8_t* bytes, size_t size, const std::string& name);
NpyArray read_npy(const std::string& path);

// Serializes to .npy (version 1.0). Throws HostError if data.size() does not match the shape.
std::vector<uint8_t> encode_npy(const NpyArray& a);
void write_npy(const std::string& path, const NpyArray& a);

}  // namespace mote::host
