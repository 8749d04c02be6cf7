import Charts
import Engine
import Foundation
import ImageModels

/// A distribution sampled by inverse transform: u ~ U(0, 1), x = F⁻¹(u).
public protocol InverseTransformSampler {
    var name: String { get }
    func cdf(_ x: Double) -> Double
    func quantile(_ u: Double) -> Double
    func density(_ x: Double) -> Double
}

extension InverseTransformSampler {
    /// `count` draws x = F⁻¹(u).
    public func sample(_ count: Int, using rng: RandomGenerator) -> [Double] {
        (0..<count).map { _ in quantile(rng.openUnitInterval()) }
    }
}

/// The closed-form inverses.
public enum ClosedFormDistribution: InverseTransformSampler, Equatable {
    /// rate λ > 0: F(x) = 1 − e^{−λx}, F⁻¹(u) = −log(1 − u)/λ.
    case exponential(rate: Double)
    /// F(x) = ½ + atan((x − x₀)/γ)/π, F⁻¹(u) = x₀ + γ tan(π(u − ½)).
    case cauchy(location: Double, scale: Double)
    /// F(x) = 1/(1 + e^{−(x − μ)/s}), F⁻¹(u) = μ + s log(u/(1 − u)).
    case logistic(location: Double, scale: Double)

    public var name: String {
        switch self {
        case .exponential: return "exponential"
        case .cauchy: return "cauchy"
        case .logistic: return "logistic"
        }
    }

    public func cdf(_ x: Double) -> Double {
        switch self {
        case .exponential(let rate): return x <= 0 ? 0 : -expm1(-rate * x)
        case let .cauchy(location, scale): return 0.5 + atan((x - location) / scale) / Double.pi
        case let .logistic(location, scale): return 1 / (1 + exp(-(x - location) / scale))
        }
    }

    public func quantile(_ u: Double) -> Double {
        switch self {
        case .exponential(let rate): return -log1p(-u) / rate
        case let .cauchy(location, scale): return location + scale * tan(Double.pi * (u - 0.5))
        case let .logistic(location, scale): return location + scale * log(u / (1 - u))
        }
    }

    public func density(_ x: Double) -> Double {
        switch self {
        case .exponential(let rate): return x < 0 ? 0 : rate * exp(-rate * x)
        case let .cauchy(location, scale):
            let z = (x - location) / scale
            return 1 / (Double.pi * scale * (1 + z * z))
        case let .logistic(location, scale):
            let e = exp(-abs(x - location) / scale)
            return e / (scale * (1 + e) * (1 + e))
        }
    }
}

/// The CDF of data with linear interpolation between order statistics: F(x₍ₖ₎) = k/(n − 1) for the
/// sorted values x₍₀₎ ≤ … ≤ x₍ₙ₋₁₎ (k from 0), linear in between, so F⁻¹(u) reads position
/// u·(n − 1) of the sorted data (numpy's default `quantile`). It is the exact CDF of the
/// piecewise-uniform distribution it samples from; its density is a step function.
public struct EmpiricalCDF: InverseTransformSampler {
    public let sorted: [Double]
    public var name: String { "empirical" }

    /// At least two distinct values are needed for a CDF that rises.
    public init(data: [Double]) throws {
        let values = data.filter(\.isFinite).sorted()
        guard values.count >= 2, values.first! < values.last! else {
            throw SamplerError("--data: the empirical CDF needs at least two distinct finite values, got \(values.count) value(s)")
        }
        sorted = values
    }

    var step: Double { 1 / Double(sorted.count - 1) }

    public func cdf(_ x: Double) -> Double {
        // Right-continuous: at a repeated smallest value F is already the mass of its atom.
        guard x >= sorted[0] else { return 0 }
        guard x < sorted[sorted.count - 1] else { return 1 }
        // The last order statistic ≤ x, by binary search; ties take the highest index.
        var lo = 0, hi = sorted.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if sorted[mid] <= x { lo = mid } else { hi = mid }
        }
        let gap = sorted[hi] - sorted[lo]
        return (Double(lo) + (gap > 0 ? (x - sorted[lo]) / gap : 0)) * step
    }

    public func quantile(_ u: Double) -> Double {
        let position = min(max(u, 0), 1) * Double(sorted.count - 1)
        let k = min(Int(position), sorted.count - 2)
        return sorted[k] + (position - Double(k)) * (sorted[k + 1] - sorted[k])
    }

    public func density(_ x: Double) -> Double {
        guard x >= sorted[0], x < sorted[sorted.count - 1] else { return 0 }
        var lo = 0, hi = sorted.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if sorted[mid] <= x { lo = mid } else { hi = mid }
        }
        let gap = sorted[hi] - sorted[lo]
        return gap > 0 ? step / gap : 0
    }
}

