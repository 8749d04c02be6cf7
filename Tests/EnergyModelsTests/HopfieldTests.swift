import EnergyModels
import Engine
import Foundation
import XCTest

final class HopfieldTests: XCTestCase {
    /// A network with random symmetric Gaussian weights (a rugged energy landscape).
    func randomNetwork(units: Int, seed: UInt64) -> HopfieldNetwork {
        let rng = RandomGenerator(seed: seed)
        return HopfieldNetwork(units: units, weights: (0..<units * units).map { _ in Double(rng.normal()) })
    }

    /// Property over random networks and starts: no asynchronous update raises E, and the run ends
    /// in a local minimum (no single flip lowers E).
    func testEnergyNeverIncreasesUnderAsynchronousUpdates() {
        for seed in UInt64(1)...20 {
            let network = randomNetwork(units: 40, seed: seed)
            var energy = Double.infinity, visits = 0
            let outcome = network.run(from: randomPattern(units: 40, using: RandomGenerator(seed: seed &+ 100))) { _, state in
                let e = network.energy(state)
                XCTAssertLessThanOrEqual(e, energy + 1e-9, "seed \(seed), visit \(visits)")
                energy = e; visits += 1
            }
            XCTAssertTrue(outcome.converged)
            XCTAssertGreaterThan(outcome.flips, 0, "seed \(seed): a random start should not already be a minimum")
            for i in 0..<40 {
                var flipped = outcome.state
                flipped[i] = -flipped[i]
                XCTAssertGreaterThanOrEqual(network.energy(flipped), network.energy(outcome.state) - 1e-9, "seed \(seed), unit \(i)")
            }
        }
    }

    /// Hebbian storage is W = (1/N) Σ ξξᵀ with a zero diagonal, and symmetric.
    func testHebbianWeights() {
        let rng = RandomGenerator(seed: 4)
        let patterns = (0..<3).map { _ in randomPattern(units: 6, using: rng) }
        var network = HopfieldNetwork(units: 6)
        for p in patterns { network.store(p) }
        for i in 0..<6 {
            for j in 0..<6 {
                let expected = i == j ? 0 : patterns.reduce(0) { $0 + $1[i] * $1[j] } / 6
                XCTAssertEqual(network.weights[i * 6 + j], expected, accuracy: 1e-12)
            }
        }
    }

    /// At load 0.025 every stored pattern is a fixed point, and 10% noise is fully repaired.
    func testLowLoadFixedPointsAndRecall() {
        let rng = RandomGenerator(seed: 7)
        let patterns = (0..<5).map { _ in randomPattern(units: 200, using: rng) }
        var network = HopfieldNetwork(units: 200)
        for p in patterns { network.store(p) }
        for p in patterns {
            let still = network.run(from: p)
            XCTAssertEqual(still.state, p)
            XCTAssertEqual(still.flips, 0)
            let noisy = corrupted(p, fraction: 0.1, using: rng)
            XCTAssertEqual(agreement(noisy, p), 0.9, accuracy: 1e-12)
            XCTAssertEqual(network.run(from: noisy).state, p)
            XCTAssertEqual(network.run(from: noisy, update: .synchronous).state, p)
        }
    }

    /// Random patterns: recall at P/N = 0.05 is near perfect, at 0.3 (beyond 0.138) it has collapsed.
    func testCapacityCollapses() throws {
        let rows = try HopfieldCapacity.run(units: 200, loads: [0.05, 0.3], trials: 3, seed: 1)
        print(rows.map { "load \($0.load): recall \($0.recallRate), fixed \($0.fixedPointRate), agreement \($0.meanAgreement)" })
        XCTAssertEqual(rows.map(\.patterns), [10, 60])
        XCTAssertGreaterThan(rows[0].recallRate, 0.95)
        XCTAssertLessThan(rows[1].recallRate, 0.2)
        XCTAssertLessThan(rows[1].meanAgreement, rows[0].meanAgreement - 0.15)
    }

