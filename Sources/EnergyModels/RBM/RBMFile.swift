import Engine
import Foundation
import ImageModels
import Storage
import Training

/// An RBM saved as the shared model file (`Checkpoint`, kind "rbm"): the `RBMConfig` JSON,
/// parameters weight / visible_bias / hidden_bias, state base_rate_bias (and persistent_chains
/// for PCD), the momentum velocities as optimizer "momentum" (moment "velocity"), the position
/// and the history.
public final class RBMFile {
    public let rbm: RBM
    public var history: TrainingHistory
    /// Where the run stands (nil for a file saved for inference only).
    public var position: TrainingPosition?

    public static let kind = "rbm"

    public init(rbm: RBM, history: TrainingHistory = TrainingHistory(), position: TrainingPosition? = nil) {
        self.rbm = rbm; self.history = history; self.position = position
    }

    /// True when `path` is a MolGen model file of kind "rbm" (reads only the root attributes), so
    /// the image commands can tell an RBM from the other image models.
    public static func holdsRBM(_ path: String) -> Bool { EnergyModelFile.holds(path, kind: kind) }

    public func save(to path: String) throws {
        try EnergyModelFile.save(config: rbm.config, arrays: rbm.storedArrays(prefix: ""), kind: Self.kind, position: position,
                                 history: history, to: path)
    }

    /// Loads a file written by `save(to:)`; errors name the file and what is wrong.
    public static func load(from path: String) throws -> RBMFile {
        let (checkpoint, config, bad) = try EnergyModelFile.load(from: path, kind: kind, name: "an RBM", as: RBMConfig.self)
        let rbm = try RBM.restore(config: config, from: checkpoint, prefix: "", bad: bad)
        return RBMFile(rbm: rbm, history: checkpoint.history, position: checkpoint.position)
    }
}

/// An RBM's arrays as a model file holds them, every name after a prefix ("" in an RBM's file,
/// "layer1." in a deep belief net's).
struct RBMArrays {
    var parameters: [String: StoredArray<Float>]
    /// base_rate_bias, and persistent_chains for PCD.
    var state: [String: StoredArray<Float>]
    /// The momentum velocities by parameter name.
    var velocities: [String: StoredArray<Float>]

    static let empty = RBMArrays(parameters: [:], state: [:], velocities: [:])

    /// Both machines' arrays (their names differ by prefix).
    func merging(_ other: RBMArrays) -> RBMArrays {
        RBMArrays(parameters: parameters.merging(other.parameters) { a, _ in a }, state: state.merging(other.state) { a, _ in a },
                  velocities: velocities.merging(other.velocities) { a, _ in a })
    }
}

extension RBM {
    func storedArrays(prefix: String) -> RBMArrays {
        func named(_ list: [NamedParameter]) -> [String: StoredArray<Float>] {
            Training.storedArrays(list.map { (name: prefix + $0.name, tensor: $0.tensor) })
        }
        var state: [NamedParameter] = [("base_rate_bias", baseRateBias)]
        if let chains { state.append(("persistent_chains", chains)) }
        return RBMArrays(parameters: named(parameters), state: named(state),
                         velocities: named(velocities.map { (name: $0.key, tensor: $0.value) }))
    }

    /// The machine a checkpoint holds under `prefix`, checked against `config`; `bad` words the error.
    static func restore(config: RBMConfig, from checkpoint: Checkpoint, prefix: String,
                        bad: (String) -> ImageModelError) throws -> RBM {
        func tensor(_ array: StoredArray<Float>?, _ name: String, _ shape: [Int]?) throws -> Tensor {
            guard let array else { throw bad("it has no \(prefix + name)") }
            if let shape, array.shape != shape { throw bad("\(prefix + name) has shape \(array.shape), expected \(shape)") }
            return Tensor(array.values, shape: array.shape)
        }
        let weight = try tensor(checkpoint.parameters[prefix + "weight"], "weight", nil)
        guard weight.rank == 2, weight.shape[0] == config.hidden else {
            throw bad("\(prefix)weight has shape \(weight.shape) for \(config.hidden) hidden units")
        }
        let visible = weight.shape[1]
        var velocities: [String: Tensor] = [:]
        let saved = checkpoint.optimizers["momentum"]?.moments["velocity"] ?? [:]
        for (name, shape) in [("weight", weight.shape), ("visible_bias", [visible]), ("hidden_bias", [config.hidden])] {
            velocities[name] = saved[prefix + name] == nil ? Tensor(zeros: shape) : try tensor(saved[prefix + name], "velocity of \(name)", shape)
        }
        let chains = config.persistent && checkpoint.state[prefix + "persistent_chains"] != nil
            ? try tensor(checkpoint.state[prefix + "persistent_chains"], "persistent_chains", [config.batchSize, visible]) : nil
        return RBM(config: config, weight: weight,
                   visibleBias: try tensor(checkpoint.parameters[prefix + "visible_bias"], "visible_bias", [visible]),
                   hiddenBias: try tensor(checkpoint.parameters[prefix + "hidden_bias"], "hidden_bias", [config.hidden]),
                   baseRateBias: try tensor(checkpoint.state[prefix + "base_rate_bias"], "base_rate_bias", [visible]),
                   velocities: velocities, chains: chains)
    }
}

