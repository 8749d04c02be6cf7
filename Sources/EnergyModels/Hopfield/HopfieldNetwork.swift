import Engine
import Foundation

/// A bad argument to a Hopfield experiment: the message names the option.
public struct HopfieldError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// How the units are updated.
public enum HopfieldUpdate: Sendable {
    /// One unit at a time in a fixed order (0, 1, ..., N-1, again): each flip lowers the energy, so
    /// the network ends in a local minimum, a state where no unit changes.
    case asynchronous
    /// Every unit at once from the same state: the energy may rise, and the network can end in a
    /// cycle of two states instead of a fixed point.
    case synchronous
}

/// A Hopfield network: N binary units s_i = ±1, symmetric weights W with a zero diagonal, energy
/// E(s) = -½ sᵀWs. A unit takes the sign of its field h_i = Σ_j W_ij s_j and keeps its state when
/// the field is exactly zero (so a flip always strictly lowers E in the asynchronous rule).
public struct HopfieldNetwork: Sendable {
    public let units: Int
    /// W [units, units], row-major.
    public private(set) var weights: [Double]

    /// A network without weights.
    public init(units: Int) {
        self.units = units
        weights = [Double](repeating: 0, count: units * units)
    }

    /// A network with the given weights (symmetrised, diagonal zeroed).
    public init(units: Int, weights: [Double]) {
        precondition(weights.count == units * units, "HopfieldNetwork: \(weights.count) weights for \(units) units")
        self.units = units
        self.weights = weights
        for i in 0..<units {
            self.weights[i * units + i] = 0
            for j in 0..<i {
                let mean = (weights[i * units + j] + weights[j * units + i]) / 2
                self.weights[i * units + j] = mean; self.weights[j * units + i] = mean
            }
        }
    }

    /// Hebbian storage: W += ξξᵀ / N for one ±1 pattern ξ, the diagonal kept at zero. Storing P
    /// patterns this way gives W = (1/N) Σ_μ ξ^μ ξ^μᵀ off the diagonal.
    public mutating func store(_ pattern: [Double]) {
        precondition(pattern.count == units, "HopfieldNetwork.store: \(pattern.count) values for \(units) units")
        let scale = 1 / Double(units)
        for i in 0..<units where pattern[i] != 0 {
            let row = i * units, a = pattern[i] * scale
            for j in 0..<units where j != i { weights[row + j] += a * pattern[j] }
        }
    }

    /// E(s) = -½ sᵀWs.
    public func energy(_ s: [Double]) -> Double {
        var total = 0.0
        for i in 0..<units { total += s[i] * field(of: i, in: s) }
        return -total / 2
    }

    /// h_i = Σ_j W_ij s_j.
    public func field(of i: Int, in s: [Double]) -> Double {
        var h = 0.0
        let row = i * units
        for j in 0..<units { h += weights[row + j] * s[j] }
        return h
    }

    /// The end of a run of updates.
    public struct Outcome: Sendable {
        public var state: [Double]
        /// Sweeps over all units (synchronous: steps), including the last one that changed nothing.
        public var sweeps: Int
        /// Units that changed state, over the whole run.
        public var flips: Int
        /// True when the last sweep changed no unit; false when the run hit the sweep limit or
        /// (synchronous) fell into a two-state cycle.
        public var converged: Bool
    }

    /// Updates `start` until no unit changes (or `maxSweeps`). `observe` sees the state after every
    /// unit visited (asynchronous; `visit` counts from 1) or every step (synchronous).
    public func run(from start: [Double], update: HopfieldUpdate = .asynchronous, maxSweeps: Int = 1000,
                    observe: (_ visit: Int, _ state: [Double]) -> Void = { _, _ in }) -> Outcome {
        precondition(start.count == units, "HopfieldNetwork.run: \(start.count) values for \(units) units")
        var s = start.map { $0 >= 0 ? 1.0 : -1.0 }
        switch update {
        case .asynchronous:
            // Fields are kept up to date after each flip: O(N) per flip instead of O(N²) per visit.
            var h = (0..<units).map { field(of: $0, in: s) }
            var flips = 0, visit = 0
            for sweep in 1...max(maxSweeps, 1) {
                var changed = 0
                for i in 0..<units {
                    let next = h[i] > 0 ? 1.0 : h[i] < 0 ? -1.0 : s[i]
                    if next != s[i] {
                        let delta = next - s[i]
                        s[i] = next
                        for j in 0..<units { h[j] += weights[j * units + i] * delta }
                        changed += 1
                    }
                    visit += 1
                    observe(visit, s)
                }
                flips += changed
                if changed == 0 { return Outcome(state: s, sweeps: sweep, flips: flips, converged: true) }
            }
            return Outcome(state: s, sweeps: maxSweeps, flips: flips, converged: false)
        case .synchronous:
            var previous: [Double]? = nil
            var flips = 0
            for step in 1...max(maxSweeps, 1) {
                let next = (0..<units).map { i -> Double in
                    let h = field(of: i, in: s)
                    return h > 0 ? 1 : h < 0 ? -1 : s[i]
                }
                let changed = zip(next, s).filter { $0 != $1 }.count
                flips += changed
                if changed == 0 { return Outcome(state: s, sweeps: step, flips: flips, converged: true) }
                observe(step, next)
                if next == previous { return Outcome(state: next, sweeps: step, flips: flips, converged: false) }
                previous = s
                s = next
            }
            return Outcome(state: s, sweeps: maxSweeps, flips: flips, converged: false)
        }
    }
}

/// The fraction of positions where two ±1 states agree.
public func agreement(_ a: [Double], _ b: [Double]) -> Double {
    Double(zip(a, b).filter { $0 == $1 }.count) / Double(max(a.count, 1))
}

/// `pattern` with exactly round(fraction · N) units, chosen at random, flipped.
public func corrupted(_ pattern: [Double], fraction: Double, using rng: RandomGenerator) -> [Double] {
    var order = Array(pattern.indices), copy = pattern
    rng.shuffle(&order)
    for i in order.prefix(Int((fraction * Double(pattern.count)).rounded())) { copy[i] = -copy[i] }
    return copy
}

/// A random ±1 pattern of `units` values, each sign equally likely.
public func randomPattern(units: Int, using rng: RandomGenerator) -> [Double] {
    (0..<units).map { _ in rng.next() & 1 == 0 ? 1.0 : -1.0 }
}
