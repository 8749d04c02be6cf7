import XCTest
@testable import Engine

/// conv2d, convTranspose2d, 2-D batch norm and the image losses: backward against finite
/// differences, forward against direct sums.
final class Conv2DGradientTests: XCTestCase {
    func testConv2DGradientsAcrossStridesAndPadding() {
        let x = randn([2, 5, 6, 3], seed: 1)
        for (stride, padding) in [(1, 0), (1, 1), (2, 1), (2, 0), (3, 2)] {
            let w = randn([4, 3, 3, 3], seed: 2, scale: 0.4), b = randn([4], seed: 3)
            assertGradientsMatch([x, w, b]) { conv2d(x, weight: w, bias: b, stride: stride, padding: padding) }
        }
        let rectangular = randn([3, 2, 4, 3], seed: 4, scale: 0.4)   // KH != KW, no bias
        assertGradientsMatch([x, rectangular]) { conv2d(x, weight: rectangular, bias: nil, stride: 2, padding: 1) }
    }

    func testConvTranspose2DGradientsAcrossStridesAndPadding() {
        let x = randn([2, 3, 4, 3], seed: 5)
        for (stride, padding, outputPadding) in [(1, 0, 0), (2, 1, 0), (2, 1, 1), (2, 0, 0), (3, 1, 2)] {
            let w = randn([3, 4, 4, 2], seed: 6, scale: 0.4), b = randn([2], seed: 7)
            assertGradientsMatch([x, w, b]) {
                convTranspose2d(x, weight: w, bias: b, stride: stride, padding: padding, outputPadding: outputPadding)
            }
        }
        let w = randn([3, 3, 2, 5], seed: 8, scale: 0.4)
        assertGradientsMatch([x, w]) { convTranspose2d(x, weight: w, bias: nil, stride: 2, padding: 1) }
    }

    func testConv2DMatchesDirectSum() {
        let (b, h, w, cin, cout, k, s, p) = (2, 5, 4, 2, 3, 3, 2, 1)
        let x = randn([b, h, w, cin], seed: 1), weight = randn([cout, k, k, cin], seed: 2), bias = randn([cout], seed: 3)
        let y = conv2d(x, weight: weight, bias: bias, stride: s, padding: p)
        let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
        XCTAssertEqual(y.shape, [b, oh, ow, cout])
        for n in 0..<b { for oy in 0..<oh { for ox in 0..<ow { for o in 0..<cout {
            var sum = bias.pointer[o]
            for ky in 0..<k { for kx in 0..<k {
                let iy = oy * s - p + ky, ix = ox * s - p + kx
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                for c in 0..<cin { sum += weight.pointer[((o * k + ky) * k + kx) * cin + c] * x.pointer[((n * h + iy) * w + ix) * cin + c] }
            } }
            XCTAssertEqual(y.pointer[((n * oh + oy) * ow + ox) * cout + o], sum, accuracy: 1e-4)
        } } } }
    }

    func testConvTranspose2DMatchesScatterDefinitionAndDoublesTheSide() {
        let (b, h, w, cin, cout, k, s, p) = (2, 3, 4, 2, 3, 4, 2, 1)
        let x = randn([b, h, w, cin], seed: 4), weight = randn([cin, k, k, cout], seed: 5), bias = randn([cout], seed: 6)
        let y = convTranspose2d(x, weight: weight, bias: bias, stride: s, padding: p)
        XCTAssertEqual(y.shape, [b, 2 * h, 2 * w, cout])
        var expected = [Float](repeating: 0, count: y.count)
        for n in 0..<b { for i in 0..<(2 * h * 2 * w) { for o in 0..<cout { expected[(n * 4 * h * w + i) * cout + o] = bias.pointer[o] } } }
        // Each input pixel (iy, ix) adds weight · x into output (iy·s - p + ky, ix·s - p + kx).
        for n in 0..<b { for iy in 0..<h { for ix in 0..<w { for ky in 0..<k { for kx in 0..<k {
            let oy = iy * s - p + ky, ox = ix * s - p + kx
            guard oy >= 0, oy < 2 * h, ox >= 0, ox < 2 * w else { continue }
            for c in 0..<cin { for o in 0..<cout {
                expected[((n * 2 * h + oy) * 2 * w + ox) * cout + o] +=
                    x.pointer[((n * h + iy) * w + ix) * cin + c] * weight.pointer[((c * k + ky) * k + kx) * cout + o]
            } }
        } } } } }
        XCTAssertEqual(y.scalars, expected, accuracy: 1e-4)
    }

