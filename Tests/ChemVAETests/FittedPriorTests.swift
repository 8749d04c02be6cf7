import Engine
import Foundation
import XCTest
@testable import ChemVAE

final class FittedPriorTests: XCTestCase {
    /// Two well-separated correlated Gaussians in 3-D: EM finds their weights and means, and the
    /// mixture's density of a point equals the formula computed directly.
    func testEMRecoversATwoComponentMixture() throws {
        let rng = RandomGenerator(seed: 11)
        var points: [Float] = []
        for n in 0..<3000 {
            let first = n % 4 != 0   // weights 0.75 / 0.25
            let e = (0..<3).map { _ in rng.normal() }
            let centre: [Float] = first ? [4, 0, 0] : [-4, 2, 1]
            // Correlated: x1 depends on x0.
            points += [centre[0] + e[0], centre[1] + 0.8 * e[0] + 0.6 * e[1], centre[2] + 0.5 * e[2]]
        }
        let mixture = try GaussianMixture.fit(points: points, dimension: 3, components: 2, seed: 3)
        let big = mixture.weights[0] > mixture.weights[1] ? 0 : 1
        XCTAssertEqual(mixture.weights[big], 0.75, accuracy: 0.02)
        XCTAssertEqual(Array(mixture.means[(big * 3)..<(big * 3 + 3)]), [4, 0, 0], accuracy: 0.1)
        XCTAssertEqual(Array(mixture.means[((1 - big) * 3)..<((1 - big) * 3 + 3)]), [-4, 2, 1], accuracy: 0.1)
        // Covariance of the big component: [[1, .8, 0], [.8, 1, 0], [0, 0, .25]] -> Cholesky row 1 = [.8, .6, 0].
        let l = Array(mixture.choleskyFactors[(big * 9)..<(big * 9 + 9)])
        XCTAssertEqual([l[0], l[3], l[4], l[8]], [1, 0.8, 0.6, 0.5], accuracy: 0.05)

        // Direct density at one point: Σ_k w_k N(x; μ_k, L_k L_kᵀ).
        let x: [Double] = [3.5, 0.2, -0.1]
        var density = 0.0
        for k in 0..<2 {
            let m = Array(mixture.means[(k * 3)..<(k * 3 + 3)]), f = Array(mixture.choleskyFactors[(k * 9)..<(k * 9 + 9)])
            var y = [0.0, 0.0, 0.0], q = 0.0
            for r in 0..<3 {
                var v = x[r] - m[r]
                for j in 0..<r { v -= f[r * 3 + j] * y[j] }
                y[r] = v / f[r * 3 + r]; q += y[r] * y[r]
            }
            density += mixture.weights[k] * exp(-0.5 * q) / (pow(2 * .pi, 1.5) * f[0] * f[4] * f[8])
        }
        XCTAssertEqual(mixture.meanLogDensity(x.map(Float.init)), log(density), accuracy: 1e-6)

        // Samples follow the mixture: a quarter near the second centre.
        let drawn = mixture.sample(count: 4000, using: RandomGenerator(seed: 5))
        let second = stride(from: 0, to: drawn.count, by: 3).filter { drawn[$0] < 0 }.count
        XCTAssertEqual(Double(second) / 4000, 0.25, accuracy: 0.03)
    }

    func testAFittedPriorIsSavedWithTheModelAndSampledFrom() throws {
        let data = try makeDataset(try mosesSmiles(300), properties: false)
        var config = ChemVAEConfig.preset(.tiny, vocabularySize: data.vocabulary.count, maxLength: data.maxLength)
        config.latentSize = 4
        let bundle = ChemVAEModel(model: try ChemVAE(config, seed: 2), codec: data.codec, normalization: nil)
        XCTAssertEqual(bundle.defaultPrior, .normal)
        XCTAssertThrowsError(try bundle.priorPoints(count: 1, from: .fitted, using: RandomGenerator(seed: 1)))
        let fit = try bundle.fitPrior(data: data, molecules: 300, components: 2, seed: 4)
        XCTAssertEqual(fit.trainingPoints + fit.heldOutPoints, 300)
        XCTAssertTrue(fit.heldOutLogDensityFitted.isFinite && fit.heldOutLogDensityNormal.isFinite)
        let path = try temporaryDirectory().appendingPathComponent("prior.h5").path
        try bundle.save(to: path)
        let loaded = try ChemVAEModel.load(from: path)
        XCTAssertEqual(loaded.defaultPrior, .fitted)
        let a = try loaded.priorPoints(count: 5, from: .fitted, using: RandomGenerator(seed: 9))
        let b = try bundle.priorPoints(count: 5, from: .fitted, using: RandomGenerator(seed: 9))
        XCTAssertEqual(a, b, accuracy: 1e-5, "stored as float32, sampled alike")

        // A prior temperature T scales every spread: with the same draws, each point moves T times
        // as far from its component's mean (N(0, I): from the origin).
        let mixture = try XCTUnwrap(loaded.prior)
        let wide = try loaded.priorPoints(count: 200, from: .fitted, using: RandomGenerator(seed: 9))
        let narrow = try loaded.priorPoints(count: 200, from: .fitted, temperature: 0.5, using: RandomGenerator(seed: 9))
        for n in 0..<200 {
            // The component each point came from: the one whose mean halves the distance.
            let fits = (0..<mixture.components).filter { k in
                (0..<4).allSatisfy { i in
                    let mean = Float(mixture.means[k * 4 + i])
                    return abs((narrow[n * 4 + i] - mean) - 0.5 * (wide[n * 4 + i] - mean)) < 1e-4
                }
            }
            XCTAssertFalse(fits.isEmpty, "point \(n) is not its component's point at half the spread")
        }
        let normal = try loaded.priorPoints(count: 50, from: .normal, using: RandomGenerator(seed: 3))
        let cold = try loaded.priorPoints(count: 50, from: .normal, temperature: 0.25, using: RandomGenerator(seed: 3))
        XCTAssertEqual(cold, normal.map { 0.25 * $0 }, accuracy: 1e-6)

        // A temperature stored with the fitted prior is its default; N(0, I) keeps 1.
        loaded.priorTemperature = 0.5
        try loaded.save(to: path)
        let stored = try ChemVAEModel.load(from: path)
        XCTAssertEqual(stored.priorTemperature, 0.5)
        XCTAssertEqual(try stored.priorPoints(count: 200, from: .fitted, using: RandomGenerator(seed: 9)), narrow, accuracy: 1e-5)
        XCTAssertEqual(try stored.priorPoints(count: 50, from: .normal, using: RandomGenerator(seed: 3)), normal, accuracy: 1e-6)
        XCTAssertEqual(try stored.priorPoints(count: 200, from: .fitted, temperature: 1, using: RandomGenerator(seed: 9)), wide, accuracy: 1e-5)
    }
}

private func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}

private func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, message, file: file, line: line) }
}
