import ArgumentParser
import Benchmarks
import ImageModels

/// `molgen bench image`: training-step speed of an image model (images per second).
struct BenchImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Image-model training steps on random 28x28 images: images_per_s (compare tools/bench/image-vs-torch).")
    @Option(help: "dcgan, gan or vae.") var model: ImageModelKind = .dcgan
    @Option(help: "Batch size B.") var batch = 64
    @Option(help: "Timed steps after one warm-up step.") var steps = 20

    func validate() throws {
        guard [ImageModelKind.dcgan, .gan, .vae].contains(model) else { throw ValidationError("--model: \(model.rawValue) is not benchmarked (dcgan, gan, vae)") }
        try OptionLimits.require(batch, in: 2...OptionLimits.batchSize, "--batch")
        try OptionLimits.require(steps, in: 1...OptionLimits.steps, "--steps")
    }

    func run() throws { try ImageBenchmarks.train(model: model, batch: batch, steps: steps).forEach { print($0) } }
}
