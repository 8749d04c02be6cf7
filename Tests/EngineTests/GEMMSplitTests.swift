import XCTest
@testable import Engine

/// `gemm` cuts large products into one block of rows or columns per core; every transpose and
/// both cuts must give the plain product.
final class GEMMSplitTests: XCTestCase {
    /// OpenBLAS 0.3.21 falls back to SSE3 kernels on CPUs newer than itself; BLAS.core moves it to
    /// the AVX ones the CPU runs (checked in the product tests below, which run on them).
    func testOpenBLASRunsTheVectorKernelsTheCPUHas() throws {
        try XCTSkipIf(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] != nil, "OPENBLAS_CORETYPE chooses the core")
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        try XCTSkipUnless(flags.contains(" avx2 ") && flags.contains(" fma "), "this CPU has no AVX2")
        XCTAssertNotEqual(BLAS.core, "Prescott")
        XCTAssertTrue(["Haswell", "SkylakeX", "Cooperlake", "Zen", "Sapphirerapids"].contains(BLAS.core), BLAS.core)
    }

    func testSplitProductsMatchTheDefinition() {
        XCTAssertGreaterThan(BLAS.threads, 0)
        // (m, n, k): rows cut (m >= n) and columns cut (n > m), both above the 2^18 threshold, with ragged ends.
        for (m, n, k) in [(141, 37, 301), (23, 173, 257)] {
            for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = randn(transposeA ? [k, m] : [m, k], seed: 1), b = randn(transposeB ? [n, k] : [k, n], seed: 2)
                let c = randn([m, n], seed: 3), original = c.scalars
                gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5,
                     a: a.pointer, lda: transposeA ? m : k, b: b.pointer, ldb: transposeB ? k : n,
                     beta: 1, c: c.pointer, ldc: n)
                var worst: Double = 0
                for i in 0..<m {
                    for j in 0..<n {
                        var sum = 0.0
                        for p in 0..<k {
                            let x = Double(transposeA ? a.pointer[p * m + i] : a.pointer[i * k + p])
                            let y = Double(transposeB ? b.pointer[j * k + p] : b.pointer[p * n + j])
                            sum += x * y
                        }
                        worst = max(worst, abs(Double(c.pointer[i * n + j]) - (0.5 * sum + Double(original[i * n + j]))))
                    }
                }
                XCTAssertLessThan(worst, 1e-3, "m \(m) n \(n) k \(k) transposeA \(transposeA) transposeB \(transposeB)")
            }
        }
    }
}
