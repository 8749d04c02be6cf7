import Charts
import Foundation
import ImageModels

/// Goodfellow et al.'s two results checked numerically for fixed 1-D densities: the optimal
/// discriminator is D*(x) = p_data / (p_data + p_g), and at it the GAN objective
/// J(G, D) = E_data[log D] + E_g[log(1 − D)] equals −log 4 + 2·JSD(p_data ‖ p_g).
/// D* is found by maximising the objective's integrand pointwise (golden-section search), not
/// taken from the formula, and both sides are integrals on a fine grid (Simpson's rule).
public struct GANTheory {
    public struct Normal: Sendable {
        public var mean: Double, std: Double
        public init(mean: Double, std: Double) { self.mean = mean; self.std = std }
        func density(_ x: Double) -> Double { let z = (x - mean) / std; return exp(-0.5 * z * z) / (std * (2 * Double.pi).squareRoot()) }
    }

    public let data: Normal
    /// The generator's density: a two-component mixture so it can differ from the data in shape.
    public let generator: [(weight: Double, normal: Normal)]
    public let grid: [Double]
    /// p_data and p_g at each grid point.
    public let dataDensity: [Double], generatorDensity: [Double]
    /// D* by numerical maximisation, and by the formula, at each grid point.
    public let optimalDiscriminator: [Double]
    public let formulaDiscriminator: [Double]
    /// J(G, D*), and −log 4 + 2 JSD.
    public let objective: Double
    public let jensenShannon: Double

    public init(data: Normal, generator: [(weight: Double, normal: Normal)], points: Int = 20_001) throws {
        guard data.std > 0 && data.std.isFinite else { throw ToyError("--data-std: \(data.std) must be positive") }
        for (w, n) in generator {
            guard n.std > 0 && n.std.isFinite else { throw ToyError("--generator-std: \(n.std) must be positive") }
            guard w > 0 && w.isFinite else { throw ToyError("generator weights must be positive") }
        }
        guard points >= 101 && points <= 1_000_001 else { throw ToyError("--points: \(points) must be between 101 and 1000001") }
        self.data = data; self.generator = generator
        let total = generator.reduce(0) { $0 + $1.weight }
        let pg = { (x: Double) in generator.reduce(0) { $0 + $1.weight / total * $1.normal.density(x) } }
        let all = [data] + generator.map(\.normal)
        let low = all.map { $0.mean - 12 * $0.std }.min()!, high = all.map { $0.mean + 12 * $0.std }.max()!
        let n = points % 2 == 1 ? points : points + 1   // Simpson needs an even number of intervals
        let h = (high - low) / Double(n - 1)
        grid = (0..<n).map { low + Double($0) * h }
        let pd = grid.map(data.density), pgs = grid.map(pg)
        dataDensity = pd; generatorDensity = pgs
        let logits = zip(pd, pgs).map { Self.maximiseIntegrand($0, $1) }
        optimalDiscriminator = logits.map { 1 / (1 + exp(-$0)) }
        formulaDiscriminator = zip(pd, pgs).map { $0 + $1 > 0 ? $0 / ($0 + $1) : 0.5 }
        func simpson(_ f: [Double]) -> Double {
            var s = 0.0
            for i in f.indices { s += f[i] * (i == 0 || i == f.count - 1 ? 1 : (i % 2 == 1 ? 4 : 2)) }
            return s * h / 3
        }
        // 0 · log 0 = 0 where a density underflows; log D and log(1 − D) from the logit t, so a D
        // within 1e-300 of 1 still has its finite log(1 − D) = −softplus(t).
        func xlogy(_ x: Double, _ y: Double) -> Double { x == 0 ? 0 : x * log(y) }
        func weighted(_ x: Double, _ logY: Double) -> Double { x == 0 ? 0 : x * logY }
        objective = simpson(grid.indices.map { weighted(pd[$0], -Self.softplus(-logits[$0])) + weighted(pgs[$0], -Self.softplus(logits[$0])) })
        jensenShannon = simpson(grid.indices.map { i in
            let m = (pd[i] + pgs[i]) / 2
            return 0.5 * xlogy(pd[i], pd[i] / m) + 0.5 * xlogy(pgs[i], pgs[i] / m)
        })
    }

    public var rightHandSide: Double { -log(4) + 2 * jensenShannon }

    /// The largest |D*_numeric − D*_formula| where the densities are not negligible (p_data + p_g
    /// above 1e-12: further out, D* is a ratio of underflowing numbers and has no meaning).
    public var discriminatorError: Double {
        var worst = 0.0
        for i in grid.indices where dataDensity[i] + generatorDensity[i] > 1e-12 {
            worst = max(worst, abs(optimalDiscriminator[i] - formulaDiscriminator[i]))
        }
        return worst
    }

    /// The logit t = log(D / (1 − D)) of the D maximising a·log D + b·log(1 − D) (concave in t:
    /// −a·softplus(−t) − b·softplus(t)), by golden-section search over t. Searching the logit keeps
    /// D's that differ from 1 by less than Double's resolution apart.
    static func maximiseIntegrand(_ a: Double, _ b: Double) -> Double {
        if a == 0 && b == 0 { return 0 }
        if b == 0 { return .infinity }
        if a == 0 { return -.infinity }
        let f = { (t: Double) in -a * softplus(-t) - b * softplus(t) }
        let ratio = (5.0.squareRoot() - 1) / 2
        var (lo, hi) = (-1500.0, 1500.0)
        for _ in 0..<200 {
            let c = hi - ratio * (hi - lo), d = lo + ratio * (hi - lo)
            if f(c) > f(d) { hi = d } else { lo = c }
        }
        return (lo + hi) / 2
    }

    /// log(1 + eˣ) without overflow.
    static func softplus(_ x: Double) -> Double { max(x, 0) + log1p(exp(-abs(x))) }

    /// The densities and the two discriminators within 5 σ of every mean (about 400 points; the
    /// numerical D* as dots at every fourth).
    public var plot: Chart {
        var plot = Chart(title: "Optimal discriminator: numerical maximum vs p_data / (p_data + p_g)", xLabel: "x", yLabel: "density / D(x)")
        // Where the densities live (±5 σ); the integrals reach further.
        let all = [data] + generator.map(\.normal)
        let low = all.map { $0.mean - 5 * $0.std }.min()!, high = all.map { $0.mean + 5 * $0.std }.max()!
        let inside = grid.indices.filter { grid[$0] >= low && grid[$0] <= high }
        let every = max(1, inside.count / 400)
        let indices = Array(stride(from: inside.first ?? 0, through: inside.last ?? 0, by: every))
        plot.series = [
            .init(name: "p_data", points: indices.map { (grid[$0], dataDensity[$0]) }),
            .init(name: "p_g", points: indices.map { (grid[$0], generatorDensity[$0]) }),
            .init(name: "D* (formula)", points: indices.map { (grid[$0], formulaDiscriminator[$0]) }),
            .init(name: "D* (numerical)", points: indices.enumerated().filter { $0.offset % 4 == 0 }.map(\.element).map { (grid[$0], optimalDiscriminator[$0]) }, style: .dots),
        ]
        return plot
    }
}
