import Engine
import Foundation
import NN
import Storage
import Training

/// An option a caller got wrong; the message names the option.
public struct FlowError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What a flow is trained on and how. The data are a pure function of the configuration (its seed
/// included), so a resumed run regenerates exactly the same points.
public struct FlowConfig: Codable, Equatable, Sendable {
    public enum Dataset: String, Codable, CaseIterable, Sendable {
        case moons
        case doubleWell = "double-well"
    }

    /// The wells the double well's sampling chains start in (one chain each).
    public enum Wells: String, Codable, CaseIterable, Sendable {
        case left, right, both

        public var minima: [Double] {
            switch self {
            case .left: return [DoubleWell.leftMinimum]
            case .right: return [DoubleWell.rightMinimum]
            case .both: return [DoubleWell.leftMinimum, DoubleWell.rightMinimum]
            }
        }
    }

    public var dataset: Dataset
    public var layers = 8
    public var hidden = 64
    public var batchSize = 256
    public var epochs = 60
    public var learningRate = 1e-3
    public var seed: UInt64 = 1
    public var trainingSize = 4000
    public var heldOutSize = 2000
    /// moons: the noise of the points.
    public var noise = 0.05
    /// double-well: kT, the Metropolis–Hastings proposal σ, the wells the chains start in, the
    /// weight of the energy (KL) loss and the epochs of maximum likelihood alone before it joins.
    public var temperature = 1.0
    public var sigma = 0.5
    public var wells = Wells.both
    public var klWeight = 1.0
    public var maximumLikelihoodEpochs = 15

    public init(dataset: Dataset) {
        self.dataset = dataset
        epochs = dataset == .moons ? 60 : 40
    }

    public func validate() throws {
        func require(_ ok: Bool, _ message: String) throws { if !ok { throw FlowError(message) } }
        try require((1...64).contains(layers), "--layers: \(layers) must be between 1 and 64")
        try require((1...4096).contains(hidden), "--hidden: \(hidden) must be between 1 and 4096")
        try require((1...100_000).contains(batchSize), "--batch-size: \(batchSize) must be between 1 and 100000")
        try require((1...100_000).contains(epochs), "--epochs: \(epochs) must be between 1 and 100000")
        try require(learningRate > 0 && learningRate.isFinite, "--learning-rate: \(learningRate) must be positive")
        try require((2...1_000_000).contains(trainingSize), "--training-size: \(trainingSize) must be between 2 and 1000000")
        try require(batchSize <= trainingSize, "--batch-size: \(batchSize) exceeds --training-size \(trainingSize)")
        try require((1...1_000_000).contains(heldOutSize), "--heldout-size: \(heldOutSize) must be between 1 and 1000000")
        try require(noise >= 0 && noise.isFinite, "--noise: \(noise) must not be negative")
        try require(temperature > 0 && temperature.isFinite, "--temperature: \(temperature) must be positive")
        try require(sigma > 0 && sigma.isFinite, "--sigma: \(sigma) must be positive")
        try require(klWeight >= 0 && klWeight.isFinite, "--kl-weight: \(klWeight) must not be negative")
        try require(maximumLikelihoodEpochs >= 0, "--ml-epochs: \(maximumLikelihoodEpochs) must not be negative")
    }

    public var dimension: Int { 2 }

    /// Training and held-out points [N, 2], row-major.
    public func data() throws -> (training: [Float], heldOut: [Float]) {
        switch dataset {
        case .moons:
            let rng = RandomGenerator(seed: seed &+ 0xD47A)
            return (twoMoons(count: trainingSize, noise: noise, using: rng), twoMoons(count: heldOutSize, noise: noise, using: rng))
        case .doubleWell:
            let starts = wells.minima
            let well = DoubleWell(temperature: temperature)
            do {
                return (try well.wellSamples(count: trainingSize, wells: starts, sigma: sigma, seed: seed &+ 0xD47A),
                        try well.wellSamples(count: heldOutSize, wells: starts, sigma: sigma, seed: seed &+ 0xD47B))
            } catch { throw FlowError("\(error)") }
        }
    }
}

/// A flow saved as the shared model file (`Checkpoint`, kind "flow"): the `FlowConfig` JSON, the
/// RealNVP's parameters, Adam's state as optimizer "adam", the position and the history.
public final class FlowFile {
    public let config: FlowConfig
    public let flow: RealNVP
    public let adam: Adam
    public var history: TrainingHistory
    public var position: TrainingPosition?

    public static let kind = "flow"

    public init(config: FlowConfig) {
        self.config = config
        flow = RealNVP(dimension: config.dimension, layers: config.layers, hidden: config.hidden, using: RandomGenerator(seed: config.seed))
        adam = Adam(learningRate: Float(config.learningRate))
        history = TrainingHistory()
    }

    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(config), as: UTF8.self)
        try Checkpoint(kind: Self.kind, config: json, parameters: storedArrays(flow.parameters),
                       optimizers: ["adam": OptimizerState(adam)], position: position, history: history).save(to: path)
    }

    /// Loads a file written by `save(to:)`; errors name the file and what is wrong.
    public static func load(from path: String) throws -> FlowFile {
        guard FileManager.default.fileExists(atPath: path) else { throw FlowError("\(path): no such file") }
        func bad(_ reason: String) -> FlowError { FlowError("\(path): not a flow model file: \(reason)") }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.load(from: path) } catch { throw bad("\(error)") }
        guard checkpoint.kind == kind else { throw bad("it is a MolGen model of kind '\(checkpoint.kind)'") }
        guard let config = try? JSONDecoder().decode(FlowConfig.self, from: Data(checkpoint.config.utf8)) else {
            throw bad("its config attribute is not a flow configuration")
        }
        let file = FlowFile(config: config)
        do { try checkpoint.assign(to: file.flow.parameters) } catch { throw bad("\(error)") }
        if let state = checkpoint.optimizers["adam"] { file.adam.restore(from: state) }
        file.history = checkpoint.history
        file.position = checkpoint.position
        return file
    }
}

