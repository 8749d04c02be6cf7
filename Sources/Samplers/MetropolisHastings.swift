import Charts
import Engine
import Foundation
import ImageModels

/// A density known only up to a constant, through its logarithm.
public struct UnnormalizedDensity {
    public var name: String
    public var dimension: Int
    public var logDensity: ([Double]) -> Double
    /// The exact CDF of the first coordinate's marginal, when known (for the KS statistic).
    public var firstMarginalCDF: ((Double) -> Double)?

    public init(name: String, dimension: Int, logDensity: @escaping ([Double]) -> Double, firstMarginalCDF: ((Double) -> Double)? = nil) {
        self.name = name; self.dimension = dimension; self.logDensity = logDensity; self.firstMarginalCDF = firstMarginalCDF
    }

    /// The 1-D bimodal mixture 0.4·N(−2, 0.7²) + 0.6·N(1.5, 1), unnormalised (times 7).
    public static let bimodal: UnnormalizedDensity = {
        let mixture = NormalMixture1D.bimodal
        return UnnormalizedDensity(name: "bimodal", dimension: 1, logDensity: { log(7 * mixture.density($0[0])) },
                                   firstMarginalCDF: mixture.cdf)
    }()

    /// The 2-D banana: x₁ ~ N(0, 2²), x₂ | x₁ ~ N(x₁²/4, 1); log f = −x₁²/8 − (x₂ − x₁²/4)²/2 + const.
    /// (x₁, x₂ − x₁²/4) is Gaussian, so x₁'s marginal is N(0, 4) and the level sets are known exactly.
    public static let banana = UnnormalizedDensity(
        name: "banana", dimension: 2,
        logDensity: { x in
            let bend = x[1] - 0.25 * x[0] * x[0]
            return -x[0] * x[0] / 8 - 0.5 * bend * bend
        },
        firstMarginalCDF: { normalCDF($0 / 2) })

    public static let named: [String: UnnormalizedDensity] = ["bimodal": bimodal, "banana": banana]
}

/// A Metropolis–Hastings chain with the Gaussian random-walk proposal x* ~ N(x, σ²I), accepted with
/// probability min(1, f(x*)/f(x)) (the proposal is symmetric, so its ratio cancels).
public struct MetropolisChain {
    /// Every state after burn-in, row-major [steps, dimension].
    public var states: [Double]
    public var dimension: Int
    public var acceptanceRate: Double

    public var steps: Int { states.count / dimension }
    public func coordinate(_ j: Int) -> [Double] { stride(from: j, to: states.count, by: dimension).map { states[$0] } }

    public static func run(_ target: UnnormalizedDensity, sigma: Double, steps: Int, burnIn: Int, start: [Double]? = nil,
                           seed: UInt64) throws -> MetropolisChain {
        guard sigma > 0, sigma.isFinite else { throw SamplerError("--sigma: \(sigma) must be positive") }
        guard steps >= 10 else { throw SamplerError("--steps: \(steps) must be at least 10") }
        guard burnIn >= 0 else { throw SamplerError("--burn-in: \(burnIn) must not be negative") }
        let d = target.dimension, rng = RandomGenerator(seed: seed)
        var x = start ?? [Double](repeating: 0, count: d)
        var logF = target.logDensity(x)
        var proposal = x
        var states = [Double](), accepted = 0
        states.reserveCapacity(steps * d)
        for step in 0..<(burnIn + steps) {
            for j in 0..<d { proposal[j] = x[j] + sigma * rng.standardNormal() }
            let logProposal = target.logDensity(proposal)
            // Accept when log u < log f(x*) − log f(x); a NaN or −∞ proposal is never taken.
            if log(rng.openUnitInterval()) < logProposal - logF {
                swap(&x, &proposal)
                logF = logProposal
                if step >= burnIn { accepted += 1 }
            }
            if step >= burnIn { states.append(contentsOf: x) }
        }
        return MetropolisChain(states: states, dimension: d, acceptanceRate: Double(accepted) / Double(steps))
    }

    /// The smallest effective sample size over the coordinates, per 1,000 steps.
    public var essPer1000Steps: Double {
        (0..<dimension).map { effectiveSampleSize(coordinate($0)) }.min()! * 1000 / Double(steps)
    }
}

