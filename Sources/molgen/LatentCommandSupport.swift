import ArgumentParser
import ChemVAE
import Foundation
import Storage

/// `--model` and `--seed`, shared by every latent-space command.
struct ModelOptions: ParsableArguments {
    static let defaultModel = "models/default.h5"

    @Option(help: "The model file.") var model = ModelOptions.defaultModel
    @Option(help: "Random seed: the same seed gives the same output.") var seed: UInt64 = 1

    func load() throws -> ChemVAEModel {
        if !FileManager.default.fileExists(atPath: model) {
            throw OptionError(model == Self.defaultModel
                ? "--model: the default model \(model) does not exist here; run from the repository root or pass --model FILE"
                : "--model: \(model) does not exist")
        }
        return try ChemVAEModel.load(from: model)
    }
}

/// `--method`, `--temperature`, `--beam-width` (and `--attempts` where a command offers it).
struct DecodingOptions: ParsableArguments {
    @Option(help: "How latent points become SMILES: beam (the default: the most probable of --beam-width hypotheses), greedy (fastest) or sample.") var method: String?
    @Option(help: "Softmax temperature for --method sample (default 1).") var temperature: Float?
    @Option(help: "Hypotheses kept by --method beam (default 5).") var beamWidth: Int?
    @Flag(help: "Let the decoder emit any token. By default every token must keep the SMILES completable into a valid molecule (constrained decoding).")
    var unconstrained = false

    func validate() throws {
        if let method, !["greedy", "sample", "beam"].contains(method) {
            throw ValidationError("--method: '\(method)' is not one of greedy, sample, beam")
        }
        if let temperature, !(temperature > 0 && temperature.isFinite) { throw ValidationError("--temperature: must be a positive number") }
        try OptionLimits.require(beamWidth, in: 1...OptionLimits.beamWidth, "--beam-width")
        if temperature != nil && method != "sample" && method != nil { throw ValidationError("--temperature applies to --method sample only") }
        if beamWidth != nil && method != "beam" { throw ValidationError("--beam-width applies to --method beam only") }
    }

    /// The method, defaulting to a beam of 5 (or to sampling when `attempts` > 1, which needs it):
    /// on the shipped model it reconstructs more test molecules and its prior samples score a
    /// lower FCD than greedy decoding (models/README.md), at a fraction of greedy's speed.
    func decodingMethod(attempts: Int = 1) throws -> DecodingMethod {
        switch method ?? (attempts > 1 || temperature != nil ? "sample" : "beam") {
        case "sample": return .sample(temperature: temperature ?? 1)
        case "beam":
            if attempts > 1 { throw OptionError("--attempts \(attempts) needs --method sample: beam search decodes the same molecule every time") }
            return .beam(width: beamWidth ?? 5)
        default:
            if attempts > 1 { throw OptionError("--attempts \(attempts) needs --method sample: greedy decoding gives the same molecule every time") }
            return .greedy
        }
    }
}

/// Rewrites a library error as an error about one option (`--from: 'X' is not a valid molecule …`).
func about<Result>(_ option: String, _ body: () throws -> Result) throws -> Result {
    do { return try body() } catch let error as UnencodableMolecule { throw OptionError("\(option): \(error)") }
}

/// Writes CSV text to `path` atomically, or to stdout when `path` is nil.
func emitCSV(_ text: String, to path: String?) throws {
    if let path { try writeTextAtomically(text, to: path) } else { print(text, terminator: "") }
}

/// The CSV of decoded molecules: `index,smiles,valid,canonical`.
func decodedCSV(_ molecules: [DecodedMolecule]) -> String {
    "index,smiles,valid,canonical\n" + molecules.enumerated().map { i, m in
        "\(i),\(csvField(m.smiles)),\(m.isValid ? 1 : 0),\(csvField(m.canonical ?? ""))"
    }.joined(separator: "\n") + (molecules.isEmpty ? "" : "\n")
}

/// name=value lines summarising a stream of decoded molecules.
func printDecodingSummary(_ tally: DecodingTally) {
    print("decoded=\(tally.decoded)")
    print("valid=\(tally.valid)")
    print("validity=\(String(format: "%.4f", Double(tally.valid) / Double(max(tally.decoded, 1))))")
    print("unique_valid=\(tally.uniqueValid)")
}

/// name=value lines summarising decoded molecules.
func printDecodingSummary(_ molecules: [DecodedMolecule]) {
    let valid = molecules.filter(\.isValid).count
    let unique = Set(molecules.compactMap(\.canonical)).count
    print("decoded=\(molecules.count)")
    print("valid=\(valid)")
    print("validity=\(String(format: "%.4f", Double(valid) / Double(max(molecules.count, 1))))")
    print("unique_valid=\(unique)")
}

func fixed(_ v: Double, _ digits: Int = 3) -> String { v.isFinite ? String(format: "%.\(digits)f", v) : "nan" }

extension PriorChoice: ExpressibleByArgument {}

/// `--prior-temperature` (sample, evaluate): how widely prior points spread.
enum PriorTemperature {
    static let help = "Scale every spread of the prior by this (N(0, T²I); each fitted component likewise): below 1, points keep nearer the data's centres. Default: the temperature stored with the fitted prior (molgen fit-prior --temperature), 1 for N(0, I)."
    static func validate(_ t: Double, option: String = "--prior-temperature") throws {
        guard t > 0 && t <= 4 else { throw ValidationError("\(option): \(t) must be above 0 and at most 4") }
    }
}
