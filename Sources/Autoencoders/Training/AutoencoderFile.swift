import Engine
import Foundation
import ImageModels
import NN
import Storage
import Training

/// An autoencoder saved as the shared model file (`Checkpoint`, kind "ae", "dae", "sae", "cae",
/// "rae", "linear-ae" or "swap"): the `AutoencoderConfig` JSON, parameters by `<module>.<name>`,
/// the Adam state as optimizer "adam", where the run stands and the history.
public final class AutoencoderFile {
    public let model: Autoencoder
    public var history: TrainingHistory
    /// Where the run stands (nil for a file saved for inference only).
    public var position: TrainingPosition?

    public init(model: Autoencoder, history: TrainingHistory = TrainingHistory(), position: TrainingPosition? = nil) {
        self.model = model; self.history = history; self.position = position
    }

    public var config: AutoencoderConfig { model.config }

    /// True when `path` is a MolGen model file of an autoencoder kind (reads only the root
    /// attributes), so the image commands can tell autoencoders from the other image models.
    public static func holdsAutoencoder(_ path: String) -> Bool {
        guard HDF5File.isHDF5(at: path), let file = try? HDF5File.open(at: path) else { return false }
        defer { try? file.close() }
        return (try? file.stringAttribute("kind")).flatMap(AutoencoderKind.init(rawValue:)) != nil
    }

    /// Writes the file atomically.
    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(model.config), as: UTF8.self)
        let checkpoint = Checkpoint(kind: config.kind.rawValue, config: json, parameters: storedArrays(model.parameters),
                                    optimizers: ["adam": OptimizerState(model.adam)], position: position, history: history)
        try checkpoint.save(to: path)
    }

    /// Loads a file written by `save(to:)`; errors name the file and what is wrong.
    public static func load(from path: String) throws -> AutoencoderFile {
        guard FileManager.default.fileExists(atPath: path) else { throw ImageModelError.fileNotFound(path) }
        func bad(_ reason: String) -> ImageModelError { .badFile(path: path, reason: "not an autoencoder model file: \(reason)") }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.load(from: path) } catch let error as StorageError { throw bad("\(error)") }
        guard let kind = AutoencoderKind(rawValue: checkpoint.kind) else { throw bad("it is a MolGen model of kind '\(checkpoint.kind)'") }
        let config: AutoencoderConfig
        do { config = try JSONDecoder().decode(AutoencoderConfig.self, from: Data(checkpoint.config.utf8)) } catch {
            throw bad("its config attribute is not an autoencoder configuration")
        }
        guard config.kind == kind else { throw bad("its kind '\(kind.rawValue)' disagrees with its config ('\(config.kind.rawValue)')") }
        let model: Autoencoder
        do { model = try makeAutoencoder(config) } catch { throw bad("\(error)") }
        do { try checkpoint.assign(to: model.parameters) } catch let error as ParameterLoadError { throw bad("\(error)") }
        if let saved = checkpoint.optimizers["adam"] { model.adam.restore(from: saved) }
        return AutoencoderFile(model: model, history: checkpoint.history, position: checkpoint.position)
    }
}

/// Trains an autoencoder through the shared `Trainer` (batches fixed by seed and epoch, a
/// checkpoint after every epoch, stop signals, exact resume, the NaN guard). `sae` spends its first
/// `pretrainEpochs` x stages epochs pre-training one encoder/decoder pair at a time: the stage
/// follows from the epoch, so a resumed run continues in the right one.
public final class AutoencoderTrainer: TrainingTask {
    public let file: AutoencoderFile
    public let train: ImageSet
    public let heldOut: ImageSet
    /// `swap`: style A's split.
    public let otherTrain: ImageSet?
    public let otherHeldOut: ImageSet?
    public private(set) var loop: Trainer!

    public var model: Autoencoder { file.model }

