#include "host/train/spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "host/error.h"

namespace mote::train {

namespace {

// "Conv_2D" -> "conv2d": names compare without case, underscores or dashes.
std::string squash(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '_' && c != '-' && c != ' ') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

// The keys of one YAML map: refuses keys outside `known` at construction, then reads values with
// their type checked. Every error is "<source>:<line>: <what> ...".
class Keys {
 public:
  Keys(const ModelSpec& spec, const YAML::Node& map, std::string what, std::vector<std::string> known)
      : spec_(spec), map_(map), what_(std::move(what)) {
    if (!map.IsMap()) fail(map, "must be a map of keys");
    for (const auto& kv : map) {
      const std::string key = kv.first.as<std::string>();
      if (std::find(known.begin(), known.end(), key) == known.end())
        fail(kv.first, "unknown key '" + key + "' (known keys: " + join(known) + ")");
    }
  }
  // `at` may be a key that is absent (an invalid node): the map's own line then.
  [[noreturn]] void fail(const YAML::Node& at, const std::string& msg) const {
    throw host::HostError(spec_.where(at.IsDefined() ? line_of(at) : line_of(map_)) + what_ + ": " + msg);
  }
  bool has(const char* key) const { return static_cast<bool>(map_[key]); }
  YAML::Node node(const char* key) const { return map_[key]; }
  int line(const char* key) const {
    for (const auto& kv : map_)
      if (kv.first.as<std::string>() == key) return line_of(kv.first);
    return line_of(map_);
  }

  template <typename T>
  T scalar(const char* key, T dflt, const char* kind) const {
    const YAML::Node n = map_[key];
    if (!n) return dflt;
    if (!n.IsScalar()) fail(n, std::string("'") + key + "' must be " + kind);
    try {
      return n.as<T>();
    } catch (const YAML::Exception&) {
      fail(n, std::string("'") + key + "' must be " + kind + ", got '" + n.Scalar() + "'");
    }
  }
  int integer(const char* key, int dflt, int min) const {
    const int v = scalar<int>(key, dflt, "an integer");
    if (v < min) fail(map_[key], std::string("'") + key + "' must be at least " + std::to_string(min) + ", got " + std::to_string(v));
    return v;
  }
  float number(const char* key, float dflt) const { return static_cast<float>(scalar<double>(key, dflt, "a number")); }
  bool flag(const char* key, bool dflt) const { return scalar<bool>(key, dflt, "true or false"); }
  std::string text(const char* key, const std::string& dflt) const { return scalar<std::string>(key, dflt, "a string"); }

  std::vector<int> ints(const char* key) const {
    const YAML::Node n = map_[key];
    std::vector<int> v;
    if (!n) return v;
    if (n.IsScalar()) return {scalar<int>(key, 0, "an integer or a list of integers")};
    if (!n.IsSequence()) fail(n, std::string("'") + key + "' must be a list of integers");
    for (const auto& e : n) {
      try {
        v.push_back(e.as<int>());
      } catch (const YAML::Exception&) {
        fail(e, std::string("'") + key + "' must be a list of integers, got '" + (e.IsScalar() ? e.Scalar() : "?") + "'");
      }
    }
    return v;
  }
  std::vector<std::string> strings(const char* key) const {
    const YAML::Node n = map_[key];
    if (!n) return {};
    if (n.IsScalar()) return {n.Scalar()};
    if (!n.IsSequence()) fail(n, std::string("'") + key + "' must be a list of strings");
    std::vector<std::string> v;
    for (const auto& e : n) {
      if (!e.IsScalar()) fail(e, std::string("'") + key + "' must be a list of strings");
      v.push_back(e.Scalar());
    }
    return v;
  }
  // `key: 3` or `key: [3, 2]` -> (h, w); absent -> (dflt, dflt).
  std::pair<int, int> pair(const char* key, int dflt) const {
    std::vector<int> v = ints(key);
    if (v.empty()) return {dflt, dflt};
    if (v.size() == 1) v.push_back(v[0]);
    if (v.size() != 2 || v[0] < 1 || v[1] < 1)
      fail(map_[key], std::string("'") + key + "' must be a positive integer or [height, width]");
    return {v[0], v[1]};
  }
  // One of `names` (compared squashed), as its index; absent -> dflt.
  int choice(const char* key, const std::vector<const char*>& names, int dflt) const {
    if (!has(key)) return dflt;
    const std::string v = text(key, "");
    for (size_t i = 0; i < names.size(); ++i)
      if (squash(v) == squash(names[i])) return static_cast<int>(i);
    std::vector<std::string> all(names.begin(), names.end());
    fail(map_[key], std::string("'") + key + "' is '" + v + "'; expected one of: " + join(all));
  }

