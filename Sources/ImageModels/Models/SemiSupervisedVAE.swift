import Engine
import Foundation
import NN

/// Semi-supervised classification VAE after Kingma et al. 2014 (M2), with the encoder shared
/// between the latent and the class: x -> (mean, log-variance, class logits); the decoder takes
/// [z ‖ onehot(y)].
///
/// Labelled (x, y):  L = rec(x | z, y) + KL(q(z|x) ‖ N(0, I)) + α · CE(q(y|x), y)
/// Unlabelled x:     U = Σ_y q(y|x) · rec(x | z, y) + KL - H(q(y|x))   (y marginalised: the decoder
///                   runs once per class on the same z), plus, with `consistencyWeight` w > 0,
///                   w · CE(q(y|x), q(y|shift(x))) with the first factor held fixed — the class
///                   posterior must not change when the digit moves by a pixel or two (a Π-model
///                   consistency term; 0 gives plain M2).
/// The encoder body is convolutional (two strided convolutions), the decoder an MLP.
public final class SemiSupervisedVAE: ImageModel {
    public let config: ImageModelConfig
    public let encoder: Stack
    public let decoder: Stack
    let adam: Adam
    let classes = 10

    init(_ config: ImageModelConfig, using rng: RandomGenerator) {
        self.config = config
        let c = config.channels, side = config.height / 4 * (config.width / 4)
        encoder = Stack([
            .conv(Conv2D(1, c, kernel: 4, stride: 2, padding: 1, using: rng)), .activation(.leakyRelu(0.2)),
            .conv(Conv2D(c, 2 * c, kernel: 4, stride: 2, padding: 1, using: rng)), .activation(.leakyRelu(0.2)),
            .reshape([side * 2 * c]),
        ]) + .mlp([side * 2 * c, config.hidden.last!, 2 * config.latent + 10], activation: .leakyRelu(0.2), using: rng)
        decoder = .mlp([config.latent + 10] + config.hidden.reversed() + [config.pixels], activation: .relu, using: rng)
        adam = Adam(learningRate: config.learningRate, beta1: config.beta1)
    }

    public var modules: [(name: String, layer: Layer)] { [("encoder", encoder), ("decoder", decoder)] }
    public var optimizers: [OptimizerGroup] { [OptimizerGroup(name: "vae", adam: adam, parameters: parameters)] }

    /// Mean, log-variance [B, Z] and class logits [B, 10] of images [B, H, W, 1].
    public func encode(_ images: Tensor, using rng: RandomGenerator) -> (mean: Tensor, logVariance: Tensor, logits: Tensor) {
        let parts = encoder(images, training: false, using: rng).split(sizes: [config.latent, config.latent, classes], axis: 1)
        return (parts[0], parts[1], parts[2])
    }

    func decodeLogits(_ z: Tensor, labels: [Int], using rng: RandomGenerator) -> Tensor {
        decoder(Tensor.concat([z, oneHot(labels, classes: classes)], axis: 1), training: false, using: rng)
    }

    /// Labelled loss terms (batch means): reconstruction, KL, cross-entropy.
    func labelledTerms(_ images: Tensor, _ labels: [Int], using rng: RandomGenerator) -> (rec: Tensor, kl: Tensor, ce: Tensor) {
        let x = images.reshaped([images.shape[0], config.pixels])
        let (mean, logVariance, logits) = encode(images, using: rng)
        let z = reparameterize(mean: mean, logVariance: logVariance, using: rng)
        let rec = reconstructionLoss(logits: decodeLogits(z, labels: labels, using: rng), targets: x, config: config).mean()
        return (rec, gaussianKL(mean: mean, logVariance: logVariance), softmaxCrossEntropy(logits: logits, targets: labels.map(Int32.init)))
    }

    /// Unlabelled loss terms (batch means): expected reconstruction, KL, -entropy, and the class logits.
    func unlabelledTerms(_ images: Tensor, using rng: RandomGenerator) -> (rec: Tensor, kl: Tensor, negativeEntropy: Tensor, logits: Tensor) {
        let b = images.shape[0], k = classes
        let x = images.reshaped([b, config.pixels])
        let (mean, logVariance, logits) = encode(images, using: rng)
        let z = reparameterize(mean: mean, logVariance: logVariance, using: rng)
        // Decode the same z under every class at once: rows ordered [class, example].
        let zs = Tensor.concat(Array(repeating: z, count: k), axis: 0)
        let labels = (0..<k).flatMap { Array(repeating: $0, count: b) }
        let targets = Tensor.concat(Array(repeating: x, count: k), axis: 0)
        let perClass = reconstructionLoss(logits: decodeLogits(zs, labels: labels, using: rng), targets: targets, config: config)
        let recByExample = perClass.reshaped([k, b]).transposedLastTwo()   // [B, K]
        let q = logits.softmax()
        let rec = (q * recByExample).sum() * (1 / Float(b))
        let negativeEntropy = (q * logits.logSoftmax()).sum() * (1 / Float(b))
        return (rec, gaussianKL(mean: mean, logVariance: logVariance), negativeEntropy, logits)
    }

    public func trainStep(_ batch: TrainingBatch, using rng: RandomGenerator) -> [String: Double] {
        guard let labelled = batch.extra else { preconditionFailure("ssvae: a training step needs labelled images") }
        let terms = backpropagate {
            let l = labelledTerms(labelled.images, labelled.labels, using: rng)
            let u = unlabelledTerms(batch.images, using: rng)
            var loss = l.rec + l.kl + l.ce * config.classWeight + u.rec + u.kl + u.negativeEntropy
            var consistency = 0.0
            if config.consistencyWeight > 0 {
                let target = Tape.withoutRecording { u.logits.softmax().detached() }
                let shifted = encode(randomShift(batch.images, maxShift: 2, using: rng), using: rng).logits.logSoftmax()
                let c = -(target * shifted).sum() * (1 / Float(batch.images.shape[0]))
                loss = loss + c * config.consistencyWeight
                consistency = Double(c.item)
            }
            return (loss, ["loss": Double(loss.item), "labelled_ce": Double(l.ce.item), "reconstruction": Double(u.rec.item),
                           "kl": Double(u.kl.item), "entropy": -Double(u.negativeEntropy.item), "consistency": consistency])
        }
        adam.update(parameters)
        return terms
    }

    /// Predicted classes of `images` (arg-max of q(y|x)).
    public func classify(_ images: ImageSet) -> [Int] {
        let rng = RandomGenerator(seed: 0)
        var out: [Int] = []
        for start in stride(from: 0, to: images.count, by: 500) {
            let idx = Array(start..<min(start + 500, images.count))
            let logits = encode(images.batch(idx), using: rng).logits
            out += argmaxRows(logits)
        }
        return out
    }

    public func generate(count: Int, labels: [Int]?, using rng: RandomGenerator) -> Tensor? {
        let z = Tensor.randomNormal([count, config.latent], using: rng)
        return decodeLogits(z, labels: labels ?? cyclingLabels(count), using: rng).sigmoid().reshaped([count, config.height, config.width, 1])
    }
}

/// Index of the largest entry of each row of [N, K].
func argmaxRows(_ x: Tensor) -> [Int] {
    let k = x.shape.last!, n = x.count / k
    return (0..<n).map { r in
        var best = 0
        for j in 1..<k where x.pointer[r * k + j] > x.pointer[r * k + best] { best = j }
        return best
    }
}
