import Datasets
import Engine
import Foundation
import NN
import Smiles

/// Settings of a training run that are not part of the model.
public struct TrainingOptions: Sendable {
    public var epochs: Int
    public var seed: UInt64 = 1
    /// Fraction of the training file held out for validation when no validation file is given.
    public var validationFraction: Double = 0.05
    /// Molecules whose greedy reconstruction is checked after each epoch.
    public var reconstructionSamples = 500
    /// A mid-epoch checkpoint is written at least this often (seconds), so long epochs can resume.
    public var checkpointInterval: Double = 600
    /// Use at most this many training molecules.
    public var limit: Int?
    /// A new final KL weight and schedule for a resumed run; saved with it from then on.
    public var klWeight: Float?
    public var klSchedule: ChemVAEConfig.KLSchedule?

    public init(epochs: Int) { self.epochs = epochs }
}

/// What the trainer reports while it runs.
public struct TrainingProgress: Sendable {
    public var epoch: Int, epochs: Int
    public var batch: Int, batches: Int
    public var loss: Double, reconstruction: Double, kl: Double, property: Double
    public var tokenAccuracy: Double
    public var beta: Float
    public var moleculesPerSecond: Double
}

public enum TrainingOutcome: Equatable, Sendable {
    case finished
    /// Stopped by SIGINT/SIGTERM after saving a checkpoint that `--resume` continues from.
    case interrupted
}

/// Set from a signal handler; the trainer checks it between steps.
nonisolated(unsafe) private var stopRequested: sig_atomic_t = 0

/// Makes SIGINT and SIGTERM request a clean stop instead of killing the process.
public func stopTrainingOnSignals() {
    signal(SIGINT) { _ in stopRequested = 1 }
    signal(SIGTERM) { _ in stopRequested = 1 }
}

/// Requests a clean stop as a signal would (tests and embedding applications).
public func requestTrainingStop() { stopRequested = 1 }

/// Trains a chemical VAE on a dataset file, writing an atomic checkpoint every epoch (and during
/// long epochs), the best model by validation loss beside it, and per-epoch validation figures into
/// the model's history.
public final class ChemVAETrainer {
    public let bundle: ChemVAEModel
    let training: MoleculeDataset
    let trainIndices: [Int]
    let validationIndices: [Int]
    let validationSet: MoleculeDataset
    let normalizedProperties: [Float]
    let normalizedValidationProperties: [Float]
    let options: TrainingOptions
    public let outputPath: String
    let rng: RandomGenerator
    let adam: Adam
    var state: TrainingState

    /// The best model's file: `model.h5` -> `model.best.h5`.
    public var bestPath: String { ChemVAETrainer.bestPath(for: outputPath) }

    public static func bestPath(for output: String) -> String {
        output.hasSuffix(".h5") ? String(output.dropLast(3)) + ".best.h5" : output + ".best.h5"
    }

