#include "host/train/tensor.h"

#include <algorithm>

#include "host/error.h"

namespace mote::train {

size_t shape_elements(const Shape& s) {
  size_t n = 1;
  for (int d : s) {
    if (d < 0) throw host::HostError("tensor shape " + shape_str(s) + " has a negative dimension");
    n *= static_cast<size_t>(d);
    if (n > 0x7fffffffu)
      throw host::HostError("tensor shape " + shape_str(s) + " has more than 2^31 - 1 elements");
  }
  return n;
}

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

Tensor::Tensor(Shape shape, float fill) : shape_(std::move(shape)) {
  data_.assign(shape_elements(shape_), fill);
}

void Tensor::resize(const Shape& shape) {
  const size_t n = shape_elements(shape);
  shape_ = shape;
  data_.resize(n);
}

void Tensor::reshape(const Shape& shape) {
  if (shape_elements(shape) != data_.size())
    throw host::HostError("cannot reshape a tensor of shape " + shape_str(shape_) + " to " +
                          shape_str(shape));
  shape_ = shape;
}

void Tensor::fill(float v) { std::fill(data_.begin(), data_.end(), v); }

Shape sample_shape(const Tensor& t) { return Shape(t.shape().begin() + (t.rank() ? 1 : 0), t.shape().end()); }

Shape batch_shape(int batch, const Shape& sample) {
  Shape s;
  s.reserve(sample.size() + 1);
  s.push_back(batch);
  s.insert(s.end(), sample.begin(), sample.end());
  return s;
}

}  // namespace mote::train
