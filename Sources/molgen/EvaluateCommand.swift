import ArgumentParser
import ChemVAE
import Datasets
import Foundation

extension DecodingMethod: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "greedy": self = .greedy
        case "sample": self = .sample(temperature: 1)
        default:
            guard argument.hasPrefix("beam"), let width = Int(argument.dropFirst(4)) ?? (argument == "beam" ? 5 : nil) else { return nil }
            self = .beam(width: width)
        }
    }
}

/// `molgen evaluate`: reconstruction, prior-sample quality and property accuracy of a model.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Measure a model on test molecules and prior samples; prints name=value lines (or JSON).")

    @Option(help: "The model file.") var model = "models/default.h5"
    @Option(help: "Test molecules: a dataset file converted with the model's vocabulary, or a SMILES file (.smi/.csv[.gz]).") var test: String
    @Option(help: "Training dataset, for novelty.") var train: String?
    @Option(help: "Prior samples to decode.") var samples = 10000
    @Option(help: "Test molecules to reconstruct (the first N).") var testLimit = 1000
    @Option(help: "How prior samples are decoded: greedy, sample, beam or beamK (e.g. beam5).") var method: DecodingMethod = .greedy
    @Flag(help: "Decode without the SMILES grammar's mask (constrained_* figures then give the masked decoding of the same points).")
    var unconstrained = false
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Flag(help: "Print one JSON object instead of name=value lines.") var json = false

    func validate() throws {
        if samples < 1 { throw ValidationError("--samples: \(samples) must be at least 1") }
        if testLimit < 1 { throw ValidationError("--test-limit: \(testLimit) must be at least 1") }
    }

    func run() throws {
        let bundle = try ChemVAEModel.load(from: model)
        let input = try MoleculeInput(path: test, model: bundle)
        if !input.rejected.isEmpty {
            printError("\(input.rejected.count) of \(input.read) test molecules skipped, e.g. \(input.rejected.prefix(3).map { "\($0.location) \($0.reason.rawValue)" }.joined(separator: "; "))")
        }
        let training = try train.map { canonicalTrainingSet(try MoleculeDataset(contentsOf: $0)) }
        let report = bundle.evaluate(test: input.dataset, testLimit: testLimit, samples: samples, method: method,
                                     constrained: !unconstrained, trainingSmiles: training, seed: seed, progress: { printError($0) })
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
