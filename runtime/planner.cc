#include "runtime/planner.h"

namespace mote {

namespace {

inline uint64_t align_up(uint64_t v, uint32_t a) { return (v + a - 1) & ~static_cast<uint64_t>(a - 1); }

enum class Order { kSize, kSizeTimesLife, kLife };

uint64_t priority(const PlanBuffer& b, Order o) {
  uint64_t life = static_cast<uint64_t>(static_cast<int64_t>(b.last) - b.first + 1);
  switch (o) {
    case Order::kSize: return (static_cast<uint64_t>(b.bytes) << 20) | (life & 0xFFFFF);
    case Order::kSizeTimesLife: return static_cast<uint64_t>(b.bytes) * life;
    case Order::kLife: return (life << 32) | b.bytes;
  }
  return 0;
}

// Sorts indices by descending priority, ties by ascending index (stable, deterministic).
// Shell sort: no recursion, no allocation, O(n^1.5) typical.
void sort_order(const PlanBuffer* b, uint32_t* idx, uint32_t n, Order o) {
  for (uint32_t i = 0; i < n; ++i) idx[i] = i;
  auto before = [&](uint32_t x, uint32_t y) {
    uint64_t px = priority(b[x], o), py = priority(b[y], o);
    return px != py ? px > py : x < y;
  };
  uint32_t gap = 1;
  while (gap < n / 3) gap = gap * 3 + 1;
  for (; gap > 0; gap /= 3) {
    for (uint32_t i = gap; i < n; ++i) {
      uint32_t v = idx[i];
      uint32_t j = i;
      while (j >= gap && before(v, idx[j - gap])) {
        idx[j] = idx[j - gap];
        j -= gap;
      }
      idx[j] = v;
    }
  }
}

inline bool alive_together(const PlanBuffer& a, const PlanBuffer& b) { return a.first <= b.last && b.first <= a.last; }

// One greedy pass in the given order; `placed` holds indices sorted by offset. Returns the peak.
uint64_t place(PlanBuffer* b, uint32_t n, const uint32_t* order, uint32_t* placed, uint32_t alignment) {
  uint32_t count = 0;
  uint64_t peak = 0;
  for (uint32_t k = 0; k < n; ++k) {
    PlanBuffer& cur = b[order[k]];
    const uint64_t size = align_up(cur.bytes, alignment);
    if (size == 0) {
      cur.offset = 0;
      continue;
    }
    uint64_t candidate = 0;
    uint32_t insert_at = count;
    for (uint32_t p = 0; p < count; ++p) {
      const PlanBuffer& other = b[placed[p]];
      if (!alive_together(cur, other)) continue;
      const uint64_t other_end = other.offset + align_up(other.bytes, alignment);
      if (other.offset >= candidate + size) {  // fits in the gap before `other`
        break;
      }
      if (other_end > candidate) candidate = other_end;
    }
    cur.offset = static_cast<uint32_t>(candidate);
    // Keep `placed` sorted by offset.
    insert_at = count;
    while (insert_at > 0 && b[placed[insert_at - 1]].offset > cur.offset) {
      placed[insert_at] = placed[insert_at - 1];
      --insert_at;
    }
    placed[insert_at] = order[k];
    ++count;
    if (candidate + size > peak) peak = candidate + size;
  }
  return peak;
}

}  // namespace

size_t plan_buffers(PlanBuffer* buffers, uint32_t n, uint32_t* work, uint32_t alignment) {
  if (n == 0) return 0;
  uint32_t* order = work;
  uint32_t* placed = work + n;
  const Order orders[3] = {Order::kSize, Order::kSizeTimesLife, Order::kLife};
  uint64_t best = UINT64_MAX;
  int best_i = 0;
  for (int i = 0; i < 3; ++i) {
    sort_order(buffers, order, n, orders[i]);
    uint64_t peak = place(buffers, n, order, placed, alignment);
    if (peak < best) {
      best = peak;
      best_i = i;
    }
  }
  sort_order(buffers, order, n, orders[best_i]);
  return static_cast<size_t>(place(buffers, n, order, placed, alignment));
}

size_t plan_lower_bound(const PlanBuffer* buffers, uint32_t n, uint32_t alignment) {
  uint64_t best = 0;
  for (uint32_t i = 0; i < n; ++i) {  // the peak is reached at some buffer's first index
    const int32_t t = buffers[i].first;
    uint64_t sum = 0;
    for (uint32_t j = 0; j < n; ++j)
      if (buffers[j].first <= t && t <= buffers[j].last) sum += align_up(buffers[j].bytes, alignment);
    if (sum > best) best = sum;
  }
  return static_cast<size_t>(best);
}

}  // namespace mote
