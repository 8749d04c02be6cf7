import XCTest
@testable import Engine

final class LSTMGradientTests: XCTestCase {
    func lstmWeights(input: Int, hidden: Int, seed: UInt64) -> LSTMWeights {
        let s = 1 / Float(hidden).squareRoot()
        return LSTMWeights(
            weightIH: randn([4 * hidden, input], seed: seed, scale: s), weightHH: randn([4 * hidden, hidden], seed: seed + 1, scale: s),
            biasIH: randn([4 * hidden], seed: seed + 2, scale: s), biasHH: randn([4 * hidden], seed: seed + 3, scale: s))
    }

    func testLSTMLayerGradientsMatchFiniteDifferences() {
        let (t, b, i, h) = (4, 3, 5, 9)   // h = 9: one eight-lane block and a scalar tail
        let x = randn([t, b, i], seed: 1)
        let w = lstmWeights(input: i, hidden: h, seed: 10)
        assertGradientsMatch([x, w.weightIH, w.weightHH, w.biasIH, w.biasHH]) { lstmLayer(x, weights: w) }
        // Only the last state feeds the loss: the gradient must flow back through time and the cell.
        assertGradientsMatch([x, w.weightHH, w.biasIH]) { lstmLayer(x, weights: w).slice(axis: 0, (t - 1)..<t) }
    }

    /// Batches of 16+ rows take the packed-W_hh recurrence (AVX-512), with gradients through the
    /// plain path: values and gradients must agree with OpenBLAS's, tails of the 8 x 48 blocks
    /// included, and the packed forward passes a finite-difference check.
    func testPackedRecurrenceMatchesOpenBLASPath() throws {
        try XCTSkipUnless(PackedMatrix.isEnabled, "this CPU has no AVX-512: the packed kernel is not used")
        defer { PackedMatrix.isEnabled = true }
        let (t, b, i, h) = (5, 70, 6, 29)   // 70 rows: two threads; 4H = 116 ends mid-panel
        let x = randn([t, b, i], seed: 41), w = lstmWeights(input: i, hidden: h, seed: 42)
        let inputs = [x, w.weightIH, w.weightHH, w.biasIH, w.biasHH]
        let projection = randn([t, b, h], seed: 43)
        func run(packed: Bool) -> [[Float]] {
            outputAndGradients(packed: packed, inputs: inputs, projection: projection) { lstmLayer(x, weights: w) }
        }
        let reference = run(packed: false), packed = run(packed: true)
        for (a, r) in zip(packed, reference) { XCTAssertEqual(a, r, accuracy: 2e-4) }
        let xs = randn([3, 17, 3], seed: 44), ws = lstmWeights(input: 3, hidden: 5, seed: 45)
        assertGradientsMatch([xs, ws.weightIH, ws.weightHH, ws.biasHH]) { lstmLayer(xs, weights: ws) }
    }

    func testStackedLSTMLayers() {
        let (t, b, i, h) = (5, 2, 3, 7)
        let x = randn([t, b, i], seed: 2)
        let w1 = lstmWeights(input: i, hidden: h, seed: 20), w2 = lstmWeights(input: h, hidden: 4, seed: 30)
        assertGradientsMatch([x, w1.weightIH, w1.weightHH, w2.weightIH, w2.biasHH]) {
            lstmLayer(lstmLayer(x, weights: w1), weights: w2)
        }
    }

    /// Two steps of one-unit LSTM written out by hand from the gate equations.
    func testForwardFollowsTheGateEquations() {
        // weight_ih [4, 1] = (i, f, g, o) rows; weight_hh [4, 1]; biases zero except b_ih.
        let w = LSTMWeights(weightIH: Tensor([0.5, -0.3, 0.8, 0.2], shape: [4, 1]),
                            weightHH: Tensor([0.1, 0.4, -0.6, 0.7], shape: [4, 1]),
                            biasIH: Tensor([0.05, 0.1, -0.2, 0.3], shape: [4]), biasHH: Tensor(zeros: [4]))
        let x = Tensor([1.0, -2.0], shape: [2, 1, 1])
        let y = Tape.withoutRecording { lstmLayer(x, weights: w) }
        func sigmoid(_ v: Double) -> Double { 1 / (1 + Foundation.exp(-v)) }
        var h = 0.0, c = 0.0
        for xt in [1.0, -2.0] {
            let i = sigmoid(0.5 * xt + 0.05 + 0.1 * h), f = sigmoid(-0.3 * xt + 0.1 + 0.4 * h)
            let g = Foundation.tanh(0.8 * xt - 0.2 - 0.6 * h), o = sigmoid(0.2 * xt + 0.3 + 0.7 * h)
            c = f * c + i * g
            h = o * Foundation.tanh(c)
        }
        XCTAssertEqual(Double(y.pointer[1]), h, accuracy: 1e-6)
    }
}
