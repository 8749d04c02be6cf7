import Datasets
import Foundation
import Smiles
import Storage
import XCTest

final class MoleculeDatasetTests: XCTestCase {
    func makeDataset() throws -> MoleculeDataset {
        let smiles = ["CCO", "c1ccccc1Cl"]
        var codec = SmilesCodec(tokenizer: .atom, maxLength: 12)
        var tokens: [UInt8] = []
        var lengths: [Int32] = []
        for s in smiles {
            var row = [UInt8](repeating: 0, count: 12)
            lengths.append(Int32(try row.withUnsafeMutableBufferPointer { try codec.encodeAddingTokens(s, into: $0) }))
            tokens += row
        }
        return try MoleculeDataset(codec: codec, smiles: smiles, tokens: tokens, lengths: lengths,
                                   properties: [0.5, 1, 2.5, 3], propertyNames: ["logp", "qed"], source: "test")
    }

    func testWriteAndReadBack() throws {
        let dir = try ScratchDirectory()
        let dataset = try makeDataset()
        try dataset.write(to: dir.path("d.h5"))
        let loaded = try MoleculeDataset(contentsOf: dir.path("d.h5"))
        XCTAssertEqual(loaded.smiles, dataset.smiles)
        XCTAssertEqual(loaded.tokens, dataset.tokens)
        XCTAssertEqual(loaded.lengths, [3, 9])
        XCTAssertEqual(loaded.properties, [0.5, 1, 2.5, 3])
        XCTAssertEqual(Array(loaded.propertyValues(1)), [2.5, 3])
        XCTAssertEqual(loaded.propertyNames, ["logp", "qed"])
        XCTAssertEqual(loaded.codec, dataset.codec)
        XCTAssertEqual(loaded.source, "test")
    }

    /// The layout as an outside tool sees it: h5dump from the HDF5 distribution.
    func testLayoutAsSeenByH5dump() throws {
        let dir = try ScratchDirectory()
        try makeDataset().write(to: dir.path("d.h5"))
        let header = try runTool(["h5dump", "-H", dir.path("d.h5")])
        for expected in [
            "DATASET \"tokens\"", "H5T_STD_U8LE", "( 2, 12 ) / ( H5S_UNLIMITED, 12 )",
            "DATASET \"lengths\"", "H5T_STD_I32LE",
            "DATASET \"smiles\"", "CSET H5T_CSET_UTF8",
            "DATASET \"properties\"", "H5T_IEEE_F32LE", "( 2, 2 ) / ( H5S_UNLIMITED, 2 )", "ATTRIBUTE \"names\"",
            "DATASET \"vocabulary\"", "ATTRIBUTE \"tokenizer\"", "ATTRIBUTE \"max_length\"",
            "ATTRIBUTE \"format\"", "ATTRIBUTE \"version\"", "ATTRIBUTE \"source\"", "ATTRIBUTE \"canonical\"",
        ] {
            XCTAssertTrue(header.contains(expected), "h5dump -H lacks \(expected)")
        }
        let lengths = try runTool(["h5dump", "-d", "/lengths", "-y", "-w", "0", dir.path("d.h5")])
        XCTAssertTrue(lengths.split(whereSeparator: \.isWhitespace).joined(separator: " ").contains("DATA { 3, 9 }"), lengths)
        let vocabulary = try runTool(["h5dump", "-d", "/vocabulary", "-y", "-w", "0", dir.path("d.h5")])
        XCTAssertTrue(vocabulary.contains("\"<pad>\", \"<start>\", \"<end>\", \"<unk>\", \"C\", \"O\", \"c\", \"1\", \"Cl\""), vocabulary)
        let format = try runTool(["h5dump", "-a", "/format", dir.path("d.h5")])
        XCTAssertTrue(format.contains("\"molgen-dataset\""), format)
        let tokens = try runTool(["h5dump", "-d", "/tokens", "-s", "0,0", "-c", "1,12", "-y", "-w", "0", dir.path("d.h5")])
        XCTAssertTrue(tokens.contains("4, 4, 5, 2, 0, 0, 0, 0, 0, 0, 0, 0"), tokens)
    }

