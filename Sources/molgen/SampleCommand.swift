import ArgumentParser
import ChemVAE
import Foundation
import Training
import Storage

/// `molgen sample`: molecules decoded from prior samples (the fitted prior, or N(0, I)).
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Decode random points of the prior (the model's fitted prior when it has one, else N(0, I)) into molecules.",
        discussion: "Writes OUT.csv with the columns index,smiles,valid,canonical; a summary goes to stdout.")

    @Option(name: .short, help: "How many points to draw.") var n = 100
    @Option(name: .shortAndLong, help: "The CSV file to write.") var output: String
    @Option(help: "Decode each point this many times by sampling and keep the most frequent valid molecule.") var attempts = 1
    @Option(help: "Also write an HTML page drawing the molecules.") var report: String?
    @Option(help: "Where points come from: fitted (the model's fitted aggregate posterior, the default when it has one) or normal (N(0, I)).") var prior: PriorChoice?
    @Option(help: ArgumentHelp(PriorTemperature.help)) var priorTemperature: Double?
    @OptionGroup var decoding: DecodingOptions
    @OptionGroup var modelOptions: ModelOptions

    /// Molecules the HTML report covers (the first ones drawn).
    static let reportLimit = 10_000

    func validate() throws {
        try OptionLimits.require(n, in: 1...OptionLimits.samples, "-n")
        try OptionLimits.require(attempts, in: 1...OptionLimits.attempts, "--attempts")
        if let priorTemperature { try PriorTemperature.validate(priorTemperature) }
    }

    func run() throws {
        try Outputs.check(output, "--output", against: [(modelOptions.model, "--model")], extensions: ["csv"])
        try Outputs.check(report, "--report", against: [(modelOptions.model, "--model"), (output, "--output")], extensions: ["html", "htm"])
        let bundle = try modelOptions.load()
        let method = try decoding.decodingMethod(attempts: attempts)
        // Streamed: one block of molecules in memory at a time, whatever -n is.
        let file = try AtomicTextFile(path: output)
        try file.write("index,smiles,valid,canonical\n")
        var tally = DecodingTally()
        var reported: [DecodedMolecule] = []
        let progress = CountedProgress(total: n, unit: "molecules")
        StopSignal.install(grace: 2)
        try bundle.samplePrior(count: n, method: method, attempts: attempts, constrained: !decoding.unconstrained, seed: modelOptions.seed, prior: prior,
                               priorTemperature: priorTemperature) { molecules, first in
            if StopSignal.isRequested { throw Interrupted() }
            try file.write(decodedCSVRows(molecules, firstIndex: first))
            tally.add(molecules)
            if report != nil, reported.count < Self.reportLimit { reported += molecules.prefix(Self.reportLimit - reported.count) }
            progress.update(done: first + molecules.count)
        }
        progress.finish()
        try file.commit()
        printDecodingSummary(tally)
        let choice = prior ?? bundle.defaultPrior
        print("prior=\(choice.rawValue)")
        print(String(format: "prior_temperature=%g", priorTemperature ?? bundle.defaultTemperature(of: choice)))
        print("output=\(output)")
        if let report {
            try LatentReports.samples(reported, model: modelOptions.model, method: method, seed: modelOptions.seed).write(to: report)
            print("report=\(report)")
        }
    }
}
