import Datasets
import Engine
import Foundation
import NN
import Smiles
import Storage

/// Mean and standard deviation of each property column, so the head learns unit-scale targets.
public struct PropertyNormalization: Equatable, Sendable {
    public var names: [String]
    public var mean: [Float]
    public var std: [Float]

    /// Statistics of `values` [N, P] (a zero spread becomes 1 so nothing divides by zero).
    public init(names: [String], values: [Float]) {
        let p = names.count, n = p == 0 ? 0 : values.count / p
        var mean = [Double](repeating: 0, count: p), square = mean
        for i in 0..<n { for j in 0..<p { let v = Double(values[i * p + j]); mean[j] += v; square[j] += v * v } }
        self.names = names
        self.mean = mean.map { Float($0 / Double(max(n, 1))) }
        self.std = (0..<p).map { j in
            let m = mean[j] / Double(max(n, 1))
            let s = (max(square[j] / Double(max(n, 1)) - m * m, 0)).squareRoot()
            return s > 1e-8 ? Float(s) : 1
        }
    }

    public init(names: [String], mean: [Float], std: [Float]) { self.names = names; self.mean = mean; self.std = std }

    public func normalize(_ values: [Float]) -> [Float] {
        values.enumerated().map { (i, v) in (v - mean[i % names.count]) / std[i % names.count] }
    }

    public func denormalize(_ values: [Float]) -> [Float] {
        values.enumerated().map { (i, v) in v * std[i % names.count] + mean[i % names.count] }
    }
}

/// Where an interrupted or finished run stands, so `--resume` continues exactly.
public struct TrainingState: Equatable, Sendable {
    /// Epochs fully done.
    public var completedEpochs: Int
    /// Batches of the current epoch already trained.
    public var batchesDone: Int
    public var seed: UInt64
    /// The generator for dropout and latent noise, as it stood at the checkpoint.
    public var randomState: [UInt64]
    /// Best validation loss so far (infinity before the first validation).
    public var bestValidationLoss: Double
    /// Molecules held out for validation when the run split them from the training file.
    public var validationFraction: Double
}

/// A trained (or training) chemical VAE with everything needed to use it: the model, the SMILES
/// codec of its training data, the property normalisation, and for resuming, the optimizer and
/// training state and the history.
public final class ChemVAEModel {
    public let model: ChemVAE
    public let codec: SmilesCodec
    public let normalization: PropertyNormalization?
    public var history: TrainingHistory
    public var optimizer: Adam?
    public var trainingState: TrainingState?

    public init(model: ChemVAE, codec: SmilesCodec, normalization: PropertyNormalization?, history: TrainingHistory = TrainingHistory(),
                optimizer: Adam? = nil, trainingState: TrainingState? = nil) {
        self.model = model; self.codec = codec; self.normalization = normalization
        self.history = history; self.optimizer = optimizer; self.trainingState = trainingState
    }

    public var config: ChemVAEConfig { model.config }

    // MARK: Saving

