import CBLAS
import CKernels
import Foundation
import Dispatch

/// C = alpha * op(A) * op(B) + beta * C, all row-major. `op(X)` is X or Xᵀ as the flags say.
/// A is M x K after op, B is K x N after op, C is M x N. Most of every model's time is spent here.
///
/// OpenBLAS runs single-threaded; large products are cut into one block of rows (or columns) per
/// core on our own threads. OpenBLAS's pool would spin in sched_yield against our elementwise
/// threads between calls: this way one set of threads does everything (DESIGN.md, Engine).
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
    func call(_ m: Int, _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    let parts = BLAS.threads
    guard parts > 1, m * n * k >= 1 << 18 else { call(m, n, a, b, c); return }
    // Split the longer side, in multiples of the kernels' register blocks.
    if m >= n {
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            let rows = alignedBlock(p, of: parts, count: m, unit: 8), lo = rows.lowerBound
            if !rows.isEmpty { call(rows.count, n, transposeA ? a + lo : a + lo * lda, b, c + lo * ldc) }
        }
    } else {
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            let columns = alignedBlock(p, of: parts, count: n, unit: 16), lo = columns.lowerBound
            if !columns.isEmpty { call(m, columns.count, a, transposeB ? b + lo * ldb : b + lo, c + lo) }
        }
    }
}

/// Thread control and a peak-speed probe for benchmarks.
public enum BLAS {
    /// The OpenBLAS kernels in use ("Cooperlake", "SkylakeX", ...): OpenBLAS's own choice, unless
    /// it fell back to Prescott on a CPU newer than itself (`molgen_blas_choose_core`, CKernels).
    /// Everything that calls OpenBLAS reads this first.
    public static let core = String(cString: molgen_blas_choose_core())

    /// Threads a large GEMM is split over: `Parallelism.cores`. Reading it first switches OpenBLAS's
    /// own pool to one thread.
    static let threads: Int = {
        _ = core
        openblas_set_num_threads(1)
        return Parallelism.cores
    }()

    /// Seconds for one n x n x n SGEMM through OpenBLAS's own thread pool (all cores), best of
    /// `repeats`: the other way to reach the machine's GEMM peak, so benchmarks can report the better.
    public static func openBLASThreadedSeconds(size n: Int, repeats: Int) -> Double {
        _ = threads
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        openblas_set_num_threads(Int32(Parallelism.cores))
        defer { openblas_set_num_threads(1) }
        var best = Double.infinity
        for _ in 0...repeats {   // the first call warms the pool up and is not counted
            let start = DispatchTime.now().uptimeNanoseconds
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, &c, Int32(n))
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }
}

/// A right-hand GEMM operand packed once and multiplied many times (Sources/C/CKernels). The GRU packs
/// W_hh once per sequence instead of letting OpenBLAS re-pack it at every step.
final class PackedMatrix {
    /// The CPU has the kernel (AVX-512F) and it is not switched off (`MOLGEN_PACKED_GEMM=0`, or tests
    /// comparing both paths).
    nonisolated(unsafe) static var isEnabled = molgen_packed_gemm_available() != 0
        && ProcessInfo.processInfo.environment["MOLGEN_PACKED_GEMM"] != "0"

    /// Fewer rows than this do not fill the kernel's 8-row blocks well: plain OpenBLAS is better.
    static let smallestBatch = 16

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
