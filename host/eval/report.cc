// The evaluation report as text tables and as JSON.
#include <cmath>
#include <string>

#include "host/eval/eval.h"
#include "host/quant/calib_data.h"
#include "host/text.h"

namespace mote::eval {

std::string format_db(double db, int decimals) {
  if (std::isinf(db)) return db > 0 ? "inf" : "-inf";
  return host::strprintf("%.*f", decimals, db);
}

namespace {

std::string percent(double fraction) { return host::strprintf("%.2f%%", 100.0 * fraction); }

// Converter-made names can be long ("model/conv2d/Relu;model/conv2d/BiasAdd;..."): the table shows
// the first part; the JSON keeps the whole name.
std::string short_name(const std::string& name, size_t max = 48) {
  std::string s = name;
  const size_t semi = s.find(';');
  if (semi != std::string::npos) s = s.substr(0, semi) + ";...";
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

nlohmann::ordered_json db_json(double db) {
  if (std::isinf(db)) return db > 0 ? "inf" : "-inf";
  return db;
}

std::string accuracy_lines(const EvalReport& r) {
  if (!r.classifier)
    return "top-1:           not reported (output 0 has " + std::to_string(r.num_classes) +
           " value: not a classifier; the SQNR and MAE below compare the values)\n";
  std::string out;
  if (r.has_labels)
    out += "top-1 accuracy:  float " + percent(r.float_accuracy) + " (" + std::to_string(r.float_correct) + "), quantized " +
           percent(r.quant_accuracy) + " (" + std::to_string(r.quant_correct) + "), difference " +
           host::strprintf("%+.2f", 100.0 * (r.quant_accuracy - r.float_accuracy)) + " points\n";
  else
    out += "top-1 accuracy:  no labels given (--labels)\n";
  out += "top-1 agreement: " + percent(r.top1_agreement) + " (" + std::to_string(r.agree) + " of " + std::to_string(r.samples) +
         " samples, argmax of output 0 over " + std::to_string(r.num_classes) + " values)\n";
  return out;
}

std::string outputs_table(const EvalReport& r) {
  host::TextTable t({"output", "shape", "type", "SQNR dB", "MAE", "max |error|"}, {true, false, false, true, true, true});
  for (const OutputStats& o : r.outputs)
    t.add({std::to_string(o.index), quant::shape_string(o.shape), mote::type_name(o.quant_type), format_db(o.sqnr_db),
           host::strprintf("%.6g", o.mae), host::strprintf("%.6g", o.max_abs_error)});
  return "input SQNR: " + format_db(r.input_sqnr_db) + " dB (the samples as the quantized model's input holds them)\n"
         "outputs (quantized model, dequantized, against the float model):\n" + t.render("  ");
}

std::string layers_table(const EvalReport& r) {
  std::string out = "per-layer quantization error (each activation of the quantized model against the float tensor of the same name):\n";
  if (r.layers.empty()) return out + "  (none) " + r.layers_note + "\n";
  host::TextTable t({"#", "op", "tensor", "shape", "type", "scale", "zero point", "SQNR dB", "own dB", ""},
                    {true, false, false, false, false, true, true, true, true, false});
  for (const LayerStats& l : r.layers)
    t.add({std::to_string(l.op_index), l.op, short_name(l.tensor), quant::shape_string(l.shape), mote::type_name(l.type),
           l.scale != 0.0f ? host::strprintf("%.6g", l.scale) : "-", l.scale != 0.0f ? std::to_string(l.zero_point) : "-",
           format_db(l.sqnr_db), format_db(l.own_sqnr_db), l.worst ? "<- worst" : ""});
  out += t.render("  ");
  if (!r.layers_note.empty()) out += "  " + r.layers_note + "\n";
  if (r.worst_layer >= 0) {
    const LayerStats& w = r.layers[static_cast<size_t>(r.worst_layer)];
    out += "worst layer: op " + std::to_string(w.op_index) + " (" + w.op + ") '" + short_name(w.tensor) + "' adds the most error (own " +
           format_db(w.own_sqnr_db) + " dB; its input " + format_db(w.input_sqnr_db) + " dB, its output " + format_db(w.sqnr_db) + " dB)\n";
  } else {
    out += "no layer adds error of its own\n";
  }
  out += "(SQNR: accumulated error up to the tensor; own: the error the layer adds itself; see docs/eval.md)\n";
  return out;
}

}  // namespace

std::string report_text(const EvalReport& r) {
  std::string out = "float model:     " + r.float_model + "\nquantized model: " + r.quant_model +
                    "\nsamples:         " + std::to_string(r.samples) + "\n\n";
  out += accuracy_lines(r) + "\n" + outputs_table(r) + "\n" + layers_table(r);
  return out;
}

nlohmann::ordered_json report_json(const EvalReport& r) {
  using nlohmann::ordered_json;
  ordered_json j;
  j["float_model"] = r.float_model;
  j["quant_model"] = r.quant_model;
  j["samples"] = r.samples;
  j["labels"] = r.has_labels;
  j["float_accuracy"] = r.has_labels ? ordered_json(r.float_accuracy) : ordered_json(nullptr);
  j["int8_accuracy"] = r.has_labels ? ordered_json(r.quant_accuracy) : ordered_json(nullptr);
  j["top1_agreement"] = r.classifier ? ordered_json(r.top1_agreement) : ordered_json(nullptr);
  j["num_classes"] = r.num_classes;
  j["classifier"] = r.classifier;
  j["input_sqnr_db"] = db_json(r.input_sqnr_db);
  j["outputs"] = ordered_json::array();
  for (const OutputStats& o : r.outputs)
    j["outputs"].push_back({{"index", o.index}, {"shape", o.shape}, {"type", mote::type_name(o.quant_type)},
                            {"sqnr_db", db_json(o.sqnr_db)}, {"mae", o.mae}, {"max_abs_error", o.max_abs_error}});
  j["layers"] = ordered_json::array();
  for (const LayerStats& l : r.layers)
    j["layers"].push_back({{"op_index", l.op_index}, {"op", l.op}, {"tensor", l.tensor}, {"tensor_index", l.quant_tensor},
                           {"float_tensor_index", l.float_tensor}, {"shape", l.shape}, {"type", mote::type_name(l.type)},
                           {"scale", l.scale}, {"zero_point", l.zero_point}, {"sqnr_db", db_json(l.sqnr_db)},
                           {"input_sqnr_db", db_json(l.input_sqnr_db)}, {"own_sqnr_db", db_json(l.own_sqnr_db)}, {"worst", l.worst}});
  j["worst_layer"] = r.worst_layer >= 0 ? ordered_json(r.layers[static_cast<size_t>(r.worst_layer)].op_index) : ordered_json(nullptr);
  j["quant_activations"] = r.quant_activations;
  j["unmatched_names"] = r.unmatched_names;
  j["shape_mismatches"] = r.shape_mismatches;
  j["layers_note"] = r.layers_note;
  return j;
}

}  // namespace mote::eval
