import XCTest
@testable import Engine

final class OpGradientTests: XCTestCase {
    func testUnaryOps() {
        let x = randn([3, 5], seed: 1)
        assertGradientsMatch([x]) { x.tanh() }
        assertGradientsMatch([x]) { x.sigmoid() }
        assertGradientsMatch([x]) { x.softplus() }
        assertGradientsMatch([x]) { x.exp() }
        assertGradientsMatch([x]) { x.square() }
        assertGradientsMatch([x]) { x.scaled(by: -2.5) + 1 }
        let k = awayFromZero([4, 6], seed: 2)
        assertGradientsMatch([k]) { k.relu() }
        assertGradientsMatch([k]) { k.leakyRelu(slope: 0.2) }
        let positive = randn([7], seed: 3).exp()
        assertGradientsMatch([positive]) { positive.log() }
    }

    func testBinaryOpsBroadcastOverLeadingDimensions() {
        let a = randn([2, 3, 4], seed: 1), b = randn([4], seed: 2), c = randn([3, 4], seed: 3)
        assertGradientsMatch([a, b]) { a + b }
        assertGradientsMatch([a, c]) { a - c }
        assertGradientsMatch([c, a]) { c * a }
        assertGradientsMatch([a, b]) { b - a }
        let d = awayFromZero([4], seed: 4)
        assertGradientsMatch([a, d]) { a / d }
        let e = awayFromZero([2, 3, 4], seed: 5)
        assertGradientsMatch([b, e]) { b / e }
    }

    func testReductions() {
        let x = randn([2, 3, 4], seed: 1)
        assertGradientsMatch([x]) { x.sum() }
        assertGradientsMatch([x]) { x.mean() }
        assertGradientsMatch([x]) { x.sum(axis: 1) }
        assertGradientsMatch([x]) { x.mean(axis: -1) }
        assertGradientsMatch([x]) { x.sum(axis: 0) }
    }

    func testShapeOps() {
        let x = randn([2, 3, 4], seed: 1), y = randn([2, 5, 4], seed: 2)
        assertGradientsMatch([x]) { x.reshaped([6, -1]).tanh() }
        assertGradientsMatch([x]) { x.transposedLastTwo() }
        assertGradientsMatch([x, y]) { Tensor.concat([x, y, x], axis: 1) }
        assertGradientsMatch([x]) { Tensor.concat(x.split(sizes: [1, 3], axis: 2).reversed(), axis: 2) }
        assertGradientsMatch([y]) { y.slice(axis: 1, 1..<4) }
        assertGradientsMatch([x]) { x.slice(axis: 0, 1..<2) * x.slice(axis: 0, 0..<1) }
    }

    func testMatmulAndLinearWithEveryActivation() {
        let a = randn([2, 3, 4], seed: 1), b = randn([4, 5], seed: 2)
        assertGradientsMatch([a, b]) { matmul(a, b) }
        let x = randn([6, 4], seed: 3), w = randn([5, 4], seed: 4, scale: 0.5), bias = randn([5], seed: 5)
        for act in [Activation.identity, .tanh, .sigmoid, .relu, .leakyRelu(0.1)] {
            assertGradientsMatch([x, w, bias]) { linear(x, weight: w, bias: bias, activation: act) }
        }
        assertGradientsMatch([x, w]) { linear(x, weight: w, bias: nil) }
    }

    func testSoftmaxFamily() {
        let x = randn([3, 6], seed: 1)
        assertGradientsMatch([x]) { x.softmax() }
        assertGradientsMatch([x]) { x.logSoftmax() }
        let logits = randn([2, 4, 5], seed: 2)
        let targets: [Int32] = [0, 4, 2, 1, 3, 3, 0, 2]
        let mask: [Float] = [1, 1, 1, 0, 1, 1, 0, 0]
        assertGradientsMatch([logits]) { softmaxCrossEntropy(logits: logits, targets: targets, mask: mask) }
        assertGradientsMatch([logits]) { softmaxCrossEntropy(logits: logits, targets: targets) }
    }

    func testSoftmaxCrossEntropyMatchesDefinitionAndIgnoresMaskedRows() {
        let logits = Tensor([1, 2, 3, 0, 0, 0], shape: [2, 3])
        let loss = softmaxCrossEntropy(logits: logits, targets: [2, 0], mask: [1, 0]).item
        let expected = -log(exp(3.0) / (exp(1.0) + exp(2.0) + exp(3.0)))
        XCTAssertEqual(Double(loss), expected, accuracy: 1e-6)
    }

