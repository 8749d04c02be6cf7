import Engine
import Foundation
import ImageModels

/// How an RBM is built and trained; stored verbatim as the model file's config.
public struct RBMConfig: Codable, Equatable, Sendable {
    public var data: ImageDataSource = .mnist
    public var hidden = 500
    /// Gibbs steps of the negative phase (CD-k, or PCD-k with `persistent`).
    public var cdSteps = 1
    /// Persistent contrastive divergence: the negative chains carry over from batch to batch.
    public var persistent = false
    public var learningRate: Float = 0.05
    public var momentum: Float = 0.5
    /// L2 penalty on the weights (not the biases), added to the gradient.
    public var weightDecay: Float = 0.0002
    public var batchSize = 100
    public var epochs = 20
    public var seed: UInt64 = 1
    /// Train on images binarised at 0.5 (the default); false: on gray values in [0, 1] used as
    /// probabilities, as scikit-learn's digits example does.
    public var binarize = true

    public init(data: ImageDataSource = .mnist) { self.data = data }

    /// Files written before `binarize` existed trained on binarised images.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        data = try c.decode(ImageDataSource.self, forKey: .data)
        hidden = try c.decode(Int.self, forKey: .hidden)
        cdSteps = try c.decode(Int.self, forKey: .cdSteps)
        persistent = try c.decode(Bool.self, forKey: .persistent)
        learningRate = try c.decode(Float.self, forKey: .learningRate)
        momentum = try c.decode(Float.self, forKey: .momentum)
        weightDecay = try c.decode(Float.self, forKey: .weightDecay)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        epochs = try c.decode(Int.self, forKey: .epochs)
        seed = try c.decode(UInt64.self, forKey: .seed)
        binarize = try c.decodeIfPresent(Bool.self, forKey: .binarize) ?? true
    }

    /// One-line errors naming the option.
    public func validate() throws {
        func fail(_ message: String) -> ImageModelError { .invalidOption(message) }
        guard (1...10_000).contains(hidden) else { throw fail("--hidden: \(hidden) must be between 1 and 10000") }
        guard (1...1000).contains(cdSteps) else { throw fail("--cd-steps: \(cdSteps) must be between 1 and 1000") }
        guard learningRate.isFinite && learningRate > 0 else { throw fail("--learning-rate: must be a positive number") }
        guard momentum.isFinite && (0..<1).contains(momentum) else { throw fail("--momentum: \(momentum) must be in [0, 1)") }
        guard weightDecay.isFinite && weightDecay >= 0 else { throw fail("--weight-decay: must be zero or positive") }
        guard (1...100_000).contains(batchSize) else { throw fail("--batch-size: \(batchSize) must be between 1 and 100000") }
        guard epochs >= 1 else { throw fail("--epochs: \(epochs) must be at least 1") }
    }
}

/// Binary images for a Bernoulli RBM: each pixel is 1 when its gray value exceeds one half.
/// (Published MNIST likelihoods binarise stochastically; a fixed threshold keeps the data the same
/// for every tool, including scikit-learn in tools/bench.)
public func binarized(_ images: ImageSet) -> ImageSet {
    var copy = images
    copy.pixels = images.pixels.map { $0 > 0.5 ? 1 : 0 }
    return copy
}

/// A restricted Boltzmann machine with Bernoulli visible units v and hidden units h:
/// E(v, h) = -b·v - c·h - vᵀWh, so p(h_j = 1 | v) = σ(c_j + W_j·v) and p(v_i = 1 | h) = σ(b_i + Wᵀ_i·h).
/// Summing h out gives the free energy F(v) = -b·v - Σ_j softplus(c_j + W_j·v), p(v) = e^(-F(v)) / Z.
///
/// The weight is stored [hidden, visible] (the engine's `linear` layout), so v → h is one fused
/// `linear` with a sigmoid and h → v one product with W. Training computes the contrastive
/// divergence gradient directly and applies its own momentum update; the velocities go in the
/// model file so a resumed run continues bit for bit.
public final class RBM {
    public let config: RBMConfig
    public let visible: Int
    public var hidden: Int { config.hidden }
    /// W [hidden, visible].
    public let weight: Tensor
    /// b [visible].
    public let visibleBias: Tensor
    /// c [hidden].
    public let hiddenBias: Tensor
    /// Log-odds of each pixel's training-set mean: the start of training's visible biases and the
    /// base-rate model that annealed importance sampling starts from.
    public let baseRateBias: Tensor
    /// The momentum update's velocities, by parameter name.
    public var velocities: [String: Tensor]
    /// Persistent CD's fantasy particles [batch, visible] (nil without `persistent`).
    public var chains: Tensor?

