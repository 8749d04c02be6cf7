import ArgumentParser
import ImageModels

extension ImageModelKind: ExpressibleByArgument {}
extension ImageDataSource: ExpressibleByArgument {}
extension Likelihood: ExpressibleByArgument {}
extension GeneratorLoss: ExpressibleByArgument {}

/// `molgen image ...`: the image generative models (VAE, CVAE, SSVAE, GAN, CGAN, InfoGAN, DCGAN,
/// CycleGAN) on MNIST and the 8x8 digits, with FID and 1-NN scores.
struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Image generative models on MNIST and the 8x8 digits: train, sample, score.",
        subcommands: [ImageTrainCommand.self, ImageSampleCommand.self, ImageScoreCommand.self, ImageTableCommand.self,
                      ImageSaturationCommand.self, ImagePlotCommand.self, ImageRBMFeaturesCommand.self])
}

/// Options every image command that reads data shares.
struct ImageDataOptions: ParsableArguments {
    @Option(help: "The directory holding mnist/ and digits/ (the repository's datasets/).") var datasets = "datasets"
}

/// Prints name=value lines: integers plainly, other values with 4 decimals.
func printFigures(_ figures: [(name: String, value: Double)]) {
    for (name, value) in figures {
        print(value == value.rounded() && abs(value) < 1e15 && abs(value) >= 10 ? "\(name)=\(Int(value))" : "\(name)=\(String(format: "%.4f", value))")
    }
}
