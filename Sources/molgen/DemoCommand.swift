import ArgumentParser
import ChemVAE
import Foundation

/// `molgen demo`: the main job in two minutes with the shipped model.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Encode drugs, decode random latents, interpolate, and optimize QED with the shipped model; writes demo/report.html.")

    @Option(help: "The model file.") var model = "models/default.h5"
    @Option(help: "Where the HTML report goes.") var report = "demo/report.html"
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Flag(help: "Decode without the SMILES grammar's mask (by default every decoded string is a valid molecule).")
    var unconstrained = false

    func run() throws {
        guard FileManager.default.fileExists(atPath: model) else {
            throw OptionError("--model: \(model) does not exist (run from the repository root, or train one: see models/README.md)")
        }
        let start = Date()
        let bundle = try ChemVAEModel.load(from: model)
        let demo = try MoleculeDemo(model: bundle, modelPath: model, constrained: !unconstrained, seed: seed)
        for table in demo.tables { print(MoleculeDemo.text(table) + "\n") }
        try FileManager.default.createDirectory(atPath: (report as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try demo.report.write(to: report)
        print(String(format: "report: %@ (%.0f s)", report, Date().timeIntervalSince(start)))
    }
}