    /// A new machine: small random weights, visible biases at the data's log-odds, hidden biases 0
    /// (Hinton's practical guide), persistent chains started at random training images.
    public init(config: RBMConfig, training: ImageSet) {
        self.config = config
        visible = training.pixelsPerImage
        let rng = RandomGenerator(seed: config.seed &+ 0xB01D)
        weight = Tensor.randomNormal([config.hidden, visible], std: 0.01, using: rng)
        baseRateBias = Tensor(Self.logOdds(ofMeanOf: training), shape: [visible])
        visibleBias = Tensor(baseRateBias.scalars, shape: [visible])
        hiddenBias = Tensor(zeros: [config.hidden])
        velocities = [:]
        for (name, p) in [("weight", weight), ("visible_bias", visibleBias), ("hidden_bias", hiddenBias)] {
            velocities[name] = Tensor(zeros: p.shape)
        }
        if config.persistent {
            let picks = (0..<config.batchSize).map { _ in rng.index(below: training.count) }
            chains = Tensor(training.subset(picks).pixels, shape: [config.batchSize, visible])
        }
    }

    /// A machine from stored arrays (the model file).
    init(config: RBMConfig, weight: Tensor, visibleBias: Tensor, hiddenBias: Tensor, baseRateBias: Tensor,
         velocities: [String: Tensor], chains: Tensor?) {
        self.config = config; visible = weight.shape[1]
        self.weight = weight; self.visibleBias = visibleBias; self.hiddenBias = hiddenBias
        self.baseRateBias = baseRateBias; self.velocities = velocities; self.chains = chains
    }

    /// The trainable arrays by name, in the order they are saved.
    public var parameters: [NamedParameter] { [("hidden_bias", hiddenBias), ("visible_bias", visibleBias), ("weight", weight)] }

    public var parameterCount: Int { weight.count + visibleBias.count + hiddenBias.count }

    static func logOdds(ofMeanOf images: ImageSet) -> [Float] {
        let n = images.pixelsPerImage
        var sums = [Double](repeating: 0, count: n)
        for i in 0..<images.count { for j in 0..<n { sums[j] += Double(images.pixels[i * n + j]) } }
        return sums.map { sum in
            let p = min(max(sum / Double(max(images.count, 1)), 1e-3), 1 - 1e-3)
            return Float(Foundation.log(p / (1 - p)))
        }
    }

    // MARK: Conditionals

    /// c + v·Wᵀ: the hidden units' inputs [rows, hidden].
    public func hiddenInputs(_ v: Tensor) -> Tensor { linear(v, weight: weight, bias: hiddenBias) }

    /// p(h = 1 | v) [rows, hidden].
    public func hiddenProbabilities(_ v: Tensor) -> Tensor { linear(v, weight: weight, bias: hiddenBias, activation: .sigmoid) }

    /// b + h·W: the visible units' inputs [rows, visible].
    public func visibleInputs(_ h: Tensor) -> Tensor {
        let rows = h.shape[0]
        let out = Tensor.uninitialized([rows, visible])
        visibleBias.withScalars { b in out.withMutableScalars { o in
            for r in 0..<rows { for i in 0..<visible { o[r * visible + i] = b[i] } }
        } }
        multiplyMatrices(h, weight, into: out, beta: 1)
        return out
    }

