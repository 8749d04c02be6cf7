import Chem
import Foundation
import Smiles

/// An analysed batch as bytes, for the trip from a rank to rank 0 (`mpirun -np N molgen convert`):
/// file index, progress, then per record its line, SMILES and RDKit's verdict. Both ends are the
/// same build of molgen, so the layout is native and unversioned.
extension DatasetConverter.AnalyzedBatch {
    var bytes: [UInt8] {
        var out = ByteWriter()
        out.int(fileIndex); out.double(fractionDone); out.int(records.count)
        for (record, analysis) in zip(records, analyses) {
            out.int(record.line); out.string(record.smiles)
            switch analysis {
            case let .valid(smiles, properties, changes):
                out.byte(0); out.string(smiles); out.int(properties.count)
                for value in properties { out.float(value) }
                out.int(Int(changes.rawValue))
            case let .invalid(reason): out.byte(1); out.string(reason)
            case let .tooLong(detail): out.byte(2); out.string(detail)
            case let .badProperty(detail): out.byte(3); out.string(detail)
            }
        }
        return out.bytes
    }

    init(bytes: [UInt8]) throws {
        var input = ByteReader(bytes: bytes)
        let fileIndex = try input.int(), fractionDone = try input.double(), count = try input.int()
        var records: [SmilesRecord] = [], analyses: [DatasetConverter.Analysis] = []
        for _ in 0..<count {
            let line = try input.int()
            records.append(SmilesRecord(smiles: try input.string(), line: line))
            switch try input.byte() {
            case 0:
                let smiles = try input.string()
                let properties = try (0..<input.int()).map { _ in try input.float() }
                let changes = StandardizationChanges(rawValue: Int32(truncatingIfNeeded: try input.int()))
                analyses.append(.valid(smiles: smiles, properties: properties, changes: changes))
            case 1: analyses.append(.invalid(try input.string()))
            case 2: analyses.append(.tooLong(try input.string()))
            default: analyses.append(.badProperty(try input.string()))
            }
        }
        self.init(fileIndex: fileIndex, records: records, analyses: analyses, fractionDone: fractionDone)
    }
}

private struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func byte(_ value: UInt8) { bytes.append(value) }
    mutating func int(_ value: Int) { withUnsafeBytes(of: Int64(value)) { bytes.append(contentsOf: $0) } }
    mutating func double(_ value: Double) { withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) } }
    mutating func float(_ value: Float) { withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) } }
    mutating func string(_ value: String) { int(value.utf8.count); bytes.append(contentsOf: value.utf8) }
}

private struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, offset + count <= bytes.count else {
            throw DatasetError.invalidOption(option: "mpirun", reason: "a rank sent a damaged batch (\(bytes.count) bytes)")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func load<T>(_: T.Type) throws -> T {
        try take(MemoryLayout<T>.size).withUnsafeBytes { $0.loadUnaligned(as: T.self) }
    }

    mutating func byte() throws -> UInt8 { try take(1).first! }
    mutating func int() throws -> Int { Int(try load(Int64.self)) }
    mutating func double() throws -> Double { try load(Double.self) }
    mutating func float() throws -> Float { try load(Float.self) }
    mutating func string() throws -> String { String(decoding: try take(try int()), as: UTF8.self) }
}
