import Charts
import Engine
import Foundation
import ImageModels

/// Gradient play on the zero-sum game v(a, b) = a·b: player a descends v, player b ascends it,
/// each by SGD on the engine (as a GAN's two players do, each through its own loss on the other's
/// detached value). The equilibrium is the origin, yet
/// - simultaneous steps (a, b) ← (a − ηb, b + ηa) rotate and stretch by √(1 + η²) per step, so
///   the distance from the origin grows as (1 + η²)^(N/2) (a spiral outwards);
/// - alternating steps (a first, then b against the new a) have determinant 1 and conserve
///   a² + b² − η·a·b, so the orbit is a closed ellipse: bounded, but never converging.
public struct ZeroSumGame {
    public enum Updates: String, CaseIterable, Sendable { case simultaneous, alternating }

    /// (a, b) after each step, the start first.
    public var path: [(a: Double, b: Double)]

    public init(updates: Updates, start: (a: Double, b: Double), learningRate: Double, steps: Int) throws {
        guard learningRate > 0 && learningRate.isFinite else { throw ToyError("--learning-rate: \(learningRate) must be positive") }
        guard (1...1_000_000).contains(steps) else { throw ToyError("--steps: \(steps) must be between 1 and 1000000") }
        guard start.a.isFinite && start.b.isFinite else { throw ToyError("--start: must be finite") }
        let a = Tensor.parameter([Float(start.a)], shape: [1]), b = Tensor.parameter([Float(start.b)], shape: [1])
        let playerA = SGD(learningRate: Float(learningRate)), playerB = SGD(learningRate: Float(learningRate))
        /// One player's gradient of its own loss at the current point, the other held fixed.
        func gradient(of player: Tensor) {
            let tape = Tape()
            let loss = tape.record { player === a ? (a * b.detached()).sum() : (a.detached() * b).sum().scaled(by: -1) }
            tape.backward(loss)
        }
        path = [(start.a, start.b)]
        for _ in 0..<steps {
            switch updates {
            case .simultaneous:
                gradient(of: a); gradient(of: b)
                playerA.update([("a", a)]); playerB.update([("b", b)])
            case .alternating:
                gradient(of: a); playerA.update([("a", a)])
                gradient(of: b); playerB.update([("b", b)])
            }
            path.append((Double(a.scalars[0]), Double(b.scalars[0])))
        }
    }

    public var finalDistance: Double { hypot(path.last!.a, path.last!.b) }

    /// The simultaneous game's exact distance after `steps`: r₀ (1 + η²)^(N/2).
    public static func simultaneousDistance(start: (a: Double, b: Double), learningRate: Double, steps: Int) -> Double {
        hypot(start.a, start.b) * pow(1 + learningRate * learningRate, Double(steps) / 2)
    }

    /// The orbits of both kinds of play, with the equilibrium.
    public static func plot(_ games: [(Updates, ZeroSumGame)]) -> Chart {
        var plot = Chart(title: "Gradient play on v(a, b) = ab", xLabel: "a (descends v)", yLabel: "b (ascends v)")
        plot.width = 620; plot.height = 560
        plot.series = games.map { .init(name: $0.0.rawValue, points: $0.1.path.map { ($0.a, $0.b) }) }
            + [.init(name: "equilibrium", points: [(0, 0)], style: .dots)]
        return plot
    }
}
