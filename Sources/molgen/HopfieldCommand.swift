import ArgumentParser
import EnergyModels
import Foundation
import ImageModels

/// `molgen hopfield ...`: the Hopfield network as an associative memory and as an optimiser.
struct HopfieldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hopfield",
        abstract: "Hopfield networks: recall of stored digits, capacity against load, max-cut as an energy.",
        subcommands: [HopfieldRecallCommand.self, HopfieldCapacityCommand.self, HopfieldOptimizeCommand.self])
}

/// Runs a Hopfield library call, turning its option errors into one-line option errors.
func withHopfieldErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as HopfieldError { throw OptionError(error.description) }
}

struct HopfieldRecallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recall",
        abstract: "Store P binarised digits, recall them from noisy copies: prints recall_accuracy= and writes a PNG.",
        discussion: """
            Hebbian weights W = (1/N) Σ ξξᵀ with a zero diagonal over ±1 pixels (binarised at 0.5); the \
            patterns are the first training image of digit 0, 1, ..., 9, then the second of each. Each \
            copy gets exactly round(noise·N) pixels flipped. recall_accuracy is the fraction of pixels \
            of the recalled images equal to the originals (all pixels of all P patterns); \
            exact_recall_rate the fraction of patterns recovered with every pixel right; \
            corrupted_accuracy the same pixel fraction before recall. The PNG has a column per \
            pattern (at most 10) and rows: corrupted, after 1/4, 1/2 and 3/4 of the first sweep \
            (--synchronous: after steps 1-3), recalled, original.
            """)

    @Option(help: "Patterns to store (P).") var patterns = 3
    @Option(help: "Fraction of each copy's pixels flipped before recall.") var noise = 0.1
    @Option(help: "digits (8x8, 64 units), mnist (28x28, 784 units) or digits28.") var data: ImageDataSource = .digits
    @Flag(help: "Update all units at once from the same state (default: one at a time in a fixed order).") var synchronous = false
    @Option(help: "Random seed (which pixels are flipped).") var seed: UInt64 = 1
    @Option(name: .shortAndLong, help: "The PNG file to write.") var output: String
    @OptionGroup var dataOptions: ImageDataOptions

    func run() throws {
        try Outputs.check(output, "--output", against: [], extensions: ["png"])
        let result = try withHopfieldErrors {
            try HopfieldRecall.run(datasets: dataOptions.datasets, data: data, patterns: patterns, noise: noise,
                                   update: synchronous ? .synchronous : .asynchronous, seed: seed)
        }
        try result.picture.write(to: output)
        printFigures(result.figures)
        printError("wrote \(output)")
    }
}

struct HopfieldCapacityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity",
        abstract: "Recall of random patterns against load P/N: a table and an SVG showing the collapse near 0.138 N.",
        discussion: """
            For each load, P = round(load·N) random ±1 patterns are stored (--trials independent sets); \
            each is run asynchronously from itself (--noise: with that fraction flipped) to a fixed \
            point. recall_rate: fraction of runs that settle with at most 3% of the units wrong; \
            fixed_point_rate: fraction of stored patterns that no update changes; mean_agreement: \
            fraction of units right. The table goes to stdout, one row per load, then \
            collapse_load= (the first load whose recall rate falls below one half).
            """)

    @Option(help: "Units N.") var units = 200
    @Option(help: "Loads P/N, comma-separated (default 0.02, 0.04, ..., 0.30).") var loads: String?
    @Option(help: "Independent pattern sets per load.") var trials = 10
    @Option(help: "Fraction of units flipped in each start.") var noise = 0.0
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String

    func run() throws {
        try Outputs.check(output, "--output", against: [], extensions: ["svg"])
        let loadList = try loads.map { list in
            try list.split(separator: ",").map { item -> Double in
                guard let value = Double(item.trimmingCharacters(in: .whitespaces)) else { throw OptionError("--loads: '\(item)' is not a number") }
                return value
            }
        } ?? (1...15).map { Double($0) * 0.02 }
        let rows = try withHopfieldErrors { try HopfieldCapacity.run(units: units, loads: loadList, trials: trials, noise: noise, seed: seed) }
        try HopfieldCapacity.plot(rows, units: units).write(to: output)
        print("load    patterns  recall_rate  fixed_point_rate  mean_agreement")
        for row in rows {
            print(String(format: "%-7.3f %8d  %11.3f  %16.3f  %14.4f", row.load, row.patterns, row.recallRate, row.fixedPointRate, row.meanAgreement))
        }
        var figures: [(name: String, value: Double)] = [("units", Double(units)), ("trials", Double(trials))]
        if let collapse = rows.first(where: { $0.recallRate < 0.5 }) { figures.append(("collapse_load", collapse.load)) }
        printFigures(figures)
        printError("wrote \(output)")
    }
}

struct HopfieldOptimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Max-cut of a random graph as a Hopfield energy, against the optimum found by enumeration.",
        discussion: """
            W_ij = -1 on every edge, so E(s) = Σ_edges s_i s_j and cut = (edges - E) / 2. The network \
            descends asynchronously from --restarts random states; the best end is printed with its \
            energy beside the exact optimum (all 2^(n-1) splits enumerated). partition= lists each \
            vertex's side (+ or -).
            """)

    @Option(help: "Vertices of the random graph (2-24).") var vertices = 16
    @Option(help: "Probability of each edge.") var edgeProbability = 0.5
    @Option(help: "Random starts of the network.") var restarts = 20
    @Option(help: "Random seed (graph and starts).") var seed: UInt64 = 1

    func run() throws {
        let problem = try withHopfieldErrors { try MaxCut(vertices: vertices, edgeProbability: edgeProbability, seed: seed) }
        let (state, endCuts) = try withHopfieldErrors { try problem.solve(restarts: restarts, seed: seed &+ 1) }
        let optimum = problem.optimum()
        let network = problem.network
        print("partition=" + state.map { $0 > 0 ? "+" : "-" }.joined())
        print("optimal_partition=" + optimum.state.map { $0 > 0 ? "+" : "-" }.joined())
        printFigures([
            ("vertices", Double(vertices)), ("edges", Double(problem.edges.count)),
            ("hopfield_cut", Double(problem.cut(state))), ("hopfield_energy", network.energy(state)),
            ("optimal_cut", Double(optimum.cut)), ("optimal_energy", network.energy(optimum.state)),
            ("restarts", Double(restarts)), ("restarts_at_optimum", Double(endCuts.filter { $0 == optimum.cut }.count)),
        ])
    }
}
