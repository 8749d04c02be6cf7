import ArgumentParser
import Engine
import Foundation
import ImageModels
import Samplers

/// `molgen sampler ...`: the classical samplers, each on a distribution represented a different way
/// (a closed-form inverse CDF, a density known up to a constant, data).
struct SamplerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sampler",
        abstract: "Classical samplers: inverse transform, Metropolis-Hastings, kernel density estimation.",
        subcommands: [SamplerInverseCommand.self, SamplerMHCommand.self, SamplerKDECommand.self])
}

/// Runs a library call, turning its option errors into one-line option errors.
func withOptionErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as SamplerError { throw OptionError(error.description) }
}

struct SamplerInverseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inverse",
        abstract: "Inverse-transform sampling x = F⁻¹(u): prints ks_statistic= and writes a histogram against the density (SVG).",
        discussion: """
            exponential (--rate), cauchy and logistic (--location, --scale) have closed-form inverses. \
            empirical builds a CDF from data with linear interpolation between order statistics: the \
            numbers in --data (one per line), or by default 1,000 draws of the mixture \
            0.4 N(-2, 0.7²) + 0.6 N(1.5, 1), when ks_against_source= compares the samples with the mixture.
            """)

    enum Distribution: String, ExpressibleByArgument, CaseIterable { case exponential, cauchy, logistic, empirical }

    @Argument(help: "exponential, cauchy, logistic or empirical.") var distribution: Distribution
    @Option(help: "Exponential rate λ.") var rate = 1.0
    @Option(help: "Cauchy/logistic location.") var location = 0.0
    @Option(help: "Cauchy/logistic scale.") var scale = 1.0
    @Option(help: "empirical: a file of numbers, one per line.") var data: String?
    @Option(name: .shortAndLong, help: "Samples to draw.") var n = 10_000
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String

    func validate() throws {
        if !(rate > 0 && rate.isFinite) { throw ValidationError("--rate: \(rate) must be positive") }
        if !(scale > 0 && scale.isFinite) { throw ValidationError("--scale: \(scale) must be positive") }
        if !location.isFinite { throw ValidationError("--location: \(location) must be finite") }
        try OptionLimits.require(n, in: 2...OptionLimits.samples, "-n")
        if data != nil && distribution != .empirical { throw ValidationError("--data: only the empirical distribution reads data") }
    }

    func run() throws {
        try Outputs.check(output, "--output", against: [(data, "--data")], extensions: ["svg"])
        let sampler: InverseTransformSampler
        var source: NormalMixture1D?
        switch distribution {
        case .exponential: sampler = ClosedFormDistribution.exponential(rate: rate)
        case .cauchy: sampler = ClosedFormDistribution.cauchy(location: location, scale: scale)
        case .logistic: sampler = ClosedFormDistribution.logistic(location: location, scale: scale)
        case .empirical:
            let values: [Double]
            if let data {
                guard let text = try? String(contentsOfFile: data, encoding: .utf8) else { throw OptionError("--data: cannot read \(data)") }
                values = try text.split(whereSeparator: \.isNewline).enumerated().compactMap { k, line in
                    let field = line.trimmingCharacters(in: .whitespaces)
                    if field.isEmpty || field.hasPrefix("#") { return nil }
                    guard let v = Double(field), v.isFinite else { throw OptionError("--data: \(data) line \(k + 1): '\(field)' is not a number") }
                    return v
                }
            } else {
                source = .bimodal
                values = NormalMixture1D.bimodal.sample(1000, using: RandomGenerator(seed: seed &+ 1000))
            }
            sampler = try withOptionErrors { try EmpiricalCDF(data: values) }
        }
        let result = try withOptionErrors { try runInverseTransform(sampler, count: n, source: source, seed: seed) }
        try result.plot.write(to: output)
        var figures: [(name: String, value: Double)] = [("samples", Double(n)), ("ks_statistic", result.ksStatistic)]
        if let ks = result.ksAgainstSource { figures.append(("ks_against_source", ks)) }
        printFigures(figures)
        printError("wrote \(output)")
    }
}

