// mote trainer — float32 tensors.
//
// A Tensor is a shape plus contiguous row-major (C order) float32 data. Activations of images are
// NHWC ([batch, height, width, channels]), sequences NLC ([batch, length, channels]), feature
// vectors NC. The first dimension of every activation is the batch; a layer sees per-sample shapes
// (without the batch) when it is built, and whole-batch tensors when it runs.
//
// Parameters use the layouts the .tflite runtime expects, so a trained model exports without
// transposes: Conv2D filters OHWI [out, kh, kw, in], depthwise filters [1, kh, kw, in*multiplier],
// Dense weights [out, in], biases [out].
//
//   mote::train::Tensor x({64, 28, 28, 1});   // zero-filled
//   x.at(0) = 1.0f; float* p = x.data();      // p[((n * H + y) * W + x) * C + c]
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mote::train {

using Shape = std::vector<int>;

// Number of elements of a shape (1 for the empty shape). Throws HostError on a negative dimension
// or an element count above 2^31 - 1.
size_t shape_elements(const Shape& s);
// "[64, 28, 28, 1]".
std::string shape_str(const Shape& s);

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(Shape shape, float fill = 0.0f);

  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int dim(int i) const { return shape_[static_cast<size_t>(i)]; }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }

  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  float& at(size_t i) { return data_[i]; }
  float at(size_t i) const { return data_[i]; }
  std::vector<float>& vec() { return data_; }
  const std::vector<float>& vec() const { return data_; }

  // Changes the shape; keeps the allocation when it is large enough (contents then unspecified
  // unless `fill` is given via zero()).
  void resize(const Shape& shape);
  // Same element count, new shape (a view change, no copy). Throws HostError if the counts differ.
  void reshape(const Shape& shape);
  void fill(float v);
  void zero() { fill(0.0f); }

 private:
  Shape shape_;
  std::vector<float> data_;
};

// Per-sample shape of a batch tensor (drops dimension 0).
Shape sample_shape(const Tensor& t);
// Batch shape: {batch} followed by the sample shape.
Shape batch_shape(int batch, const Shape& sample);

}  // namespace mote::train
