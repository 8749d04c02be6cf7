import Charts
import Engine
import Foundation
import ImageModels

/// An Ising model on spins xᵢ ∈ {−1, +1}: u(x) = −½ Σᵢⱼ Jᵢⱼ xᵢ xⱼ − Σᵢ hᵢ xᵢ, with symmetric couplings
/// stored as each spin's list of (neighbour, Jᵢⱼ) (a pair listed twice counts twice, as on a
/// 2-wide periodic lattice where left and right are the same spin). Units: J/k, so T = kT/J.
public struct IsingModel {
    public let neighbors: [[(index: Int, coupling: Double)]]
    public let field: [Double]
    public var spinCount: Int { field.count }

    public init(neighbors: [[(index: Int, coupling: Double)]], field: [Double]) {
        precondition(neighbors.count == field.count, "IsingModel: \(neighbors.count) coupling lists for \(field.count) spins")
        self.neighbors = neighbors; self.field = field
    }

    /// An L × L periodic square lattice with coupling J between nearest neighbours and a uniform field h.
    public static func squareLattice(side: Int, coupling: Double = 1, field: Double = 0) throws -> IsingModel {
        guard side >= 2 else { throw SamplerError("--size: \(side) must be at least 2") }
        guard coupling.isFinite, field.isFinite else { throw SamplerError("--coupling and --field must be finite") }
        let n = side * side
        let neighbors = (0..<n).map { i -> [(index: Int, coupling: Double)] in
            let r = i / side, c = i % side
            return [((r + 1) % side * side + c, coupling), ((r + side - 1) % side * side + c, coupling),
                    (r * side + (c + 1) % side, coupling), (r * side + (c + side - 1) % side, coupling)]
        }
        return IsingModel(neighbors: neighbors, field: [Double](repeating: field, count: n))
    }

    /// Every pair coupled by the symmetric matrix `couplings` [n, n] (the diagonal is ignored).
    public static func dense(couplings: [Double], field: [Double]) -> IsingModel {
        let n = field.count
        precondition(couplings.count == n * n, "IsingModel.dense: \(couplings.count) couplings for \(n) spins")
        let neighbors = (0..<n).map { i in (0..<n).filter { $0 != i && couplings[i * n + $0] != 0 }.map { (index: $0, coupling: couplings[i * n + $0]) } }
        return IsingModel(neighbors: neighbors, field: field)
    }

    /// u(x) for spins (or, with magnetisations mᵢ = ⟨xᵢ⟩ of a factorised q, ⟨u⟩_q: the terms are
    /// products of independent spins).
    public func energy(_ x: [Double]) -> Double {
        var u = 0.0
        for i in 0..<spinCount {
            var local = 0.0
            for (j, J) in neighbors[i] { local += J * x[j] }
            u -= 0.5 * local * x[i] + field[i] * x[i]
        }
        return u
    }

    /// The largest eigenvalue of J by power iteration on J + cI (c the largest absolute row sum,
    /// so every eigenvalue is non-negative and the top one dominates).
    public func largestCouplingEigenvalue(iterations: Int = 2000) -> Double {
        let n = spinCount
        let shift = neighbors.map { $0.reduce(0) { $0 + abs($1.coupling) } }.max() ?? 0
        var v = (0..<n).map { 1 + 0.01 * Double($0 % 7) }   // not orthogonal to the top eigenvector
        var lambda = 0.0
        for _ in 0..<iterations {
            var w = [Double](repeating: 0, count: n)
            for i in 0..<n {
                var s = shift * v[i]
                for (j, J) in neighbors[i] { s += J * v[j] }
                w[i] = s
            }
            let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { return 0 }
            let next = zip(w, v).reduce(0) { $0 + $1.0 * $1.1 } / v.reduce(0) { $0 + $1 * $1 }
            v = w.map { $0 / norm }
            if abs(next - lambda) < 1e-13 * max(1, abs(next)) { lambda = next; break }
            lambda = next
        }
        return lambda - shift
    }
}

/// The variational mean-field solution: q(x) = Πᵢ qᵢ(xᵢ) with ⟨xᵢ⟩ = mᵢ, at the fixed point
/// mᵢ = tanh(θᵢ), θᵢ = β(Σⱼ Jᵢⱼ mⱼ + hᵢ).
public struct MeanFieldSolution {
    public var magnetizations: [Double]
    public var temperature: Double
    /// F_q = ⟨u⟩_q − T·H_q at the fixed point (an upper bound on the exact F = −T log Z).
    public var freeEnergy: Double
    public var sweeps: Int
    public var converged: Bool
    public var meanMagnetization: Double { magnetizations.reduce(0, +) / Double(magnetizations.count) }
}

/// The entropy of one spin with ⟨x⟩ = m: −p log p − (1 − p) log(1 − p), p = (1 + m)/2.
func spinEntropy(_ m: Double) -> Double {
    let p = (1 + m) / 2, q = (1 - m) / 2
    return -(p > 0 ? p * log(p) : 0) - (q > 0 ? q * log(q) : 0)
}

