import ArgumentParser
import Chem
import Cluster
import Datasets
import Foundation
import Training
import Smiles
import Storage

/// `molgen convert`: SMILES files → a dataset file for training (see README.md, "Dataset files").
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert SMILES files into a dataset file (HDF5) for training.",
        discussion: """
            Each molecule is parsed by RDKit; invalid, too long and (with --vocab) unknown-token rows \
            are skipped and listed in OUT.rejected.csv (file,line,smiles,reason,detail). The summary \
            goes to stdout as name=value lines; progress and examples of rejected rows to stderr.
            """)

    @Argument(help: "Molecule files: .smi/.txt (first field of each line), .csv/.tsv (a smiles column) or .sdf (read by RDKit), optionally gzipped (.gz).")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "The dataset file to write.")
    var output: String

    @Option(help: "The SMILES column of CSV/TSV inputs (default: the column named smiles, any case); for SD files an SD property holding SMILES (default: the mol block).")
    var column: String?

    @Option(help: "Tokenizer: atom (bracket atoms, Cl, Br, %nn whole) or char (one token per character). Default: atom.")
    var tokenizer: SmilesTokenizer?

    @Option(help: "Token row width T, counting the end token; longer molecules are skipped. Default: \(SmilesCodec.defaultMaxLength).")
    var maxLength: Int?

    @Flag(help: "Store and tokenize RDKit's canonical SMILES instead of the input spelling.")
    var canonicalize = false

    @Option(help: "Properties to compute, comma-separated: logp,qed,sas,mw,plogp.")
    var properties: String?

    @Option(help: "Measured values to carry into /properties after the RDKit ones, comma-separated: columns of a CSV/TSV input or SD properties. Rows whose value is missing or not a number are rejected (bad_property).")
    var propertyColumn: String?

    @Option(help: "Use the vocabulary, tokenizer and max length of this dataset or model file; molecules with other tokens are skipped.")
    var vocab: String?

    @Option(help: "Read at most this many molecules.")
    var limit: Int?

    @Option(help: "Reject SMILES longer than this many characters before RDKit parses them (default: \(SmilesScreen.defaultMaxLength)).")
    var maxSmilesLength: Int?

    @Option(help: "Reject molecules with more atoms than this before RDKit parses them (default: \(SmilesScreen.defaultMaxAtoms)).")
    var maxAtoms: Int?

    @Option(help: "Worker threads for the RDKit work (default: all cores).")
    var threads: Int?

    @OptionGroup var standardizeOptions: StandardizeOptions

    func validate() throws {
        if let maxLength, maxLength < 2 { throw ValidationError("--max-length: \(maxLength) leaves no room for a token and the end token; use at least 2") }
        try OptionLimits.require(maxLength, in: 2...OptionLimits.rowWidth, "--max-length")
        if let limit, limit <= 0 { throw ValidationError("--limit: \(limit) must be positive") }
        try OptionLimits.require(threads, in: 1...OptionLimits.threads, "--threads")
        try OptionLimits.require(maxSmilesLength, in: 1...OptionLimits.smilesLength, "--max-smiles-length")
        try OptionLimits.require(maxAtoms, in: 1...OptionLimits.atoms, "--max-atoms")
        if let properties { _ = try parseProperties(properties) }
    }

    func run() throws {
        let sources = inputs.map { ($0 as String?, "input") } + [(vocab, "--vocab")]
        try Outputs.check(output, "--output", against: sources, extensions: ["h5", "hdf5"])
        try Outputs.check(DatasetConverter.rejectedFile(for: output), "the rejected-rows file of --output", against: sources)
        var options = ConversionOptions()
        if let maxSmilesLength { options.maxSmilesLength = maxSmilesLength }
        if let maxAtoms { options.maxAtoms = maxAtoms }
        options.tokenizer = tokenizer ?? .atom
        options.maxLength = maxLength ?? SmilesCodec.defaultMaxLength
        options.canonicalize = canonicalize
        options.properties = try properties.map { try parseProperties($0) } ?? []
        options.limit = limit
        options.column = column
        // Under mpirun the ranks share the work and rank 0 writes (DatasetConverter); the ranks on
        // one machine share its cores.
        let group = ProcessGroup.world
        if group.usesMPI { options.workers = group.threadsPerProcess() }
        options.propertyColumns = propertyColumn.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? []
        if let threads { options.workers = threads }
        if let vocab {
            let codec: SmilesCodec
            do { codec = try SmilesCodec(contentsOf: vocab) } catch { throw OptionError("--vocab: \(error)") }
            // The rows must match the file the vocabulary comes from, so conflicting options are errors.
            if let tokenizer, tokenizer != codec.tokenizer {
                throw OptionError("--tokenizer \(tokenizer.rawValue) conflicts with --vocab \(vocab), which uses \(codec.tokenizer.rawValue)")
            }
            if let maxLength, maxLength != codec.maxLength {
                throw OptionError("--max-length \(maxLength) conflicts with --vocab \(vocab), which uses \(codec.maxLength)")
            }
            options.fixedCodec = codec
        }
        options.standardization = standardizeOptions.resolved(default: options.fixedCodec?.neededStandardization)

        StopSignal.install(grace: 2)
        let bar = ProgressBar()
        var lastLine = Date()
        let summary: ConversionSummary
        do {
            summary = try DatasetConverter(options: options).convert(inputs: inputs, output: output, group: group) { progress in
                if StopSignal.isRequested { throw Interrupted() }
                bar.update(fraction: progress.fractionDone, elapsed: progress.elapsed, count: progress.read, unit: "molecules")
                // Without a terminal (a log file, a batch job), a line a minute instead of the bar.
                if !bar.isEnabled, Date().timeIntervalSince(lastLine) >= ProgressBar.lineInterval {
                    lastLine = Date()
                    printError(String(format: "converted %d of %d read (%.1f%% of the input), %d rejected, %.0f s",
                                      progress.converted, progress.read, progress.fractionDone * 100, progress.rejected, progress.elapsed))
                }
            }
        } catch {
            bar.finish()
            throw error
        }
        bar.finish()
        guard group.isRoot else { return }

        for example in summary.examples {
            printError("rejected \(example.location) \(example.reason.rawValue): \(example.detail): \(printableText(example.smiles))")
        }
        if summary.rejected > summary.examples.count {
            printError("... \(summary.rejected) rejected in all, listed in \(summary.rejectedFile)")
        }
        let rate = summary.seconds > 0 ? Double(summary.read) / summary.seconds : 0
        let lines: [(String, String)] = [
            ("output", summary.output),
            ("rejected_file", summary.rejectedFile),
            ("read", "\(summary.read)"),
            ("converted", "\(summary.converted)"),
            ("invalid", "\(summary.invalid)"),
            ("too_long", "\(summary.tooLong)"),
            ("unknown_tokens", "\(summary.unknownTokens)"),
            ("bad_property", "\(summary.badProperties)"),
            ("properties", (options.properties.map(\.name) + options.propertyColumns).joined(separator: ",")),
            ("tokenizer", summary.codec.tokenizer.rawValue),
            ("max_length", "\(summary.codec.maxLength)"),
            ("longest_row", "\(summary.longestRow)"),
            ("standardization", standardizationName(options.standardization)),
            ("standardized", "\(summary.standardized)"),
            ("fragments_removed", "\(summary.standardizationChanges[.largestFragment] ?? 0)"),
            ("charges_neutralized", "\(summary.standardizationChanges[.neutralized] ?? 0)"),
            ("stereo_removed", "\(summary.standardizationChanges[.stereoRemoved] ?? 0)"),
            ("vocabulary_size", "\(summary.codec.vocabulary.count)"),
            ("seconds", String(format: "%.2f", summary.seconds)),
            ("molecules_per_s", String(format: "%.0f", rate)),
            ("processes", "\(group.size)"),
        ]
        for (name, value) in lines { print("\(name)=\(value)") }
    }
}
