import Foundation

// Losses that keep one value per example (so a caller can weight examples, e.g. by a class
// posterior), and the L1 loss. Shapes: N examples, D values per example.

/// Binary cross-entropy of sigmoid(logits) against targets in [0, 1], summed over each row:
/// logits, targets [N, D] (or any [..., D]) -> [N]. Stable form max(x, 0) - x·t + log(1 + e^-|x|).
/// Targets take no gradient.
public func binaryCrossEntropyWithLogitsPerRow(_ logits: Tensor, _ targets: Tensor) -> Tensor {
    precondition(logits.shape == targets.shape && logits.rank >= 1,
                 "binaryCrossEntropyWithLogitsPerRow: shapes \(logits.shape) and \(targets.shape) differ")
    let d = logits.lastDimension, rows = logits.count / max(d, 1)
    let x = logits.pointer, t = targets.pointer
    let out = Tensor(uninitializedShape: Array(logits.shape.dropLast()))
    let y = out.pointer
    parallelChunks(rows, minimumPerChunk: max(1, 8192 / max(d, 1))) { range in
        for r in range {
            var total: Float = 0
            for j in r * d ..< (r + 1) * d { total += max(x[j], 0) - x[j] * t[j] + log1pf(expf(-abs(x[j]))) }
            y[r] = total
        }
    }
    if Tape.isRecording(logits) {
        Tape.append(out) {
            guard let g = out.grad?.pointer else { return }
            withExtendedLifetime(targets) {   // read through `t`: the buffer must not return to the pool
                logits.accumulateGrad { gx in
                    parallelChunks(rows, minimumPerChunk: max(1, 8192 / max(d, 1))) { range in
                        for r in range {
                            let s = g[r]
                            for j in r * d ..< (r + 1) * d { gx[j] += s * (stableSigmoid(x[j]) - t[j]) }
                        }
                    }
                }
            }
        }
    }
    return out
}

/// Mean absolute error over all elements: mean(|prediction - target|), the L1 loss. Same shapes;
/// the target takes a gradient too when it requires one (cycle-consistency compares two outputs).
/// The subgradient at a tie is 0.
public func meanAbsoluteError(_ prediction: Tensor, _ target: Tensor) -> Tensor {
    precondition(prediction.shape == target.shape, "meanAbsoluteError: shapes \(prediction.shape) and \(target.shape) differ")
    let n = prediction.count, x = prediction.pointer, t = target.pointer
    var total: Double = 0
    for i in 0..<n { total += Double(abs(x[i] - t[i])) }
    let out = Tensor(scalar: Float(total / Double(max(n, 1))))
    if Tape.isRecording(prediction, target) {
        Tape.append(out) {
            guard let g = out.grad?.pointer[0] else { return }
            let s = g / Float(max(n, 1))
            @inline(__always) func sign(_ v: Float) -> Float { v > 0 ? 1 : (v < 0 ? -1 : 0) }
            prediction.accumulateGrad { gx in parallelChunks(n) { r in for i in r { gx[i] += s * sign(x[i] - t[i]) } } }
            target.accumulateGrad { gt in parallelChunks(n) { r in for i in r { gt[i] -= s * sign(x[i] - t[i]) } } }
        }
    }
    return out
}
