import Foundation

/// Mean squared error over all elements: mean((prediction - target)²). Same shapes; target has no gradient.
public func meanSquaredError(_ prediction: Tensor, _ target: Tensor) -> Tensor {
    precondition(prediction.shape == target.shape, "meanSquaredError: shapes \(prediction.shape) and \(target.shape) differ")
    let n = prediction.count, x = prediction.pointer, t = target.pointer
    var total: Double = 0
    for i in 0..<n { let d = Double(x[i] - t[i]); total += d * d }
    let out = Tensor(scalar: Float(total / Double(max(n, 1))))
    if Tape.isRecording(prediction) {
        Tape.append(out) {
            guard let g = out.grad?.pointer[0] else { return }
            let s = 2 * g / Float(max(n, 1))
            // Why the lifetime: `t` points into `target`, usually a temporary whose buffer the pool
            // would otherwise hand to another tensor before backward runs.
            withExtendedLifetime(target) {
                prediction.accumulateGrad { gx in for i in 0..<n { gx[i] += s * (x[i] - t[i]) } }
            }
        }
    }
    return out
}

/// Mean binary cross-entropy of sigmoid(logits) against targets in [0, 1], computed stably as
/// max(x, 0) - x·t + log(1 + e^-|x|). Same shapes.
public func binaryCrossEntropyWithLogits(_ logits: Tensor, _ targets: Tensor) -> Tensor {
    precondition(logits.shape == targets.shape, "binaryCrossEntropyWithLogits: shapes \(logits.shape) and \(targets.shape) differ")
    let n = logits.count, x = logits.pointer, t = targets.pointer
    var total: Double = 0
    for i in 0..<n { total += Double(max(x[i], 0) - x[i] * t[i] + log1pf(expf(-abs(x[i])))) }
    let out = Tensor(scalar: Float(total / Double(max(n, 1))))
    if Tape.isRecording(logits) {
        Tape.append(out) {
            guard let g = out.grad?.pointer[0] else { return }
            let s = g / Float(max(n, 1))
            withExtendedLifetime(targets) {   // `t` points into it (see meanSquaredError)
                logits.accumulateGrad { gx in for i in 0..<n { gx[i] += s * (stableSigmoid(x[i]) - t[i]) } }
            }
        }
    }
    return out
}

/// KL(N(mean, e^logVar) ‖ N(0, I)), summed over the latent axis and averaged over the batch.
/// mean, logVariance [B, Z] -> scalar.
public func gaussianKL(mean: Tensor, logVariance: Tensor) -> Tensor {
    precondition(mean.shape == logVariance.shape, "gaussianKL: mean \(mean.shape) and log-variance \(logVariance.shape) differ")
    let n = mean.count, batch = max(mean.count / max(mean.lastDimension, 1), 1)
    let m = mean.pointer, lv = logVariance.pointer
    var total: Double = 0
    for i in 0..<n { total += Double(-0.5 * (1 + lv[i] - m[i] * m[i] - expf(lv[i]))) }
    let out = Tensor(scalar: Float(total / Double(batch)))
    if Tape.isRecording(mean, logVariance) {
        Tape.append(out) {
            guard let g = out.grad?.pointer[0] else { return }
            let s = g / Float(batch)
            mean.accumulateGrad { gm in for i in 0..<n { gm[i] += s * m[i] } }
            logVariance.accumulateGrad { gl in for i in 0..<n { gl[i] += s * 0.5 * (expf(lv[i]) - 1) } }
        }
    }
    return out
}

/// The reparameterisation trick: z = mean + e^(logVar/2) ⊙ ε with ε ~ N(0, I) drawn from `rng`.
public func reparameterize(mean: Tensor, logVariance: Tensor, using rng: RandomGenerator) -> Tensor {
    precondition(mean.shape == logVariance.shape, "reparameterize: mean \(mean.shape) and log-variance \(logVariance.shape) differ")
    let n = mean.count
    // Under a BatchShard the noise is drawn for the whole batch and this shard keeps its rows.
    let eps = Tensor(uninitializedShape: mean.shape)
    if let shard = BatchShard.current {
        shard.fillRows(of: eps, axis: 0) { rng.fillNormal($0, count: $1, std: 1) }
    } else {
        rng.fillNormal(eps.pointer, count: eps.count, std: 1)
    }
    let out = Tensor(uninitializedShape: mean.shape)
    let m = mean.pointer, lv = logVariance.pointer, e = eps.pointer, z = out.pointer
    for i in 0..<n { z[i] = m[i] + expf(0.5 * lv[i]) * e[i] }
    if Tape.isRecording(mean, logVariance) {
        Tape.append(out) {
            guard let g = out.grad?.pointer else { return }
            withExtendedLifetime(eps) {
                mean.accumulateGrad { gm in for i in 0..<n { gm[i] += g[i] } }
                logVariance.accumulateGrad { gl in for i in 0..<n { gl[i] += g[i] * e[i] * 0.5 * expf(0.5 * lv[i]) } }
            }
        }
    }
    return out
}