struct SamplerMHCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mh",
        abstract: "Metropolis-Hastings with a Gaussian random walk on a density known up to a constant.",
        discussion: """
            Targets: bimodal (0.4 N(-2, 0.7²) + 0.6 N(1.5, 1)) and banana (x1 ~ N(0, 4), x2 | x1 ~ N(x1²/4, 1)). \
            Prints acceptance_rate=, ess_per_1000_steps= (the smallest over coordinates) and ks_statistic= of x1 \
            against its exact marginal; writes the samples over the density (--output) and the chain \
            (--chain-output, default <output>-chain.svg). Several --sigma values (comma-separated) print \
            the trade-off table instead, one line per σ, and --output plots it.
            """)

    @Argument(help: "bimodal or banana.") var target: String
    @Option(help: "Proposal standard deviation σ; a comma-separated list prints the trade-off table.") var sigma = "2.5"
    @Option(help: "Steps kept after burn-in.") var steps = 20_000
    @Option(help: "Steps discarded first.") var burnIn = 1000
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String
    @Option(help: "The chain's SVG (one σ only; default <output>-chain.svg).") var chainOutput: String?

    func sigmas() throws -> [Double] {
        try sigma.split(separator: ",").map { field in
            guard let v = Double(field.trimmingCharacters(in: .whitespaces)), v > 0, v.isFinite else {
                throw ValidationError("--sigma: '\(field)' must be a positive number")
            }
            return v
        }
    }

    func validate() throws {
        guard UnnormalizedDensity.named[target] != nil else {
            throw ValidationError("target: unknown '\(target)'; known: \(UnnormalizedDensity.named.keys.sorted().joined(separator: ", "))")
        }
        let list = try sigmas()
        if list.isEmpty || list.count > 50 { throw ValidationError("--sigma: give 1 to 50 values") }
        try OptionLimits.require(steps, in: 10...1_000_000, "--steps")
        try OptionLimits.require(burnIn, in: 0...1_000_000, "--burn-in")
    }

    func run() throws {
        let density = UnnormalizedDensity.named[target]!, list = try sigmas()
        let chainPath = chainOutput ?? (output.hasSuffix(".svg") ? String(output.dropLast(4)) : output) + "-chain.svg"
        try Outputs.check(output, "--output", against: [], extensions: ["svg"])
        if list.count == 1 { try Outputs.check(chainPath, "--chain-output", against: [(output, "--output")], extensions: ["svg"]) }
        let reports = try withOptionErrors {
            try list.map { try metropolisReport(density, sigma: $0, steps: steps, burnIn: burnIn, seed: seed) }
        }
        if reports.count == 1 {
            let report = reports[0]
            try MetropolisPlots.samples(report, target: density).write(to: output)
            try MetropolisPlots.trace(report, target: density).write(to: chainPath)
            var figures: [(name: String, value: Double)] = [("sigma", report.sigma), ("steps", Double(steps)),
                                                            ("acceptance_rate", report.chain.acceptanceRate),
                                                            ("ess_per_1000_steps", report.essPer1000Steps)]
            if let ks = report.ksStatistic { figures.append(("ks_statistic", ks)) }
            printFigures(figures)
            printError("wrote \(output) and \(chainPath)")
        } else {
            for report in reports {
                print(String(format: "sigma=%.4g acceptance_rate=%.4f ess_per_1000_steps=%.2f ks_statistic=%.4f",
                             report.sigma, report.chain.acceptanceRate, report.essPer1000Steps, report.ksStatistic ?? .nan))
            }
            let best = reports.max { $0.essPer1000Steps < $1.essPer1000Steps }!
            print(String(format: "best_sigma=%.4g", best.sigma))
            try MetropolisPlots.tradeOff(reports, target: density).write(to: output)
            printError("wrote \(output)")
        }
    }
}

struct SamplerKDECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kde",
        abstract: "Kernel density estimation on the 8x8 digits in PCA space; new digits sampled beside real ones (PNG).",
        discussion: """
            scikit-learn's example: all 1,797 digits (pixels 0-16), PCA to --components dimensions, a Gaussian \
            kernel whose bandwidth is chosen by --folds-fold cross-validated log-likelihood over \
            logspace(-1, 1, 20) (or fixed with --bandwidth). Prints bandwidth= and heldout_log_likelihood= \
            (the mean log-density of a digit under the KDE of the other folds).
            """)

    @Option(help: "PCA dimensions.") var components = 15
    @Option(help: "A fixed bandwidth instead of the cross-validated search.") var bandwidth: Double?
    @Option(help: "Cross-validation folds.") var folds = 5
    @Option(help: "Rows of digits in the picture (6 real and 6 sampled per row).") var rows = 6
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .shortAndLong, help: "The PNG file to write.") var output: String
    @OptionGroup var dataOptions: ImageDataOptions

    func validate() throws {
        if let bandwidth, !(bandwidth > 0 && bandwidth.isFinite) { throw ValidationError("--bandwidth: \(bandwidth) must be positive") }
        try OptionLimits.require(components, in: 1...64, "--components")
        try OptionLimits.require(folds, in: 2...100, "--folds")
        try OptionLimits.require(rows, in: 1...50, "--rows")
    }

    func run() throws {
        try Outputs.check(output, "--output", against: [], extensions: ["png"])
        let digits = try ImageDataSource.digits.loadAll(from: dataOptions.datasets)
        let result = try withOptionErrors {
            try DigitsKDE.run(digits: digits, components: components, bandwidths: bandwidth.map { [$0] } ?? BandwidthSearch.exampleGrid,
                              folds: folds, rows: rows, seed: seed)
        }
        try result.picture.write(to: output)
        printFigures([("digits", Double(digits.count)), ("components", Double(components)), ("explained_variance", result.explainedVariance),
                      ("bandwidth", result.bandwidth), ("heldout_log_likelihood", result.heldOutLogLikelihood),
                      ("cv_seconds", result.crossValidationSeconds)])
        printError("wrote \(output) (real digits left, sampled right)")
    }
}
