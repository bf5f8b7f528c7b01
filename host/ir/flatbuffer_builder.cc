#include "host/ir/flatbuffer_builder.h"

#include <algorithm>

#include "host/error.h"

namespace mote::ir {

namespace {
constexpr size_t kMaxBytes = 0x7FFFFFFF;
}  // namespace

void FlatBufferBuilder::check_size() const {
  if (size() > kMaxBytes) throw host::HostError("FlatBuffer exceeds 2 GiB: .tflite offsets are 32-bit");
}

uint8_t* FlatBufferBuilder::grow_front(size_t n) {
  if (head_ < n) {
    const size_t used = size();
    const size_t capacity = std::max({buf_.size() * 2, used + n, size_t{1024}});
    std::vector<uint8_t> bigger(capacity, 0);
    if (used) std::memcpy(bigger.data() + capacity - used, buf_.data() + head_, used);
    buf_.swap(bigger);
    head_ = capacity - used;
  }
  head_ -= n;
  check_size();
  return buf_.data() + head_;
}

void FlatBufferBuilder::pre_align(size_t len, size_t align) {
  max_align_ = std::max(max_align_, align);
  const size_t pad = (align - (size() + len) % align) % align;
  if (pad) std::memset(grow_front(pad), 0, pad);
}

void FlatBufferBuilder::push_offset(Ref target) {
  pre_align(4, 4);
  push_u32(static_cast<uint32_t>(size() + 4 - target));
}

FlatBufferBuilder::Ref FlatBufferBuilder::create_vector(const void* data, size_t count, size_t elem_size, size_t align) {
  if (in_table_) throw host::HostError("FlatBufferBuilder: vector created inside a table");
  const size_t bytes = count * elem_size;
  if (elem_size != 0 && bytes / elem_size != count) throw host::HostError("FlatBuffer vector size overflows");
  pre_align(bytes, std::max({size_t{4}, elem_size, align}));
  if (bytes) push(data, bytes);
  push_u32(static_cast<uint32_t>(count));
  return static_cast<Ref>(size());
}

FlatBufferBuilder::Ref FlatBufferBuilder::create_string(const std::string& s) {
  if (in_table_) throw host::HostError("FlatBufferBuilder: string created inside a table");
  pre_align(s.size() + 1, 4);
  *grow_front(1) = 0;
  if (!s.empty()) push(s.data(), s.size());
  push_u32(static_cast<uint32_t>(s.size()));
  return static_cast<Ref>(size());
}

FlatBufferBuilder::Ref FlatBufferBuilder::create_offset_vector(const std::vector<Ref>& refs) {
  if (in_table_) throw host::HostError("FlatBufferBuilder: vector created inside a table");
  pre_align(4 * refs.size(), 4);
  for (size_t i = refs.size(); i-- > 0;) push_offset(refs[i]);  // last element first
  push_u32(static_cast<uint32_t>(refs.size()));
  return static_cast<Ref>(size());
}

void FlatBufferBuilder::start_table() {
  if (in_table_) throw host::HostError("FlatBufferBuilder: nested start_table");
  in_table_ = true;
  fields_.clear();
}

void FlatBufferBuilder::add_field(int id, const void* value, size_t size, bool is_offset) {
  if (!in_table_) throw host::HostError("FlatBufferBuilder: field added outside a table");
  if (id < 0 || id > 1000 || (size != 1 && size != 2 && size != 4 && size != 8))
    throw host::HostError("FlatBufferBuilder: bad field id " + std::to_string(id) + " or size " + std::to_string(size));
  for (const Field& f : fields_)
    if (f.id == id) throw host::HostError("FlatBufferBuilder: field " + std::to_string(id) + " added twice");
  Field f{id, {}, size, is_offset};
  std::memcpy(f.bytes, value, size);
  fields_.push_back(f);
}

FlatBufferBuilder::Ref FlatBufferBuilder::end_table() {
  if (!in_table_) throw host::HostError("FlatBufferBuilder: end_table without start_table");
  in_table_ = false;
  const size_t table_end = size();
  // Largest fields first (they land at the table's end), so padding stays small.
  std::vector<Field> order = fields_;
  std::stable_sort(order.begin(), order.end(), [](const Field& a, const Field& b) { return a.size > b.size; });
  int max_id = -1;
  std::vector<std::pair<int, size_t>> placed;  // field id, Ref of the field
  for (const Field& f : order) {
    max_id = std::max(max_id, f.id);
    if (f.is_offset) {
      Ref target;
      std::memcpy(&target, f.bytes, 4);
      push_offset(target);
    } else {
      pre_align(f.size, f.size);
      push(f.bytes, f.size);
    }
    placed.emplace_back(f.id, size());
  }
  pre_align(4, 4);
  push_u32(0);  // soffset to the vtable, patched below
  const size_t table = size();
  const size_t table_bytes = table - table_end;
  if (table_bytes > 0xFFFF) throw host::HostError("FlatBuffer table larger than 64 KiB");

  std::vector<uint16_t> vt(2 + static_cast<size_t>(max_id + 1), 0);
  vt[0] = static_cast<uint16_t>(vt.size() * 2);
  vt[1] = static_cast<uint16_t>(table_bytes);
  for (const auto& [id, ref] : placed) vt[2 + static_cast<size_t>(id)] = static_cast<uint16_t>(table - ref);
  const size_t vt_bytes = vt.size() * 2;

  Ref vt_ref = 0;
  for (Ref existing : vtables_) {
    if (std::memcmp(at_ref(existing), vt.data(), 2) == 0 && std::memcmp(at_ref(existing), vt.data(), vt_bytes) == 0) {
      vt_ref = existing;
      break;
    }
  }
  if (vt_ref == 0) {
    pre_align(vt_bytes, 2);
    push(vt.data(), vt_bytes);
    vt_ref = static_cast<Ref>(size());
    vtables_.push_back(vt_ref);
  }
  // vtable = table - soffset, in absolute positions; from the end that is soffset = vt_ref - table.
  const int32_t soffset = static_cast<int32_t>(static_cast<int64_t>(vt_ref) - static_cast<int64_t>(table));
  std::memcpy(at_ref(static_cast<Ref>(table)), &soffset, 4);
  return static_cast<Ref>(table);
}

std::vector<uint8_t> FlatBufferBuilder::finish(Ref root, const char* file_identifier) {
  if (in_table_) throw host::HostError("FlatBufferBuilder: finish inside a table");
  pre_align(8, max_align_);
  push(file_identifier, 4);
  push_offset(root);
  std::vector<uint8_t> out(buf_.begin() + static_cast<std::ptrdiff_t>(head_), buf_.end());
  *this = FlatBufferBuilder();
  return out;
}

}  // namespace mote::ir
