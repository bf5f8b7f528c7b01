// mote trainer — the layers. Each maps to one operator the runtime runs (runtime/ops.inc):
//
//   layer               .tflite operator                       parameters (layout)
//   Dense               FULLY_CONNECTED (fused activation)     kernel [out, in], bias [out]
//   Conv2D              CONV_2D (fused activation)             kernel [out, kh, kw, in] (OHWI), bias [out]
//   Conv1D              RESHAPE + CONV_2D (height 1)           kernel [out, 1, kw, in], bias [out]
//   DepthwiseConv2D     DEPTHWISE_CONV_2D                      kernel [1, kh, kw, in * multiplier], bias
//   MaxPool2D           MAX_POOL_2D
//   AveragePool2D       AVERAGE_POOL_2D
//   GlobalAveragePool   MEAN over the spatial axes
//   BatchNorm           MUL + ADD (or folded into the conv before it)   gamma, beta [channels];
//                                                          buffers moving_mean, moving_variance
//   ReLU, ReLU6         RELU, RELU6 (or fused into the op before)
//   Dropout             nothing (identity at inference)
//   Flatten, Reshape    RESHAPE
//   Softmax             SOFTMAX (last axis)
//   Add                 ADD (fused activation)
//
// Shapes are NHWC for images and NLC for sequences (Conv1D). Convolutions and pools follow the
// .tflite padding rules (layer.h Axis): SAME pads (total) max(0, (out-1)*stride + k - in), the
// smaller half before; pools ignore padded positions (the average divides by the valid count).
//
//   auto conv = std::make_unique<Conv2D>(Conv2D::Options{16, 3, 3, 1, 1, Padding::kSame, Activation::kRelu});
#pragma once

#include <memory>
#include <vector>

#include "host/train/layer.h"

namespace mote::train {

class Dense : public Layer {
 public:
  struct Options {
    int units = 1;
    Activation activation = Activation::kNone;
    bool use_bias = true;
    Init init = Init::kGlorotUniform;
  };
  explicit Dense(Options o) : o_(o) {}
  const char* kind() const override { return "Dense"; }
  const Options& options() const { return o_; }
  Shape build(const std::vector<Shape>& inputs, Rng& rng) override;
  void forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext& ctx) override;
  void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dout,
                const std::vector<Tensor*>& din, const RunContext& ctx) override;
  std::vector<Param*> params() override;
  Param& kernel() { return kernel_; }
  Param& bias() { return bias_; }

 private:
  Options o_;
  Param kernel_{"kernel", {}, {}, true}, bias_{"bias", {}, {}, false};
  int in_ = 0;
  Tensor dz_;
};

// Shared by Conv2D and Conv1D: im2col + GEMM over chunks of samples.
class ConvBase : public Layer {
 public:
  struct Options {
    int filters = 1;
    int kernel_h = 1, kernel_w = 1;
    int stride_h = 1, stride_w = 1;
    Padding padding = Padding::kValid;
    Activation activation = Activation::kNone;
    bool use_bias = true;
    Init init = Init::kGlorotUniform;
  };
  explicit ConvBase(Options o) : o_(o) {}
  const Options& options() const { return o_; }
  void forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext& ctx) override;
  void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dout,
                const std::vector<Tensor*>& din, const RunContext& ctx) override;
  std::vector<Param*> params() override;
  Param& kernel() { return kernel_; }
  Param& bias() { return bias_; }

 protected:
  // Checks the geometry and creates the parameters for an [h, w, c] sample.
  Shape build_2d(int h, int w, int c, Rng& rng);

  Options o_;
  Param kernel_{"kernel", {}, {}, true}, bias_{"bias", {}, {}, false};

 private:
  Axis ay_, ax_;
  int in_c_ = 0;
  std::vector<float> dw_partial_, db_partial_;  // one block per backward task
  std::vector<ptrdiff_t> taps_;                 // tap offsets in the padded input (conv.cc)
  std::vector<ptrdiff_t> full_taps_;            // input gradient as a full convolution (conv.cc)
  std::vector<float> kernel_t_;
};

