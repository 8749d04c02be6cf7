import Chem
import Datasets
import Foundation
import Smiles

/// Molecules a user hands to a model command: a dataset file (.h5) already tokenized with the
/// model's vocabulary, or a SMILES file (.smi/.txt/.csv, optionally .gz) converted on the fly with
/// the model's vocabulary. Rows that cannot be used are reported, not fatal.
public struct MoleculeInput {
    public let dataset: MoleculeDataset
    /// Rows of a SMILES file that were skipped (invalid, too long, unknown tokens), with line numbers.
    public let rejected: [RejectedRecord]
    public let read: Int

    /// Loads `path` for `model`, computing `properties` (by name) for SMILES files.
    public init(path: String, model: ChemVAEModel, column: String? = nil, properties: [String]? = nil) throws {
        if path.hasSuffix(".h5") || path.hasSuffix(".hdf5") {
            let data = try MoleculeDataset(contentsOf: path)
            guard data.vocabulary == model.codec.vocabulary, data.maxLength == model.codec.maxLength else {
                throw ChemVAEError.incompatibleData(
                    "\(path) was converted with another vocabulary than the model (\(data.vocabulary.count) vs \(model.codec.vocabulary.count) tokens, rows of \(data.maxLength) vs \(model.codec.maxLength)); convert it with --vocab MODEL.h5 or pass the SMILES file")
            }
            dataset = data; rejected = []; read = data.count
            return
        }
        var options = ConversionOptions()
        options.fixedCodec = model.codec
        options.standardization = model.standardization
        options.canonicalize = true
        options.column = column
        options.properties = (properties ?? model.config.propertyNames).compactMap { MolecularProperty(name: $0) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("molgen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("input.h5").path
        let summary = try DatasetConverter(options: options).convert(inputs: [path], output: output)
        guard summary.converted > 0 else {
            throw ChemVAEError.incompatibleData("\(path): none of its \(summary.read) molecules can be encoded with this model (\(summary.invalid) invalid, \(summary.tooLong) too long, \(summary.unknownTokens) with unknown tokens)")
        }
        dataset = try MoleculeDataset(contentsOf: output)
        rejected = try Self.readRejected(DatasetConverter.rejectedFile(for: output), file: path)
        read = summary.read
    }

    /// The rejected rows the converter wrote (file,line,smiles,reason,detail).
    static func readRejected(_ csv: String, file: String) throws -> [RejectedRecord] {
        guard let text = try? String(contentsOfFile: csv, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = splitCSVLine(String(line))
            guard fields.count >= 5, let number = Int(fields[1]), let reason = RejectionReason(rawValue: fields[3]) else { return nil }
            return RejectedRecord(file: file, line: number, smiles: fields[2], reason: reason, detail: fields[4])
        }
    }
}

/// Splits one CSV line, honouring double quotes.
func splitCSVLine(_ line: String) -> [String] {
    var fields: [String] = [], current = "", quoted = false
    var chars = Array(line)[...]
    while let c = chars.popFirst() {
        if quoted {
            if c == "\"" { if chars.first == "\"" { current.append("\""); chars.removeFirst() } else { quoted = false } }
            else { current.append(c) }
        } else if c == "\"" { quoted = true }
        else if c == "," { fields.append(current); current = "" }
        else { current.append(c) }
    }
    fields.append(current)
    return fields
}
