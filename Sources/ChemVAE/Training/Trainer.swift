import Cluster
import Datasets
import Engine
import Foundation
import NN
import Smiles
import Storage
import Training

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
    /// A new Adam learning rate for a resumed run (its moments are kept), to anneal a long run.
    public var learningRate: Float?

    public init(epochs: Int) { self.epochs = epochs }
}

/// Trains a chemical VAE on a dataset file: the family's step (loss with the KL schedule, gradient
/// clipping, Adam), its validation and its file, run by the shared `Trainer` (checkpoints, best
/// model, stop signals, exact resume, the NaN guard, the history).
public final class ChemVAETrainer: TrainingTask {
    public let bundle: ChemVAEModel
    let training: MoleculeDataset
    let trainIndices: [Int]
    let validationIndices: [Int]
    let validationSet: MoleculeDataset
    let normalizedProperties: [Float]
    let normalizedValidationProperties: [Float]
    let options: TrainingOptions
    public let outputPath: String
    let adam: Adam
    let parameters: [NamedParameter]
    /// The shared loop that runs this task.
    public private(set) var loop: Trainer!
    /// This process's part when several train together (`mpirun`); inactive on its own.
    let parallel: DataParallel

    /// The best model's file: `model.h5` -> `model.best.h5`.
    public var bestPath: String { Trainer.bestPath(for: outputPath) }

    public static func bestPath(for output: String) -> String { Trainer.bestPath(for: output) }

    /// Starts a new run (`resume: false`) or continues the one saved at `outputPath`. A new run may
    /// start from the parameters of `warmStart` (a model file's, optimizer state not needed): its
    /// architecture, vocabulary and property normalisation are kept, while the training settings of
    /// `config` (learning rate, batch, epochs, KL weight and schedule) replace the saved ones.
    public init(config: ChemVAEConfig?, training: MoleculeDataset, validation: MoleculeDataset?, options: TrainingOptions,
                outputPath: String, resume: Bool, trainingPath: String = "the training file", warmStart: ChemVAEModel? = nil,
                group: ProcessGroup = .single) throws {
        guard training.count >= 2 else {
            throw ChemVAEError.incompatibleData("\(trainingPath) holds \(training.count) molecule(s); training needs at least 2")
        }
        self.training = training
        self.options = options
        self.outputPath = outputPath
        parallel = DataParallel(group: group)
        let position: TrainingPosition
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
            guard var s = saved.position, let a = saved.optimizer else {
                throw ChemVAEError.incompatibleData("--resume: \(outputPath) holds no training state (it was saved for inference only)")
            }
            if let rate = options.learningRate {
                saved.model.config.learningRate = rate
                a.learningRate = rate
            }
            bundle = saved; adam = a
            let schedule = (options.klWeight ?? saved.config.klWeight, options.klSchedule ?? saved.config.klSchedule)
            if schedule != (saved.config.klWeight, saved.config.klSchedule) {
                saved.model.config.klWeight = schedule.0
                saved.model.config.klSchedule = schedule.1
                // Validation losses under another KL weight are not comparable: the best model restarts here.
                s.bestValidationLoss = .infinity
            }
            position = s
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
            position = TrainingPosition(seed: options.seed, extras: ["validation_fraction": validation == nil ? options.validationFraction : 0])
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
            position = TrainingPosition(seed: options.seed, extras: ["validation_fraction": validation == nil ? options.validationFraction : 0])
        }
        if let validation {
            guard validation.vocabulary == training.vocabulary, validation.maxLength == training.maxLength else {
                throw ChemVAEError.incompatibleData("the validation file uses another vocabulary than the training file (convert it with --vocab TRAIN.h5)")
            }
        }
        // Hold out a seed-determined slice when no validation file is given.
        var all = Array(0..<min(training.count, options.limit ?? .max))
        if validation == nil {
            RandomGenerator(seed: position.seed &+ 0xA11D).shuffle(&all)
            let held = max(1, Int((Double(all.count) * (position.extras["validation_fraction"] ?? options.validationFraction)).rounded()))
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
        guard bundle.config.batchSize >= group.size else {
            throw ChemVAEError.incompatibleData("--batch-size \(bundle.config.batchSize) is smaller than the \(group.size) processes; each needs a molecule of every batch")
        }
        parameters = bundle.model.parameters
        var loopOptions = TrainerOptions(epochs: options.epochs)
        loopOptions.checkpointInterval = options.checkpointInterval
        loop = Trainer(task: self, outputPath: outputPath, options: loopOptions, position: position, history: bundle.history,
                       group: group)
        // Every process starts from rank 0's model, at the same position of the same run.
        parallel.broadcast(bundle.model.parameters.map(\.tensor) + bundle.model.buffers.map(\.tensor))
        let state = loop.currentPosition
        try parallel.requireAgreement("\(state.completedEpochs) \(state.batchesDone) \(state.steps) \(state.seed) \(state.randomState) \(adam.step) \(trainIndices.count)",
                                      "run state (data, or the checkpoint in \(outputPath))")
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
        try loop.run(progress: progress, epochFinished: epochFinished)
    }

