import XCTest
@testable import Engine

/// Compares every op's backward with central finite differences of a random projection of its
/// output (L = Σ f(x) ⊙ R), so each output element's gradient path is exercised.
func assertGradientsMatch(
    _ inputs: [Tensor], epsilon: Float = 1e-2, tolerance: Float = 2e-2, samplesPerInput: Int = 40,
    file: StaticString = #filePath, line: UInt = #line, _ f: () -> Tensor
) {
    for t in inputs { t.setRequiresGrad(true); t.zeroGrad() }
    let probe = Tape.withoutRecording(f)
    let projection = Tensor.randomNormal(probe.shape, using: RandomGenerator(seed: 99))
    func loss() -> Double {
        let y = Tape.withoutRecording(f)
        var total: Double = 0
        for i in 0..<y.count { total += Double(y.pointer[i]) * Double(projection.pointer[i]) }
        return total
    }
    let tape = Tape()
    let l = tape.record { (f() * projection).sum() }
    tape.backward(l)
    let rng = RandomGenerator(seed: 7)
    for (k, input) in inputs.enumerated() {
        guard let analytic = input.grad else {
            XCTFail("input \(k) \(input.shape) received no gradient", file: file, line: line)
            continue
        }
        let indices = input.count <= samplesPerInput ? Array(0..<input.count) : (0..<samplesPerInput).map { _ in rng.index(below: input.count) }
        for i in indices {
            let original = input.pointer[i]
            input.pointer[i] = original + epsilon
            let plus = loss()
            input.pointer[i] = original - epsilon
            let minus = loss()
            input.pointer[i] = original
            let numeric = Float((plus - minus) / Double(2 * epsilon))
            let a = analytic.pointer[i]
            let scale = max(1, abs(numeric), abs(a))
            if abs(numeric - a) > tolerance * scale {
                XCTFail("input \(k) \(input.shape) element \(i): backward \(a), finite difference \(numeric)", file: file, line: line)
                return
            }
        }
    }
}

func randn(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    Tensor.randomNormal(shape, std: scale, using: RandomGenerator(seed: seed))
}

/// Values bounded away from zero (for ops with a kink or a pole there).
func awayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
    let t = randn(shape, seed: seed)
    for i in 0..<t.count { t.pointer[i] += t.pointer[i] >= 0 ? 0.2 : -0.2 }
    return t
}

/// The output of `layer` and the gradients of `inputs` under the loss Σ output·projection, with
/// the packed recurrent kernel on or off (tests compare the two paths).
func outputAndGradients(packed: Bool, inputs: [Tensor], projection: Tensor, _ layer: () -> Tensor) -> [[Float]] {
    PackedMatrix.isEnabled = packed
    for p in inputs { p.setRequiresGrad(true); p.zeroGrad() }
    let tape = Tape()
    var y: Tensor!
    let loss = tape.record { () -> Tensor in
        y = layer()
        return (y * projection).sum()
    }
    tape.backward(loss)
    return [y.scalars] + inputs.map { $0.grad!.scalars }
}
