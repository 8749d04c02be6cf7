// Small C kernels the engine cannot get from OpenBLAS. See packed_gemm.c.
#ifndef MOLGEN_CKERNELS_H
#define MOLGEN_CKERNELS_H

#include <stddef.h>

/// Nonzero when this CPU runs the packed GEMM (AVX-512F). Otherwise callers use cblas_sgemm.
int molgen_packed_gemm_available(void);

/// Floats needed to pack a K x N right-hand matrix.
size_t molgen_packed_size(int k, int n);

/// Packs B (K x N), read as B[k][n] = src[k * row_stride + n * col_stride], into column panels
/// for molgen_packed_gemm. Both layouts of a row-major weight (W or Wᵀ) are a choice of strides.
void molgen_pack_b(int k, int n, const float *src, long row_stride, long col_stride, float *packed);

/// C (M x N, row-major, ldc) = A (M x K, row-major, lda) · B, plus C when accumulate is nonzero.
/// B was packed once by molgen_pack_b; single-threaded, so callers split M across their threads.
void molgen_packed_gemm(int m, int n, int k, const float *a, long lda, const float *packed,
                        float *c, long ldc, int accumulate);

/// One Adam step over n elements (PyTorch's arrangement, decoupled decay as shrink = 1 - lr·decay):
/// m = β1·m + (1-β1)·g, v = β2·v + (1-β2)·g², w = shrink·w - step_size·m / (√v·inverse_root_c2 + ε).
void molgen_adam_update(long n, float *w, const float *g, float *m, float *v, float beta1, float beta2,
                        float epsilon, float step_size, float inverse_root_c2, float shrink);

/// Σ x² over n floats, accumulated in double every 1,024 elements (gradient norms).
double molgen_sum_of_squares(long n, const float *x);

/// Makes OpenBLAS use kernels this CPU runs well when it fell back to its Prescott (SSE3) kernels
/// for a CPU newer than the library (Debian 12's 0.3.21 on Sapphire/Emerald Rapids); left alone
/// when OPENBLAS_CORETYPE is set. Call before any BLAS call. Returns the core OpenBLAS now uses.
const char *molgen_blas_choose_core(void);

#endif
