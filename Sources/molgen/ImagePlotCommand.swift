import ArgumentParser
import Foundation
import ImageModels

/// `molgen image plot`: the loss curves logged in a model file, as SVG.
struct ImagePlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plot", abstract: "Write the training curves logged in a model file as an SVG plot.")

    @Option(help: "The model file.") var model: String
    @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String

    func run() throws {
        try Outputs.check(output, "--output", against: [(model, "--model")], extensions: ["svg"])
        let file = try ImageModelFile.load(from: model)
        guard file.history.count > 0 else { throw ImageModelError.invalidOption("--model: \(model) has no logged training history") }
        try lossCurves(file, title: "\(file.config.model.rawValue) on \(file.config.data.rawValue): training curves").write(to: output)
        printError("wrote \(output) (\(file.history.count) points)")
    }
}
