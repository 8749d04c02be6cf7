import Engine
import Foundation
import NN
import Storage

/// What the trainer reports after each step.
public struct ImageTrainingProgress: Sendable {
    public var epoch: Int, epochs: Int
    public var batch: Int, batches: Int
    /// The step's logged terms.
    public var terms: [String: Double]
    public var imagesPerSecond: Double
}

public enum ImageTrainingOutcome: Equatable, Sendable {
    case finished
    /// Stopped by SIGINT/SIGTERM (or `requestImageTrainingStop`) after saving a checkpoint that
    /// `resume` continues from exactly.
    case interrupted
}

nonisolated(unsafe) private var stopRequested: sig_atomic_t = 0

/// Makes SIGINT and SIGTERM request a clean stop of image training instead of killing the process.
public func stopImageTrainingOnSignals() {
    signal(SIGINT) { _ in stopRequested = 1 }
    signal(SIGTERM) { _ in stopRequested = 1 }
}

/// Requests a clean stop as a signal would (tests and embedding applications).
public func requestImageTrainingStop() { stopRequested = 1 }

/// The data a model trains and is judged on.
public struct ImageTrainingData {
    public let train: ImageSet
    public let heldOut: ImageSet
    /// CycleGAN: domain A's split.
    public let otherTrain: ImageSet?
    public let otherHeldOut: ImageSet?
    /// SSVAE: indices into `train` whose labels the model may see.
    public let labelled: [Int]

    /// Loads the fixed splits `config` names from the `datasets` directory; `limit` keeps only the
    /// first training images (quick experiments and tests).
    public init(config: ImageModelConfig, datasets: String, limit: Int? = nil) throws {
        let (fullTrain, held) = try config.data.load(from: datasets)
        train = limit.map { fullTrain.subset(Array(0..<min($0, fullTrain.count))) } ?? fullTrain
        heldOut = held
        if let other = config.otherData {
            let split = try other.load(from: datasets)
            otherTrain = split.train; otherHeldOut = split.heldOut
        } else {
            otherTrain = nil; otherHeldOut = nil
        }
        guard train.height == config.height, train.width == config.width else {
            throw ImageModelError.invalidOption("--data \(config.data.rawValue): images are \(train.height)x\(train.width) but the model expects \(config.height)x\(config.width)")
        }
        labelled = config.model == .ssvae ? try Self.balancedLabelled(train.labels, count: config.labels, seed: config.seed) : []
    }

    /// `count` indices with the classes as even as possible (the first `count % 10` classes get one
    /// more), drawn by a shuffle seeded from `seed`.
    public static func balancedLabelled(_ labels: [Int], count: Int, seed: UInt64) throws -> [Int] {
        guard count >= 10 && count <= labels.count else {
            throw ImageModelError.invalidOption("--labels: \(count) must be between 10 and the \(labels.count) training images")
        }
        var order = Array(labels.indices)
        RandomGenerator(seed: seed &+ 0x5eed).shuffle(&order)
        var byClass = [[Int]](repeating: [], count: 10)
        for i in order { byClass[labels[i]].append(i) }
        var chosen: [Int] = []
        for k in 0..<10 {
            let want = count / 10 + (k < count % 10 ? 1 : 0)
            guard byClass[k].count >= want else {
                throw ImageModelError.invalidOption("--labels: \(count) needs \(want) images of digit \(k) but the training set has \(byClass[k].count)")
            }
            chosen += byClass[k].prefix(want)
        }
        return chosen.sorted()
    }
}

/// Trains an image model: shuffled batches each epoch, terms logged into the model's history every
/// `logEvery` steps, held-out figures and an atomic checkpoint after every epoch, exact resume.
public final class ImageTrainer {
    public let file: ImageModelFile
    public let data: ImageTrainingData
    public let outputPath: String
    public var epochs: Int
    public var logEvery = 25
    let rng: RandomGenerator
    var state: ImageTrainingState

    public var model: ImageModel { file.model }

    /// A new run with `config`, or (`resume`) the run saved at `outputPath` continued to `epochs`
    /// (nil: the epochs it was started with).
    public init(config: ImageModelConfig?, datasets: String, outputPath: String, resume: Bool, epochs: Int? = nil,
                trainingLimit: Int? = nil) throws {
        if resume {
            file = try ImageModelFile.load(from: outputPath)
            guard let s = file.state else {
                throw ImageModelError.notAModel(path: outputPath, reason: "it holds no training state to resume")
            }
            state = s
            rng = RandomGenerator(state: s.randomState)
        } else {
            guard let config else { throw ImageModelError.invalidOption("a new run needs a configuration") }
            file = ImageModelFile(model: makeImageModel(config))
            rng = RandomGenerator(seed: config.seed)
            let epochSeed = rng.next()
            state = ImageTrainingState(completedEpochs: 0, batchesDone: 0, steps: 0, epochSeed: epochSeed, randomState: rng.state)
        }
        self.outputPath = outputPath
        self.epochs = epochs ?? file.config.epochs
        data = try ImageTrainingData(config: file.config, datasets: datasets, limit: trainingLimit)
        guard data.train.count >= file.config.batchSize else {
            throw ImageModelError.invalidOption("--batch-size: \(file.config.batchSize) exceeds the \(data.train.count) training images")
        }
    }

