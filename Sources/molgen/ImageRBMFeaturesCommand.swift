import ArgumentParser
import EnergyModels
import Foundation
import ImageModels
import Training

/// `molgen image rbm-features`: scikit-learn's RBM-features digits example, reproduced.
struct ImageRBMFeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rbm-features",
        abstract: "RBM features + logistic regression against raw pixels on the 8x8 digits: both held-out accuracies.",
        discussion: """
            Trains an RBM (100 hidden units, PCD-1, learning rate 0.06, batch 10) on the 8x8 digits' \
            gray values, writes it to --output, then fits a logistic regression on its hidden \
            probabilities and one on the raw pixels; prints raw_pixel_accuracy= and \
            rbm_feature_accuracy= on the 359 held-out digits.
            """)

    @Option(name: .shortAndLong, help: "The RBM model file to write (.h5).") var output: String
    @Option(help: "RBM training epochs.") var epochs = 20
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @OptionGroup var dataOptions: ImageDataOptions

    func validate() throws {
        if epochs < 1 || epochs > 10_000 { throw ValidationError("--epochs: \(epochs) must be between 1 and 10000") }
    }

    func run() throws {
        StopSignal.install()
        let report = TrainingReport(unit: "img")
        let figures = try RBMFeatureExample.run(datasets: dataOptions.datasets, modelPath: output, epochs: epochs, seed: seed,
                                                progress: report.progress)
        report.finish()
        printFigures(figures)
    }
}