/// What `molgen sampler mh` reports for one σ.
public struct MetropolisReport {
    public var chain: MetropolisChain
    public var sigma: Double
    public var essPer1000Steps: Double
    /// KS of the first coordinate's samples against its exact marginal.
    public var ksStatistic: Double?
}

public func metropolisReport(_ target: UnnormalizedDensity, sigma: Double, steps: Int, burnIn: Int, seed: UInt64) throws -> MetropolisReport {
    let chain = try MetropolisChain.run(target, sigma: sigma, steps: steps, burnIn: burnIn, seed: seed)
    return MetropolisReport(chain: chain, sigma: sigma, essPer1000Steps: chain.essPer1000Steps,
                            ksStatistic: target.firstMarginalCDF.map { ksStatistic(chain.coordinate(0), cdf: $0) })
}

/// Pictures of a chain.
public enum MetropolisPlots {
    /// The first coordinate against the step, for the first `steps` steps.
    public static func trace(_ report: MetropolisReport, target: UnnormalizedDensity, steps: Int = 2000) -> Chart {
        var plot = Chart(title: "Metropolis–Hastings on the \(target.name) density: chain (σ = \(report.sigma))",
                            xLabel: "step", yLabel: "x₁")
        let x = report.chain.coordinate(0).prefix(steps)
        plot.series.append(.init(name: "x₁", points: x.enumerated().map { (Double($0.offset), $0.element) }))
        return plot
    }

    /// The samples over the density: a histogram against the normalised density in 1-D; a scatter of
    /// (at most 3,000) samples over the exact 39%, 86% and 99% contours of the banana in 2-D.
    public static func samples(_ report: MetropolisReport, target: UnnormalizedDensity) -> Chart {
        let chain = report.chain
        var plot = Chart(title: "Metropolis–Hastings on the \(target.name) density: \(chain.steps) samples (σ = \(report.sigma))",
                            xLabel: "x₁", yLabel: target.dimension == 1 ? "density" : "x₂")
        if target.dimension == 1 {
            let x = chain.coordinate(0)
            plot.series.append(.init(name: "samples (histogram)", points: histogramOutline(x, low: -5, high: 5, bins: 60)))
            // Normalise f on a fine grid (the sampler never needed the constant).
            let grid = evenlySpaced(-5, 5, count: 401)
            let f = grid.map { exp(target.logDensity([$0])) }
            let z = f.reduce(0, +) * (grid[1] - grid[0])
            plot.series.append(.init(name: "density", points: zip(grid, f).map { ($0, $1 / z) }))
        } else {
            let every = max(1, chain.steps / 3000)
            let points = stride(from: 0, to: chain.steps, by: every).map { (chain.states[$0 * 2], chain.states[$0 * 2 + 1]) }
            plot.series.append(.init(name: "samples", points: points, style: .dots))
            // (x₁, x₂ − x₁²/4) = (2r cos t, r sin t) on the level set of radius r.
            for (r, mass) in [(1.0, "39%"), (2.0, "86%"), (3.03, "99%")] {
                let contour = evenlySpaced(0, 2 * Double.pi, count: 200).map { t -> (Double, Double) in
                    let x1 = 2 * r * cos(t)
                    return (x1, 0.25 * x1 * x1 + r * sin(t))
                }
                plot.series.append(.init(name: "\(mass) contour", points: contour))
            }
        }
        return plot
    }

    /// Acceptance rate and ESS per step against log10 σ.
    public static func tradeOff(_ reports: [MetropolisReport], target: UnnormalizedDensity) -> Chart {
        var plot = Chart(title: "Metropolis–Hastings on the \(target.name) density: the step-size trade-off",
                            xLabel: "log10 σ", yLabel: "fraction")
        plot.series.append(.init(name: "acceptance rate", points: reports.map { (log10($0.sigma), $0.chain.acceptanceRate) }))
        plot.series.append(.init(name: "ESS per step", points: reports.map { (log10($0.sigma), $0.essPer1000Steps / 1000) }))
        return plot
    }
}
