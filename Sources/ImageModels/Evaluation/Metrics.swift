import Engine
import Foundation
import NN

// Sample-quality metrics. Shapes: N samples, D features, row-major [N, D] arrays of Float.

// Mean/covariance, symmetric eigen-decomposition and the Fréchet distance live in NN
// (GaussianStatistics.swift), shared with ChemNet's FCD.

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
