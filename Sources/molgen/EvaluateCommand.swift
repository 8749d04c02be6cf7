import ArgumentParser
import ChemNet
import ChemVAE
import Datasets
import Foundation
import Training

extension DecodingMethod: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "greedy": self = .greedy
        case "sample": self = .sample(temperature: 1)
        default:
            // beamK: K within 1...OptionLimits.beamWidth (beam0 and beam-1 used to reach a precondition).
            guard argument.hasPrefix("beam"), let width = Int(argument.dropFirst(4)) ?? (argument == "beam" ? 5 : nil),
                  (1...OptionLimits.beamWidth).contains(width) else { return nil }
            self = .beam(width: width)
        }
    }
}

/// `molgen evaluate`: reconstruction, prior-sample quality (the MOSES metrics) and property accuracy of a model.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Measure a model on test molecules and prior samples; prints name=value lines (or JSON).",
        discussion: """
            Prior samples are scored with the MOSES metrics against the --test molecules (and the \
            --scaffold-test ones): FCD (with ChemNet, see tools/fetch-chemnet), SNN, Frag, Scaf, \
            unique@1k/10k, IntDiv1/2 and Wasserstein distances of logP, SA, QED and MW. The reference \
            sets' statistics are cached beside them in FILE.stats.h5.
            """)

    @Option(help: "The model file.") var model = "models/default.h5"
    @Option(help: "Test molecules: a dataset file converted with the model's vocabulary, or a SMILES file (.smi/.csv[.gz]).") var test: String
    @Option(help: "MOSES scaffold test set (a SMILES or dataset file): adds fcd_testsf, snn_testsf, frag_testsf, scaf_testsf.") var scaffoldTest: String?
    @Option(help: "Training dataset, for novelty.") var train: String?
    @Option(help: "Prior samples to decode.") var samples = 10000
    @Option(help: "Test molecules to reconstruct (the first N).") var testLimit = 1000
    @Option(help: "How prior samples and test molecules are decoded: greedy, sample (test molecules then greedily), beam or beamK (e.g. beam5, the default, as in sample; K from 1 to \(OptionLimits.beamWidth)).") var method: DecodingMethod = .beam(width: 5)
    @Option(help: "ChemNet weights for FCD (made by tools/fetch-chemnet).") var chemnet = ChemNet.defaultPath
    @Flag(help: "Decode without the SMILES grammar's mask (constrained_* figures then give the masked decoding of the same points).")
    var unconstrained = false
    @Option(help: "Where prior samples come from: fitted (the model's fitted prior, the default when it has one) or normal (N(0, I)).") var prior: PriorChoice?
    @Option(help: ArgumentHelp(PriorTemperature.help)) var priorTemperature: Double?
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Flag(help: "Print one JSON object instead of name=value lines.") var json = false

    func validate() throws {
        try OptionLimits.require(samples, in: 1...1_000_000, "--samples")
        try OptionLimits.require(testLimit, in: 1...OptionLimits.samples, "--test-limit")
        if let priorTemperature { try PriorTemperature.validate(priorTemperature) }
        if let scaffoldTest, !FileManager.default.fileExists(atPath: scaffoldTest) {
            throw ValidationError("--scaffold-test: \(scaffoldTest) does not exist")
        }
    }

    func run() throws {
        let bundle = try ChemVAEModel.load(from: model)
        let input = try MoleculeInput(path: test, model: bundle)
        if !input.rejected.isEmpty {
            printError("\(input.rejected.count) of \(input.read) test molecules skipped, e.g. \(input.rejected.prefix(3).map { "\($0.location) \($0.reason.rawValue)" }.joined(separator: "; "))")
        }
        // Without the ChemNet file there is no fcd_*; the report's notes say how to get it.
        var chemNet: ChemNet?
        if FileManager.default.fileExists(atPath: chemnet) {
            do { chemNet = try ChemNet(contentsOf: chemnet) } catch { throw OptionError("--chemnet: \(error)") }
        }
        let display = StageProgress()
        let training = try train.map { canonicalTrainingSet(try MoleculeDataset(contentsOf: $0)) }
        var references: [(name: String, statistics: TestStatistics)] = []
        for (name, path) in [("test", test), ("testsf", scaffoldTest)] {
            guard let path else { continue }
            let statistics = try TestStatistics.load(for: path, smiles: try TestStatistics.readSmiles(path), chemNet: chemNet,
                                                     note: { printError("note: \($0)") }) {
                display.update(stage: "\(name): \($0.stage)", done: $0.done, total: $0.total)
            }
            references.append((name, statistics))
        }
        let report = try bundle.evaluate(test: input.dataset, testLimit: testLimit, samples: samples, method: method,
                                     constrained: !unconstrained, prior: prior, priorTemperature: priorTemperature,
                                     trainingSmiles: training, references: references, chemNet: chemNet, seed: seed,
                                     progress: { display.update(stage: $0.stage, done: $0.done, total: $0.total) })
        display.finish()
        report.notes.forEach { printError("note: \($0)") }
        if json {
            let body = report.figures.map { "\"\($0.name)\": \($0.value.isFinite ? String($0.value) : "null")" }.joined(separator: ", ")
            print("{\(body)}")
        } else {
            for (name, value) in report.figures {
                print(value == value.rounded() && abs(value) > 1 ? "\(name)=\(Int(value))" : "\(name)=\(String(format: "%.4f", value))")
            }
        }
    }
}

/// Progress of a command made of stages: a bar per stage on a terminal, otherwise one line when a
/// stage starts and then at most one a minute (for logs).
final class StageProgress {
    private let bar = ProgressBar()
    private var stage = ""
    private var stageStart = Date()
    private var lastLine = Date.distantPast

    func update(stage: String, done: Int, total: Int) {
        let now = Date()
        if stage != self.stage {
            if bar.isEnabled && !self.stage.isEmpty { bar.finish() }
            self.stage = stage; stageStart = now; lastLine = .distantPast
        }
        let fraction = total > 0 ? Double(done) / Double(total) : 0
        if bar.isEnabled {
            bar.update(fraction: fraction, elapsed: now.timeIntervalSince(stageStart), count: done, unit: "", suffix: stage)
        } else if now.timeIntervalSince(lastLine) >= 60 {
            lastLine = now
            printError(String(format: "%@: %d of %d (%.0f%%, %.0f s)", stage, done, total, fraction * 100, now.timeIntervalSince(stageStart)))
        }
    }

    func finish() { bar.finish() }
}
