// Kept apart from op_resolver.cc so that firmware which registers ops one by one does not link
// every op.
#include "runtime/op_resolver.h"

namespace mote {

void register_all_ops(OpResolver* resolver) {
#define MOTE_OP(NAME, CODE, STEM) (void)resolver->add(op_##STEM());
#include "runtime/ops.inc"
#undef MOTE_OP
}

}  // namespace mote