    /// ⟨conv(u), v⟩ = ⟨u, convT(v)⟩ when convT uses the same kernel with its channel axes swapped.
    func testTransposedConvolutionIsTheAdjointOfConvolution() {
        let (cin, cout, k) = (3, 2, 4)
        let u = randn([2, 8, 6, cin], seed: 1)
        let w = randn([cout, k, k, cin], seed: 2)
        let v = randn([2, 4, 3, cout], seed: 3)
        let convOut = conv2d(u, weight: w, bias: nil, stride: 2, padding: 1)
        XCTAssertEqual(convOut.shape, v.shape)
        // [Cout, K, K, Cin] -> [Cout(as input), K, K, Cin(as output)]: the transposed op's layout.
        let transposedWeight = Tensor(w.scalars, shape: [cout, k, k, cin])
        let back = convTranspose2d(v, weight: transposedWeight, bias: nil, stride: 2, padding: 1)
        XCTAssertEqual(back.shape, u.shape)
        let lhs = zip(convOut.scalars, v.scalars).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        let rhs = zip(u.scalars, back.scalars).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        XCTAssertEqual(lhs, rhs, accuracy: 1e-3 * max(1, abs(lhs)))
    }

    func testBatchNormOverImagesNormalisesEachChannel() {
        let x = randn([3, 4, 5, 2], seed: 1, scale: 3)
        let gamma = randn([2], seed: 2), beta = randn([2], seed: 3)
        assertGradientsMatch([x, gamma, beta]) {
            batchNorm(x, gamma: gamma, beta: beta, statistics: BatchNormStatistics(features: 2), training: true)
        }
        let y = batchNorm(x, gamma: Tensor(repeating: 1, shape: [2]), beta: Tensor(zeros: [2]),
                          statistics: BatchNormStatistics(features: 2), training: true)
        for c in 0..<2 {   // every channel: mean 0, variance 1 over B·H·W
            let values = stride(from: c, to: y.count, by: 2).map { Double(y.pointer[$0]) }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
            XCTAssertEqual(mean, 0, accuracy: 1e-5)
            XCTAssertEqual(variance, 1, accuracy: 1e-3)
        }
    }

    func testConvolutionalStackEndToEnd() {
        // conv (s2) -> batch norm -> leaky ReLU -> transposed conv (s2): the DCGAN building blocks chained.
        let x = randn([2, 6, 6, 1], seed: 1)
        let w1 = randn([3, 4, 4, 1], seed: 2, scale: 0.5), w2 = randn([3, 4, 4, 2], seed: 3, scale: 0.5)
        let gamma = randn([3], seed: 4), beta = randn([3], seed: 5), b2 = randn([2], seed: 6)
        assertGradientsMatch([x, w1, w2, gamma, beta, b2], tolerance: 3e-2) {
            let h = conv2d(x, weight: w1, bias: nil, stride: 2, padding: 1)
            let n = batchNorm(h, gamma: gamma, beta: beta, statistics: BatchNormStatistics(features: 3), training: true)
            return convTranspose2d(n.leakyRelu(slope: 0.2), weight: w2, bias: b2, stride: 2, padding: 1).tanh()
        }
    }

    func testPerRowBinaryCrossEntropyAndL1() {
        let logits = randn([3, 5], seed: 1, scale: 2)
        let targets = Tensor.randomUniform([3, 5], low: 0, high: 1, using: RandomGenerator(seed: 2))
        assertGradientsMatch([logits]) { binaryCrossEntropyWithLogitsPerRow(logits, targets) }
        // The rows add up to n·D times the mean loss.
        let rows = binaryCrossEntropyWithLogitsPerRow(logits, targets)
        XCTAssertEqual(rows.shape, [3])
        XCTAssertEqual(rows.scalars.reduce(0, +), 15 * binaryCrossEntropyWithLogits(logits, targets).item, accuracy: 1e-4)
        let a = awayFromZero([4, 3], seed: 3), b = randn([4, 3], seed: 4, scale: 0.01)
        assertGradientsMatch([a, b]) { meanAbsoluteError(a, b) }
        XCTAssertEqual(meanAbsoluteError(Tensor([1, -2, 3], shape: [3]), Tensor([0, 0, 0], shape: [3])).item, 2, accuracy: 1e-6)
    }
}