    func testLosses() {
        let p = randn([3, 4], seed: 1), t = randn([3, 4], seed: 2)
        assertGradientsMatch([p]) { meanSquaredError(p, t) }
        let targets = Tensor.randomUniform([3, 4], low: 0, high: 1, using: RandomGenerator(seed: 3))
        assertGradientsMatch([p]) { binaryCrossEntropyWithLogits(p, targets) }
        let m = randn([4, 3], seed: 4), lv = randn([4, 3], seed: 5, scale: 0.5)
        assertGradientsMatch([m, lv]) { gaussianKL(mean: m, logVariance: lv) }
        assertGradientsMatch([m, lv]) { reparameterize(mean: m, logVariance: lv, using: RandomGenerator(seed: 11)) }
    }

    func testGaussianKLIsZeroAtThePriorAndMatchesClosedForm() {
        XCTAssertEqual(gaussianKL(mean: Tensor(zeros: [2, 3]), logVariance: Tensor(zeros: [2, 3])).item, 0)
        // One sample, one dimension: KL(N(1, e) ‖ N(0, 1)) = 0.5 (e + 1 - 1 - 1) = 0.5 (e - 1)
        let kl = gaussianKL(mean: Tensor([1], shape: [1, 1]), logVariance: Tensor([1], shape: [1, 1])).item
        XCTAssertEqual(Double(kl), 0.5 * (M_E - 1), accuracy: 1e-5)
    }

    func testDropoutAndBatchNorm() {
        let x = randn([5, 4], seed: 1)
        assertGradientsMatch([x]) { dropout(x, probability: 0.3, training: true, using: RandomGenerator(seed: 5)) }
        let gamma = randn([4], seed: 2), beta = randn([4], seed: 3)
        assertGradientsMatch([x, gamma, beta]) {
            batchNorm(x, gamma: gamma, beta: beta, statistics: BatchNormStatistics(features: 4), training: true)
        }
        let seq = randn([2, 3, 4], seed: 4)
        let stats = BatchNormStatistics(features: 4)
        stats.mean.assign([0.1, -0.2, 0.3, 0]); stats.variance.assign([1.5, 0.5, 2, 1])
        assertGradientsMatch([seq, gamma, beta]) {
            batchNorm(seq, gamma: gamma, beta: beta, statistics: stats, training: false)
        }
    }

    /// Large enough (600 x 60 > 2 · 16K) for the per-feature sums to be split over blocks of rows.
    func testBatchNormOverManyRowsInBlocks() {
        let (rows, c) = (600, 60)
        let x = randn([rows, c], seed: 11, scale: 2).adding(0.5)
        let gamma = randn([c], seed: 12), beta = randn([c], seed: 13)
        let y = Tape.withoutRecording { batchNorm(x, gamma: gamma, beta: beta, statistics: BatchNormStatistics(features: c), training: true) }
        for j in [0, 17, 59] {
            var mean = 0.0, square = 0.0
            for r in 0..<rows { let v = Double(y.pointer[r * c + j]); mean += v; square += v * v }
            mean /= Double(rows)
            XCTAssertEqual(mean, Double(beta.pointer[j]), accuracy: 1e-4)
            XCTAssertEqual((square / Double(rows) - mean * mean).squareRoot(), Double(abs(gamma.pointer[j])), accuracy: 1e-3)
        }
        assertGradientsMatch([x, gamma, beta], epsilon: 1e-2, samplesPerInput: 20) {
            batchNorm(x, gamma: gamma, beta: beta, statistics: BatchNormStatistics(features: c), training: true)
        }
    }

    func testBatchNormTrainingNormalisesAndUpdatesRunningStatistics() {
        let x = Tensor([1, 10, 3, 20, 5, 30], shape: [3, 2])
        let stats = BatchNormStatistics(features: 2, momentum: 0.1)
        let y = batchNorm(x, gamma: Tensor(repeating: 1, shape: [2]), beta: Tensor(zeros: [2]), statistics: stats, training: true)
        XCTAssertEqual(y.scalars[0], -1.2247, accuracy: 1e-3)
        XCTAssertEqual(stats.mean.scalars, [0.3, 2.0].map { Float($0) }, accuracy: 1e-5)
        XCTAssertEqual(stats.variance.scalars[0], 0.9 + 0.1 * 4, accuracy: 1e-5)   // unbiased variance 4
    }

