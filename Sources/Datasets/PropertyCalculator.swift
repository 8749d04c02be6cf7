import Chem
import Foundation
import Smiles

/// RDKit's verdict on one input record: canonical SMILES and property values, or why it failed.
public struct MoleculePropertiesRow: Sendable {
    /// The record as read (SMILES and line number).
    public var record: SmilesRecord
    /// RDKit's canonical SMILES; nil for an invalid molecule.
    public var canonicalSMILES: String?
    /// The requested properties in order; nil for an invalid molecule.
    public var values: [Double]?
    /// RDKit's reason for an invalid molecule.
    public var error: String?
    /// With `PropertyCalculator.standardization`: what standardising the record changed (the
    /// canonical SMILES and values are then the standardised molecule's).
    public var changes: StandardizationChanges = []
    /// With `PropertyCalculator.parent`: the parent compound's canonical SMILES and properties.
    public var parentSMILES: String?
    public var parentValues: [Double]?

    /// Whether RDKit parsed and sanitized the molecule.
    public var isValid: Bool { values != nil }
}

/// Computes canonical SMILES and properties for every record of a SMILES file, on all cores,
/// handing rows back in input order (one per record, invalid ones included) with flat memory.
public struct PropertyCalculator: Sendable {
    /// The properties computed, in column order.
    public var properties: [MolecularProperty]
    /// Threads doing the RDKit work.
    public var workers: Int
    /// Records per unit of work.
    public var batchSize: Int
    /// Standardise each record first and describe the standardised molecule instead (`--standardize`).
    public var standardization: Standardization?
    /// Also compute the parent compound's properties, beside the record's (`--parent`).
    public var parent: Standardization?

    public init(properties: [MolecularProperty] = MolecularProperty.allCases,
                workers: Int = ProcessInfo.processInfo.activeProcessorCount, batchSize: Int = 256) {
        self.properties = properties
        self.workers = workers
        self.batchSize = batchSize
    }

    /// Reads `input` (see `SmilesFileReader`) and calls `row` for each record in input order, on
    /// the calling thread.
    /// - Throws: `SmilesFileError` for an input that cannot be opened or read, or what `row` throws.
    public func run(input: String, column: String? = nil, row: (MoleculePropertiesRow) throws -> Void) throws {
        let reader = try MoleculeFile.open(input, column: column)
        let properties = self.properties, standardization = self.standardization, parent = self.parent
        let pipeline = OrderedParallelMap<[SmilesRecord], [MoleculePropertiesRow]>(
            workers: workers, maxInFlight: workers * 4
        ) { records in
            records.map { record in
                if let problem = record.problem { return MoleculePropertiesRow(record: record, error: problem) }
                do {
                    let standardized = try standardization?.standardize(record.smiles)
                    let analysis = try Chem.analyze(smiles: standardized?.smiles ?? record.smiles, canonicalize: true, properties: properties)
                    var row = MoleculePropertiesRow(record: record, canonicalSMILES: analysis.canonicalSMILES, values: analysis.properties)
                    row.changes = standardized?.changes ?? []
                    if let parent {
                        let compound = try Chem.analyze(smiles: try parent.standardize(record.smiles).smiles, properties: properties)
                        row.parentSMILES = compound.canonicalSMILES
                        row.parentValues = compound.properties
                    }
                    return row
                } catch {
                    let reason: String
                    if case let ChemError.invalidSMILES(_, rdkitReason) = error { reason = rdkitReason } else { reason = "\(error)" }
                    return MoleculePropertiesRow(record: record, error: record.smiles.isEmpty ? "empty SMILES" : reason)
                }
            }
        }
        try pipeline.run(
            produce: {
                let records = try reader.next(upTo: batchSize)
                return records.isEmpty ? nil : records
            },
            consume: { rows in try rows.forEach(row) })
    }
}
