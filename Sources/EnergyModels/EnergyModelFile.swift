import Foundation
import ImageModels
import Storage
import Training

/// What the RBM and DBN files share: a checkpoint of one kind holding a JSON config, the machines'
/// arrays and their momentum velocities (optimizer "momentum", moment "velocity"), and the checks
/// made when one is read.
enum EnergyModelFile {
    /// True when `path` is a MolGen model file of `kind` (reads only the root attributes), so the
    /// image commands can tell the energy models from the other image models.
    static func holds(_ path: String, kind: String) -> Bool {
        guard HDF5File.isHDF5(at: path), let file = try? HDF5File.open(at: path) else { return false }
        defer { try? file.close() }
        return (try? file.stringAttribute("kind")) == kind
    }

    static func save(config: some Encodable, arrays: RBMArrays, kind: String, position: TrainingPosition?,
                     history: TrainingHistory, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(config), as: UTF8.self)
        let momentum = OptimizerState(name: "momentum", step: position?.steps ?? 0, moments: ["velocity": arrays.velocities])
        try Checkpoint(kind: kind, config: json, parameters: arrays.parameters, state: arrays.state,
                       optimizers: ["momentum": momentum], position: position, history: history).save(to: path)
    }

    /// The checkpoint at `path` if it is of `kind`, its config, and `bad`, which words an error about
    /// its content ("PATH: not an RBM model file: REASON"); `name` is "an RBM", "a DBN".
    static func load<Config: Decodable>(from path: String, kind: String, name: String, as: Config.Type) throws
        -> (checkpoint: Checkpoint, config: Config, bad: (String) -> ImageModelError) {
        guard FileManager.default.fileExists(atPath: path) else { throw ImageModelError.fileNotFound(path) }
        let bad = { (reason: String) in ImageModelError.badFile(path: path, reason: "not \(name) model file: \(reason)") }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.load(from: path) } catch let error as StorageError { throw bad("\(error)") }
        guard checkpoint.kind == kind else { throw bad("it is a MolGen model of kind '\(checkpoint.kind)'") }
        do { return (checkpoint, try JSONDecoder().decode(Config.self, from: Data(checkpoint.config.utf8)), bad) } catch {
            throw bad("its config attribute is not \(name) configuration")
        }
    }
}
