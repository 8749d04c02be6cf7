import Engine
import Foundation
import ImageModels
import NN

// The autoencoder family. Shapes: B images of H x W pixels, channels last ([B, H, W, 1], values in
// [0, 1]), codes [B, Z]. Every model is an encoder and a decoder trained on squared error; the
// kinds differ in their networks (MLP, convolutional, recurrent), their inputs (dae corrupts them),
// their schedule (sae pre-trains pair by pair) or their decoders (swap has one per style).

/// What a training step sees: a batch of images and, for `swap`, a batch of style A.
public struct AutoencoderBatch {
    public var images: Tensor
    public var otherStyle: Tensor?
    public init(images: Tensor, otherStyle: Tensor? = nil) { self.images = images; self.otherStyle = otherStyle }
}

/// A trainable autoencoder. Modules are named (`encoder`, `decoder`, ...); their parameters are
/// saved under `<module>.<name>`. One Adam updates them all.
public protocol Autoencoder: AnyObject {
    var config: AutoencoderConfig { get }
    var modules: [(name: String, layer: Layer)] { get }
    var adam: Adam { get }
    /// Images [B, H, W, 1] -> codes [B, Z] (recorded when a tape is).
    func encode(_ images: Tensor) -> Tensor
    /// Codes [B, Z] -> images [B, H, W, 1] (swap: style B's decoder).
    func decode(_ codes: Tensor) -> Tensor
    /// One optimisation step; `stage` is the encoder/decoder pair `sae` pre-trains now (nil: the
    /// whole network). Returns the terms to log by name.
    func trainStep(_ batch: AutoencoderBatch, stage: Int?, using rng: RandomGenerator) -> [String: Double]
}

extension Autoencoder {
    public var parameters: [NamedParameter] { modules.flatMap { prefixed($0.name, $0.layer.parameters) } }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.tensor.count } }

    /// Squared error of decode(encode(input)) against `target`, back-propagated and applied.
    func reconstructionStep(input: Tensor, target: Tensor) -> [String: Double] {
        let tape = Tape()
        let loss = tape.record { meanSquaredError(decode(encode(input)), target) }
        tape.backward(loss)
        adam.update(parameters)
        return ["loss": Double(loss.item)]
    }

    public func trainStep(_ batch: AutoencoderBatch, stage: Int?, using rng: RandomGenerator) -> [String: Double] {
        reconstructionStep(input: batch.images, target: batch.images)
    }

    /// decode(encode(images)) for a whole set, in blocks, without a tape: [N · H · W] pixels.
    public func reconstruct(_ images: ImageSet) -> [Float] { inBlocks(images) { decode(encode($0)) } }

    /// Codes of a whole set, in blocks: [N · Z].
    public func codes(_ images: ImageSet) -> [Float] { inBlocks(images) { encode($0) } }

    func inBlocks(_ images: ImageSet, _ body: (Tensor) -> Tensor) -> [Float] {
        var out: [Float] = []
        for start in stride(from: 0, to: images.count, by: 500) {
            out += body(images.batch(Array(start..<min(start + 500, images.count)))).scalars
        }
        return out
    }
}

/// Builds a freshly initialised autoencoder of `config.kind` after checking the configuration.
public func makeAutoencoder(_ config: AutoencoderConfig) throws -> Autoencoder {
    try config.validate()
    let rng = RandomGenerator(seed: config.seed &+ 0xAE)
    switch config.kind {
    case .ae, .dae, .sae, .linearAE: return MLPAutoencoder(config, using: rng)
    case .cae: return ConvolutionalAutoencoder(config, using: rng)
    case .rae: return RecurrentAutoencoder(config, using: rng)
    case .swap: return SwapAutoencoder(config, using: rng)
    }
}

// MARK: - MLP: ae, dae, sae, linear-ae

/// Dense layers pixels -> hidden... -> Z (ReLU between, none on the code) and back -> pixels
/// (sigmoid output). `linear-ae` has no hidden layers and no activations at all. `dae` corrupts its
/// input; `sae` pre-trains pair s (encoder layer s with the decoder layer that mirrors it) on the
/// codes of the pairs below it before the whole network is fine-tuned.
public final class MLPAutoencoder: Autoencoder {
    public let config: AutoencoderConfig
    public let encoder: Stack
    public let decoder: Stack
    public let adam: Adam
    let encoderLayers: [Linear]
    /// decoderLayers[k] undoes encoderLayers[n - 1 - k].
    let decoderLayers: [Linear]

    init(_ config: AutoencoderConfig, using rng: RandomGenerator) {
        self.config = config
        let widths = [config.pixels] + config.hidden + [config.code], n = widths.count - 1
        let linear = config.kind == .linearAE
        encoderLayers = (0..<n).map { i in
            Linear(widths[i], widths[i + 1], activation: i == n - 1 || linear ? .identity : .relu, using: rng)
        }
        // Each decoder layer ends in what its mirror's input was: pixels (sigmoid) or ReLU units.
        decoderLayers = (0..<n).reversed().map { i in
            Linear(widths[i + 1], widths[i], activation: linear ? .identity : i == 0 ? .sigmoid : .relu, using: rng)
        }
        encoder = Stack(encoderLayers.map { .dense($0) })
        decoder = Stack(decoderLayers.map { .dense($0) })
        adam = Adam(learningRate: config.learningRate)
    }

