import XCTest
@testable import Engine

/// A loss's backward must not read its target from a buffer the pool has handed to another tensor:
/// targets are usually temporaries (`meanSquaredError(prediction, Tensor(values, shape: ...))`).
final class LossTargetLifetimeTests: XCTestCase {
    func testMeanSquaredErrorKeepsItsTemporaryTargetForBackward() {
        let x = Tensor.parameter([1, 2, 3, 4], shape: [4])
        let tape = Tape()
        let loss = tape.record { meanSquaredError(x, Tensor([0, 0, 0, 0], shape: [4])) }
        // Freed buffers of 4 floats would go to these.
        let reuse = (0..<8).map { _ in Tensor(repeating: 100, shape: [4]) }
        tape.backward(loss)
        XCTAssertEqual(x.grad!.scalars, [0.5, 1, 1.5, 2])   // 2·(x − 0)/4
        withExtendedLifetime(reuse) {}
    }

    func testBinaryCrossEntropyKeepsItsTemporaryTargetForBackward() {
        let x = Tensor.parameter([0, 0], shape: [2])
        let tape = Tape()
        let loss = tape.record { binaryCrossEntropyWithLogits(x, Tensor([1, 0], shape: [2])) }
        let reuse = (0..<8).map { _ in Tensor(repeating: 100, shape: [2]) }
        tape.backward(loss)
        XCTAssertEqual(x.grad!.scalars, [-0.25, 0.25])      // (σ(0) − t)/2
        withExtendedLifetime(reuse) {}
    }
}
