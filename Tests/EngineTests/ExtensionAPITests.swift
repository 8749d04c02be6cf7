import Foundation
import XCTest
import Engine

/// An op written the way another target must write one, with only the public extension API
/// (`Tensor.uninitialized`, `withScalars`, `Tape.recordOperation`, `accumulateGradient`).
/// x · log(1 + y²), elementwise, with both gradients.
private func scaledLogSquare(_ x: Tensor, _ y: Tensor) -> Tensor {
    let out = Tensor.uninitialized(x.shape)
    x.withScalars { xs in y.withScalars { ys in out.withMutableScalars { o in
        for i in xs.indices { o[i] = xs[i] * log1p(ys[i] * ys[i]) }
    } } }
    Tape.recordOperation(output: out, inputs: [x, y]) { g in
        x.accumulateGradient { gx in
            y.withScalars { ys in g.withScalars { gs in for i in ys.indices { gx[i] += gs[i] * log1p(ys[i] * ys[i]) } } }
        }
        y.accumulateGradient { gy in
            x.withScalars { xs in y.withScalars { ys in g.withScalars { gs in
                for i in ys.indices { gy[i] += gs[i] * xs[i] * 2 * ys[i] / (1 + ys[i] * ys[i]) }
            } } }
        }
    }
    return out
}

final class ExtensionAPITests: XCTestCase {
    func testAnOpDefinedOutsideTheEnginePassesTheGradientCheck() {
        let rng = RandomGenerator(seed: 4)
        let x = Tensor.randomNormal([3, 5], using: rng), y = Tensor.randomNormal([3, 5], using: rng)
        assertGradientsMatch([x, y]) { scaledLogSquare(x, y).tanh() }
    }

    func testNothingIsRecordedOutsideATape() {
        let x = Tensor.parameter([1, 2], shape: [2])
        XCTAssertFalse(Tape.recordOperation(output: Tensor(zeros: [2]), inputs: [x]) { _ in XCTFail("ran") })
        let tape = Tape()
        tape.record { XCTAssertTrue(Tape.recordOperation(output: Tensor(zeros: [2]), inputs: [x]) { _ in }) }
        XCTAssertFalse(tape.record { Tape.recordOperation(output: Tensor(zeros: [2]), inputs: [Tensor(zeros: [2])]) { _ in } },
                       "inputs that take no gradient record nothing")
    }

    /// A gradient computed outside autodiff (as contrastive divergence computes one) reaches the
    /// optimizer: plain SGD moves the parameter by -lr · gradient, and the gradient is then cleared.
    func testAGradientHandedToAnOptimizerIsApplied() {
        let w = Tensor.parameter([1, -1, 0.5], shape: [3])
        w.addGradient([0.5, 0.25, -1])
        w.addGradient([0.5, 0.25, -1])
        SGD(learningRate: 0.1).update([(name: "w", tensor: w)])
        XCTAssertEqual(w.scalars, [0.9, -1.05, 0.7], accuracy: 1e-6)
        XCTAssertNil(w.grad)
    }
}