class Conv2D : public ConvBase {
 public:
  explicit Conv2D(Options o) : ConvBase(o) {}
  const char* kind() const override { return "Conv2D"; }
  Shape build(const std::vector<Shape>& inputs, Rng& rng) override;
};

// Input [batch, length, channels]; uses kernel_w and stride_w (kernel_h / stride_h must be 1).
class Conv1D : public ConvBase {
 public:
  explicit Conv1D(Options o) : ConvBase(o) {}
  const char* kind() const override { return "Conv1D"; }
  Shape build(const std::vector<Shape>& inputs, Rng& rng) override;
};

class DepthwiseConv2D : public Layer {
 public:
  struct Options {
    int kernel_h = 3, kernel_w = 3;
    int stride_h = 1, stride_w = 1;
    Padding padding = Padding::kSame;
    int depth_multiplier = 1;
    Activation activation = Activation::kNone;
    bool use_bias = true;
    Init init = Init::kGlorotUniform;
  };
  explicit DepthwiseConv2D(Options o) : o_(o) {}
  const char* kind() const override { return "DepthwiseConv2D"; }
  const Options& options() const { return o_; }
  Shape build(const std::vector<Shape>& inputs, Rng& rng) override;
  void forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext& ctx) override;
  void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dout,
                const std::vector<Tensor*>& din, const RunContext& ctx) override;
  std::vector<Param*> params() override;
  Param& kernel() { return kernel_; }
  Param& bias() { return bias_; }

 private:
  Options o_;
  Param kernel_{"kernel", {}, {}, true}, bias_{"bias", {}, {}, false};
  Axis ay_, ax_;
  int in_c_ = 0;
  std::vector<float> dw_partial_, db_partial_;
};

class Pool2D : public Layer {
 public:
  struct Options {
    int pool_h = 2, pool_w = 2;
    int stride_h = 2, stride_w = 2;
    Padding padding = Padding::kValid;
  };
  Pool2D(Options o, bool max) : o_(o), max_(max) {}
  const char* kind() const override { return max_ ? "MaxPool2D" : "AveragePool2D"; }
  const Options& options() const { return o_; }
  Shape build(const std::vector<Shape>& inputs, Rng& rng) override;
  void forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext& ctx) override;
  void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dout,
                const std::vector<Tensor*>& din, const RunContext& ctx) override;

 private:
  Options o_;
  bool max_;
  Axis ay_, ax_;
  int c_ = 0;
  std::vector<int32_t> argmax_;  // max pool: input offset (within the sample) of each output
};

class MaxPool2D : public Pool2D {
 public:
  explicit MaxPool2D(Options o) : Pool2D(o, true) {}
};
class AveragePool2D : public Pool2D {
 public:
  explicit AveragePool2D(Options o) : Pool2D(o, false) {}
};

// Mean over every axis between the batch and the channels: [N, H, W, C] or [N, L, C] -> [N, C].
class GlobalAveragePool : public Layer {
 public:
  const char* kind() const override { return "GlobalAveragePool"; }
  Shape build(const std::vector<Shape>& inputs, Rng& rng) override;
  void forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext& ctx) override;
  void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dout,
                const std::vector<Tensor*>& din, const RunContext& ctx) override;

 private:
  int spatial_ = 0, c_ = 0;
};

