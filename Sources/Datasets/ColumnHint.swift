import Chem
import Smiles

/// The message for an input none of whose rows is a valid molecule, naming the column that was
/// read and, when another column of the table holds SMILES, that one:
/// `no row of column 'iupac' of drugs.csv is a SMILES: did you mean --column smiles?`
/// Why: a wrong column is the usual cause, and a per-row error list does not say so.
public func noValidSMILESMessage(path: String, column: String?) -> String {
    let reader = try? MoleculeFile.open(path, column: column)
    if case .sdf = reader?.format {
        return column.map { "no record of \(path) has a SMILES in SD property '\($0)'" } ?? "no record of \(path) holds a molecule RDKit can read"
    }
    guard let reader, let used = reader.columnName else {
        return "no line of \(path) is a valid SMILES: each line must start with a SMILES (or name the file .csv/.tsv/.sdf)"
    }
    let head = "no row of column '\(used)' of \(path) is a SMILES"
    let others = reader.header.filter { $0 != used && !$0.isEmpty }
    // The other column whose first rows parse best, if at least half of them do.
    let scored = others.compactMap { name -> (name: String, valid: Int)? in
        guard let other = try? MoleculeFile.open(path, column: name), let records = try? other.next(upTo: 20), !records.isEmpty else { return nil }
        let valid = records.filter { !$0.smiles.isEmpty && (try? analyze(smiles: $0.smiles, canonicalize: false)) != nil }.count
        return 2 * valid >= records.count && valid > 0 ? (name, valid) : nil
    }
    if let best = scored.max(by: { $0.valid < $1.valid }) {
        return head + ": did you mean --column \(best.name.contains(" ") ? "'\(best.name)'" : best.name)?"
    }
    return head + "; its columns are " + reader.header.map { "'\($0)'" }.joined(separator: ", ") + ": pick the SMILES column with --column"
}
