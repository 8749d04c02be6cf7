import Engine
import Foundation

/// An option or input a caller got wrong; the message names the option.
public struct SamplerError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension RandomGenerator {
    /// Uniform in the open interval (0, 1) with 53 random bits: inverse CDFs take logs of u and 1 − u,
    /// and the engine's 24-bit `uniform()` would put a visible floor under the tails.
    public func openUnitInterval() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }

    /// A standard normal in Double precision (Box–Muller, one value per call: simple, and these
    /// samplers spend their time elsewhere).
    public func standardNormal() -> Double {
        let u1 = openUnitInterval(), u2 = openUnitInterval()
        return (-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

/// The standard normal CDF Φ(x).
public func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

/// The N(mean, std²) density.
public func normalDensity(_ x: Double, mean: Double = 0, std: Double = 1) -> Double {
    let z = (x - mean) / std
    return Foundation.exp(-0.5 * z * z) / (std * (2 * Double.pi).squareRoot())
}

/// The Kolmogorov–Smirnov statistic sup |F_n(x) − F(x)| of `samples` against the CDF `cdf`.
/// Tied samples are taken together, against F's left limit below them: an empirical CDF built from
/// data with repeated values has atoms there, and its samples repeat those values exactly.
public func ksStatistic(_ samples: [Double], cdf: (Double) -> Double) -> Double {
    let sorted = samples.sorted(), n = Double(sorted.count)
    var d = 0.0, first = 0
    while first < sorted.count {
        let x = sorted[first]
        var end = first + 1
        while end < sorted.count && sorted[end] == x { end += 1 }
        // Just below x, F_n = first/n against F(x−); at x, F_n = end/n against F(x).
        d = max(d, abs(Double(first) / n - cdf(x.nextDown)), abs(Double(end) / n - cdf(x)))
        first = end
    }
    return d
}

/// The effective sample size of a chain, N / (1 + 2 Σ ρ_k), with Geyer's initial positive sequence:
/// autocorrelations are summed in pairs (ρ_{2m} + ρ_{2m+1}) until a pair turns non-positive, where
/// the estimates become noise.
public func effectiveSampleSize(_ chain: [Double], maxLag: Int = 5000) -> Double {
    let n = chain.count
    guard n > 3 else { return Double(n) }
    let mean = chain.reduce(0, +) / Double(n)
    let centered = chain.map { $0 - mean }
    let variance = centered.reduce(0) { $0 + $1 * $1 } / Double(n)
    guard variance > 0 else { return 1 }   // a chain that never moved holds one sample's information
    func autocorrelation(_ lag: Int) -> Double {
        var s = 0.0
        for i in 0..<(n - lag) { s += centered[i] * centered[i + lag] }
        return s / (Double(n) * variance)
    }
    var sum = 0.0   // Σ over pairs from (ρ_0 + ρ_1); τ = −1 + 2 Σ pairs
    var lag = 0
    // Lags stop at `maxLag`, which bounds the work (a stuck chain would otherwise cost N² steps);
    // a chain correlated that far reports an ESS of about N / (2 · maxLag) or less.
    while lag + 1 < min(n, maxLag) {
        let pair = autocorrelation(lag) + autocorrelation(lag + 1)
        if pair <= 0 { break }
        sum += pair
        lag += 2
    }
    let tau = max(-1 + 2 * sum, 1.0 / Double(n))
    return min(Double(n) / tau, Double(n))
}

/// A histogram normalised as a density over [low, high] in `bins` bins, as the step outline a line
/// plot draws (samples outside the range count towards the total but fall in no bin).
public func histogramOutline(_ samples: [Double], low: Double, high: Double, bins: Int) -> [(x: Double, y: Double)] {
    var counts = [Double](repeating: 0, count: bins)
    let width = (high - low) / Double(bins)
    for x in samples where x >= low && x < high { counts[min(Int((x - low) / width), bins - 1)] += 1 }
    let scale = 1 / (Double(samples.count) * width)
    var outline: [(x: Double, y: Double)] = [(low, 0)]
    for (b, c) in counts.enumerated() {
        let left = low + Double(b) * width
        outline.append((left, c * scale))
        outline.append((left + width, c * scale))
    }
    outline.append((high, 0))
    return outline
}

/// `count` values evenly spaced over [low, high].
func evenlySpaced(_ low: Double, _ high: Double, count: Int) -> [Double] {
    (0..<count).map { low + (high - low) * Double($0) / Double(count - 1) }
}
