import CLAPACK
import Engine
import Foundation

// Gaussian statistics of feature rows and the Fréchet distance between two Gaussians: the
// image models' FID and ChemNet's FCD. Shapes: N rows, D features, row-major [N, D] arrays.

/// Mean [D] and covariance [D, D] (unbiased, divided by N - 1) of rows [N, D], in Double.
public func meanAndCovariance(_ rows: [Float], count n: Int, dimension d: Int) -> (mean: [Double], covariance: [Double]) {
    precondition(rows.count == n * d && n >= 2, "meanAndCovariance: need at least 2 rows of \(d), got \(rows.count) values")
    var mean = [Double](repeating: 0, count: d)
    for i in 0..<n { for j in 0..<d { mean[j] += Double(rows[i * d + j]) } }
    for j in 0..<d { mean[j] /= Double(n) }
    var centered = [Double](repeating: 0, count: n * d)
    for i in 0..<n { for j in 0..<d { centered[i * d + j] = Double(rows[i * d + j]) - mean[j] } }
    var cov = [Double](repeating: 0, count: d * d)
    for i in 0..<n {   // rank-1 updates on the upper triangle, mirrored below
        let row = i * d
        for a in 0..<d {
            let va = centered[row + a]
            if va == 0 { continue }
            for b in a..<d { cov[a * d + b] += va * centered[row + b] }
        }
    }
    for a in 0..<d { for b in a..<d { cov[a * d + b] /= Double(n - 1); cov[b * d + a] = cov[a * d + b] } }
    return (mean, cov)
}

/// Eigenvalues (ascending) and eigenvectors (columns of a row-major [D, D] array) of a symmetric
/// matrix, by LAPACK's divide-and-conquer `dsyevd` from OpenBLAS.
public func symmetricEigen(_ matrix: [Double], dimension n: Int) -> (values: [Double], vectors: [Double]) {
    precondition(matrix.count == n * n, "symmetricEigen: \(matrix.count) values for a \(n)x\(n) matrix")
    guard n > 0 else { return ([], []) }
    _ = BLAS.core    // OpenBLAS settles its kernels before the first call
    var a = matrix   // symmetric, so row-major equals column-major
    var w = [Double](repeating: 0, count: n)
    var nn = Int32(n), lda = Int32(n), info: Int32 = 0
    var lwork: Int32 = -1, liwork: Int32 = -1
    var workQuery = 0.0, iworkQuery: Int32 = 0
    let jobz: CChar = 86 /* V */, uplo: CChar = 85 /* U */
    var j = jobz, u = uplo
    dsyevd_(&j, &u, &nn, &a, &lda, &w, &workQuery, &lwork, &iworkQuery, &liwork, &info)
    lwork = Int32(workQuery); liwork = iworkQuery
    var work = [Double](repeating: 0, count: Int(max(lwork, 1)))
    var iwork = [Int32](repeating: 0, count: Int(max(liwork, 1)))
    dsyevd_(&j, &u, &nn, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info)
    precondition(info == 0, "symmetricEigen: dsyevd failed with info \(info)")
    // LAPACK's column-major eigenvector columns read as rows here; transpose to row-major columns.
    var vectors = [Double](repeating: 0, count: n * n)
    for r in 0..<n { for c in 0..<n { vectors[r * n + c] = a[c * n + r] } }
    return (w, vectors)
}

/// The symmetric positive semi-definite square root V·diag(√max(λ, 0))·Vᵀ.
public func symmetricSquareRoot(_ matrix: [Double], dimension n: Int) -> [Double] {
    let (values, vectors) = symmetricEigen(matrix, dimension: n)
    var out = [Double](repeating: 0, count: n * n)
    for k in 0..<n {
        let s = max(values[k], 0).squareRoot()
        guard s > 0 else { continue }
        for r in 0..<n {
            let vr = vectors[r * n + k] * s
            for c in 0..<n { out[r * n + c] += vr * vectors[c * n + k] }
        }
    }
    return out
}

/// Fréchet distance between the Gaussians N(μ1, Σ1) and N(μ2, Σ2):
/// ‖μ1 - μ2‖² + tr(Σ1 + Σ2 - 2 (Σ1^½ Σ2 Σ1^½)^½). The inner matrix is symmetric PSD, so its
/// square root's trace is Σ √λ of its eigenvalues: no complex arithmetic, no Newton iteration.
public func frechetDistance(mean1: [Double], covariance1: [Double], mean2: [Double], covariance2: [Double]) -> Double {
    let d = mean1.count
    precondition(mean2.count == d && covariance1.count == d * d && covariance2.count == d * d, "frechetDistance: dimensions differ")
    var distance = 0.0
    for j in 0..<d { distance += (mean1[j] - mean2[j]) * (mean1[j] - mean2[j]) }
    let root1 = symmetricSquareRoot(covariance1, dimension: d)
    let inner = multiply(multiply(root1, covariance2, d), root1, d)
    var symmetric = inner
    for a in 0..<d { for b in 0..<d { symmetric[a * d + b] = 0.5 * (inner[a * d + b] + inner[b * d + a]) } }
    let traceRoot = symmetricEigen(symmetric, dimension: d).values.reduce(0) { $0 + max($1, 0).squareRoot() }
    for j in 0..<d { distance += covariance1[j * d + j] + covariance2[j * d + j] }
    return max(distance - 2 * traceRoot, 0)
}

/// The Fréchet distance between the feature distributions of two samples [N1, D] and [N2, D].
public func frechetDistance(_ a: [Float], count n1: Int, _ b: [Float], count n2: Int, dimension d: Int) -> Double {
    let s1 = meanAndCovariance(a, count: n1, dimension: d), s2 = meanAndCovariance(b, count: n2, dimension: d)
    return frechetDistance(mean1: s1.mean, covariance1: s1.covariance, mean2: s2.mean, covariance2: s2.covariance)
}

private func multiply(_ a: [Double], _ b: [Double], _ n: Int) -> [Double] {
    var c = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
        for k in 0..<n {
            let aik = a[i * n + k]
            if aik == 0 { continue }
            for j in 0..<n { c[i * n + j] += aik * b[k * n + j] }
        }
    }
    return c
}
