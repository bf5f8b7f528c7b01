// mote runtime — the set of operators a firmware links.
//
// Only ops added to the resolver are linked into the binary: each op_<stem>() lives in its own
// object file, so a firmware that registers CONV_2D and SOFTMAX pulls in those two and nothing else.
//
//   mote::OpResolver resolver;
//   resolver.add(mote::op_conv_2d());
//   resolver.add(mote::op_softmax());
//   // or, on the host, every op mote has:
//   mote::register_all_ops(&resolver);
#pragma once

#include "runtime/op.h"

namespace mote {

class OpResolver {
 public:
  static constexpr int kCapacity = 48;

  // Adds an op; adding the same op twice is a no-op. kInvalidArgument when full or null.
  Status add(const OpRegistration* reg);
  const OpRegistration* find(int32_t builtin_code) const;
  int size() const { return count_; }

 private:
  const OpRegistration* regs_[kCapacity] = {};
  int count_ = 0;
};

// Registers every op in ops.inc (links all of them).
void register_all_ops(OpResolver* resolver);

}  // namespace mote