/// Trains a RealNVP through the shared `Trainer`: maximum likelihood on the data, and for the
/// double well (after `maximumLikelihoodEpochs`) the Boltzmann generator's energy loss
/// KL = E_z[u(G(z))/kT − log|det ∂G/∂z|] on a batch of latent draws, weighted by `klWeight`.
public final class FlowTrainer: TrainingTask {
    public let file: FlowFile
    public let training: [Float]
    public let heldOut: [Float]
    /// The shared loop running this task (`loop.run(...)` trains).
    public private(set) var loop: Trainer!

    public var flow: RealNVP { file.flow }
    public var config: FlowConfig { file.config }

    /// A new run with `config`, or (`resume`) the run saved at `outputPath` continued to `epochs`
    /// (nil: the epochs it was started with).
    public init(config: FlowConfig?, outputPath: String, resume: Bool, epochs: Int? = nil) throws {
        let file: FlowFile, position: TrainingPosition
        if resume {
            file = try FlowFile.load(from: outputPath)
            guard let p = file.position else { throw FlowError("--resume: \(outputPath) holds no training state to resume") }
            position = p
        } else {
            guard let config else { throw FlowError("a new run needs a configuration") }
            try config.validate()
            file = FlowFile(config: config)
            position = TrainingPosition(seed: config.seed)
        }
        if let epochs, !(1...100_000).contains(epochs) { throw FlowError("--epochs: \(epochs) must be between 1 and 100000") }
        let data = try file.config.data()
        self.file = file
        training = data.training; heldOut = data.heldOut
        var options = TrainerOptions(epochs: epochs ?? file.config.epochs)
        options.keepsBest = false
        loop = Trainer(task: self, outputPath: outputPath, options: options, position: position, history: file.history)
    }

    // MARK: TrainingTask

    public var itemName: String { "points" }
    private lazy var order = EpochBatches(count: training.count / 2)

    public func batchCount(epoch: Int) -> Int { training.count / 2 / config.batchSize }
    public func itemCount(epoch: Int, batch: Int) -> Int { config.batchSize }

    public func trainStep(epoch: Int, batch: Int, epochPosition: Double, using rng: RandomGenerator) throws -> [String: Double] {
        let size = config.batchSize, d = config.dimension
        let rows = order.indices(of: batch, size: size, epoch: epoch, seed: loop.position.seed)
        var points = [Float](repeating: 0, count: size * d)
        for (k, row) in rows.enumerated() { for j in 0..<d { points[k * d + j] = training[row * d + j] } }
        let x = Tensor(points, shape: [size, d])
        let useEnergy = config.dataset == .doubleWell && config.klWeight > 0 && epoch >= config.maximumLikelihoodEpochs
        var terms: [String: Double] = [:]
        let tape = Tape()
        let loss = tape.record { () -> Tensor in
            let nll = flow.logLikelihood(x).mean().scaled(by: -1)
            terms["nll"] = Double(nll.scalars[0])
            guard useEnergy else { return nll }
            let kl = energyLoss(batch: size, using: rng)
            terms["kl"] = Double(kl.scalars[0])
            return nll + kl.scaled(by: Float(config.klWeight))
        }
        tape.backward(loss)
        // The energy grows as x⁴: one far-out sample must not throw the flow away.
        terms["gradient_norm"] = Double(clipGradientNorm(flow.parameters, maxNorm: 100))
        file.adam.update(flow.parameters)
        terms["loss"] = Double(loss.scalars[0])
        return terms
    }

    /// E_z[u(G(z))/kT − log|det ∂G/∂z|] over `batch` draws z ~ N(0, I), on the tape. It equals
    /// KL(q‖p) + log Z, so it falls as the generator's q approaches the Boltzmann density.
    func energyLoss(batch: Int, using rng: RandomGenerator) -> Tensor {
        let z = Tensor.randomNormal([batch, config.dimension], using: rng)
        let (x, logDet) = flow.generate(z)
        return (DoubleWell(temperature: config.temperature).reducedEnergy(x) - logDet).mean()
    }

    /// The held-out negative log-likelihood (nats per point).
    public func validate() throws -> [String: Double] {
        ["validation_loss": heldOutNLL(flow, heldOut, dimension: config.dimension)]
    }

    public func save(to path: String, position: TrainingPosition?, history: TrainingHistory) throws {
        file.position = position
        file.history = history
        try file.save(to: path)
    }
}

/// −mean log p(x) over `points` [N, D] (nats per point), in blocks without a tape.
public func heldOutNLL(_ flow: RealNVP, _ points: [Float], dimension d: Int) -> Double {
    Tape.withoutRecording {
        let n = points.count / d, block = 10_000
        var total = 0.0
        for start in stride(from: 0, to: n, by: block) {
            let rows = min(block, n - start)
            let x = Tensor(Array(points[(start * d)..<((start + rows) * d)]), shape: [rows, d])
            total += flow.logLikelihood(x).scalars.reduce(0) { $0 + Double($1) }
        }
        return -total / Double(n)
    }
}
