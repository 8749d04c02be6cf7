import Engine
import Foundation
import NN

/// InfoGAN (Chen et al. 2016): the generator's input is noise z ~ U(-1, 1) plus a categorical code c
/// (K = 10 categories, one-hot) and continuous codes u ~ U(-1, 1); a head Q on the discriminator's
/// features predicts the codes back from a fake, and G and Q maximise the variational lower bound
/// of the mutual information I(c, u; G(z, c, u)):
///   info loss = CE(Q_cat(G(z, c, u)), c) + 0.1 · ½ ‖Q_cont(G(z, c, u)) - u‖²   (Gaussian Q, unit variance)
/// added with weight λ to the G loss and optimised by G's Adam, which also holds Q and runs at
/// `generatorRateFactor` times D's learning rate (the paper's 1e-3 for G/Q vs 2e-4 for D).
/// D's body is trained by the real/fake loss only, so Q reads the codes from the features D uses
/// to tell digits from fakes (with Q in D's optimizer and the body trained on the info loss too,
/// 15 epochs left the code on stroke style: purity 0.32).
/// Networks as the DCGAN's, with a shared D body ending in a dense feature layer and
/// Q = dense 128, BN, leaky ReLU -> codes.
public final class InfoGAN: ImageModel {
    public let config: ImageModelConfig
    public let generator: Stack
    /// Convolutional body to features [B, F].
    public let discriminatorBody: Stack
    /// Real/fake logit [B, 1] from the features.
    public let discriminatorHead: Stack
    /// Code predictions [B, K + continuous] from the features.
    public let codeHead: Stack
    let generatorOptimizer: OptimizerGroup
    let discriminatorOptimizer: OptimizerGroup
    /// G's and Q's learning rate over D's (`config.learningRate`).
    public static let generatorRateFactor: Float = 5
    /// Weight of the continuous codes' term relative to the categorical one.
    public static let continuousWeight: Float = 0.1

    init(_ config: ImageModelConfig, using rng: RandomGenerator) {
        precondition(config.height % 4 == 0 && config.width % 4 == 0, "infogan: image sides must be multiples of 4")
        self.config = config
        let c = config.channels, h = config.height / 4, w = config.width / 4, features = 128
        let input = config.latent + config.categories + config.continuousCodes
        generator = Stack([
            .dense(Linear(input, 256, bias: false, using: rng)), .batchNorm(BatchNorm(256)), .activation(.relu),
            .dense(Linear(256, h * w * 2 * c, bias: false, using: rng)), .batchNorm(BatchNorm(h * w * 2 * c)), .activation(.relu),
            .reshape([h, w, 2 * c]),
        ] + upsamplingTail(channels: c, using: rng))
        discriminatorBody = Stack(downsamplingHead(channels: c, using: rng) + [
            .reshape([h * w * 2 * c]), .dense(Linear(h * w * 2 * c, features, bias: false, using: rng)),
            .batchNorm(BatchNorm(features)), .activation(.leakyRelu(0.2)),
        ])
        discriminatorHead = Stack([.dense(Linear(features, 1, using: rng))])
        codeHead = .mlp([features, 128, config.categories + config.continuousCodes], activation: .leakyRelu(0.2), batchNorm: true, using: rng)
        generatorOptimizer = OptimizerGroup(
            name: "generator", adam: Adam(learningRate: config.learningRate * Self.generatorRateFactor, beta1: config.beta1),
            parameters: prefixed("generator", generator.parameters) + prefixed("q", codeHead.parameters))
        discriminatorOptimizer = OptimizerGroup(
            name: "discriminator", adam: Adam(learningRate: config.learningRate, beta1: config.beta1),
            parameters: prefixed("discriminator", discriminatorBody.parameters) + prefixed("discriminator_head", discriminatorHead.parameters))
    }

