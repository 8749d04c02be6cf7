import Charts
import Engine
import Foundation
import ImageModels

/// What reweighting a trained generator's samples says about the double well. Energies and free
/// energies are in units of kT.
public struct BoltzmannEstimate {
    /// F(right well) − F(left well) from the reweighted samples, and by numerical integration.
    public var freeEnergyDifference: Double
    public var exact: Double
    /// The same difference from the generator's own samples, before reweighting.
    public var generatedFreeEnergyDifference: Double
    /// Kish's (Σw)² / Σw² of the importance weights, out of `samples`.
    public var effectiveSampleSize: Double
    public var samples: Int
    /// Free-energy profiles −log p(x₁) along x₁ (bin centres): generated, reweighted, exact.
    public var profile: [(x1: Double, generated: Double, reweighted: Double, exact: Double)]
}

/// Draws `samples` points x = G(z) from the generator and weighs each by w = exp(−u(x)/kT) / q(x),
/// log q(x) = log N(z) − log|det ∂G/∂z| (the generator's own density, exact for a flow), which
/// turns averages over q into averages over the Boltzmann density. Blocks of 10,000, no tape.
public func reweight(_ flow: RealNVP, well: DoubleWell, samples: Int, seed: UInt64, bins: Int = 60) -> BoltzmannEstimate {
    let rng = RandomGenerator(seed: seed)
    var x1 = [Double](), logW = [Double]()
    x1.reserveCapacity(samples); logW.reserveCapacity(samples)
    for start in stride(from: 0, to: samples, by: 10_000) {
        let (x, _, logQ) = flow.sample(min(10_000, samples - start), using: rng)
        let xs = x.scalars, lq = logQ.scalars
        for i in 0..<lq.count {
            let a = Double(xs[2 * i]), b = Double(xs[2 * i + 1])
            x1.append(a)
            logW.append(-DoubleWell.energy(a, b) / well.temperature - Double(lq[i]))
        }
    }
    // Weights relative to the largest, in Double: exp(log w − max) never overflows.
    let top = logW.filter(\.isFinite).max() ?? 0
    let w = logW.map { $0.isFinite ? exp($0 - top) : 0 }
    let total = w.reduce(0, +), squares = w.reduce(0) { $0 + $1 * $1 }
    var rightW = 0.0, rightCount = 0.0
    for i in x1.indices where x1[i] > DoubleWell.barrier { rightW += w[i]; rightCount += 1 }
    let n = Double(x1.count)

    // Profiles: densities of x₁ on a common grid, so the three curves need no shifting.
    let low = -2.5, high = 2.5, width = (high - low) / Double(bins)
    var counts = [Double](repeating: 0, count: bins), weights = [Double](repeating: 0, count: bins)
    for i in x1.indices where x1[i] >= low && x1[i] < high {
        let b = min(Int((x1[i] - low) / width), bins - 1)
        counts[b] += 1; weights[b] += w[i]
    }
    let logZ1 = -well.wellFreeEnergy(-6, 6) / well.temperature
    let profile = (0..<bins).map { b -> (Double, Double, Double, Double) in
        let c = low + (Double(b) + 0.5) * width
        return (c, -log(counts[b] / (n * width)), -log(weights[b] / (total * width)), DoubleWell.energy1(c) / well.temperature + logZ1)
    }
    return BoltzmannEstimate(
        freeEnergyDifference: -log(rightW / (total - rightW)),
        exact: well.exactFreeEnergyDifference / well.temperature,
        generatedFreeEnergyDifference: -log(rightCount / (n - rightCount)),
        effectiveSampleSize: total * total / squares, samples: x1.count, profile: profile)
}

/// The pictures of the flow commands.
public enum FlowPlots {
    /// Flow samples over the data (both as dots).
    public static func samples(data: [Float], samples: [Float], title: String) -> Chart {
        func points(_ v: [Float]) -> [(x: Double, y: Double)] { stride(from: 0, to: v.count - 1, by: 2).map { (Double(v[$0]), Double(v[$0 + 1])) } }
        var plot = Chart(title: title, xLabel: "x1", yLabel: "x2")
        plot.series = [.init(name: "data", points: points(data), style: .dots), .init(name: "flow samples", points: points(samples), style: .dots)]
        return plot
    }

    /// The free-energy profile along x₁: generated, reweighted and exact.
    public static func profile(_ estimate: BoltzmannEstimate) -> Chart {
        var plot = Chart(title: String(format: "Double well: free energy along x1 (ΔF %.2f kT, exact %.2f)", estimate.freeEnergyDifference, estimate.exact),
                            xLabel: "x1", yLabel: "F(x1) = -log p(x1)  [kT]")
        plot.series = [
            .init(name: "generated", points: estimate.profile.map { ($0.x1, $0.generated) }),
            .init(name: "reweighted", points: estimate.profile.map { ($0.x1, $0.reweighted) }),
            .init(name: "exact", points: estimate.profile.map { ($0.x1, $0.exact) }),
        ]
        return plot
    }
}

/// −mean log N(x; μ, Σ) of `heldOut` under the Gaussian fitted to `training` (2-D): the baseline
/// a flow's held-out likelihood should beat.
public func gaussianBaselineNLL(training: [Float], heldOut: [Float]) -> Double {
    let n = Double(training.count / 2)
    var m = (0.0, 0.0)
    for i in stride(from: 0, to: training.count, by: 2) { m.0 += Double(training[i]) / n; m.1 += Double(training[i + 1]) / n }
    var (a, b, c) = (0.0, 0.0, 0.0)   // Σ = [[a, b], [b, c]]
    for i in stride(from: 0, to: training.count, by: 2) {
        let u = Double(training[i]) - m.0, v = Double(training[i + 1]) - m.1
        a += u * u / n; b += u * v / n; c += v * v / n
    }
    let det = a * c - b * b
    var total = 0.0
    for i in stride(from: 0, to: heldOut.count, by: 2) {
        let u = Double(heldOut[i]) - m.0, v = Double(heldOut[i + 1]) - m.1
        total += 0.5 * (c * u * u - 2 * b * u * v + a * v * v) / det + 0.5 * log(det) + log(2 * Double.pi)
    }
    return total / Double(heldOut.count / 2)
}
