import XCTest
@testable import Engine

final class OptimizerTests: XCTestCase {
    func testAdamFirstStepMovesEachWeightByTheLearningRate() {
        // With bias correction the first update is lr · g/|g| (up to ε), whatever the gradient's size.
        let w = Tensor.parameter([1, -2, 3], shape: [3])
        let tape = Tape()
        let loss = tape.record { (w * Tensor([10, -0.1, 3], shape: [3])).sum() }
        tape.backward(loss)
        let adam = Adam(learningRate: 0.5)
        adam.update([("w", w)])
        XCTAssertEqual(w.scalars, [0.5, -1.5, 2.5], accuracy: 1e-5)
        XCTAssertNil(w.grad, "the optimizer clears gradients after a step")
        XCTAssertEqual(adam.step, 1)
    }

    func testAdamWeightDecayIsDecoupled() {
        let w = Tensor.parameter([2], shape: [1])
        w.accumulateGrad { $0[0] = 0 }
        Adam(learningRate: 0.1, weightDecay: 0.5).update([("w", w)])
        XCTAssertEqual(w.item, 2 - 0.1 * 0.5 * 2, accuracy: 1e-6)
    }

    func testSGDWithMomentumAccumulatesVelocity() {
        let w = Tensor.parameter([0], shape: [1])
        let sgd = SGD(learningRate: 0.1, momentum: 0.9)
        for _ in 0..<2 {
            w.accumulateGrad { $0[0] = 1 }
            sgd.update([("w", w)])
        }
        XCTAssertEqual(w.item, -0.1 - 0.19, accuracy: 1e-6)
    }

    func testClipGradientNormScalesToTheLimit() {
        let a = Tensor.parameter([0, 0], shape: [2]), b = Tensor.parameter([0], shape: [1])
        a.accumulateGrad { $0[0] = 3; $0[1] = 0 }
        b.accumulateGrad { $0[0] = 4 }
        let norm = clipGradientNorm([("a", a), ("b", b)], maxNorm: 1)
        XCTAssertEqual(norm, 5, accuracy: 1e-6)
        XCTAssertEqual(a.grad!.scalars, [0.6, 0], accuracy: 1e-5)
        XCTAssertEqual(b.grad!.item, 0.8, accuracy: 1e-5)
    }

    func testAdamMinimisesAQuadratic() {
        let w = Tensor.parameter([5, -3], shape: [2])
        let adam = Adam(learningRate: 0.1)
        for _ in 0..<500 {
            let tape = Tape()
            let loss = tape.record { (w - Tensor([1, 2], shape: [2])).square().sum() }
            tape.backward(loss)
            adam.update([("w", w)])
        }
        XCTAssertEqual(w.scalars, [1, 2], accuracy: 1e-2)
    }
}

final class TapeAndRandomTests: XCTestCase {
    func testNothingIsRecordedOutsideATape() {
        let w = Tensor.parameter([1, 2], shape: [2])
        let y = (w * w).sum()
        XCTAssertFalse(y.requiresGrad)
        let tape = Tape()
        let z = tape.record { (w * w).sum() }
        XCTAssertTrue(z.requiresGrad)
        XCTAssertEqual(tape.recordedSteps, 2)
        tape.backward(z)
        XCTAssertEqual(w.grad!.scalars, [2, 4])
        XCTAssertEqual(tape.recordedSteps, 0)
    }

    func testGradientsAccumulateAcrossUses() {
        let x = Tensor.parameter([3], shape: [1])
        let tape = Tape()
        let y = tape.record { (x * x + x).sum() }   // dy/dx = 2x + 1
        tape.backward(y)
        XCTAssertEqual(x.grad!.item, 7)
    }

    func testSameSeedGivesIdenticalStreamsAndStateRoundTrips() {
        let a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42)
        XCTAssertEqual((0..<100).map { _ in a.normal() }, (0..<100).map { _ in b.normal() })
        let c = RandomGenerator(state: a.state)
        XCTAssertEqual((0..<10).map { _ in a.next() }, (0..<10).map { _ in c.next() })
        XCTAssertNotEqual(RandomGenerator(seed: 1).next(), RandomGenerator(seed: 2).next())
    }

    func testNormalSamplesHaveUnitMoments() {
        let rng = RandomGenerator(seed: 3)
        let xs = (0..<200_000).map { _ in Double(rng.normal()) }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        XCTAssertEqual(variance, 1, accuracy: 0.01)
    }
}