    /// Starts a new run (`resume: false`) or continues the one saved at `outputPath`. A new run may
    /// start from the parameters of `warmStart` (a model file's, optimizer state not needed): its
    /// architecture, vocabulary and property normalisation are kept, while the training settings of
    /// `config` (learning rate, batch, epochs, KL weight and schedule) replace the saved ones.
    public init(config: ChemVAEConfig?, training: MoleculeDataset, validation: MoleculeDataset?, options: TrainingOptions,
                outputPath: String, resume: Bool, trainingPath: String = "the training file", warmStart: ChemVAEModel? = nil) throws {
        guard training.count >= 2 else {
            throw ChemVAEError.incompatibleData("\(trainingPath) holds \(training.count) molecule(s); training needs at least 2")
        }
        self.training = training
        self.options = options
        self.outputPath = outputPath
        if resume {
            guard FileManager.default.fileExists(atPath: outputPath) else {
                throw ChemVAEError.incompatibleData("--resume: \(outputPath) does not exist; start without --resume")
            }
            let saved = try ChemVAEModel.load(from: outputPath)
            guard saved.codec == training.codec else {
                throw ChemVAEError.incompatibleData(
                    "--resume: \(trainingPath) was converted with another vocabulary or max length than \(outputPath) (convert it with --vocab \(outputPath))")
            }
            guard saved.config.propertyNames == training.propertyNames else {
                throw ChemVAEError.incompatibleData(
                    "--resume: \(trainingPath) has properties \(training.propertyNames) but \(outputPath) was trained on \(saved.config.propertyNames)")
            }
            guard let s = saved.trainingState, let a = saved.optimizer else {
                throw ChemVAEError.incompatibleData("--resume: \(outputPath) holds no training state (it was saved for inference only)")
            }
            bundle = saved; state = s; adam = a
            rng = RandomGenerator(state: s.randomState)
            let schedule = (options.klWeight ?? saved.config.klWeight, options.klSchedule ?? saved.config.klSchedule)
            if schedule != (saved.config.klWeight, saved.config.klSchedule) {
                saved.model.config.klWeight = schedule.0
                saved.model.config.klSchedule = schedule.1
                // Validation losses under another KL weight are not comparable: the best model restarts here.
                state.bestValidationLoss = .infinity
            }
        } else if let start = warmStart {
            guard start.codec == training.codec else {
                throw ChemVAEError.incompatibleData(
                    "--init-from: \(trainingPath) was converted with another vocabulary or max length than the initial model (convert it with --vocab MODEL.h5)")
            }
            guard start.config.propertyNames == training.propertyNames else {
                throw ChemVAEError.incompatibleData(
                    "--init-from: \(trainingPath) has properties \(training.propertyNames) but the initial model was trained on \(start.config.propertyNames)")
            }
            if let c = config {
                start.model.config.learningRate = c.learningRate
                start.model.config.batchSize = c.batchSize
                start.model.config.epochs = c.epochs
                start.model.config.klWeight = c.klWeight
                start.model.config.klSchedule = c.klSchedule
            }
            adam = Adam(learningRate: start.config.learningRate)
            bundle = ChemVAEModel(model: start.model, codec: start.codec, normalization: start.normalization,
                                  history: start.history, optimizer: adam)
            let split = validation == nil ? options.validationFraction : 0
            state = TrainingState(completedEpochs: 0, batchesDone: 0, seed: options.seed, randomState: [],
                                  bestValidationLoss: .infinity, validationFraction: split)
            rng = RandomGenerator(seed: options.seed &+ 0x5EED)
        } else {
            guard var c = config else { throw ChemVAEError.invalidConfiguration("no configuration given") }
            c.vocabularySize = training.vocabulary.count
            c.maxLength = training.maxLength
            c.tokenizer = training.tokenizer.rawValue
            c.propertyNames = training.propertyNames
            let model = try ChemVAE(c, seed: options.seed)
            let normalization = training.propertyNames.isEmpty ? nil
                : PropertyNormalization(names: training.propertyNames, values: training.properties)
            adam = Adam(learningRate: c.learningRate)
            bundle = ChemVAEModel(model: model, codec: training.codec, normalization: normalization, optimizer: adam)
            let split = validation == nil ? options.validationFraction : 0
            state = TrainingState(completedEpochs: 0, batchesDone: 0, seed: options.seed, randomState: [],
                                  bestValidationLoss: .infinity, validationFraction: split)
            rng = RandomGenerator(seed: options.seed &+ 0x5EED)
        }
        if let validation {
            guard validation.vocabulary == training.vocabulary, validation.maxLength == training.maxLength else {
                throw ChemVAEError.incompatibleData("the validation file uses another vocabulary than the training file (convert it with --vocab TRAIN.h5)")
            }
        }
        // Hold out a seed-determined slice when no validation file is given.
        var all = Array(0..<min(training.count, options.limit ?? .max))
        if validation == nil {
            RandomGenerator(seed: state.seed &+ 0xA11D).shuffle(&all)
            let held = max(1, Int((Double(all.count) * state.validationFraction).rounded()))
            guard all.count - held >= 2 else {
                throw ChemVAEError.incompatibleData("\(trainingPath) is too small to hold out a validation split; give --validation")
            }
            validationIndices = Array(all[..<held]).sorted()
            trainIndices = Array(all[held...]).sorted()
            validationSet = training
        } else {
            trainIndices = all
            validationSet = validation!
            validationIndices = Array(0..<validation!.count)
        }
        let n = bundle.normalization
        normalizedProperties = n?.normalize(training.properties) ?? []
        normalizedValidationProperties = validation.flatMap { v in n?.normalize(v.properties) } ?? normalizedProperties
    }

    var config: ChemVAEConfig { bundle.config }
    var model: ChemVAE { bundle.model }