    public var batchesPerEpoch: Int { data.train.count / model.config.batchSize }

    /// Trains until `epochs` are done or a stop is requested. `epochFinished` receives each
    /// epoch's mean terms and held-out figures.
    @discardableResult
    public func run(progress: (ImageTrainingProgress) -> Void = { _ in },
                    epochFinished: ([String: Double]) -> Void = { _ in }) throws -> ImageTrainingOutcome {
        stopRequested = 0
        let batchSize = model.config.batchSize, batches = batchesPerEpoch
        while state.completedEpochs < epochs {
            var order = Array(0..<data.train.count)
            RandomGenerator(seed: state.epochSeed).shuffle(&order)
            var sums: [String: Double] = [:], logSums: [String: Double] = [:], logCount = 0, epochCount = 0
            let start = Date()
            while state.batchesDone < batches {
                if stopRequested != 0 {
                    state.randomState = rng.state
                    file.state = state
                    try file.save(to: outputPath)
                    return .interrupted
                }
                let indices = Array(order[state.batchesDone * batchSize ..< (state.batchesDone + 1) * batchSize])
                let terms = model.trainStep(makeBatch(indices), using: rng)
                state.batchesDone += 1
                state.steps += 1
                for (k, v) in terms { sums[k, default: 0] += v; logSums[k, default: 0] += v }
                logCount += 1; epochCount += 1
                if state.steps % logEvery == 0 {
                    var record = logSums.mapValues { $0 / Double(logCount) }
                    record["step"] = Double(state.steps)
                    record["epoch"] = Double(state.completedEpochs) + Double(state.batchesDone) / Double(batches)
                    file.history.append(record)
                    logSums = [:]; logCount = 0
                }
                let elapsed = Date().timeIntervalSince(start)
                progress(ImageTrainingProgress(epoch: state.completedEpochs + 1, epochs: epochs, batch: state.batchesDone, batches: batches,
                                               terms: terms, imagesPerSecond: Double(epochCount * batchSize) / max(elapsed, 1e-9)))
            }
            state.completedEpochs += 1
            state.batchesDone = 0
            state.epochSeed = rng.next()
            state.randomState = rng.state
            var summary = sums.mapValues { $0 / Double(max(epochCount, 1)) }
            summary.merge(heldOutFigures()) { a, _ in a }
            summary["epoch"] = Double(state.completedEpochs)
            file.state = state
            try file.save(to: outputPath)
            epochFinished(summary)
        }
        return .finished
    }

    /// The batch for `indices` of the training set, plus labelled images (SSVAE) or a batch of the
    /// other domain (CycleGAN) drawn from the live generator.
    func makeBatch(_ indices: [Int]) -> TrainingBatch {
        let config = model.config
        var batch = TrainingBatch(images: data.train.batch(indices), labels: indices.map { data.train.labels[$0] })
        if config.model == .ssvae {
            let n = min(data.labelled.count, config.batchSize)
            let picks = (0..<n).map { _ in data.labelled[rng.index(below: data.labelled.count)] }
            batch.extra = (data.train.batch(picks), picks.map { data.train.labels[$0] })
        } else if let other = data.otherTrain {
            let picks = (0..<indices.count).map { _ in rng.index(below: other.count) }
            batch.extra = (other.batch(picks), picks.map { other.labels[$0] })
        }
        return batch
    }

    /// Cheap held-out figures logged each epoch (not used to pick or stop anything).
    func heldOutFigures() -> [String: Double] {
        let probe = RandomGenerator(seed: 12345)
        switch model {
        case let vae as VAE: return ["heldout_elbo": vae.evidenceLowerBound(data.heldOut, using: probe)]
        case let ssvae as SemiSupervisedVAE: return ["heldout_accuracy": accuracy(ssvae.classify(data.heldOut), data.heldOut.labels)]
        case let classifier as DigitClassifier:
            return ["heldout_accuracy": accuracy(classifier.classify(data.heldOut.tensor), data.heldOut.labels)]
        default: return [:]
        }
    }
}

/// Fraction of equal entries.
public func accuracy(_ predicted: [Int], _ truth: [Int]) -> Double {
    precondition(predicted.count == truth.count, "accuracy: \(predicted.count) predictions for \(truth.count) labels")
    return Double(zip(predicted, truth).filter { $0 == $1 }.count) / Double(max(truth.count, 1))
}
