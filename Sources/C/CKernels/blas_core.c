// OpenBLAS picks its kernels for the CPU model it recognises when the library loads (DYNAMIC_ARCH).
// Debian 12's OpenBLAS 0.3.21 predates Sapphire and Emerald Rapids and falls back to its Prescott
// (SSE3) kernels there: SGEMM runs at a fifth of the machine's speed. When that happened, and the
// user did not choose a core with OPENBLAS_CORETYPE, we choose the newest core the CPU can run, by
// OpenBLAS's own route for OPENBLAS_CORETYPE (force_coretype in dynamic.c).
#include <stdlib.h>
#include <string.h>
#include "CKernels.h"

char *openblas_get_corename(void);
void gotoblas_dynamic_init(void);
void gotoblas_dynamic_quit(void);

static const char *best_core_this_cpu_runs(void) {
    __builtin_cpu_init();
    // __builtin_cpu_supports also checks that the OS saves the AVX-512 and AVX registers.
    if (__builtin_cpu_supports("avx512bf16")) return "COOPERLAKE";
    if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) return "SKYLAKEX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "HASWELL";
    if (__builtin_cpu_supports("avx")) return "SANDYBRIDGE";
    return NULL;
}

const char *molgen_blas_choose_core(void) {
    const char *core = openblas_get_corename();
    if (getenv("OPENBLAS_CORETYPE") != NULL || strcmp(core, "Prescott") != 0) return core;
    const char *better = best_core_this_cpu_runs();
    if (better == NULL) return core;
    // Runs before the first BLAS call (Engine's BLAS.threads), so no thread is inside OpenBLAS.
    setenv("OPENBLAS_CORETYPE", better, 0);
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    unsetenv("OPENBLAS_CORETYPE");   // child processes decide for themselves
    return openblas_get_corename();
}
