import Foundation
import ImageModels

/// The autoencoders MolGen trains; the raw value is the model file's `kind`.
public enum AutoencoderKind: String, Codable, CaseIterable, Sendable {
    /// MLP encoder and decoder, squared error.
    case ae
    /// `ae` trained to reconstruct clean images from corrupted ones (masking or Gaussian noise).
    case dae
    /// `ae`'s network pre-trained one encoder/decoder pair at a time, then fine-tuned end to end.
    case sae
    /// Strided convolutions down, transposed convolutions back.
    case cae
    /// A GRU reads the image row by row into a code; another GRU writes it back row by row.
    case rae
    /// One linear layer each way: its decoder spans PCA's top-k subspace once trained.
    case linearAE = "linear-ae"
    /// One shared encoder, a decoder per style (8x8 digits upscaled, MNIST): encode one style,
    /// decode with the other's decoder.
    case swap
}

/// How `dae` corrupts its inputs.
public enum CorruptionNoise: String, Codable, CaseIterable, Sendable {
    /// Each pixel is set to 0 with probability `noiseLevel`.
    case masking
    /// Each pixel gets N(0, noiseLevel²) added.
    case gaussian
}

/// Everything that defines an autoencoder and its training; stored as JSON in the model file.
public struct AutoencoderConfig: Codable, Equatable, Sendable {
    public var kind: AutoencoderKind
    /// The images trained on (`swap`: style B, always MNIST).
    public var data: ImageDataSource
    /// `swap`: style A, the 8x8 digits upscaled to 28x28.
    public var otherData: ImageDataSource?
    public var height: Int
    public var width: Int
    /// Code units Z.
    public var code: Int
    /// Widths of the hidden dense layers of the MLP models, input side first.
    public var hidden: [Int]
    /// `cae`: channels C of the first convolution (the second has 2C).
    public var channels: Int
    /// `rae`: state size of both GRUs.
    public var recurrentSize: Int
    public var noise: CorruptionNoise
    /// `dae`: masking probability, or the Gaussian noise's standard deviation.
    public var noiseLevel: Float
    /// `sae`: epochs of pre-training for each encoder/decoder pair before fine-tuning.
    public var pretrainEpochs: Int
    public var batchSize: Int
    public var learningRate: Float
    public var epochs: Int
    public var seed: UInt64

    public var pixels: Int { height * width }

    /// The settings each kind trains with unless options override them.
    public static func defaults(for kind: AutoencoderKind, data: ImageDataSource) -> AutoencoderConfig {
        let side = data == .digits ? 8 : 28
        var c = AutoencoderConfig(kind: kind, data: data, otherData: nil, height: side, width: side, code: 32,
                                  hidden: data == .digits ? [64] : [256], channels: 16, recurrentSize: 128, noise: .masking,
                                  noiseLevel: 0.3, pretrainEpochs: 0, batchSize: 64, learningRate: 2e-3, epochs: 20, seed: 1)
        if data == .digits { c.code = 16 }
        switch kind {
        case .ae, .dae: break
        case .sae:
            c.hidden = data == .digits ? [64, 32] : [256, 128]; c.pretrainEpochs = 2
        case .cae:
            c.epochs = 10
        case .rae:
            // Small batches: the GRUs learn per step, and a step of 16 rows costs little less than one of 64.
            c.batchSize = 16; c.learningRate = 3e-3; c.epochs = 10
        case .linearAE:
            // Adam settles into the PCA subspace slowly (the pull between the k-th and (k+1)-th
            // components is proportional to their eigenvalue gap): a large step and many epochs.
            c.hidden = []; c.code = 2; c.learningRate = 1e-2; c.epochs = 30
        case .swap:
            c.data = .mnist; c.otherData = .digits28; c.height = 28; c.width = 28; c.hidden = [512]
        }
        return c
    }

    /// The encoder/decoder pairs `sae` pre-trains, one after another.
    public var pretrainStages: Int { kind == .sae ? hidden.count + 1 : 0 }

    /// Checks every setting a user (or a file) may have set; the error names the option.
    public func validate() throws {
        func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
            if !ok { throw ImageModelError.invalidOption(message()) }
        }
        try check(height > 0 && width > 0, "image size \(height)x\(width) must be positive")
        try check((1...4096).contains(code), "--latent: \(code) code units must be between 1 and 4096")
        try check(hidden.allSatisfy { (1...8192).contains($0) }, "hidden layer widths \(hidden) must be between 1 and 8192")
        try check((1...512).contains(channels), "--channels: \(channels) must be between 1 and 512")
        try check((1...4096).contains(recurrentSize), "recurrent size \(recurrentSize) must be between 1 and 4096")
        try check(noiseLevel.isFinite && noiseLevel >= 0 && (noise == .gaussian || noiseLevel < 1),
                  "--noise-level: \(noiseLevel) must be in [0, 1) for masking, >= 0 for gaussian")
        try check((0...1000).contains(pretrainEpochs), "--pretrain-epochs: \(pretrainEpochs) must be between 0 and 1000")
        try check((2...65_536).contains(batchSize), "--batch-size: \(batchSize) must be between 2 and 65536")
        try check(learningRate > 0 && learningRate.isFinite, "--learning-rate: \(learningRate) must be a positive number")
        try check(epochs >= 1, "--epochs: \(epochs) must be at least 1")
        if kind == .sae {
            try check(!hidden.isEmpty, "sae needs at least one hidden layer to stack")
            try check(epochs > pretrainEpochs * pretrainStages,
                      "--epochs: \(epochs) leaves no fine-tuning after \(pretrainStages) x \(pretrainEpochs) pre-training epochs")
        }
        if kind == .cae { try check(height % 4 == 0 && width % 4 == 0, "--data: cae needs image sides divisible by 4, not \(height)x\(width)") }
        if kind == .linearAE {
            try check(hidden.isEmpty, "linear-ae has no hidden layers")
            try check(code <= pixels, "--latent: linear-ae's \(code) units exceed the \(pixels) pixels PCA has components for")
        }
        if kind == .swap { try check(otherData != nil, "swap needs a second style") }
    }
}
