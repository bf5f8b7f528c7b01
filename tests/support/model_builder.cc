// FlatBuffers writer for ModelBuilder. The binary format, as produced here:
//
//   byte 0: uint32 offset to the root table; bytes 4..7: file identifier "TFL3".
//   table:  [vtable][pad][int32 soffset = table - vtable][inline fields...]
//           vtable = uint16 vtable_bytes, uint16 table_bytes, uint16 offset of field id 0, 1, ...
//           (0 = absent). Scalars sit inline at their natural alignment; offset fields hold a uint32
//           distance from the field itself to the target, which always lies after it.
//   vector: uint32 count, then the elements (aligned to their size; Buffer.data to 16 bytes);
//           vectors of tables hold uint32 offsets; strings are byte vectors plus a NUL.
//
// Everything is written front to back: a table first, then (depth first) the objects its offset
// fields point to, patching each offset once the target's position is known. Offsets are unsigned
// in FlatBuffers, so children after parents is exactly what the format needs.
#include "tests/support/model_builder.h"

#include <algorithm>
#include <functional>
#include <stdexcept>

namespace mote::testing {

namespace {

class Writer {
 public:
  std::vector<uint8_t> buf;

  size_t pos() const { return buf.size(); }
  // Zero-pads until (pos() + ahead) is a multiple of `align`.
  void pad(size_t align, size_t ahead = 0) {
    while ((buf.size() + ahead) % align != 0) buf.push_back(0);
  }
  void put(const void* p, size_t n) {
    const uint8_t* b = static_cast<const uint8_t*>(p);
    buf.insert(buf.end(), b, b + n);
  }
  void put_u32(uint32_t v) { put(&v, 4); }
  void set_u32(size_t at, uint32_t v) { std::memcpy(buf.data() + at, &v, 4); }
  void set_u16(size_t at, uint16_t v) { std::memcpy(buf.data() + at, &v, 2); }
  void patch_offset(size_t slot, size_t target) {
    if (target <= slot) throw std::logic_error("FlatBuffers offsets must point forward");
    set_u32(slot, static_cast<uint32_t>(target - slot));
  }
};

using Child = std::function<size_t(Writer&)>;  // writes an object, returns its position

struct TField {
  int id;
  std::vector<uint8_t> scalar;  // inline bytes (empty for an offset field)
  Child child;                  // set for an offset field
};

template <typename T>
TField scalar_field(int id, T v) {
  TField f{id, std::vector<uint8_t>(sizeof(T)), nullptr};
  std::memcpy(f.scalar.data(), &v, sizeof(T));
  return f;
}
TField offset_field(int id, Child c) { return TField{id, {}, std::move(c)}; }

size_t write_table(Writer& w, std::vector<TField> fields) {
  int max_id = -1;
  size_t max_align = 4;
  for (const TField& f : fields) {
    max_id = std::max(max_id, f.id);
    max_align = std::max(max_align, f.child ? size_t{4} : f.scalar.size());
  }
  // Inline layout: larger fields first keeps padding small; offsets are relative to the table.
  std::vector<size_t> order(fields.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    size_t sa = fields[a].child ? 4 : fields[a].scalar.size(), sb = fields[b].child ? 4 : fields[b].scalar.size();
    return sa > sb;
  });
  std::vector<size_t> at(fields.size());
  size_t inline_end = 4;  // after the soffset
  for (size_t i : order) {
    size_t sz = fields[i].child ? 4 : fields[i].scalar.size();
    inline_end = (inline_end + sz - 1) / sz * sz;
    at[i] = inline_end;
    inline_end += sz;
  }
  const size_t table_bytes = (inline_end + 3) / 4 * 4;
  const size_t vt_bytes = 4 + 2 * static_cast<size_t>(max_id + 1);
  if (table_bytes > 0xFFFF || vt_bytes > 0xFFFF) throw std::logic_error("table too large");

  w.pad(max_align, vt_bytes);
  const size_t vt = w.pos();
  std::vector<uint8_t> vtable(vt_bytes, 0);
  uint16_t v16 = static_cast<uint16_t>(vt_bytes);
  std::memcpy(vtable.data(), &v16, 2);
  v16 = static_cast<uint16_t>(table_bytes);
  std::memcpy(vtable.data() + 2, &v16, 2);
  for (size_t i = 0; i < fields.size(); ++i) {
    v16 = static_cast<uint16_t>(at[i]);
    std::memcpy(vtable.data() + 4 + 2 * fields[i].id, &v16, 2);
  }
  w.put(vtable.data(), vtable.size());
  const size_t table = w.pos();
  w.buf.resize(table + table_bytes, 0);
  w.set_u32(table, static_cast<uint32_t>(table - vt));  // soffset: vtable = table - soffset
  for (size_t i = 0; i < fields.size(); ++i)
    if (!fields[i].child) std::memcpy(w.buf.data() + table + at[i], fields[i].scalar.data(), fields[i].scalar.size());
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].child) {
      size_t target = fields[i].child(w);
      w.patch_offset(table + at[i], target);
    }
  return table;
}

