#include "runtime/flatbuf.h"

namespace mote {
namespace fb {

namespace {
// Positions are size_t; a uint32 offset added to a position can exceed the buffer but never wraps
// a 64-bit size_t. On 32-bit targets buffers are far below 2 GiB, so sums stay below 2^32 + 2^32;
// we still compare by subtraction to be safe.
inline bool fits(size_t size, size_t pos, size_t len) { return pos <= size && len <= size - pos; }
}  // namespace

Table Table::at(const uint8_t* buf, size_t size, size_t pos) {
  Table t;
  if (buf == nullptr || !fits(size, pos, 4) || (pos & 3u) != 0) return t;
  int32_t soff = load<int32_t>(buf + pos);
  int64_t vt = static_cast<int64_t>(pos) - static_cast<int64_t>(soff);
  if (vt < 0 || (vt & 1) != 0 || !fits(size, static_cast<size_t>(vt), 4)) return t;
  uint16_t vt_bytes = load<uint16_t>(buf + vt);
  uint16_t table_bytes = load<uint16_t>(buf + vt + 2);
  if (vt_bytes < 4 || (vt_bytes & 1u) != 0 || !fits(size, static_cast<size_t>(vt), vt_bytes)) return t;
  if (table_bytes < 4 || !fits(size, pos, table_bytes)) return t;
  t.buf_ = buf;
  t.size_ = size;
  t.pos_ = pos;
  t.vt_ = static_cast<size_t>(vt);
  t.vt_bytes_ = vt_bytes;
  t.table_bytes_ = table_bytes;
  return t;
}

Table Table::root(const uint8_t* buf, size_t size) {
  if (buf == nullptr || size < 8) return Table();
  return at(buf, size, load<uint32_t>(buf));
}

uint32_t Table::field_offset(int id) const {
  if (buf_ == nullptr || id < 0) return 0;
  size_t slot = 4 + 2 * static_cast<size_t>(id);
  if (slot + 2 > vt_bytes_) return 0;
  uint16_t fo = load<uint16_t>(buf_ + vt_ + slot);
  if (fo < 4 || fo >= table_bytes_) return 0;
  return fo;
}

bool Table::target(int id, size_t* out) const {
  uint32_t fo = field_offset(id);
  if (fo == 0 || fo + 4u > table_bytes_) return false;
  size_t field = pos_ + fo;
  uint32_t u = load<uint32_t>(buf_ + field);
  if (u == 0 || !fits(size_, field, u)) return false;
  *out = field + u;
  return true;
}

Table Table::table(int id) const {
  size_t pos;
  if (!target(id, &pos)) return Table();
  return at(buf_, size_, pos);
}

Vector Table::vector(int id, uint32_t elem_size) const {
  Vector v;
  size_t pos;
  if (!target(id, &pos) || !fits(size_, pos, 4) || (pos & 3u) != 0) return v;
  uint32_t count = load<uint32_t>(buf_ + pos);
  uint64_t bytes = static_cast<uint64_t>(count) * elem_size;
  if (bytes > size_ || !fits(size_, pos + 4, static_cast<size_t>(bytes))) return v;
  v.data = buf_ + pos + 4;
  v.count = count;
  v.elem_size = elem_size;
  v.present = true;
  return v;
}

Table Table::table_at(const Vector& v, uint32_t i) const {
  if (!v.present || i >= v.count || v.elem_size != 4) return Table();
  size_t elem = static_cast<size_t>(v.data - buf_) + 4u * i;
  uint32_t u = load<uint32_t>(buf_ + elem);
  if (u == 0 || !fits(size_, elem, u)) return Table();
  return at(buf_, size_, elem + u);
}

const char* Table::string(int id, uint32_t* len) const {
  Vector v = vector(id, 1);
  if (!v.present) return nullptr;
  size_t end = static_cast<size_t>(v.data - buf_) + v.count;
  if (end >= size_ || buf_[end] != 0) return nullptr;
  if (len) *len = v.count;
  return reinterpret_cast<const char*>(v.data);
}

bool check_table(const uint8_t* buf, size_t size, size_t pos, Problem* p) {
  if (!fits(size, pos, 4)) {
    *p = {"table outside buffer", pos, 4, size};
    return false;
  }
  if ((pos & 3u) != 0) {
    *p = {"table not 4-byte aligned", pos, pos & 3u, 4};
    return false;
  }
  int32_t soff = load<int32_t>(buf + pos);
  int64_t vt = static_cast<int64_t>(pos) - static_cast<int64_t>(soff);
  if (vt < 0 || !fits(size, static_cast<size_t>(vt), 4)) {
    *p = {"vtable outside buffer", pos, static_cast<uint64_t>(vt), size};
    return false;
  }
  if ((vt & 1) != 0) {
    *p = {"vtable not 2-byte aligned", pos, static_cast<uint64_t>(vt), 2};
    return false;
  }
  uint16_t vt_bytes = load<uint16_t>(buf + vt);
  uint16_t table_bytes = load<uint16_t>(buf + vt + 2);
  if (vt_bytes < 4 || (vt_bytes & 1u) != 0 || !fits(size, static_cast<size_t>(vt), vt_bytes)) {
    *p = {"vtable size invalid", static_cast<uint64_t>(vt), vt_bytes, size};
    return false;
  }
  if (table_bytes < 4 || !fits(size, pos, table_bytes)) {
    *p = {"table inline size outside buffer", pos, table_bytes, size};
    return false;
  }
  for (size_t slot = 4; slot + 2 <= vt_bytes; slot += 2) {
    uint16_t fo = load<uint16_t>(buf + vt + slot);
    if (fo != 0 && (fo < 4 || fo >= table_bytes)) {
      *p = {"field offset outside table", pos, fo, table_bytes};
      return false;
    }
  }
  return true;
}

namespace {
bool check_offset(const Table& t, int id, size_t* target, Problem* p) {
  uint32_t fo = t.field_offset(id);
  if (fo == 0) return false;  // absent: caller treats as pass
  size_t field = t.position() + fo;
  size_t size = t.buffer_size();
  if (!fits(size, field, 4)) {
    *p = {"offset field outside buffer", field, 4, size};
    *target = SIZE_MAX;
    return false;
  }
  uint32_t u = load<uint32_t>(t.buffer() + field);
  if (u == 0 || !fits(size, field, u)) {
    *p = {"offset points outside buffer", field, u, size};
    *target = SIZE_MAX;
    return false;
  }
  *target = field + u;
  return true;
}
}  // namespace

bool check_table_field(const Table& t, int id, Problem* p) {
  size_t pos = 0;
  if (!check_offset(t, id, &pos, p)) return pos != SIZE_MAX;
  return check_table(t.buffer(), t.buffer_size(), pos, p);
}

bool check_vector_field(const Table& t, int id, uint32_t elem_size, Problem* p) {
  size_t pos = 0;
  if (!check_offset(t, id, &pos, p)) return pos != SIZE_MAX;
  size_t size = t.buffer_size();
  if (!fits(size, pos, 4)) {
    *p = {"vector length outside buffer", pos, 4, size};
    return false;
  }
  if ((pos & 3u) != 0) {
    *p = {"vector not 4-byte aligned", pos, pos & 3u, 4};
    return false;
  }
  uint32_t count = load<uint32_t>(t.buffer() + pos);
  uint64_t bytes = static_cast<uint64_t>(count) * elem_size;
  if (bytes > size || !fits(size, pos + 4, static_cast<size_t>(bytes))) {
    *p = {"vector elements outside buffer", pos, count, size};
    return false;
  }
  return true;
}

bool check_string_field(const Table& t, int id, Problem* p) {
  if (!check_vector_field(t, id, 1, p)) return false;
  if (t.field_offset(id) == 0) return true;
  uint32_t len = 0;
  if (t.string(id, &len) == nullptr) {
    *p = {"string not NUL-terminated inside buffer", t.position(), len, t.buffer_size()};
    return false;
  }
  return true;
}

bool check_scalar_field(const Table& t, int id, uint32_t bytes, Problem* p) {
  uint32_t fo = t.field_offset(id);
  if (fo == 0) return true;
  uint16_t inline_bytes = 0;
  // field_offset() already guarantees fo < table bytes; re-read the table size from the vtable.
  int32_t soff = load<int32_t>(t.buffer() + t.position());
  size_t vt = static_cast<size_t>(static_cast<int64_t>(t.position()) - soff);
  inline_bytes = load<uint16_t>(t.buffer() + vt + 2);
  if (fo + bytes > inline_bytes) {
    *p = {"scalar field crosses table end", t.position() + fo, bytes, inline_bytes};
    return false;
  }
  return true;
}

}  // namespace fb
}  // namespace mote
