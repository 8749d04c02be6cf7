import Engine
import Foundation
import NN

// Generative adversarial networks (Goodfellow et al. 2014). Shared pieces: the discriminator's
// loss, the two generator losses, and one alternating step (D, then G) that every GAN here runs.

/// BCE(D(real), 1) + BCE(D(fake), 0) on logits.
func discriminatorLoss(real: Tensor, fake: Tensor) -> Tensor {
    binaryCrossEntropyWithLogits(real, constant(1, like: real)) + binaryCrossEntropyWithLogits(fake, constant(0, like: fake))
}

/// The generator's loss on D's logits l for its fakes (batch mean):
/// minimax E[log(1 - σ(l))] = -E[softplus(l)], whose gradient σ(l) vanishes when D rejects the fakes;
/// non-saturating -E[log σ(l)] = E[softplus(-l)], whose gradient stays near 1 there.
func generatorLoss(_ fakeLogits: Tensor, _ kind: GeneratorLoss) -> Tensor {
    switch kind {
    case .minimax: return -binaryCrossEntropyWithLogits(fakeLogits, constant(0, like: fakeLogits))
    case .nonsaturating: return binaryCrossEntropyWithLogits(fakeLogits, constant(1, like: fakeLogits))
    }
}

/// One alternating GAN step, as PyTorch's DCGAN example runs it: generate once (recorded), update
/// D on real vs detached fakes, then update G through D's new weights. `discriminate` maps images
/// (with the step's labels, if any) to logits; `extraGeneratorLoss` adds terms (InfoGAN) and
/// `extraDiscriminatorLoss` likewise for D. Returns the logged terms, with the generator's
/// gradient norm before its update.
func adversarialStep(
    real: Tensor, generate: () -> Tensor, discriminate: (Tensor) -> Tensor, loss kind: GeneratorLoss,
    generator: OptimizerGroup, discriminator: OptimizerGroup,
    extraDiscriminatorLoss: ((Tensor) -> (Tensor, [String: Double]))? = nil,
    extraGeneratorLoss: ((Tensor) -> (Tensor, [String: Double]))? = nil
) -> [String: Double] {
    let generatorTape = Tape()
    let fake = generatorTape.record(generate)
    var terms = backpropagate {
        let detachedFake = fake.detached()
        var loss = discriminatorLoss(real: discriminate(real), fake: discriminate(detachedFake))
        var extra: [String: Double] = [:]
        if let extraDiscriminatorLoss {
            let (l, t) = extraDiscriminatorLoss(detachedFake)
            loss = loss + l
            extra = t
        }
        return (loss, extra.merging(["d_loss": Double(loss.item)]) { a, _ in a })
    }
    discriminator.adam.update(discriminator.parameters)
    let gLoss = generatorTape.record { () -> Tensor in
        var loss = generatorLoss(discriminate(fake), kind)
        terms["g_loss"] = Double(loss.item)
        if let extraGeneratorLoss {
            let (l, t) = extraGeneratorLoss(fake)
            loss = loss + l
            terms.merge(t) { a, _ in a }
        }
        return loss
    }
    generatorTape.backward(gLoss)
    terms["g_grad_norm"] = gradientNorm(generator.parameters)
    generator.adam.update(generator.parameters)
    clearGradients(discriminator.parameters)
    return terms
}

/// MLP GAN; with `model == .cgan` both networks also take the one-hot label (Mirza & Osindero 2014).
/// G: [z ‖ onehot(y)] -> hidden (batch norm, leaky ReLU 0.2) -> D pixels, tanh. (Without the batch
/// norm, 30 epochs on the 8,000 images leave salt-and-pepper noise and collapse towards ones.)
/// D: [x ‖ onehot(y)] -> hidden reversed (leaky ReLU 0.2, dropout) -> 1 logit.
public final class GAN: ImageModel {
    public let config: ImageModelConfig
    public let generator: Stack
    public let discriminator: Stack
    let generatorOptimizer: OptimizerGroup
    let discriminatorOptimizer: OptimizerGroup
    public var conditional: Bool { config.model == .cgan }

    init(_ config: ImageModelConfig, using rng: RandomGenerator) {
        self.config = config
        let c = config.model == .cgan ? 10 : 0
        generator = .mlp([config.latent + c] + config.hidden + [config.pixels], activation: .leakyRelu(0.2), output: .tanh,
                         batchNorm: true, using: rng)
        discriminator = .mlp([config.pixels + c] + config.hidden.reversed() + [1], activation: .leakyRelu(0.2),
                             dropout: config.dropout, using: rng)
        generatorOptimizer = OptimizerGroup(name: "generator", adam: Adam(learningRate: config.learningRate, beta1: config.beta1),
                                            parameters: prefixed("generator", generator.parameters))
        discriminatorOptimizer = OptimizerGroup(name: "discriminator", adam: Adam(learningRate: config.learningRate, beta1: config.beta1),
                                                parameters: prefixed("discriminator", discriminator.parameters))
    }

