/// Every size and training setting of a chemical VAE. Stored as JSON in the checkpoint's `config`
/// attribute, so a model file alone says how to rebuild its model.
public struct ChemVAEConfig: Codable, Equatable, Sendable {
    public enum DecoderKind: String, Codable, Sendable, CaseIterable {
        /// The 2018 paper's decoder: z repeated over time into a GRU stack, then a terminal GRU fed
        /// the previous token.
        case paper
        /// z sets the initial states and joins the previous token's embedding at every step.
        case autoregressive
    }

    /// How the KL weight β rises from 0 to `klWeight` over training.
    public enum KLSchedule: Codable, Equatable, Sendable {
        /// β = klWeight · σ((epoch - midpoint) · slope), the paper's schedule.
        case sigmoid(midpointEpoch: Double, slope: Double)
        /// β rises linearly to klWeight over the first `warmupEpochs`.
        case linear(warmupEpochs: Double)
        case constant

        /// β at a fractional epoch.
        public func weight(atEpoch epoch: Double, maximum: Float) -> Float {
            switch self {
            case let .sigmoid(midpoint, slope): return maximum * Float(1 / (1 + exp(-(epoch - midpoint) * slope)))
            case let .linear(warmup): return warmup <= 0 ? maximum : maximum * Float(min(epoch / warmup, 1))
            case .constant: return maximum
            }
        }
    }

    // Data
    public var vocabularySize: Int
    /// Token rows are this wide (SMILES tokens, one end token, padding).
    public var maxLength: Int
    public var tokenizer: String
    public var propertyNames: [String]

    // Encoder: 1-D convolutions (tanh, batch norm) over one-hot tokens, a dense layer, then μ and log σ².
    public var latentSize: Int
    public var encoderChannels: [Int]
    public var encoderKernels: [Int]
    public var encoderHidden: Int

    // Decoder
    public var decoder: DecoderKind
    public var decoderHidden: Int
    public var decoderLayers: Int
    /// Token embedding width of the autoregressive decoder.
    public var decoderEmbedding: Int
    /// Hidden width of the paper decoder's terminal GRU.
    public var terminalHidden: Int
    /// Dropout between stacked decoder GRU layers.
    public var decoderDropout: Float

    // Property head on the latent mean.
    public var propertyHidden: Int
    public var propertyLayers: Int
    public var propertyDropout: Float

    // Training
    public var learningRate: Float
    public var batchSize: Int
    public var epochs: Int
    public var klWeight: Float
    public var klSchedule: KLSchedule
    public var propertyLossWeight: Float
    public var gradientClip: Float

    /// Named presets.
    public enum Preset: String, CaseIterable, Sendable {
        /// The paper's ZINC hyper-parameters: latent 196, GRU 488 x 3, lr 4.6e-4, property weight 0.5,
        /// sigmoid KL annealing. Its Keras losses average cross-entropy over 120 positions and KL over
        /// 196 dimensions; on our per-molecule scale that is β = 120/196 ≈ 0.61 and property weight 0.5·120 = 60.
        case paper
        /// Sized for a 2-core CPU: latent 64, autoregressive decoder 2 x 320. The KL weight is small
        /// (0.03 per molecule, warmed up over 2 epochs) because an autoregressive decoder otherwise
        /// learns to ignore z; the property weight is larger because our losses are per molecule.
        case cpu
        /// A few thousand parameters, for tests and smoke runs.
        case tiny
    }

    public static func preset(_ preset: Preset, vocabularySize: Int, maxLength: Int, tokenizer: String = "atom",
                              propertyNames: [String] = []) -> ChemVAEConfig {
        switch preset {
        case .paper:
            return ChemVAEConfig(
                vocabularySize: vocabularySize, maxLength: maxLength, tokenizer: tokenizer, propertyNames: propertyNames,
                latentSize: 196, encoderChannels: [9, 9, 10], encoderKernels: [9, 9, 11], encoderHidden: 196,
                decoder: .paper, decoderHidden: 488, decoderLayers: 3, decoderEmbedding: 0, terminalHidden: vocabularySize,
                decoderDropout: 0, propertyHidden: 67, propertyLayers: 3, propertyDropout: 0.15,
                learningRate: 4.6e-4, batchSize: 128, epochs: 120, klWeight: 0.61, klSchedule: .sigmoid(midpointEpoch: 29, slope: 0.51),
                propertyLossWeight: 60, gradientClip: 5)
        case .cpu:
            return ChemVAEConfig(
                vocabularySize: vocabularySize, maxLength: maxLength, tokenizer: tokenizer, propertyNames: propertyNames,
                latentSize: 64, encoderChannels: [32, 32, 64], encoderKernels: [9, 9, 11], encoderHidden: 256,
                decoder: .autoregressive, decoderHidden: 320, decoderLayers: 2, decoderEmbedding: 32, terminalHidden: vocabularySize,
                decoderDropout: 0, propertyHidden: 67, propertyLayers: 3, propertyDropout: 0.15,
                learningRate: 1e-3, batchSize: 128, epochs: 10, klWeight: 0.03, klSchedule: .linear(warmupEpochs: 2),
                propertyLossWeight: 10, gradientClip: 5)
        case .tiny:
            return ChemVAEConfig(
                vocabularySize: vocabularySize, maxLength: maxLength, tokenizer: tokenizer, propertyNames: propertyNames,
                latentSize: 16, encoderChannels: [8, 8], encoderKernels: [3, 3], encoderHidden: 64,
                decoder: .autoregressive, decoderHidden: 64, decoderLayers: 1, decoderEmbedding: 16, terminalHidden: vocabularySize,
                decoderDropout: 0, propertyHidden: 16, propertyLayers: 1, propertyDropout: 0,
                learningRate: 3e-3, batchSize: 25, epochs: 10, klWeight: 0.01, klSchedule: .linear(warmupEpochs: 5),
                propertyLossWeight: 0.5, gradientClip: 5)
        }
    }

    /// Checks sizes a user may have set by hand; the message names the setting.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw ChemVAEError.invalidConfiguration(message) } }
        try check(vocabularySize >= 5 && vocabularySize <= 256, "vocabulary size \(vocabularySize) must be 5...256")
        try check(encoderChannels.count == encoderKernels.count && !encoderChannels.isEmpty,
                  "encoder channels \(encoderChannels) and kernels \(encoderKernels) must be non-empty and of equal length")
        try check(encoderOutputLength > 0, "max length \(maxLength) is too short for encoder kernels \(encoderKernels)")
        try check(latentSize > 0 && decoderHidden > 0 && decoderLayers > 0 && encoderHidden > 0, "sizes must be positive")
        try check(decoder != .autoregressive || decoderEmbedding > 0, "the autoregressive decoder needs a token embedding width > 0")
        try check(batchSize >= 2, "batch size \(batchSize) must be at least 2 (batch normalisation)")
    }

    /// Sequence length after the encoder's valid convolutions.
    public var encoderOutputLength: Int { encoderKernels.reduce(maxLength) { $0 - $1 + 1 } }
}

import Foundation
