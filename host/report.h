// mote host library — what a model contains and what it costs: the data behind `mote inspect`.
//
//   auto m = mote::host::load_model("kws.tflite");
//   mote::OpResolver resolver;
//   mote::register_all_ops(&resolver);
//   mote::host::ModelReport r = mote::host::make_report(m->model, resolver);
//   std::cout << mote::host::report_text(r);        // tables for people
//   std::cout << mote::host::report_json(r).dump(2);  // the schema in docs/cli.md
//
// MACs (multiply-accumulates) per layer, per batch element included:
//   CONV_2D            output elements × k_h × k_w × filter input channels (= in_c / groups)
//   DEPTHWISE_CONV_2D  output elements × k_h × k_w
//   FULLY_CONNECTED    output elements × input features (filter dims[1])
//   TRANSPOSE_CONV     input elements × k_h × k_w × out_c   (every input value meets the whole filter)
//   every other op     0 (pooling, elementwise, softmax and data movement are not counted)
// The total is the sum over layers; this is the convention of the anchors table
// (kws_ref_model: 2,656,768).
//
// Weight bytes: the bytes of every constant tensor (weights, biases, shape operands), each
// constant buffer counted once even if several tensors share it.
//
// Arena: Interpreter::plan with the given resolver. If any op is not supported (or its prepare
// rejects the model) the arena is unknown and `arena.error` holds the runtime's message; the rest
// of the report is still filled.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"

namespace mote::host {

struct OpSummary {
  std::string name;      // "CONV_2D", or the custom code
  int32_t code = 0;      // builtin code (32 = CUSTOM)
  int count = 0;
  bool supported = false;  // in ops.inc and present in the resolver
};

struct TensorSummary {
  enum class Kind { kActivation, kConstant, kVariable };
  int32_t index = 0;
  std::string name;
  mote::TensorType type = mote::TensorType::kFloat32;
  mote::Shape shape;
  size_t bytes = 0;
  Kind kind = Kind::kActivation;
  // Quantization: num_scales == 0 none, 1 per-tensor (scale, zero_point), > 1 per-channel along
  // quantized_dimension (scale/zero_point are channel 0's).
  uint32_t num_scales = 0;
  float scale = 0.0f;
  int64_t zero_point = 0;
  int32_t quantized_dimension = 0;
};

struct IoSummary {
  int io_index = 0;
  int32_t tensor = 0;
};

struct LayerSummary {
  int index = 0;
  std::string op;
  int32_t code = 0;
  int version = 1;
  bool supported = false;
  std::vector<int32_t> inputs;   // tensor indices (-1: omitted optional input)
  std::vector<int32_t> outputs;
  uint64_t macs = 0;
};

struct ArenaSummary {
  bool known = false;
  mote::ArenaPlan plan;  // valid when known
  std::string error;     // why not known ("op 3 (SVDF): operator not supported by mote")
};

struct ModelReport {
  size_t model_bytes = 0;
  uint32_t schema_version = 0;
  std::string description;
  int num_subgraphs = 0;
  std::vector<OpSummary> ops;        // one per distinct op, in order of first use
  std::vector<TensorSummary> tensors;
  std::vector<IoSummary> inputs;
  std::vector<IoSummary> outputs;
  std::vector<LayerSummary> layers;  // one per operator, in execution order
  uint64_t macs = 0;
  size_t weight_bytes = 0;
  ArenaSummary arena;
};

// MACs of operator `index` of a verified model (formulas above).
uint64_t op_macs(const mote::Model& model, int index);

ModelReport make_report(const mote::Model& model, const mote::OpResolver& resolver);

// Human-readable tables (several lines, ends with a newline). `model_name` heads the report.
std::string report_text(const ModelReport& r, const std::string& model_name);
// One JSON object; schema in docs/cli.md.
nlohmann::ordered_json report_json(const ModelReport& r, const std::string& model_name);

}  // namespace mote::host
