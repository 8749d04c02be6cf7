import Engine
import Foundation
import NN
import Storage
import Training

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

/// Trains an image model: the family's step and held-out figures, run by the shared `Trainer`
/// (shuffled batches fixed by seed and epoch, terms logged into the history every `logEvery`
/// steps, an atomic checkpoint after every epoch, exact resume, the NaN guard).
public final class ImageTrainer: TrainingTask {
    public let file: ImageModelFile
    public let data: ImageTrainingData
    public let outputPath: String
    /// The shared loop that runs this task.
    public private(set) var loop: Trainer!

    public var model: ImageModel { file.model }
    public var epochs: Int {
        get { loop.options.epochs }
        set { loop.options.epochs = newValue }
    }

    /// A new run with `config`, or (`resume`) the run saved at `outputPath` continued to `epochs`
    /// (nil: the epochs it was started with). History records are the mean terms of every
    /// `logEvery` steps.
    public init(config: ImageModelConfig?, datasets: String, outputPath: String, resume: Bool, epochs: Int? = nil,
                trainingLimit: Int? = nil, logEvery: Int = 25) throws {
        let position: TrainingPosition
        if resume {
            file = try ImageModelFile.load(from: outputPath)
            guard let p = file.position else {
                throw ImageModelError.notAModel(path: outputPath, reason: "it holds no training state to resume")
            }
            position = p
        } else {
            guard let config else { throw ImageModelError.invalidOption("a new run needs a configuration") }
            file = ImageModelFile(model: try makeImageModel(config))
            position = TrainingPosition(seed: config.seed)
        }
        self.outputPath = outputPath
        data = try ImageTrainingData(config: file.config, datasets: datasets, limit: trainingLimit)
        guard data.train.count >= file.config.batchSize else {
            throw ImageModelError.invalidOption("--batch-size: \(file.config.batchSize) exceeds the \(data.train.count) training images")
        }
        var options = TrainerOptions(epochs: epochs ?? file.config.epochs)
        options.historyEvery = logEvery
        options.keepsBest = false
        loop = Trainer(task: self, outputPath: outputPath, options: options, position: position, history: file.history)
    }

    public var batchesPerEpoch: Int { data.train.count / model.config.batchSize }

    /// Trains until `epochs` are done or a stop is requested. `epochFinished` receives each
    /// epoch's mean terms and held-out figures.
    @discardableResult
    public func run(progress: (TrainingProgress) -> Void = { _ in },
                    epochFinished: ([String: Double]) -> Void = { _ in }) throws -> TrainingOutcome {
        try loop.run(progress: progress, epochFinished: epochFinished)
    }

    // MARK: TrainingTask

    public var itemName: String { "images" }

    private lazy var order = EpochBatches(count: data.train.count)

    public func batchCount(epoch: Int) -> Int { batchesPerEpoch }

    public func itemCount(epoch: Int, batch: Int) -> Int { model.config.batchSize }

    public func trainStep(epoch: Int, batch: Int, epochPosition: Double, using rng: RandomGenerator) throws -> [String: Double] {
        let size = model.config.batchSize
        let indices = order.indices(of: batch, size: size, epoch: epoch, seed: loop.position.seed)
        return model.trainStep(makeBatch(indices, using: rng), using: rng)
    }

    public func validate() throws -> [String: Double] { heldOutFigures() }

    public func save(to path: String, position: TrainingPosition?, history: TrainingHistory) throws {
        file.position = position
        file.history = history
        try file.save(to: path)
    }

    /// The batch for `indices` of the training set, plus labelled images (SSVAE) or a batch of the
    /// other domain (CycleGAN) drawn from the live generator.
    func makeBatch(_ indices: [Int], using rng: RandomGenerator) -> TrainingBatch {
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