    // MARK: TrainingTask

    public var itemName: String { "molecules" }

    private var batchesCache: (epoch: Int, batches: [[Int]])?

    func batches(epoch: Int) -> [[Int]] {
        if let cached = batchesCache, cached.epoch == epoch { return cached.batches }
        let batches = epochBatches(count: trainIndices.count, batchSize: config.batchSize, seed: loop.position.seed, epoch: epoch,
                                   minimumSize: parallel.group.size)
        batchesCache = (epoch, batches)
        return batches
    }

    public func batchCount(epoch: Int) -> Int { batches(epoch: epoch).count }

    public func itemCount(epoch: Int, batch: Int) -> Int { batches(epoch: epoch)[batch].count }

    public func trainStep(epoch: Int, batch b: Int, epochPosition: Double, using rng: RandomGenerator) throws -> [String: Double] {
        let beta = config.klSchedule.weight(atEpoch: epochPosition, maximum: config.klWeight)
        let indices = batches(epoch: epoch)[b].map { trainIndices[$0] }
        // With several processes this one takes its shard of the batch (DataParallel).
        var data = batch(Array(indices[parallel.shard(of: indices.count)]), from: training, properties: normalizedProperties)
        if parallel.isActive {
            data.decoderSteps = min(training.maxLength, Int(indices.map { training.lengths[$0] }.max() ?? 0) + 1)
        }
        let share = parallel.share(of: indices.count)
        let tape = Tape()
        let (terms, shareOfLoss) = parallel.withShard(of: indices.count) {
            tape.record {
                let terms = model.loss(data, beta: beta, training: true, using: rng)
                return (terms, share == 1 ? terms.total : terms.total.scaled(by: share))
            }
        }
        // The batch's terms: means weighted by each shard's share, counts summed.
        let s = Double(share)
        let sums = parallel.sum([Double(terms.total.item) * s, Double(terms.reconstruction) * s, Double(terms.kl) * s,
                                 Double(terms.property) * s, Double(terms.correctTokens), Double(terms.tokens)])
        let values: [String: Double] = [
            "loss": sums[0], "reconstruction": sums[1], "kl": sums[2], "property_mse": sums[3], "beta": Double(beta),
            "correct_tokens": sums[4], "tokens": sums[5],
        ]
        // A non-finite loss is reported by the loop before anything is saved; skip its update.
        guard values.values.allSatisfy(\.isFinite) else { tape.reset(); return values }
        tape.backward(shareOfLoss)
        parallel.sumGradients(parameters)
        clipGradientNorm(parameters, maxNorm: config.gradientClip)
        adam.update(parameters)
        return values
    }

    /// Per-epoch means prefixed `train_`; token accuracy over all tokens; β as it ended.
    public func epochRecord(termSums: [String: Double], steps: Int) -> [String: Double] {
        guard steps > 0 else { return [:] }
        var record: [String: Double] = [:]
        for name in ["loss", "reconstruction", "kl", "property_mse"] { record["train_" + name] = (termSums[name] ?? 0) / Double(steps) }
        record["train_token_accuracy"] = (termSums["correct_tokens"] ?? 0) / max(termSums["tokens"] ?? 0, 1)
        let epoch = loop.position.completedEpochs, batches = batchCount(epoch: epoch)
        record["beta"] = Double(config.klSchedule.weight(atEpoch: Double(epoch) + Double(batches - 1) / Double(batches), maximum: config.klWeight))
        return record
    }

    public func save(to path: String, position: TrainingPosition?, history: TrainingHistory) throws {
        bundle.position = position
        bundle.history = history
        bundle.optimizer = adam
        try bundle.save(to: path)
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
            let decoded = Tape.withoutRecording { model.decode(model.encode(batch.rows).mean, method: .greedy, using: loop.rng) }
            for (k, i) in chunk.enumerated() {
                let length = Int(data.lengths[i])
                if decoded[k].count == length && decoded[k].elementsEqual(data.tokens[(i * data.maxLength)..<(i * data.maxLength + length)]) {
                    exact += 1
                }
            }
        }
        return exact
    }
}
