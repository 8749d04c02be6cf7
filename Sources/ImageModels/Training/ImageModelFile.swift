import Engine
import Foundation
import NN
import Storage
import Training

/// An image model with what it takes to use or resume it, saved as the shared model file
/// (`Checkpoint`, kind "image"): the config JSON of `ImageModelConfig`, parameters and batch-norm
/// state by `<module>.<name>`, one Adam state per optimizer group (`/optimizers/<group>`), where
/// the run stands and the logged history.
public final class ImageModelFile {
    public let model: ImageModel
    public var history: TrainingHistory
    /// Where the run stands (nil for a file saved with weights only).
    public var position: TrainingPosition?

    public static let kind = "image"
    /// What version-1 image files called themselves.
    static let firstKind = "molgen-image-model"

    public init(model: ImageModel, history: TrainingHistory = TrainingHistory(), position: TrainingPosition? = nil) {
        self.model = model; self.history = history; self.position = position
    }

    public var config: ImageModelConfig { model.config }

    /// Writes the file atomically: an interrupted save leaves the previous file intact.
    /// `weightsOnly` leaves out the optimizer moments and the position (a file to ship: about a
    /// quarter of the size, usable for sampling and scoring but not for `--resume`).
    public func save(to path: String, weightsOnly: Bool = false) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(model.config), as: UTF8.self)
        var optimizers: [String: OptimizerState] = [:]
        if !weightsOnly { for group in model.optimizers { optimizers[group.name] = OptimizerState(group.adam) } }
        let checkpoint = Checkpoint(kind: Self.kind, config: json, parameters: storedArrays(model.parameters),
                                    state: storedArrays(model.buffers), optimizers: optimizers,
                                    position: weightsOnly ? nil : position, history: history)
        try checkpoint.save(to: path)
    }

    /// Loads a file written by `save(to:)` (or by an earlier version); errors name the file and
    /// what is wrong.
    public static func load(from path: String) throws -> ImageModelFile {
        guard FileManager.default.fileExists(atPath: path) else { throw ImageModelError.fileNotFound(path) }
        var firstVersionSteps: [Int] = []
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint.load(from: path) { file in
                // Version 1 kept one step count per optimizer group beside the position.
                if file.objectKind(at: "training") == .group, try file.group("training").hasAttribute("optimizer_steps") {
                    firstVersionSteps = try file.group("training").intsAttribute("optimizer_steps")
                }
            }
        } catch let error as StorageError {
            throw ImageModelError.notAModel(path: path, reason: "\(error)")
        }
        guard checkpoint.kind == kind || checkpoint.kind == firstKind else {
            throw ImageModelError.notAModel(path: path, reason: "it is a MolGen model of another kind ('\(checkpoint.kind)', not an image model)")
        }
        let config: ImageModelConfig
        do { config = try JSONDecoder().decode(ImageModelConfig.self, from: Data(checkpoint.config.utf8)) } catch {
            throw ImageModelError.notAModel(path: path, reason: "its config attribute is not an image model configuration")
        }
        let model = try makeImageModel(config)
        do { try checkpoint.assign(to: model.state) } catch let error as ParameterLoadError {
            throw ImageModelError.notAModel(path: path, reason: "\(error)")
        }
        for (k, group) in model.optimizers.enumerated() {
            let names = Set(group.parameters.map(\.name))
            if let saved = checkpoint.optimizers[group.name] {
                group.adam.restore(from: saved, names: names)
            } else if checkpoint.version == 1, let shared = checkpoint.optimizers["adam"] {
                // Version 1: one moment table for all groups.
                group.adam.restore(from: shared, step: k < firstVersionSteps.count ? firstVersionSteps[k] : nil, names: names)
            }
        }
        return ImageModelFile(model: model, history: checkpoint.history, position: checkpoint.position)
    }
}