    public var modules: [(name: String, layer: Layer)] { [("generator", generator), ("discriminator", discriminator)] }
    public var optimizers: [OptimizerGroup] { [generatorOptimizer, discriminatorOptimizer] }

    func condition(_ x: Tensor, _ labels: [Int]) -> Tensor {
        conditional ? Tensor.concat([x, oneHot(labels, classes: 10)], axis: 1) : x
    }

    /// Generator output [B, D] in [-1, 1].
    func fakes(_ noise: Tensor, labels: [Int], training: Bool, using rng: RandomGenerator) -> Tensor {
        generator(condition(noise, labels), training: training, using: rng)
    }

    public func trainStep(_ batch: TrainingBatch, using rng: RandomGenerator) -> [String: Double] {
        let b = batch.images.shape[0]
        let real = toSigned(batch.images).reshaped([b, config.pixels])
        let noise = Tensor.randomNormal([b, config.latent], using: rng)
        return adversarialStep(
            real: real, generate: { fakes(noise, labels: batch.labels, training: true, using: rng) },
            discriminate: { discriminator(condition($0, batch.labels), training: true, using: rng) },
            loss: config.generatorLoss, generator: generatorOptimizer, discriminator: discriminatorOptimizer)
    }

    public func generate(count: Int, labels: [Int]?, using rng: RandomGenerator) -> Tensor? {
        let noise = Tensor.randomNormal([count, config.latent], using: rng)
        let x = fakes(noise, labels: labels ?? cyclingLabels(count), training: false, using: rng)
        return toUnit(x).reshaped([count, config.height, config.width, 1])
    }
}

/// Deep convolutional GAN (Radford et al. 2016), sized for 28x28 (or 8x8) digits:
/// G: z -> dense -> [S/4, S/4, 2C] -> BN, ReLU -> deconv(K4 s2) 2C->C, BN, ReLU -> deconv(K4 s2) C->1, tanh
/// D: conv(K4 s2) 1->C, leaky ReLU -> conv(K4 s2) C->2C, BN, leaky ReLU -> dense -> 1 logit
public final class DCGAN: ImageModel {
    public let config: ImageModelConfig
    public let generator: Stack
    public let discriminator: Stack
    let generatorOptimizer: OptimizerGroup
    let discriminatorOptimizer: OptimizerGroup

    init(_ config: ImageModelConfig, using rng: RandomGenerator) {
        precondition(config.height % 4 == 0 && config.width % 4 == 0, "dcgan: image sides must be multiples of 4")
        self.config = config
        let c = config.channels, h = config.height / 4, w = config.width / 4
        generator = Stack([
            .dense(Linear(config.latent, h * w * 2 * c, bias: false, using: rng)), .reshape([h, w, 2 * c]),
            .batchNorm(BatchNorm(2 * c)), .activation(.relu),
        ] + upsamplingTail(channels: c, using: rng))
        discriminator = Stack(downsamplingHead(channels: c, using: rng) + [.reshape([h * w * 2 * c]), .dense(Linear(h * w * 2 * c, 1, using: rng))])
        generatorOptimizer = OptimizerGroup(name: "generator", adam: Adam(learningRate: config.learningRate, beta1: config.beta1),
                                            parameters: prefixed("generator", generator.parameters))
        discriminatorOptimizer = OptimizerGroup(name: "discriminator", adam: Adam(learningRate: config.learningRate, beta1: config.beta1),
                                                parameters: prefixed("discriminator", discriminator.parameters))
    }

    public var modules: [(name: String, layer: Layer)] { [("generator", generator), ("discriminator", discriminator)] }
    public var optimizers: [OptimizerGroup] { [generatorOptimizer, discriminatorOptimizer] }

    public func trainStep(_ batch: TrainingBatch, using rng: RandomGenerator) -> [String: Double] {
        let b = batch.images.shape[0]
        let real = toSigned(batch.images)
        let noise = Tensor.randomNormal([b, config.latent], using: rng)
        return adversarialStep(
            real: real, generate: { generator(noise, training: true, using: rng) },
            discriminate: { discriminator($0, training: true, using: rng) },
            loss: config.generatorLoss, generator: generatorOptimizer, discriminator: discriminatorOptimizer)
    }

    public func generate(count: Int, labels: [Int]?, using rng: RandomGenerator) -> Tensor? {
        let noise = Tensor.randomNormal([count, config.latent], using: rng)
        return toUnit(generator(noise, training: false, using: rng))
    }
}
