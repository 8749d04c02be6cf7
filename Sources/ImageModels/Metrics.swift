import CLAPACK
import Engine
import Foundation

// Sample-quality metrics. Shapes: N samples, D features, row-major [N, D] arrays of Float.

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

/// Leave-one-out 1-nearest-neighbour two-sample score (Lopez-Paz & Oquab 2017; Xu et al. 2018):
/// pool the real [N1, D] and generated [N2, D] rows, label each by its set, classify every row by
/// the set of its nearest other row (Euclidean), and return the accuracy. About 0.5 when the sets
/// come from one distribution, 1 when they are far apart, 0 when one set copies the other (every
/// row's nearest neighbour is its copy in the other set). Distances come from one GEMM.
public func nearestNeighbourScore(real: [Float], count n1: Int, generated: [Float], count n2: Int, dimension d: Int) -> Double {
    precondition(real.count == n1 * d && generated.count == n2 * d && n1 + n2 >= 2, "nearestNeighbourScore: shapes do not match")
    let n = n1 + n2
    let pooled = Tensor(real + generated, shape: [n, d])
    let gram = matmul(pooled, pooled.transposedLastTwo())   // [n, n] dot products
    let g = gram.pointer
    var correct = 0
    for i in 0..<n {
        var best = -1, bestDistance = Float.infinity
        for j in 0..<n where j != i {
            let dist = g[j * n + j] - 2 * g[i * n + j]   // ‖x_j‖² - 2 x_i·x_j (‖x_i‖² is the same for all j)
            if dist < bestDistance { bestDistance = dist; best = j }
        }
        if (best < n1) == (i < n1) { correct += 1 }
    }
    return Double(correct) / Double(n)
}

/// The assignment of rows to columns of a square cost matrix [n, n] with the least total cost
/// (Hungarian algorithm, O(n³), potentials form). Returns column for each row.
public func minimumCostAssignment(_ cost: [[Double]]) -> [Int] {
    let n = cost.count
    precondition(cost.allSatisfy { $0.count == n }, "minimumCostAssignment: the cost matrix must be square")
    guard n > 0 else { return [] }
    var u = [Double](repeating: 0, count: n + 1), v = [Double](repeating: 0, count: n + 1)
    var p = [Int](repeating: 0, count: n + 1), way = [Int](repeating: 0, count: n + 1)
    for i in 1...n {
        p[0] = i
        var j0 = 0
        var minv = [Double](repeating: .infinity, count: n + 1)
        var used = [Bool](repeating: false, count: n + 1)
        repeat {
            used[j0] = true
            let i0 = p[j0]
            var delta = Double.infinity, j1 = 0
            for j in 1...n where !used[j] {
                let cur = cost[i0 - 1][j - 1] - u[i0] - v[j]
                if cur < minv[j] { minv[j] = cur; way[j] = j0 }
                if minv[j] < delta { delta = minv[j]; j1 = j }
            }
            for j in 0...n {
                if used[j] { u[p[j]] += delta; v[j] -= delta } else { minv[j] -= delta }
            }
            j0 = j1
        } while p[j0] != 0
        repeat {
            let j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
        } while j0 != 0
    }
    var assignment = [Int](repeating: 0, count: n)
    for j in 1...n where p[j] > 0 { assignment[p[j] - 1] = j - 1 }
    return assignment
}

/// Cluster purity after the best one-to-one matching of clusters to classes: the fraction of
/// items whose cluster maps to their class. clusters and classes take values 0..<k.
public func matchedClusterAccuracy(clusters: [Int], classes: [Int], k: Int) -> (accuracy: Double, mapping: [Int]) {
    precondition(clusters.count == classes.count, "matchedClusterAccuracy: \(clusters.count) clusters for \(classes.count) classes")
    var counts = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
    for (c, y) in zip(clusters, classes) { counts[c][y] += 1 }
    let mapping = minimumCostAssignment(counts.map { $0.map { -$0 } })
    let matched = (0..<k).reduce(0.0) { $0 + counts[$1][mapping[$1]] }
    return (matched / Double(max(clusters.count, 1)), mapping)
}
