// The smallest mote firmware: a model in flash, every op registered, one prepare and one invoke.
// scripts/check_freestanding.sh links it for Cortex-M4F with no C++ runtime and then checks the
// image for heap, exception and RTTI machinery, which the runtime must never pull in.
#include <stddef.h>
#include <stdint.h>

#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"

namespace {

alignas(16) const uint8_t kModel[] = {
#include "scripts/freestanding/model_data.inc"
};

alignas(16) uint8_t g_arena[16 * 1024];

}  // namespace

volatile int g_status;   // observable results, so nothing is optimized away
volatile int g_argmax;

int main() {
  mote::Model model;
  mote::OpResolver resolver;
  mote::Interpreter interp;
  mote::Error err;
  mote::register_all_ops(&resolver);
  mote::Status s = model.load(kModel, sizeof(kModel), &err);
  if (s == mote::Status::kOk) s = interp.prepare(model, resolver, g_arena, sizeof(g_arena), &err);
  if (s == mote::Status::kOk) {
    float in[50];
    for (int i = 0; i < 50; ++i) in[i] = static_cast<float>(i % 7) - 3.0f;
    s = interp.set_input_float(0, in, 50, &err);
  }
  if (s == mote::Status::kOk) s = interp.invoke(&err);
  g_status = static_cast<int>(s);
  g_argmax = interp.argmax_output(0);
  return 0;
}

// No C runtime startup (-nostartfiles): the reset handler calls main and parks.
extern "C" [[noreturn]] void Reset_Handler() {
  main();
  for (;;) {
  }
}
extern "C" void _start() { Reset_Handler(); }

extern uint32_t __StackTop;
__attribute__((section(".isr_vector"), used)) const void* const kVectors[2] = {&__StackTop,
                                                                              reinterpret_cast<const void*>(&Reset_Handler)};