    func testEmbeddingAndConv1D() {
        let table = randn([5, 3], seed: 1)
        assertGradientsMatch([table]) { embedding([0, 3, 3, 1, 4, 0], shape: [2, 3], table: table) }
        let x = randn([2, 7, 3], seed: 2), w = randn([4, 3, 3], seed: 3, scale: 0.5), b = randn([4], seed: 4)
        assertGradientsMatch([x, w, b]) { conv1d(x, weight: w, bias: b, padding: .valid) }
        let w4 = randn([2, 4, 3], seed: 5, scale: 0.5)
        assertGradientsMatch([x, w4]) { conv1d(x, weight: w4, bias: nil, padding: .same) }
    }

    func testConv1DMatchesDirectSum() {
        let x = randn([1, 5, 2], seed: 1), w = randn([3, 2, 2], seed: 2), b = randn([3], seed: 3)
        let y = conv1d(x, weight: w, bias: b, padding: .valid)
        XCTAssertEqual(y.shape, [1, 4, 3])
        for t in 0..<4 {
            for o in 0..<3 {
                var s = b.pointer[o]
                for k in 0..<2 { for c in 0..<2 { s += w.pointer[(o * 2 + k) * 2 + c] * x.pointer[(t + k) * 2 + c] } }
                XCTAssertEqual(y.pointer[t * 3 + o], s, accuracy: 1e-5)
            }
        }
    }

    func testGRULayerOverSeveralSteps() {
        let (t, b, i, h) = (4, 3, 5, 6)
        let x = randn([t, b, i], seed: 1)
        let w = gruWeights(input: i, hidden: h, seed: 10)
        let h0 = randn([b, h], seed: 2, scale: 0.5)
        assertGradientsMatch([x, h0, w.weightIH, w.weightHH, w.biasIH, w.biasHH]) { gruLayer(x, initialState: h0, weights: w) }
        // Only the last state feeds the loss: gradient must flow back through time.
        assertGradientsMatch([x, w.weightHH]) { gruLayer(x, initialState: nil, weights: w).slice(axis: 0, (t - 1)..<t) }
    }

    func testStackedGRULayersAndSingleStep() {
        let (t, b, i, h) = (5, 2, 3, 9)   // h = 9 also exercises the scalar tail of the SIMD gate loop
        let x = randn([t, b, i], seed: 1)
        let w1 = gruWeights(input: i, hidden: h, seed: 20), w2 = gruWeights(input: h, hidden: h, seed: 21)
        assertGradientsMatch([x, w1.weightIH, w1.weightHH, w2.weightIH, w2.biasHH]) {
            gruLayer(gruLayer(x, initialState: nil, weights: w1), initialState: nil, weights: w2)
        }
        let state = randn([b, h], seed: 3, scale: 0.5), xs = randn([b, i], seed: 4)
        assertGradientsMatch([xs, state, w1.weightHH]) { gruStep(xs, state: state, weights: w1) }
    }

    func testGRUMatchesScalarReference() {
        let (t, b, i, h) = (3, 2, 2, 10)
        let x = randn([t, b, i], seed: 5)
        let w = gruWeights(input: i, hidden: h, seed: 6)
        let out = gruLayer(x, initialState: nil, weights: w)
        var state = [[Float]](repeating: [Float](repeating: 0, count: h), count: b)
        func sig(_ v: Float) -> Float { 1 / (1 + exp(-v)) }
        for step in 0..<t {
            for bb in 0..<b {
                var next = [Float](repeating: 0, count: h)
                for j in 0..<h {
                    func proj(_ gate: Int) -> (Float, Float) {
                        var xi = w.biasIH.pointer[gate * h + j], hh = w.biasHH.pointer[gate * h + j]
                        for k in 0..<i { xi += w.weightIH.pointer[(gate * h + j) * i + k] * x.pointer[(step * b + bb) * i + k] }
                        for k in 0..<h { hh += w.weightHH.pointer[(gate * h + j) * h + k] * state[bb][k] }
                        return (xi, hh)
                    }
                    let (xr, hr) = proj(0), (xz, hz) = proj(1), (xn, hn) = proj(2)
                    let r = sig(xr + hr), z = sig(xz + hz), n = Foundation.tanh(xn + r * hn)
                    next[j] = (1 - z) * n + z * state[bb][j]
                }
                state[bb] = next
                for j in 0..<h { XCTAssertEqual(out.pointer[(step * b + bb) * h + j], next[j], accuracy: 1e-5) }
            }
        }
    }