    /// A new run with `config`, or (`resume`) the run saved at `outputPath` continued to `epochs`
    /// (nil: the epochs it was started with). `trainingLimit` keeps the first training images.
    public init(config: AutoencoderConfig?, datasets: String, outputPath: String, resume: Bool, epochs: Int? = nil,
                trainingLimit: Int? = nil) throws {
        let position: TrainingPosition
        if resume {
            file = try AutoencoderFile.load(from: outputPath)
            guard let p = file.position else { throw ImageModelError.invalidOption("--resume: \(outputPath) holds no training state to resume") }
            position = p
        } else {
            guard let config else { throw ImageModelError.invalidOption("a new run needs a configuration") }
            file = AutoencoderFile(model: try makeAutoencoder(config))
            position = TrainingPosition(seed: config.seed)
        }
        let config = file.config
        (train, heldOut) = try Self.load(config.data, datasets: datasets, limit: trainingLimit)
        if let other = config.otherData {
            let split = try Self.load(other, datasets: datasets, limit: trainingLimit)
            (otherTrain, otherHeldOut) = (split.train, split.heldOut)
        } else {
            (otherTrain, otherHeldOut) = (nil, nil)
        }
        guard train.height == config.height, train.width == config.width else {
            throw ImageModelError.invalidOption("--data \(config.data.rawValue): images are \(train.height)x\(train.width) but the model expects \(config.height)x\(config.width)")
        }
        guard train.count >= config.batchSize else {
            throw ImageModelError.invalidOption("--batch-size: \(config.batchSize) exceeds the \(train.count) training images")
        }
        var options = TrainerOptions(epochs: epochs ?? config.epochs)
        options.keepsBest = false
        loop = Trainer(task: self, outputPath: outputPath, options: options, position: position, history: file.history)
    }

    static func load(_ source: ImageDataSource, datasets: String, limit: Int?) throws -> (train: ImageSet, heldOut: ImageSet) {
        let (train, heldOut) = try source.load(from: datasets)
        return (limit.map { train.subset(Array(0..<min($0, train.count))) } ?? train, heldOut)
    }

    @discardableResult
    public func run(progress: (TrainingProgress) -> Void = { _ in },
                    epochFinished: ([String: Double]) -> Void = { _ in }) throws -> TrainingOutcome {
        try loop.run(progress: progress, epochFinished: epochFinished)
    }

    /// The `sae` pair pre-trained in `epoch`, or nil once the whole network is fine-tuned.
    public func stage(epoch: Int) -> Int? {
        let c = model.config
        return c.pretrainEpochs > 0 && epoch < c.pretrainEpochs * c.pretrainStages ? epoch / c.pretrainEpochs : nil
    }

    // MARK: TrainingTask

    public var itemName: String { "images" }
    private lazy var order = EpochBatches(count: train.count)

    public func batchCount(epoch: Int) -> Int { train.count / model.config.batchSize }
    public func itemCount(epoch: Int, batch: Int) -> Int { model.config.batchSize }

    public func trainStep(epoch: Int, batch: Int, epochPosition: Double, using rng: RandomGenerator) throws -> [String: Double] {
        let size = model.config.batchSize
        var input = AutoencoderBatch(images: train.batch(order.indices(of: batch, size: size, epoch: epoch, seed: loop.position.seed)))
        if let other = otherTrain { input.otherStyle = other.batch((0..<size).map { _ in rng.index(below: other.count) }) }
        return model.trainStep(input, stage: stage(epoch: epoch), using: rng)
    }

    /// Held-out reconstruction error per pixel (`swap`: both styles').
    public func validate() throws -> [String: Double] {
        var figures = ["validation_loss": reconstructionError(model, heldOut)]
        if let swap = model as? SwapAutoencoder, let otherHeldOut {
            figures["validation_loss_a"] = meanSquaredError(otherHeldOut.pixels, swap.inBlocks(otherHeldOut) { swap.decode(swap.encode($0), style: .a) })
        }
        return figures
    }

    public func save(to path: String, position: TrainingPosition?, history: TrainingHistory) throws {
        file.position = position
        file.history = history
        try file.save(to: path)
    }
}

/// Mean squared error per pixel of a model's reconstructions of `images` (clean inputs).
public func reconstructionError(_ model: Autoencoder, _ images: ImageSet) -> Double {
    meanSquaredError(images.pixels, model.reconstruct(images))
}

/// Mean of (a - b)² over all elements, in Double.
func meanSquaredError(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count, "meanSquaredError: \(a.count) and \(b.count) values")
    var total = 0.0
    for i in a.indices { let d = Double(a[i] - b[i]); total += d * d }
    return total / Double(max(a.count, 1))
}