    public var modules: [(name: String, layer: Layer)] { [("encoder", encoder), ("decoder", decoder)] }

    public func encode(_ images: Tensor) -> Tensor { encoder(images.reshaped([images.shape[0], config.pixels]), training: true, using: RandomGenerator(seed: 0)) }

    public func decode(_ codes: Tensor) -> Tensor {
        decoder(codes, training: true, using: RandomGenerator(seed: 0)).reshaped([codes.shape[0], config.height, config.width, 1])
    }

    /// The decoder's last weight [pixels, Z]: for `linear-ae`, its columns span the decoder's subspace.
    public var decoderWeight: Tensor { decoderLayers.last!.weight }

    public func trainStep(_ batch: AutoencoderBatch, stage: Int?, using rng: RandomGenerator) -> [String: Double] {
        if let stage { return pretrainStep(batch.images, stage: stage) }
        let input = config.kind == .dae ? corrupt(batch.images, noise: config.noise, level: config.noiseLevel, using: rng) : batch.images
        return reconstructionStep(input: input, target: batch.images)
    }

    /// `sae`: trains encoder layer `stage` and its mirror to reconstruct that layer's input (the
    /// codes of the layers below, computed without a tape, so the layers below stay fixed).
    func pretrainStep(_ images: Tensor, stage: Int) -> [String: Double] {
        var input = images.reshaped([images.shape[0], config.pixels])
        for layer in encoderLayers.prefix(stage) { input = layer(input) }
        let mirror = decoderLayers.count - 1 - stage
        let tape = Tape()
        let loss = tape.record { meanSquaredError(decoderLayers[mirror](encoderLayers[stage](input)), input) }
        tape.backward(loss)
        adam.update(prefixed("encoder.\(stage)", encoderLayers[stage].parameters) + prefixed("decoder.\(mirror)", decoderLayers[mirror].parameters))
        return ["loss": Double(loss.item)]
    }
}

/// A copy of `images` corrupted for a denoising autoencoder: masking sets each pixel to 0 with
/// probability `level`; Gaussian noise adds N(0, level²) to each (no clipping).
public func corrupt(_ images: Tensor, noise: CorruptionNoise, level: Float, using rng: RandomGenerator) -> Tensor {
    let out = Tensor.uninitialized(images.shape)
    images.withScalars { x in out.withMutableScalars { o in
        switch noise {
        case .masking: for i in x.indices { o[i] = rng.uniform() < level ? 0 : x[i] }
        case .gaussian: for i in x.indices { o[i] = x[i] + level * rng.normal() }
        }
    } }
    return out
}

// MARK: - cae

/// Convolutional: conv(K4 s2 p1) 1 -> C, ReLU, conv(K4 s2 p1) C -> 2C, ReLU, dense -> Z; back by
/// dense -> [H/4, W/4, 2C], ReLU, transposed conv 2C -> C, ReLU, transposed conv C -> 1, sigmoid.
public final class ConvolutionalAutoencoder: Autoencoder {
    public let config: AutoencoderConfig
    public let encoder: Stack
    public let decoder: Stack
    public let adam: Adam

    init(_ config: AutoencoderConfig, using rng: RandomGenerator) {
        self.config = config
        let c = config.channels, h = config.height / 4, w = config.width / 4
        encoder = Stack([.conv(Conv2D(1, c, kernel: 4, stride: 2, padding: 1, using: rng)), .activation(.relu),
                         .conv(Conv2D(c, 2 * c, kernel: 4, stride: 2, padding: 1, using: rng)), .activation(.relu),
                         .dense(Linear(h * w * 2 * c, config.code, using: rng))])
        decoder = Stack([.dense(Linear(config.code, h * w * 2 * c, activation: .relu, using: rng)), .reshape([h, w, 2 * c]),
                         .deconv(ConvTranspose2D(2 * c, c, kernel: 4, stride: 2, padding: 1, using: rng)), .activation(.relu),
                         .deconv(ConvTranspose2D(c, 1, kernel: 4, stride: 2, padding: 1, using: rng)), .activation(.sigmoid)])
        adam = Adam(learningRate: config.learningRate)
    }

    public var modules: [(name: String, layer: Layer)] { [("encoder", encoder), ("decoder", decoder)] }
    public func encode(_ images: Tensor) -> Tensor { encoder(images, training: true, using: RandomGenerator(seed: 0)) }
    public func decode(_ codes: Tensor) -> Tensor { decoder(codes, training: true, using: RandomGenerator(seed: 0)) }
}

// MARK: - rae

/// Recurrent: a GRU reads the H rows of an image (each a W-vector, time-major [H, B, W]) and a
/// dense layer maps its last state to the code. The decoder starts a second GRU from tanh(dense(code)),
/// feeds it the code at every step, and a dense layer with a sigmoid turns each state into a row.
public final class RecurrentAutoencoder: Autoencoder {
    public let config: AutoencoderConfig
    public let encoderGRU: GRU, encoderHead: Linear
    public let decoderStart: Linear, decoderGRU: GRU, decoderHead: Linear
    public let adam: Adam