 private:
  const ModelSpec& spec_;
  YAML::Node map_;
  std::string what_;
};

struct KindName {
  LayerKind kind;
  const char* name;                       // the spec's spelling
  std::vector<const char*> aliases;       // squashed
};

const std::vector<KindName>& kinds() {
  static const std::vector<KindName> k = {
      {LayerKind::kDense, "dense", {"dense", "fullyconnected", "linear"}},
      {LayerKind::kConv1D, "conv1d", {"conv1d"}},
      {LayerKind::kConv2D, "conv2d", {"conv2d", "conv"}},
      {LayerKind::kDepthwiseConv2D, "depthwise_conv2d", {"depthwiseconv2d", "depthwiseconv"}},
      {LayerKind::kMaxPool2D, "max_pool2d", {"maxpool2d", "maxpool", "maxpooling2d"}},
      {LayerKind::kAveragePool2D, "average_pool2d", {"averagepool2d", "averagepool", "avgpool2d", "avgpool", "averagepooling2d"}},
      {LayerKind::kGlobalAveragePool, "global_average_pool", {"globalaveragepool", "globalaveragepool2d", "globalaveragepooling2d", "globalaveragepooling1d"}},
      {LayerKind::kBatchNorm, "batch_norm", {"batchnorm", "batchnormalization"}},
      {LayerKind::kReLU, "relu", {"relu"}},
      {LayerKind::kReLU6, "relu6", {"relu6"}},
      {LayerKind::kDropout, "dropout", {"dropout"}},
      {LayerKind::kFlatten, "flatten", {"flatten"}},
      {LayerKind::kReshape, "reshape", {"reshape"}},
      {LayerKind::kSoftmax, "softmax", {"softmax"}},
      {LayerKind::kAdd, "add", {"add"}},
  };
  return k;
}

const std::vector<const char*> kActivations = {"none", "relu", "relu6"};
const std::vector<const char*> kPaddings = {"same", "valid"};
const std::vector<const char*> kInits = {"glorot_uniform", "he_uniform"};

Activation activation_at(const Keys& k, const char* key = "activation") {
  return static_cast<Activation>(k.choice(key, kActivations, 0));
}
Padding padding_at(const Keys& k, Padding dflt) {
  return static_cast<Padding>(k.choice("padding", kPaddings, static_cast<int>(dflt)));
}
Init init_at(const Keys& k) { return static_cast<Init>(k.choice("init", kInits, 0)); }

// activation, use_bias and init: the keys Dense, Conv and DepthwiseConv options share.
template <typename Options>
void parse_weighted(const Keys& k, Options& o) {
  o.activation = activation_at(k);
  o.use_bias = k.flag("use_bias", true);
  o.init = init_at(k);
}

void parse_conv(const Keys& k, LayerSpec& l) {
  ConvBase::Options& o = l.conv;
  if (!k.has("filters")) k.fail(k.node("type"), "needs 'filters'");
  if (!k.has("kernel")) k.fail(k.node("type"), "needs 'kernel'");
  o.filters = k.integer("filters", 0, 1);
  if (l.kind == LayerKind::kConv1D) {
    o.kernel_w = k.integer("kernel", 1, 1);
    o.stride_w = k.integer("strides", 1, 1);
  } else {
    std::tie(o.kernel_h, o.kernel_w) = k.pair("kernel", 1);
    std::tie(o.stride_h, o.stride_w) = k.pair("strides", 1);
  }
  o.padding = padding_at(k, Padding::kValid);
  parse_weighted(k, o);
}

// The options of one layer map (kind already known).
void parse_options(const Keys& k, LayerSpec& l) {
  switch (l.kind) {
    case LayerKind::kDense:
      if (!k.has("units")) k.fail(k.node("type"), "needs 'units'");
      l.dense.units = k.integer("units", 1, 1);
      parse_weighted(k, l.dense);
      break;
    case LayerKind::kConv1D:
    case LayerKind::kConv2D: parse_conv(k, l); break;
    case LayerKind::kDepthwiseConv2D:
      std::tie(l.depthwise.kernel_h, l.depthwise.kernel_w) = k.pair("kernel", 3);
      std::tie(l.depthwise.stride_h, l.depthwise.stride_w) = k.pair("strides", 1);
      l.depthwise.padding = padding_at(k, Padding::kSame);
      l.depthwise.depth_multiplier = k.integer("depth_multiplier", 1, 1);
      parse_weighted(k, l.depthwise);
      break;
    case LayerKind::kMaxPool2D:
    case LayerKind::kAveragePool2D:
      std::tie(l.pool.pool_h, l.pool.pool_w) = k.pair("pool", 2);
      std::tie(l.pool.stride_h, l.pool.stride_w) = k.pair("strides", 0);
      if (l.pool.stride_h == 0) l.pool.stride_h = l.pool.pool_h, l.pool.stride_w = l.pool.pool_w;
      l.pool.padding = padding_at(k, Padding::kValid);
      break;
    case LayerKind::kBatchNorm:
      l.batch_norm.momentum = k.number("momentum", l.batch_norm.momentum);
      l.batch_norm.epsilon = k.number("epsilon", l.batch_norm.epsilon);
      break;
    case LayerKind::kDropout: l.rate = k.number("rate", l.rate); break;
    case LayerKind::kReshape:
      if (!k.has("shape")) k.fail(k.node("type"), "needs 'shape' (per sample, e.g. [7, 7, 64])");
      l.shape = k.ints("shape");
      break;
    case LayerKind::kAdd:
      l.activation = activation_at(k);
      if (l.inputs.size() < 2) k.fail(k.node("type"), "needs 'inputs': two or more layer names");
      break;
    default: break;
  }
}

std::vector<std::string> keys_of(LayerKind kind) {
  std::vector<std::string> k = {"type", "name", "inputs"};
  auto more = [&](std::initializer_list<const char*> v) { k.insert(k.end(), v.begin(), v.end()); };
  switch (kind) {
    case LayerKind::kDense: more({"units", "activation", "use_bias", "init"}); break;
    case LayerKind::kConv1D:
    case LayerKind::kConv2D: more({"filters", "kernel", "strides", "padding", "activation", "use_bias", "init"}); break;
    case LayerKind::kDepthwiseConv2D:
      more({"kernel", "strides", "padding", "depth_multiplier", "activation", "use_bias", "init"});
      break;
    case LayerKind::kMaxPool2D:
    case LayerKind::kAveragePool2D: more({"pool", "strides", "padding"}); break;
    case LayerKind::kBatchNorm: more({"momentum", "epsilon"}); break;
    case LayerKind::kDropout: more({"rate"}); break;
    case LayerKind::kReshape: more({"shape"}); break;
    case LayerKind::kAdd: more({"activation"}); break;
    default: break;
  }
  return k;
}

LayerKind kind_at(const ModelSpec& spec, const YAML::Node& n, const std::string& name) {
  for (const KindName& k : kinds())
    for (const char* a : k.aliases)
      if (squash(name) == a) return k.kind;
  std::vector<std::string> all;
  for (const KindName& k : kinds()) all.push_back(k.name);
  throw host::HostError(spec.where(line_of(n)) + "unknown layer '" + name + "' (known layers: " + join(all) + ")");
}

LayerSpec parse_layer(const ModelSpec& spec, const YAML::Node& n, size_t index) {
  LayerSpec l;
  l.line = line_of(n);
  const std::string what = "layer " + std::to_string(index + 1);
  if (n.IsScalar()) {
    l.kind = kind_at(spec, n, n.Scalar());
    if (l.kind == LayerKind::kAdd || l.kind == LayerKind::kReshape || l.kind == LayerKind::kDense ||
        l.kind == LayerKind::kConv1D || l.kind == LayerKind::kConv2D)
      throw host::HostError(spec.where(l.line) + what + " (" + n.Scalar() +
                            ") needs options: write it as a map, e.g. {type: " + n.Scalar() + ", ...}");
    return l;
  }
  if (!n.IsMap() || !n["type"])
    throw host::HostError(spec.where(l.line) + what + ": a layer is a name (relu) or a map with 'type'");
  if (!n["type"].IsScalar()) throw host::HostError(spec.where(line_of(n["type"])) + what + ": 'type' must be a layer name");
  l.kind = kind_at(spec, n["type"], n["type"].Scalar());
  const Keys k(spec, n, what + " (" + layer_kind_name(l.kind) + ")", keys_of(l.kind));
  l.name = k.text("name", "");
  l.inputs = k.strings("inputs");
  parse_options(k, l);
  return l;
}

LossKind regression_default(const data::DataSpec& d, bool has_data) {
  const bool regression = d.task == data::Task::kRegression || d.format == data::Format::kSine ||
                          (d.format == data::Format::kCsv && !d.target_columns.empty());
  return has_data && regression ? LossKind::kMse : LossKind::kCrossEntropy;
}

void parse_training(ModelSpec& spec, const YAML::Node& n) {
  const Keys k(spec, n, "training",
               {"epochs", "batch_size", "loss", "optimizer", "lr", "momentum", "nesterov", "weight_decay", "schedule",
                "min_lr", "step_epochs", "gamma", "seed", "patience", "eval_batch", "calibration_samples"});
  TrainSettings& t = spec.train;
  t.epochs = k.integer("epochs", t.epochs, 1);
  t.batch_size = k.integer("batch_size", t.batch_size, 1);
  t.loss = static_cast<LossKind>(k.choice("loss", {"cross_entropy", "binary_cross_entropy", "mse"}, static_cast<int>(t.loss)));
  t.optimizer = static_cast<OptimizerKind>(k.choice("optimizer", {"adam", "sgd"}, 0));
  t.lr = k.number("lr", t.lr);
  if (!(t.lr > 0)) k.fail(k.node("lr"), "'lr' must be positive");
  t.momentum = k.number("momentum", t.momentum);
  t.nesterov = k.flag("nesterov", t.nesterov);
  t.weight_decay = k.number("weight_decay", t.weight_decay);
  t.schedule = static_cast<LrSchedule::Kind>(k.choice("schedule", {"constant", "step", "cosine"}, 0));
  t.min_lr = k.number("min_lr", t.min_lr);
  t.step_epochs = k.integer("step_epochs", t.step_epochs, 1);
  t.gamma = k.number("gamma", t.gamma);
  t.seed = static_cast<uint64_t>(k.integer("seed", 0, 0));
  t.patience = k.integer("patience", t.patience, 0);
  t.eval_batch = k.integer("eval_batch", t.eval_batch, 1);
  t.calibration_samples = k.integer("calibration_samples", t.calibration_samples, 1);
}

void parse_augment(const ModelSpec& spec, const YAML::Node& n, data::Augmentation& a) {
  const Keys k(spec, n, "data: augment", {"noise", "shift", "scale"});
  a.noise_stddev = k.number("noise", a.noise_stddev);
  a.shift = k.integer("shift", a.shift, 0);
  if (k.has("scale")) {
    const YAML::Node s = k.node("scale");
    if (!s.IsSequence() || s.size() != 2) k.fail(s, "'scale' must be [min, max]");
    try {
      a.scale_min = s[0].as<float>();
      a.scale_max = s[1].as<float>();
    } catch (const YAML::Exception&) {
      k.fail(s, "'scale' must be [min, max] numbers");
    }
  }
}

void parse_data_files(const Keys& k, data::DataSpec& d) {
  const int format = k.choice("format", {"idx", "csv", "npy", "wav_folder", "image_folder", "sine", "generator:sine"},
                              static_cast<int>(d.format));
  d.format = static_cast<data::Format>(std::min(format, static_cast<int>(data::Format::kSine)));
  d.task = static_cast<data::Task>(k.choice("task", {"auto", "classification", "regression"}, 0));
  d.train = k.text("train", d.train);
  d.train_labels = k.text("train_labels", d.train_labels);
  d.test = k.text("test", d.test);
  d.test_labels = k.text("test_labels", d.test_labels);
  d.class_names = k.strings("class_names");
  d.num_classes = k.integer("num_classes", d.num_classes, 0);
  if (k.has("header")) d.header = k.flag("header", false);
  const std::string delim = k.text("delimiter", ",");
  if (delim.size() != 1) k.fail(k.node("delimiter"), "'delimiter' must be one character");
  d.delimiter = delim[0];
  d.label_column = k.text("label_column", d.label_column);
  d.target_columns = k.strings("target_columns");
  d.feature_columns = k.strings("feature_columns");
  d.shape = k.ints("shape");
}

void parse_data(ModelSpec& spec, const YAML::Node& n) {
  const Keys k(spec, n, "data",
               {"format", "task", "train", "train_labels", "test", "test_labels", "class_names", "num_classes",
                "header", "delimiter", "label_column", "target_columns", "feature_columns", "shape", "scale",
                "offset", "standardize", "validation", "test_fraction", "seed", "limit", "clip_samples",
                "sample_rate", "features", "channels", "samples", "noise", "augment"});
  data::DataSpec& d = spec.data;
  d.base_dir = spec.base_dir;
  parse_data_files(k, d);
  if (k.has("scale")) d.scale = k.number("scale", 1.0f);
  if (k.has("offset")) d.offset = k.number("offset", 0.0f);
  d.standardize = k.flag("standardize", false);
  d.validation = k.number("validation", static_cast<float>(d.validation));
  d.test_fraction = k.number("test_fraction", static_cast<float>(d.test_fraction));
  if (!(d.validation >= 0 && d.validation < 1)) k.fail(k.node("validation"), "'validation' must be in [0, 1)");
  if (!(d.test_fraction >= 0 && d.test_fraction < 1)) k.fail(k.node("test_fraction"), "'test_fraction' must be in [0, 1)");
  d.seed = static_cast<uint64_t>(k.integer("seed", 0, 0));
  d.limit = k.integer("limit", 0, 0);
  d.clip_samples = k.integer("clip_samples", d.clip_samples, 1);
  d.sample_rate = k.integer("sample_rate", 0, 0);
  d.features = k.text("features", d.features);
  d.channels = k.integer("channels", 0, 0);
  d.samples = k.integer("samples", d.samples, 1);
  d.noise = k.number("noise", d.noise);
  if (k.has("augment")) parse_augment(spec, k.node("augment"), d.augment);
  for (const auto& kv : n) spec.data_key_lines.emplace_back(kv.first.as<std::string>(), line_of(kv.first));
}

}  // namespace

const char* layer_kind_name(LayerKind k) {
  for (const KindName& n : kinds())
    if (n.kind == k) return n.name;
  return "?";
}

const char* loss_kind_name(LossKind k) {
  switch (k) {
    case LossKind::kCrossEntropy: return "cross_entropy";
    case LossKind::kBinaryCrossEntropy: return "binary_cross_entropy";
    case LossKind::kMse: return "mse";
  }
  return "?";
}

std::unique_ptr<Layer> LayerSpec::make() const {
  switch (kind) {
    case LayerKind::kDense: return std::make_unique<Dense>(dense);
    case LayerKind::kConv1D: return std::make_unique<Conv1D>(conv);
    case LayerKind::kConv2D: return std::make_unique<Conv2D>(conv);
    case LayerKind::kDepthwiseConv2D: return std::make_unique<DepthwiseConv2D>(depthwise);
    case LayerKind::kMaxPool2D: return std::make_unique<MaxPool2D>(pool);
    case LayerKind::kAveragePool2D: return std::make_unique<AveragePool2D>(pool);
    case LayerKind::kGlobalAveragePool: return std::make_unique<GlobalAveragePool>();
    case LayerKind::kBatchNorm: return std::make_unique<BatchNorm>(batch_norm);
    case LayerKind::kReLU: return std::make_unique<ReLU>();
    case LayerKind::kReLU6: return std::make_unique<ReLU6>();
    case LayerKind::kDropout: return std::make_unique<Dropout>(rate);
    case LayerKind::kFlatten: return std::make_unique<Flatten>();
    case LayerKind::kReshape: return std::make_unique<Reshape>(shape);
    case LayerKind::kSoftmax: return std::make_unique<Softmax>();
    case LayerKind::kAdd: return std::make_unique<Add>(activation);
  }
  return nullptr;
}

namespace {
LayerSpec of_kind(LayerKind k) {
  LayerSpec l;
  l.kind = k;
  return l;
}
LayerSpec conv_spec(LayerKind k, int filters, int kernel, Padding p, int stride, Activation a) {
  LayerSpec l = of_kind(k);
  l.conv.filters = filters;
  l.conv.kernel_w = kernel;
  l.conv.stride_w = stride;
  l.conv.kernel_h = k == LayerKind::kConv1D ? 1 : kernel;
  l.conv.stride_h = k == LayerKind::kConv1D ? 1 : stride;
  l.conv.padding = p;
  l.conv.activation = a;
  return l;
}
LayerSpec pool_spec(LayerKind k, int pool, int stride, Padding p) {
  LayerSpec l = of_kind(k);
  l.pool.pool_h = l.pool.pool_w = pool;
  l.pool.stride_h = l.pool.stride_w = stride > 0 ? stride : pool;
  l.pool.padding = p;
  return l;
}
}  // namespace

LayerSpec dense(int units, Activation a) {
  LayerSpec l = of_kind(LayerKind::kDense);
  l.dense.units = units;
  l.dense.activation = a;
  return l;
}
LayerSpec conv2d(int filters, int kernel, Padding p, int stride, Activation a) {
  return conv_spec(LayerKind::kConv2D, filters, kernel, p, stride, a);
}
LayerSpec conv1d(int filters, int kernel, Padding p, int stride, Activation a) {
  return conv_spec(LayerKind::kConv1D, filters, kernel, p, stride, a);
}
LayerSpec depthwise_conv2d(int kernel, Padding p, int stride, int multiplier, Activation a) {
  LayerSpec l = of_kind(LayerKind::kDepthwiseConv2D);
  l.depthwise.kernel_h = l.depthwise.kernel_w = kernel;
  l.depthwise.stride_h = l.depthwise.stride_w = stride;
  l.depthwise.padding = p;
  l.depthwise.depth_multiplier = multiplier;
  l.depthwise.activation = a;
  return l;
}
LayerSpec max_pool2d(int pool, int stride, Padding p) { return pool_spec(LayerKind::kMaxPool2D, pool, stride, p); }
LayerSpec average_pool2d(int pool, int stride, Padding p) { return pool_spec(LayerKind::kAveragePool2D, pool, stride, p); }
LayerSpec global_average_pool() { return of_kind(LayerKind::kGlobalAveragePool); }
LayerSpec batch_norm() { return of_kind(LayerKind::kBatchNorm); }
LayerSpec relu() { return of_kind(LayerKind::kReLU); }
LayerSpec relu6() { return of_kind(LayerKind::kReLU6); }
LayerSpec dropout(float rate) {
  LayerSpec l = of_kind(LayerKind::kDropout);
  l.rate = rate;
  return l;
}
LayerSpec flatten() { return of_kind(LayerKind::kFlatten); }
LayerSpec reshape(Shape shape) {
  LayerSpec l = of_kind(LayerKind::kReshape);
  l.shape = std::move(shape);
  return l;
}
LayerSpec softmax() { return of_kind(LayerKind::kSoftmax); }
LayerSpec add(std::vector<std::string> inputs, Activation a) {
  LayerSpec l = of_kind(LayerKind::kAdd);
  l.inputs = std::move(inputs);
  l.activation = a;
  return l;
}

std::unique_ptr<Loss> TrainSettings::make_loss() const {
  switch (loss) {
    case LossKind::kCrossEntropy: return std::make_unique<SoftmaxCrossEntropy>();
    case LossKind::kBinaryCrossEntropy: return std::make_unique<BinaryCrossEntropy>();
    case LossKind::kMse: return std::make_unique<MeanSquaredError>();
  }
  return nullptr;
}

std::unique_ptr<Optimizer> TrainSettings::make_optimizer() const {
  if (optimizer == OptimizerKind::kSgd) return std::make_unique<SGD>(momentum, nesterov, weight_decay);
  return std::make_unique<Adam>(0.9f, 0.999f, 1e-8f, weight_decay);
}

LrSchedule TrainSettings::make_schedule() const {
  switch (schedule) {
    case LrSchedule::Kind::kStep: return LrSchedule::step(lr, step_epochs, gamma);
    case LrSchedule::Kind::kCosine: return LrSchedule::cosine(lr, epochs, min_lr);
    default: return LrSchedule::constant(lr);
  }
}

std::string ModelSpec::where(int line) const {
  return line > 0 ? source + ":" + std::to_string(line) + ": " : source + ": ";
}

int ModelSpec::data_key_line(const std::string& key) const {
  for (const auto& kv : data_key_lines)
    if (kv.first == key) return kv.second;
  return data_line;
}

namespace {
void parse_root(ModelSpec& spec, const YAML::Node& root);
}  // namespace

ModelSpec parse_spec(const std::string& yaml_text, const std::string& source, const std::string& base_dir) {
  ModelSpec spec;
  spec.source = source;
  spec.base_dir = base_dir;
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw host::HostError(spec.where(e.mark.line >= 0 ? e.mark.line + 1 : 0) + "not valid YAML: " + e.msg);
  }
  try {
    parse_root(spec, root);
  } catch (const YAML::Exception& e) {  // a conversion the checks above did not foresee
    throw host::HostError(spec.where(e.mark.line >= 0 ? e.mark.line + 1 : 0) + e.msg);
  }
  return spec;
}

