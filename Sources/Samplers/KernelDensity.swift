import Engine
import Foundation
import NN
import ImageModels

/// Principal components of rows [N, D]: the mean and the top `components` eigenvectors of the
/// covariance (largest first), as scikit-learn's `PCA(whiten=False)` (signs may differ, which changes
/// no distance).
public struct PrincipalComponents {
    public let mean: [Double]
    /// Row-major [components, D]: each row a unit eigenvector.
    public let axes: [Double]
    public let components: Int
    public let inputDimension: Int
    /// The fraction of the total variance the kept components hold.
    public let explainedVariance: Double

    public init(rows: [Float], count: Int, dimension: Int, components: Int) throws {
        guard (1...dimension).contains(components) else {
            throw SamplerError("--components: \(components) must be between 1 and \(dimension)")
        }
        let (mean, covariance) = meanAndCovariance(rows, count: count, dimension: dimension)
        let (values, vectors) = symmetricEigen(covariance, dimension: dimension)   // ascending
        var axes = [Double](repeating: 0, count: components * dimension)
        for k in 0..<components {
            let column = dimension - 1 - k
            for r in 0..<dimension { axes[k * dimension + r] = vectors[r * dimension + column] }
        }
        self.mean = mean; self.axes = axes; self.components = components; inputDimension = dimension
        let total = values.reduce(0, +)
        explainedVariance = total > 0 ? values.suffix(components).reduce(0, +) / total : 1
    }

    /// Rows [N, D] projected to [N, components].
    public func project(_ rows: [Float], count: Int) -> [Double] {
        var out = [Double](repeating: 0, count: count * components)
        for i in 0..<count {
            for k in 0..<components {
                var s = 0.0
                for j in 0..<inputDimension { s += (Double(rows[i * inputDimension + j]) - mean[j]) * axes[k * inputDimension + j] }
                out[i * components + k] = s
            }
        }
        return out
    }

    /// Points [N, components] mapped back to [N, D].
    public func reconstruct(_ points: [Double], count: Int) -> [Double] {
        var out = [Double](repeating: 0, count: count * inputDimension)
        for i in 0..<count {
            for j in 0..<inputDimension {
                var s = mean[j]
                for k in 0..<components { s += points[i * components + k] * axes[k * inputDimension + j] }
                out[i * inputDimension + j] = s
            }
        }
        return out
    }
}

/// Kernel density estimation with a Gaussian kernel of bandwidth h over points [N, d]:
/// f̂(x) = 1/N Σᵢ N(x; xᵢ, h²I), so log f̂(x) = logsumexp(−‖x − xᵢ‖²/(2h²)) − log N − (d/2)·log(2πh²).
public struct KernelDensity {
    public let points: [Double]
    public let count: Int
    public let dimension: Int
    public let bandwidth: Double

    public init(points: [Double], dimension: Int, bandwidth: Double) throws {
        guard bandwidth > 0, bandwidth.isFinite else { throw SamplerError("--bandwidth: \(bandwidth) must be positive") }
        guard dimension > 0, points.count % dimension == 0, points.count > 0 else {
            throw SamplerError("kernel density: \(points.count) values are not whole points of dimension \(dimension)")
        }
        self.points = points; self.dimension = dimension; self.bandwidth = bandwidth; count = points.count / dimension
    }

    /// log f̂ at each of `queries` [M, d].
    public func logDensity(_ queries: [Double]) -> [Double] {
        let m = queries.count / dimension
        return (0..<m).map { q in
            let squared = (0..<count).map { i -> Double in
                var s = 0.0
                for j in 0..<dimension { let t = queries[q * dimension + j] - points[i * dimension + j]; s += t * t }
                return s
            }
            return Self.logDensity(squaredDistances: squared, bandwidth: bandwidth, dimension: dimension)
        }
    }

    /// log f̂ from the squared distances to every kernel centre (shared by the cross-validation, which
    /// computes the distances once for all bandwidths).
    static func logDensity<C: Collection>(squaredDistances: C, bandwidth h: Double, dimension d: Int) -> Double where C.Element == Double {
        let scale = -0.5 / (h * h)
        let top = squaredDistances.min()! * scale
        var sum = 0.0
        for s in squaredDistances { sum += exp(s * scale - top) }
        return top + log(sum) - log(Double(squaredDistances.count)) - 0.5 * Double(d) * log(2 * Double.pi * h * h)
    }

