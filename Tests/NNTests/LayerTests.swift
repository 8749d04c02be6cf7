import XCTest
import Engine
@testable import NN

final class LayerTests: XCTestCase {
    func testGRUParametersAreNamedLikePyTorch() {
        let gru = GRU(inputSize: 3, hiddenSize: 4, layers: 2, using: RandomGenerator(seed: 1))
        XCTAssertEqual(prefixed("decoder.gru", gru.parameters).map(\.name), [
            "decoder.gru.0.weight_ih", "decoder.gru.0.weight_hh", "decoder.gru.0.bias_ih", "decoder.gru.0.bias_hh",
            "decoder.gru.1.weight_ih", "decoder.gru.1.weight_hh", "decoder.gru.1.bias_ih", "decoder.gru.1.bias_hh",
        ])
        XCTAssertEqual(gru.parameters[4].tensor.shape, [12, 4])
    }

    func testStepByStepDecodingMatchesTheWholeSequence() {
        let rng = RandomGenerator(seed: 2)
        let gru = GRU(inputSize: 3, hiddenSize: 5, layers: 2, using: rng)
        let x = Tensor.randomNormal([4, 2, 3], using: rng)
        let whole = gru(x).outputs
        var states = [Tensor(zeros: [2, 5]), Tensor(zeros: [2, 5])]
        for t in 0..<4 {
            states = gru.step(x.slice(axis: 0, t..<(t + 1)).reshaped([2, 3]), states: states)
            XCTAssertEqual(states[1].scalars, whole.slice(axis: 0, t..<(t + 1)).scalars)
        }
    }

    func testLoadRestoresSnapshotAndRejectsMismatchedShapesWithBothShapes() throws {
        let a = Linear(3, 2, using: RandomGenerator(seed: 1)), b = Linear(3, 2, using: RandomGenerator(seed: 2))
        try b.load(a.snapshot())
        XCTAssertEqual(a.weight.scalars, b.weight.scalars)
        let wide = Linear(4, 2, using: RandomGenerator(seed: 3))
        XCTAssertThrowsError(try wide.load(a.snapshot())) { error in
            XCTAssertEqual("\(error)", "parameter 'weight' has shape [2, 3] in the file but the model expects [2, 4]")
        }
        var partial = a.snapshot()
        partial["bias"] = nil
        XCTAssertThrowsError(try b.load(partial)) { XCTAssertEqual($0 as? ParameterLoadError, .missing(["bias"])) }
    }

    func testBatchNormBuffersAreSavedButNotTrained() {
        let bn = BatchNorm(3)
        XCTAssertEqual(bn.parameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(bn.buffers.map(\.name), ["running_mean", "running_var"])
        XCTAssertFalse(bn.statistics.mean.requiresGrad)
    }
}
