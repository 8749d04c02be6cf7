import Engine
import Foundation
import Samplers

/// Two interleaving half circles in the plane (scikit-learn's `make_moons`, with random angles):
/// the upper moon (cos θ, sin θ) and the lower (1 − cos θ, 1/2 − sin θ), θ ~ U(0, π), plus
/// N(0, noise²) on each coordinate. Row-major [count, 2], the moons alternating.
public func twoMoons(count: Int, noise: Double, using rng: RandomGenerator) -> [Float] {
    var points: [Float] = []
    points.reserveCapacity(2 * count)
    for i in 0..<count {
        let theta = Double.pi * rng.openUnitInterval()
        let (x, y) = i % 2 == 0 ? (cos(theta), sin(theta)) : (1 - cos(theta), 0.5 - sin(theta))
        points += [Float(x + noise * rng.standardNormal()), Float(y + noise * rng.standardNormal())]
    }
    return points
}

/// The double well of Noé et al. (Science 2019): u(x) = x₁⁴ − 6x₁² + x₁ + ½x₂², in units of kT at
/// the given temperature (p(x) ∝ exp(−u(x)/kT)). Two wells along x₁ (near −1.77 and 1.69) split by
/// a barrier near 0.08 about 10 kT above the deeper well at kT = 1; x₂ is an independent Gaussian.
public struct DoubleWell: Sendable {
    public var temperature: Double

    public init(temperature: Double = 1) { self.temperature = temperature }

    /// The x₁ part of the energy; x₂ adds ½x₂².
    public static func energy1(_ x1: Double) -> Double { x1 * x1 * x1 * x1 - 6 * x1 * x1 + x1 }
    public static func energy(_ x1: Double, _ x2: Double) -> Double { energy1(x1) + 0.5 * x2 * x2 }

    /// u(x)/kT per row on the tape: x [B, 2] -> [B].
    public func reducedEnergy(_ x: Tensor) -> Tensor {
        let x1 = x.slice(axis: 1, 0..<1), x2 = x.slice(axis: 1, 1..<2)
        let x1sq = x1.square()
        let u = x1sq.square() - x1sq * 6 + x1 + x2.square() * 0.5
        return u.sum(axis: 1).scaled(by: Float(1 / temperature))
    }

    /// Stationary points of u₁: 4x³ − 12x + 1 = 0, by bisection in each bracket (left minimum,
    /// barrier, right minimum).
    static let stationaryPoints: [Double] = {
        func root(_ a: Double, _ b: Double) -> Double {
            var (lo, hi) = (a, b)
            let f = { (x: Double) in 4 * x * x * x - 12 * x + 1 }
            for _ in 0..<200 { let mid = (lo + hi) / 2; if (f(lo) < 0) == (f(mid) < 0) { lo = mid } else { hi = mid } }
            return (lo + hi) / 2
        }
        return [root(-3, -1), root(-1, 1), root(1, 3)]
    }()
    public static var leftMinimum: Double { stationaryPoints[0] }
    public static var barrier: Double { stationaryPoints[1] }
    public static var rightMinimum: Double { stationaryPoints[2] }

    /// −kT log ∫ exp(−u₁/kT) dx₁ over [a, b] (Simpson's rule, fine enough for 1e-9).
    func wellFreeEnergy(_ a: Double, _ b: Double) -> Double {
        let n = 20_000, h = (b - a) / Double(n)
        var sum = 0.0
        for i in 0...n {
            let w: Double = i == 0 || i == n ? 1 : (i % 2 == 1 ? 4 : 2)
            sum += w * exp(-Self.energy1(a + Double(i) * h) / temperature)
        }
        return -temperature * log(sum * h / 3)
    }

    /// F(right) − F(left), the wells split at the barrier top, by numerical integration (x₂ is the
    /// same Gaussian in both and cancels). In units of kT when divided by the temperature.
    public var exactFreeEnergyDifference: Double {
        wellFreeEnergy(Self.barrier, 6) - wellFreeEnergy(-6, Self.barrier)
    }

    /// The density for the Metropolis–Hastings sampler.
    public var unnormalizedDensity: UnnormalizedDensity {
        let t = temperature
        return UnnormalizedDensity(name: "double-well", dimension: 2, logDensity: { -Self.energy($0[0], $0[1]) / t })
    }

    /// Samples confined to the wells by Metropolis–Hastings: one chain started at each well's
    /// minimum (`wells`: "left", "right" or "both", split evenly), thinned by `thin`. At kT = 1 a
    /// chain never crosses the barrier, so "both" holds the wells in equal numbers, not in their
    /// Boltzmann proportions: that is what the generator has to correct.
    public func wellSamples(count: Int, wells: [Double], sigma: Double, thin: Int = 10, seed: UInt64) throws -> [Float] {
        var points: [Float] = []
        for (k, start) in wells.enumerated() {
            let n = count / wells.count + (k < count % wells.count ? 1 : 0)
            let chain = try MetropolisChain.run(unnormalizedDensity, sigma: sigma, steps: max(n * thin, 10), burnIn: 1000,
                                                start: [start, 0], seed: seed &+ UInt64(k) &* 7919)
            for i in 0..<n { points += [Float(chain.states[2 * i * thin]), Float(chain.states[2 * i * thin + 1])] }
        }
        return points
    }
}