    /// p(v = 1 | h) [rows, visible].
    public func visibleProbabilities(_ h: Tensor) -> Tensor { visibleInputs(h).sigmoid() }

    /// F(v) = -b·v - Σ_j softplus(c_j + W_j·v) per row, in Double.
    public func freeEnergy(_ v: Tensor) -> [Double] {
        let rows = v.shape[0]
        let x = hiddenInputs(v)
        var energies = [Double](repeating: 0, count: rows)
        v.withScalars { vs in x.withScalars { xs in visibleBias.withScalars { b in
            for r in 0..<rows {
                var e = 0.0
                for i in 0..<visible { e -= Double(b[i]) * Double(vs[r * visible + i]) }
                for j in 0..<hidden { e -= softplus(Double(xs[r * hidden + j])) }
                energies[r] = e
            }
        } } }
        return energies
    }

    // MARK: Sampling

    /// Block Gibbs sampling from `count` uniformly random binary images: `steps` alternations of
    /// h ~ p(h | v) and v ~ p(v | h). Returns the last p(v | h) (mean images, smoother to look at
    /// than binary samples); `snapshot` sees it after every step (for a chain over time).
    public func gibbsSample(count: Int, steps: Int, using rng: RandomGenerator,
                            snapshot: (_ step: Int, _ means: Tensor) -> Void = { _, _ in }) -> Tensor {
        var v = Tensor.uninitialized([count, visible])
        v.withMutableScalars { for i in $0.indices { $0[i] = rng.uniform() < 0.5 ? 1 : 0 } }
        var means = v
        for step in 1...max(steps, 1) {
            let h = bernoulliSample(hiddenProbabilities(v), using: rng)
            means = visibleProbabilities(h)
            v = bernoulliSample(means, using: rng)
            snapshot(step, means)
        }
        return means
    }

    // MARK: Training

    /// One contrastive-divergence update on binary images `v0` [batch, visible]: positive
    /// statistics from p(h | v0), negative ones after `cdSteps` Gibbs steps started from the data
    /// (CD-k) or from the persistent chains (PCD-k). Returns the batch's mean squared
    /// reconstruction error per image (v0 against p(v | h ~ p(h | v0))).
    @discardableResult
    public func contrastiveDivergenceStep(_ v0: Tensor, using rng: RandomGenerator) -> Double {
        let rows = v0.shape[0]
        let positiveHidden = hiddenProbabilities(v0)
        let h0 = bernoulliSample(positiveHidden, using: rng)
        var h = h0
        if config.persistent, let chains, chains.shape[0] == rows {
            h = bernoulliSample(hiddenProbabilities(chains), using: rng)
        }
        var negativeVisible = v0, negativeHidden = positiveHidden
        var reconstruction: Tensor? = nil
        for step in 0..<config.cdSteps {
            let pv = visibleProbabilities(h)
            if step == 0 && !config.persistent { reconstruction = pv }
            negativeVisible = bernoulliSample(pv, using: rng)
            negativeHidden = hiddenProbabilities(negativeVisible)
            if step < config.cdSteps - 1 { h = bernoulliSample(negativeHidden, using: rng) }
        }
        if config.persistent { chains = negativeVisible }
        let error = squaredError(v0, reconstruction ?? visibleProbabilities(h0))

        // Gradient of the negative log-likelihood: negative minus positive statistics, per image.
        let scale = 1 / Float(rows)
        let weightGradient = Tensor.uninitialized(weight.shape)
        multiplyMatrices(positiveHidden, v0, into: weightGradient, transposeA: true, alpha: -scale)
        multiplyMatrices(negativeHidden, negativeVisible, into: weightGradient, transposeA: true, alpha: scale, beta: 1)
        let visibleGradient = columnMeanDifference(negativeVisible, minus: v0)
        let hiddenGradient = columnMeanDifference(negativeHidden, minus: positiveHidden)
        update(weight, name: "weight", gradient: weightGradient, decay: config.weightDecay)
        update(visibleBias, name: "visible_bias", gradient: visibleGradient, decay: 0)
        update(hiddenBias, name: "hidden_bias", gradient: hiddenGradient, decay: 0)
        return error
    }