extension IsingModel {
    /// F_q = ⟨u⟩_q − T·H_q of the factorised distribution with magnetisations `m`.
    public func variationalFreeEnergy(_ m: [Double], temperature: Double) -> Double {
        energy(m) - temperature * m.reduce(0) { $0 + spinEntropy($1) }
    }

    /// Iterates mᵢ = tanh(β(Σⱼ Jᵢⱼ mⱼ + hᵢ)) one spin at a time (each update minimises F_q over that
    /// spin's factor, so F_q never rises and the sweeps converge) from `start` (default every mᵢ = 1,
    /// the ordered branch) until no mᵢ moves by more than `tolerance` in a sweep.
    public func meanField(temperature: Double, start: [Double]? = nil, tolerance: Double = 1e-12,
                          maxSweeps: Int = 100_000) throws -> MeanFieldSolution {
        guard temperature > 0, temperature.isFinite else { throw SamplerError("--temperature: \(temperature) must be positive") }
        let beta = 1 / temperature
        var m = start ?? [Double](repeating: 1, count: spinCount)
        var sweeps = 0, converged = false
        while sweeps < maxSweeps, !converged {
            sweeps += 1
            var largestChange = 0.0
            for i in 0..<spinCount {
                var local = field[i]
                for (j, J) in neighbors[i] { local += J * m[j] }
                let updated = tanh(beta * local)
                largestChange = max(largestChange, abs(updated - m[i]))
                m[i] = updated
            }
            converged = largestChange <= tolerance
        }
        return MeanFieldSolution(magnetizations: m, temperature: temperature,
                                 freeEnergy: variationalFreeEnergy(m, temperature: temperature), sweeps: sweeps, converged: converged)
    }

    /// The exact F = −T log Σₓ e^{−u(x)/T} by enumerating all 2ⁿ states (n ≤ 24).
    public func exactFreeEnergy(temperature: Double) -> Double {
        precondition(spinCount <= 24, "exactFreeEnergy: 2^\(spinCount) states are too many to enumerate")
        let beta = 1 / temperature
        let energies = (0..<(1 << spinCount)).map { state in energy((0..<spinCount).map { state >> $0 & 1 == 1 ? 1.0 : -1.0 }) }
        let lowest = energies.min()!
        let z = energies.reduce(0) { $0 + exp(-beta * ($1 - lowest)) }
        return lowest - temperature * log(z)
    }
}

/// Metropolis Monte Carlo of a square-lattice Ising model: single-spin flips, a sweep being L²
/// proposals in lattice order, each flip accepted with probability min(1, e^{−ΔE/T}).
public struct LatticeMonteCarlo {
    public let side: Int
    public let coupling: Double
    public let field: Double
    public private(set) var spins: [Int8]
    let rng: RandomGenerator

    public init(side: Int, coupling: Double = 1, field: Double = 0, seed: UInt64) throws {
        guard side >= 2 else { throw SamplerError("--size: \(side) must be at least 2") }
        self.side = side; self.coupling = coupling; self.field = field
        spins = [Int8](repeating: 1, count: side * side)   // the ordered start, as the mean field's
        rng = RandomGenerator(seed: seed)
    }

    /// Runs `equilibration` sweeps, then `sweeps` more measuring |Σ xᵢ|/N after each; returns the mean.
    public mutating func meanAbsoluteMagnetization(temperature: Double, equilibration: Int, sweeps: Int) throws -> Double {
        guard temperature > 0, temperature.isFinite else { throw SamplerError("--temperature: \(temperature) must be positive") }
        guard sweeps >= 1, equilibration >= 0 else { throw SamplerError("--sweeps: \(sweeps) must be at least 1 and --equilibration not negative") }
        // ΔE of flipping spin s with neighbour sum k (−4…4 in steps of 2) is 2s(Jk + h): a table of
        // acceptance probabilities indexed by (s > 0, (k + 4)/2).
        var accept = [Double](repeating: 0, count: 10)
        for s in [-1, 1] { for k in stride(from: -4, through: 4, by: 2) {
            accept[(s > 0 ? 5 : 0) + (k + 4) / 2] = min(1, exp(-2 * Double(s) * (coupling * Double(k) + field) / temperature))
        } }
        let L = side
        var total = 0.0
        for sweep in 0..<(equilibration + sweeps) {
            for r in 0..<L {
                let up = (r + L - 1) % L * L, down = (r + 1) % L * L, row = r * L
                for c in 0..<L {
                    let left = (c + L - 1) % L, right = (c + 1) % L
                    let k = Int(spins[up + c]) + Int(spins[down + c]) + Int(spins[row + left]) + Int(spins[row + right])
                    let s = spins[row + c]
                    let p = accept[(s > 0 ? 5 : 0) + (k + 4) / 2]
                    if p >= 1 || rng.openUnitInterval() < p { spins[row + c] = -s }
                }
            }
            if sweep >= equilibration { total += abs(Double(spins.reduce(0) { $0 + Int($1) })) / Double(L * L) }
        }
        return total / Double(sweeps)
    }
}

