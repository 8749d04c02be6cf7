import Datasets
import Engine
import Foundation

/// A Gaussian mixture with full covariances, fitted by EM to latent points of the training set:
/// the "aggregate posterior" q(z) = E_x q(z|x) that the decoder was actually trained on.
///
/// Why: with a KL weight below 1 the encoder's posteriors do not fill N(0, I). Points drawn from
/// N(0, I) then often fall between the regions the decoder knows and decode to molecules unlike
/// the data (the MOSES FCD of such samples is high); points drawn from q(z) decode like the data.
/// `molgen fit-prior` stores one in the model file and `molgen sample --prior fitted` uses it.
public struct GaussianMixture: Equatable, Sendable {
    public let dimension: Int
    /// Mixing weights [K], summing to 1.
    public let weights: [Double]
    /// Component means [K, D].
    public let means: [Double]
    /// Lower-triangular Cholesky factors L of the covariances Σ = L Lᵀ, [K, D, D] row-major.
    public let choleskyFactors: [Double]

    public var components: Int { weights.count }

    public init(dimension: Int, weights: [Double], means: [Double], choleskyFactors: [Double]) throws {
        guard dimension > 0, !weights.isEmpty, means.count == weights.count * dimension,
              choleskyFactors.count == weights.count * dimension * dimension else {
            throw ChemVAEError.invalidConfiguration("fitted prior: \(weights.count) weights, \(means.count) mean values and \(choleskyFactors.count) factor values do not fit dimension \(dimension)")
        }
        guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }), abs(weights.reduce(0, +) - 1) < 1e-3,
              means.allSatisfy(\.isFinite), choleskyFactors.allSatisfy(\.isFinite) else {
            throw ChemVAEError.invalidConfiguration("fitted prior: weights must be a distribution and every value finite")
        }
        self.dimension = dimension; self.weights = weights; self.means = means; self.choleskyFactors = choleskyFactors
    }

    /// `count` points [count, D] (row-major): a component by weight, then μ_k + `temperature`·L_k ε
    /// (below 1, each component's spread shrinks and samples keep nearer its centre).
    public func sample(count: Int, temperature: Double = 1, using rng: RandomGenerator) -> [Float] {
        let d = dimension
        var cumulative: [Double] = []
        var total = 0.0
        for w in weights { total += w; cumulative.append(total) }
        var out = [Float](repeating: 0, count: count * d)
        var epsilon = [Double](repeating: 0, count: d)
        for n in 0..<count {
            let u = Double(rng.uniform()) * total
            let k = cumulative.firstIndex { u < $0 } ?? (components - 1)
            for j in 0..<d { epsilon[j] = temperature * Double(rng.normal()) }
            let l = k * d * d
            for i in 0..<d {
                var v = means[k * d + i]
                for j in 0...i { v += choleskyFactors[l + i * d + j] * epsilon[j] }
                out[n * d + i] = Float(v)
            }
        }
        return out
    }

    /// Mean log-density (nats per point) of `points` [N, D].
    public func meanLogDensity(_ points: [Float]) -> Double {
        let n = points.count / dimension
        let logs = componentLogDensities(points.map(Double.init), count: n), k = components
        var total = 0.0
        for i in 0..<n { total += logSumExp(logs[(i * k)..<((i + 1) * k)]) }
        return total / Double(max(n, 1))
    }

    /// log(w_k N(x_i; μ_k, Σ_k)) for every point i and component k, as [N, K] row-major.
    func componentLogDensities(_ x: [Double], count n: Int) -> [Double] {
        let d = dimension, k = components
        var out = [Double](repeating: 0, count: n * k)
        let constant = -0.5 * Double(d) * log(2 * Double.pi)
        out.withUnsafeMutableBufferPointer { buffer in
            let result = buffer.baseAddress!
            for c in 0..<k {
                let l = c * d * d
                var logDeterminant = 0.0
                for i in 0..<d { logDeterminant += log(choleskyFactors[l + i * d + i]) }
                let base = log(max(weights[c], 1e-300)) + constant - logDeterminant
                DispatchQueue.concurrentPerform(iterations: 8) { block in
                    var y = [Double](repeating: 0, count: d)
                    for i in stride(from: block, to: n, by: 8) {
                        // Forward substitution L y = x - μ; the Mahalanobis term is |y|².
                        var squared = 0.0
                        for r in 0..<d {
                            var v = x[i * d + r] - means[c * d + r]
                            for j in 0..<r { v -= choleskyFactors[l + r * d + j] * y[j] }
                            y[r] = v / choleskyFactors[l + r * d + r]
                            squared += y[r] * y[r]
                        }
                        result[i * k + c] = base - 0.5 * squared
                    }
                }
            }
        }
        return out
    }

    /// Fits K components to `points` [N, D] by EM from a k-means++ start; covariances get
    /// `regularization`·I added so no component collapses onto a few points.
    public static func fit(points: [Float], dimension d: Int, components k: Int, iterations: Int = 50, regularization: Double = 1e-3,
                           seed: UInt64 = 1, progress: (Int, Double) -> Void = { _, _ in }) throws -> GaussianMixture {
        let n = points.count / d
        guard k >= 1, n >= 2 * k, points.count == n * d else {
            throw ChemVAEError.invalidConfiguration("fitted prior: \(n) points cannot fit \(k) components (need at least \(2 * k))")
        }
        let x = points.map(Double.init)
        let rng = RandomGenerator(seed: seed)
        // k-means++: each next centre drawn with probability proportional to the squared distance.
        var centres = [Int](repeating: rng.index(below: n), count: 1)
        var nearest = [Double](repeating: .infinity, count: n)
        while centres.count < k {
            let c = centres.last!
            var total = 0.0
            for i in 0..<n {
                var s = 0.0
                for j in 0..<d { let v = x[i * d + j] - x[c * d + j]; s += v * v }
                nearest[i] = min(nearest[i], s); total += nearest[i]
            }
            var u = Double(rng.uniform()) * total, pick = n - 1
            for i in 0..<n { u -= nearest[i]; if u <= 0 { pick = i; break } }
            centres.append(pick)
        }
        var means = centres.flatMap { c in (0..<d).map { x[c * d + $0] } }
        // Start from the data's overall covariance in every component, equal weights.
        var overall = [Double](repeating: 0, count: d * d), overallMean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { overallMean[j] += x[i * d + j] / Double(n) } }
        for i in 0..<n { for a in 0..<d { let va = x[i * d + a] - overallMean[a]; for b in 0...a { overall[a * d + b] += va * (x[i * d + b] - overallMean[b]) / Double(n) } } }
        var factors = [Double]()
        for _ in 0..<k { factors += try cholesky(overall, dimension: d, regularization: regularization) }
        var mixture = try GaussianMixture(dimension: d, weights: [Double](repeating: 1 / Double(k), count: k), means: means, choleskyFactors: factors)
        var previous = -Double.infinity
        for iteration in 1...iterations {
            // E step: responsibilities r_ik, and the log-likelihood.
            let logs = mixture.componentLogDensities(x, count: n)
            var r = [Double](repeating: 0, count: n * k), likelihood = 0.0
            for i in 0..<n {
                let total = logSumExp(logs[(i * k)..<((i + 1) * k)])
                likelihood += total
                for c in 0..<k { r[i * k + c] = exp(logs[i * k + c] - total) }
            }
            likelihood /= Double(n)
            progress(iteration, likelihood)
            // M step: weights, means and covariances from the responsibilities.
            var weights = [Double](repeating: 0, count: k)
            means = [Double](repeating: 0, count: k * d)
            for i in 0..<n { for c in 0..<k { weights[c] += r[i * k + c]; for j in 0..<d { means[c * d + j] += r[i * k + c] * x[i * d + j] } } }
            for c in 0..<k { for j in 0..<d { means[c * d + j] /= max(weights[c], 1e-12) } }
            var covariances = [Double](repeating: 0, count: k * d * d)
            covariances.withUnsafeMutableBufferPointer { buffer in
            let all = buffer.baseAddress!
            DispatchQueue.concurrentPerform(iterations: k) { c in
                var local = [Double](repeating: 0, count: d * d), centred = [Double](repeating: 0, count: d)
                for i in 0..<n {
                    let w = r[i * k + c]
                    guard w > 1e-10 else { continue }
                    for j in 0..<d { centred[j] = x[i * d + j] - means[c * d + j] }
                    for a in 0..<d { let wa = w * centred[a]; for b in 0...a { local[a * d + b] += wa * centred[b] } }
                }
                for a in 0..<d { for b in 0...a { all[c * d * d + a * d + b] = local[a * d + b] / max(weights[c], 1e-12) } }
            }
            }
            factors = []
            for c in 0..<k { factors += try cholesky(Array(covariances[(c * d * d)..<((c + 1) * d * d)]), dimension: d, regularization: regularization) }
            mixture = try GaussianMixture(dimension: d, weights: weights.map { $0 / Double(n) }, means: means, choleskyFactors: factors)
            if likelihood - previous < 1e-4 * abs(likelihood) { break }
            previous = likelihood
        }
        return mixture
    }

    /// The lower Cholesky factor of a symmetric matrix given by its lower triangle, plus
    /// `regularization` on the diagonal.
    static func cholesky(_ a: [Double], dimension d: Int, regularization: Double) throws -> [Double] {
        var l = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in 0...i {
                var s = a[i * d + j] + (i == j ? regularization : 0)
                for m in 0..<j { s -= l[i * d + m] * l[j * d + m] }
                if i == j {
                    guard s > 0 else { throw ChemVAEError.invalidConfiguration("fitted prior: a covariance is not positive definite") }
                    l[i * d + i] = s.squareRoot()
                } else {
                    l[i * d + j] = s / l[j * d + j]
                }
            }
        }
        return l
    }
}

