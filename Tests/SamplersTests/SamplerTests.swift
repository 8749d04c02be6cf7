import Engine
import Foundation
import ImageModels
import Samplers
import XCTest

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let datasetsDirectory = repositoryRoot.appendingPathComponent("datasets").path

/// The 99% critical value of the one-sample KS statistic for n iid samples (1.628/√n).
func ksCritical99(_ n: Int) -> Double { 1.628 / Double(n).squareRoot() }

final class InverseTransformTests: XCTestCase {
    func testClosedFormQuantilesInvertTheirCDFs() {
        for d in [ClosedFormDistribution.exponential(rate: 2), .cauchy(location: 1, scale: 0.5), .logistic(location: -1, scale: 2)] {
            for u in [0.001, 0.1, 0.5, 0.9, 0.999] { XCTAssertEqual(d.cdf(d.quantile(u)), u, accuracy: 1e-12, d.name) }
        }
        // Known values: the exponential median is log 2/λ, the Cauchy quartiles x₀ ± γ.
        XCTAssertEqual(ClosedFormDistribution.exponential(rate: 2).quantile(0.5), log(2) / 2, accuracy: 1e-15)
        XCTAssertEqual(ClosedFormDistribution.cauchy(location: 1, scale: 0.5).quantile(0.75), 1.5, accuracy: 1e-12)
    }

    func testSamplesPassKSAgainstTheirOwnCDFAndFailAgainstAnother() throws {
        let n = 20_000
        for d in [ClosedFormDistribution.exponential(rate: 1), .cauchy(location: 0, scale: 1), .logistic(location: 0, scale: 1)] {
            let result = try runInverseTransform(d, count: n, seed: 7)
            XCTAssertLessThan(result.ksStatistic, ksCritical99(n), d.name)
        }
        // Logistic samples measured against a Cauchy CDF are far off: the statistic can tell.
        let logistic = ClosedFormDistribution.logistic(location: 0, scale: 1).sample(n, using: RandomGenerator(seed: 7))
        XCTAssertGreaterThan(ksStatistic(logistic, cdf: ClosedFormDistribution.cauchy(location: 0, scale: 1).cdf), 5 * ksCritical99(n))
    }

    func testEmpiricalCDFInterpolatesBetweenOrderStatistics() throws {
        let cdf = try EmpiricalCDF(data: [3, 1, 2, 5])   // sorted 1 2 3 5 at 0, 1/3, 2/3, 1
        XCTAssertEqual(cdf.cdf(2.5), 0.5, accuracy: 1e-15)
        XCTAssertEqual(cdf.cdf(4), 2.0 / 3 + 1.0 / 6, accuracy: 1e-15)
        XCTAssertEqual(cdf.quantile(0.5), 2.5, accuracy: 1e-15)
        XCTAssertEqual(cdf.quantile(1), 5)
        XCTAssertEqual(cdf.density(4), (1.0 / 3) / 2, accuracy: 1e-15)
        for u in stride(from: 0.0, through: 1.0, by: 0.05) { XCTAssertEqual(cdf.cdf(cdf.quantile(u)), u, accuracy: 1e-12) }
        XCTAssertThrowsError(try EmpiricalCDF(data: [1, 1, 1]))
        // Repeats make atoms: of [0, 0, 0, 1, 2] (steps of 1/4) the value 0 holds mass 2/4.
        let tied = try EmpiricalCDF(data: [0, 0, 0, 1, 2])
        XCTAssertEqual(tied.cdf(0), 0.5)
        XCTAssertEqual(tied.cdf(-1e-9), 0)
        XCTAssertEqual(tied.quantile(0.3), 0)
    }

    func testEmpiricalSamplesFollowTheirSourceMixture() throws {
        let data = NormalMixture1D.bimodal.sample(5000, using: RandomGenerator(seed: 3))
        let result = try runInverseTransform(try EmpiricalCDF(data: data), count: 20_000, source: .bimodal, seed: 4)
        XCTAssertLessThan(result.ksStatistic, ksCritical99(20_000))
        // Against the source the data's own error (~1/√5000) adds in.
        XCTAssertLessThan(result.ksAgainstSource!, ksCritical99(20_000) + ksCritical99(5000))
    }
}

final class MetropolisHastingsTests: XCTestCase {
    /// On N(0, 1) the random walk's acceptance rate is known exactly: (2/π)·atan(2/σ).
    func testAcceptanceRateOnAStandardNormalMatchesTheClosedForm() throws {
        let normal = UnnormalizedDensity(name: "normal", dimension: 1, logDensity: { -0.5 * $0[0] * $0[0] }, firstMarginalCDF: normalCDF)
        for sigma in [0.5, 2.4, 8.0] {
            let report = try metropolisReport(normal, sigma: sigma, steps: 100_000, burnIn: 1000, seed: 11)
            XCTAssertEqual(report.chain.acceptanceRate, 2 / Double.pi * atan(2 / sigma), accuracy: 0.01, "σ = \(sigma)")
        }
    }

    func testChainsReachTheKnownMarginals() throws {
        let bimodal = try metropolisReport(.bimodal, sigma: 2.5, steps: 50_000, burnIn: 1000, seed: 2)
        XCTAssertLessThan(bimodal.ksStatistic!, 0.03)
        let banana = try metropolisReport(.banana, sigma: 1.5, steps: 50_000, burnIn: 1000, seed: 2)
        XCTAssertLessThan(banana.ksStatistic!, 0.05)
        XCTAssertEqual(banana.chain.coordinate(1).reduce(0, +) / 50_000, 1.0, accuracy: 0.15)   // E[x₂] = E[x₁²]/4 = 1
    }

