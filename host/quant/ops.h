// mote quantizer — builtin operator codes the quantizer handles (the .tflite BuiltinOperator values).
#pragma once

#include <cstdint>

namespace mote::quant::op {
enum : int32_t {
  kAdd = 0, kAveragePool2D = 1, kConcatenation = 2, kConv2D = 3, kDepthwiseConv2D = 4, kDequantize = 6,
  kFullyConnected = 9, kLogistic = 14, kMaxPool2D = 17, kMul = 18, kRelu = 19, kRelu6 = 21, kReshape = 22,
  kSoftmax = 25, kTanh = 28, kPad = 34, kMean = 40, kSub = 41, kStridedSlice = 45, kTransposeConv = 67,
  kLeakyRelu = 98, kQuantize = 114,
};
}  // namespace mote::quant::op
