// Adam's per-element update. In C because clang vectorises its square root and division for the
// CPU it runs on (target_clones picks AVX-512, AVX2 or SSE2 at load time); Swift's SIMD types
// compile the square root lane by lane.
#include "CKernels.h"

#include <math.h>

__attribute__((target_clones("avx512f", "arch=haswell", "default")))
void molgen_adam_update(long n, float *restrict w, const float *restrict g, float *restrict m, float *restrict v,
                        float beta1, float beta2, float epsilon, float step_size, float inverse_root_c2, float shrink) {
    for (long i = 0; i < n; i++) {
        float mi = beta1 * m[i] + (1 - beta1) * g[i];
        float vi = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        m[i] = mi; v[i] = vi;
        w[i] = shrink * w[i] - step_size * mi / (sqrtf(vi) * inverse_root_c2 + epsilon);
    }
}

// Σ x², for gradient norms: float partial sums in 16 independent lanes (so clang vectorises
// without reassociating), folded into a double every 1,024 elements.
__attribute__((target_clones("avx512f", "arch=haswell", "default")))
double molgen_sum_of_squares(long n, const float *x) {
    double total = 0;
    for (long start = 0; start < n; start += 1024) {
        long end = start + 1024 < n ? start + 1024 : n, i = start;
        float lanes[16] = {0};
        for (; i + 16 <= end; i += 16)
            for (int l = 0; l < 16; l++) lanes[l] += x[i + l] * x[i + l];
        for (; i < end; i++) lanes[0] += x[i] * x[i];
        for (int l = 0; l < 16; l++) total += lanes[l];
    }
    return total;
}
