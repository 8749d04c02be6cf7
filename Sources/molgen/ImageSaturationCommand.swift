import ArgumentParser
import Foundation
import ImageModels

/// `molgen image saturation`: the GAN generator's gradient norm under the minimax and the
/// non-saturating loss, as an SVG plot.
struct ImageSaturationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saturation",
        abstract: "Plot the MLP GAN generator's gradient norm early in training under both generator losses (SVG).")

    @Option(help: "Training steps per loss.") var steps = 300
    @Option(help: "Discriminator-only steps first (lets D win, as early in training).") var warmup = 0
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String
    @Flag(help: "Also print the per-step table (TSV) after the summary.") var table = false
    @OptionGroup var dataOptions: ImageDataOptions

    func validate() throws {
        try OptionLimits.require(steps, in: 1...OptionLimits.steps, "--steps")
        try OptionLimits.require(warmup, in: 0...OptionLimits.steps, "--warmup")
    }

    func run() throws {
        try Outputs.check(output, "--output", against: [], extensions: ["svg"])
        let result = try SaturationExperiment.run(datasets: dataOptions.datasets, steps: steps, seed: seed, discriminatorWarmup: warmup)
        try SaturationExperiment.plot(result, discriminatorWarmup: warmup).write(to: output)
        for kind in GeneratorLoss.allCases {
            let norms = result.gradientNorms[kind] ?? [], fooled = result.discriminatorOnFakes[kind] ?? []
            let early = norms.prefix(max(1, norms.count / 5))
            print("\(kind.rawValue)_grad_norm_first_fifth_mean=\(String(format: "%.4g", early.reduce(0, +) / Double(early.count)))")
            print("\(kind.rawValue)_grad_norm_mean=\(String(format: "%.4g", norms.reduce(0, +) / Double(max(norms.count, 1))))")
            print("\(kind.rawValue)_d_of_fakes_mean=\(String(format: "%.4g", fooled.reduce(0, +) / Double(max(fooled.count, 1))))")
        }
        if table {
            let mm = result.gradientNorms[.minimax] ?? [], ns = result.gradientNorms[.nonsaturating] ?? []
            let dm = result.discriminatorOnFakes[.minimax] ?? [], dn = result.discriminatorOnFakes[.nonsaturating] ?? []
            print("step\tminimax_grad_norm\tnonsaturating_grad_norm\tminimax_d_of_fakes\tnonsaturating_d_of_fakes")
            for i in 0..<min(mm.count, ns.count) {
                print("\(i + 1)\t" + [mm[i], ns[i], dm[i], dn[i]].map { String(format: "%.4g", $0) }.joined(separator: "\t"))
            }
        }
        printError("wrote \(output)")
    }
}
