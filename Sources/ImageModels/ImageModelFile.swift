import Engine
import Foundation
import NN
import Storage

/// Where a run stands, so `--resume` continues exactly (same batches, same noise).
public struct ImageTrainingState: Equatable, Sendable {
    /// Epochs fully done, and batches of the current one.
    public var completedEpochs: Int
    public var batchesDone: Int
    /// Optimisation steps so far.
    public var steps: Int
    /// Seeds the shuffle of the current epoch (drawn from the live generator when the epoch began).
    public var epochSeed: UInt64
    /// The generator as it stands now.
    public var randomState: [UInt64]
}

/// A model with what it takes to use or resume it, saved as a Storage `Checkpoint`:
/// `config` (JSON of `ImageModelConfig`), `/parameters/<module>/…` (parameters and batch-norm
/// statistics), `/optimizer` (Adam moments of every optimizer, keyed by parameter name),
/// `/history` (logged training terms), and `/training` (attributes of `ImageTrainingState`, one
/// Adam step count per optimizer).
public final class ImageModelFile {
    public let model: ImageModel
    public var history: TrainingHistory
    public var state: ImageTrainingState?

    public init(model: ImageModel, history: TrainingHistory = TrainingHistory(), state: ImageTrainingState? = nil) {
        self.model = model; self.history = history; self.state = state
    }

    public var config: ImageModelConfig { model.config }

    /// Writes the file atomically: an interrupted save leaves the previous file intact.
    /// `weightsOnly` leaves out the optimizer moments and the training state (a file to ship:
    /// about a quarter of the size, usable for sampling and scoring but not for `--resume`).
    public func save(to path: String, weightsOnly: Bool = false) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(model.config), as: UTF8.self)
        var parameters: [String: StoredArray<Float>] = [:]
        for (name, t) in model.state { parameters[name] = StoredArray(shape: t.shape, values: t.scalars) }
        var m: [String: StoredArray<Float>] = [:], v: [String: StoredArray<Float>] = [:]
        for group in model.optimizers {
            for (name, t) in group.adam.firstMoments { m[name] = StoredArray(shape: t.shape, values: t.scalars) }
            for (name, t) in group.adam.secondMoments { v[name] = StoredArray(shape: t.shape, values: t.scalars) }
        }
        let optimizer = weightsOnly ? nil : OptimizerState(name: "adam", step: model.optimizers.first?.adam.step ?? 0, moments: ["m": m, "v": v])
        let checkpoint = Checkpoint(config: json, parameters: parameters, optimizer: optimizer, history: history)
        try checkpoint.save(to: path) { file in
            try file.setAttribute("kind", .string("molgen-image-model"))
            let group = try file.createGroup("training")
            try group.setAttribute("optimizer_names", .strings(model.optimizers.map(\.name)))
            try group.setAttribute("optimizer_steps", .ints(model.optimizers.map(\.adam.step)))
            if let s = state, !weightsOnly {
                try group.setAttribute("completed_epochs", .int(s.completedEpochs))
                try group.setAttribute("batches_done", .int(s.batchesDone))
                try group.setAttribute("steps", .int(s.steps))
                try group.setAttribute("epoch_seed", .int(Int(bitPattern: UInt(s.epochSeed))))
                try group.setAttribute("random_state", .ints(s.randomState.map { Int(bitPattern: UInt($0)) }))
            }
        }
    }

    /// Loads a file written by `save(to:)`; errors name the file and what is wrong.
    public static func load(from path: String) throws -> ImageModelFile {
        guard FileManager.default.fileExists(atPath: path) else { throw ImageModelError.fileNotFound(path) }
        var steps: [Int] = []
        var state: ImageTrainingState?
        var kind = ""
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint.load(from: path) { file in
                kind = (try? file.stringAttribute("kind")) ?? ""
                guard file.objectKind(at: "training") == .group else { return }
                let g = try file.group("training")
                steps = try g.intsAttribute("optimizer_steps")
                if (try? g.hasAttribute("completed_epochs")) == true {
                    func words(_ name: String) throws -> [UInt64] { try g.intsAttribute(name).map { UInt64(UInt(bitPattern: $0)) } }
                    state = ImageTrainingState(
                        completedEpochs: try g.intAttribute("completed_epochs"), batchesDone: try g.intAttribute("batches_done"),
                        steps: try g.intAttribute("steps"), epochSeed: UInt64(UInt(bitPattern: try g.intAttribute("epoch_seed"))),
                        randomState: try words("random_state"))
                }
            }
        } catch let error as StorageError {
            throw ImageModelError.notAModel(path: path, reason: "\(error)")
        }
        guard kind == "molgen-image-model" else {
            throw ImageModelError.notAModel(path: path, reason: "it is a MolGen checkpoint of another kind (no kind = molgen-image-model attribute)")
        }
        let config: ImageModelConfig
        do { config = try JSONDecoder().decode(ImageModelConfig.self, from: Data(checkpoint.config.utf8)) } catch {
            throw ImageModelError.notAModel(path: path, reason: "its config attribute is not an image model configuration")
        }
        let model = makeImageModel(config)
        var stored: [String: StoredTensor] = [:]
        for (name, array) in checkpoint.parameters { stored[name] = StoredTensor(shape: array.shape, values: array.values) }
        do { try model.load(stored) } catch let error as ParameterLoadError {
            throw ImageModelError.notAModel(path: path, reason: "\(error)")
        }
        if let o = checkpoint.optimizer {
            for (k, group) in model.optimizers.enumerated() {
                let names = Set(group.parameters.map(\.name))
                func tensors(_ moment: String) -> [String: Tensor] {
                    (o.moments[moment] ?? [:]).filter { names.contains($0.key) }.mapValues { Tensor($0.values, shape: $0.shape) }
                }
                group.adam.restore(step: k < steps.count ? steps[k] : o.step, firstMoments: tensors("m"), secondMoments: tensors("v"))
            }
        }
        return ImageModelFile(model: model, history: checkpoint.history, state: state)
    }
}

extension ImageModel {
    /// Overwrites every parameter and buffer from `stored` after checking names and shapes.
    func load(_ stored: [String: StoredTensor]) throws {
        try assignState(state, from: stored)
    }
}
