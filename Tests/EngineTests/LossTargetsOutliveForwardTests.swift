import XCTest
@testable import Engine

/// Losses whose backward reads the target must keep it alive: a target built inline is released
/// after the forward call, and its pooled buffer is handed to the next tensor of the same size.
final class LossTargetsOutliveForwardTests: XCTestCase {
    func testTemporaryTargetsSurviveUntilBackward() {
        let sigmoid = { (x: Float) in 1 / (1 + exp(-x)) }
        let cases: [(String, (Tensor) -> Tensor, Float)] = [
            ("binaryCrossEntropyWithLogits", { binaryCrossEntropyWithLogits($0, Tensor(repeating: 1, shape: [4, 1])) }, (sigmoid(-2) - 1) / 4),
            ("meanSquaredError", { meanSquaredError($0, Tensor(repeating: 1, shape: [4, 1])) }, 2 * (-2 - 1) / 4),
            ("binaryCrossEntropyWithLogitsPerRow", { binaryCrossEntropyWithLogitsPerRow($0, Tensor(repeating: 1, shape: [4, 1])).sum() }, sigmoid(-2) - 1),
        ]
        for (name, loss, expected) in cases {
            let x = Tensor(repeating: -2, shape: [4, 1])
            x.setRequiresGrad(true)
            let tape = Tape()
            let l = tape.record { loss(x) }
            let reuse = (0..<4).map { _ in Tensor(repeating: -7, shape: [4, 1]) }   // takes any freed buffer of this size
            tape.backward(l)
            XCTAssertEqual(x.grad!.pointer[0], expected, accuracy: 1e-5, name)
            withExtendedLifetime(reuse) {}
        }
    }
}
