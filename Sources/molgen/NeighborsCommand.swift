import ArgumentParser
import ChemVAE
import Foundation
import Storage

extension NeighborhoodShape: ExpressibleByArgument {}

/// `molgen neighbors`: molecules decoded around one molecule's latent mean.
struct NeighborsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neighbors",
        abstract: "Decode molecules around a molecule's latent mean, most similar first.",
        discussion: """
            Points are drawn around the molecule's latent mean μ: --shape gaussian takes \
            μ + R·ε with ε ~ N(0, I) (noise of standard deviation R in every dimension); --shape \
            sphere takes μ + R·ε/‖ε‖ (exactly at distance R). Decoded in rounds until N distinct \
            valid molecules other than the query are found (or --max-points). Prints CSV \
            rank,smiles,similarity,distance,count: Tanimoto similarity (Morgan radius 2, 2048 bits) \
            to the query, latent distance of the first point that gave the molecule, and how many \
            points did.
            """)

    @Option(help: "The query molecule (SMILES).") var smiles: String
    @Option(name: .short, help: "How many neighbours to find.") var n = 10
    @Option(help: "Noise scale R (latent units).") var radius: Float = 1
    @Option(help: "Where the points lie: gaussian or sphere.") var shape: NeighborhoodShape = .gaussian
    @Option(help: "Stop after decoding this many points (default: max(20·N, 1000)).") var maxPoints: Int?
    @Option(name: .shortAndLong, help: "Write the CSV here instead of stdout.") var output: String?
    @Option(help: "Also write an HTML page drawing the neighbours.") var report: String?
    @OptionGroup var decoding: DecodingOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var standardizeOptions: StandardizeOptions

    func validate() throws {
        try OptionLimits.require(n, in: 1...100_000, "-n")
        try OptionLimits.require(maxPoints, in: 1...OptionLimits.samples, "--max-points")
        if !(radius >= 0 && radius.isFinite) { throw ValidationError("--radius: must be a non-negative number") }
        if let maxPoints, maxPoints < 1 { throw ValidationError("--max-points: \(maxPoints) must be at least 1") }
    }

    func run() throws {
        try Outputs.check(output, "--output", against: [(modelOptions.model, "--model")], extensions: ["csv"])
        try Outputs.check(report, "--report", against: [(modelOptions.model, "--model"), (output, "--output")], extensions: ["html", "htm"])
        let bundle = try modelOptions.load()
        standardizeOptions.apply(to: bundle)
        let method = try decoding.decodingMethod()
        let warning = domainWarning(bundle, option: "--smiles", smiles: smiles)
        let hood = try about("--smiles") {
            try bundle.neighbors(of: smiles, count: n, radius: radius, shape: shape, method: method, maxPoints: maxPoints,
                              constrained: !decoding.unconstrained, seed: modelOptions.seed)
        }
        var csv = "rank,smiles,similarity,distance,count\n"
        for (k, m) in hood.neighbors.enumerated() {
            csv += "\(k + 1),\(csvField(m.smiles)),\(fixed(m.similarity, 4)),\(fixed(m.distance, 3)),\(m.count)\n"
        }
        try emitCSV(csv, to: output)
        printError("\(hood.query): \(hood.neighbors.count) neighbours from \(hood.pointsDecoded) points (\(hood.validDecodings) valid, \(hood.queryDecodings) decoded to the query)")
        if hood.neighbors.count < n { printError("found only \(hood.neighbors.count) of \(n): try a larger --radius or --max-points") }
        if let report {
            var page = LatentReports.neighbors(hood, model: modelOptions.model, radius: radius, shape: shape, seed: modelOptions.seed)
            if let warning { page.warning(warning) }
            try page.write(to: report)
            printError("report: \(report)")
        }
    }
}
