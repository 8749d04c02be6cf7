import ArgumentParser
import ChemVAE
import Foundation

/// `molgen export`: an inference-only copy of a model (no optimizer moments, no resume state).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write an inference-only copy of a model (about a third of the size of a training checkpoint).")

    @Argument(help: "A model file written by molgen train.") var model: String
    @Option(name: .shortAndLong, help: "The file to write.") var output: String

    func run() throws {
        try Outputs.check(output, "--output", against: [(model, "model")], extensions: ["h5", "hdf5"])
        let bundle = try ChemVAEModel.load(from: model)
        bundle.optimizer = nil
        bundle.position = nil
        try bundle.save(to: output)
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        print("output=\(output)")
        print("parameters=\(bundle.model.parameterCount)")
        print("epochs=\(bundle.history.count)")
        print(String(format: "size_mb=%.1f", Double(size) / 1e6))
    }
}