    /// Synchronous updates can cycle between two states where asynchronous ones settle.
    func testSynchronousTwoCycle() {
        let network = HopfieldNetwork(units: 2, weights: [0, 1, 1, 0])
        let sync = network.run(from: [1, -1], update: .synchronous)
        XCTAssertFalse(sync.converged)
        let async = network.run(from: [1, -1])
        XCTAssertTrue(async.converged)
        XCTAssertEqual(async.state[0], async.state[1])
    }

    /// Digits: three 8x8 digits recalled from 10% noise come back closer to the originals than
    /// the corrupted copies; the picture has six rows of three.
    func testDigitRecall() throws {
        let result = try HopfieldRecall.run(datasets: datasetsDirectory, data: .digits, patterns: 3, noise: 0.1, seed: 1)
        let figures = Dictionary(uniqueKeysWithValues: result.figures.map { ($0.name, $0.value) })
        print(figures)
        XCTAssertEqual(figures["corrupted_accuracy"]!, 0.906, accuracy: 0.01)  // round(6.4) = 6 of 64 flipped
        XCTAssertGreaterThan(figures["recall_accuracy"]!, figures["corrupted_accuracy"]! + 0.05)
        XCTAssertEqual(result.picture.width, 3 * 8 + 4 * 2)
        XCTAssertEqual(result.picture.height, 6 * 8 + 7 * 2)
    }

    /// Max-cut: the Gray-code enumeration agrees with brute force, cut = (edges - E) / 2, and the
    /// network's best restart reaches the optimum on a small graph.
    func testMaxCut() throws {
        let problem = try MaxCut(vertices: 10, edgeProbability: 0.5, seed: 3)
        let network = problem.network
        var bruteForce = 0
        for bits in 0..<(1 << 10) {
            let s = (0..<10).map { bits >> $0 & 1 == 1 ? 1.0 : -1.0 }
            bruteForce = max(bruteForce, problem.cut(s))
            XCTAssertEqual(Double(problem.cut(s)), (Double(problem.edges.count) - network.energy(s)) / 2, accuracy: 1e-9)
        }
        let optimum = problem.optimum()
        XCTAssertEqual(optimum.cut, bruteForce)
        XCTAssertEqual(problem.cut(optimum.state), bruteForce)
        let solution = try problem.solve(restarts: 20, seed: 1)
        XCTAssertEqual(problem.cut(solution.state), bruteForce)
        XCTAssertEqual(solution.endCuts.count, 20)
        XCTAssertTrue(solution.endCuts.allSatisfy { $0 <= bruteForce })
    }

    /// Bad options are thrown errors naming the option.
    func testBadOptionsNameTheOption() {
        func expect(_ option: String, _ body: () throws -> Void) {
            XCTAssertThrowsError(try body()) { XCTAssertTrue("\($0)".hasPrefix(option), "\($0)") }
        }
        for noise in [-0.1, 1.5, .nan] {
            expect("--noise") { _ = try HopfieldRecall.run(datasets: datasetsDirectory, patterns: 3, noise: noise) }
            expect("--noise") { _ = try HopfieldCapacity.run(loads: [0.1], noise: noise) }
        }
        expect("--patterns") { _ = try HopfieldRecall.run(datasets: datasetsDirectory, patterns: 0, noise: 0.1) }
        expect("--patterns") { _ = try HopfieldRecall.run(datasets: datasetsDirectory, patterns: -3, noise: 0.1) }
        expect("--units") { _ = try HopfieldCapacity.run(units: 1, loads: [0.1]) }
        expect("--loads") { _ = try HopfieldCapacity.run(loads: [0]) }
        expect("--trials") { _ = try HopfieldCapacity.run(loads: [0.1], trials: 0) }
        expect("--vertices") { _ = try MaxCut(vertices: 40, edgeProbability: 0.5, seed: 1) }
        expect("--edge-probability") { _ = try MaxCut(vertices: 8, edgeProbability: 2, seed: 1) }
        expect("--restarts") { _ = try MaxCut(vertices: 8, edgeProbability: 0.5, seed: 1).solve(restarts: 0, seed: 1) }
    }
}
