import ArgumentParser
import Benchmarks
import ChemVAE

/// `molgen bench ...`: measurements printed as `name=value` lines, never pass/fail.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed; prints name=value lines.",
        subcommands: [GEMM.self, GRU.self, Train.self, Sample.self, BenchConvertCommand.self, BenchImageCommand.self])

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

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train", abstract: "ChemVAE training steps on synthetic full-length molecules: molecules_per_s, peak_rss_mb.")
        @Option(help: "Preset: paper, cpu or tiny.") var preset: ChemVAEConfig.Preset = .paper
        @Option(help: "Batch size B.") var batch = 128
        @Option(help: "Sequence length T (tokens + end).") var length = 120
        @Option(help: "Vocabulary size V (including the 4 special tokens).") var vocab = 35
        @Option(help: "Timed steps after one warm-up step.") var steps = 5
        func run() throws {
            try ChemVAEBenchmarks.train(preset: preset, batch: batch, length: length, vocabulary: vocab, steps: steps).forEach { print($0) }
        }
    }

    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sample", abstract: "Decoding prior samples to full length: molecules_per_s.")
        @Option(help: "Preset: paper, cpu or tiny.") var preset: ChemVAEConfig.Preset = .paper
        @Option(help: "Molecules decoded together.") var batch = 1000
        @Option(help: "Sequence length T.") var length = 120
        @Option(help: "Vocabulary size V.") var vocab = 35
        @Option(help: "Timed repeats after one warm-up.") var repeats = 2
        @Option(help: "A trained model file: decode its prior samples with and without the SMILES grammar's mask instead (greedy and sampled; --batch points).")
        var model: String?
        func run() throws {
            if let model {
                let bundle = try ChemVAEModel.load(from: model)
                ChemVAEBenchmarks.constrainedSample(model: bundle, batch: batch, repeats: repeats).forEach { print($0) }
                return
            }
            try ChemVAEBenchmarks.sample(preset: preset, batch: batch, length: length, vocabulary: vocab, repeats: repeats).forEach { print($0) }
        }
    }
}
