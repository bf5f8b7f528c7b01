// mote trainer — a model: a small DAG of layers, built as it is described.
//
// Node 0 is the input. add(layer) appends a node fed by the last node (a Sequential model is a
// chain of add calls); add(layer, {a, b}) feeds it from earlier nodes (residual connections). Each
// add builds the layer at once: shapes are checked and parameters initialized from the model's
// random generator, so a shape mismatch throws at the layer that causes it, and the same seed and
// the same sequence of adds give the same initial weights bit for bit.
//
//   Model m({28, 28, 1}, /*seed=*/0);
//   m.add(std::make_unique<Conv2D>(Conv2D::Options{16, 3, 3, 1, 1, Padding::kSame, Activation::kRelu}));
//   int a = m.add(std::make_unique<MaxPool2D>(Pool2D::Options{}));
//   ...
//   const Tensor& logits = m.forward(batch, /*training=*/true);
//   loss.compute(logits, labels, &dlogits);
//   m.backward(dlogits);          // fills every Param::grad
//   optimizer.step(m.params(), lr);
//
// forward() keeps every node's output until the next forward; backward() reuses them. Gradients of
// nodes read by several layers are summed in node order. The model owns a thread pool (threads(n),
// default: all cores); results do not depend on the thread count (see layer.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/train/layer.h"

namespace mote::train {

class Model {
 public:
  explicit Model(Shape input_shape, uint64_t seed = 0);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  int input() const { return 0; }
  // The node added last.
  int output() const { return static_cast<int>(nodes_.size()) - 1; }
  int add(std::unique_ptr<Layer> layer);
  int add(std::unique_ptr<Layer> layer, const std::vector<int>& inputs);

  size_t nodes() const { return nodes_.size(); }
  // Null for the input node.
  Layer* layer(int node) const { return nodes_[static_cast<size_t>(node)].layer.get(); }
  const std::vector<int>& inputs_of(int node) const { return nodes_[static_cast<size_t>(node)].inputs; }
  // Per-sample output shape of a node (node 0: the input shape).
  const Shape& shape(int node) const { return nodes_[static_cast<size_t>(node)].shape; }

  // Runs every node on x ([batch, input shape...]); returns the output node's tensor.
  const Tensor& forward(const Tensor& x, bool training);
  const Tensor& output_tensor(int node) const { return nodes_[static_cast<size_t>(node)].out; }
  // Back-propagates dL/d(output) (shaped like forward's result) through the last forward; sets
  // every parameter's grad and, when want_input_grad, input_grad().
  void backward(const Tensor& dout, bool want_input_grad = false);
  const Tensor& input_grad() const { return nodes_[0].grad; }

  std::vector<Param*> params() const;
  size_t param_count() const;
  std::vector<std::pair<std::string, Tensor*>> buffers() const;  // "node/name"
  // Copies of every parameter value, then every buffer (early stopping keeps the best epoch's);
  // set_state puts them back (throws HostError if the count or a shape differs).
  std::vector<Tensor> state() const;
  void set_state(const std::vector<Tensor>& state);
  // One line per node: "3 Conv2D [28, 28, 16] 448 params <- 2".
  std::string summary() const;

  void set_threads(int threads);  // <= 0: all cores
  int threads() const { return pool_->threads(); }
  ThreadPool& pool() { return *pool_; }
  uint64_t step() const { return step_; }
  // Used for the next training forward (dropout masks); advanced by every training forward.
  void set_step(uint64_t step) { step_ = step; }
  Rng& rng() { return rng_; }

 private:
  struct Node {
    std::unique_ptr<Layer> layer;
    std::vector<int> inputs;
    Shape shape;
    Tensor out, grad;
    bool has_grad = false;
  };
  std::vector<Node> nodes_;
  Rng rng_;
  std::unique_ptr<ThreadPool> pool_;
  uint64_t step_ = 0;
  bool last_training_ = false;
};

}  // namespace mote::train
