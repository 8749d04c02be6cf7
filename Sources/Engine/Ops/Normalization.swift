import Foundation

/// Inverted dropout: in training, zeroes each element with probability p and scales the rest by
/// 1/(1-p), so inference is the identity.
public func dropout(_ x: Tensor, probability p: Float, training: Bool, using rng: RandomGenerator) -> Tensor {
    guard training, p > 0 else { return x }
    precondition(p < 1, "dropout: probability \(p) must be below 1")
    let keep = Tensor(uninitializedShape: x.shape)
    let k = keep.pointer, scale = 1 / (1 - p)
    for i in 0..<x.count { k[i] = rng.uniform() >= p ? scale : 0 }
    return x * keep
}

/// Running statistics of a batch-norm layer, updated in training and used in inference.
public final class BatchNormStatistics {
    public let mean: Tensor
    public let variance: Tensor
    public let momentum: Float
    public init(features: Int, momentum: Float = 0.1) {
        mean = Tensor(zeros: [features])
        variance = Tensor(repeating: 1, shape: [features])
        self.momentum = momentum
    }
}

/// Batch normalisation over every axis but the last (features, channels-last): x [..., C],
/// gamma, beta [C]. Training uses the batch statistics and updates `statistics` (PyTorch's
/// momentum and unbiased running variance); inference uses the running statistics.
public func batchNorm(
    _ x: Tensor, gamma: Tensor, beta: Tensor, statistics: BatchNormStatistics, training: Bool, epsilon: Float = 1e-5
) -> Tensor {
    let c = x.lastDimension, rows = x.count / max(c, 1)
    precondition(gamma.shape == [c] && beta.shape == [c],
                 "batchNorm: input \(x.shape) needs gamma and beta of shape [\(c)], got \(gamma.shape) and \(beta.shape)")
    let out = Tensor(uninitializedShape: x.shape)
    let px = x.pointer, y = out.pointer, g = gamma.pointer, b = beta.pointer
    let mean = Tensor(zeros: [c]), invStd = Tensor(uninitializedShape: [c])
    let mu = mean.pointer, inv = invStd.pointer
    if training {
        precondition(rows > 1, "batchNorm: training needs more than one row per feature, got input \(x.shape)")
        var sum = [Double](repeating: 0, count: c), sumSq = [Double](repeating: 0, count: c)
        for r in 0..<rows {
            let row = px + r * c
            for j in 0..<c { let v = Double(row[j]); sum[j] += v; sumSq[j] += v * v }
        }
        let m = statistics.momentum
        for j in 0..<c {
            let meanJ = sum[j] / Double(rows)
            let varJ = max(sumSq[j] / Double(rows) - meanJ * meanJ, 0)
            mu[j] = Float(meanJ)
            inv[j] = 1 / (Float(varJ) + epsilon).squareRoot()
            statistics.mean.pointer[j] = (1 - m) * statistics.mean.pointer[j] + m * Float(meanJ)
            statistics.variance.pointer[j] = (1 - m) * statistics.variance.pointer[j] + m * Float(varJ * Double(rows) / Double(rows - 1))
        }
    } else {
        for j in 0..<c {
            mu[j] = statistics.mean.pointer[j]
            inv[j] = 1 / (statistics.variance.pointer[j] + epsilon).squareRoot()
        }
    }
    for r in 0..<rows {
        let row = px + r * c, o = y + r * c
        for j in 0..<c { o[j] = (row[j] - mu[j]) * inv[j] * g[j] + b[j] }
    }
    if Tape.isRecording(x, gamma, beta) {
        Tape.append(out) {
            guard let dy = out.grad?.pointer else { return }
            // Per feature: Σdy and Σdy·x̂ give dβ, dγ and (in training) the batch-statistics terms.
            var sumDy = [Float](repeating: 0, count: c), sumDyXhat = [Float](repeating: 0, count: c)
            for r in 0..<rows {
                let row = px + r * c, d = dy + r * c
                for j in 0..<c { sumDy[j] += d[j]; sumDyXhat[j] += d[j] * (row[j] - mu[j]) * inv[j] }
            }
            beta.accumulateGrad { gb in for j in 0..<c { gb[j] += sumDy[j] } }
            gamma.accumulateGrad { gg in for j in 0..<c { gg[j] += sumDyXhat[j] } }
            x.accumulateGrad { gx in
                let n = Float(rows)
                for r in 0..<rows {
                    let row = px + r * c, d = dy + r * c, o = gx + r * c
                    for j in 0..<c {
                        if training {
                            let xhat = (row[j] - mu[j]) * inv[j]
                            o[j] += g[j] * inv[j] * (d[j] - sumDy[j] / n - xhat * sumDyXhat[j] / n)
                        } else {
                            o[j] += g[j] * inv[j] * d[j]
                        }
                    }
                }
            }
            withExtendedLifetime((mean, invStd)) {}
        }
    }
    return out
}