// A vector of `count` scalars of `elem_size` bytes; element data aligned to `align`.
size_t write_scalar_vector(Writer& w, const void* data, size_t count, size_t elem_size, size_t align) {
  w.pad(std::max<size_t>(align, 4), 4);
  const size_t p = w.pos();
  w.put_u32(static_cast<uint32_t>(count));
  if (count) w.put(data, count * elem_size);
  return p;
}

size_t write_string(Writer& w, const std::string& s) {
  w.pad(4);
  const size_t p = w.pos();
  w.put_u32(static_cast<uint32_t>(s.size()));
  w.put(s.data(), s.size());
  w.buf.push_back(0);
  return p;
}

size_t write_table_vector(Writer& w, const std::vector<Child>& children) {
  w.pad(4);
  const size_t p = w.pos();
  w.put_u32(static_cast<uint32_t>(children.size()));
  w.buf.resize(w.pos() + 4 * children.size(), 0);
  for (size_t i = 0; i < children.size(); ++i) {
    size_t target = children[i](w);
    w.patch_offset(p + 4 + 4 * i, target);
  }
  return p;
}

template <typename T>
Child vec_child(std::vector<T> v, size_t align = sizeof(T)) {
  return [v = std::move(v), align](Writer& w) { return write_scalar_vector(w, v.data(), v.size(), sizeof(T), align); };
}
Child string_child(std::string s) {
  return [s = std::move(s)](Writer& w) { return write_string(w, s); };
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// Quant / Options

Quant Quant::per_channel(std::vector<float> scales, int32_t dim, std::vector<int64_t> zero_points) {
  Quant q;
  if (zero_points.empty()) zero_points.assign(scales.size(), 0);
  q.scales = std::move(scales);
  q.zero_points = std::move(zero_points);
  q.quantized_dimension = dim;
  return q;
}

Options& Options::raw(int id, const void* bytes, size_t size) {
  if (size != 1 && size != 2 && size != 4 && size != 8) throw std::invalid_argument("scalar option must be 1, 2, 4 or 8 bytes");
  Field f{id, std::vector<uint8_t>(size), {}, false};
  std::memcpy(f.scalar.data(), bytes, size);
  fields_.push_back(std::move(f));
  return *this;
}

Options& Options::vec_i32(int id, std::vector<int32_t> v) {
  fields_.push_back(Field{id, {}, std::move(v), true});
  return *this;
}

namespace {
int8_t b(Activation a) { return static_cast<int8_t>(a); }
int8_t b(Padding p) { return static_cast<int8_t>(p); }
}  // namespace

Options Options::conv2d(Padding padding, int32_t stride_w, int32_t stride_h, Activation act, int32_t dilation_w,
                        int32_t dilation_h) {
  return Options().i8(0, b(padding)).i32(1, stride_w).i32(2, stride_h).i8(3, b(act)).i32(4, dilation_w).i32(5, dilation_h);
}
Options Options::depthwise_conv2d(Padding padding, int32_t stride_w, int32_t stride_h, int32_t depth_multiplier,
                                  Activation act, int32_t dilation_w, int32_t dilation_h) {
  return Options()
      .i8(0, b(padding))
      .i32(1, stride_w)
      .i32(2, stride_h)
      .i32(3, depth_multiplier)
      .i8(4, b(act))
      .i32(5, dilation_w)
      .i32(6, dilation_h);
}
Options Options::pool2d(Padding padding, int32_t stride_w, int32_t stride_h, int32_t filter_w, int32_t filter_h,
                        Activation act) {
  return Options().i8(0, b(padding)).i32(1, stride_w).i32(2, stride_h).i32(3, filter_w).i32(4, filter_h).i8(5, b(act));
}
Options Options::fully_connected(Activation act, bool keep_num_dims) {
  return Options().i8(0, b(act)).boolean(2, keep_num_dims);
}
Options Options::softmax(float beta) { return Options().f32(0, beta); }
Options Options::concatenation(int32_t axis, Activation act) { return Options().i32(0, axis).i8(1, b(act)); }
Options Options::add(Activation act, bool pot_scale_int16) {
  Options o;
  o.i8(0, b(act));
  if (!pot_scale_int16) o.boolean(1, false);
  return o;
}
Options Options::mul(Activation act) { return Options().i8(0, b(act)); }
Options Options::reshape(std::vector<int32_t> new_shape) { return Options().vec_i32(0, std::move(new_shape)); }
Options Options::strided_slice(int32_t begin_mask, int32_t end_mask, int32_t ellipsis_mask, int32_t new_axis_mask,
                               int32_t shrink_axis_mask, bool offset) {
  return Options()
      .i32(0, begin_mask)
      .i32(1, end_mask)
      .i32(2, ellipsis_mask)
      .i32(3, new_axis_mask)
      .i32(4, shrink_axis_mask)
      .boolean(5, offset);
}
Options Options::transpose_conv(Padding padding, int32_t stride_w, int32_t stride_h, Activation act) {
  return Options().i8(0, b(padding)).i32(1, stride_w).i32(2, stride_h).i8(3, b(act));
}
Options Options::leaky_relu(float alpha) { return Options().f32(0, alpha); }
Options Options::reducer(bool keep_dims) { return Options().boolean(0, keep_dims); }

uint8_t options_type_for(int32_t code) {
  switch (code) {
    case 0: return 11;    // ADD: AddOptions
    case 1: return 5;     // AVERAGE_POOL_2D: Pool2DOptions
    case 2: return 10;    // CONCATENATION
    case 3: return 1;     // CONV_2D
    case 4: return 2;     // DEPTHWISE_CONV_2D
    case 6: return 38;    // DEQUANTIZE
    case 9: return 8;     // FULLY_CONNECTED
    case 17: return 5;    // MAX_POOL_2D
    case 18: return 21;   // MUL
    case 22: return 17;   // RESHAPE
    case 25: return 9;    // SOFTMAX
    case 34: return 22;   // PAD
    case 40: return 27;   // MEAN: ReducerOptions
    case 41: return 28;   // SUB
    case 45: return 32;   // STRIDED_SLICE
    case 67: return 49;   // TRANSPOSE_CONV
    case 98: return 75;   // LEAKY_RELU
    case 114: return 89;  // QUANTIZE
    default: return 0;
  }
}

// ----------------------------------------------------------------------------------------------
// ModelBuilder

ModelBuilder::ModelBuilder() { buffers_.emplace_back(); }  // buffer 0: the empty sentinel

int ModelBuilder::add_tensor(TensorType type, std::vector<int32_t> shape, Quant q, std::string name) {
  TensorSpec t;
  t.type = type;
  t.shape = std::move(shape);
  t.quant = std::move(q);
  t.name = name.empty() ? "t" + std::to_string(tensors_.size()) : std::move(name);
  tensors_.push_back(std::move(t));
  return static_cast<int>(tensors_.size()) - 1;
}

int ModelBuilder::add_buffer(std::vector<uint8_t> data) {
  buffers_.push_back(std::move(data));
  return static_cast<int>(buffers_.size()) - 1;
}

int ModelBuilder::add_const_raw(TensorType type, std::vector<int32_t> shape, std::vector<uint8_t> bytes, Quant q,
                                std::string name) {
  int t = add_tensor(type, std::move(shape), std::move(q), std::move(name));
  tensors_[t].buffer = static_cast<uint32_t>(add_buffer(std::move(bytes)));
  return t;
}

int ModelBuilder::add_const_i8(std::vector<int32_t> s, const std::vector<int8_t>& v, Quant q, std::string n) {
  return add_const_typed(TensorType::kInt8, std::move(s), v, std::move(q), std::move(n));
}
int ModelBuilder::add_const_i16(std::vector<int32_t> s, const std::vector<int16_t>& v, Quant q, std::string n) {
  return add_const_typed(TensorType::kInt16, std::move(s), v, std::move(q), std::move(n));
}
int ModelBuilder::add_const_i32(std::vector<int32_t> s, const std::vector<int32_t>& v, Quant q, std::string n) {
  return add_const_typed(TensorType::kInt32, std::move(s), v, std::move(q), std::move(n));
}
int ModelBuilder::add_const_i64(std::vector<int32_t> s, const std::vector<int64_t>& v, Quant q, std::string n) {
  return add_const_typed(TensorType::kInt64, std::move(s), v, std::move(q), std::move(n));
}
int ModelBuilder::add_const_f32(std::vector<int32_t> s, const std::vector<float>& v, Quant q, std::string n) {
  return add_const_typed(TensorType::kFloat32, std::move(s), v, std::move(q), std::move(n));
}

int ModelBuilder::add_variable(TensorType type, std::vector<int32_t> shape, Quant q, std::string name) {
  int t = add_tensor(type, std::move(shape), std::move(q), std::move(name));
  tensors_[t].is_variable = true;
  return t;
}

uint32_t ModelBuilder::opcode_index(const OpCode& oc) {
  for (size_t i = 0; i < opcodes_.size(); ++i)
    if (opcodes_[i] == oc) return static_cast<uint32_t>(i);
  opcodes_.push_back(oc);
  return static_cast<uint32_t>(opcodes_.size() - 1);
}

int ModelBuilder::add_op_code(int32_t code, std::vector<int32_t> inputs, std::vector<int32_t> outputs, Options options,
                              int32_t version) {
  OpSpec op{opcode_index(OpCode{code, version, ""}), code, std::move(inputs), std::move(outputs), std::move(options)};
  ops_.push_back(std::move(op));
  return static_cast<int>(ops_.size()) - 1;
}

int ModelBuilder::add_op(BuiltinOp op, std::vector<int32_t> inputs, std::vector<int32_t> outputs, Options options,
                         int32_t version) {
  return add_op_code(static_cast<int32_t>(op), std::move(inputs), std::move(outputs), std::move(options), version);
}

int ModelBuilder::add_custom_op(const std::string& custom_code, std::vector<int32_t> inputs, std::vector<int32_t> outputs) {
  OpSpec op{opcode_index(OpCode{32, 1, custom_code}), 32, std::move(inputs), std::move(outputs), Options()};
  ops_.push_back(std::move(op));
  return static_cast<int>(ops_.size()) - 1;
}

namespace {

Child quant_child(const Quant& q) {
  return [q](Writer& w) {
    std::vector<TField> f;
    if (!q.min.empty()) f.push_back(offset_field(0, vec_child(q.min)));
    if (!q.max.empty()) f.push_back(offset_field(1, vec_child(q.max)));
    if (!q.scales.empty()) f.push_back(offset_field(2, vec_child(q.scales)));
    if (!q.zero_points.empty()) f.push_back(offset_field(3, vec_child(q.zero_points, 8)));
    if (q.quantized_dimension != 0) f.push_back(scalar_field<int32_t>(6, q.quantized_dimension));
    return write_table(w, std::move(f));
  };
}

Child options_child(const Options& o) {
  return [o](Writer& w) {
    std::vector<TField> f;
    for (const Options::Field& of : o.fields()) {
      if (of.is_vector) f.push_back(offset_field(of.id, vec_child(of.vector)));
      else f.push_back(TField{of.id, of.scalar, nullptr});
    }
    return write_table(w, std::move(f));
  };
}

}  // namespace

std::vector<uint8_t> ModelBuilder::finish() {
  Layout& L = layout_;
  L = Layout();
  L.tensors.assign(tensors_.size(), 0);
  L.operators.assign(ops_.size(), 0);
  L.operator_codes.assign(opcodes_.size(), 0);
  L.buffers.assign(buffers_.size(), 0);
  L.buffer_data.assign(buffers_.size(), 0);

  std::vector<Child> opcode_children;
  for (size_t i = 0; i < opcodes_.size(); ++i) {
    opcode_children.push_back([this, i, &L](Writer& w) {
      const OpCode& oc = opcodes_[i];
      std::vector<TField> f;
      // deprecated_builtin_code: the code itself below 127, 127 (PLACEHOLDER_FOR_GREATER_OP_CODES)
      // above; negative codes (broken models) are written into both fields.
      const int32_t dep = oc.code >= 127 ? 127 : (oc.code < -128 ? -128 : oc.code);
      f.push_back(scalar_field<int8_t>(0, static_cast<int8_t>(dep)));
      if (!oc.custom.empty()) f.push_back(offset_field(1, string_child(oc.custom)));
      f.push_back(scalar_field<int32_t>(2, oc.version));
      f.push_back(scalar_field<int32_t>(3, oc.code));
      return L.operator_codes[i] = write_table(w, std::move(f));
    });
  }

  std::vector<Child> tensor_children;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    tensor_children.push_back([this, i, &L](Writer& w) {
      const TensorSpec& t = tensors_[i];
      std::vector<TField> f;
      if (t.has_shape) f.push_back(offset_field(0, vec_child(t.shape)));
      f.push_back(scalar_field<uint8_t>(1, t.raw_type >= 0 ? static_cast<uint8_t>(t.raw_type) : static_cast<uint8_t>(t.type)));
      f.push_back(scalar_field<uint32_t>(2, t.buffer));
      if (t.has_name) f.push_back(offset_field(3, string_child(t.name)));
      if (!t.quant.empty()) f.push_back(offset_field(4, quant_child(t.quant)));
      if (t.is_variable) f.push_back(scalar_field<uint8_t>(5, 1));
      if (!t.shape_signature.empty()) f.push_back(offset_field(7, vec_child(t.shape_signature)));
      return L.tensors[i] = write_table(w, std::move(f));
    });
  }

  std::vector<Child> op_children;
  for (size_t i = 0; i < ops_.size(); ++i) {
    op_children.push_back([this, i, &L](Writer& w) {
      const OpSpec& op = ops_[i];
      std::vector<TField> f;
      f.push_back(scalar_field<uint32_t>(0, op.opcode_index));
      f.push_back(offset_field(1, vec_child(op.inputs)));
      f.push_back(offset_field(2, vec_child(op.outputs)));
      if (!op.options.empty()) {
        uint8_t type = op.options.has_type() ? op.options.type_value() : options_type_for(op.builtin_code);
        f.push_back(scalar_field<uint8_t>(3, type));
        f.push_back(offset_field(4, options_child(op.options)));
      }
      return L.operators[i] = write_table(w, std::move(f));
    });
  }

  Child subgraph = [&](Writer& w) {
    std::vector<TField> f;
    f.push_back(offset_field(0, [&](Writer& ww) { return write_table_vector(ww, tensor_children); }));
    f.push_back(offset_field(1, vec_child(inputs_)));
    f.push_back(offset_field(2, vec_child(outputs_)));
    f.push_back(offset_field(3, [&](Writer& ww) { return write_table_vector(ww, op_children); }));
    f.push_back(offset_field(4, string_child(subgraph_name_)));
    return L.subgraph = write_table(w, std::move(f));
  };

  std::vector<Child> buffer_children;
  for (size_t i = 0; i < buffers_.size(); ++i) {
    buffer_children.push_back([this, i, &L](Writer& w) {
      std::vector<TField> f;
      if (!buffers_[i].empty()) {
        f.push_back(offset_field(0, [this, i, &L](Writer& ww) {
          size_t p = write_scalar_vector(ww, buffers_[i].data(), buffers_[i].size(), 1, 16);
          L.buffer_data[i] = p + 4;
          return p;
        }));
      }
      return L.buffers[i] = write_table(w, std::move(f));
    });
  }

  Writer w;
  w.put_u32(0);      // root offset, patched below
  w.put("TFL3", 4);  // file identifier
  std::vector<TField> root;
  root.push_back(scalar_field<uint32_t>(0, version_));
  root.push_back(offset_field(1, [&](Writer& ww) { return write_table_vector(ww, opcode_children); }));
  root.push_back(offset_field(2, [&](Writer& ww) { return write_table_vector(ww, {subgraph}); }));
  root.push_back(offset_field(3, string_child(description_)));
  root.push_back(offset_field(4, [&](Writer& ww) { return write_table_vector(ww, buffer_children); }));
  L.root_table = write_table(w, std::move(root));
  w.patch_offset(0, L.root_table);
  // The version is the only 4-byte scalar of the root table: find it through the vtable.
  int32_t soff;
  std::memcpy(&soff, w.buf.data() + L.root_table, 4);
  uint16_t fo;
  std::memcpy(&fo, w.buf.data() + (L.root_table - soff) + 4, 2);
  L.version_field = L.root_table + fo;
  w.pad(16);
  return std::move(w.buf);
}

// ----------------------------------------------------------------------------------------------
// Byte helpers

void poke_u32(std::vector<uint8_t>* bytes, size_t pos, uint32_t v) { std::memcpy(bytes->data() + pos, &v, 4); }
void poke_u16(std::vector<uint8_t>* bytes, size_t pos, uint16_t v) { std::memcpy(bytes->data() + pos, &v, 2); }
uint32_t peek_u32(const std::vector<uint8_t>& bytes, size_t pos) {
  uint32_t v;
  std::memcpy(&v, bytes.data() + pos, 4);
  return v;
}

AlignedModel::AlignedModel(const std::vector<uint8_t>& bytes, size_t misalign)
    : storage_(new uint8_t[bytes.size() + 32]), size_(bytes.size()) {
  uint8_t* base = storage_.get();
  data_ = base + ((16 - (reinterpret_cast<uintptr_t>(base) & 15)) & 15) + misalign;
  if (!bytes.empty()) std::memcpy(data_, bytes.data(), bytes.size());
}

}  // namespace mote::testing
