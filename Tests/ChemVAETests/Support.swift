import Datasets
import Foundation
import Smiles
import XCTest

/// The repository root (tests read the shipped data in datasets/).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The first `count` molecules of the shipped MOSES test subset.
func mosesSmiles(_ count: Int) throws -> [String] {
    let reader = try SmilesFileReader(path: repositoryRoot.appendingPathComponent("datasets/moses-test-5k.csv.gz").path)
    return try reader.next(upTo: count).map(\.smiles)
}

/// An in-memory dataset of `smiles`, tokenized at the atom level, with made-up but smooth
/// properties (so the property head has something to learn).
func makeDataset(_ smiles: [String], maxLength: Int = 60, properties: Bool = true) throws -> MoleculeDataset {
    var codec = SmilesCodec(tokenizer: .atom, maxLength: maxLength)
    var tokens = [UInt8](repeating: 0, count: smiles.count * maxLength)
    var lengths: [Int32] = []
    for (i, s) in smiles.enumerated() {
        let n = try tokens.withUnsafeMutableBufferPointer { buffer in
            try codec.encodeAddingTokens(s, into: UnsafeMutableBufferPointer(rebasing: buffer[(i * maxLength)..<((i + 1) * maxLength)]))
        }
        lengths.append(Int32(n))
    }
    let values = smiles.flatMap { s -> [Float] in [Float(s.count) / 10, Float(s.filter { $0 == "O" }.count)] }
    return try MoleculeDataset(codec: codec, smiles: smiles, tokens: tokens, lengths: lengths,
                               properties: properties ? values : [], propertyNames: properties ? ["length", "oxygens"] : [])
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("molgen-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
