import Chem
import Smiles

/// Opens any molecule file a command reads: SMILES lines (`.smi`, `.txt`), tables (`.csv`,
/// `.tsv`) and SD files (`.sdf`, read by RDKit's SD supplier), each optionally gzipped.
public enum MoleculeFile {
    /// A reader of `path`'s records; `column` names a table's SMILES column or, for an SD file, the
    /// SD property (or `name`) holding a SMILES instead of the mol block; `values` names further
    /// columns (SD properties) every record carries (`SmilesRecord.values`).
    public static func open(_ path: String, column: String? = nil, values: [String] = []) throws -> SmilesFileReader {
        try SmilesFileReader(path: path, column: column, sdfParser: sdRecordParser, values: values)
    }

    /// RDKit's reading of one SD record.
    public static let sdRecordParser: SDFRecordParser = { record in
        do { return .success(try smilesOfSDRecord(record)) } catch let ChemError.invalidSMILES(_, reason) {
            return .failure(SDFRecordError(reason))
        } catch {
            return .failure(SDFRecordError("\(error)"))
        }
    }
}
