/* Internal helpers shared by the kernel files. */
#ifndef SLIM_SIMD_CPU_INTERNAL_H
#define SLIM_SIMD_CPU_INTERNAL_H

/*
 * Target attributes for the vector kernels. The library is compiled for the
 * baseline ISA; only functions marked with these may use wider instructions,
 * and they are called only after the dispatcher checked the CPU.
 */
#if defined(__x86_64__)
#  define SLIM_TARGET_AVX2   __attribute__((target("avx2,fma,f16c,bmi2")))
#  define SLIM_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,bmi2")))
#endif

#endif