/// What `molgen sampler inverse` reports.
public struct InverseTransformResult {
    public var samples: [Double]
    public var ksStatistic: Double
    /// For an empirical CDF built from draws of a known distribution: KS of the samples against that
    /// source distribution (data error plus sampling error).
    public var ksAgainstSource: Double?
    public var plot: Chart
}

/// Bimodal data for the empirical CDF when none is given: a two-component normal mixture
/// 0.4·N(−2, 0.7²) + 0.6·N(1.5, 1), whose exact CDF is known.
public struct NormalMixture1D {
    public var weights: [Double], means: [Double], stds: [Double]
    public init(weights: [Double], means: [Double], stds: [Double]) { self.weights = weights; self.means = means; self.stds = stds }
    public static let bimodal = NormalMixture1D(weights: [0.4, 0.6], means: [-2, 1.5], stds: [0.7, 1])

    public func cdf(_ x: Double) -> Double { zip(weights, zip(means, stds)).reduce(0) { $0 + $1.0 * normalCDF((x - $1.1.0) / $1.1.1) } }
    public func density(_ x: Double) -> Double { zip(weights, zip(means, stds)).reduce(0) { $0 + $1.0 * normalDensity(x, mean: $1.1.0, std: $1.1.1) } }
    public func logDensity(_ x: Double) -> Double { log(density(x)) }

    public func sample(_ count: Int, using rng: RandomGenerator) -> [Double] {
        (0..<count).map { _ in
            let u = rng.openUnitInterval()
            var k = 0, total = weights[0]
            while u > total && k + 1 < weights.count { k += 1; total += weights[k] }
            return means[k] + stds[k] * rng.standardNormal()
        }
    }
}

/// Draws `count` samples by inverse transform and measures them against the exact CDF.
/// The plot is the histogram against the density over the central 98% (Cauchy tails go far).
public func runInverseTransform(_ sampler: InverseTransformSampler, count: Int, source: NormalMixture1D? = nil,
                                seed: UInt64) throws -> InverseTransformResult {
    guard count >= 2 else { throw SamplerError("--samples: \(count) must be at least 2") }
    let rng = RandomGenerator(seed: seed)
    let samples = sampler.sample(count, using: rng)
    let low = sampler.quantile(0.01), high = sampler.quantile(0.99)
    var plot = Chart(title: "inverse-transform sampling: \(sampler.name), \(count) samples", xLabel: "x", yLabel: "density")
    plot.series.append(.init(name: "samples (histogram)", points: histogramOutline(samples, low: low, high: high, bins: 60)))
    if sampler is EmpiricalCDF {
        // Its density jumps between every pair of data points; drawn as the exact probability of
        // each histogram bin, (F(right) − F(left)) / width, it compares with the histogram directly.
        let edges = evenlySpaced(low, high, count: 61)
        var outline: [(x: Double, y: Double)] = [(low, 0)]
        for (left, right) in zip(edges, edges.dropFirst()) {
            let y = (sampler.cdf(right) - sampler.cdf(left)) / (right - left)
            outline += [(left, y), (right, y)]
        }
        plot.series.append(.init(name: "density (bin averages)", points: outline + [(high, 0)]))
    } else {
        plot.series.append(.init(name: "density", points: evenlySpaced(low, high, count: 400).map { ($0, sampler.density($0)) }))
    }
    if let source { plot.series.append(.init(name: "source density", points: evenlySpaced(low, high, count: 400).map { ($0, source.density($0)) })) }
    return InverseTransformResult(samples: samples, ksStatistic: ksStatistic(samples, cdf: sampler.cdf),
                                  ksAgainstSource: source.map { s in ksStatistic(samples, cdf: s.cdf) }, plot: plot)
}
