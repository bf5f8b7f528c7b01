#include "host/train/to_graph.h"

#include <cmath>

#include "host/error.h"
#include "host/train/layers.h"

namespace mote::train {

namespace {

// BuiltinOperator codes (runtime/ops.inc) and schema enums.
enum Code : int32_t {
  kAddOp = 0, kAvgPoolOp = 1, kConvOp = 3, kDepthwiseOp = 4, kFullyConnectedOp = 9, kMaxPoolOp = 17, kMulOp = 18,
  kReluOp = 19, kRelu6Op = 21, kReshapeOp = 22, kSoftmaxOp = 25, kMeanOp = 40,
};
int8_t schema_padding(Padding p) { return p == Padding::kSame ? 0 : 1; }
int8_t schema_activation(Activation a) { return a == Activation::kRelu ? 1 : a == Activation::kRelu6 ? 3 : 0; }

std::vector<int32_t> dims_of(const Shape& sample) {
  std::vector<int32_t> d = {1};
  d.insert(d.end(), sample.begin(), sample.end());
  return d;
}

class Exporter {
 public:
  Exporter(const Model& m, const GraphOptions& o) : m_(m), o_(o) {}
  ir::Graph run();

 private:
  // What can still be merged into the op that wrote a node's tensor.
  struct Producer {
    int op = -1;              // index in g_.ops; -1: none (input, or not mergeable)
    int act_field = -1;       // its fused-activation field id; -1: none
    int weight_axis = -1;     // 0 or 3: output-channel axis of its weights (BatchNorm folding); -1: none
  };

  int32_t activation_tensor(const std::string& name, const Shape& sample) {
    ir::Tensor t;
    t.name = name;
    t.shape = dims_of(sample);
    return g_.add_tensor(std::move(t));
  }
  int32_t constant(const std::string& name, std::vector<int32_t> shape, const std::vector<float>& v) {
    ir::Tensor t;
    t.name = name;
    t.shape = std::move(shape);
    t.set_values(v);
    return g_.add_tensor(std::move(t));
  }
  int32_t int_constant(const std::string& name, const std::vector<int32_t>& v) {
    ir::Tensor t;
    t.name = name;
    t.type = TensorType::kInt32;
    t.shape = {static_cast<int32_t>(v.size())};
    t.set_values(v);
    return g_.add_tensor(std::move(t));
  }
  int add_op(int32_t code, std::vector<int32_t> in, int32_t out, ir::BuiltinOptions opts) {
    ir::Op op;
    op.code = code;
    op.inputs = std::move(in);
    op.outputs = {out};
    op.options = std::move(opts);
    return g_.add_op(std::move(op));
  }
  int32_t bias_of(const std::string& name, const Param& bias, int channels) {
    return constant(name + "/bias", {channels}, bias.value.empty() ? std::vector<float>(static_cast<size_t>(channels), 0.0f) : bias.value.vec());
  }
  // True if `node`'s tensor may be changed in place by the node that reads it: nothing else reads
  // it and it is not the model's output.
  bool sole_reader(int node) const { return uses_[static_cast<size_t>(node)] == 1 && node != m_.output(); }

  void count_uses();
  void export_node(int node);
  void dense(int node, Dense& l);
  void conv(int node, ConvBase& l, bool one_d);
  void depthwise(int node, DepthwiseConv2D& l);
  void pool(int node, const Pool2D& l);
  void global_pool(int node);
  void batch_norm(int node, BatchNorm& l);
  void activation(int node, Activation a);
  void reshape(int node);
  void softmax(int32_t in, int32_t out);
  void add(int node, const Add& l);
  // Sets the fused activation of `p`'s op (which has none yet).
  void set_activation(const Producer& p, Activation a);
  void fold_batch_norm(const Producer& p, const std::vector<float>& scale, const std::vector<float>& shift);

