import Chem
import Datasets
import Foundation
import Smiles
import Storage
import XCTest

final class DatasetConverterTests: XCTestCase {
    /// 20 MOSES molecules with an invalid row, a too-long row, an empty row, a quoted row and a
    /// pentavalent carbon mixed in, CRLF line ends. Line numbers are noted beside each row.
    func makeInput(in dir: ScratchDirectory) throws -> (path: String, valid: [String]) {
        let moses = try mosesSample(20)
        let long = String(repeating: "C", count: 130)
        var lines = ["id,smiles"]                                      // line 1
        lines += moses.prefix(10).enumerated().map { "m\($0.offset),\($0.element)" }  // lines 2-11
        lines.append("bad,C1CC")                                         // line 12
        lines.append("long,\(long)")                                     // line 13
        lines += moses.dropFirst(10).enumerated().map { "n\($0.offset),\($0.element)" }  // lines 14-23
        lines.append("empty,")                                           // line 24
        lines.append("\"benzene, quoted\",\"c1ccccc1\"")                 // line 25
        lines.append("penta,C(C)(C)(C)(C)C")                             // line 26
        let path = try dir.write("input.csv", lines.joined(separator: "\r\n") + "\r\n")
        return (path, moses + ["c1ccccc1"])
    }

    func testConvertsASmallFileCountingEveryRejection() throws {
        let dir = try ScratchDirectory()
        let (input, valid) = try makeInput(in: dir)
        var options = ConversionOptions()
        options.properties = [.logP, .qed, .sas, .molecularWeight, .penalizedLogP]
        var reports: [ConversionProgress] = []
        let output = dir.path("train.h5")
        var observed: [RejectedRecord] = []
        let summary = try DatasetConverter(options: options).convert(
            inputs: [input], output: output, progress: { reports.append($0) }, rejected: { observed.append($0) })

        XCTAssertEqual(summary.read, 25)
        XCTAssertEqual(summary.converted, 21)
        XCTAssertEqual(summary.invalid, 3)
        XCTAssertEqual(summary.tooLong, 1)
        XCTAssertEqual(summary.unknownTokens, 0)
        XCTAssertEqual(summary.rejected, 4)
        XCTAssertEqual(summary.examples.map(\.location), ["\(input):12", "\(input):13", "\(input):24", "\(input):26"])
        XCTAssertEqual(summary.examples.map(\.reason), [.invalid, .tooLong, .invalid, .invalid])
        XCTAssertEqual(summary.rejectedFile, dir.path("train.rejected.csv"))
        XCTAssertEqual(observed, summary.examples, "fewer than three per reason: the examples are all of them")
        XCTAssertEqual(reports.last?.read, 25)
        XCTAssertEqual(reports.last?.converted, 21)
        XCTAssertEqual(reports.last?.fractionDone ?? 0, 1, accuracy: 0.001)

        // The rejected list: one line per rejected record, with the file and line number.
        let rejected = try String(contentsOfFile: summary.rejectedFile, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(rejected.count, 5)
        XCTAssertEqual(rejected[0], "file,line,smiles,reason,detail")
        XCTAssertTrue(rejected[1].hasPrefix("\(input),12,C1CC,invalid,"), rejected[1])
        XCTAssertTrue(rejected[1].contains("unclosed ring"), rejected[1])
        XCTAssertEqual(rejected[2], "\(input),13,\(String(repeating: "C", count: 130)),too_long,130 tokens + <end> exceed max length 120")
        XCTAssertEqual(rejected[3], "\(input),24,,invalid,empty SMILES")
        XCTAssertTrue(rejected[4].hasPrefix("\(input),26,C(C)(C)(C)(C)C,invalid,"), rejected[4])
        XCTAssertTrue(rejected[4].lowercased().contains("valence"), rejected[4])

        // The dataset reads back: rows in input order, decoding to the SMILES, with RDKit's properties.
        let dataset = try MoleculeDataset(contentsOf: output)
        XCTAssertEqual(dataset.count, 21)
        XCTAssertEqual(dataset.smiles, valid)
        XCTAssertEqual(dataset.maxLength, 120)
        XCTAssertEqual(dataset.tokenizer, .atom)
        XCTAssertEqual(dataset.source, input)
        XCTAssertFalse(dataset.isCanonical)
        XCTAssertEqual(dataset.vocabulary, try Vocabulary(building: valid, tokenizer: .atom), "first-seen order over the rows kept")
        XCTAssertEqual(dataset.propertyNames, ["logp", "qed", "sas", "mw", "plogp"])
        for i in 0..<dataset.count {
            let row = Array(dataset.row(i))
            let length = Int(dataset.lengths[i])
            XCTAssertEqual(dataset.codec.decode(row), dataset.smiles[i])
            XCTAssertEqual(length, SmilesTokenizer.atom.tokenize(dataset.smiles[i]).count)
            XCTAssertEqual(row[length], Vocabulary.endIndex)
            XCTAssertTrue(row[(length + 1)...].allSatisfy { $0 == Vocabulary.padIndex })
            XCTAssertFalse(row[..<length].contains { $0 < 4 }, "no special token among the SMILES tokens")
            let expected = try Chem.analyze(smiles: dataset.smiles[i], canonicalize: false, properties: options.properties).properties
            XCTAssertEqual(Array(dataset.propertyValues(i)), expected.map { Float($0) })
        }
        XCTAssertEqual(summary.longestRow, Int(dataset.lengths.max()!))
    }

    func testCanonicalizationStoresAndTokenizesRDKitsCanonicalSmiles() throws {
        let dir = try ScratchDirectory()
        let input = try dir.write("in.smi", "OCC ethanol\nC1=CC=CC=C1 benzene\nN[C@@H](C)C(=O)O alanine\n")
        var options = ConversionOptions()
        options.canonicalize = true
        options.tokenizer = .character
        let summary = try DatasetConverter(options: options).convert(inputs: [input], output: dir.path("out.h5"))
        XCTAssertEqual(summary.converted, 3)
        let dataset = try MoleculeDataset(contentsOf: dir.path("out.h5"))
        XCTAssertEqual(dataset.smiles, ["CCO", "c1ccccc1", "C[C@H](N)C(=O)O"])
        XCTAssertTrue(dataset.isCanonical)
        XCTAssertEqual(dataset.tokenizer, .character)
        XCTAssertEqual(dataset.propertyNames, [])
        XCTAssertEqual(dataset.lengths, [3, 8, 15])
        for i in 0..<3 { XCTAssertEqual(dataset.codec.decode(dataset.row(i)), dataset.smiles[i]) }
    }

    func testTooLongCountsTokensPlusEnd() throws {
        let dir = try ScratchDirectory()
        let input = try dir.write("in.smi", "CCCC\nCCCCC\nClCCCl\n")
        var options = ConversionOptions()
        options.maxLength = 5
        let summary = try DatasetConverter(options: options).convert(inputs: [input], output: dir.path("out.h5"))
        // CCCC: 4 tokens + <end> = 5 fits; CCCCC does not; ClCCCl is 4 atom tokens and fits.
        XCTAssertEqual(summary.converted, 2)
        XCTAssertEqual(summary.tooLong, 1)
        XCTAssertEqual(summary.examples.first?.line, 2)
        let dataset = try MoleculeDataset(contentsOf: dir.path("out.h5"))
        XCTAssertEqual(Array(dataset.row(0)), [4, 4, 4, 4, 2])
        XCTAssertEqual(dataset.smiles, ["CCCC", "ClCCCl"])
    }

    func testAFixedVocabularyFromAnotherDatasetRejectsUnknownTokens() throws {
        let dir = try ScratchDirectory()
        let first = try dir.write("a.smi", "CCO\nc1ccccc1\n")
        var options = ConversionOptions()
        options.maxLength = 30
        _ = try DatasetConverter(options: options).convert(inputs: [first], output: dir.path("a.h5"))

        let second = try dir.write("b.smi", "OCC\nCCBr\nc1ccncc1\nCCCO\n")
        options.fixedCodec = try SmilesCodec(contentsOf: dir.path("a.h5"))
        options.maxLength = 99  // ignored: the fixed codec decides
        let summary = try DatasetConverter(options: options).convert(inputs: [second], output: dir.path("b.h5"))
        XCTAssertEqual(summary.converted, 2)
        XCTAssertEqual(summary.unknownTokens, 2)
        XCTAssertEqual(summary.examples.map(\.line), [2, 3])
        XCTAssertEqual(summary.examples.map(\.detail), [
            "unknown token \"Br\" (element Br not in the model's training data); --standardize would not fix it",
            "unknown token \"n\" (element N not in the model's training data); --standardize would not fix it",
        ])
        let a = try MoleculeDataset(contentsOf: dir.path("a.h5"))
        let b = try MoleculeDataset(contentsOf: dir.path("b.h5"))
        XCTAssertEqual(b.codec, a.codec)
        XCTAssertEqual(b.maxLength, 30)
        XCTAssertEqual(b.smiles, ["OCC", "CCCO"])
    }

    func testSeveralInputsKeepTheirOwnFileNamesAndTheLimitCountsRecordsRead() throws {
        let dir = try ScratchDirectory()
        let first = try dir.write("a.smi", "CCO\nC1CC\n")
        let second = try dir.write("b.csv", "smiles\nCCN\nC(\nCCC\nCCCC\n")
        var options = ConversionOptions()
        options.limit = 5
        let summary = try DatasetConverter(options: options).convert(inputs: [first, second], output: dir.path("out.h5"))
        XCTAssertEqual(summary.read, 5)
        XCTAssertEqual(summary.converted, 3)
        XCTAssertEqual(summary.examples.map(\.location), ["\(first):2", "\(second):3"])
        let dataset = try MoleculeDataset(contentsOf: dir.path("out.h5"))
        XCTAssertEqual(dataset.smiles, ["CCO", "CCN", "CCC"])
        XCTAssertEqual(dataset.source, "\(first), \(second)")
    }

    func testOutputDoesNotDependOnTheNumberOfWorkers() throws {
        let dir = try ScratchDirectory()
        let input = datasetsDirectory.appendingPathComponent("moses-test-5k.csv.gz").path
        var options = ConversionOptions()
        options.limit = 1500
        options.canonicalize = true
        options.properties = [.logP]
        options.batchSize = 7  // many small batches finishing out of order
        options.workers = 1
        _ = try DatasetConverter(options: options).convert(inputs: [input], output: dir.path("one.h5"))
        options.workers = 4
        var fractions: [Double] = []
        _ = try DatasetConverter(options: options).convert(inputs: [input], output: dir.path("four.h5")) { fractions.append($0.fractionDone) }
        XCTAssertEqual(fractions.count, (1500 + 6) / 7, "one report per batch written")
        XCTAssertEqual(fractions, fractions.sorted(), "progress never goes back")
        XCTAssertEqual(fractions[fractions.count / 2], 0.5, accuracy: 0.01)
        XCTAssertEqual(fractions.last ?? 0, 1, accuracy: 1e-9)
        let one = try MoleculeDataset(contentsOf: dir.path("one.h5"))
        let four = try MoleculeDataset(contentsOf: dir.path("four.h5"))
        XCTAssertEqual(one.count, 1500)
        XCTAssertEqual(one.smiles, four.smiles)
        XCTAssertEqual(one.tokens, four.tokens)
        XCTAssertEqual(one.properties, four.properties)
        XCTAssertEqual(one.vocabulary, four.vocabulary)
    }

    func testUnwritableOutputIsAnErrorAndLeavesNoFile() throws {
        let dir = try ScratchDirectory()
        let input = try dir.write("in.smi", "CCO\n")
        let missingDirectory = dir.path("no/such/dir/out.h5")
        XCTAssertThrowsError(try DatasetConverter().convert(inputs: [input], output: missingDirectory)) { error in
            XCTAssertEqual("\(error)", "cannot write \(missingDirectory): directory \(dir.path("no/such/dir")) does not exist")
        }
        try FileManager.default.createDirectory(atPath: dir.path("taken.h5"), withIntermediateDirectories: false)
        XCTAssertThrowsError(try DatasetConverter().convert(inputs: [input], output: dir.path("taken.h5"))) { error in
            XCTAssertEqual(error as? DatasetError, .cannotWrite(file: dir.path("taken.h5"), reason: "it is a directory"))
        }
        XCTAssertEqual(try dir.listing(), ["in.smi", "taken.h5"])
    }

    func testAnInputFailingMidwayLeavesNoHalfWrittenOutputAndKeepsThePreviousFile() throws {
        let dir = try ScratchDirectory()
        let good = try dir.write("good.smi", "CCO\nCCN\n")
        _ = try DatasetConverter().convert(inputs: [good], output: dir.path("out.h5"))
        let before = try Data(contentsOf: URL(fileURLWithPath: dir.path("out.h5")))

        // A gzip stream cut in half: the first records read fine, then zlib fails.
        let text = (0..<30_000).map { "C\(String(repeating: "C", count: $0 % 40))O\n" }.joined()
        let plain = try dir.write("big.smi", text)
        _ = try runTool(["gzip", "-f", plain])
        let gz = try Data(contentsOf: URL(fileURLWithPath: plain + ".gz"))
        try gz.prefix(gz.count / 2).write(to: URL(fileURLWithPath: dir.path("cut.smi.gz")))
        try FileManager.default.removeItem(atPath: plain + ".gz")

        XCTAssertThrowsError(try DatasetConverter().convert(inputs: [good, dir.path("cut.smi.gz")], output: dir.path("out.h5"))) { error in
            guard case .unreadableGzip(let path, _)? = error as? SmilesFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, dir.path("cut.smi.gz"))
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir.path("out.h5"))), before)
        XCTAssertEqual(try dir.listing(), ["cut.smi.gz", "good.smi", "out.h5", "out.rejected.csv"], "no temporaries left behind")
    }

    func testMissingInputAndMissingColumnFailBeforeAnyWork() throws {
        let dir = try ScratchDirectory()
        let csv = try dir.write("in.csv", "id,mol\n1,CCO\n")
        XCTAssertThrowsError(try DatasetConverter().convert(inputs: [csv], output: dir.path("out.h5"))) { error in
            XCTAssertEqual(error as? SmilesFileError, .noSmilesColumn(path: csv, columns: ["id", "mol"]))
        }
        XCTAssertThrowsError(try DatasetConverter().convert(inputs: [dir.path("nope.smi")], output: dir.path("out.h5"))) { error in
            XCTAssertEqual("\(error)", "\(dir.path("nope.smi")): cannot open: No such file or directory")
        }
        var options = ConversionOptions()
        options.column = "mol"
        XCTAssertEqual(try DatasetConverter(options: options).convert(inputs: [csv], output: dir.path("out.h5")).converted, 1)
    }

    func testNothingConvertableWritesOnlyTheRejectedList() throws {
        let dir = try ScratchDirectory()
        let input = try dir.write("bad.smi", "C1CC\nXyz\n")
        XCTAssertThrowsError(try DatasetConverter().convert(inputs: [input], output: dir.path("out.h5"))) { error in
            XCTAssertEqual("\(error)", "no line of \(input) is a valid SMILES: each line must start with a SMILES (or name the file .csv/.tsv/.sdf)"
                           + " (nothing written; the rows are listed in \(dir.path("out.rejected.csv")))")
        }
        var options = ConversionOptions()
        options.maxLength = 3  // every row too long: nothing converted, but the SMILES are fine
        XCTAssertThrowsError(try DatasetConverter(options: options).convert(inputs: [dir.write("long.smi", "CCCC\nCCCCC\n")], output: dir.path("out.h5"))) { error in
            XCTAssertEqual(error as? DatasetError, .nothingConverted(output: dir.path("out.h5"), read: 2, rejectedFile: dir.path("out.rejected.csv")))
        }
        try FileManager.default.removeItem(atPath: dir.path("long.smi"))
        XCTAssertEqual(try dir.listing(), ["bad.smi", "out.rejected.csv"])
        XCTAssertEqual(try String(contentsOfFile: dir.path("out.rejected.csv"), encoding: .utf8).split(separator: "\n").count, 3)
    }

    func testOptionErrorsNameTheOption() throws {
        let dir = try ScratchDirectory()
        let input = try dir.write("in.smi", "CCO\n")
        var options = ConversionOptions()
        options.maxLength = 1
        XCTAssertThrowsError(try DatasetConverter(options: options).convert(inputs: [input], output: dir.path("o.h5"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("--max-length: "), "\(error)")
        }
        options = ConversionOptions()
        options.limit = 0
        XCTAssertThrowsError(try DatasetConverter(options: options).convert(inputs: [input], output: dir.path("o.h5"))) { error in
            XCTAssertEqual("\(error)", "--limit: 0 must be positive")
        }
    }

    func testRejectedFileNameFollowsTheOutput() {
        XCTAssertEqual(DatasetConverter.rejectedFile(for: "train.h5"), "train.rejected.csv")
        XCTAssertEqual(DatasetConverter.rejectedFile(for: "runs/x/train.hdf5"), "runs/x/train.rejected.csv")
        XCTAssertEqual(DatasetConverter.rejectedFile(for: "/tmp/data"), "/tmp/data.rejected.csv")
    }
}
