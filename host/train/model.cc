#include "host/train/model.h"

#include <algorithm>

#include "host/error.h"

namespace mote::train {

Model::Model(Shape input_shape, uint64_t seed) : rng_(seed), pool_(new ThreadPool(0)) {
  shape_elements(input_shape);  // validates
  Node in;
  in.shape = std::move(input_shape);
  nodes_.push_back(std::move(in));
}

Model::~Model() = default;

int Model::add(std::unique_ptr<Layer> layer) { return add(std::move(layer), {output()}); }

int Model::add(std::unique_ptr<Layer> layer, const std::vector<int>& inputs) {
  if (!layer) throw host::HostError("Model::add: null layer");
  const int id = static_cast<int>(nodes_.size());
  std::vector<Shape> shapes;
  for (int i : inputs) {
    if (i < 0 || i >= id)
      throw host::HostError(std::string(layer->kind()) + " (node " + std::to_string(id) +
                            "): input node " + std::to_string(i) + " does not exist (nodes 0.." +
                            std::to_string(id - 1) + ")");
    shapes.push_back(nodes_[static_cast<size_t>(i)].shape);
  }
  const int arity = layer->arity();
  if ((arity >= 0 && static_cast<int>(inputs.size()) != arity) || (arity < 0 && inputs.size() < 2))
    throw host::HostError(std::string(layer->kind()) + " (node " + std::to_string(id) + "): takes " +
                          (arity < 0 ? std::string("two or more") : std::to_string(arity)) +
                          " input(s), got " + std::to_string(inputs.size()));
  Node n;
  n.shape = layer->build(shapes, rng_);
  n.inputs = inputs;
  n.layer = std::move(layer);
  nodes_.push_back(std::move(n));
  return id;
}

const Tensor& Model::forward(const Tensor& x, bool training) {
  if (x.rank() < 1 || sample_shape(x) != nodes_[0].shape)
    throw host::HostError("model input must be [batch] + " + shape_str(nodes_[0].shape) + ", got " +
                          shape_str(x.shape()));
  nodes_[0].out.resize(x.shape());
  std::copy(x.vec().begin(), x.vec().end(), nodes_[0].out.vec().begin());
  RunContext ctx{pool_.get(), training, step_};
  std::vector<const Tensor*> in;
  for (size_t i = 1; i < nodes_.size(); ++i) {
    Node& n = nodes_[i];
    in.clear();
    for (int j : n.inputs) in.push_back(&nodes_[static_cast<size_t>(j)].out);
    n.layer->forward(in, n.out, ctx);
  }
  last_training_ = training;
  if (training) ++step_;
  return nodes_.back().out;
}

void Model::backward(const Tensor& dout, bool want_input_grad) {
  Node& last = nodes_.back();
  if (dout.shape() != last.out.shape())
    throw host::HostError("backward: gradient shape " + shape_str(dout.shape()) +
                          " differs from the output shape " + shape_str(last.out.shape()));
  for (Node& n : nodes_) n.has_grad = false;
  last.grad.resize(dout.shape());
  std::copy(dout.vec().begin(), dout.vec().end(), last.grad.vec().begin());
  last.has_grad = true;
  RunContext ctx{pool_.get(), last_training_, step_ - (last_training_ ? 1 : 0)};
  std::vector<const Tensor*> in;
  std::vector<Tensor*> din;
  std::vector<Tensor> temps;
  for (size_t i = nodes_.size() - 1; i >= 1; --i) {
    Node& n = nodes_[i];
    if (!n.has_grad) {  // output not used by the loss: its parameters get zero gradients
      for (Param* p : n.layer->params()) p->grad.zero();
      continue;
    }
    in.clear();
    din.clear();
    temps.clear();
    temps.reserve(n.inputs.size());
    std::vector<int> accumulate;  // positions whose gradient is added afterwards
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      Node& src = nodes_[static_cast<size_t>(n.inputs[k])];
      in.push_back(&src.out);
      if (n.inputs[k] == 0 && !want_input_grad) {
        din.push_back(nullptr);
        continue;
      }
      const bool seen = std::find(n.inputs.begin(), n.inputs.begin() + k, n.inputs[k]) !=
                        n.inputs.begin() + k;
      if (!src.has_grad && !seen) {
        src.grad.resize(src.out.shape());
        din.push_back(&src.grad);
      } else {
        temps.emplace_back(src.out.shape());
        din.push_back(&temps.back());
        accumulate.push_back(static_cast<int>(k));
      }
    }
    n.layer->backward(in, n.out, n.grad, din, ctx);
    for (size_t k = 0; k < n.inputs.size(); ++k)
      if (din[k]) nodes_[static_cast<size_t>(n.inputs[k])].has_grad = true;
    for (int k : accumulate) {
      float* g = nodes_[static_cast<size_t>(n.inputs[static_cast<size_t>(k)])].grad.data();
      const float* t = din[static_cast<size_t>(k)]->data();
      const size_t count = din[static_cast<size_t>(k)]->size();
      for (size_t e = 0; e < count; ++e) g[e] += t[e];
    }
  }
  if (want_input_grad && !nodes_[0].has_grad) {
    nodes_[0].grad.resize(nodes_[0].out.shape());
    nodes_[0].grad.zero();
  }
}

std::vector<Param*> Model::params() const {
  std::vector<Param*> out;
  for (const Node& n : nodes_)
    if (n.layer)
      for (Param* p : n.layer->params()) out.push_back(p);
  return out;
}

size_t Model::param_count() const {
  size_t total = 0;
  for (const Param* p : params()) total += p->value.size();
  return total;
}

std::vector<std::pair<std::string, Tensor*>> Model::buffers() const {
  std::vector<std::pair<std::string, Tensor*>> out;
  for (size_t i = 1; i < nodes_.size(); ++i)
    for (auto& b : nodes_[i].layer->buffers()) out.emplace_back(std::to_string(i) + "/" + b.first, b.second);
  return out;
}

std::vector<Tensor> Model::state() const {
  std::vector<Tensor> out;
  for (const Param* p : params()) out.push_back(p->value);
  for (const auto& b : buffers()) out.push_back(*b.second);
  return out;
}

void Model::set_state(const std::vector<Tensor>& state) {
  std::vector<Tensor*> dst;
  for (Param* p : params()) dst.push_back(&p->value);
  for (const auto& b : buffers()) dst.push_back(b.second);
  if (state.size() != dst.size())
    throw host::HostError("model state has " + std::to_string(state.size()) + " tensors, the model " +
                          std::to_string(dst.size()));
  for (size_t i = 0; i < dst.size(); ++i)
    if (state[i].shape() != dst[i]->shape())
      throw host::HostError("model state tensor " + std::to_string(i) + " has shape " +
                            shape_str(state[i].shape()) + ", the model " + shape_str(dst[i]->shape()));
  for (size_t i = 0; i < dst.size(); ++i) *dst[i] = state[i];
}

std::string Model::summary() const {
  std::string s = "0 Input " + shape_str(nodes_[0].shape) + "\n";
  for (size_t i = 1; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    size_t count = 0;
    for (Param* p : n.layer->params()) count += p->value.size();
    s += std::to_string(i) + " " + n.layer->kind();
    if (!n.layer->name().empty()) s += " '" + n.layer->name() + "'";
    s += " " + shape_str(n.shape) + " " + std::to_string(count) + " params <-";
    for (int j : n.inputs) s += " " + std::to_string(j);
    s += "\n";
  }
  return s;
}

void Model::set_threads(int threads) { pool_.reset(new ThreadPool(threads)); }

}  // namespace mote::train
