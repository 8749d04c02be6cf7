import ArgumentParser
import ChemVAE
import Foundation
import Storage

/// `molgen interpolate`: molecules along the path between two molecules' latent means.
struct InterpolateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interpolate",
        abstract: "Decode the latent path between two molecules.",
        discussion: """
            The path runs between the two molecules' latent means in --steps evenly spaced points, \
            ends included: straight, or with --spherical along the great circle (the direction \
            turns, the norm moves linearly, so the path stays on the prior's shell). Prints CSV \
            step,t,smiles,valid,new (new: the first appearance of a valid molecule along the path).
            """)

    @Option(help: "The molecule at t = 0 (SMILES).") var from: String
    @Option(help: "The molecule at t = 1 (SMILES).") var to: String
    @Option(help: "Points on the path, ends included.") var steps = 10
    @Flag(help: "Spherical interpolation (slerp) instead of a straight line.") var spherical = false
    @Option(name: .shortAndLong, help: "Write the CSV here instead of stdout.") var output: String?
    @Option(help: "Also write an HTML page drawing the path.") var report: String?
    @OptionGroup var decoding: DecodingOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var standardizeOptions: StandardizeOptions

    func validate() throws {
        if steps < 2 { throw ValidationError("--steps: \(steps) must be at least 2 (the two ends)") }
        try OptionLimits.require(steps, in: 2...OptionLimits.steps, "--steps")
    }

    func run() throws {
        try Outputs.check(output, "--output", against: [(modelOptions.model, "--model")], extensions: ["csv"])
        try Outputs.check(report, "--report", against: [(modelOptions.model, "--model"), (output, "--output")], extensions: ["html", "htm"])
        let bundle = try modelOptions.load()
        standardizeOptions.apply(to: bundle)
        let method = try decoding.decodingMethod()
        _ = try about("--from") { try bundle.encode(smiles: from) }
        _ = try about("--to") { try bundle.encode(smiles: to) }
        let warnings = [domainWarning(bundle, option: "--from", smiles: from), domainWarning(bundle, option: "--to", smiles: to)].compactMap { $0 }
        let path = try bundle.interpolate(from: from, to: to, steps: steps, spherical: spherical, method: method,
                                             constrained: !decoding.unconstrained, seed: modelOptions.seed)
        var csv = "step,t,smiles,valid,new\n"
        for (k, s) in path.steps.enumerated() {
            csv += "\(k),\(String(format: "%.4f", s.t)),\(csvField(s.molecule.smiles)),\(s.molecule.isValid ? 1 : 0),\(s.isFirstAppearance ? 1 : 0)\n"
        }
        try emitCSV(csv, to: output)
        path.endWarnings.forEach { printError("warning: \($0)") }
        printError("path from \(path.from) to \(path.to): \(path.steps.filter(\.molecule.isValid).count)/\(path.steps.count) valid steps, \(path.distinctMolecules.count) distinct molecules")
        if let report {
            var page = LatentReports.interpolation(path, model: modelOptions.model, method: method, seed: modelOptions.seed)
            warnings.reversed().forEach { page.warning($0) }
            try page.write(to: report)
            printError("report: \(report)")
        }
    }
}
