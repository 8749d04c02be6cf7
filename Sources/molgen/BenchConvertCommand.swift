import ArgumentParser
import Datasets
import Benchmarks
import Foundation

/// `molgen bench convert`: molecules per second and peak memory of dataset conversion.
/// Meant to sit under `molgen bench` (add `BenchConvertCommand.self` to `BenchCommand`'s subcommands).
struct BenchConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Conversion speed (parse, canonicalize, logP, QED, SAS, tokenize, write); prints name=value lines.")

    @Option(help: "SMILES file to convert.")
    var input = "datasets/moses-train-50k.csv.gz"

    @Option(help: "Convert at most this many molecules.")
    var limit: Int?

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    func validate() throws {
        if let limit, limit <= 0 { throw ValidationError("--limit: \(limit) must be positive") }
        if let threads, threads <= 0 { throw ValidationError("--threads: \(threads) must be positive") }
        guard FileManager.default.fileExists(atPath: input) else {
            throw ValidationError("--input: \(input) does not exist (run from the repository root, or pass --input)")
        }
    }

    func run() throws {
        let figures = try ConversionBenchmark.run(input: input, limit: limit,
                                                  workers: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        for (name, value) in figures { print("\(name)=\(value)") }
    }
}