namespace {

void parse_root(ModelSpec& spec, const YAML::Node& root) {
  if (!root.IsMap()) throw host::HostError(spec.where(line_of(root)) + "a spec is a map with input, layers, training, data");
  const Keys top(spec, root, "spec", {"name", "input", "layers", "training", "data"});
  spec.name = top.text("name", spec.name);
  if (!top.has("input")) throw host::HostError(spec.where(0) + "needs 'input': the per-sample shape, e.g. [28, 28, 1]");
  spec.input_line = top.line("input");
  spec.input = top.ints("input");
  for (int d : spec.input)
    if (d < 1) top.fail(top.node("input"), "'input' dimensions must be at least 1, got " + shape_str(spec.input));
  if (!top.has("layers") || !top.node("layers").IsSequence() || top.node("layers").size() == 0)
    throw host::HostError(spec.where(top.has("layers") ? top.line("layers") : 0) + "needs 'layers': a list of layers");
  spec.layers_line = top.line("layers");
  size_t i = 0;
  for (const auto& n : top.node("layers")) spec.layers.push_back(parse_layer(spec, n, i++));
  if (top.has("data")) {
    spec.has_data = true;
    spec.data_line = top.line("data");
    parse_data(spec, top.node("data"));
  }
  spec.train.loss = regression_default(spec.data, spec.has_data);
  if (top.has("training")) {
    spec.training_line = top.line("training");
    parse_training(spec, top.node("training"));
  }
}

}  // namespace

