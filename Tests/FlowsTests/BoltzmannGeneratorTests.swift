import Engine
import Flows
import Foundation
import Samplers
import XCTest

/// The double well, its exact free energy, the Metropolis–Hastings training data, reweighting and
/// the two-moons data.
final class BoltzmannGeneratorTests: XCTestCase {
    /// At low temperature each well is a Gaussian (Laplace): ΔF/kT → Δu/kT + ½ log(u''_R / u''_L).
    func testTheExactFreeEnergyDifferenceMatchesTheLaplaceLimit() {
        let kT = 0.02
        let (l, r) = (DoubleWell.leftMinimum, DoubleWell.rightMinimum)
        let curvature = { (x: Double) in 12 * x * x - 12 }
        let laplace = (DoubleWell.energy1(r) - DoubleWell.energy1(l)) / kT + 0.5 * log(curvature(r) / curvature(l))
        let exact = DoubleWell(temperature: kT).exactFreeEnergyDifference / kT
        XCTAssertEqual(exact, laplace, accuracy: 0.01 * abs(laplace))
        // The stationary points solve u₁' = 0.
        for x in [l, DoubleWell.barrier, r] { XCTAssertEqual(4 * x * x * x - 12 * x + 1, 0, accuracy: 1e-9) }
    }

    /// The energy on the tape equals the closed form.
    func testTheReducedEnergyOnTheTapeIsTheClosedForm() {
        let x = Tensor.randomNormal([10, 2], std: 2, using: RandomGenerator(seed: 1))
        let u = DoubleWell(temperature: 2).reducedEnergy(x).scalars, v = x.scalars
        for k in 0..<10 { XCTAssertEqual(Double(u[k]), DoubleWell.energy(Double(v[2 * k]), Double(v[2 * k + 1])) / 2, accuracy: 1e-3) }
    }

    /// A chain started in a well stays there at kT = 1 (the barrier is ~10 kT), so "both" gives
    /// the wells in equal numbers.
    func testMetropolisChainsStayInTheirWells() throws {
        let points = try DoubleWell().wellSamples(count: 2000, wells: [DoubleWell.leftMinimum, DoubleWell.rightMinimum], sigma: 0.5, seed: 4)
        let x1 = stride(from: 0, to: points.count, by: 2).map { Double(points[$0]) }
        XCTAssertEqual(x1.prefix(1000).filter { $0 < DoubleWell.barrier }.count, 1000)
        XCTAssertEqual(x1.suffix(1000).filter { $0 > DoubleWell.barrier }.count, 1000)
        // x₂ is N(0, 1) in both wells.
        let x2 = stride(from: 1, to: points.count, by: 2).map { Double(points[$0]) }
        XCTAssertEqual(x2.map { $0 * $0 }.reduce(0, +) / 2000, 1, accuracy: 0.15)
    }

    /// Reweighting the untrained flow (q = N(0, I), which spans both wells) recovers the exact free
    /// energy difference: the weights are exp(−u) / q exactly, with the right signs.
    func testReweightingAStandardNormalRecoversTheFreeEnergyDifference() {
        let flow = RealNVP(dimension: 2, layers: 2, hidden: 4, using: RandomGenerator(seed: 1))
        let estimate = reweight(flow, well: DoubleWell(), samples: 400_000, seed: 2)
        XCTAssertEqual(estimate.freeEnergyDifference, estimate.exact, accuracy: 0.1)
        XCTAssertGreaterThan(estimate.exact, 3)
        XCTAssertLessThan(estimate.effectiveSampleSize, Double(estimate.samples))
        // Before reweighting, the wells weigh what N(0, 1) puts either side of the barrier.
        let right = 1 - normalCDF(DoubleWell.barrier)
        XCTAssertEqual(estimate.generatedFreeEnergyDifference, -log(right / (1 - right)), accuracy: 0.01)
        // The reweighted profile follows the exact one where samples are plentiful (well bottoms).
        for p in estimate.profile where abs(p.x1 - DoubleWell.leftMinimum) < 0.3 { XCTAssertEqual(p.reweighted, p.exact, accuracy: 0.15) }
    }

    /// Without noise every point lies on its moon's unit circle.
    func testTwoMoonsLieOnTheirCircles() {
        let points = twoMoons(count: 200, noise: 0, using: RandomGenerator(seed: 3))
        for k in 0..<200 {
            let (x, y) = (Double(points[2 * k]), Double(points[2 * k + 1]))
            let radius = k % 2 == 0 ? hypot(x, y) : hypot(x - 1, y - 0.5)
            XCTAssertEqual(radius, 1, accuracy: 1e-6)
            XCTAssertTrue(k % 2 == 0 ? y >= 0 : y <= 0.5)
        }
    }
}
