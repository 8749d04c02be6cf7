import Engine
import Foundation
import NN

/// CycleGAN (Zhu et al. 2017) between two unpaired domains of 28x28 digits: A = the 8x8 digits
/// upscaled (`otherData`), B = MNIST (`data`). Two generators G_AB, G_BA (strided-conv encoder,
/// two residual blocks, transposed-conv decoder, tanh) and two PatchGAN discriminators (a 7x7 grid
/// of logits), least-squares adversarial losses as in the paper:
///   D_X:  ½ (D_X(x) - 1)² + ½ D_X(G(y))²
///   G:    (D_B(G_AB(a)) - 1)² + (D_A(G_BA(b)) - 1)²
///         + λ_cyc (‖G_BA(G_AB(a)) - a‖₁ + ‖G_AB(G_BA(b)) - b‖₁) + λ_id (‖G_AB(b) - b‖₁ + ‖G_BA(a) - a‖₁)
public final class CycleGAN: ImageModel {
    public let config: ImageModelConfig
    public let generatorAB: Stack, generatorBA: Stack
    public let discriminatorA: Stack, discriminatorB: Stack
    let generatorOptimizer: OptimizerGroup
    let discriminatorOptimizer: OptimizerGroup

    init(_ config: ImageModelConfig, using rng: RandomGenerator) {
        precondition(config.height % 4 == 0 && config.width % 4 == 0, "cyclegan: image sides must be multiples of 4")
        self.config = config
        let c = config.channels
        func generator() -> Stack {
            func residual() -> Step {
                .residual(Stack([
                    .conv(Conv2D(2 * c, 2 * c, kernel: 3, padding: 1, bias: false, using: rng)), .batchNorm(BatchNorm(2 * c)), .activation(.relu),
                    .conv(Conv2D(2 * c, 2 * c, kernel: 3, padding: 1, bias: false, using: rng)), .batchNorm(BatchNorm(2 * c)),
                ]))
            }
            return Stack([
                .conv(Conv2D(1, c, kernel: 4, stride: 2, padding: 1, bias: false, using: rng)), .batchNorm(BatchNorm(c)), .activation(.relu),
                .conv(Conv2D(c, 2 * c, kernel: 4, stride: 2, padding: 1, bias: false, using: rng)), .batchNorm(BatchNorm(2 * c)), .activation(.relu),
                residual(), residual(),
            ] + upsamplingTail(channels: c, using: rng))
        }
        func discriminator() -> Stack {
            Stack(downsamplingHead(channels: c, using: rng) + [.conv(Conv2D(2 * c, 1, kernel: 3, padding: 1, using: rng))])
        }
        generatorAB = generator(); generatorBA = generator()
        discriminatorA = discriminator(); discriminatorB = discriminator()
        let adam = { Adam(learningRate: config.learningRate, beta1: config.beta1) }
        generatorOptimizer = OptimizerGroup(name: "generators", adam: adam(),
                                            parameters: prefixed("g_ab", generatorAB.parameters) + prefixed("g_ba", generatorBA.parameters))
        discriminatorOptimizer = OptimizerGroup(name: "discriminators", adam: adam(),
                                                parameters: prefixed("d_a", discriminatorA.parameters) + prefixed("d_b", discriminatorB.parameters))
    }

    public var modules: [(name: String, layer: Layer)] {
        [("g_ab", generatorAB), ("g_ba", generatorBA), ("d_a", discriminatorA), ("d_b", discriminatorB)]
    }
    public var optimizers: [OptimizerGroup] { [generatorOptimizer, discriminatorOptimizer] }

    /// mean((x - target)²) against a constant target.
    func leastSquares(_ x: Tensor, _ target: Float) -> Tensor { meanSquaredError(x, constant(target, like: x)) }

    /// `batch.images` are domain B (MNIST), `batch.extra` domain A (upscaled digits), both in [0, 1].
    public func trainStep(_ batch: TrainingBatch, using rng: RandomGenerator) -> [String: Double] {
        guard let other = batch.extra else { preconditionFailure("cyclegan: a training step needs a batch of domain A") }
        let a = toSigned(other.images), b = toSigned(batch.images)
        // Generators: adversarial + cycle + identity, through the current discriminators.
        let tape = Tape()
        var fakeB = a, fakeA = b
        var terms: [String: Double] = [:]
        let gLoss = tape.record { () -> Tensor in
            fakeB = generatorAB(a, training: true, using: rng)
            fakeA = generatorBA(b, training: true, using: rng)
            let adversarial = leastSquares(discriminatorB(fakeB, training: true, using: rng), 1)
                + leastSquares(discriminatorA(fakeA, training: true, using: rng), 1)
            let cycle = meanAbsoluteError(generatorBA(fakeB, training: true, using: rng), a)
                + meanAbsoluteError(generatorAB(fakeA, training: true, using: rng), b)
            var loss = adversarial + cycle * config.cycleWeight
            if config.identityWeight > 0 {
                let identity = meanAbsoluteError(generatorAB(b, training: true, using: rng), b)
                    + meanAbsoluteError(generatorBA(a, training: true, using: rng), a)
                loss = loss + identity * config.identityWeight
                terms["identity"] = Double(identity.item)
            }
            terms["g_adversarial"] = Double(adversarial.item)
            terms["cycle"] = Double(cycle.item)
            return loss
        }
        tape.backward(gLoss)
        generatorOptimizer.adam.update(generatorOptimizer.parameters)
        clearGradients(discriminatorOptimizer.parameters)
        // Discriminators on real images and the (detached) fakes of this step.
        let dTerms = backpropagate {
            let dA = (leastSquares(discriminatorA(a, training: true, using: rng), 1)
                + leastSquares(discriminatorA(fakeA.detached(), training: true, using: rng), 0)) * 0.5
            let dB = (leastSquares(discriminatorB(b, training: true, using: rng), 1)
                + leastSquares(discriminatorB(fakeB.detached(), training: true, using: rng), 0)) * 0.5
            return (dA + dB, ["d_a": Double(dA.item), "d_b": Double(dB.item)])
        }
        discriminatorOptimizer.adam.update(discriminatorOptimizer.parameters)
        return terms.merging(dTerms) { x, _ in x }
    }

    /// Translations [N, H, W, 1] in [0, 1] of images [N, H, W, 1] in [0, 1]: A -> B (`toB`) or B -> A.
    public func translate(_ images: Tensor, toB: Bool) -> Tensor {
        let rng = RandomGenerator(seed: 0)
        var parts: [Tensor] = []
        let n = images.shape[0], per = images.count / max(n, 1)
        for start in stride(from: 0, to: n, by: 250) {
            let count = min(250, n - start)
            let x = Tensor(Array(UnsafeBufferPointer(start: images.pointer + start * per, count: count * per)), shape: [count] + images.shape.dropFirst())
            parts.append(toUnit((toB ? generatorAB : generatorBA)(toSigned(x), training: false, using: rng)))
        }
        return Tensor.concat(parts, axis: 0)
    }

    /// CycleGAN translates rather than samples: `generate` is not defined for it (nil).
    public func generate(count: Int, labels: [Int]?, using rng: RandomGenerator) -> Tensor? { nil }
}
