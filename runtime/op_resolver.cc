#include "runtime/op_resolver.h"

namespace mote {

Status OpResolver::add(const OpRegistration* reg) {
  if (reg == nullptr) return Status::kInvalidArgument;
  if (find(static_cast<int32_t>(reg->op)) != nullptr) return Status::kOk;
  if (count_ >= kCapacity) return Status::kInvalidArgument;
  regs_[count_++] = reg;
  return Status::kOk;
}

const OpRegistration* OpResolver::find(int32_t builtin_code) const {
  for (int i = 0; i < count_; ++i)
    if (static_cast<int32_t>(regs_[i]->op) == builtin_code) return regs_[i];
  return nullptr;
}

}  // namespace mote