    /// Batches of 16+ rows take the packed-W_hh recurrence (AVX-512); it must agree with the
    /// OpenBLAS path in values and gradients, including row and column tails of its 8 x 48 blocks.
    func testPackedRecurrenceMatchesOpenBLASPath() throws {
        try XCTSkipUnless(PackedMatrix.isEnabled, "this CPU has no AVX-512: the packed kernel is not used")
        defer { PackedMatrix.isEnabled = true }
        let (t, b, i, h) = (6, 70, 7, 53)   // 70 rows: two threads, 32 + 38; 3H = 159 and H = 53 end mid-panel
        let x = randn([t, b, i], seed: 31), h0 = randn([b, h], seed: 32, scale: 0.5)
        let w = gruWeights(input: i, hidden: h, seed: 33)
        let inputs = [x, h0, w.weightIH, w.weightHH, w.biasIH, w.biasHH]
        let projection = randn([t, b, h], seed: 34)
        func run(packed: Bool) -> [[Float]] {
            outputAndGradients(packed: packed, inputs: inputs, projection: projection) { gruLayer(x, initialState: h0, weights: w) }
        }
        let reference = run(packed: false), packed = run(packed: true)
        for (a, r) in zip(packed, reference) { XCTAssertEqual(a, r, accuracy: 2e-4) }
        // And a finite-difference check on the packed path itself.
        let (ts, bs, hs) = (3, 17, 5)
        let xs = randn([ts, bs, 3], seed: 35), ws = gruWeights(input: 3, hidden: hs, seed: 36)
        let s0 = randn([bs, hs], seed: 37, scale: 0.5)
        assertGradientsMatch([xs, s0, ws.weightIH, ws.weightHH, ws.biasHH]) { gruLayer(xs, initialState: s0, weights: ws) }
    }

    /// Decoding packs W_hh once and steps with it (`PackedGRUWeights`): every step must equal the
    /// step that packs afresh, for batches on the packed path and below it (where it is ignored).
    func testSteppingWithWeightsPackedOnceMatchesPackingEachStep() {
        let (i, h) = (7, 53)
        let w = gruWeights(input: i, hidden: h, seed: 41), packed = PackedGRUWeights(w)
        for b in [70, 5] {
            var plain = randn([b, h], seed: 42, scale: 0.5), reused = plain
            for t in 0..<4 {
                let x = randn([b, i], seed: 43 + UInt64(t))
                plain = gruStep(x, state: plain, weights: w)
                reused = gruStep(x, state: reused, weights: packed)
                XCTAssertEqual(reused.scalars, plain.scalars, "batch \(b), step \(t)")
            }
        }
    }

    func testFastMathAgreesWithLibm() {
        var worst: Float = 0
        for v in stride(from: Float(-30), through: 30, by: 0.037) {
            let x = Float8(repeating: v)
            worst = max(worst, abs(tanh8(x)[0] - tanhf(v)), abs(sigmoid8(x)[0] - 1 / (1 + expf(-v))))
            if v < 80 { worst = max(worst, abs(exp8(x)[0] - expf(v)) / expf(v)) }
        }
        XCTAssertLessThan(worst, 1e-6)
        XCTAssertEqual(tanh8(Float8(repeating: 1000))[0], 1)
        XCTAssertLessThan(sigmoid8(Float8(repeating: -1000))[0], 1e-30)
    }
}

func gruWeights(input: Int, hidden: Int, seed: UInt64) -> GRUWeights {
    let s = 1 / Float(hidden).squareRoot()
    return GRUWeights(
        weightIH: randn([3 * hidden, input], seed: seed, scale: s), weightHH: randn([3 * hidden, hidden], seed: seed + 1, scale: s),
        biasIH: randn([3 * hidden], seed: seed + 2, scale: s), biasHH: randn([3 * hidden], seed: seed + 3, scale: s))
}

func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
