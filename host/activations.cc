#include "host/activations.h"

#include <cstring>

#include "host/error.h"

namespace mote::host {

namespace {

template <typename T>
void convert(const void* data, size_t n, double scale, double zero_point, std::vector<float>* out) {
  const T* p = static_cast<const T*>(data);
  out->resize(n);
  for (size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, p + i, sizeof(T));
    (*out)[i] = static_cast<float>((static_cast<double>(v) - zero_point) * scale);
  }
}

}  // namespace

std::vector<float> tensor_as_float(const mote::TensorRef& t) {
  std::vector<float> out;
  if (t.data == nullptr) return out;
  const size_t n = static_cast<size_t>(t.shape.elements());
  const bool q = t.scale != 0.0f;
  const double scale = q ? static_cast<double>(t.scale) : 1.0, zp = q ? t.zero_point : 0;
  switch (t.type) {
    case mote::TensorType::kFloat32:
      out.resize(n);
      std::memcpy(out.data(), t.data, n * sizeof(float));
      break;
    case mote::TensorType::kInt8: convert<int8_t>(t.data, n, scale, zp, &out); break;
    case mote::TensorType::kUInt8: convert<uint8_t>(t.data, n, scale, zp, &out); break;
    case mote::TensorType::kInt16: convert<int16_t>(t.data, n, scale, zp, &out); break;
    case mote::TensorType::kInt32: convert<int32_t>(t.data, n, scale, zp, &out); break;
    case mote::TensorType::kInt64: convert<int64_t>(t.data, n, scale, zp, &out); break;
    case mote::TensorType::kBool: convert<uint8_t>(t.data, n, 1.0, 0.0, &out); break;
    default:
      throw HostError(std::string("tensor ") + std::to_string(t.index) + " (" + (t.name ? t.name : "") +
                      "): type " + mote::type_name(t.type) + " cannot be read as float");
  }
  return out;
}

void run_capturing(const mote::Model& model, mote::Interpreter& interp, const std::vector<std::vector<float>>& inputs,
                   const ActivationCallback& on_op, const std::string& what) {
  if (inputs.size() != static_cast<size_t>(interp.num_inputs()))
    throw HostError(what + ": " + std::to_string(inputs.size()) + " inputs given, the model has " +
                    std::to_string(interp.num_inputs()));
  mote::Error err;
  for (int i = 0; i < interp.num_inputs(); ++i) {
    const mote::TensorRef in = interp.input(i);
    const size_t want = static_cast<size_t>(in.shape.elements());
    if (inputs[i].size() != want)
      throw HostError(what + ": input " + std::to_string(i) + " (" + (in.name ? in.name : "") + ") has " +
                      std::to_string(want) + " elements, " + std::to_string(inputs[i].size()) + " given");
    if (interp.set_input_float(i, inputs[i].data(), want, &err) != mote::Status::kOk)
      throw HostError(what + ": input " + std::to_string(i) + ": " + err.message);
  }
  std::vector<Activation> outs;
  for (int op = 0; op < interp.num_ops(); ++op) {
    if (interp.invoke_op(op, &err) != mote::Status::kOk)
      throw HostError(what + ": op " + std::to_string(op) + " (" + model.op(op).name() + ") failed: " + err.message);
    const mote::OpView view = model.op(op);
    outs.clear();
    for (int o = 0; o < view.num_outputs(); ++o) {
      const int32_t index = view.output(o);
      if (index < 0) continue;
      const mote::TensorRef t = interp.tensor(index);
      Activation a;
      a.tensor = index;
      a.name = t.name ? t.name : "";
      a.values = tensor_as_float(t);
      outs.push_back(std::move(a));
    }
    on_op(op, outs);
  }
}

void run_capturing(Session& session, const std::vector<std::vector<float>>& inputs, const ActivationCallback& on_op) {
  run_capturing(session.model(), session.interp(), inputs, on_op, session.path());
}

}  // namespace mote::host