/// Onsager's exact critical temperature of the square lattice, 2/log(1 + √2) J/k.
public let onsagerCriticalTemperature = 2 / log(1 + 2.0.squareRoot())

/// The exact spontaneous magnetisation of the infinite square lattice (Onsager, Yang):
/// (1 − sinh(2J/T)⁻⁴)^{1/8} below T_c, 0 above.
public func onsagerMagnetization(temperature: Double, coupling: Double = 1) -> Double {
    let s = sinh(2 * coupling / temperature)
    let inner = 1 - pow(s, -4)
    return inner > 0 ? pow(inner, 0.125) : 0
}

/// `molgen ising`: magnetisation against temperature from mean field and from Monte Carlo on the
/// same L × L lattice, and the mean-field figures at one temperature.
public struct IsingExperiment {
    public struct Point { public var temperature: Double; public var meanField: Double; public var monteCarlo: Double }
    public var curve: [Point]
    /// Where the m = 0 fixed point of the iteration loses stability: θ = βJm linearised, so
    /// T_c = λ_max(J) (4 J/k on the square lattice).
    public var meanFieldCriticalTemperature: Double
    /// The Monte Carlo curve's steepest fall (a finite-lattice estimate of T_c).
    public var monteCarloSteepestTemperature: Double
    public var atTemperature: MeanFieldSolution
    public var monteCarloAtTemperature: Double

    public static func run(side: Int, coupling: Double = 1, field: Double = 0, temperature: Double,
                           temperatures: [Double], equilibration: Int, sweeps: Int, seed: UInt64) throws -> IsingExperiment {
        guard coupling > 0, coupling.isFinite else { throw SamplerError("--coupling: \(coupling) must be positive (a ferromagnet)") }
        if let bad = temperatures.first(where: { !($0 > 0) }) { throw SamplerError("--t-min: temperature \(bad) must be positive") }
        let model = try IsingModel.squareLattice(side: side, coupling: coupling, field: field)
        var monteCarlo = try LatticeMonteCarlo(side: side, coupling: coupling, field: field, seed: seed)
        var curve: [Point] = []
        for t in temperatures.sorted() {   // cold to hot, each Monte Carlo run starting where the last ended
            // At T_c itself the iteration slows to m ~ √(3/(2·sweeps)); 20,000 sweeps leave m < 0.01 there.
            let mf = try model.meanField(temperature: t, maxSweeps: 20_000)
            let mc = try monteCarlo.meanAbsoluteMagnetization(temperature: t, equilibration: equilibration, sweeps: sweeps)
            curve.append(Point(temperature: t, meanField: abs(mf.meanMagnetization), monteCarlo: mc))
        }
        var steepest = curve.first?.temperature ?? temperature, drop = -Double.infinity
        for (a, b) in zip(curve, curve.dropFirst()) {
            let slope = (a.monteCarlo - b.monteCarlo) / (b.temperature - a.temperature)
            if slope > drop { drop = slope; steepest = (a.temperature + b.temperature) / 2 }
        }
        var atT = try LatticeMonteCarlo(side: side, coupling: coupling, field: field, seed: seed &+ 1)
        return IsingExperiment(curve: curve, meanFieldCriticalTemperature: model.largestCouplingEigenvalue(),
                               monteCarloSteepestTemperature: steepest, atTemperature: try model.meanField(temperature: temperature),
                               monteCarloAtTemperature: try atT.meanAbsoluteMagnetization(temperature: temperature, equilibration: equilibration, sweeps: sweeps))
    }

    public func plot(side: Int, coupling: Double, field: Double) -> Chart {
        var plot = Chart(title: "Ising model on a \(side)x\(side) periodic lattice (J = \(coupling), h = \(field))",
                            xLabel: "temperature kT/J", yLabel: "magnetisation per spin |m|")
        plot.series.append(.init(name: "mean field", points: curve.map { ($0.temperature / coupling, $0.meanField) }))
        plot.series.append(.init(name: "Metropolis Monte Carlo", points: curve.map { ($0.temperature / coupling, $0.monteCarlo) }))
        if field == 0 {
            let ts = evenlySpaced(curve.first!.temperature, curve.last!.temperature, count: 300)
            plot.series.append(.init(name: "Onsager (infinite lattice)", points: ts.map { ($0 / coupling, onsagerMagnetization(temperature: $0, coupling: coupling)) }))
        }
        let tc = onsagerCriticalTemperature
        plot.series.append(.init(name: String(format: "T_c Onsager %.3f", tc), points: [(tc, 0), (tc, 1)]))
        plot.series.append(.init(name: String(format: "T_c mean field %.3f", meanFieldCriticalTemperature / coupling),
                                 points: [(meanFieldCriticalTemperature / coupling, 0), (meanFieldCriticalTemperature / coupling, 1)]))
        return plot
    }
}
