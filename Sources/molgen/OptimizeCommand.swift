import ArgumentParser
import ChemVAE
import Foundation
import Storage

/// `molgen optimize`: gradient ascent on the property surrogate in latent space.
struct OptimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Climb a property's surrogate in latent space and report the best decoded molecules.",
        discussion: """
            From the latent mean of --start (without it: the first prior sample whose greedy decoding \
            is valid, that molecule being the start), every step moves z along the gradient of \
            ±ŷ(z) − λ‖z‖²/2, ŷ being the property head's normalised prediction and λ = --prior-weight \
            (it keeps z where the decoder was trained); with --trust-radius ρ, z is also kept within \
            ρ of the start. Every point of the path is decoded and the molecules are scored with the \
            true RDKit property. Prints CSV rank,smiles,true,predicted,improvement,similarity,step,found,flag \
            of the best distinct valid molecules better than the start (improvement > 0; with \
            --min-similarity D only those at least D similar to the start, Tanimoto on Morgan radius 2, \
            2048 bits, and the run then also decodes points around the start, inside the distance where \
            the path fell below D: found=near_start). flag is predicted_out_of_range when the surrogate \
            predicts a value the property cannot take (QED above 1, SAS outside 1..10). The start and a \
            summary go to stderr.
            """)

    @Option(help: "The property to improve: one the model predicts (logp, qed, plogp, ...).") var objective: String
    @Flag(help: "Lower the property instead (e.g. sas).") var minimize = false
    @Option(help: "The start molecule (SMILES); default: a prior sample.") var start: String?
    @Option(help: "Gradient steps.") var steps = 100
    @Option(help: "Step size (on the property in standard deviations of the training data).") var lr: Float = 0.5
    @Option(help: "λ of the prior penalty λ‖z‖²/2 (0: none).") var priorWeight: Float = 0.05
    @Option(help: "Keep z within this distance of the start (default: no limit).") var trustRadius: Float?
    @Option(help: "Only molecules at least this similar to the start count (0...1).") var minSimilarity = 0.0
    @Option(name: .short, help: "How many of the best molecules to report.") var n = 10
    @Option(help: "Decode every path point this many times by sampling (more candidates per point).") var decodings = 1
    @Flag(help: "With --min-similarity, decode only the gradient path (no search around the start).") var pathOnly = false
    @Option(name: .shortAndLong, help: "Write the CSV here instead of stdout.") var output: String?
    @Option(help: "Also write an HTML page with the path and the molecules.") var report: String?
    @OptionGroup var decoding: DecodingOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var standardizeOptions: StandardizeOptions

    func validate() throws {
        try OptionLimits.require(steps, in: 1...OptionLimits.steps, "--steps")
        try OptionLimits.require(decodings, in: 1...OptionLimits.attempts, "--decodings")
        try OptionLimits.require(n, in: 1...100_000, "-n")
        if !(lr > 0 && lr.isFinite) { throw ValidationError("--lr: must be a positive number") }
        if !(priorWeight >= 0 && priorWeight.isFinite) { throw ValidationError("--prior-weight: must be a non-negative number") }
        if let trustRadius, !(trustRadius > 0 && trustRadius.isFinite) { throw ValidationError("--trust-radius: must be a positive number") }
        if !(0...1).contains(minSimilarity) { throw ValidationError("--min-similarity: \(minSimilarity) must be in 0...1") }
        if n < 1 { throw ValidationError("-n: \(n) must be at least 1") }
        if decodings < 1 { throw ValidationError("--decodings: \(decodings) must be at least 1") }
    }

    func run() throws {
        try Outputs.check(output, "--output", against: [(modelOptions.model, "--model")], extensions: ["csv"])
        try Outputs.check(report, "--report", against: [(modelOptions.model, "--model"), (output, "--output")], extensions: ["html", "htm"])
        let bundle = try modelOptions.load()
        standardizeOptions.apply(to: bundle)
        do { _ = try bundle.propertyIndex(objective) } catch let error as ChemVAEError { throw OptionError("--objective: \(error)") }
        if let start { _ = try about("--start") { try bundle.encode(smiles: start) } }
        let warning = start.flatMap { domainWarning(bundle, option: "--start", smiles: $0) }
        var options = OptimizationOptions(objective: objective)
        options.maximize = !minimize
        options.start = start
        options.steps = steps
        options.learningRate = lr
        options.priorWeight = priorWeight
        options.trustRadius = trustRadius
        options.minSimilarity = minSimilarity
        options.top = n
        options.decodingsPerPoint = decodings
        options.searchNearStart = !pathOnly
        options.method = try decoding.decodingMethod(attempts: decodings)
        options.constrained = !decoding.unconstrained
        options.seed = modelOptions.seed
        let result = try bundle.optimize(options)
        let first = result.path.first!, last = result.path.last!
        if !result.hasGroundTruth {
            printError("note: '\(result.objective)' is a measured property, not one RDKit computes: no ground truth is computed for the decoded "
                + "molecules; they are ranked by the surrogate's prediction (the 'predicted' column), and 'true' is nan")
        }
        printError("start (\(result.startKind.rawValue)): \(result.start.smiles) \(result.objective) true \(fixed(result.start.trueValue)) predicted \(fixed(result.start.predicted))")
        printError("surrogate \(fixed(first.predicted)) -> \(fixed(last.predicted)) over \(steps) steps (‖z − z₀‖ = \(fixed(last.distanceFromStart, 2))); "
            + "\(result.validDecodings)/\(result.decodings) valid decodings, \(result.distinctValid) distinct"
            + (minSimilarity > 0 ? ", \(result.belowSimilarity) below --min-similarity" : "")
            + (result.searchDecodings > 0 ? ", \(result.searchDecodings) decodings near the start (radius "
                + result.searchRadii.map { fixed($0, 2) }.joined(separator: ", ") + ")" : "")
            + ", \(result.notBetter) no better than the start")
        var csv = "rank,smiles,true,predicted,improvement,similarity,step,found,flag\n"
        for (k, m) in result.best.enumerated() {
            csv += "\(k + 1),\(csvField(m.smiles)),\(fixed(m.trueValue, 4)),\(fixed(m.predicted, 4)),\(fixed(m.improvement, 4)),"
                + "\(fixed(m.similarity, 4)),\(m.step),\(m.source.rawValue),\(m.predictionOutOfRange ? "predicted_out_of_range" : "")\n"
        }
        try emitCSV(csv, to: output)
        let flagged = result.best.filter(\.predictionOutOfRange).count
        if flagged > 0 {
            printError("warning: for \(flagged) of the molecules the surrogate predicts a \(result.objective) the property cannot take "
                + "(flag predicted_out_of_range): the path went where the property head extrapolates; trust the 'true' column")
        }
        // Figures on stderr: stdout may be the CSV.
        printError("results=\(result.best.count) best_improvement=\(fixed(result.best.first?.improvement ?? 0, 4)) "
            + "below_similarity=\(result.belowSimilarity) not_better=\(result.notBetter) decodings=\(result.decodings)")
        if result.best.isEmpty { printError(Self.hint(result, minSimilarity: minSimilarity)) }
        if let report {
            var page = LatentReports.optimization(result, options: options, model: modelOptions.model)
            if let warning { page.warning(warning) }
            if !result.hasGroundTruth { page.warning("\(result.objective) is a measured property: no ground truth is computed; values are the surrogate's predictions") }
            try page.write(to: report)
            printError("report: \(report)")
        }
    }

    /// What to try when nothing better than the start was found.
    static func hint(_ result: OptimizationResult, minSimilarity: Double) -> String {
        let goal = "\(result.maximize ? "higher" : "lower") \(result.objective)"
        guard minSimilarity > 0 else {
            return "no molecule with a \(goal) than the start was found (\(result.notBetter) decoded, none better): "
                + "try more --steps, --decodings 10 (more molecules per point) or a larger --lr"
        }
        return "no molecule at least \(minSimilarity) similar to the start has a \(goal) (\(result.belowSimilarity) fell below the floor, "
            + "\(result.notBetter) above it were no better): keep the search near the start with --trust-radius (e.g. 1), "
            + "decode more molecules per point with --decodings (e.g. 10), take a smaller --lr (e.g. 0.1), or lower --min-similarity"
    }
}
