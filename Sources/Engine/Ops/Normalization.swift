import Foundation

/// Inverted dropout: in training, zeroes each element with probability p and scales the rest by
/// 1/(1-p), so inference is the identity.
/// `batchAxis` is the axis of batch rows (1 for time-major sequences): a `BatchShard` in force
/// draws the mask for the whole batch and keeps its rows.
public func dropout(_ x: Tensor, probability p: Float, training: Bool, batchAxis: Int = 0, using rng: RandomGenerator) -> Tensor {
    guard training, p > 0 else { return x }
    precondition(p < 1, "dropout: probability \(p) must be below 1")
    let keep = Tensor(uninitializedShape: x.shape)
    let scale = 1 / (1 - p)
    let draw = { (k: UnsafeMutablePointer<Float>, count: Int) in for i in 0..<count { k[i] = rng.uniform() >= p ? scale : 0 } }
    if let shard = BatchShard.current { shard.fillRows(of: keep, axis: batchAxis, draw: draw) } else { draw(keep.pointer, keep.count) }
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
/// Every pass runs over blocks of rows on all cores; per-feature sums are combined per block.
public func batchNorm(
    _ x: Tensor, gamma: Tensor, beta: Tensor, statistics: BatchNormStatistics, training: Bool, epsilon: Float = 1e-5
) -> Tensor {
    let c = x.lastDimension, rows = x.count / max(c, 1)
    precondition(gamma.shape == [c] && beta.shape == [c],
                 "batchNorm: input \(x.shape) needs gamma and beta of shape [\(c)], got \(gamma.shape) and \(beta.shape)")
    let out = Tensor(uninitializedShape: x.shape)
    let px = x.pointer, y = out.pointer, g = gamma.pointer, b = beta.pointer
    // Per feature: mean, 1/σ, and the affine map y = x·scale + shift.
    let perFeature = Tensor(uninitializedShape: [4, c])
    let mu = perFeature.pointer, inv = mu + c, scale = mu + 2 * c, shift = mu + 3 * c
    // A shard of a batch split across processes normalises with the whole batch's statistics.
    let shard = training ? BatchShard.current : nil
    var n = Double(rows)
    if training {
        var (sum, sumSq) = featureSums(rows: rows, features: c) { range, u, v in
            for r in range {
                let row = px + r * c
                for j in 0..<c { let value = Double(row[j]); u[j] += value; v[j] += value * value }
            }
        }
        if let shard {
            let all = shard.sum(sum + sumSq + [n])
            sum = Array(all[0..<c]); sumSq = Array(all[c..<(2 * c)]); n = all[2 * c]
        }
        precondition(n > 1, "batchNorm: training needs more than one row per feature, got input \(x.shape)")
        let m = statistics.momentum
        for j in 0..<c {
            let meanJ = sum[j] / n
            let varJ = max(sumSq[j] / n - meanJ * meanJ, 0)
            mu[j] = Float(meanJ)
            inv[j] = 1 / (Float(varJ) + epsilon).squareRoot()
            statistics.mean.pointer[j] = (1 - m) * statistics.mean.pointer[j] + m * Float(meanJ)
            statistics.variance.pointer[j] = (1 - m) * statistics.variance.pointer[j] + m * Float(varJ * n / (n - 1))
        }
    } else {
        for j in 0..<c {
            mu[j] = statistics.mean.pointer[j]
            inv[j] = 1 / (statistics.variance.pointer[j] + epsilon).squareRoot()
        }
    }
    for j in 0..<c { scale[j] = inv[j] * g[j]; shift[j] = b[j] - mu[j] * scale[j] }
    parallelChunks(rows, minimumPerChunk: max(1, (1 << 14) / max(c, 1))) { range in
        for r in range {
            let row = px + r * c, o = y + r * c
            for j in 0..<c { o[j] = row[j] * scale[j] + shift[j] }
        }
    }
    if Tape.isRecording(x, gamma, beta) {
        Tape.append(out) {
            guard let dy = out.grad?.pointer else { return }
            // Per feature: Σdy and Σdy·x̂ give dβ, dγ and (in training) the batch-statistics terms.
            let (sumDy, sumDyXhat) = featureSums(rows: rows, features: c) { range, u, v in
                for r in range {
                    let row = px + r * c, d = dy + r * c
                    for j in 0..<c { u[j] += Double(d[j]); v[j] += Double(d[j] * (row[j] - mu[j]) * inv[j]) }
                }
            }
            // γ and β take this shard's share (the gradients are summed over shards later); x's
            // gradient needs the sums over the whole batch.
            beta.accumulateGrad { gb in for j in 0..<c { gb[j] += Float(sumDy[j]) } }
            gamma.accumulateGrad { gg in for j in 0..<c { gg[j] += Float(sumDyXhat[j]) } }
            let (wholeDy, wholeDyXhat) = shard.map { s -> ([Double], [Double]) in
                let all = s.sum(sumDy + sumDyXhat)
                return (Array(all[0..<c]), Array(all[c...]))
            } ?? (sumDy, sumDyXhat)
            x.accumulateGrad { gx in
                // dx = γ/σ · (dy - Σdy/n - x̂ · Σdy·x̂/n), written as dx = a·dy + b·x + k per feature.
                let n = Float(n)
                let coefficients = Tensor(uninitializedShape: [3, c])
                let ca = coefficients.pointer, cb = ca + c, ck = ca + 2 * c
                for j in 0..<c {
                    ca[j] = g[j] * inv[j]
                    cb[j] = training ? -ca[j] * inv[j] * Float(wholeDyXhat[j]) / n : 0
                    ck[j] = training ? -ca[j] * Float(wholeDy[j]) / n - cb[j] * mu[j] : 0
                }
                parallelChunks(rows, minimumPerChunk: max(1, (1 << 14) / max(c, 1))) { range in
                    for r in range {
                        let row = px + r * c, d = dy + r * c, o = gx + r * c
                        for j in 0..<c { o[j] += ca[j] * d[j] + cb[j] * row[j] + ck[j] }
                    }
                }
            }
            withExtendedLifetime(perFeature) {}
        }
    }
    return out
}

/// Per-feature sums (u, v) over all rows, in double: `accumulate(rows, u, v)` adds one block of
/// rows into its own u and v; blocks run on every core and are combined in a fixed order, so
/// results are reproducible.
private func featureSums(
    rows: Int, features c: Int,
    _ accumulate: (Range<Int>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Void
) -> ([Double], [Double]) {
    let blocks = max(1, min(Parallelism.cores, rows * c / (1 << 14)))
    var partial = [Double](repeating: 0, count: 2 * c * blocks)
    partial.withUnsafeMutableBufferPointer { buffer in
        let base = buffer.baseAddress!
        DispatchQueue.concurrentPerform(iterations: blocks) { block in
            let u = base + 2 * c * block
            accumulate((rows * block / blocks)..<(rows * (block + 1) / blocks), u, u + c)
        }
    }
    var u = [Double](repeating: 0, count: c), v = [Double](repeating: 0, count: c)
    for block in 0..<blocks {
        for j in 0..<c { u[j] += partial[2 * c * block + j]; v[j] += partial[2 * c * block + c + j] }
    }
    return (u, v)
}