    /// Gathers rows, lengths and normalised properties of `indices` from `data`.
    func batch(_ indices: [Int], from data: MoleculeDataset, properties: [Float]) -> TokenBatch {
        let width = data.maxLength, p = properties.isEmpty ? 0 : data.propertyNames.count
        var rows = [UInt8](repeating: 0, count: indices.count * width)
        var lengths = [Int32](repeating: 0, count: indices.count)
        var props = [Float](repeating: 0, count: indices.count * p)
        for (k, i) in indices.enumerated() {
            for t in 0..<width { rows[k * width + t] = data.tokens[i * width + t] }
            lengths[k] = data.lengths[i]
            for j in 0..<p { props[k * p + j] = properties[i * p + j] }
        }
        return TokenBatch(rows: rows, lengths: lengths, properties: p > 0 ? props : nil)
    }

    /// Runs until `options.epochs` epochs are complete or a stop is requested.
    public func run(progress: (TrainingProgress) -> Void = { _ in }, epochFinished: ([String: Double]) -> Void = { _ in }) throws -> TrainingOutcome {
        stopRequested = 0
        let parameters = model.parameters
        while state.completedEpochs < options.epochs {
            let epoch = state.completedEpochs
            let batches = epochBatches(count: trainIndices.count, batchSize: config.batchSize, seed: state.seed, epoch: epoch)
            var sums = (loss: 0.0, reconstruction: 0.0, kl: 0.0, property: 0.0, correct: 0, tokens: 0, molecules: 0, steps: 0)
            let epochStart = Date()
            var lastSave = Date()
            var beta: Float = 0
            for b in state.batchesDone..<batches.count {
                if stopRequested != 0 {
                    state.batchesDone = b
                    try saveCheckpoint()
                    return .interrupted
                }
                beta = config.klSchedule.weight(atEpoch: Double(epoch) + Double(b) / Double(batches.count), maximum: config.klWeight)
                let indices = batches[b].map { trainIndices[$0] }
                let data = batch(indices, from: training, properties: normalizedProperties)
                let tape = Tape()
                let terms = tape.record { model.loss(data, beta: beta, training: true, using: rng) }
                for (name, value) in [("total", terms.total.item), ("reconstruction", terms.reconstruction), ("KL", terms.kl), ("property", terms.property)]
                where !value.isFinite {
                    tape.reset()
                    throw ChemVAEError.nonFiniteLoss(epoch: epoch + 1, step: b + 1, term: name)
                }
                tape.backward(terms.total)
                clipGradientNorm(parameters, maxNorm: config.gradientClip)
                adam.update(parameters)
                sums.loss += Double(terms.total.item); sums.reconstruction += Double(terms.reconstruction)
                sums.kl += Double(terms.kl); sums.property += Double(terms.property)
                sums.correct += terms.correctTokens; sums.tokens += terms.tokens
                sums.molecules += data.size; sums.steps += 1
                let elapsed = Date().timeIntervalSince(epochStart)
                progress(TrainingProgress(
                    epoch: epoch + 1, epochs: options.epochs, batch: b + 1, batches: batches.count,
                    loss: sums.loss / Double(sums.steps), reconstruction: sums.reconstruction / Double(sums.steps),
                    kl: sums.kl / Double(sums.steps), property: sums.property / Double(sums.steps),
                    tokenAccuracy: Double(sums.correct) / Double(max(sums.tokens, 1)), beta: beta,
                    moleculesPerSecond: Double(sums.molecules) / max(elapsed, 1e-9)))
                if Date().timeIntervalSince(lastSave) > options.checkpointInterval, b + 1 < batches.count {
                    state.batchesDone = b + 1
                    try saveCheckpoint()
                    lastSave = Date()
                }
            }
            let seconds = Date().timeIntervalSince(epochStart)
            var record: [String: Double] = [
                "epoch": Double(epoch + 1), "beta": Double(beta), "seconds": seconds,
                "molecules_per_s": Double(sums.molecules) / max(seconds, 1e-9),
            ]
            if sums.steps > 0 {
                record["train_loss"] = sums.loss / Double(sums.steps)
                record["train_reconstruction"] = sums.reconstruction / Double(sums.steps)
                record["train_kl"] = sums.kl / Double(sums.steps)
                record["train_property_mse"] = sums.property / Double(sums.steps)
                record["train_token_accuracy"] = Double(sums.correct) / Double(max(sums.tokens, 1))
            }
            let validation = validate()
            // Why here: a run whose validation figures are NaN or infinite has gone wrong even
            // when its training loss looks fine; saving it would put the bad epoch into the model.
            if let bad = validation.keys.sorted().first(where: { !validation[$0]!.isFinite }) {
                throw ChemVAEError.nonFiniteValidation(epoch: epoch + 1, figure: bad)
            }
            record.merge(validation) { a, _ in a }
            bundle.history.append(record)
            state.completedEpochs += 1
            state.batchesDone = 0
            let validationLoss = validation["validation_loss"] ?? .infinity
            let isBest = validationLoss < state.bestValidationLoss
            if isBest { state.bestValidationLoss = validationLoss }
            try saveCheckpoint()
            if isBest { try bundle.save(to: bestPath) }
            epochFinished(record)
        }
        return .finished
    }

