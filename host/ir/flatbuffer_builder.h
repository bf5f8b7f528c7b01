// mote host IR — a small FlatBuffers binary writer (no schema compiler, no generated code).
//
// FlatBuffers are built back to front: every object is written before the objects that point at
// it, and each new object goes *in front of* what is already there, so every offset points forward
// (to a higher address), as the format requires. Positions while building are "offsets from the
// end" (Ref): they stay valid while more bytes are prepended.
//
// Binary layout produced (little-endian):
//   byte 0: uint32 offset to the root table; bytes 4..7: the file identifier (e.g. "TFL3").
//   table:  int32 soffset at the table start; vtable = table_start - soffset. The vtable is
//           uint16 vtable_bytes, uint16 table_bytes, then one uint16 per field id: the field's
//           offset from the table start, 0 = absent. Identical vtables are shared.
//   scalar field: inline at its natural alignment. Offset field: uint32 u, target at field + u.
//   vector: uint32 count, then the elements; a string also ends with a NUL byte.
//
// Alignment: every object is aligned relative to the END of the buffer, and finish() pads the
// front so the total size is a multiple of the largest alignment used. So an object aligned to 16
// here is 16-byte aligned in any copy of the file that starts at a 16-byte boundary.
//
// Typical use:
//   FlatBufferBuilder b;
//   Ref name = b.create_string("conv");              // children first
//   b.start_table();
//   b.add_offset(3, name);                           // field id 3: an offset field
//   b.add_scalar<uint8_t>(1, 9);                     // field id 1: a byte
//   Ref table = b.end_table();
//   std::vector<uint8_t> bytes = b.finish(table, "TFL3");
//
// Output is a pure function of the calls made: no addresses, clocks or hash orders leak in.
// Exceeding 2 GiB throws HostError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace mote::ir {

class FlatBufferBuilder {
 public:
  // An object already written: its distance in bytes from the end of the buffer.
  using Ref = uint32_t;

  FlatBufferBuilder() = default;

  // Current size (bytes written so far).
  size_t size() const { return buf_.size() - head_; }

  // --- vectors and strings (write these before the table that refers to them) -----------------
  // `count` elements of `elem_size` bytes each, copied as-is (little-endian host). The first
  // element is aligned to max(4, elem_size, align); the uint32 count sits right before it.
  Ref create_vector(const void* data, size_t count, size_t elem_size, size_t align = 0);
  template <typename T>
  Ref create_vector(const std::vector<T>& v, size_t align = 0) {
    return create_vector(v.data(), v.size(), sizeof(T), align);
  }
  Ref create_string(const std::string& s);
  // A vector of offsets to objects (tables, strings, vectors) written earlier.
  Ref create_offset_vector(const std::vector<Ref>& refs);

  // --- tables ------------------------------------------------------------------------------------
  // Between start_table() and end_table() only add_* calls are allowed (no other objects).
  void start_table();
  // A scalar field of 1, 2, 4 or 8 bytes. Always written (presence is the caller's decision).
  template <typename T>
  void add_scalar(int id, T value) {
    add_field(id, &value, sizeof(T), false);
  }
  void add_offset(int id, Ref target) {
    add_field(id, &target, 4, true);
  }
  Ref end_table();

  // Writes the root offset and the 4-character file identifier; returns the finished bytes. The
  // builder is empty afterwards.
  std::vector<uint8_t> finish(Ref root, const char* file_identifier);

 private:
  struct Field {
    int id;
    uint8_t bytes[8];
    size_t size;
    bool is_offset;
  };
  void add_field(int id, const void* value, size_t size, bool is_offset);
  // Makes room for `n` bytes in front; returns a pointer to them.
  uint8_t* grow_front(size_t n);
  void push(const void* data, size_t n) { std::memcpy(grow_front(n), data, n); }
  // Pads with zeros so that after `len` more bytes the size is a multiple of `align`.
  void pre_align(size_t len, size_t align);
  void push_u32(uint32_t v) { push(&v, 4); }
  // uoffset stored at the position about to be written (size() + 4 from the end) to `target`.
  void push_offset(Ref target);
  void check_size() const;
  uint8_t* at_ref(Ref r) { return buf_.data() + (buf_.size() - r); }

  std::vector<uint8_t> buf_;  // bytes live in [head_, buf_.size())
  size_t head_ = 0;
  size_t max_align_ = 4;
  bool in_table_ = false;
  std::vector<Field> fields_;
  std::vector<Ref> vtables_;  // written vtables, for sharing
};

}  // namespace mote::ir