    public var modules: [(name: String, layer: Layer)] {
        [("generator", generator), ("discriminator", discriminatorBody), ("discriminator_head", discriminatorHead), ("q", codeHead)]
    }
    public var optimizers: [OptimizerGroup] { [generatorOptimizer, discriminatorOptimizer] }

    /// Generator input [B, Z + K + continuous] for the given categories and continuous codes [B, continuous].
    func generatorInput(noise: Tensor, categories: [Int], continuous: Tensor) -> Tensor {
        Tensor.concat([noise, oneHot(categories, classes: config.categories), continuous], axis: 1)
    }

    /// Info loss on fakes generated from `categories` and `continuous`: (total, categorical CE, continuous MSE term).
    func infoLoss(_ fake: Tensor, categories: [Int], continuous: Tensor, training: Bool, using rng: RandomGenerator) -> (Tensor, Tensor, Tensor) {
        let codes = codeHead(discriminatorBody(fake, training: training, using: rng), training: training, using: rng)
        let parts = codes.split(sizes: [config.categories, config.continuousCodes], axis: 1)
        let ce = softmaxCrossEntropy(logits: parts[0], targets: categories.map(Int32.init))
        let gaussian = (parts[1] - continuous).square().sum() * (0.5 / Float(fake.shape[0]))
        return (ce + gaussian * Self.continuousWeight, ce, gaussian)
    }

    public func trainStep(_ batch: TrainingBatch, using rng: RandomGenerator) -> [String: Double] {
        let b = batch.images.shape[0]
        let noise = Tensor.randomUniform([b, config.latent], low: -1, high: 1, using: rng)
        let categories = (0..<b).map { _ in rng.index(below: config.categories) }
        let continuous = Tensor.randomUniform([b, config.continuousCodes], low: -1, high: 1, using: rng)
        let lambda = config.infoWeight
        func info(_ fake: Tensor) -> (Tensor, [String: Double]) {
            let (total, ce, gaussian) = infoLoss(fake, categories: categories, continuous: continuous, training: true, using: rng)
            return (total * lambda, ["info_categorical": Double(ce.item), "info_continuous": Double(gaussian.item)])
        }
        return adversarialStep(
            real: toSigned(batch.images),
            generate: { generator(generatorInput(noise: noise, categories: categories, continuous: continuous), training: true, using: rng) },
            discriminate: { discriminatorHead(discriminatorBody($0, training: true, using: rng), training: true, using: rng) },
            loss: config.generatorLoss, generator: generatorOptimizer, discriminator: discriminatorOptimizer,
            extraGeneratorLoss: info)
    }

    /// Images [n, H, W, 1] for the given categorical codes and continuous codes [n, continuous].
    public func generate(categories: [Int], continuous: Tensor, using rng: RandomGenerator) -> Tensor {
        let noise = Tensor.randomUniform([categories.count, config.latent], low: -1, high: 1, using: rng)
        return toUnit(generator(generatorInput(noise: noise, categories: categories, continuous: continuous), training: false, using: rng))
    }

    /// `labels` are categorical codes (not digits: which code draws which digit is learned).
    public func generate(count: Int, labels: [Int]?, using rng: RandomGenerator) -> Tensor? {
        generate(categories: labels ?? cyclingLabels(count, classes: config.categories),
                 continuous: .randomUniform([count, config.continuousCodes], low: -1, high: 1, using: rng), using: rng)
    }

    /// The categorical code Q assigns to each of `images` (arg-max of Q's categorical logits).
    public func predictCodes(_ images: ImageSet) -> [Int] {
        let rng = RandomGenerator(seed: 0)
        var out: [Int] = []
        for start in stride(from: 0, to: images.count, by: 500) {
            let idx = Array(start..<min(start + 500, images.count))
            let codes = codeHead(discriminatorBody(toSigned(images.batch(idx)), training: false, using: rng), training: false, using: rng)
            out += argmaxRows(codes.split(sizes: [config.categories, config.continuousCodes], axis: 1)[0])
        }
        return out
    }
}
