#include "tests/support/op_harness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "tests/support/op_test_util.h"

namespace mote::testing {

TensorInfo tensor_info(TensorType type, const std::vector<int32_t>& dims, float scale, int32_t zero_point,
                       int32_t index) {
  TensorInfo t;
  t.index = index;
  t.type = type;
  t.shape = shape_of(dims);
  t.bytes = static_cast<size_t>(t.shape.elements()) * type_size(type);
  if (scale != 0.0f) {
    t.num_scales = 1;
    t.scale = scale;
    t.zero_point = zero_point;
  }
  return t;
}

// Layout: vtable {vtable bytes, table bytes, field offsets...} at 0, the table at `pos` (4-aligned)
// starting with its soffset back to the vtable, then one 4-byte slot per field.
OptionsTable::OptionsTable(const std::vector<std::pair<int, int32_t>>& fields) {
  int n = 0;
  for (auto& f : fields) n = std::max(n, f.first + 1);
  const size_t vt_bytes = 4 + 2 * static_cast<size_t>(n);
  pos = (vt_bytes + 3) & ~size_t{3};
  bytes.assign(pos + 4 + 4 * fields.size(), 0);
  auto put16 = [&](size_t at, uint16_t v) { std::memcpy(&bytes[at], &v, 2); };
  put16(0, static_cast<uint16_t>(vt_bytes));
  put16(2, static_cast<uint16_t>(4 + 4 * fields.size()));
  const int32_t soff = static_cast<int32_t>(pos);
  std::memcpy(&bytes[pos], &soff, 4);
  for (size_t k = 0; k < fields.size(); ++k) {
    put16(4 + 2 * static_cast<size_t>(fields[k].first), static_cast<uint16_t>(4 + 4 * k));
    std::memcpy(&bytes[pos + 4 + 4 * k], &fields[k].second, 4);
  }
}

OptionsTable OptionsTable::with_float(int field, float value) {
  int32_t bits;
  std::memcpy(&bits, &value, 4);
  return OptionsTable({{field, bits}});
}

fb::Table OptionsTable::table() const {
  return bytes.empty() ? fb::Table() : fb::Table::at(bytes.data(), bytes.size(), pos);
}

Status OpHarness::prepare() {
  std::vector<const TensorInfo*> in, out;
  for (auto& t : inputs) in.push_back(&t);
  for (auto& t : outputs) out.push_back(&t);
  PrepareContext::Init init{0,          op,
                            1,          options.table(),
                            in.data(),  static_cast<int>(in.size()),
                            out.data(), static_cast<int>(out.size()),
                            nullptr,    &err};
  PrepareContext measure(init);
  Status s = reg_->prepare(measure);
  if (s != Status::kOk) return s;
  persistent_ = measure.persistent_request();
  op_data_.assign(persistent_ / 8 + 1, 0);
  scratch_.assign(measure.scratch_request() / 8 + 1, 0);
  init.op_data = op_data_.data();
  PrepareContext fill(init);
  s = reg_->prepare(fill);
  EXPECT_EQ(fill.persistent_request(), measure.persistent_request()) << "both prepare passes must ask the same";
  EXPECT_EQ(fill.scratch_request(), measure.scratch_request()) << "both prepare passes must ask the same";
  return s;
}

Status OpHarness::eval(std::vector<const void*> in, std::vector<void*> out) const {
  EvalContext ctx{op_data_.data(), const_cast<void* const*>(in.data()), out.data(), scratch_.data()};
  return reg_->eval(ctx);
}

PreparedOp prepare_op(const OpRegistration* reg, BuiltinOp op, const TensorInfo& in, const TensorInfo& out,
                      const OptionsTable& options) {
  PreparedOp p{Status::kOk, Error(), 0, OpHarness(reg)};
  p.harness.op = op;
  p.harness.inputs = {in};
  p.harness.outputs = {out};
  p.harness.options = options;
  p.status = p.harness.prepare();
  p.err = p.harness.err;
  p.persistent = p.harness.persistent_bytes();
  return p;
}

void eval_op(const OpRegistration* reg, const PreparedOp& p, const void* input, void* output) {
  ASSERT_EQ(reg, p.harness.registration()) << "eval with the op that was prepared";
  ASSERT_EQ(p.status, Status::kOk) << "eval of an op whose prepare failed";
  ASSERT_EQ(p.harness.eval({input}, {output}), Status::kOk);
}

}  // namespace mote::testing
