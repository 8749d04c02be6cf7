import Engine
import Foundation
import Samplers
import XCTest

final class MeanFieldIsingTests: XCTestCase {
    /// At T = T_c/2 = 2 on the square lattice the uniform solution solves m = tanh(2m): m = 0.9575.
    func testMagnetizationAtHalfTheCriticalTemperature() throws {
        let lattice = try IsingModel.squareLattice(side: 8)
        let solution = try lattice.meanField(temperature: 2)
        XCTAssertTrue(solution.converged)
        XCTAssertEqual(solution.meanMagnetization, 0.9575, accuracy: 5e-5)
        XCTAssertEqual(solution.meanMagnetization, tanh(2 * solution.meanMagnetization), accuracy: 1e-12)
    }

    func testCriticalTemperatureIsFourAndMagnetizationVanishesAbove() throws {
        let lattice = try IsingModel.squareLattice(side: 6)
        XCTAssertEqual(lattice.largestCouplingEigenvalue(), 4, accuracy: 1e-9)
        XCTAssertGreaterThan(try lattice.meanField(temperature: 3.8).meanMagnetization, 0.3)
        XCTAssertEqual(try lattice.meanField(temperature: 4.2).meanMagnetization, 0, accuracy: 1e-9)
    }

    func testReversedFieldReversesTheMagnetizations() throws {
        let rng = RandomGenerator(seed: 4)
        let n = 12
        var couplings = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in (i + 1)..<n { couplings[i * n + j] = rng.standardNormal() * 0.4; couplings[j * n + i] = couplings[i * n + j] } }
        let field = (0..<n).map { _ in rng.standardNormal() }
        let start = [Double](repeating: 0, count: n)
        let plus = try IsingModel.dense(couplings: couplings, field: field).meanField(temperature: 1.5, start: start)
        let minus = try IsingModel.dense(couplings: couplings, field: field.map { -$0 }).meanField(temperature: 1.5, start: start)
        for i in 0..<n { XCTAssertEqual(minus.magnetizations[i], -plus.magnetizations[i], accuracy: 1e-10) }
        XCTAssertEqual(minus.freeEnergy, plus.freeEnergy, accuracy: 1e-10)
    }

    func testMagnetizationTendsToOneAsTemperatureFalls() throws {
        let lattice = try IsingModel.squareLattice(side: 4)
        let ms = try [1.0, 0.5, 0.2, 0.1].map { try lattice.meanField(temperature: $0).meanMagnetization }
        XCTAssertEqual(ms, ms.sorted())
        XCTAssertGreaterThan(ms.last!, 1 - 1e-15)
    }

    /// Against exact enumeration: without couplings the factorised q is the true distribution, so
    /// F_q = −T Σ log(2 cosh(hᵢ/T)) exactly; with couplings F_q bounds the exact F from above and
    /// the fixed point is a stationary point of F_q.
    func testFreeEnergyAgainstExactEnumeration() throws {
        let rng = RandomGenerator(seed: 8)
        let n = 10, t = 1.3
        let field = (0..<n).map { _ in rng.standardNormal() }
        let free = IsingModel.dense(couplings: [Double](repeating: 0, count: n * n), field: field)
        let closedForm = -t * field.reduce(0) { $0 + log(2 * cosh($1 / t)) }
        XCTAssertEqual(free.exactFreeEnergy(temperature: t), closedForm, accuracy: 1e-10)
        XCTAssertEqual(try free.meanField(temperature: t).freeEnergy, closedForm, accuracy: 1e-10)

        var couplings = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in (i + 1)..<n { couplings[i * n + j] = 0.3 * rng.standardNormal(); couplings[j * n + i] = couplings[i * n + j] } }
        let coupled = IsingModel.dense(couplings: couplings, field: field)
        let exact = coupled.exactFreeEnergy(temperature: t)
        let mf = try coupled.meanField(temperature: t, start: [Double](repeating: 0, count: n))
        XCTAssertGreaterThan(mf.freeEnergy, exact)
        XCTAssertLessThan(mf.freeEnergy - exact, 0.1 * abs(exact))
        for i in 0..<n {   // ∂F_q/∂mᵢ = 0 at the fixed point (central difference)
            var up = mf.magnetizations, down = mf.magnetizations
            up[i] += 1e-6; down[i] -= 1e-6
            let slope = (coupled.variationalFreeEnergy(up, temperature: t) - coupled.variationalFreeEnergy(down, temperature: t)) / 2e-6
            XCTAssertEqual(slope, 0, accuracy: 1e-6)
        }
        // A 2x2 periodic lattice (each bond counted twice) enumerated exactly bounds its mean field too.
        let small = try IsingModel.squareLattice(side: 2)
        XCTAssertGreaterThan(try small.meanField(temperature: 3).freeEnergy, small.exactFreeEnergy(temperature: 3))
    }

    /// Metropolis Monte Carlo against Onsager's exact magnetisation well below T_c (0.986 at T = 1.5)
    /// and a disordered lattice well above it.
    func testMonteCarloAgainstOnsager() throws {
        var mc = try LatticeMonteCarlo(side: 16, seed: 3)
        let cold = try mc.meanAbsoluteMagnetization(temperature: 1.5, equilibration: 200, sweeps: 500)
        XCTAssertEqual(cold, onsagerMagnetization(temperature: 1.5), accuracy: 0.01)
        let hot = try mc.meanAbsoluteMagnetization(temperature: 5, equilibration: 200, sweeps: 500)
        XCTAssertLessThan(hot, 0.15)
        XCTAssertEqual(onsagerCriticalTemperature, 2.269, accuracy: 5e-4)
    }

    func testBadOptionsAreRefusedNamingTheOption() {
        XCTAssertThrowsError(try IsingModel.squareLattice(side: 1)) { XCTAssertTrue(String(describing: $0).hasPrefix("--size:")) }
        XCTAssertThrowsError(try IsingModel.squareLattice(side: 4).meanField(temperature: 0)) {
            XCTAssertTrue(String(describing: $0).hasPrefix("--temperature:"))
        }
    }
}
