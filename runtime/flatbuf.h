// mote runtime — bounds-checked, zero-copy access to FlatBuffers binary data.
//
// A FlatBuffer is a tree of tables addressed by 32-bit offsets. Every accessor here checks the
// offsets it follows against the buffer it was given, so reading hostile bytes can never leave the
// buffer: a field that does not fit reads as absent, and the `check_*` functions report exactly
// which rule was broken so the model loader can refuse the file with a precise message.
//
// Layout reminder (little-endian):
//   table at T:   int32 soffset  -> vtable at T - soffset
//   vtable at V:  uint16 vtable_bytes, uint16 table_bytes, uint16 field_offset[N]  (0 = absent)
//   scalar field: value at T + field_offset
//   offset field: uint32 u at F = T + field_offset; target at F + u
//   vector at P:  uint32 count, then count elements; a string also ends with a NUL byte
//
// Nothing here allocates; all views are (buffer, size, position) triples valid as long as the
// buffer is.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

namespace mote {
namespace fb {

template <typename T>
inline T load(const uint8_t* p) {
  T v;
  memcpy(&v, p, sizeof(T));
  return v;
}

// A vector or string in the buffer. `data` points at the first element; elements are read with
// load<T>() so no alignment is assumed.
struct Vector {
  const uint8_t* data = nullptr;
  uint32_t count = 0;
  uint32_t elem_size = 0;
  bool present = false;

  template <typename T>
  T at(uint32_t i) const {
    return load<T>(data + static_cast<size_t>(i) * sizeof(T));
  }
};

class Table {
 public:
  Table() = default;

  // Opens the table at absolute position `pos`. Returns an absent table if the table header or its
  // vtable does not fit in the buffer.
  static Table at(const uint8_t* buf, size_t size, size_t pos);
  // The root table of a buffer (uoffset at byte 0).
  static Table root(const uint8_t* buf, size_t size);

  bool present() const { return buf_ != nullptr; }
  size_t position() const { return pos_; }

  // Offset of field `id` inside the table, or 0 if the field is absent.
  uint32_t field_offset(int id) const;

  template <typename T>
  T scalar(int id, T dflt) const {
    uint32_t fo = field_offset(id);
    if (fo == 0 || fo + sizeof(T) > table_bytes_) return dflt;
    return load<T>(buf_ + pos_ + fo);
  }
  // Sub-table referenced by field `id` (absent if missing or out of the buffer).
  Table table(int id) const;
  // Vector of `elem_size`-byte scalars or structs; absent if missing or not inside the buffer.
  Vector vector(int id, uint32_t elem_size) const;
  // Vector of tables: element i is opened with table_at(vec, i).
  Table table_at(const Vector& v, uint32_t i) const;
  // String field: returns nullptr if absent; `len` receives the byte count (no NUL counted).
  const char* string(int id, uint32_t* len) const;

  const uint8_t* buffer() const { return buf_; }
  size_t buffer_size() const { return size_; }

 private:
  bool target(int id, size_t* out) const;

  const uint8_t* buf_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;
  size_t vt_ = 0;
  uint16_t vt_bytes_ = 0;
  uint16_t table_bytes_ = 0;
};

// What a verifier found wrong, for messages: which rule and the numbers involved.
struct Problem {
  const char* what = nullptr;  // "table outside buffer", "vector outside buffer", ...
  uint64_t pos = 0;
  uint64_t value = 0;
  uint64_t limit = 0;
};

// Structural checks used by the loader; each returns false and fills `p` on the first violation.
bool check_table(const uint8_t* buf, size_t size, size_t pos, Problem* p);
// The field, if present, is an offset to a table / vector (of elem_size each) / NUL-terminated string
// inside the buffer. Absent fields pass.
bool check_table_field(const Table& t, int id, Problem* p);
bool check_vector_field(const Table& t, int id, uint32_t elem_size, Problem* p);
bool check_string_field(const Table& t, int id, Problem* p);
// The scalar field, if present, lies entirely inside the table's inline bytes.
bool check_scalar_field(const Table& t, int id, uint32_t bytes, Problem* p);

}  // namespace fb
}  // namespace mote
