import ArgumentParser
import ChemVAE
import Foundation

/// `molgen encode`: latent means (and log-variances) of the molecules of a SMILES or dataset file.
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode molecules into latent points (Z.h5 or Z.csv).",
        discussion: """
            SMILES are canonicalized by RDKit and tokenized with the model's vocabulary. Rows that \
            cannot be encoded (invalid, too long, unknown tokens) are reported on stderr as \
            file:line reason and skipped. Z.h5 holds /latents [N, Z] (and /log_variances), /smiles \
            and /line; Z.csv has the columns line,smiles,z0,… (and lv0,…). A summary goes to stdout.
            """)

    @Argument(help: "Molecules: a SMILES file (.smi/.txt/.csv, optionally .gz) or a dataset file converted with the model's vocabulary.")
    var input: String
    @Option(name: .shortAndLong, help: "The latents file to write: .h5 or .csv.") var output: String
    @Option(help: "The SMILES column of a CSV input (default: the column named smiles).") var column: String?
    @Flag(help: "Also write the encoder's log-variances.") var withVariance = false
    @OptionGroup var modelOptions: ModelOptions

    func run() throws {
        try Outputs.check(output, "--output", against: [(input, "input"), (modelOptions.model, "--model")], extensions: ["h5", "hdf5", "csv"])
        let bundle = try modelOptions.load()
        let encoding = try bundle.encode(file: input, column: column, keepVariances: withVariance)
        for r in encoding.rejected { printError("\(r.location): \(r.reason.rawValue): \(r.detail)") }
        guard encoding.points.count > 0 else {
            throw OptionError("\(input): none of its \(encoding.read) molecules can be encoded with \(modelOptions.model); nothing was written")
        }
        try LatentFile.write(encoding.points, model: bundle, modelPath: modelOptions.model, to: output)
        print("read=\(encoding.read)")
        print("encoded=\(encoding.points.count)")
        print("rejected=\(encoding.rejected.count)")
        print("latent_size=\(encoding.points.width)")
        print("output=\(output)")
    }
}
