// mote trainer — function multi-versioning for the hot loops.
//
// MOTE_TRAIN_CLONES before a function compiles it twice, for x86-64-v3 (AVX2 + FMA) and for the
// baseline, and lets the dynamic loader pick one by the CPU (GCC/Clang target_clones, an ifunc).
// Everything such a function calls must be inlined into it (use MOTE_TRAIN_INLINE), or it runs
// the baseline code. Elsewhere — other CPUs, no ifunc (macOS, Windows), ThreadSanitizer (whose
// runtime is not ready when ifunc resolvers run), or -DMOTE_TRAIN_NO_CLONES — it expands to
// nothing and the loops are compiled for the build's own target.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define MOTE_TRAIN_NO_CLONES 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MOTE_TRAIN_NO_CLONES 1
#endif
#endif

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(MOTE_TRAIN_NO_CLONES)
#define MOTE_TRAIN_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define MOTE_TRAIN_CLONES
#endif

#define MOTE_TRAIN_INLINE inline __attribute__((always_inline))