func logSumExp(_ values: ArraySlice<Double>) -> Double {
    let m = values.max() ?? -.infinity
    guard m.isFinite else { return m }
    return m + log(values.reduce(0) { $0 + exp($1 - m) })
}

/// Where prior samples come from.
public enum PriorChoice: String, CaseIterable, Sendable {
    /// The Gaussian mixture fitted to the training set's latent points (`molgen fit-prior`).
    case fitted
    /// The VAE's nominal prior N(0, I).
    case normal
}

/// What `fitPrior` found: the mixture and how well it and N(0, I) explain held-out latent points.
public struct PriorFit: Sendable {
    public var mixture: GaussianMixture
    /// Mean log-density (nats per point) of held-out aggregate-posterior points.
    public var heldOutLogDensityFitted: Double
    public var heldOutLogDensityNormal: Double
    public var trainingPoints: Int, heldOutPoints: Int
}

extension ChemVAEModel {
    /// Fits a `components`-Gaussian mixture to the aggregate posterior: `molecules` molecules of
    /// `data` drawn by `seed`, each encoded and sampled once, z = μ + `noise`·σ·ε (noise 1: the
    /// aggregate posterior itself; 0: the distribution of the means); a tenth is held out to score
    /// the fit against N(0, I). Stores the mixture as `prior`.
    @discardableResult
    public func fitPrior(data: MoleculeDataset, molecules: Int = 50_000, components: Int = 16, noise: Float = 1, seed: UInt64 = 1,
                         progress: (String) -> Void = { _ in }) throws -> PriorFit {
        guard data.codec == codec else {
            throw ChemVAEError.incompatibleData("the dataset was converted with another vocabulary than the model (convert it with --vocab MODEL.h5)")
        }
        let rng = RandomGenerator(seed: seed)
        var order = Array(0..<data.count)
        rng.shuffle(&order)
        let picked = Array(order.prefix(molecules))
        guard picked.count >= 20 * components else {
            throw ChemVAEError.incompatibleData("\(picked.count) molecules are too few to fit \(components) components (give at least \(20 * components))")
        }
        progress("encoding \(picked.count) molecules")
        var rows = [UInt8]()
        rows.reserveCapacity(picked.count * data.maxLength)
        for i in picked { rows += data.row(i) }
        let (means, logVariances) = latentMoments(rows: rows)
        var points = means
        for i in points.indices { points[i] += noise * expf(0.5 * logVariances[i]) * rng.normal() }
        let d = config.latentSize, held = picked.count / 10
        let heldOut = Array(points[..<(held * d)]), training = Array(points[(held * d)...])
        let mixture = try GaussianMixture.fit(points: training, dimension: d, components: components, seed: seed &+ 1) { iteration, likelihood in
            progress(String(format: "EM iteration %d: %.3f nats per point", iteration, likelihood))
        }
        var squares = 0.0
        for v in heldOut { squares += Double(v) * Double(v) }
        let normal = -0.5 * squares / Double(held) - 0.5 * Double(d) * log(2 * Double.pi)
        prior = mixture
        return PriorFit(mixture: mixture, heldOutLogDensityFitted: mixture.meanLogDensity(heldOut), heldOutLogDensityNormal: normal,
                        trainingPoints: picked.count - held, heldOutPoints: held)
    }
}
