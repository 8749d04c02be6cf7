import ArgumentParser
import ChemVAE
import Datasets
import Foundation
import Training

/// `molgen encode`: latent means (and log-variances) of the molecules of a SMILES or dataset file.
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode molecules into latent points (Z.h5 or Z.csv).",
        discussion: """
            SMILES are standardised (see --standardize), canonicalized by RDKit and tokenized with \
            the model's vocabulary; the summary counts the standardised molecules. Rows that \
            cannot be encoded (invalid, too long, unknown tokens) are reported on stderr as \
            file:line reason and skipped. Z.h5 holds /latents [N, Z] (and /log_variances), /smiles \
            and /line; Z.csv has the columns line,smiles,z0,… (and lv0,…). A summary goes to stdout.
            """)

    @Argument(help: "Molecules: a molecule file (.smi/.txt/.csv/.tsv/.sdf, optionally .gz) or a dataset file converted with the model's vocabulary.")
    var input: String
    @Option(name: .shortAndLong, help: "The latents file to write: .h5 or .csv.") var output: String
    @Option(help: "The SMILES column of a CSV/TSV input (default: the column named smiles); for an SD file an SD property holding SMILES.") var column: String?
    @Flag(help: "Also write the encoder's log-variances.") var withVariance = false
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var standardizeOptions: StandardizeOptions

    func run() throws {
        try Outputs.check(output, "--output", against: [(input, "input"), (modelOptions.model, "--model")], extensions: ["h5", "hdf5", "csv"])
        let bundle = try modelOptions.load()
        standardizeOptions.apply(to: bundle)
        var read = 0, encoded = 0, rejected = 0, standardized = 0, invalid = 0
        var domain = DomainTally(model: bundle)
        let isDataset = input.lowercased().hasSuffix(".h5") || input.lowercased().hasSuffix(".hdf5")
        let progress = CountedProgress(total: 1, unit: "molecules")
        StopSignal.install(grace: 2)
        do {
            try LatentFile.write(to: output, model: bundle, modelPath: modelOptions.model, withVariances: withVariance) { append in
                if isDataset {
                    // A dataset file is encoded whole (its rows are already token rows).
                    let encoding = try bundle.encode(file: input, column: column, keepVariances: withVariance)
                    read = encoding.read
                    encoded = encoding.points.count
                    if encoded > 0 { try append(encoding.points) }
                    return
                }
                // A SMILES file streams: one block of molecules in memory at a time.
                try bundle.encode(smilesFile: input, column: column, keepVariances: withVariance) { points, rejects, total, fraction, changed in
                    if StopSignal.isRequested { throw Interrupted() }
                    for r in rejects { printError("\(r.location): \(r.reason.rawValue): \(r.detail)") }
                    rejected += rejects.count
                    invalid += rejects.filter { $0.reason == .invalid }.count
                    standardized += changed
                    domain.check(points, file: input)
                    read = total
                    encoded += points.count
                    if points.count > 0 { try append(points) }
                    progress.update(fraction: fraction, count: total)
                }
            }
        } catch ChemVAEError.invalidLatent {
            if read > 0 && invalid == read { throw OptionError(noValidSMILESMessage(path: input, column: column)) }
            throw OptionError("\(input): none of its \(read) molecules can be encoded with \(modelOptions.model); nothing was written")
        }
        progress.finish()
        print("read=\(read)")
        print("encoded=\(encoded)")
        print("rejected=\(rejected)")
        print("standardization=\(standardizationName(bundle.standardization))")
        print("standardized=\(standardized)")
        print("outside_domain=\(domain.summary)")
        if domain.outside > domain.shown { printError("... \(domain.outside) molecules outside the model's domain in all") }
        print("latent_size=\(bundle.config.latentSize)")
        print("output=\(output)")
    }
}
