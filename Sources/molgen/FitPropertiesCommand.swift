import ArgumentParser
import ChemVAE
import Datasets
import Foundation

/// `molgen fit-properties`: refits the property head's readout for inference and stores it in the model.
struct FitPropertiesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-properties",
        abstract: "Refit the property head's output layer by least squares on latent means and store it in the model.",
        discussion: """
            Encodes --molecules molecules of --data and solves for the output layer that best predicts \
            their properties from what the head computes at inference (latent means, no dropout, \
            BatchNorm's running statistics). A tenth is held out: the new layer is kept only when it \
            predicts those better. Prints each property's held-out MAE before and after.
            """)

    @Option(help: "The training dataset (from molgen convert, with the model's vocabulary and properties).") var data: String
    @Option(help: "Molecules to encode (a tenth is held out).") var molecules = 50_000
    @Option(name: .shortAndLong, help: "The model file to write (default: --model, rewritten atomically).") var output: String?
    @OptionGroup var modelOptions: ModelOptions

    func validate() throws {
        if molecules < 100 { throw ValidationError("--molecules: \(molecules) must be at least 100") }
        if let output, !output.hasSuffix(".h5") { throw ValidationError("--output: \(output) must be an .h5 model file") }
    }

    func run() throws {
        let bundle = try modelOptions.load()
        let dataset = try MoleculeDataset(contentsOf: data)
        let fit = try bundle.refitPropertyReadout(data: dataset, molecules: molecules, seed: modelOptions.seed, progress: { printError($0) })
        let path = output ?? modelOptions.model
        if fit.replaced || output != nil { try bundle.save(to: path) }
        print("training_points=\(fit.trainingPoints)")
        print("heldout_points=\(fit.heldOutPoints)")
        print(String(format: "training_mse_before=%.5f", fit.trainingMSEBefore))
        print(String(format: "training_mse_after=%.5f", fit.trainingMSEAfter))
        for (j, name) in fit.names.enumerated() {
            print("heldout_mae_\(name)_before=" + String(format: "%.4f", fit.heldOutMAEBefore[j]))
            print("heldout_mae_\(name)_after=" + String(format: "%.4f", fit.heldOutMAEAfter[j]))
        }
        print("replaced=\(fit.replaced ? 1 : 0)")
        if !fit.replaced { printError("the refit readout did not predict the held-out molecules better: the model keeps its own") }
        print("output=\(fit.replaced || output != nil ? path : "unchanged")")
    }
}
