// A GEMM against a right-hand matrix packed once and reused many times.
//
// Why: a GRU multiplies its state by the same W_hh at every time step. OpenBLAS re-packs W_hh
// (2.8 MB for H = 488) on every call and wakes its thread pool for every step; this kernel lets the
// recurrence pack W_hh once per sequence and run each thread's batch rows through all steps alone.
//
// Layout: B is cut into panels of PANEL = 48 columns (three 16-float vectors); panel p holds, for
// every k, the 48 floats B[k][48p ..< 48p + 48], zero-padded past N. The micro-kernel keeps an
// 8 x 48 block of C in 24 AVX-512 registers and streams one panel (K x 48) per block.
#include "CKernels.h"

#include <immintrin.h>
#include <string.h>

enum { PANEL = 48, ROWS = 8 };

int molgen_packed_gemm_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

size_t molgen_packed_size(int k, int n) {
    size_t panels = ((size_t)n + PANEL - 1) / PANEL;
    return panels * (size_t)k * PANEL;
}

void molgen_pack_b(int k, int n, const float *src, long row_stride, long col_stride, float *packed) {
    int panels = (n + PANEL - 1) / PANEL;
    for (int p = 0; p < panels; p++) {
        float *panel = packed + (size_t)p * k * PANEL;
        int n0 = p * PANEL, width = n - n0 < PANEL ? n - n0 : PANEL;
        if (width < PANEL) memset(panel, 0, sizeof(float) * (size_t)k * PANEL);
        if (col_stride == 1) {
            for (int kk = 0; kk < k; kk++) memcpy(panel + (size_t)kk * PANEL, src + kk * row_stride + n0, sizeof(float) * width);
        } else {
            // Transposed source: walk each source row (one column of B) contiguously.
            for (int j = 0; j < width; j++) {
                const float *column = src + (long)(n0 + j) * col_stride;
                for (int kk = 0; kk < k; kk++) panel[(size_t)kk * PANEL + j] = column[kk * row_stride];
            }
        }
    }
}

__attribute__((target("avx512f,fma")))
static void block_8x48(int k, const float *const rows[ROWS], const float *panel, int valid_rows,
                       int valid_columns, float *c, long ldc, int accumulate) {
    __m512 acc[ROWS][3];
    for (int i = 0; i < ROWS; i++) for (int v = 0; v < 3; v++) acc[i][v] = _mm512_setzero_ps();
    for (int kk = 0; kk < k; kk++) {
        const float *b = panel + (size_t)kk * PANEL;
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16), b2 = _mm512_loadu_ps(b + 32);
        for (int i = 0; i < ROWS; i++) {
            __m512 a = _mm512_set1_ps(rows[i][kk]);
            acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);
            acc[i][2] = _mm512_fmadd_ps(a, b2, acc[i][2]);
        }
    }
    for (int i = 0; i < valid_rows; i++) {
        float *out = c + i * ldc;
        for (int v = 0; v < 3; v++) {
            int lanes = valid_columns - 16 * v;
            if (lanes <= 0) break;
            __mmask16 mask = lanes >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << lanes) - 1);
            __m512 value = acc[i][v];
            if (accumulate) value = _mm512_add_ps(value, _mm512_maskz_loadu_ps(mask, out + 16 * v));
            _mm512_mask_storeu_ps(out + 16 * v, mask, value);
        }
    }
}

__attribute__((target("avx512f,fma")))
void molgen_packed_gemm(int m, int n, int k, const float *a, long lda, const float *packed,
                        float *c, long ldc, int accumulate) {
    if (m <= 0 || n <= 0) return;
    int panels = (n + PANEL - 1) / PANEL;
    // Panel-outer: one panel (K x 48) stays in L2 while every row block of A passes over it.
    for (int p = 0; p < panels; p++) {
        const float *panel = packed + (size_t)p * k * PANEL;
        int n0 = p * PANEL, width = n - n0 < PANEL ? n - n0 : PANEL;
        for (int i0 = 0; i0 < m; i0 += ROWS) {
            const float *rows[ROWS];
            // Rows past M repeat the last row; their results are not stored.
            for (int i = 0; i < ROWS; i++) rows[i] = a + (long)(i0 + i < m ? i0 + i : m - 1) * lda;
            int valid = m - i0 < ROWS ? m - i0 : ROWS;
            block_8x48(k, rows, panel, valid, width, c + (long)i0 * ldc + n0, ldc, accumulate);
        }
    }
}