/// Trains an RBM on binarised images through the shared `Trainer` (batches fixed by seed and
/// epoch, checkpoints, stop signals, exact resume, the NaN guard).
public final class RBMTrainer: TrainingTask {
    public let file: RBMFile
    public let train: ImageSet
    public let heldOut: ImageSet
    public private(set) var loop: Trainer!

    public var rbm: RBM { file.rbm }

    /// A new run with `config`, or (`resume`) the run saved at `outputPath` continued to `epochs`
    /// (nil: the epochs it was started with). `trainingLimit` keeps the first training images.
    public init(config: RBMConfig?, datasets: String, outputPath: String, resume: Bool, epochs: Int? = nil,
                trainingLimit: Int? = nil) throws {
        let position: TrainingPosition
        let dataSource: ImageDataSource
        var loaded: RBMFile?
        if resume {
            let file = try RBMFile.load(from: outputPath)
            guard let p = file.position else {
                throw ImageModelError.invalidOption("--resume: \(outputPath) holds no training state to resume")
            }
            position = p; loaded = file; dataSource = file.rbm.config.data
        } else {
            guard let config else { throw ImageModelError.invalidOption("a new run needs a configuration") }
            try config.validate()
            position = TrainingPosition(seed: config.seed); dataSource = config.data
        }
        let (fullTrain, held) = try dataSource.load(from: datasets)
        let binarize = loaded?.rbm.config.binarize ?? config!.binarize
        let limited = trainingLimit.map { fullTrain.subset(Array(0..<min($0, fullTrain.count))) } ?? fullTrain
        train = binarize ? binarized(limited) : limited
        heldOut = binarize ? binarized(held) : held
        file = loaded ?? RBMFile(rbm: RBM(config: config!, training: train))
        guard train.count >= file.rbm.config.batchSize else {
            throw ImageModelError.invalidOption("--batch-size: \(file.rbm.config.batchSize) exceeds the \(train.count) training images")
        }
        var options = TrainerOptions(epochs: epochs ?? file.rbm.config.epochs)
        options.keepsBest = false
        loop = Trainer(task: self, outputPath: outputPath, options: options, position: position, history: file.history)
    }

    @discardableResult
    public func run(progress: (TrainingProgress) -> Void = { _ in },
                    epochFinished: ([String: Double]) -> Void = { _ in }) throws -> TrainingOutcome {
        try loop.run(progress: progress, epochFinished: epochFinished)
    }

    // MARK: TrainingTask

    public var itemName: String { "images" }
    private lazy var order = EpochBatches(count: train.count)

    public func batchCount(epoch: Int) -> Int { train.count / rbm.config.batchSize }
    public func itemCount(epoch: Int, batch: Int) -> Int { rbm.config.batchSize }

    public func trainStep(epoch: Int, batch: Int, epochPosition: Double, using rng: RandomGenerator) throws -> [String: Double] {
        let size = rbm.config.batchSize
        let indices = order.indices(of: batch, size: size, epoch: epoch, seed: loop.position.seed)
        let v0 = Tensor(train.subset(indices).pixels, shape: [size, rbm.visible])
        return ["reconstruction_error": rbm.contrastiveDivergenceStep(v0, using: rng)]
    }

    /// The pseudo-log-likelihood of the held-out images (cheap; AIS is `molgen image score`'s).
    public func validate() throws -> [String: Double] {
        ["heldout_pseudo_log_likelihood": rbm.pseudoLogLikelihood(heldOut, bitsPerImage: 4)]
    }

    public func save(to path: String, position: TrainingPosition?, history: TrainingHistory) throws {
        file.position = position
        file.history = history
        try file.save(to: path)
    }
}