// Normalizes the last axis (channels) with the batch's mean and biased variance when training and
// the moving statistics otherwise: y = gamma * (x - mean) / sqrt(var + epsilon) + beta. After each
// training batch: moving = momentum * moving + (1 - momentum) * batch (Keras' convention).
class BatchNorm : public Layer {
 public:
  struct Options {
    float momentum = 0.99f;
    float epsilon = 1e-3f;
  };
  explicit BatchNorm(Options o) : o_(o) {}
  BatchNorm() = default;
  const char* kind() const override { return "BatchNorm"; }
  const Options& options() const { return o_; }
  Shape build(const std::vector<Shape>& inputs, Rng& rng) override;
  void forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext& ctx) override;
  void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dout,
                const std::vector<Tensor*>& din, const RunContext& ctx) override;
  std::vector<Param*> params() override;
  std::vector<std::pair<std::string, Tensor*>> buffers() override;
  Param& gamma() { return gamma_; }
  Param& beta() { return beta_; }
  Tensor& moving_mean() { return moving_mean_; }
  Tensor& moving_variance() { return moving_var_; }

 private:
  Options o_;
  Param gamma_{"gamma", {}, {}, false}, beta_{"beta", {}, {}, false};
  Tensor moving_mean_, moving_var_;
  int c_ = 0;
  std::vector<float> mean_, inv_std_;  // of the last forward (batch or moving statistics)
  bool batch_stats_ = false;           // the last forward used batch statistics
};

class ReLU : public Layer {
 public:
  explicit ReLU(bool six = false) : six_(six) {}
  const char* kind() const override { return six_ ? "ReLU6" : "ReLU"; }
  Shape build(const std::vector<Shape>& inputs, Rng& rng) override;
  void forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext& ctx) override;
  void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dout,
                const std::vector<Tensor*>& din, const RunContext& ctx) override;

 private:
  bool six_;
};

class ReLU6 : public ReLU {
 public:
  ReLU6() : ReLU(true) {}
};

// Training: each value is zeroed with probability `rate` and the others scaled by 1 / (1 - rate);
// the mask is a hash of (the layer's seed from build, the training step, the element index), so it
// does not depend on threads. Inference: identity.
class Dropout : public Layer {
 public:
  explicit Dropout(float rate) : rate_(rate) {}
  const char* kind() const override { return "Dropout"; }
  float rate() const { return rate_; }
  Shape build(const std::vector<Shape>& inputs, Rng& rng) override;
  void forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext& ctx) override;
  void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dout,
                const std::vector<Tensor*>& din, const RunContext& ctx) override;

 private:
  float rate_;
  uint64_t seed_ = 0;
  std::vector<float> scale_;  // per element of the last training batch: 0 or 1 / (1 - rate)
  bool dropped_ = false;
};

// Reshape to a per-sample shape; one dimension may be -1 (inferred). Flatten = Reshape({-1}).
class Reshape : public Layer {
 public:
  explicit Reshape(Shape target) : target_(std::move(target)) {}
  const char* kind() const override { return "Reshape"; }
  Shape build(const std::vector<Shape>& inputs, Rng& rng) override;
  void forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext& ctx) override;
  void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dout,
                const std::vector<Tensor*>& din, const RunContext& ctx) override;

 private:
  Shape target_, out_;
};

class Flatten : public Reshape {
 public:
  Flatten() : Reshape({-1}) {}
  const char* kind() const override { return "Flatten"; }
};

// Softmax over the last axis.
class Softmax : public Layer {
 public:
  const char* kind() const override { return "Softmax"; }
  Shape build(const std::vector<Shape>& inputs, Rng& rng) override;
  void forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext& ctx) override;
  void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dout,
                const std::vector<Tensor*>& din, const RunContext& ctx) override;
};

// Element-wise sum of two or more inputs of the same shape (residual connections).
class Add : public Layer {
 public:
  explicit Add(Activation activation = Activation::kNone) : act_(activation) {}
  const char* kind() const override { return "Add"; }
  int arity() const override { return -1; }
  Activation activation() const { return act_; }
  Shape build(const std::vector<Shape>& inputs, Rng& rng) override;
  void forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext& ctx) override;
  void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dout,
                const std::vector<Tensor*>& din, const RunContext& ctx) override;

 private:
  Activation act_;
};

}  // namespace mote::train
