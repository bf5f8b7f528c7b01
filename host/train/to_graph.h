// mote trainer — a trained Model as a float .tflite graph the runtime runs.
//
// Every layer becomes the operator it was written to match (layers.h), with its parameters copied
// unchanged (they are already in .tflite layouts); the exported model takes one sample (batch 1):
//
//   Dense              FULLY_CONNECTED   weights [out, in], bias [out]
//   Conv2D             CONV_2D           filter OHWI, bias
//   Conv1D             RESHAPE [1, L, C] -> [1, 1, L, C], CONV_2D, RESHAPE back to [1, L', F]
//   DepthwiseConv2D    DEPTHWISE_CONV_2D filter [1, kh, kw, C·M], depth_multiplier M
//   MaxPool2D, AveragePool2D             MAX_POOL_2D, AVERAGE_POOL_2D
//   GlobalAveragePool  MEAN over the spatial axes (constant axis tensor), keep_dims false
//   BatchNorm          folded into the Dense / Conv / DepthwiseConv before it when that layer has
//                      no activation and nothing else reads its output: per output channel
//                      s = gamma / sqrt(var + eps), W' = W·s, b' = (b − mean)·s + beta;
//                      otherwise MUL by s and ADD of beta − mean·s
//   ReLU, ReLU6        fused into the op before (its fused_activation_function) when that op has
//                      no activation yet and nothing else reads its output; otherwise RELU, RELU6
//   Add                ADD (fused activation); three or more inputs: a chain of ADDs
//   Flatten, Reshape   RESHAPE (constant shape input and new_shape option)
//   Softmax            SOFTMAX (beta 1)
//   Dropout            nothing: its output is its input
//
// Tensor names: "input", then each op's output is named after the layer that produced it
// ("conv2d_1"; folded / fused layers share the tensor of the op they joined), weights
// "<layer>/kernel", "<layer>/bias" (a zero bias is written for layers without one).
//
//   ir::Graph g = to_graph(model, {.append_softmax = true});
//   ir::write_tflite_file(g, "model_float.tflite");
#pragma once

#include <string>

#include "host/ir/graph.h"
#include "host/train/model.h"

namespace mote::train {

struct GraphOptions {
  bool append_softmax = false;     // add a SOFTMAX after the model's output (a classifier trained on logits)
  bool fold_batch_norm = true;
  bool fuse_activations = true;
  std::string description = "mote train";
};

// Throws HostError naming the layer when a layer has no runtime equivalent.
ir::Graph to_graph(const Model& model, const GraphOptions& options = {});

}  // namespace mote::train
