#include "runtime/interpreter.h"

#include <string.h>

#include "runtime/kernels/quant.h"
#include "runtime/planner.h"

namespace mote {

struct Interpreter::OpRecord {
  Status (*eval)(const EvalContext&);
  EvalContext ctx;
};

namespace {

constexpr int32_t kUnset = INT32_MAX;
constexpr uint32_t kNoOffset = 0xFFFFFFFFu;

struct TensorWork {
  int32_t first;   // op index that writes it (0 for graph inputs / variables); kUnset: never written
  int32_t last;    // last op index that reads it; -1: never read
  int32_t alias;   // tensor whose bytes it shares (reshape output), or -1
  int32_t buffer;  // index into the PlanBuffer array, or -1
};
struct OpWork {
  uint32_t persistent;
  uint32_t scratch;
  int32_t scratch_buffer;
  uint32_t io_count;
};
struct Work {
  TensorWork* tensors;
  OpWork* ops;
  PlanBuffer* buffers;
  uint32_t* order;
};

inline size_t align8(size_t v) { return (v + 7u) & ~size_t{7}; }

size_t work_bytes_for(size_t n_tensors, size_t n_ops) {
  const size_t nb = n_tensors + n_ops;
  return align8(n_tensors * sizeof(TensorWork)) + align8(n_ops * sizeof(OpWork)) + align8(nb * sizeof(PlanBuffer)) +
         align8(2 * nb * sizeof(uint32_t));
}

Work carve(void* mem, size_t n_tensors, size_t n_ops) {
  uint8_t* p = static_cast<uint8_t*>(mem);
  Work w;
  w.tensors = reinterpret_cast<TensorWork*>(p);
  p += align8(n_tensors * sizeof(TensorWork));
  w.ops = reinterpret_cast<OpWork*>(p);
  p += align8(n_ops * sizeof(OpWork));
  w.buffers = reinterpret_cast<PlanBuffer*>(p);
  p += align8((n_tensors + n_ops) * sizeof(PlanBuffer));
  w.order = reinterpret_cast<uint32_t*>(p);
  return w;
}

int32_t alias_root(const Work& w, int32_t t) {
  while (w.tensors[t].alias >= 0) t = w.tensors[t].alias;
  return t;
}

// Lifetimes and data-flow checks: linear in the number of operator inputs and outputs.
Status build_lifetimes(const Model& m, const Work& w, Error* err) {
  const int32_t n = m.num_tensors();
  const int32_t last_op = m.num_ops() > 0 ? m.num_ops() - 1 : 0;
  for (int32_t t = 0; t < n; ++t) {
    TensorInfo ti = m.tensor(t);
    bool whole = ti.is_variable && !ti.is_constant();
    w.tensors[t] = {whole ? 0 : kUnset, whole ? last_op : -1, -1, -1};
  }
  for (int i = 0; i < m.num_inputs(); ++i) {
    int32_t t = m.input_tensor(i);
    if (m.tensor(t).is_constant()) return fail(err, Status::kMalformedModel, "graph input %d (tensor %d) is a constant", i, static_cast<int>(t));
    w.tensors[t].first = 0;
    if (w.tensors[t].last < 0) w.tensors[t].last = 0;
  }
  for (int o = 0; o < m.num_ops(); ++o) {
    OpView v = m.op(o);
    for (int i = 0; i < v.num_inputs(); ++i) {
      int32_t t = v.input(i);
      if (t < 0 || m.tensor(t).is_constant()) continue;
      if (w.tensors[t].first == kUnset)
        return fail(err, Status::kMalformedModel, "op %d (%s) input %d reads tensor %d before any op writes it", o, v.name(), i, static_cast<int>(t));
      if (w.tensors[t].last < o) w.tensors[t].last = o;
    }
    for (int j = 0; j < v.num_outputs(); ++j) {
      int32_t t = v.output(j);
      TensorInfo ti = m.tensor(t);
      if (ti.is_constant()) return fail(err, Status::kMalformedModel, "op %d (%s) writes constant tensor %d", o, v.name(), static_cast<int>(t));
      if (ti.is_variable) continue;
      if (w.tensors[t].first != kUnset)
        return fail(err, Status::kMalformedModel, "op %d (%s) writes tensor %d, which is a graph input or written by an earlier op", o,
                    v.name(), static_cast<int>(t));
      w.tensors[t].first = o;
      if (w.tensors[t].last < o) w.tensors[t].last = o;
    }
  }
  for (int i = 0; i < m.num_outputs(); ++i) {
    int32_t t = m.output_tensor(i);
    if (m.tensor(t).is_constant()) continue;
    if (w.tensors[t].first == kUnset)
      return fail(err, Status::kMalformedModel, "graph output %d (tensor %d) is never written", i, static_cast<int>(t));
    w.tensors[t].last = last_op;
  }
  return Status::kOk;
}

// Decodes the tensors of one op into `storage`. nullptr entries for omitted optional inputs.
Status op_tensors(const Model& m, int o, const OpView& v, TensorInfo* storage, const TensorInfo** ins, const TensorInfo** outs,
                  Error* err) {
  if (v.num_inputs() + v.num_outputs() > Interpreter::kMaxOpTensors)
    return fail(err, Status::kUnsupported, "op %d (%s) has %d inputs and %d outputs; at most %d tensors per op are supported", o,
                v.name(), v.num_inputs(), v.num_outputs(), Interpreter::kMaxOpTensors);
  int k = 0;
  for (int i = 0; i < v.num_inputs(); ++i) {
    int32_t t = v.input(i);
    if (t < 0) {
      ins[i] = nullptr;
      continue;
    }
    storage[k] = m.tensor(t);
    ins[i] = &storage[k++];
  }
  for (int j = 0; j < v.num_outputs(); ++j) {
    storage[k] = m.tensor(v.output(j));
    outs[j] = &storage[k++];
  }
  return Status::kOk;
}

Status run_prepare(const Model& m, const OpResolver& r, int o, void* op_data, OpWork* ow, Error* err) {
  OpView v = m.op(o);
  const OpRegistration* reg = r.find(v.builtin_code);
  if (reg == nullptr) {
    if (!is_supported_op(v.builtin_code))
      return fail(err, Status::kUnsupported, "op %d (%s): operator not supported by mote", o, v.name());
    return fail(err, Status::kUnsupported, "op %d (%s): operator not registered in the op resolver", o, v.name());
  }
  TensorInfo storage[Interpreter::kMaxOpTensors];
  const TensorInfo* ins[Interpreter::kMaxOpTensors];
  const TensorInfo* outs[Interpreter::kMaxOpTensors];
  MOTE_RETURN_IF_ERROR(op_tensors(m, o, v, storage, ins, outs, err));
  PrepareContext::Init init{o, reg->op, v.version, v.options, ins, v.num_inputs(), outs, v.num_outputs(), op_data, err};
  PrepareContext ctx(init);
  MOTE_RETURN_IF_ERROR(reg->prepare(ctx));
  if (op_data == nullptr) {
    if (ctx.persistent_request() > 0x7FFFFFFFu || ctx.scratch_request() > 0x7FFFFFFFu)
      return fail(err, Status::kUnsupported, "op %d (%s): requests more than 2 GiB of arena", o, v.name());
    ow->persistent = static_cast<uint32_t>(ctx.persistent_request());
    ow->scratch = static_cast<uint32_t>(ctx.scratch_request());
    ow->io_count = static_cast<uint32_t>(v.num_inputs() + v.num_outputs());
  } else if (ctx.persistent_request() != ow->persistent || ctx.scratch_request() != ow->scratch) {
    return fail(err, Status::kInvalidModel, "op %d (%s): prepare requested different sizes in its two passes", o, v.name());
  }
  return Status::kOk;
}

// Reshape outputs share their input's bytes: one buffer, merged lifetime.
void apply_aliases(const Model& m, const Work& w) {
  for (int o = 0; o < m.num_ops(); ++o) {
    OpView v = m.op(o);
    if (v.builtin_code != static_cast<int32_t>(BuiltinOp::RESHAPE) || v.num_inputs() < 1 || v.num_outputs() != 1) continue;
    int32_t in = v.input(0), out = v.output(0);
    if (in < 0 || in == out) continue;
    TensorInfo ti = m.tensor(in), to = m.tensor(out);
    if (ti.is_constant() || ti.is_variable || to.is_variable || ti.bytes != to.bytes) continue;
    int32_t root = alias_root(w, in);
    w.tensors[out].alias = root;
    if (w.tensors[out].first < w.tensors[root].first) w.tensors[root].first = w.tensors[out].first;
    if (w.tensors[out].last > w.tensors[root].last) w.tensors[root].last = w.tensors[out].last;
  }
}

// Runs measuring prepares, aliases and the buffer placement. Fills `plan` (all but total).
Status plan_into(const Model& m, const OpResolver& r, const Work& w, ArenaPlan* plan, Error* err) {
  MOTE_RETURN_IF_ERROR(build_lifetimes(m, w, err));
  size_t op_data = 0, io_total = 0;
  for (int o = 0; o < m.num_ops(); ++o) {
    MOTE_RETURN_IF_ERROR(run_prepare(m, r, o, nullptr, &w.ops[o], err));
    op_data += align8(w.ops[o].persistent);
    io_total += w.ops[o].io_count;
  }
  apply_aliases(m, w);
  uint32_t nb = 0;
  for (int32_t t = 0; t < m.num_tensors(); ++t) {
    TensorWork& tw = w.tensors[t];
    if (tw.alias >= 0 || tw.first == kUnset || m.tensor(t).is_constant()) continue;
    tw.buffer = static_cast<int32_t>(nb);
    w.buffers[nb++] = {static_cast<uint32_t>(m.tensor(t).bytes), tw.first, tw.last < tw.first ? tw.first : tw.last, 0};
  }
  for (int o = 0; o < m.num_ops(); ++o) {
    w.ops[o].scratch_buffer = -1;
    if (w.ops[o].scratch == 0) continue;
    w.ops[o].scratch_buffer = static_cast<int32_t>(nb);
    w.buffers[nb++] = {w.ops[o].scratch, o, o, 0};
  }
  plan->num_buffers = nb;
  plan->activation_bytes = plan_buffers(w.buffers, nb, w.order, Interpreter::kAlignment);
  plan->activation_lower_bound = plan_lower_bound(w.buffers, nb, Interpreter::kAlignment);
  plan->op_data_bytes = op_data;
  plan->table_bytes = align8(static_cast<size_t>(m.num_ops()) * sizeof(Interpreter::OpRecord)) +
                      align8(io_total * sizeof(void*)) + align8(static_cast<size_t>(m.num_tensors()) * sizeof(uint32_t));
  plan->workspace_bytes = work_bytes_for(static_cast<size_t>(m.num_tensors()), static_cast<size_t>(m.num_ops()));
  size_t region = plan->activation_bytes > plan->workspace_bytes ? plan->activation_bytes : plan->workspace_bytes;
  plan->total_bytes = align8(region) + plan->table_bytes + plan->op_data_bytes;
  return Status::kOk;
}

Status check_counts(const Model& m, Error* err) {
  if (!m.loaded()) return fail(err, Status::kNotReady, "model is not loaded");
  if (m.num_tensors() > Interpreter::kMaxTensors || m.num_ops() > Interpreter::kMaxOps)
    return fail(err, Status::kUnsupported, "model has %d tensors and %d ops; at most %d of each are supported", m.num_tensors(),
                m.num_ops(), static_cast<int>(Interpreter::kMaxTensors));
  return Status::kOk;
}

}  // namespace

Status PrepareContext::fail(Status code, const char* fmt, ...) const {
  if (err_ == nullptr) return code;
#if defined(MOTE_STRIP_ERROR_STRINGS)
  (void)fmt;
  err_->message[0] = '\0';
#else
  const char* name = builtin_op_name(static_cast<int32_t>(op_));
  size_t n = format_message(err_->message, Error::kCapacity, "op %d (%s): ", op_index_, name ? name : "?");
  va_list ap;
  va_start(ap, fmt);
  format_message_v(err_->message + n, Error::kCapacity - n, fmt, ap);
  va_end(ap);
#endif
  return code;
}

size_t Interpreter::workspace_bytes(const Model& model) {
  return work_bytes_for(static_cast<size_t>(model.num_tensors()), static_cast<size_t>(model.num_ops()));
}

Status Interpreter::plan(const Model& model, const OpResolver& resolver, void* work, size_t work_bytes, ArenaPlan* out, Error* err) {
  MOTE_RETURN_IF_ERROR(check_counts(model, err));
  if (work == nullptr || (reinterpret_cast<uintptr_t>(work) & 7u) != 0)
    return fail(err, Status::kInvalidArgument, "planning workspace must be non-null and 8-byte aligned");
  const size_t need = workspace_bytes(model);
  if (work_bytes < need) return fail(err, Status::kArenaTooSmall, "planning workspace: %zu bytes given, %zu needed", work_bytes, need);
  Work w = carve(work, static_cast<size_t>(model.num_tensors()), static_cast<size_t>(model.num_ops()));
  ArenaPlan p;
  MOTE_RETURN_IF_ERROR(plan_into(model, resolver, w, &p, err));
  *out = p;
  return Status::kOk;
}

Status Interpreter::prepare(const Model& model, const OpResolver& resolver, void* arena, size_t arena_bytes, Error* err) {
  *this = Interpreter();
  MOTE_RETURN_IF_ERROR(check_counts(model, err));
  if (arena == nullptr || (reinterpret_cast<uintptr_t>(arena) & 7u) != 0)
    return fail(err, Status::kInvalidArgument, "arena must be non-null and 8-byte aligned");
  const size_t work_need = workspace_bytes(model);
  if (arena_bytes < work_need)
    return fail(err, Status::kArenaTooSmall, "arena too small: %zu bytes given, at least %zu needed just to plan", arena_bytes,
                work_need);
  uint8_t* base = static_cast<uint8_t*>(arena);
  Work w = carve(base, static_cast<size_t>(model.num_tensors()), static_cast<size_t>(model.num_ops()));
  ArenaPlan p;
  MOTE_RETURN_IF_ERROR(plan_into(model, resolver, w, &p, err));
  if (arena_bytes < p.total_bytes)
    return fail(err, Status::kArenaTooSmall,
                "arena too small: %zu bytes given, %zu needed (activations %zu, tables %zu, op data %zu)", arena_bytes,
                p.total_bytes, p.activation_bytes > p.workspace_bytes ? p.activation_bytes : p.workspace_bytes, p.table_bytes,
                p.op_data_bytes);
  // Tables and op data live above the activation region, so the workspace stays intact while
  // they are filled.
  const int32_t n = model.num_tensors();
  const int nops = model.num_ops();
  uint8_t* tables = base + (p.total_bytes - p.table_bytes - p.op_data_bytes);
  OpRecord* records = reinterpret_cast<OpRecord*>(tables);
  void** io = reinterpret_cast<void**>(tables + align8(static_cast<size_t>(nops) * sizeof(OpRecord)));
  size_t io_total = 0;
  for (int o = 0; o < nops; ++o) io_total += w.ops[o].io_count;
  uint32_t* offsets = reinterpret_cast<uint32_t*>(reinterpret_cast<uint8_t*>(io) + align8(io_total * sizeof(void*)));
  uint8_t* op_data = tables + p.table_bytes;
  for (int32_t t = 0; t < n; ++t) {
    int32_t root = alias_root(w, t);
    int32_t b = w.tensors[root].buffer;
    offsets[t] = (b >= 0 && w.tensors[t].first != kUnset) ? w.buffers[b].offset : kNoOffset;
  }
  auto tensor_ptr = [&](int32_t t) -> void* {
    if (t < 0) return nullptr;
    TensorInfo ti = model.tensor(t);
    if (ti.is_constant()) return const_cast<uint8_t*>(ti.const_data);
    return offsets[t] == kNoOffset ? nullptr : base + offsets[t];
  };
  size_t io_pos = 0;
  for (int o = 0; o < nops; ++o) {
    OpView v = model.op(o);
    void* data = w.ops[o].persistent ? op_data : nullptr;
    MOTE_RETURN_IF_ERROR(run_prepare(model, resolver, o, data ? data : op_data, &w.ops[o], err));
    OpRecord& rec = records[o];
    rec.eval = resolver.find(v.builtin_code)->eval;
    rec.ctx.data = data;
    rec.ctx.inputs = io + io_pos;
    for (int i = 0; i < v.num_inputs(); ++i) io[io_pos++] = tensor_ptr(v.input(i));
    rec.ctx.outputs = io + io_pos;
    for (int j = 0; j < v.num_outputs(); ++j) io[io_pos++] = tensor_ptr(v.output(j));
    rec.ctx.scratch = w.ops[o].scratch_buffer >= 0 ? base + w.buffers[w.ops[o].scratch_buffer].offset : nullptr;
    op_data += align8(w.ops[o].persistent);
  }
  for (int32_t t = 0; t < n; ++t) {  // variable tensors start at zero
    TensorInfo ti = model.tensor(t);
    if (ti.is_variable && !ti.is_constant() && offsets[t] != kNoOffset) memset(base + offsets[t], 0, ti.bytes);
  }
  model_ = &model;
  arena_ = base;
  records_ = records;
  tensor_offsets_ = offsets;
  num_ops_ = nops;
  plan_ = p;
  return Status::kOk;
}

Status Interpreter::invoke(Error* err) {
  if (records_ == nullptr) return fail(err, Status::kNotReady, "invoke before a successful prepare");
  for (int o = 0; o < num_ops_; ++o) {
    Status s = records_[o].eval(records_[o].ctx);
    if (s != Status::kOk) return fail(err, s, "op %d (%s) failed during invoke", o, model_->op(o).name());
  }
  return Status::kOk;
}

Status Interpreter::invoke_op(int index, Error* err) {
  if (records_ == nullptr) return fail(err, Status::kNotReady, "invoke before a successful prepare");
  if (index < 0 || index >= num_ops_) return fail(err, Status::kInvalidArgument, "op index %d out of range [0, %d)", index, num_ops_);
  Status s = records_[index].eval(records_[index].ctx);
  if (s != Status::kOk) return fail(err, s, "op %d (%s) failed during invoke", index, model_->op(index).name());
  return Status::kOk;
}

TensorRef Interpreter::tensor(int32_t index) const {
  TensorRef r;
  if (model_ == nullptr || index < 0 || index >= model_->num_tensors()) return r;
  TensorInfo ti = model_->tensor(index);
  r.index = index;
  r.type = ti.type;
  r.shape = ti.shape;
  r.bytes = ti.bytes;
  r.scale = ti.num_scales ? ti.scale : 0.0f;
  r.zero_point = ti.zero_point;
  r.name = ti.name;
  if (ti.is_constant()) r.data = const_cast<uint8_t*>(ti.const_data);
  else if (tensor_offsets_[index] != kNoOffset) r.data = arena_ + tensor_offsets_[index];
  return r;
}

TensorRef Interpreter::input(int i) const {
  if (model_ == nullptr || i < 0 || i >= model_->num_inputs()) return TensorRef();
  return tensor(model_->input_tensor(i));
}

TensorRef Interpreter::output(int i) const {
  if (model_ == nullptr || i < 0 || i >= model_->num_outputs()) return TensorRef();
  return tensor(model_->output_tensor(i));
}

Status Interpreter::set_input_float(int i, const float* values, size_t count, Error* err) {
  TensorRef r = input(i);
  if (r.data == nullptr) return fail(err, Status::kInvalidArgument, "input %d does not exist or the interpreter is not prepared", i);
  size_t n = static_cast<size_t>(r.shape.elements());
  if (count != n) return fail(err, Status::kInvalidArgument, "input %d has %zu elements, %zu values given", i, n, count);
  switch (r.type) {
    case TensorType::kFloat32: memcpy(r.data, values, n * sizeof(float)); return Status::kOk;
    case TensorType::kInt8:
    case TensorType::kInt16: {
      if (!(r.scale > 0.0f)) return fail(err, Status::kInvalidModel, "input %d is %s without a positive scale", i, type_name(r.type));
      const int32_t lo = r.type == TensorType::kInt8 ? -128 : -32768, hi = r.type == TensorType::kInt8 ? 127 : 32767;
      for (size_t k = 0; k < n; ++k) {
        float q = round_half_away(values[k] / r.scale);
        int32_t v = (q > 2e9f) ? hi : (q < -2e9f) ? lo : static_cast<int32_t>(q) + r.zero_point;
        v = v < lo ? lo : (v > hi ? hi : v);
        if (r.type == TensorType::kInt8) static_cast<int8_t*>(r.data)[k] = static_cast<int8_t>(v);
        else static_cast<int16_t*>(r.data)[k] = static_cast<int16_t>(v);
      }
      return Status::kOk;
    }
    default: return fail(err, Status::kUnsupported, "input %d has type %s; float conversion supports FLOAT32, INT8, INT16", i, type_name(r.type));
  }
}

Status Interpreter::get_output_float(int i, float* values, size_t count, Error* err) const {
  TensorRef r = output(i);
  if (r.data == nullptr) return fail(err, Status::kInvalidArgument, "output %d does not exist or the interpreter is not prepared", i);
  size_t n = static_cast<size_t>(r.shape.elements());
  if (count != n) return fail(err, Status::kInvalidArgument, "output %d has %zu elements, room for %zu given", i, n, count);
  const float scale = r.scale;
  switch (r.type) {
    case TensorType::kFloat32: memcpy(values, r.data, n * sizeof(float)); return Status::kOk;
    case TensorType::kInt8:
      for (size_t k = 0; k < n; ++k) values[k] = scale * static_cast<float>(static_cast<const int8_t*>(r.data)[k] - r.zero_point);
      return Status::kOk;
    case TensorType::kInt16:
      for (size_t k = 0; k < n; ++k) values[k] = scale * static_cast<float>(static_cast<const int16_t*>(r.data)[k] - r.zero_point);
      return Status::kOk;
    default: return fail(err, Status::kUnsupported, "output %d has type %s; float conversion supports FLOAT32, INT8, INT16", i, type_name(r.type));
  }
}

int Interpreter::argmax_output(int i) const {
  TensorRef r = output(i);
  if (r.data == nullptr) return -1;
  int n = r.shape.elements();
  int best = n > 0 ? 0 : -1;
  for (int k = 1; k < n; ++k) {
    bool better = false;
    switch (r.type) {
      case TensorType::kFloat32: better = static_cast<const float*>(r.data)[k] > static_cast<const float*>(r.data)[best]; break;
      case TensorType::kInt8: better = static_cast<const int8_t*>(r.data)[k] > static_cast<const int8_t*>(r.data)[best]; break;
      case TensorType::kInt16: better = static_cast<const int16_t*>(r.data)[k] > static_cast<const int16_t*>(r.data)[best]; break;
      case TensorType::kInt32: better = static_cast<const int32_t*>(r.data)[k] > static_cast<const int32_t*>(r.data)[best]; break;
      default: return -1;
    }
    if (better) best = k;
  }
  return best;
}

}  // namespace mote
