import CBLAS
import CKernels
import Foundation

/// C = alpha * op(A) * op(B) + beta * C, all row-major. `op(X)` is X or Xᵀ as the flags say.
/// A is M x K after op, B is K x N after op, C is M x N. Most of every model's time is spent here.
@inline(__always)
func gemm(
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
        return
    }
    cblas_sgemm(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Peak-speed probe and thread control for benchmarks.
public enum BLAS {
    /// Threads OpenBLAS uses.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }
}

/// A right-hand GEMM operand packed once and multiplied many times (Sources/CKernels). The GRU packs
/// W_hh once per sequence instead of letting OpenBLAS re-pack it at every step.
final class PackedMatrix {
    /// The CPU has the kernel (AVX-512F) and it is not switched off (`MOLGEN_PACKED_GEMM=0`, or tests
    /// comparing both paths).
    nonisolated(unsafe) static var isEnabled = molgen_packed_gemm_available() != 0
        && ProcessInfo.processInfo.environment["MOLGEN_PACKED_GEMM"] != "0"

    let k: Int, n: Int
    private let storage: UnsafeMutablePointer<Float>

    /// Packs B (K x N) with B[k][n] = source[k * rowStride + n * columnStride].
    init(k: Int, n: Int, source: UnsafePointer<Float>, rowStride: Int, columnStride: Int) {
        self.k = k; self.n = n
        storage = .allocate(capacity: molgen_packed_size(Int32(k), Int32(n)))
        molgen_pack_b(Int32(k), Int32(n), source, rowStride, columnStride, storage)
    }

    deinit { storage.deallocate() }

    /// C (M x N) = A (M x K) · B, plus C when `accumulate`. Single-threaded: callers split M.
    func multiply(rows m: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                  accumulate: Bool = false) {
        molgen_packed_gemm(Int32(m), Int32(n), Int32(k), a, lda, storage, c, ldc, accumulate ? 1 : 0)
    }
}
