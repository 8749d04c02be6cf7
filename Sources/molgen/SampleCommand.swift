import ArgumentParser
import ChemVAE
import Foundation

/// `molgen sample`: molecules decoded from prior samples z ~ N(0, I).
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Decode random points of the prior N(0, I) into molecules.",
        discussion: "Writes OUT.csv with the columns index,smiles,valid,canonical; a summary goes to stdout.")

    @Option(name: .short, help: "How many points to draw.") var n = 100
    @Option(name: .shortAndLong, help: "The CSV file to write.") var output: String
    @Option(help: "Decode each point this many times by sampling and keep the most frequent valid molecule.") var attempts = 1
    @Option(help: "Also write an HTML page drawing the molecules.") var report: String?
    @OptionGroup var decoding: DecodingOptions
    @OptionGroup var modelOptions: ModelOptions

    func validate() throws {
        if n < 1 { throw ValidationError("-n: \(n) must be at least 1") }
        if attempts < 1 { throw ValidationError("--attempts: \(attempts) must be at least 1") }
    }

    func run() throws {
        let bundle = try modelOptions.load()
        let method = try decoding.decodingMethod(attempts: attempts)
        let (_, molecules) = bundle.samplePrior(count: n, method: method, attempts: attempts,
                                                 constrained: !decoding.unconstrained, seed: modelOptions.seed)
        try emitCSV(decodedCSV(molecules), to: output)
        printDecodingSummary(molecules)
        print("output=\(output)")
        if let report {
            try LatentReports.samples(molecules, model: modelOptions.model, method: method, seed: modelOptions.seed).write(to: report)
            print("report=\(report)")
        }
    }
}
