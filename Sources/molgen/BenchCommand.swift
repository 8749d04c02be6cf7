import ArgumentParser
import Benchmarks
import ChemVAE
import Cluster

/// `molgen bench ...`: measurements printed as `name=value` lines, never pass/fail.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed; prints name=value lines.",
        subcommands: [GEMM.self, GRU.self, Train.self, Sample.self, Evaluate.self, BenchConvertCommand.self, BenchImageCommand.self])

    struct GEMM: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "gemm", abstract: "SGEMM GFLOP/s on square matrices (the machine's peak).")
        @Option(help: "Matrix size n (n x n times n x n).") var size = 2048
        @Option(help: "Timed repeats (best is reported).") var repeats = 5
        func validate() throws {
            try OptionLimits.require(size, in: 1...16_384, "--size")
            try OptionLimits.require(repeats, in: 1...1000, "--repeats")
        }
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
        func validate() throws {
            try OptionLimits.require(batch, in: 1...OptionLimits.batchSize, "--batch")
            try OptionLimits.require(steps, in: 1...OptionLimits.rowWidth, "--steps")
            try OptionLimits.require(input, in: 1...OptionLimits.hiddenWidth, "--input")
            try OptionLimits.require(hidden, in: 1...OptionLimits.hiddenWidth, "--hidden")
            try OptionLimits.require(layers, in: 1...OptionLimits.layers, "--layers")
            try OptionLimits.require(repeats, in: 1...1000, "--repeats")
        }
        func run() {
            EngineBenchmarks.gru(batch: batch, steps: steps, input: input, hidden: hidden, layers: layers, repeats: repeats)
                .forEach { print($0) }
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train", abstract: "ChemVAE training steps on synthetic full-length molecules: molecules_per_s, peak_rss_mb.",
            discussion: """
                Under mpirun -np N: one process on the whole batch against N processes on their shards of it \
                (molecules/s of each, scaling efficiency, allreduce time, calls and bytes per step), and \
                estimates for 16 and 64 ranks on a 10 Gb/s network. Set MOLGEN_THREADS for threads per process.
                """)
        @Option(help: "Preset: paper, cpu or tiny.") var preset: ChemVAEConfig.Preset = .paper
        @Option(help: "Batch size B.") var batch = 128
        @Option(help: "Sequence length T (tokens + end).") var length = 120
        @Option(help: "Vocabulary size V (including the 4 special tokens).") var vocab = 35
        @Option(help: "Timed steps after one warm-up step (under mpirun: rounds of one single-process and one parallel step).") var steps = 5
        @Option(help: "Under mpirun: also write an SVG of the estimated efficiency for 2 to 256 ranks.") var plot: String?
        func validate() throws {
            try OptionLimits.require(batch, in: 2...OptionLimits.batchSize, "--batch")
            try OptionLimits.require(length, in: 2...OptionLimits.rowWidth, "--length")
            try OptionLimits.require(vocab, in: 5...256, "--vocab")
            try OptionLimits.require(steps, in: 1...1000, "--steps")
        }
        func run() throws {
            let group = ProcessGroup.world
            if let plot {
                guard group.size > 1 else { throw ValidationError("--plot: the scaling estimate needs mpirun -np 2 or more") }
                try Outputs.check(plot, "--plot", against: [], extensions: ["svg"])
            }
            guard group.size > 1 else {
                try ChemVAEBenchmarks.train(preset: preset, batch: batch, length: length, vocabulary: vocab, steps: steps).forEach { print($0) }
                return
            }
            guard batch >= group.size else { throw ValidationError("--batch: \(batch) molecules cannot be shared by \(group.size) processes") }
            try ChemVAEBenchmarks.dataParallelTrain(preset: preset, batch: batch, length: length, vocabulary: vocab, steps: steps, group: group,
                                                    plot: plot)
                .forEach { print($0) }
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
        @Option(help: "A trained model file: decode samples of the prior `molgen sample` uses with and without the SMILES grammar's mask instead (greedy, sampled and beam of 5; --batch points).")
        var model: String?
        func validate() throws {
            try OptionLimits.require(batch, in: 1...OptionLimits.batchSize, "--batch")
            try OptionLimits.require(length, in: 2...OptionLimits.rowWidth, "--length")
            try OptionLimits.require(vocab, in: 5...256, "--vocab")
            try OptionLimits.require(repeats, in: 1...1000, "--repeats")
        }
        func run() throws {
            if let model {
                let bundle = try ChemVAEModel.load(from: model)
                try ChemVAEBenchmarks.constrainedSample(model: bundle, batch: batch, repeats: repeats).forEach { print($0) }
                return
            }
            try ChemVAEBenchmarks.sample(preset: preset, batch: batch, length: length, vocabulary: vocab, repeats: repeats).forEach { print($0) }
        }
    }

    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "evaluate", abstract: "The stages of `molgen evaluate`'s MOSES metrics on real molecules: molecules/s of each.")
        @Option(help: "SMILES file: the first --samples molecules are the samples, the next --reference the reference set.")
        var molecules = "datasets/moses-test-5k.csv.gz"
        @Option(help: "Molecules scored as samples.") var samples = 2000
        @Option(help: "Reference molecules (SNN compares every sample with each).") var reference = 3000
        @Option(help: "ChemNet weights (tools/fetch-chemnet); without them the ChemNet stage is skipped.") var chemnet = "models/chemnet/chemnet.h5"
        func run() throws {
            try EvaluationBenchmarks.evaluate(molecules: molecules, samples: samples, reference: reference, chemNetPath: chemnet)
                .forEach { print($0) }
        }
    }
}
