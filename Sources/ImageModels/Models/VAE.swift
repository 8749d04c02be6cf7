import Engine
import Foundation
import NN

/// Variational autoencoder with MLP encoder and decoder (Kingma & Welling 2014); with
/// `model == .cvae` both are conditioned on the one-hot label (Sohn et al. 2015).
///
/// encoder: [x (D) ‖ onehot(y)] -> hidden… -> [mean ‖ logVariance] (2Z)
/// decoder: [z (Z) ‖ onehot(y)] -> …hidden -> pixel logits (D)
/// Loss per image = reconstruction + KL(q(z|x) ‖ N(0, I)) = -ELBO (nats).
public final class VAE: ImageModel {
    public let config: ImageModelConfig
    public let encoder: Stack
    public let decoder: Stack
    let adam: Adam
    public var conditional: Bool { config.model == .cvae }
    var conditionSize: Int { conditional ? 10 : 0 }

    init(_ config: ImageModelConfig, using rng: RandomGenerator) {
        self.config = config
        let d = config.pixels, z = config.latent, c = config.model == .cvae ? 10 : 0
        encoder = .mlp([d + c] + config.hidden + [2 * z], activation: .relu, using: rng)
        decoder = .mlp([z + c] + config.hidden.reversed() + [d], activation: .relu, using: rng)
        adam = Adam(learningRate: config.learningRate, beta1: config.beta1)
    }

    public var modules: [(name: String, layer: Layer)] { [("encoder", encoder), ("decoder", decoder)] }
    public var optimizers: [OptimizerGroup] { [OptimizerGroup(name: "vae", adam: adam, parameters: parameters)] }

    func withCondition(_ x: Tensor, _ labels: [Int]?) -> Tensor {
        guard conditional else { return x }
        precondition(labels?.count == x.shape[0], "cvae: needs one label per image")
        return Tensor.concat([x, oneHot(labels!, classes: 10)], axis: 1)
    }

    /// q(z|x, y): mean and log-variance [B, Z] of images [B, H, W, 1].
    public func encode(_ images: Tensor, labels: [Int]?, using rng: RandomGenerator) -> (mean: Tensor, logVariance: Tensor) {
        let flat = images.reshaped([images.shape[0], config.pixels])
        let parts = encoder(withCondition(flat, labels), training: false, using: rng).split(sizes: [config.latent, config.latent], axis: 1)
        return (parts[0], parts[1])
    }

    /// Pixel logits [B, D] of latents [B, Z].
    public func decodeLogits(_ z: Tensor, labels: [Int]?, using rng: RandomGenerator) -> Tensor {
        decoder(withCondition(z, labels), training: false, using: rng)
    }

    /// Mean images [B, H, W, 1] in [0, 1] of latents [B, Z].
    public func decode(_ z: Tensor, labels: [Int]?, using rng: RandomGenerator) -> Tensor {
        decodeLogits(z, labels: labels, using: rng).sigmoid().reshaped([z.shape[0], config.height, config.width, 1])
    }

    /// -ELBO terms averaged over the batch: (total, reconstruction, KL), in nats per image.
    public func loss(_ images: Tensor, labels: [Int]?, using rng: RandomGenerator) -> (total: Tensor, reconstruction: Tensor, kl: Tensor) {
        let x = images.reshaped([images.shape[0], config.pixels])
        let (mean, logVariance) = encode(images, labels: labels, using: rng)
        let z = reparameterize(mean: mean, logVariance: logVariance, using: rng)
        let logits = decodeLogits(z, labels: labels, using: rng)
        let reconstruction = reconstructionLoss(logits: logits, targets: x, config: config).mean()
        let kl = gaussianKL(mean: mean, logVariance: logVariance)
        return (reconstruction + kl, reconstruction, kl)
    }

    public func trainStep(_ batch: TrainingBatch, using rng: RandomGenerator) -> [String: Double] {
        let terms = backpropagate {
            let (total, rec, kl) = loss(batch.images, labels: conditional ? batch.labels : nil, using: rng)
            return (total, ["elbo": -Double(total.item), "reconstruction": Double(rec.item), "kl": Double(kl.item)])
        }
        adam.update(parameters)
        return terms
    }

    public func generate(count: Int, labels: [Int]?, using rng: RandomGenerator) -> Tensor? {
        let z = Tensor.randomNormal([count, config.latent], using: rng)
        return decode(z, labels: conditional ? (labels ?? cyclingLabels(count)) : nil, using: rng)
    }

    /// The ELBO (nats per image, one latent sample) averaged over `images`.
    public func evidenceLowerBound(_ images: ImageSet, using rng: RandomGenerator) -> Double {
        var total = 0.0
        for start in stride(from: 0, to: images.count, by: 500) {
            let idx = Array(start..<min(start + 500, images.count))
            let l = loss(images.batch(idx), labels: conditional ? idx.map { images.labels[$0] } : nil, using: rng).total.item
            total += Double(l) * Double(idx.count)
        }
        return -total / Double(images.count)
    }

    /// With a 2-D latent: decodes an n×n grid of latents at the standard-normal quantiles
    /// (5 %…95 %) of each axis, as in Kingma & Welling's figure 4. Images [n², H, W, 1].
    public func latentGrid(side n: Int, label: Int?, using rng: RandomGenerator) -> Tensor {
        precondition(config.latent == 2, "latentGrid: needs a 2-D latent, this model has \(config.latent)")
        var values: [Float] = []
        let quantiles = (0..<n).map { i in normalQuantile(0.05 + 0.9 * Double(i) / Double(max(n - 1, 1))) }
        for row in 0..<n { for col in 0..<n { values += [Float(quantiles[col]), Float(quantiles[n - 1 - row])] } }
        let z = Tensor(values, shape: [n * n, 2])
        return decode(z, labels: conditional ? Array(repeating: label ?? 0, count: n * n) : nil, using: rng)
    }
}

/// Reconstruction loss per image [B] of pixel logits against targets [B, D] in [0, 1]:
/// Bernoulli: Σ BCE; Gaussian (σ fixed): Σ (x - sigmoid(logit))² / 2σ² + D/2 · log 2πσ² (an exact
/// negative log-density, so the ELBO stays a bound in nats).
func reconstructionLoss(logits: Tensor, targets: Tensor, config: ImageModelConfig) -> Tensor {
    switch config.likelihood {
    case .bernoulli:
        return binaryCrossEntropyWithLogitsPerRow(logits, targets)
    case .gaussian:
        let s = config.gaussianStd, d = Float(logits.shape.last!)
        return (logits.sigmoid() - targets).square().sum(axis: -1) * (1 / (2 * s * s)) + 0.5 * d * logf(2 * Float.pi * s * s)
    }
}

/// The standard normal quantile Φ⁻¹(p) (Acklam's rational approximation, |error| < 1.2e-9).
func normalQuantile(_ p: Double) -> Double {
    let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
    let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    let low = 0.02425
    if p < low {
        let q = (-2 * log(p)).squareRoot()
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    if p > 1 - low { return -normalQuantile(1 - p) }
    let q = p - 0.5, r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
}
