import Engine
import Foundation
import ImageModels
import Storage
import Training

/// A deep belief net saved as the shared model file (`Checkpoint`, kind "dbn"): the `DBNConfig`
/// JSON, and each layer trained so far under its name, "layer0." to "layerN.", laid out as an RBM
/// file lays out one machine (weight, visible_bias, hidden_bias; state base_rate_bias and
/// persistent_chains; momentum velocities), then the position and the history.
public final class DBNFile {
    public let dbn: DBN
    public var history: TrainingHistory
    /// Where the run stands (nil for a file saved for inference only).
    public var position: TrainingPosition?

    public static let kind = "dbn"

    public init(dbn: DBN, history: TrainingHistory = TrainingHistory(), position: TrainingPosition? = nil) {
        self.dbn = dbn; self.history = history; self.position = position
    }

    static func prefix(ofLayer k: Int) -> String { "layer\(k)." }

    /// True when `path` is a MolGen model file of kind "dbn" (reads only the root attributes).
    public static func holdsDBN(_ path: String) -> Bool { EnergyModelFile.holds(path, kind: kind) }

    public func save(to path: String) throws {
        let arrays = dbn.layers.enumerated().reduce(RBMArrays.empty) { $0.merging($1.element.storedArrays(prefix: Self.prefix(ofLayer: $1.offset))) }
        try EnergyModelFile.save(config: dbn.config, arrays: arrays, kind: Self.kind, position: position, history: history, to: path)
    }

    /// Loads a file written by `save(to:)`: the layers it holds, bottom up; errors name the file
    /// and what is wrong.
    public static func load(from path: String) throws -> DBNFile {
        let (checkpoint, config, bad) = try EnergyModelFile.load(from: path, kind: kind, name: "a DBN", as: DBNConfig.self)
        var layers: [RBM] = []
        for k in config.hiddenLayers.indices where checkpoint.parameters[prefix(ofLayer: k) + "weight"] != nil {
            guard layers.count == k else { throw bad("it has layer \(k) without layer \(layers.count)") }
            let layer = try RBM.restore(config: config.layerConfig(k), from: checkpoint, prefix: prefix(ofLayer: k), bad: bad)
            if let below = layers.last, below.hidden != layer.visible {
                throw bad("layer \(k) has \(layer.visible) visible units above \(below.hidden) hidden units")
            }
            layers.append(layer)
        }
        return DBNFile(dbn: DBN(config: config, layers: layers), history: checkpoint.history, position: checkpoint.position)
    }
}

/// Trains a deep belief net greedily through the shared `Trainer`: epochs 0..<E train layer 0 on
/// the binarised images, the next E layer 1 on layer 0's hidden probabilities, and so on (E =
/// `rbm.epochs`). One run, one file: checkpoints, stop signals and exact resume as for any family
/// (a layer's input is recomputed from the frozen layers below it, so nothing else is saved).
public final class DBNTrainer: TrainingTask {
    public let file: DBNFile
    /// Binarised images.
    public let train: ImageSet
    public let heldOut: ImageSet
    public private(set) var loop: Trainer!
    /// The layer in training and its inputs: the layer below's hidden probabilities of the training
    /// and held-out images (the held-out ones binarised at 0.5 for the pseudo-likelihood).
    private var current: (layer: Int, train: ImageSet, heldOut: ImageSet)?

    public var dbn: DBN { file.dbn }
    public var config: DBNConfig { file.dbn.config }

    /// A new run with `config`, or (`resume`) the run saved at `outputPath` continued.
    /// `trainingLimit` keeps the first training images.
    public init(config: DBNConfig?, datasets: String, outputPath: String, resume: Bool, trainingLimit: Int? = nil) throws {
        let position: TrainingPosition
        if resume {
            let loaded = try DBNFile.load(from: outputPath)
            guard let p = loaded.position else {
                throw ImageModelError.invalidOption("--resume: \(outputPath) holds no training state to resume")
            }
            position = p; file = loaded
        } else {
            guard let config else { throw ImageModelError.invalidOption("a new run needs a configuration") }
            try config.validate()
            position = TrainingPosition(seed: config.rbm.seed); file = DBNFile(dbn: DBN(config: config))
        }
        let (fullTrain, held) = try file.dbn.config.data.load(from: datasets)
        train = binarized(trainingLimit.map { fullTrain.subset(Array(0..<min($0, fullTrain.count))) } ?? fullTrain)
        heldOut = binarized(held)
        guard train.count >= file.dbn.config.rbm.batchSize else {
            throw ImageModelError.invalidOption("--batch-size: \(file.dbn.config.rbm.batchSize) exceeds the \(train.count) training images")
        }
        var options = TrainerOptions(epochs: file.dbn.config.totalEpochs)
        options.keepsBest = false
        loop = Trainer(task: self, outputPath: outputPath, options: options, position: position, history: file.history)
    }

    @discardableResult
    public func run(progress: (TrainingProgress) -> Void = { _ in },
                    epochFinished: ([String: Double]) -> Void = { _ in }) throws -> TrainingOutcome {
        try loop.run(progress: progress, epochFinished: epochFinished)
    }

    /// Layer `k` and its inputs, created (from the activities of the layers below) when its
    /// training starts.
    private func layer(_ k: Int) -> (rbm: RBM, train: ImageSet) {
        if current?.layer != k {
            func inputs(_ images: ImageSet) -> ImageSet {
                let v = dbn.upward(Tensor(images.pixels, shape: [images.count, images.pixelsPerImage]), through: k)
                return ImageSet(pixels: v.scalars, labels: images.labels, height: 1, width: v.shape[1])
            }
            let trainInputs = inputs(train)
            if dbn.layers.count == k { dbn.layers.append(RBM(config: config.layerConfig(k), training: trainInputs)) }
            current = (k, trainInputs, binarized(inputs(heldOut)))
        }
        return (dbn.layers[k], current!.train)
    }

    // MARK: TrainingTask

    public var itemName: String { "images" }
    private lazy var order = EpochBatches(count: train.count)

    public func batchCount(epoch: Int) -> Int { train.count / config.rbm.batchSize }
    public func itemCount(epoch: Int, batch: Int) -> Int { config.rbm.batchSize }

    public func trainStep(epoch: Int, batch: Int, epochPosition: Double, using rng: RandomGenerator) throws -> [String: Double] {
        let (rbm, inputs) = layer(epoch / config.rbm.epochs)
        let size = config.rbm.batchSize
        let indices = order.indices(of: batch, size: size, epoch: epoch, seed: loop.position.seed)
        let v0 = Tensor(inputs.subset(indices).pixels, shape: [size, rbm.visible])
        return ["reconstruction_error": rbm.contrastiveDivergenceStep(v0, using: rng)]
    }

    /// The layer in training (counted from 1) and its pseudo-log-likelihood on the held-out images'
    /// binarised activities of the layer below.
    public func validate() throws -> [String: Double] {
        guard let current else { return [:] }
        return ["layer": Double(current.layer + 1),
                "heldout_pseudo_log_likelihood": dbn.layers[current.layer].pseudoLogLikelihood(current.heldOut, bitsPerImage: 4)]
    }

    public func save(to path: String, position: TrainingPosition?, history: TrainingHistory) throws {
        file.position = position
        file.history = history
        try file.save(to: path)
    }
}