    /// Validation figures: losses with z = μ, token accuracy, exact greedy reconstruction of up to
    /// `reconstructionSamples` molecules, and each property's mean absolute error in its own units.
    public func validate() -> [String: Double] {
        let data = validationSet, indices = validationIndices
        let properties = normalizedValidationProperties
        var sums = (reconstruction: 0.0, kl: 0.0, property: 0.0, correct: 0, tokens: 0, molecules: 0)
        let p = data.propertyNames.count
        var absoluteErrors = [Double](repeating: 0, count: p)
        let evalRNG = RandomGenerator(seed: 0)
        Tape.withoutRecording {
            var start = 0
            while start < indices.count {
                let chunk = Array(indices[start..<min(start + 256, indices.count)])
                start += 256
                let batch = self.batch(chunk, from: data, properties: properties)
                let terms = model.loss(batch, beta: config.klWeight, training: false, using: evalRNG)
                sums.reconstruction += Double(terms.reconstruction) * Double(batch.size)
                sums.kl += Double(terms.kl) * Double(batch.size)
                sums.property += Double(terms.property) * Double(batch.size)
                sums.correct += terms.correctTokens; sums.tokens += terms.tokens; sums.molecules += batch.size
                if p > 0, let normalization = bundle.normalization, let predicted = model.predictProperties(model.encode(batch.rows).mean) {
                    let values = normalization.denormalize(predicted.scalars)
                    for (k, i) in chunk.enumerated() {
                        for j in 0..<p { absoluteErrors[j] += Double(abs(values[k * p + j] - data.properties[i * p + j])) }
                    }
                }
            }
        }
        let n = Double(max(sums.molecules, 1))
        var record: [String: Double] = [
            "validation_reconstruction": sums.reconstruction / n, "validation_kl": sums.kl / n,
            "validation_token_accuracy": Double(sums.correct) / Double(max(sums.tokens, 1)),
            "validation_loss": sums.reconstruction / n + Double(config.klWeight) * sums.kl / n
                + Double(config.propertyLossWeight) * sums.property / n,
        ]
        for (j, name) in data.propertyNames.enumerated() { record["validation_mae_\(name)"] = absoluteErrors[j] / n }
        let sample = Array(indices.prefix(options.reconstructionSamples))
        if !sample.isEmpty {
            let exact = reconstructionMatches(sample, from: data)
            record["validation_reconstruction_accuracy"] = Double(exact) / Double(sample.count)
        }
        return record
    }

    /// How many molecules decode (greedily, from μ) to exactly their own tokens.
    func reconstructionMatches(_ indices: [Int], from data: MoleculeDataset) -> Int {
        var exact = 0
        var start = 0
        while start < indices.count {
            let chunk = Array(indices[start..<min(start + 250, indices.count)])
            start += 250
            let batch = self.batch(chunk, from: data, properties: [])
            let decoded = Tape.withoutRecording { model.decode(model.encode(batch.rows).mean, method: .greedy, using: rng) }
            for (k, i) in chunk.enumerated() {
                let length = Int(data.lengths[i])
                if decoded[k].count == length && decoded[k].elementsEqual(data.tokens[(i * data.maxLength)..<(i * data.maxLength + length)]) {
                    exact += 1
                }
            }
        }
        return exact
    }

    func saveCheckpoint() throws {
        state.randomState = rng.state
        bundle.trainingState = state
        bundle.optimizer = adam
        try bundle.save(to: outputPath)
    }
}
