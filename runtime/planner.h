// mote runtime — offline placement of activation and scratch buffers in one arena.
//
// Input: buffers with a byte size and a lifetime [first, last] in operator indices (inclusive).
// Output: an offset for each buffer such that two buffers whose lifetimes overlap never overlap in
// memory, and the peak (the activation bytes the arena must hold).
//
// Algorithm: greedy first-fit by decreasing priority. Buffers are taken one at a time; each is put
// at the lowest offset where it does not collide with any already placed buffer alive at the same
// time. Placed buffers are kept sorted by offset, so each placement is one linear scan: O(n²) time
// for n buffers, no extra memory beyond the caller's arrays. The placement is tried with several
// priority orders (largest first; largest size × lifetime first; longest lifetime first) and the
// smallest peak wins, then that order is replayed to produce the offsets.
//
// Limits: first-fit is a heuristic — the optimal placement problem (dynamic storage allocation) is
// NP-hard, so the peak can exceed the lower bound max over ops of the bytes alive at that op. The
// result is deterministic: the same model always gets the same plan, on the host and on the device.
//
//   mote::PlanBuffer b[3] = {{1024, 0, 1, 0}, {512, 1, 2, 0}, {1024, 2, 3, 0}};
//   uint32_t work[6];
//   size_t peak = mote::plan_buffers(b, 3, work, 8);   // 1536: b[2] reuses b[0]'s bytes
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace mote {

struct PlanBuffer {
  uint32_t bytes;   // size; 0-byte buffers get offset 0 and never collide
  int32_t first;    // first operator index at which the buffer is alive
  int32_t last;     // last operator index (inclusive)
  uint32_t offset;  // output: byte offset from the start of the activation region
};

// Places `n` buffers. `work` must hold 2 * n uint32_t. `alignment` (power of two) applies to every
// offset and size. Returns the peak in bytes.
size_t plan_buffers(PlanBuffer* buffers, uint32_t n, uint32_t* work, uint32_t alignment);

// Lower bound for any placement: the largest sum of aligned sizes alive at one operator index.
size_t plan_lower_bound(const PlanBuffer* buffers, uint32_t n, uint32_t alignment);

}  // namespace mote