    func testTinyStepsAcceptAlmostAllButMixSlowly() throws {
        let tiny = try metropolisReport(.bimodal, sigma: 0.05, steps: 20_000, burnIn: 0, seed: 5)
        let good = try metropolisReport(.bimodal, sigma: 2.5, steps: 20_000, burnIn: 0, seed: 5)
        XCTAssertGreaterThan(tiny.chain.acceptanceRate, 0.95)
        XCTAssertGreaterThan(good.essPer1000Steps, 10 * tiny.essPer1000Steps)
    }

    func testEffectiveSampleSizeOfIndependentAndAR1Chains() {
        let rng = RandomGenerator(seed: 9)
        let iid = (0..<20_000).map { _ in rng.standardNormal() }
        XCTAssertEqual(effectiveSampleSize(iid) / 20_000, 1, accuracy: 0.1)
        // AR(1) with φ = 0.9: τ = (1 + φ)/(1 − φ) = 19.
        var x = 0.0
        let ar = (0..<100_000).map { _ -> Double in x = 0.9 * x + rng.standardNormal(); return x }
        XCTAssertEqual(100_000 / effectiveSampleSize(ar), 19, accuracy: 2.5)
    }

    func testBadSigmaIsRefusedNamingTheOption() {
        XCTAssertThrowsError(try MetropolisChain.run(.bimodal, sigma: 0, steps: 100, burnIn: 0, seed: 1)) {
            XCTAssertTrue(String(describing: $0).hasPrefix("--sigma:"))
        }
    }
}

final class KernelDensityTests: XCTestCase {
    static let digits = try! ImageDataSource.digits.loadAll(from: datasetsDirectory)

    func projectedDigits(components: Int = 15) throws -> [Double] {
        let raw = Self.digits.pixels.map { $0 * 16 }
        let pca = try PrincipalComponents(rows: raw, count: Self.digits.count, dimension: 64, components: components)
        return pca.project(raw, count: Self.digits.count)
    }

    /// The KDE's log-density against the definition computed directly: the mean over points of a
    /// product of 1-D normal densities, summed in Double without logsumexp.
    func testLogDensityMatchesADirectComputationOnTheDigits() throws {
        let points = try projectedDigits(), d = 15, n = Self.digits.count
        let kde = try KernelDensity(points: points, dimension: d, bandwidth: 3.79)
        let queries = Array(points[0..<(5 * d)]) + [Double](repeating: 0, count: d)
        let logs = kde.logDensity(queries)
        for q in 0..<6 {
            var f = 0.0
            for i in 0..<n {
                var product = 1.0
                for j in 0..<d { product *= normalDensity(queries[q * d + j], mean: points[i * d + j], std: 3.79) }
                f += product
            }
            XCTAssertEqual(logs[q], log(f / Double(n)), accuracy: 1e-9 * abs(log(f / Double(n))))
        }
    }

    /// scikit-learn's example finds h ≈ 3.79 (the 16th of logspace(-1, 1, 20)).
    func testCrossValidationChoosesScikitLearnsBandwidth() throws {
        let search = try BandwidthSearch(points: try projectedDigits(), dimension: 15, bandwidths: BandwidthSearch.exampleGrid, folds: 5)
        XCTAssertEqual(search.best.bandwidth, 3.7927, accuracy: 1e-4)
        XCTAssertLessThan(search.candidates[0].perPoint, search.best.perPoint)
    }

    func testSamplesSpreadByTheBandwidthAroundDataPoints() throws {
        let kde = try KernelDensity(points: [0, 0, 10, 10], dimension: 2, bandwidth: 0.5)
        let s = kde.sample(4000, using: RandomGenerator(seed: 1))
        var nearFirst = 0, spread = 0.0
        for k in 0..<4000 {
            let centre = s[2 * k] < 5 ? 0.0 : 10.0
            if centre == 0 { nearFirst += 1 }
            spread += pow(s[2 * k] - centre, 2)
        }
        XCTAssertEqual(Double(nearFirst) / 4000, 0.5, accuracy: 0.05)
        XCTAssertEqual((spread / 4000).squareRoot(), 0.5, accuracy: 0.03)
        XCTAssertThrowsError(try KernelDensity(points: [0], dimension: 1, bandwidth: -1)) {
            XCTAssertTrue(String(describing: $0).hasPrefix("--bandwidth:"))
        }
    }

    func testDigitsExampleWritesRealAndSampledDigits() throws {
        let result = try DigitsKDE.run(digits: Self.digits, bandwidths: [3.79], rows: 2)
        XCTAssertEqual(result.bandwidth, 3.79)
        XCTAssertEqual(result.picture.width, 4 * (13 * 8 + 14))
        XCTAssertGreaterThan(result.explainedVariance, 0.8)
        XCTAssertTrue(result.heldOutLogLikelihood.isFinite)
    }
}

final class TiedDataTests: XCTestCase {
    /// Whole-number data repeat values, so the interpolated CDF has atoms and its samples tie; the
    /// statistic must still see an exact sampler (0.05 for 10,000 before ties were taken together, 0.02
    /// while the atom at the smallest value was missed).
    func testEmpiricalCDFOfDataWithRepeatsPassesKS() throws {
        let data = (1...200).map { Double(($0 * $0) % 37) }
        let result = try runInverseTransform(try EmpiricalCDF(data: data), count: 10_000, seed: 1)
        XCTAssertLessThan(result.ksStatistic, ksCritical99(10_000))
    }
}
