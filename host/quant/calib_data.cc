#include "host/quant/calib_data.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "host/error.h"
#include "host/files.h"
#include "host/npy.h"
#include "host/train/spec.h"

namespace mote::quant {

using host::HostError;
namespace fs = std::filesystem;

std::string shape_string(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

namespace {

// "(N, 49, 10, 1)" for the dims of `shape` from `from` on, behind a leading "N" when `batched`.
std::string tuple_string(const std::vector<int32_t>& shape, size_t from, bool batched) {
  std::string s = batched ? "(N" : "(";
  for (size_t i = from; i < shape.size(); ++i) s += (batched || i > from ? ", " : "") + std::to_string(shape[i]);
  return s + ")";
}

size_t elements_of(const std::vector<int32_t>& shape) {
  size_t n = 1;
  for (int32_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

// True if dims a[first..] equal b[from..].
bool same_dims(const std::vector<int64_t>& a, size_t first, const std::vector<int32_t>& b, size_t from) {
  if (a.size() - first != b.size() - from) return false;
  for (size_t i = 0; first + i < a.size(); ++i)
    if (a[first + i] != b[from + i]) return false;
  return true;
}

std::vector<float> npy_values(const host::NpyArray& a, size_t begin, size_t count) {
  std::vector<float> v(count);
  for (size_t i = 0; i < count; ++i) v[i] = static_cast<float>(a.value(begin + i));
  return v;
}

bool batch_one(const std::vector<int32_t>& in) { return !in.empty() && in[0] == 1; }

// A .npy holding N samples.
std::vector<std::vector<float>> load_batched_npy(const std::string& path, const std::vector<int32_t>& in) {
  const host::NpyArray a = host::read_npy(path);
  const bool full = a.shape.size() >= 1 && same_dims(a.shape, 1, in, 0);
  const bool squeezed = batch_one(in) && a.shape.size() >= 1 && same_dims(a.shape, 1, in, 1);
  if (!full && !squeezed) {
    std::string want = tuple_string(in, 0, true);
    if (batch_one(in)) want = tuple_string(in, 1, true) + " or " + want;
    throw HostError(path + ": shape " + a.shape_string() + " does not match the model input " + shape_string(in) +
                    ": expected " + want);
  }
  const size_t n = static_cast<size_t>(a.shape[0]), per = elements_of(in);
  std::vector<std::vector<float>> out;
  out.reserve(n);
  for (size_t s = 0; s < n; ++s) out.push_back(npy_values(a, s * per, per));
  return out;
}

// One sample from one file of a folder.
std::vector<float> load_one(const fs::path& file, const std::vector<int32_t>& in) {
  const std::string path = file.string();
  const size_t per = elements_of(in);
  if (file.extension() == ".npy") {
    const host::NpyArray a = host::read_npy(path);
    if (!same_dims(a.shape, 0, in, 0) && !(batch_one(in) && same_dims(a.shape, 0, in, 1))) {
      std::string want = tuple_string(in, 0, false);
      if (batch_one(in)) want = tuple_string(in, 1, false) + " or " + want;
      throw HostError(path + ": shape " + a.shape_string() + " does not match the model input " + shape_string(in) +
                      ": expected " + want);
    }
    return npy_values(a, 0, per);
  }
  const host::AlignedBuffer b = host::read_file(path);
  if (b.size() != per * sizeof(float))
    throw HostError(path + ": " + std::to_string(b.size()) + " bytes, but one float32 sample of the model input " +
                    shape_string(in) + " is " + std::to_string(per * sizeof(float)) + " bytes");
  std::vector<float> v(per);
  std::memcpy(v.data(), b.data(), b.size());
  return v;
}

// The training split of the `data:` section of a model spec (the YAML `mote train` reads).
std::vector<std::vector<float>> load_spec_samples(const std::string& path, const std::vector<int32_t>& in) {
  const train::ModelSpec spec = train::load_spec(path);
  if (!spec.has_data) throw HostError(path + ": the spec has no data: section to calibrate with");
  const data::Split split = data::load(spec.data);
  const train::Tensor& x = split.train.x;
  std::vector<int64_t> shape(x.shape().begin(), x.shape().end());
  const bool full = !shape.empty() && same_dims(shape, 1, in, 0);
  if (!full && !(batch_one(in) && !shape.empty() && same_dims(shape, 1, in, 1))) {
    std::string got = "(";
    for (size_t i = 0; i < shape.size(); ++i) got += (i ? ", " : "") + std::to_string(shape[i]);
    throw HostError(path + ": the training data has shape " + got + ") but the model input is " + shape_string(in) +
                    ": expected " + tuple_string(in, batch_one(in) ? 1 : 0, true));
  }
  const size_t per = elements_of(in), n = shape.empty() ? 0 : static_cast<size_t>(shape[0]);
  std::vector<std::vector<float>> out(n);
  for (size_t s = 0; s < n; ++s) out[s].assign(x.data() + s * per, x.data() + (s + 1) * per);
  return out;
}

}  // namespace

std::vector<std::vector<float>> load_samples(const std::string& path, const std::vector<int32_t>& input_shape) {
  std::error_code ec;
  std::vector<std::vector<float>> out;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const fs::directory_entry& e : fs::directory_iterator(path, ec)) {
      const std::string ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".npy" || ext == ".bin" || ext == ".raw")) files.push_back(e.path());
    }
    if (ec) throw HostError(path + ": cannot list the folder: " + ec.message());
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) out.push_back(load_one(f, input_shape));
    if (out.empty()) throw HostError(path + ": no samples (no .npy, .bin or .raw files in the folder)");
    return out;
  }
  if (!fs::exists(path, ec)) throw HostError(path + ": cannot open: No such file or directory");
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".npy") {
    out = load_batched_npy(path, input_shape);
  } else if (ext == ".yaml" || ext == ".yml") {
    out = load_spec_samples(path, input_shape);
  } else {
    out.push_back(load_one(path, input_shape));
  }
  if (out.empty()) throw HostError(path + ": no samples (0 rows)");
  return out;
}

}  // namespace mote::quant
