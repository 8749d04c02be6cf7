import ArgumentParser
import ChemVAE
import Datasets
import Foundation

/// `molgen fit-prior`: fits the aggregate posterior as a Gaussian mixture and stores it in the model.
struct FitPriorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-prior",
        abstract: "Fit a Gaussian mixture to the training set's latent points and store it in the model as its sampling prior.",
        discussion: """
            Encodes --molecules molecules of --data, draws z = mu + sigma * eps once each, and fits \
            --components full-covariance Gaussians by EM. sample, evaluate and the demo then draw from \
            it by default (--prior fitted); --prior normal keeps N(0, I). Prints the held-out log-density \
            of the fit and of N(0, I) (nats per point; higher is better).
            """)

    @Option(help: "The training dataset (from molgen convert, with the model's vocabulary).") var data: String
    @Option(help: "Molecules to encode (a tenth is held out).") var molecules = 50_000
    @Option(help: "Mixture components.") var components = 16
    @Option(help: "Posterior noise in the fitted points, z = mu + noise * sigma * eps: 1 fits the aggregate posterior, 0 the distribution of the means.") var noise: Float = 1
    @Option(help: "The temperature sample and evaluate draw the fitted prior at by default (see --prior-temperature there).") var temperature = 1.0
    @Option(name: .shortAndLong, help: "The model file to write (default: --model, rewritten atomically).") var output: String?
    @OptionGroup var modelOptions: ModelOptions

    func validate() throws {
        if components < 1 || components > 256 { throw ValidationError("--components: \(components) must be 1...256") }
        if !(noise >= 0 && noise <= 1) { throw ValidationError("--noise: \(noise) must be in [0, 1]") }
        if molecules < 100 { throw ValidationError("--molecules: \(molecules) must be at least 100") }
        try PriorTemperature.validate(temperature, option: "--temperature")
        if let output, !output.hasSuffix(".h5") { throw ValidationError("--output: \(output) must be an .h5 model file") }
    }

    func run() throws {
        let bundle = try modelOptions.load()
        let dataset = try MoleculeDataset(contentsOf: data)
        let fit = try bundle.fitPrior(data: dataset, molecules: molecules, components: components, noise: noise, seed: modelOptions.seed,
                                      progress: { printError($0) })
        bundle.priorTemperature = temperature
        let path = output ?? modelOptions.model
        try bundle.save(to: path)
        print("components=\(fit.mixture.components)")
        print(String(format: "temperature=%g", temperature))
        print("training_points=\(fit.trainingPoints)")
        print("heldout_points=\(fit.heldOutPoints)")
        print(String(format: "heldout_log_density_fitted=%.3f", fit.heldOutLogDensityFitted))
        print(String(format: "heldout_log_density_normal=%.3f", fit.heldOutLogDensityNormal))
        print("output=\(path)")
    }
}