    /// log f̂ from the squared distances in `row` to every kernel centre outside `excluded`.
    static func logDensity(_ row: UnsafeBufferPointer<Double>, excluding excluded: Range<Int>, bandwidth h: Double, dimension d: Int) -> Double {
        let scale = -0.5 / (h * h)
        var nearest = Double.infinity
        for k in 0..<row.count where !excluded.contains(k) { nearest = min(nearest, row[k]) }
        let top = nearest * scale
        var sum = 0.0
        for k in 0..<excluded.lowerBound { sum += exp(row[k] * scale - top) }
        for k in excluded.upperBound..<row.count { sum += exp(row[k] * scale - top) }
        let kept = row.count - excluded.count
        return top + log(sum) - log(Double(kept)) - 0.5 * Double(d) * log(2 * Double.pi * h * h)
    }

    /// `n` draws x = xᵢ + h·ε with i uniform and ε ~ N(0, I), row-major [n, d].
    public func sample(_ n: Int, using rng: RandomGenerator) -> [Double] {
        var out = [Double](repeating: 0, count: n * dimension)
        for s in 0..<n {
            let i = rng.index(below: count)
            for j in 0..<dimension { out[s * dimension + j] = points[i * dimension + j] + bandwidth * rng.standardNormal() }
        }
        return out
    }
}

/// Bandwidth chosen by K-fold cross-validated log-likelihood, as scikit-learn's
/// `GridSearchCV(KernelDensity(), {"bandwidth": grid})`: contiguous folds (`KFold` without
/// shuffling; the first N mod K folds one point larger), a fold's score the total log-likelihood of
/// its held-out points, the best bandwidth the highest mean score over folds.
public struct BandwidthSearch {
    public struct Candidate { public var bandwidth: Double; public var meanFoldScore: Double; public var perPoint: Double }
    public let candidates: [Candidate]
    public var best: Candidate { candidates.max { $0.meanFoldScore < $1.meanFoldScore }! }

    /// scikit-learn's example grid: `np.logspace(-1, 1, 20)`.
    public static let exampleGrid = (0..<20).map { pow(10, -1 + 2 * Double($0) / 19) }

    public init(points: [Double], dimension d: Int, bandwidths: [Double], folds: Int) throws {
        let n = points.count / d
        guard folds >= 2, folds <= n else { throw SamplerError("--folds: \(folds) must be between 2 and the \(n) points") }
        if let bad = bandwidths.first(where: { !($0 > 0 && $0.isFinite) }) { throw SamplerError("--bandwidth: \(bad) must be positive") }
        // Squared distances between every pair, once for all bandwidths (each thread fills its rows).
        var squared = [Double](repeating: 0, count: n * n)
        squared.withUnsafeMutableBufferPointer { out in
            let out = out
            DispatchQueue.concurrentPerform(iterations: n) { i in
                for k in 0..<n {
                    var s = 0.0
                    for j in 0..<d { let t = points[i * d + j] - points[k * d + j]; s += t * t }
                    out[i * n + k] = s
                }
            }
        }
        var bounds = [0]
        for f in 0..<folds { bounds.append(bounds[f] + n / folds + (f < n % folds ? 1 : 0)) }
        let foldOf = (0..<n).map { i in (0..<folds).first { bounds[$0 + 1] > i }! }
        candidates = bandwidths.map { h in
            // Each point's log-density under the KDE of the points outside its fold, on every core.
            var pointScores = [Double](repeating: 0, count: n)
            pointScores.withUnsafeMutableBufferPointer { scores in
                let scores = scores
                squared.withUnsafeBufferPointer { all in
                    DispatchQueue.concurrentPerform(iterations: n) { i in
                        let held = bounds[foldOf[i]]..<bounds[foldOf[i] + 1]
                        let row = UnsafeBufferPointer(rebasing: all[(i * n)..<(i * n + n)])
                        scores[i] = KernelDensity.logDensity(row, excluding: held, bandwidth: h, dimension: d)
                    }
                }
            }
            var foldScores = [Double](repeating: 0, count: folds)
            for i in 0..<n { foldScores[foldOf[i]] += pointScores[i] }
            return Candidate(bandwidth: h, meanFoldScore: foldScores.reduce(0, +) / Double(folds),
                             perPoint: foldScores.reduce(0, +) / Double(n))
        }
    }
}