    /// Momentum SGD: velocity = μ·velocity - lr·(gradient + decay·parameter); parameter += velocity.
    func update(_ parameter: Tensor, name: String, gradient: Tensor, decay: Float) {
        let velocity = velocities[name]!
        let mu = config.momentum, lr = config.learningRate
        parameter.withMutableScalars { p in velocity.withMutableScalars { v in gradient.withScalars { g in
            for i in p.indices {
                v[i] = mu * v[i] - lr * (g[i] + decay * p[i])
                p[i] += v[i]
            }
        } } }
    }

    // MARK: Pseudo-likelihood

    /// The pseudo-log-likelihood Σ_i log p(v_i | v_-i) per image, averaged over the images and
    /// estimated from `bitsPerImage` randomly chosen pixels per image (scikit-learn's
    /// `BernoulliRBM.score_samples` uses one): visible · mean of log σ(F(ṽ) - F(v)) with ṽ = v with
    /// that pixel flipped. Fixed by `seed`, so two models are compared on the same pixels.
    public func pseudoLogLikelihood(_ images: ImageSet, bitsPerImage: Int = 10, seed: UInt64 = 7) -> Double {
        let rng = RandomGenerator(seed: seed)
        let v = Tensor(images.pixels, shape: [images.count, visible])
        let x = hiddenInputs(v)
        let weights = weight.scalars, b = visibleBias.scalars
        var total = 0.0
        x.withScalars { xs in v.withScalars { vs in
            for r in 0..<images.count {
                var perImage = 0.0
                for _ in 0..<bitsPerImage {
                    let i = rng.index(below: visible)
                    let sign: Double = vs[r * visible + i] > 0.5 ? -1 : 1  // +1: the pixel turns on
                    // F(ṽ) - F(v) = -sign·b_i - Σ_j [softplus(x_j + sign·W_ji) - softplus(x_j)]
                    var difference = -sign * Double(b[i])
                    for j in 0..<hidden {
                        let xj = Double(xs[r * hidden + j])
                        difference -= softplus(xj + sign * Double(weights[j * visible + i])) - softplus(xj)
                    }
                    perImage += -softplus(-difference)  // log σ(difference)
                }
                total += Double(visible) * perImage / Double(bitsPerImage)
            }
        } }
        return total / Double(max(images.count, 1))
    }
}

/// log(1 + eˣ) without overflow.
@inline(__always) func softplus(_ x: Double) -> Double { x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)) }

/// Binary samples with P(1) = p, elementwise.
public func bernoulliSample(_ probabilities: Tensor, using rng: RandomGenerator) -> Tensor {
    let out = Tensor.uninitialized(probabilities.shape)
    probabilities.withScalars { p in out.withMutableScalars { o in
        for i in p.indices { o[i] = rng.uniform() < p[i] ? 1 : 0 }
    } }
    return out
}

/// Σ (a - b)² per row, averaged over rows.
func squaredError(_ a: Tensor, _ b: Tensor) -> Double {
    var total = 0.0
    a.withScalars { x in b.withScalars { y in for i in x.indices { let d = Double(x[i] - y[i]); total += d * d } } }
    return total / Double(max(a.shape[0], 1))
}

/// mean over rows of (a - b), per column: a [rows, n], b [rows, n] -> [n].
func columnMeanDifference(_ a: Tensor, minus b: Tensor) -> Tensor {
    let rows = a.shape[0], n = a.shape[1]
    let out = Tensor(zeros: [n])
    a.withScalars { x in b.withScalars { y in out.withMutableScalars { o in
        for r in 0..<rows { for i in 0..<n { o[i] += x[r * n + i] - y[r * n + i] } }
        for i in 0..<n { o[i] /= Float(rows) }
    } } }
    return out
}