    func testClearErrorsForFilesThatAreNotDatasets() throws {
        let dir = try ScratchDirectory()
        XCTAssertThrowsError(try MoleculeDataset(contentsOf: dir.path("missing.h5"))) { error in
            XCTAssertEqual(error as? StorageError, .fileNotFound(file: dir.path("missing.h5")))
        }
        let text = try dir.write("text.h5", "CCO\n")
        XCTAssertThrowsError(try MoleculeDataset(contentsOf: text)) { error in
            XCTAssertEqual(error as? StorageError, .notHDF5(file: text))
        }
        try HDF5File.writeAtomically(to: dir.path("checkpoint.h5")) { file in
            try file.setAttribute("format", "molgen-checkpoint")
            try file.setAttribute("version", 1)
            try SmilesCodec(tokenizer: .character, maxLength: 40).write(to: file)
        }
        XCTAssertThrowsError(try MoleculeDataset(contentsOf: dir.path("checkpoint.h5"))) { error in
            XCTAssertEqual("\(error)", "\(dir.path("checkpoint.h5")) is a molgen-checkpoint, not a molgen-dataset: pass a molgen-dataset file")
        }
        try HDF5File.writeAtomically(to: dir.path("partial.h5")) { file in
            try file.setAttribute("format", "molgen-dataset")
            try file.setAttribute("version", 1)
            try SmilesCodec(tokenizer: .atom).write(to: file)
        }
        XCTAssertThrowsError(try MoleculeDataset(contentsOf: dir.path("partial.h5"))) { error in
            XCTAssertEqual(error as? StorageError, .missingDataset(path: "/tokens", file: dir.path("partial.h5")))
        }
    }

    func testAnEmptyDatasetIsAnError() throws {
        let dir = try ScratchDirectory()
        try HDF5File.writeAtomically(to: dir.path("empty.h5")) { file in
            let writer = try MoleculeDatasetWriter(file: file, maxLength: 10, propertyNames: [])
            try writer.finish(codec: SmilesCodec(tokenizer: .atom, maxLength: 10), source: "", isCanonical: false)
        }
        XCTAssertThrowsError(try MoleculeDataset(contentsOf: dir.path("empty.h5"))) { error in
            XCTAssertEqual(error as? DatasetError, .empty(file: dir.path("empty.h5")))
        }
    }

    func testCorruptRowsAreCaughtOnLoad() throws {
        let dir = try ScratchDirectory()
        var dataset = try makeDataset()
        dataset.tokens[5] = 200  // beyond the vocabulary, before row 0's padding check
        XCTAssertThrowsError(try MoleculeDataset(codec: dataset.codec, smiles: dataset.smiles, tokens: dataset.tokens,
                                                 lengths: dataset.lengths)) { error in
            XCTAssertEqual("\(error)", "dataset is not a valid molgen dataset: row 0 holds token index 200, outside the vocabulary of 9")
        }
        dataset = try makeDataset()
        try dataset.write(to: dir.path("ok.h5"))
        XCTAssertThrowsError(try MoleculeDataset(codec: dataset.codec, smiles: dataset.smiles, tokens: dataset.tokens,
                                                 lengths: [3, 6])) { error in
            XCTAssertEqual("\(error)", "dataset is not a valid molgen dataset: row 1 has no <end> token at position 6")
        }
    }

    func testTheCodecReadsFromADatasetOrACheckpointButNothingElse() throws {
        let dir = try ScratchDirectory()
        let dataset = try makeDataset()
        try dataset.write(to: dir.path("d.h5"))
        XCTAssertEqual(try SmilesCodec(contentsOf: dir.path("d.h5")), dataset.codec)

        try HDF5File.writeAtomically(to: dir.path("model.h5")) { file in
            try file.setAttribute("format", "molgen-checkpoint")
            try dataset.codec.write(to: file)
        }
        XCTAssertEqual(try SmilesCodec(contentsOf: dir.path("model.h5")), dataset.codec)

        try HDF5File.writeAtomically(to: dir.path("other.h5")) { file in
            try file.setAttribute("format", "molgen-latents")
        }
        XCTAssertThrowsError(try SmilesCodec(contentsOf: dir.path("other.h5"))) { error in
            XCTAssertEqual(error as? DatasetError, .noVocabulary(file: dir.path("other.h5"), format: "molgen-latents"))
        }
        try HDF5File.writeAtomically(to: dir.path("bad.h5")) { file in
            try file.setAttribute("format", "molgen-dataset")
            let vocabulary = try file.write("vocabulary", values: ["C", "O"])
            try vocabulary.setAttribute("tokenizer", "atom")
            try vocabulary.setAttribute("max_length", 10)
        }
        XCTAssertThrowsError(try SmilesCodec(contentsOf: dir.path("bad.h5"))) { error in
            XCTAssertEqual("\(error)", "\(dir.path("bad.h5")) is not a valid molgen dataset: /vocabulary: invalid vocabulary: it must start with <pad>, <start>, <end>, <unk>, found C, O")
        }
    }
}