ModelSpec load_spec(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw host::HostError(path + ": cannot open the spec file");
  std::stringstream ss;
  ss << f.rdbuf();
  const size_t slash = path.find_last_of('/');
  return parse_spec(ss.str(), path, slash == std::string::npos ? "" : path.substr(0, slash));
}

namespace {

// "'conv2d_1' (per-sample shape [26, 26, 16])" for each input of a layer.
std::string describe_inputs(const Model& m, const std::vector<int>& nodes, const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < nodes.size(); ++i)
    s += (i ? ", " : "") + std::string("'") + names[static_cast<size_t>(nodes[i])] + "' (per-sample shape " +
         shape_str(m.shape(nodes[i])) + ")";
  return s;
}

}  // namespace

BuiltModel build_model(const ModelSpec& spec) {
  if (spec.input.empty()) throw host::HostError(spec.where(spec.input_line) + "the input shape is empty");
  BuiltModel b;
  b.model = std::make_unique<Model>(spec.input, spec.train.seed);
  const size_t n = spec.layers.size();
  b.softmax_output = n > 1 && spec.layers.back().kind == LayerKind::kSoftmax && spec.layers.back().inputs.empty() &&
                     spec.train.loss == LossKind::kCrossEntropy;
  std::vector<std::string> node_names = {"input"};
  std::map<std::string, int> counters;
  for (size_t i = 0; i < n; ++i) {
    const LayerSpec& l = spec.layers[i];
    std::string name = l.name.empty() ? std::string(layer_kind_name(l.kind)) + "_" + std::to_string(++counters[layer_kind_name(l.kind)]) : l.name;
    if (b.softmax_output && i + 1 == n) {
      b.node_of_layer.push_back(-1);
      break;
    }
    if (std::find(node_names.begin(), node_names.end(), name) != node_names.end())
      throw host::HostError(spec.where(l.line) + "layer " + std::to_string(i + 1) + ": the name '" + name + "' is already used");
    std::vector<int> inputs;
    for (const std::string& in : l.inputs) {
      auto it = std::find(node_names.begin(), node_names.end(), in);
      if (it == node_names.end())
        throw host::HostError(spec.where(l.line) + "layer " + std::to_string(i + 1) + " '" + name + "': input '" + in +
                              "' is not the input or an earlier layer");
      inputs.push_back(static_cast<int>(it - node_names.begin()));
    }
    if (inputs.empty()) inputs.push_back(b.model->output());
    std::unique_ptr<Layer> layer = l.make();
    layer->set_name(name);
    try {
      b.node_of_layer.push_back(b.model->add(std::move(layer), inputs));
    } catch (const host::HostError& e) {
      throw host::HostError(spec.where(l.line) + "layer " + std::to_string(i + 1) + " (" + layer_kind_name(l.kind) +
                            ") does not fit its input " + describe_inputs(*b.model, inputs, node_names) + ": " + e.what());
    }
    node_names.push_back(name);
  }
  return b;
}

int model_outputs(const Model& model) {
  const Shape& s = model.shape(model.output());
  return s.empty() ? 1 : s.back();
}

}  // namespace mote::train
