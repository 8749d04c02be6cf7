import ArgumentParser
import Foundation
import Autoencoders
import EnergyModels
import ImageModels

/// `molgen image sample`: a PNG grid of samples from a trained image model.
struct ImageSampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write a PNG grid of samples (a row per digit for label-taking models; translations for cyclegan).",
        discussion: """
            For an rbm, each sample is the mean image after --gibbs-steps block Gibbs steps from a \
            random binary start; --chain instead shows one chain over time (-n frames evenly spaced \
            over the steps). For a dbn, the Gibbs steps run in the top RBM, then one downward pass \
            (binary samples of each layer below) gives the pixels' probabilities. An autoencoder decodes \
            codes drawn from a Gaussian fitted to its training images' codes (one per code unit); swap \
            draws ten digits of each style and their swaps.
            """)

    @Option(help: "The model file.") var model: String
    @Option(name: .short, help: "Samples (per row of digits for label-taking models without --label: n/10 each).") var n = 100
    @Option(help: "Draw only this digit (cvae, ssvae, cgan; for infogan the categorical code).") var label: Int?
    @Flag(help: "vae/cvae with a 2-D latent: decode a grid of latents instead of random samples.") var latentGrid = false
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .shortAndLong, help: "The PNG file to write.") var output: String
    @OptionGroup var dataOptions: ImageDataOptions
    @Option(help: "rbm, dbn: block Gibbs steps from the random start (default 1000).") var gibbsSteps: Int?
    @Flag(help: "rbm, dbn: draw one chain over time (-n frames) instead of -n samples.") var chain = false

    func validate() throws {
        if n < 1 || n > 10_000 { throw ValidationError("-n: \(n) must be between 1 and 10000") }
        if let label, !(0...9).contains(label) { throw ValidationError("--label: \(label) must be 0-9") }
        if let gibbsSteps, gibbsSteps < 1 || gibbsSteps > 1_000_000 { throw ValidationError("--gibbs-steps: \(gibbsSteps) must be between 1 and 1000000") }
    }

    func run() throws {
        try Outputs.check(output, "--output", against: [(model, "--model")], extensions: ["png"])
        if AutoencoderFile.holdsAutoencoder(model) { return try sampleAutoencoder() }
        if DBNFile.holdsDBN(model) || RBMFile.holdsRBM(model) {
            if label != nil || latentGrid { throw ValidationError("--label, --latent-grid: rbm and dbn models draw unlabelled samples") }
            let steps = gibbsSteps ?? 1000
            let picture: PNGImage
            if DBNFile.holdsDBN(model) {
                let dbn = try DBNFile.load(from: model).dbn
                guard !dbn.layers.isEmpty else { throw OptionError("--model: \(model) has no trained layer yet") }
                picture = chain ? DBNPictures.chain(dbn, frames: n, steps: steps, seed: seed) : DBNPictures.samples(dbn, count: n, steps: steps, seed: seed)
            } else {
                let rbm = try RBMFile.load(from: model).rbm
                picture = chain ? RBMPictures.chain(rbm, frames: n, steps: steps, seed: seed) : RBMPictures.samples(rbm, count: n, steps: steps, seed: seed)
            }
            try picture.write(to: output)
            printError("wrote \(output) (\(picture.width)x\(picture.height))")
            return
        }
        if chain || gibbsSteps != nil { throw ValidationError("--chain, --gibbs-steps: only rbm and dbn models draw Gibbs chains") }
        let file = try ImageModelFile.load(from: model)
        let grid = try SampleGrids.make(file, count: n, label: label, latentGrid: latentGrid, datasets: dataOptions.datasets, seed: seed)
        try grid.write(to: output)
        printError("wrote \(output) (\(grid.width)x\(grid.height))")
    }
}
