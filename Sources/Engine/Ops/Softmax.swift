import Foundation

// Softmax family along the last axis. x [..., V].

extension Tensor {
    public func softmax() -> Tensor {
        let v = lastDimension, rows = count / max(v, 1)
        let out = Tensor(uninitializedShape: shape)
        softmaxRows(pointer, out.pointer, rows: rows, v: v)
        let y = out.pointer
        if Tape.isRecording(self) {
            Tape.append(out) { [self] in
                guard let g = out.grad?.pointer else { return }
                self.accumulateGrad { gx in  // dx = y ⊙ (g - Σ g·y)
                    for r in 0..<rows {
                        let o = r * v
                        var dot: Float = 0
                        for j in 0..<v { dot += g[o + j] * y[o + j] }
                        for j in 0..<v { gx[o + j] += y[o + j] * (g[o + j] - dot) }
                    }
                }
            }
        }
        return out
    }

    public func logSoftmax() -> Tensor {
        let v = lastDimension, rows = count / max(v, 1)
        let out = Tensor(uninitializedShape: shape)
        let x = pointer, y = out.pointer
        for r in 0..<rows {
            let o = r * v
            var m = -Float.infinity
            for j in 0..<v { m = max(m, x[o + j]) }
            var s: Float = 0
            for j in 0..<v { s += expf(x[o + j] - m) }
            let lse = m + logf(s)
            for j in 0..<v { y[o + j] = x[o + j] - lse }
        }
        if Tape.isRecording(self) {
            Tape.append(out) { [self] in
                guard let g = out.grad?.pointer else { return }
                self.accumulateGrad { gx in  // dx = g - softmax · Σ g
                    for r in 0..<rows {
                        let o = r * v
                        var total: Float = 0
                        for j in 0..<v { total += g[o + j] }
                        for j in 0..<v { gx[o + j] += g[o + j] - expf(y[o + j]) * total }
                    }
                }
            }
        }
        return out
    }
}

func softmaxRows(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, v: Int) {
    parallelChunks(rows, minimumPerChunk: max(1, 8192 / max(v, 1))) { range in
        for r in range {
            let o = r * v
            var m = -Float.infinity
            for j in 0..<v { m = max(m, x[o + j]) }
            var s: Float = 0
            for j in 0..<v { let e = expf(x[o + j] - m); y[o + j] = e; s += e }
            let inv = 1 / s
            for j in 0..<v { y[o + j] *= inv }
        }
    }
}

/// Mean cross-entropy of softmax(logits) against integer targets, over positions whose mask is
/// non-zero (padding excluded). logits [N..., V], targets N class indices, mask N weights (nil: all 1).
/// The softmax and its gradient (p - onehot) are fused; returns a scalar.
public func softmaxCrossEntropy(logits: Tensor, targets: [Int32], mask: [Float]? = nil) -> Tensor {
    let v = logits.lastDimension, rows = logits.count / max(v, 1)
    precondition(targets.count == rows, "softmaxCrossEntropy: \(targets.count) targets for logits \(logits.shape)")
    if let mask { precondition(mask.count == rows, "softmaxCrossEntropy: \(mask.count) mask entries for logits \(logits.shape)") }
    let probabilities = Tensor(uninitializedShape: logits.shape)
    softmaxRows(logits.pointer, probabilities.pointer, rows: rows, v: v)
    let p = probabilities.pointer
    var total: Double = 0, weight: Double = 0
    for r in 0..<rows {
        let w = mask?[r] ?? 1
        guard w != 0 else { continue }
        let t = Int(targets[r])
        precondition(t >= 0 && t < v, "softmaxCrossEntropy: target \(t) outside vocabulary of \(v)")
        total -= Double(w) * Double(logf(max(p[r * v + t], 1e-30)))
        weight += Double(w)
    }
    let out = Tensor(scalar: weight > 0 ? Float(total / weight) : 0)
    if Tape.isRecording(logits) {
        let scale = weight > 0 ? Float(1 / weight) : 0
        Tape.append(out) {
            guard let g = out.grad?.pointer[0] else { return }
            withExtendedLifetime(probabilities) {}
            logits.accumulateGrad { gx in
                for r in 0..<rows {
                    let w = (mask?[r] ?? 1) * scale * g
                    guard w != 0 else { continue }
                    let o = r * v
                    for j in 0..<v { gx[o + j] += w * p[o + j] }
                    gx[o + Int(targets[r])] -= w
                }
            }
        }
    }
    return out
}

/// Fraction of masked positions whose arg-max matches the target (no gradient).
public func tokenAccuracy(logits: Tensor, targets: [Int32], mask: [Float]? = nil) -> (correct: Int, total: Int) {
    let v = logits.lastDimension, rows = logits.count / max(v, 1)
    let x = logits.pointer
    var correct = 0, total = 0
    for r in 0..<rows where (mask?[r] ?? 1) != 0 {
        var best = 0
        for j in 1..<v where x[r * v + j] > x[r * v + best] { best = j }
        if best == Int(targets[r]) { correct += 1 }
        total += 1
    }
    return (correct, total)
}