    init(_ config: AutoencoderConfig, using rng: RandomGenerator) {
        self.config = config
        let r = config.recurrentSize
        encoderGRU = GRU(inputSize: config.width, hiddenSize: r, using: rng)
        encoderHead = Linear(r, config.code, using: rng)
        decoderStart = Linear(config.code, r, activation: .tanh, using: rng)
        decoderGRU = GRU(inputSize: config.code, hiddenSize: r, using: rng)
        decoderHead = Linear(r, config.width, activation: .sigmoid, using: rng)
        adam = Adam(learningRate: config.learningRate)
    }

    public var modules: [(name: String, layer: Layer)] {
        [("encoder.gru", encoderGRU), ("encoder.head", encoderHead), ("decoder.start", decoderStart),
         ("decoder.gru", decoderGRU), ("decoder.head", decoderHead)]
    }

    public func encode(_ images: Tensor) -> Tensor { encoderHead(encoderGRU(Self.rows(of: images)).finalStates[0]) }

    public func decode(_ codes: Tensor) -> Tensor {
        let b = codes.shape[0], h = config.height
        let inputs = Tensor.concat(Array(repeating: codes.reshaped([1, b, config.code]), count: h), axis: 0)
        let states = decoderGRU(inputs, initialStates: [decoderStart(codes)]).outputs
        return Self.images(fromRows: decoderHead(states))
    }

    /// Images [B, H, W, 1] as time-major rows [H, B, W]: [B, H·W] -> [H·W, B] -> [H, W, B] -> [H, B, W].
    static func rows(of images: Tensor) -> Tensor {
        let b = images.shape[0], h = images.shape[1], w = images.shape[2]
        return images.reshaped([b, h * w]).transposedLastTwo().reshaped([h, w, b]).transposedLastTwo()
    }

    /// Time-major rows [H, B, W] back to images [B, H, W, 1]: [H, W, B] -> [H·W, B] -> [B, H·W].
    static func images(fromRows rows: Tensor) -> Tensor {
        let h = rows.shape[0], b = rows.shape[1], w = rows.shape[2]
        return rows.transposedLastTwo().reshaped([h * w, b]).transposedLastTwo().reshaped([b, h, w, 1])
    }
}

// MARK: - swap

/// The face-swap construction on digits: one encoder shared by both styles, one decoder per style
/// (A: the 8x8 digits upscaled to 28x28; B: MNIST), each trained to reconstruct its own style.
/// Swapping is encoding an image of one style and decoding it with the other style's decoder.
public final class SwapAutoencoder: Autoencoder {
    public enum Style: Sendable { case a, b }

    public let config: AutoencoderConfig
    public let encoder: Stack
    public let decoderA: Stack, decoderB: Stack
    public let adam: Adam

    init(_ config: AutoencoderConfig, using rng: RandomGenerator) {
        self.config = config
        encoder = Stack.mlp([config.pixels] + config.hidden + [config.code], activation: .relu, using: rng)
        let back = [config.code] + config.hidden.reversed() + [config.pixels]
        decoderA = Stack.mlp(back, activation: .relu, output: .sigmoid, using: rng)
        decoderB = Stack.mlp(back, activation: .relu, output: .sigmoid, using: rng)
        adam = Adam(learningRate: config.learningRate)
    }

    public var modules: [(name: String, layer: Layer)] { [("encoder", encoder), ("decoder_a", decoderA), ("decoder_b", decoderB)] }

    public func encode(_ images: Tensor) -> Tensor { encoder(images.reshaped([images.shape[0], config.pixels]), training: true, using: RandomGenerator(seed: 0)) }
    public func decode(_ codes: Tensor) -> Tensor { decode(codes, style: .b) }

    public func decode(_ codes: Tensor, style: Style) -> Tensor {
        (style == .a ? decoderA : decoderB)(codes, training: true, using: RandomGenerator(seed: 0))
            .reshaped([codes.shape[0], config.height, config.width, 1])
    }

    /// Images of one style drawn by the other style's decoder, in blocks, without a tape.
    public func swapped(_ images: ImageSet, to style: Style) -> [Float] { inBlocks(images) { decode(encode($0), style: style) } }

    public func trainStep(_ batch: AutoencoderBatch, stage: Int?, using rng: RandomGenerator) -> [String: Double] {
        guard let a = batch.otherStyle else { preconditionFailure("swap: a training batch needs images of both styles") }
        let tape = Tape()
        let (loss, lossA, lossB) = tape.record { () -> (Tensor, Tensor, Tensor) in
            let lossA = meanSquaredError(decode(encode(a), style: .a), a)
            let lossB = meanSquaredError(decode(encode(batch.images), style: .b), batch.images)
            return (lossA + lossB, lossA, lossB)
        }
        tape.backward(loss)
        adam.update(parameters)
        return ["loss": Double(loss.item), "loss_a": Double(lossA.item), "loss_b": Double(lossB.item)]
    }
}
