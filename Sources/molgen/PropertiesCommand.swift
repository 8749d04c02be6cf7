import ArgumentParser
import Chem
import Datasets
import Foundation
import Storage

/// `molgen properties`: canonical SMILES and RDKit properties of every molecule in a file, as CSV.
struct PropertiesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "properties",
        abstract: "Compute canonical SMILES, validity, logP, QED, SAS, MW and penalized logP; CSV on stdout.",
        discussion: """
            One row per input molecule, in input order: smiles,canonical,valid,logp,qed,sas,mw,plogp. \
            Invalid molecules have valid=false and empty fields (RDKit's reason goes to stderr). \
            With --standardize the columns describe the standardised molecule and a last column, \
            standardized, says what changed (fragments;charges;stereo). With --parent the parent \
            compound's columns follow the record's: parent,parent_logp,… A summary goes to stderr.
            """)

    @Argument(help: "A molecule file: .smi/.txt, .csv/.tsv or .sdf (read by RDKit), optionally gzipped (.gz).")
    var input: String

    @Option(help: "The SMILES column of a CSV/TSV input (default: the column named smiles, any case); for an SD file an SD property holding SMILES.")
    var column: String?

    @Option(help: "Worker threads for the RDKit work (default: all cores).")
    var threads: Int?

    @Flag(help: "Also give the parent compound's properties (largest organic fragment, neutralised; without stereo with --strip-stereo) beside the record's.")
    var parent = false

    @OptionGroup var standardizeOptions: StandardizeOptions

    func validate() throws {
        try OptionLimits.require(threads, in: 1...OptionLimits.threads, "--threads")
    }

    func run() throws {
        let properties: [MolecularProperty] = [.logP, .qed, .sas, .molecularWeight, .penalizedLogP]
        var calculator = PropertyCalculator(properties: properties)
        if let threads { calculator.workers = threads }
        calculator.standardization = standardizeOptions.resolved(default: nil)
        if parent { calculator.parent = Standardization(stripStereo: standardizeOptions.stripStereo ?? false) }
        let out = BufferedOutput()
        var header = "smiles,canonical,valid," + properties.map(\.name).joined(separator: ",")
        if calculator.standardization != nil { header += ",standardized" }
        if parent { header += ",parent," + properties.map { "parent_\($0.name)" }.joined(separator: ",") }
        try out.write(header + "\n")
        var invalid = 0, standardized = 0, read = 0
        // Shortest round-trip spelling of each Double, so values compare exactly with RDKit Python.
        func numbers(_ values: [Double]?) -> [String] { (values ?? properties.map { _ in .nan }).map { $0.isFinite ? "\($0)" : "" } }
        try calculator.run(input: input, column: column) { row in
            read += 1
            var fields = [csvField(printableText(row.record.smiles)), csvField(row.canonicalSMILES ?? ""), row.isValid ? "true" : "false"]
            fields += numbers(row.values)
            if calculator.standardization != nil {
                fields.append(row.changes.description)
                if !row.changes.isEmpty { standardized += 1 }
            }
            if parent { fields += [csvField(row.parentSMILES ?? "")] + numbers(row.parentValues) }
            try out.write(fields.joined(separator: ",") + "\n")
            if let error = row.error {
                invalid += 1
                if invalid <= 10 { printError("\(input):\(row.record.line): invalid: \(error)") }
            }
        }
        try out.flush()
        if invalid > 10 { printError("... \(invalid) invalid molecules in all") }
        if read > 0 && invalid == read { throw OptionError(noValidSMILESMessage(path: input, column: column)) }
        // The summary goes to stderr: stdout is the table.
        printError("read=\(read) valid=\(read - invalid) invalid=\(invalid)"
            + (calculator.standardization.map { " standardization=\(standardizationName($0)) standardized=\(standardized)" } ?? ""))
    }
}

/// Stdout through a 64 KiB buffer: print() per row would cost a system call each.
final class BufferedOutput {
    private var buffer: [UInt8] = []

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Why throwing: a full disk or closed pipe must stop the command with an error, not trap.
    func flush() throws {
        guard !buffer.isEmpty else { return }
        try writeToStandardOutput(buffer)
        buffer.removeAll(keepingCapacity: true)
        try finishStandardOutput()
    }
}