    /// Writes the model file atomically: an interrupted save leaves the previous file intact.
    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let configJSON = String(decoding: try encoder.encode(model.config), as: UTF8.self)
        var parameters: [String: StoredArray<Float>] = [:]
        for (name, t) in model.state { parameters[name] = StoredArray(shape: t.shape, values: t.scalars) }
        var optimizerState: OptimizerState?
        if let adam = optimizer {
            func arrays(_ moments: [String: Tensor]) -> [String: StoredArray<Float>] {
                moments.mapValues { StoredArray(shape: $0.shape, values: $0.scalars) }
            }
            optimizerState = OptimizerState(name: "adam", step: adam.step, moments: ["m": arrays(adam.firstMoments), "v": arrays(adam.secondMoments)])
        }
        var normalizationArrays: [String: StoredArray<Float>] = [:]
        if let n = normalization {
            normalizationArrays["properties.mean"] = StoredArray(shape: [n.names.count], values: n.mean)
            normalizationArrays["properties.std"] = StoredArray(shape: [n.names.count], values: n.std)
        }
        let checkpoint = Checkpoint(config: configJSON, parameters: parameters, optimizer: optimizerState,
                                    normalization: normalizationArrays, history: history)
        try checkpoint.save(to: path) { file in
            try codec.write(to: file)
            if let n = normalization { try file.group("normalization").setAttribute("names", .strings(n.names)) }
            if let s = trainingState {
                let group = try file.createGroup("training")
                try group.setAttribute("completed_epochs", .int(s.completedEpochs))
                try group.setAttribute("batches_done", .int(s.batchesDone))
                try group.setAttribute("seed", .int(Int(bitPattern: UInt(s.seed))))
                try group.setAttribute("random_state", .ints(s.randomState.map { Int(bitPattern: UInt($0)) }))
                try group.setAttribute("best_validation_loss", .double(s.bestValidationLoss))
                try group.setAttribute("validation_fraction", .double(s.validationFraction))
            }
        }
    }

    // MARK: Loading

    /// Loads a model file written by `save(to:)`. Errors name the file and what is wrong with it.
    public static func load(from path: String) throws -> ChemVAEModel {
        var codec: SmilesCodec?
        var names: [String]?
        var state: TrainingState?
        let checkpoint = try Checkpoint.load(from: path) { file in
            codec = try SmilesCodec(readingFrom: file)
            if file.objectKind(at: "normalization") == .group { names = try? file.group("normalization").stringsAttribute("names") }
            if file.objectKind(at: "training") == .group {
                let g = try file.group("training")
                state = TrainingState(
                    completedEpochs: try g.intAttribute("completed_epochs"), batchesDone: try g.intAttribute("batches_done"),
                    seed: UInt64(UInt(bitPattern: try g.intAttribute("seed"))),
                    randomState: try g.intsAttribute("random_state").map { UInt64(UInt(bitPattern: $0)) },
                    bestValidationLoss: try g.doubleAttribute("best_validation_loss"),
                    validationFraction: try g.doubleAttribute("validation_fraction"))
            }
        }
        let config: ChemVAEConfig
        do { config = try JSONDecoder().decode(ChemVAEConfig.self, from: Data(checkpoint.config.utf8)) } catch {
            throw ChemVAEError.notAModel(path: path, reason: "its config attribute is not a ChemVAE configuration")
        }
        let model = try ChemVAE(config, seed: 0)
        var stored: [String: StoredTensor] = [:]
        for (name, array) in checkpoint.parameters { stored[name] = StoredTensor(shape: array.shape, values: array.values) }
        do { try model.load(stored) } catch let error as ParameterLoadError {
            throw ChemVAEError.notAModel(path: path, reason: "\(error)")
        }
        var normalization: PropertyNormalization?
        if let mean = checkpoint.normalization["properties.mean"], let std = checkpoint.normalization["properties.std"] {
            normalization = PropertyNormalization(names: names ?? config.propertyNames, mean: mean.values, std: std.values)
        }
        var adam: Adam?
        if let o = checkpoint.optimizer, o.name == "adam" {
            let a = Adam(learningRate: config.learningRate)
            func tensors(_ arrays: [String: StoredArray<Float>]?) -> [String: Tensor] {
                (arrays ?? [:]).mapValues { Tensor($0.values, shape: $0.shape) }
            }
            a.restore(step: o.step, firstMoments: tensors(o.moments["m"]), secondMoments: tensors(o.moments["v"]))
            adam = a
        }
        guard let codec else { throw ChemVAEError.notAModel(path: path, reason: "it has no /vocabulary") }
        guard codec.vocabulary.count == config.vocabularySize, codec.maxLength == config.maxLength else {
            throw ChemVAEError.notAModel(path: path, reason: "its vocabulary (\(codec.vocabulary.count) tokens, rows of \(codec.maxLength)) does not match its config (\(config.vocabularySize), \(config.maxLength))")
        }
        return ChemVAEModel(model: model, codec: codec, normalization: normalization, history: checkpoint.history,
                            optimizer: adam, trainingState: state)
    }
}
