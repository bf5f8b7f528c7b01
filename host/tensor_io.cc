#include "host/tensor_io.h"

#include <cstring>

#include "host/error.h"
#include "host/files.h"
#include "host/npy.h"

namespace mote::host {

namespace {

bool ends_with(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

std::vector<int64_t> squeezed(const std::vector<int64_t>& dims) {
  std::vector<int64_t> out;
  for (int64_t d : dims)
    if (d != 1) out.push_back(d);
  return out;
}

std::vector<int64_t> dims_of(const mote::Shape& s) {
  std::vector<int64_t> out;
  for (int i = 0; i < s.rank; ++i) out.push_back(s.dims[i]);
  return out;
}

void check_status(mote::Status s, const mote::Error& err, const std::string& path) {
  if (s != mote::Status::kOk) throw HostError(path + ": " + err.message);
}

void load_npy_input(mote::Interpreter& interp, int i, const std::string& path) {
  const mote::TensorRef r = interp.input(i);
  const std::string what = describe_io("input", i, r);
  NpyArray a = read_npy(path);
  if (squeezed(a.shape) != squeezed(dims_of(r.shape)))
    throw HostError(path + ": shape " + a.shape_string() + " does not match " + what);
  NpyDtype want;
  const bool representable = npy_dtype_for(r.type, &want);
  if (representable && a.dtype == want) {
    std::memcpy(r.data, a.data.data(), r.bytes);
    return;
  }
  const bool quantizable = (r.type == mote::TensorType::kInt8 || r.type == mote::TensorType::kInt16) && r.scale > 0.0f;
  if (a.dtype == NpyDtype::kFloat32 && quantizable) {
    mote::Error err;
    check_status(interp.set_input_float(i, a.as<float>(), a.elements(), &err), err, path);
    return;
  }
  std::string hint = representable ? std::string("; give ") + npy_descr(want) : std::string();
  if (quantizable) hint += " or <f4 (quantized with the tensor's scale and zero point)";
  throw HostError(path + ": dtype " + npy_descr(a.dtype) + " does not match " + what + hint);
}

}  // namespace

std::string shape_string(const mote::Shape& s) {
  std::string out = "[";
  for (int i = 0; i < s.rank; ++i) {
    if (i) out += ", ";
    out += std::to_string(s.dims[i]);
  }
  return out + "]";
}

std::string describe_io(const char* kind, int i, const mote::TensorRef& r) {
  std::string out = std::string(kind) + " " + std::to_string(i) + " (tensor " + std::to_string(r.index);
  if (r.name != nullptr && r.name[0] != '\0') out += std::string(" \"") + r.name + "\"";
  return out + ", " + mote::type_name(r.type) + " " + shape_string(r.shape) + ")";
}

std::vector<uint8_t> read_bin(const std::string& path, size_t expected_bytes, const std::string& what) {
  AlignedBuffer b = read_file(path);
  if (b.size() != expected_bytes)
    throw HostError(path + ": " + std::to_string(b.size()) + " bytes, but " + what + " needs " + std::to_string(expected_bytes));
  return std::vector<uint8_t>(b.data(), b.data() + b.size());
}

void check_file_kind(const std::string& path, bool output) {
  if (ends_with(path, ".npy") || ends_with(path, ".bin")) return;
  throw HostError(path + ": unknown file kind (" + (output ? "use .bin, .npy or .f32.npy" : "use .bin or .npy") + ")");
}

void load_input(mote::Interpreter& interp, int i, const std::string& path) {
  const mote::TensorRef r = interp.input(i);
  if (r.data == nullptr) throw HostError("input " + std::to_string(i) + " does not exist or the model is not prepared");
  if (ends_with(path, ".npy")) {
    load_npy_input(interp, i, path);
  } else if (ends_with(path, ".bin")) {
    std::vector<uint8_t> bytes = read_bin(path, r.bytes, describe_io("input", i, r));
    std::memcpy(r.data, bytes.data(), bytes.size());
  } else {
    throw HostError(path + ": unknown file kind for " + describe_io("input", i, r) + " (use .bin or .npy)");
  }
}

void save_output(const mote::Interpreter& interp, int i, const std::string& path) {
  const mote::TensorRef r = interp.output(i);
  if (r.data == nullptr) throw HostError("output " + std::to_string(i) + " does not exist or the model is not prepared");
  const std::string what = describe_io("output", i, r);
  if (ends_with(path, ".f32.npy")) {
    NpyArray a;
    a.dtype = NpyDtype::kFloat32;
    a.shape = dims_of(r.shape);
    a.data.resize(static_cast<size_t>(r.shape.elements()) * sizeof(float));
    mote::Error err;
    mote::Status s = interp.get_output_float(i, reinterpret_cast<float*>(a.data.data()), a.elements(), &err);
    if (s != mote::Status::kOk) throw HostError(path + ": cannot write " + what + " as float32: " + err.message);
    write_npy(path, a);
  } else if (ends_with(path, ".npy")) {
    NpyArray a;
    if (!npy_dtype_for(r.type, &a.dtype))
      throw HostError(path + ": " + what + " has no .npy type in mote (use .bin)");
    a.shape = dims_of(r.shape);
    const uint8_t* p = static_cast<const uint8_t*>(r.data);
    a.data.assign(p, p + r.bytes);
    write_npy(path, a);
  } else if (ends_with(path, ".bin")) {
    write_file(path, r.data, r.bytes);
  } else {
    throw HostError(path + ": unknown file kind for " + what + " (use .bin, .npy or .f32.npy)");
  }
}

}  // namespace mote::host
