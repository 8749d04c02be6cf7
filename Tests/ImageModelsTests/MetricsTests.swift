import Engine
import Foundation
import ImageModels
import NN
import XCTest

final class MetricsTests: XCTestCase {
    func testSymmetricSquareRootSquaresBack() {
        let rng = RandomGenerator(seed: 1)
        let n = 6
        let a = (0..<(n * n)).map { _ in Double(rng.normal()) }
        var spd = [Double](repeating: 0, count: n * n)   // AᵀA + I is symmetric positive definite
        for i in 0..<n { for j in 0..<n { for k in 0..<n { spd[i * n + j] += a[k * n + i] * a[k * n + j] } }; spd[i * n + i] += 1 }
        let root = symmetricSquareRoot(spd, dimension: n)
        for i in 0..<n { for j in 0..<n {
            let square = (0..<n).reduce(0.0) { $0 + root[i * n + $1] * root[$1 * n + j] }
            XCTAssertEqual(square, spd[i * n + j], accuracy: 1e-9)
            XCTAssertEqual(root[i * n + j], root[j * n + i], accuracy: 1e-12)
        } }
        let (values, _) = symmetricEigen([2, 1, 1, 2], dimension: 2)
        XCTAssertEqual(values[0], 1, accuracy: 1e-12)
        XCTAssertEqual(values[1], 3, accuracy: 1e-12)
    }

    func testFrechetDistanceMatchesTheClosedFormForCommutingCovariances() {
        // Diagonal covariances commute: FID = ‖μ1 - μ2‖² + Σ (σ1 - σ2)².
        let m1: [Double] = [0, 1, 2], m2: [Double] = [1, 1, 0]
        let s1: [Double] = [1, 4, 9], s2: [Double] = [4, 1, 0.25]
        func diag(_ v: [Double]) -> [Double] { var m = [Double](repeating: 0, count: 9); for i in 0..<3 { m[i * 4] = v[i] }; return m }
        let expected = 1.0 + 4.0 + zip(s1, s2).reduce(0.0) { $0 + pow($1.0.squareRoot() - $1.1.squareRoot(), 2) }
        XCTAssertEqual(frechetDistance(mean1: m1, covariance1: diag(s1), mean2: m2, covariance2: diag(s2)), expected, accuracy: 1e-9)
        // Rotating both distributions by the same orthogonal matrix changes nothing.
        let c = cos(0.7), s = sin(0.7)
        let r: [Double] = [c, -s, 0, s, c, 0, 0, 0, 1]
        func rotate(_ m: [Double]) -> [Double] {   // R M Rᵀ
            var out = [Double](repeating: 0, count: 9)
            for i in 0..<3 { for j in 0..<3 { for k in 0..<3 { for l in 0..<3 { out[i * 3 + j] += r[i * 3 + k] * m[k * 3 + l] * r[j * 3 + l] } } } }
            return out
        }
        func rotateVector(_ v: [Double]) -> [Double] { (0..<3).map { i in (0..<3).reduce(0.0) { $0 + r[i * 3 + $1] * v[$1] } } }
        XCTAssertEqual(frechetDistance(mean1: rotateVector(m1), covariance1: rotate(diag(s1)), mean2: rotateVector(m2), covariance2: rotate(diag(s2))),
                       expected, accuracy: 1e-9)
    }

    func testFrechetDistanceOfSamplesIsSmallForOneDistributionAndLargeForAnother() {
        let rng = RandomGenerator(seed: 2)
        let d = 4, n = 4000
        let a = (0..<(n * d)).map { _ in rng.normal() }, b = (0..<(n * d)).map { _ in rng.normal() }
        let shifted = b.enumerated().map { $0.offset % d == 0 ? $0.element + 3 : $0.element }
        XCTAssertEqual(frechetDistance(a, count: n, a, count: n, dimension: d), 0, accuracy: 1e-9)
        XCTAssertLessThan(frechetDistance(a, count: n, b, count: n, dimension: d), 0.02)
        XCTAssertEqual(frechetDistance(a, count: n, shifted, count: n, dimension: d), 9, accuracy: 0.5)   // 3² up to sampling noise
    }

    func testOneNearestNeighbourScoreOnRealHalvesNoiseAndCopies() {
        let held = mnistSplit.heldOut
        let d = 784
        let first = Array(held.pixels[0..<(500 * d)]), second = Array(held.pixels[(500 * d)..<(1000 * d)])
        let halves = nearestNeighbourScore(real: first, count: 500, generated: second, count: 500, dimension: d)
        XCTAssertEqual(halves, 0.5, accuracy: 0.08, "real vs real")
        let rng = RandomGenerator(seed: 3)
        let noise = (0..<(500 * d)).map { _ in rng.uniform() }
        XCTAssertGreaterThan(nearestNeighbourScore(real: first, count: 500, generated: noise, count: 500, dimension: d), 0.99, "real vs noise")
        XCTAssertEqual(nearestNeighbourScore(real: first, count: 500, generated: first, count: 500, dimension: d), 0, "real vs exact copy")
    }

    func testHungarianAssignmentMatchesBruteForce() {
        let rng = RandomGenerator(seed: 4)
        for n in [1, 2, 5, 7] {
            let cost = (0..<n).map { _ in (0..<n).map { _ in Double(rng.index(below: 20)) } }
            let assignment = minimumCostAssignment(cost)
            XCTAssertEqual(Set(assignment).count, n)
            let total = (0..<n).reduce(0.0) { $0 + cost[$1][assignment[$1]] }
            var best = Double.infinity
            func permute(_ prefix: [Int], _ rest: Set<Int>) {
                if rest.isEmpty { best = min(best, (0..<n).reduce(0.0) { $0 + cost[$1][prefix[$1]] }); return }
                for j in rest { permute(prefix + [j], rest.subtracting([j])) }
            }
            permute([], Set(0..<n))
            XCTAssertEqual(total, best)
        }
    }

    func testMatchedClusterAccuracyIgnoresClusterNames() {
        let classes = [0, 0, 1, 1, 2, 2, 2]
        let renamed = classes.map { [2, 0, 1][$0] }
        let (acc, mapping) = matchedClusterAccuracy(clusters: renamed, classes: classes, k: 3)
        XCTAssertEqual(acc, 1)
        XCTAssertEqual(mapping, [1, 2, 0])
        XCTAssertEqual(matchedClusterAccuracy(clusters: [0, 0, 0, 0], classes: [0, 1, 1, 1], k: 2).accuracy, 0.75)
    }
}
