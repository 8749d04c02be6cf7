import ArgumentParser
import Benchmarks

/// `molgen bench ...`: measurements printed as `name=value` lines, never pass/fail.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed; prints name=value lines.",
        subcommands: [GEMM.self, GRU.self, BenchConvertCommand.self])

    struct GEMM: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "gemm", abstract: "SGEMM GFLOP/s on square matrices (the machine's peak).")
        @Option(help: "Matrix size n (n x n times n x n).") var size = 2048
        @Option(help: "Timed repeats (best is reported).") var repeats = 5
        func run() { EngineBenchmarks.gemm(size: size, repeats: repeats).forEach { print($0) } }
    }

    struct GRU: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gru", abstract: "Multi-layer GRU forward + backward GFLOP/s against the SGEMM peak.")
        @Option(help: "Batch size B.") var batch = 128
        @Option(help: "Time steps T.") var steps = 120
        @Option(help: "Input width.") var input = 196
        @Option(help: "Hidden width H.") var hidden = 488
        @Option(help: "Stacked layers.") var layers = 3
        @Option(help: "Timed repeats (best is reported).") var repeats = 3
        func run() {
            EngineBenchmarks.gru(batch: batch, steps: steps, input: input, hidden: hidden, layers: layers, repeats: repeats)
                .forEach { print($0) }
        }
    }
}
