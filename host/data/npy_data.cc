// mote datasets — .npy pairs: x [N, ...] and y [N] (class indices) or [N, k] (targets), any of the
// element types host/npy.h reads, converted to float32.
#include "host/data/readers.h"
#include "host/error.h"
#include "host/npy.h"

namespace mote::data {

using host::HostError;
using host::NpyArray;
using host::NpyDtype;

namespace {

std::vector<float> npy_floats(const NpyArray& a) {
  const size_t n = a.elements();
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(a.value(i));
  return v;
}

train::Shape to_shape(const NpyArray& a) {
  train::Shape s;
  for (int64_t d : a.shape) {
    if (d > 0x7fffffff) throw HostError("npy dimension too large: " + a.shape_string());
    s.push_back(static_cast<int>(d));
  }
  return s;
}

}  // namespace

Loaded read_npy_pair(const DataSpec& spec, const std::string& x_path, const std::string& y_path) {
  NpyArray xa = host::read_npy(x_path);
  NpyArray ya = host::read_npy(y_path);
  if (xa.shape.empty()) throw HostError(x_path + ": x must have a sample axis: shape " + xa.shape_string());
  if (ya.shape.empty() || ya.shape.size() > 2) {
    throw HostError(y_path + ": y must have shape (N,) or (N, k), not " + ya.shape_string());
  }
  if (ya.shape[0] != xa.shape[0]) {
    throw HostError(y_path + ": " + std::to_string(ya.shape[0]) + " labels/targets for " + std::to_string(xa.shape[0]) +
                    " samples in " + x_path + " " + xa.shape_string());
  }
  Loaded out;
  const bool integer_y = ya.dtype != NpyDtype::kFloat32 && ya.dtype != NpyDtype::kFloat64;
  out.classification = spec.task == Task::kClassification ||
                       (spec.task == Task::kAuto && integer_y && ya.shape.size() == 1);
  if (out.classification && ya.shape.size() == 2 && ya.shape[1] != 1) {
    throw HostError(y_path + ": class labels must have shape (N,) or (N, 1), not " + ya.shape_string());
  }
  train::Shape xs = to_shape(xa);
  if (xs.size() == 1) xs.push_back(1);  // scalars per sample -> [N, 1]
  out.x = train::Tensor(xs);
  out.x.vec() = npy_floats(xa);
  train::Shape ys = to_shape(ya);
  if (out.classification) ys.resize(1);
  else if (ys.size() == 1) ys.push_back(1);  // regression targets are [N, k]
  out.y = train::Tensor(ys);
  out.y.vec() = npy_floats(ya);
  out.class_names = spec.class_names;
  out.where = [y_path](int i) { return y_path + ": sample " + std::to_string(i); };
  return out;
}

}  // namespace mote::data
