// mote for Arduino: include this (the IDE adds the library), then the header `mote export` wrote.
//
//   #include <mote.h>
//   #include "kws_model_settings.h"          // kws_kArenaBytes, kws_register_ops(), shapes, scales
//
//   alignas(16) static uint8_t arena[kws_kArenaBytes];
//   static mote::Model model;
//   static mote::OpResolver resolver;
//   static mote::Interpreter interp;
//
//   void setup() {
//     mote::Error err;
//     if (model.load(kws_model, kws_model_len, &err) != mote::Status::kOk ||
//         kws_register_ops(&resolver) != mote::Status::kOk ||
//         interp.prepare(model, resolver, arena, sizeof(arena), &err) != mote::Status::kOk)
//       Serial.println(err.message);
//   }
//
// The library's src/runtime/ is mote's runtime/ folder (sources renamed .cc -> .cpp, which every
// Arduino IDE compiles); it includes only C headers and needs C++17 with a 32-bit int.
#pragma once

#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "runtime/status.h"
