import Engine
import Foundation
import Toys
import Training
import XCTest

/// The demonstrations against their closed forms.
final class ToysTests: XCTestCase {
    /// ‖G(z)‖ = 1 + ‖z‖/10 for every point; the mean radius is 1 + √(π/2)/10 within sampling error.
    func testTheRingHasTheRayleighRadius() throws {
        let ring = try RingDemo(count: 20_000, seed: 3)
        for k in stride(from: 0, to: 2000, by: 2) {
            let r = hypot(Double(ring.mapped[k]), Double(ring.mapped[k + 1])), rz = hypot(Double(ring.latent[k]), Double(ring.latent[k + 1]))
            XCTAssertEqual(r, 1 + rz / 10, accuracy: 1e-5)
        }
        let standardError = RingDemo.expectedRadiusStd / 20_000.0.squareRoot()
        XCTAssertEqual(ring.meanRadius, RingDemo.expectedMeanRadius, accuracy: 4 * standardError)
        XCTAssertEqual(ring.radiusStd, RingDemo.expectedRadiusStd, accuracy: 0.05 * RingDemo.expectedRadiusStd)
        XCTAssertThrowsError(try RingDemo(count: -1, seed: 1)) { XCTAssertTrue("\($0)".hasPrefix("--count")) }
    }

    /// Simultaneous play stretches by √(1 + η²) a step; alternating play conserves a² + b² − η·ab.
    func testZeroSumPlaySpiralsOutOrCircles() throws {
        let start = (a: 0.6, b: -0.8), eta = 0.1, steps = 200
        let simultaneous = try ZeroSumGame(updates: .simultaneous, start: start, learningRate: eta, steps: steps)
        let exact = ZeroSumGame.simultaneousDistance(start: start, learningRate: eta, steps: steps)
        XCTAssertEqual(simultaneous.finalDistance, exact, accuracy: 1e-4 * exact)
        XCTAssertGreaterThan(exact, 2.5)
        let alternating = try ZeroSumGame(updates: .alternating, start: start, learningRate: eta, steps: steps)
        let invariant = { (p: (a: Double, b: Double)) in p.a * p.a + p.b * p.b - eta * p.a * p.b }
        for p in alternating.path { XCTAssertEqual(invariant(p), invariant(start), accuracy: 1e-5) }
        // It circles: it passes through every quadrant and never nears the equilibrium.
        XCTAssertEqual(Set(alternating.path.map { ($0.a > 0 ? 1 : 0) + ($0.b > 0 ? 2 : 0) }).count, 4)
        XCTAssertGreaterThan(alternating.path.map { hypot($0.a, $0.b) }.min()!, 0.9)
        XCTAssertThrowsError(try ZeroSumGame(updates: .alternating, start: start, learningRate: 0, steps: 3)) {
            XCTAssertTrue("\($0)".hasPrefix("--learning-rate"))
        }
    }

    func testTheOptimalDiscriminatorAndTheJensenShannonIdentity() throws {
        let n = GANTheory.Normal.self
        let theory = try GANTheory(data: n.init(mean: 0, std: 1), generator: [(1, n.init(mean: -0.5, std: 0.8)), (2, n.init(mean: 2, std: 0.7))])
        XCTAssertLessThan(theory.discriminatorError, 1e-6)
        XCTAssertEqual(theory.objective, theory.rightHandSide, accuracy: 1e-6)
        XCTAssertGreaterThan(theory.jensenShannon, 0.1)
        // p_g = p_data: D* = ½ everywhere, J = −log 4, JSD = 0.
        let same = try GANTheory(data: n.init(mean: 1, std: 2), generator: [(1, n.init(mean: 1, std: 2))])
        XCTAssertEqual(same.objective, -log(4), accuracy: 1e-9)
        XCTAssertEqual(same.jensenShannon, 0, accuracy: 1e-9)
        XCTAssertEqual(same.optimalDiscriminator[same.grid.count / 2], 0.5, accuracy: 1e-7)
        XCTAssertLessThan(same.discriminatorError, 1e-7)
        // Far apart: JSD → log 2 and J → 0.
        let apart = try GANTheory(data: n.init(mean: 0, std: 1), generator: [(1, n.init(mean: 40, std: 1))])
        XCTAssertEqual(apart.jensenShannon, log(2), accuracy: 1e-6)
        XCTAssertEqual(apart.objective, 0, accuracy: 1e-6)
        XCTAssertThrowsError(try GANTheory(data: n.init(mean: 0, std: 0), generator: [(1, n.init(mean: 0, std: 1))])) {
            XCTAssertTrue("\($0)".hasPrefix("--data-std"))
        }
    }

    /// The VAE learns the manifold: reconstructions far below the data's variance, a KL of a few
    /// nats, and latent means that keep the four modes apart.
    func testTheManifoldVAELearnsTheFourModes() throws {
        let model = FileManager.default.temporaryDirectory.appendingPathComponent("molgen-toy-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: model) }
        var config = ManifoldConfig()
        config.epochs = 150
        let trainer = try ManifoldTrainer(config: config, outputPath: model, resume: false)
        XCTAssertEqual(trainer.data.count, 100)
        XCTAssertEqual(trainer.data.points.count, 3200)
        XCTAssertEqual(try trainer.loop.run(), .finished)
        let report = ManifoldReport(trainer, seed: 5)
        XCTAssertLessThan(report.reconstruction, 0.1 * report.dataVariance)
        XCTAssertGreaterThan(report.kl, 1)
        XCTAssertGreaterThanOrEqual(report.latentModeAccuracy, 0.95)
        XCTAssertEqual(report.elbo, -(report.reconstruction + report.kl))
        var bad = ManifoldConfig()
        bad.points = -3
        XCTAssertThrowsError(try ManifoldTrainer(config: bad, outputPath: model, resume: false)) { XCTAssertTrue("\($0)".hasPrefix("--points")) }
    }
}
