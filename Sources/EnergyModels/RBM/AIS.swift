import Engine
import Foundation
import ImageModels

/// An estimate of log Z with its standard error.
public struct LogPartitionEstimate: Sendable {
    public var logZ: Double
    /// Standard error of log Z from the spread of the importance weights (delta method).
    public var standardError: Double
}

/// Annealed importance sampling for an RBM's partition function (Salakhutdinov and Murray, 2008).
///
/// The path runs from the base-rate model p_A(v) ∝ exp(b_A·v) (no weights; its log Z is known in
/// closed form) to the RBM through the intermediate distributions
/// f_β(v) = exp((1-β) b_A·v) · exp(β b·v) · Π_j (1 + exp(β (c_j + W_j·v))),
/// the marginals of an RBM with energies scaled by β (plus the base rate). f_0 = 2^H · exp(b_A·v),
/// so log Z_0 = H log 2 + Σ_i softplus(b_A,i); f_1 is the RBM's unnormalised p(v). Each chain starts
/// with an exact sample of p_A, and at each β_k adds log f_βk(v) - log f_βk-1(v) to its log weight
/// before one Gibbs step that leaves f_βk invariant.
public enum AnnealedImportanceSampling {
    /// `count` inverse temperatures from 0 to 1, denser near 1 where the distributions change
    /// fastest (the shape of Salakhutdinov and Murray's schedule): a sixth of them over [0, 0.5],
    /// half over [0.5, 0.9], a third over [0.9, 1].
    public static func schedule(count: Int) -> [Double] {
        let n1 = max(count / 6, 1), n2 = max(count / 2, 1), n3 = max(count - n1 - n2, 1)
        var betas: [Double] = [0]
        for k in 1...n1 { betas.append(0.5 * Double(k) / Double(n1)) }
        for k in 1...n2 { betas.append(0.5 + 0.4 * Double(k) / Double(n2)) }
        for k in 1...n3 { betas.append(0.9 + 0.1 * Double(k) / Double(n3)) }
        return betas
    }

    /// log Z of `rbm` from `chains` AIS runs over `temperatures` inverse temperatures.
    public static func logPartition(_ rbm: RBM, chains: Int = 100, temperatures: Int = 3000, seed: UInt64 = 1) -> LogPartitionEstimate {
        let rng = RandomGenerator(seed: seed)
        let visible = rbm.visible, hidden = rbm.hidden
        let baseBias = rbm.baseRateBias.scalars.map(Double.init), bias = rbm.visibleBias.scalars.map(Double.init)
        let logZ0 = Double(hidden) * log(2) + baseBias.reduce(0) { $0 + softplus($1) }

        // An exact sample of the base-rate model.
        var v = Tensor.uninitialized([chains, visible])
        v.withMutableScalars { vs in
            for r in 0..<chains { for i in 0..<visible { vs[r * visible + i] = Double(rng.uniform()) < 1 / (1 + exp(-baseBias[i])) ? 1 : 0 } }
        }
        var logWeights = [Double](repeating: 0, count: chains)
        let betas = schedule(count: temperatures)
        let biasDifference = zip(bias, baseBias).map { $0 - $1 }
        for k in 1..<betas.count {
            let previous = betas[k - 1], beta = betas[k]
            let x = rbm.hiddenInputs(v)  // c + W·v
            // log f_β(v) - log f_β'(v) = (β - β')(b - b_A)·v + Σ_j [softplus(β x_j) - softplus(β' x_j)]
            v.withScalars { vs in x.withScalars { xs in
                for r in 0..<chains {
                    var step = 0.0
                    for i in 0..<visible where vs[r * visible + i] > 0.5 { step += biasDifference[i] }
                    step *= beta - previous
                    for j in 0..<hidden {
                        let xj = Double(xs[r * hidden + j])
                        step += softplus(beta * xj) - softplus(previous * xj)
                    }
                    logWeights[r] += step
                }
            } }
            // One Gibbs step at β: h ~ σ(β x), v ~ σ((1-β) b_A + β (b + hW)).
            let h = Tensor.uninitialized(x.shape)
            let b = Float(beta)
            x.withScalars { xs in h.withMutableScalars { hs in
                for i in xs.indices { hs[i] = rng.uniform() < 1 / (1 + Foundation.exp(-b * xs[i])) ? 1 : 0 }
            } }
            let inputs = rbm.visibleInputs(h)
            let next = Tensor.uninitialized(inputs.shape)
            inputs.withScalars { xs in next.withMutableScalars { vs in
                for r in 0..<chains {
                    for i in 0..<visible {
                        let a = (1 - beta) * baseBias[i] + beta * Double(xs[r * visible + i])
                        vs[r * visible + i] = Double(rng.uniform()) < 1 / (1 + exp(-a)) ? 1 : 0
                    }
                }
            } }
            v = next
        }
        // log mean exp of the weights, and its standard error.
        let top = logWeights.max() ?? 0
        let scaled = logWeights.map { exp($0 - top) }
        let mean = scaled.reduce(0, +) / Double(chains)
        let variance = scaled.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(chains - 1, 1))
        return LogPartitionEstimate(logZ: logZ0 + top + log(mean), standardError: sqrt(variance / Double(chains)) / mean)
    }

    /// The exact log Z by summing over every hidden configuration (2^hidden terms):
    /// Z = Σ_h exp(c·h) Π_i (1 + exp(b_i + Wᵀ_i·h)). For machines with up to 24 hidden units.
    public static func exactLogPartition(_ rbm: RBM) -> Double {
        let hidden = rbm.hidden, visible = rbm.visible
        precondition(hidden <= 24, "exactLogPartition: 2^\(hidden) hidden configurations is too many")
        let c = rbm.hiddenBias.scalars
        let block = 4096, total = 1 << hidden
        var terms: [Double] = []
        terms.reserveCapacity(total)
        var start = 0
        while start < total {
            let rows = min(block, total - start)
            let h = Tensor.uninitialized([rows, hidden])
            h.withMutableScalars { hs in
                for r in 0..<rows { for j in 0..<hidden { hs[r * hidden + j] = ((start + r) >> j) & 1 == 1 ? 1 : 0 } }
            }
            let inputs = rbm.visibleInputs(h)
            inputs.withScalars { xs in h.withScalars { hs in
                for r in 0..<rows {
                    var term = 0.0
                    for j in 0..<hidden { term += Double(c[j]) * Double(hs[r * hidden + j]) }
                    for i in 0..<visible { term += softplus(Double(xs[r * visible + i])) }
                    terms.append(term)
                }
            } }
            start += rows
        }
        let top = terms.max()!
        return top + log(terms.reduce(0) { $0 + exp($1 - top) })
    }

    /// Mean log p(v) = -F(v) - log Z over `images` (binary) with the standard error of that mean
    /// over images (the error of log Z adds to it for comparisons between models).
    public static func meanLogLikelihood(_ rbm: RBM, images: ImageSet, logZ: Double) -> (mean: Double, standardError: Double) {
        var values: [Double] = []
        let batch = 500
        var start = 0
        while start < images.count {
            let part = images.subset(Array(start..<min(start + batch, images.count)))
            values += rbm.freeEnergy(Tensor(part.pixels, shape: [part.count, rbm.visible])).map { -$0 - logZ }
            start += batch
        }
        let mean = values.reduce(0, +) / Double(max(values.count, 1))
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(values.count - 1, 1))
        return (mean, sqrt(variance / Double(max(values.count, 1))))
    }
}