  const Model& m_;
  const GraphOptions& o_;
  ir::Graph g_;
  std::vector<int32_t> tensor_;    // per node
  std::vector<Producer> producer_; // per node
  std::vector<int> uses_;          // per node: how many later nodes read it
};

void Exporter::count_uses() {
  uses_.assign(m_.nodes(), 0);
  for (size_t n = 1; n < m_.nodes(); ++n)
    for (int in : m_.inputs_of(static_cast<int>(n))) ++uses_[static_cast<size_t>(in)];
}

ir::Graph Exporter::run() {
  g_.description = o_.description;
  g_.name = "main";
  count_uses();
  tensor_.assign(m_.nodes(), -1);
  producer_.assign(m_.nodes(), Producer{});
  tensor_[0] = activation_tensor("input", m_.shape(0));
  g_.inputs = {tensor_[0]};
  for (size_t n = 1; n < m_.nodes(); ++n) export_node(static_cast<int>(n));
  int32_t out = tensor_[static_cast<size_t>(m_.output())];
  if (o_.append_softmax) {
    const int32_t probs = activation_tensor("softmax", m_.shape(m_.output()));
    softmax(out, probs);
    out = probs;
  }
  g_.outputs = {out};
  g_.validate();
  return std::move(g_);
}

void Exporter::export_node(int node) {
  Layer* layer = m_.layer(node);
  const std::string kind = layer->kind();
  if (auto* d = dynamic_cast<Dense*>(layer)) return dense(node, *d);
  if (auto* c = dynamic_cast<ConvBase*>(layer)) return conv(node, *c, kind == "Conv1D");
  if (auto* d = dynamic_cast<DepthwiseConv2D*>(layer)) return depthwise(node, *d);
  if (auto* p = dynamic_cast<Pool2D*>(layer)) return pool(node, *p);
  if (dynamic_cast<GlobalAveragePool*>(layer)) return global_pool(node);
  if (auto* b = dynamic_cast<BatchNorm*>(layer)) return batch_norm(node, *b);
  if (dynamic_cast<ReLU*>(layer)) return activation(node, kind == "ReLU6" ? Activation::kRelu6 : Activation::kRelu);
  if (dynamic_cast<Reshape*>(layer)) return reshape(node);
  if (auto* a = dynamic_cast<Add*>(layer)) return add(node, *a);
  const int in = m_.inputs_of(node)[0];
  if (dynamic_cast<Dropout*>(layer)) {
    tensor_[static_cast<size_t>(node)] = tensor_[static_cast<size_t>(in)];
    if (sole_reader(in)) producer_[static_cast<size_t>(node)] = producer_[static_cast<size_t>(in)];
    return;
  }
  if (dynamic_cast<Softmax*>(layer)) {
    tensor_[static_cast<size_t>(node)] = activation_tensor(layer->name(), m_.shape(node));
    return softmax(tensor_[static_cast<size_t>(in)], tensor_[static_cast<size_t>(node)]);
  }
  throw host::HostError("export: layer " + std::to_string(node) + " (" + kind + " '" + layer->name() +
                        "') has no .tflite operator");
}

void Exporter::dense(int node, Dense& l) {
  const int in = m_.inputs_of(node)[0];
  const int units = l.options().units;
  const int32_t w = constant(l.name() + "/kernel", {units, l.kernel().value.dim(1)}, l.kernel().value.vec());
  const int32_t b = bias_of(l.name(), l.bias(), units);
  const int32_t out = tensor_[static_cast<size_t>(node)] = activation_tensor(l.name(), m_.shape(node));
  ir::BuiltinOptions o = ir::BuiltinOptions::for_op(kFullyConnectedOp);
  if (l.options().activation != Activation::kNone)
    o.set_int8(ir::fully_connected_opt::kActivation, schema_activation(l.options().activation));
  const int op = add_op(kFullyConnectedOp, {tensor_[static_cast<size_t>(in)], w, b}, out, std::move(o));
  if (l.options().activation == Activation::kNone)
    producer_[static_cast<size_t>(node)] = {op, ir::fully_connected_opt::kActivation, 0};
}

void Exporter::conv(int node, ConvBase& l, bool one_d) {
  const int in = m_.inputs_of(node)[0];
  const ConvBase::Options& c = l.options();
  int32_t x = tensor_[static_cast<size_t>(in)];
  const Shape out_shape = m_.shape(node);
  if (one_d) {  // [1, L, C] -> [1, 1, L, C]
    const Shape& s = m_.shape(in);
    const int32_t x4 = activation_tensor(l.name() + "/input_2d", {1, s[0], s[1]});
    add_op(kReshapeOp, {x, int_constant(l.name() + "/input_2d_shape", {1, 1, s[0], s[1]})}, x4, ir::BuiltinOptions::for_op(kReshapeOp));
    g_.ops.back().options.set_ints(ir::reshape_opt::kNewShape, {1, 1, s[0], s[1]});
    x = x4;
  }
  const Shape& ks = l.kernel().value.shape();
  const int32_t w = constant(l.name() + "/kernel", {ks[0], ks[1], ks[2], ks[3]}, l.kernel().value.vec());
  const int32_t b = bias_of(l.name(), l.bias(), c.filters);
  const Shape conv_shape = one_d ? Shape{1, out_shape[0], out_shape[1]} : out_shape;
  const int32_t y = activation_tensor(one_d ? l.name() + "/output_2d" : l.name(), conv_shape);
  ir::BuiltinOptions o = ir::BuiltinOptions::for_op(kConvOp);
  o.set_int8(ir::conv2d_opt::kPadding, schema_padding(c.padding));
  o.set_int32(ir::conv2d_opt::kStrideW, c.stride_w);
  o.set_int32(ir::conv2d_opt::kStrideH, c.stride_h);
  if (c.activation != Activation::kNone) o.set_int8(ir::conv2d_opt::kActivation, schema_activation(c.activation));
  const int op = add_op(kConvOp, {x, w, b}, y, std::move(o));
  int32_t out = y;
  if (one_d) {  // back to [1, L', F]
    out = activation_tensor(l.name(), out_shape);
    add_op(kReshapeOp, {y, int_constant(l.name() + "/output_shape", dims_of(out_shape))}, out, ir::BuiltinOptions::for_op(kReshapeOp));
    g_.ops.back().options.set_ints(ir::reshape_opt::kNewShape, dims_of(out_shape));
  }
  tensor_[static_cast<size_t>(node)] = out;
  if (c.activation == Activation::kNone) producer_[static_cast<size_t>(node)] = {op, ir::conv2d_opt::kActivation, 0};
}

void Exporter::depthwise(int node, DepthwiseConv2D& l) {
  const int in = m_.inputs_of(node)[0];
  const DepthwiseConv2D::Options& c = l.options();
  const Shape& ks = l.kernel().value.shape();
  const int32_t w = constant(l.name() + "/kernel", {ks[0], ks[1], ks[2], ks[3]}, l.kernel().value.vec());
  const int32_t b = bias_of(l.name(), l.bias(), ks[3]);
  const int32_t out = tensor_[static_cast<size_t>(node)] = activation_tensor(l.name(), m_.shape(node));
  ir::BuiltinOptions o = ir::BuiltinOptions::for_op(kDepthwiseOp);
  o.set_int8(ir::depthwise_opt::kPadding, schema_padding(c.padding));
  o.set_int32(ir::depthwise_opt::kStrideW, c.stride_w);
  o.set_int32(ir::depthwise_opt::kStrideH, c.stride_h);
  o.set_int32(ir::depthwise_opt::kDepthMultiplier, c.depth_multiplier);
  if (c.activation != Activation::kNone) o.set_int8(ir::depthwise_opt::kActivation, schema_activation(c.activation));
  const int op = add_op(kDepthwiseOp, {tensor_[static_cast<size_t>(in)], w, b}, out, std::move(o));
  if (c.activation == Activation::kNone) producer_[static_cast<size_t>(node)] = {op, ir::depthwise_opt::kActivation, 3};
}

void Exporter::pool(int node, const Pool2D& l) {
  const int in = m_.inputs_of(node)[0];
  const Pool2D::Options& p = l.options();
  const int32_t out = tensor_[static_cast<size_t>(node)] = activation_tensor(l.name(), m_.shape(node));
  const int32_t code = std::string(l.kind()) == "MaxPool2D" ? kMaxPoolOp : kAvgPoolOp;
  ir::BuiltinOptions o = ir::BuiltinOptions::for_op(code);
  o.set_int8(ir::pool2d_opt::kPadding, schema_padding(p.padding));
  o.set_int32(ir::pool2d_opt::kStrideW, p.stride_w);
  o.set_int32(ir::pool2d_opt::kStrideH, p.stride_h);
  o.set_int32(ir::pool2d_opt::kFilterW, p.pool_w);
  o.set_int32(ir::pool2d_opt::kFilterH, p.pool_h);
  add_op(code, {tensor_[static_cast<size_t>(in)]}, out, std::move(o));
}

void Exporter::global_pool(int node) {
  const int in = m_.inputs_of(node)[0];
  const Layer* l = m_.layer(node);
  std::vector<int32_t> axes;
  for (size_t a = 1; a + 1 < m_.shape(in).size() + 1; ++a) axes.push_back(static_cast<int32_t>(a));
  const int32_t out = tensor_[static_cast<size_t>(node)] = activation_tensor(l->name(), m_.shape(node));
  ir::BuiltinOptions o = ir::BuiltinOptions::for_op(kMeanOp);
  o.set_bool(ir::reducer_opt::kKeepDims, false);
  add_op(kMeanOp, {tensor_[static_cast<size_t>(in)], int_constant(l->name() + "/axes", axes)}, out, std::move(o));
}

void Exporter::set_activation(const Producer& p, Activation a) {
  g_.ops[static_cast<size_t>(p.op)].options.set_int8(p.act_field, schema_activation(a));
}

void Exporter::fold_batch_norm(const Producer& p, const std::vector<float>& scale, const std::vector<float>& shift) {
  const ir::Op& op = g_.ops[static_cast<size_t>(p.op)];
  ir::Tensor& wt = g_.tensors[static_cast<size_t>(op.inputs[1])];
  ir::Tensor& bt = g_.tensors[static_cast<size_t>(op.inputs[2])];
  std::vector<float> w = wt.values<float>(), b = bt.values<float>();
  const size_t c = scale.size();
  for (size_t i = 0; i < w.size(); ++i) {
    const size_t ch = p.weight_axis == 0 ? i / (w.size() / c) : i % c;
    w[i] *= scale[ch];
  }
  for (size_t ch = 0; ch < c; ++ch) b[ch] = b[ch] * scale[ch] + shift[ch];
  wt.set_values(w);
  bt.set_values(b);
}

void Exporter::batch_norm(int node, BatchNorm& l) {
  const int in = m_.inputs_of(node)[0];
  const size_t c = l.gamma().value.size();
  std::vector<float> scale(c), shift(c);
  for (size_t i = 0; i < c; ++i) {
    const double s = l.gamma().value.at(i) / std::sqrt(static_cast<double>(l.moving_variance().at(i)) + l.options().epsilon);
    scale[i] = static_cast<float>(s);
    shift[i] = static_cast<float>(l.beta().value.at(i) - l.moving_mean().at(i) * s);
  }
  const Producer& p = producer_[static_cast<size_t>(in)];
  if (o_.fold_batch_norm && p.op >= 0 && p.weight_axis >= 0 && sole_reader(in)) {
    fold_batch_norm(p, scale, shift);
    tensor_[static_cast<size_t>(node)] = tensor_[static_cast<size_t>(in)];
    producer_[static_cast<size_t>(node)] = {p.op, p.act_field, p.weight_axis};
    return;
  }
  const int32_t mid = activation_tensor(l.name() + "/scaled", m_.shape(node));
  const int32_t c32 = static_cast<int32_t>(c);
  add_op(kMulOp, {tensor_[static_cast<size_t>(in)], constant(l.name() + "/scale", {c32}, scale)}, mid,
         ir::BuiltinOptions::for_op(kMulOp));
  const int32_t out = tensor_[static_cast<size_t>(node)] = activation_tensor(l.name(), m_.shape(node));
  const int op = add_op(kAddOp, {mid, constant(l.name() + "/shift", {c32}, shift)}, out, ir::BuiltinOptions::for_op(kAddOp));
  producer_[static_cast<size_t>(node)] = {op, ir::add_opt::kActivation, -1};
}

void Exporter::activation(int node, Activation a) {
  const int in = m_.inputs_of(node)[0];
  const Producer& p = producer_[static_cast<size_t>(in)];
  if (o_.fuse_activations && p.op >= 0 && p.act_field >= 0 && sole_reader(in)) {
    set_activation(p, a);
    tensor_[static_cast<size_t>(node)] = tensor_[static_cast<size_t>(in)];
    return;  // producer_ stays empty: the op now has an activation
  }
  const int32_t out = tensor_[static_cast<size_t>(node)] = activation_tensor(m_.layer(node)->name(), m_.shape(node));
  add_op(a == Activation::kRelu6 ? kRelu6Op : kReluOp, {tensor_[static_cast<size_t>(in)]}, out, ir::BuiltinOptions{});
}

void Exporter::reshape(int node) {
  const int in = m_.inputs_of(node)[0];
  const std::vector<int32_t> dims = dims_of(m_.shape(node));
  const std::string& name = m_.layer(node)->name();
  const int32_t out = tensor_[static_cast<size_t>(node)] = activation_tensor(name, m_.shape(node));
  ir::BuiltinOptions o = ir::BuiltinOptions::for_op(kReshapeOp);
  o.set_ints(ir::reshape_opt::kNewShape, dims);
  add_op(kReshapeOp, {tensor_[static_cast<size_t>(in)], int_constant(name + "/shape", dims)}, out, std::move(o));
}

void Exporter::softmax(int32_t in, int32_t out) {
  ir::BuiltinOptions o = ir::BuiltinOptions::for_op(kSoftmaxOp);
  o.set_float(ir::softmax_opt::kBeta, 1.0f);
  add_op(kSoftmaxOp, {in}, out, std::move(o));
}

void Exporter::add(int node, const Add& l) {
  const std::vector<int>& ins = m_.inputs_of(node);
  int32_t acc = tensor_[static_cast<size_t>(ins[0])];
  int op = -1;
  for (size_t i = 1; i < ins.size(); ++i) {
    const bool last = i + 1 == ins.size();
    const int32_t out = activation_tensor(last ? l.name() : l.name() + "/partial_" + std::to_string(i), m_.shape(node));
    ir::BuiltinOptions o = ir::BuiltinOptions::for_op(kAddOp);
    if (last && l.activation() != Activation::kNone) o.set_int8(ir::add_opt::kActivation, schema_activation(l.activation()));
    op = add_op(kAddOp, {acc, tensor_[static_cast<size_t>(ins[i])]}, out, std::move(o));
    acc = out;
  }
  tensor_[static_cast<size_t>(node)] = acc;
  if (l.activation() == Activation::kNone) producer_[static_cast<size_t>(node)] = {op, ir::add_opt::kActivation, -1};
}

}  // namespace

ir::Graph to_graph(const Model& model, const GraphOptions& options) {
  return Exporter(model, options).run();
}

}  // namespace mote::train
