import Smiles
import XCTest

final class SmilesFileReaderTests: XCTestCase {
    func testLinesTakeTheFirstFieldAndSkipBlankAndCommentLines() throws {
        let dir = try ScratchDirectory()
        let path = try dir.write("a.smi", "CCO ethanol\n\n  c1ccccc1\tbenzene\n# a comment\n   \nCl\n")
        XCTAssertEqual(try SmilesFileReader.readAll(path: path),
                       [SmilesRecord(smiles: "CCO", line: 1), SmilesRecord(smiles: "c1ccccc1", line: 3), SmilesRecord(smiles: "Cl", line: 6)])
    }

    func testLinesHandleCRLFAndByteOrderMarkAndMissingFinalNewline() throws {
        let dir = try ScratchDirectory()
        let path = try dir.write("a.txt", bytes: [0xEF, 0xBB, 0xBF] + Array("CCO\r\n\r\nCCN name\r\nCCC".utf8))
        XCTAssertEqual(try SmilesFileReader.readAll(path: path),
                       [SmilesRecord(smiles: "CCO", line: 1), SmilesRecord(smiles: "CCN", line: 3), SmilesRecord(smiles: "CCC", line: 4)])
    }

    func testLinesSkipASmilesHeader() throws {
        let dir = try ScratchDirectory()
        let path = try dir.write("a.smi", "SMILES Name\nCCO a\n")
        XCTAssertEqual(try SmilesFileReader.readAll(path: path), [SmilesRecord(smiles: "CCO", line: 2)])
        // Only the first line can be a header.
        let later = try dir.write("b.smi", "CCO\nsmiles\n")
        XCTAssertEqual(try SmilesFileReader.readAll(path: later).map(\.smiles), ["CCO", "smiles"])
    }

    func testLinesLongerThanTheBufferAreReadWhole() throws {
        let dir = try ScratchDirectory()
        let long = String(repeating: "C", count: 300_000)
        let path = try dir.write("long.smi", "CO\n\(long)\nCN\n")
        XCTAssertEqual(try SmilesFileReader.readAll(path: path).map(\.smiles), ["CO", long, "CN"])
    }

    func testCSVFindsTheSmilesColumnInAnyCase() throws {
        let dir = try ScratchDirectory()
        let path = try dir.write("a.csv", "id,Smiles,logp\n1,CCO,0.1\n2, CCN ,0.2\n")
        let reader = try SmilesFileReader(path: path)
        XCTAssertEqual(reader.columnName, "Smiles")
        XCTAssertEqual(try reader.next(), SmilesRecord(smiles: "CCO", line: 2))
        XCTAssertEqual(try reader.next(), SmilesRecord(smiles: "CCN", line: 3))
        XCTAssertNil(try reader.next())
        XCTAssertNil(try reader.next())
    }

    func testCSVUndoesQuotingIncludingLineBreaksInsideQuotes() throws {
        let dir = try ScratchDirectory()
        let text = "name,smiles\r\n\"a, \"\"quoted\"\" name\",\"CCO\"\r\n\"two\nlines\",CCN\r\n\r\nlast,\"C\"\"C\"\r\n"
        let path = try dir.write("q.csv", text)
        XCTAssertEqual(try SmilesFileReader.readAll(path: path),
                       [SmilesRecord(smiles: "CCO", line: 2), SmilesRecord(smiles: "CCN", line: 3), SmilesRecord(smiles: "C\"C", line: 6)])
        let names = try SmilesFileReader.readAll(path: path, column: "name").map(\.smiles)
        XCTAssertEqual(names, ["a, \"quoted\" name", "two\nlines", "last"])
    }

    func testCSVRowsWithoutTheColumnGiveEmptySmiles() throws {
        let dir = try ScratchDirectory()
        let path = try dir.write("short.csv", "id,smiles\n1\n2,CC\n")
        XCTAssertEqual(try SmilesFileReader.readAll(path: path).map(\.smiles), ["", "CC"])
    }

    func testCSVWithByteOrderMarkAndNamedColumn() throws {
        let dir = try ScratchDirectory()
        let path = try dir.write("bom.csv", bytes: [0xEF, 0xBB, 0xBF] + Array("mol,smiles\nCCO,CCN\n".utf8))
        XCTAssertEqual(try SmilesFileReader.readAll(path: path, column: "mol"), [SmilesRecord(smiles: "CCO", line: 2)])
        XCTAssertEqual(try SmilesFileReader.readAll(path: path, column: "MOL").map(\.smiles), ["CCO"])
        XCTAssertEqual(try SmilesFileReader.readAll(path: path).map(\.smiles), ["CCN"])
    }

    func testMissingSmilesColumnListsTheColumnsFound() throws {
        let dir = try ScratchDirectory()
        let path = try dir.write("nosmiles.csv", "id,structure,\"score, final\"\n1,CCO,2\n")
        XCTAssertThrowsError(try SmilesFileReader(path: path)) { error in
            XCTAssertEqual(error as? SmilesFileError, .noSmilesColumn(path: path, columns: ["id", "structure", "score, final"]))
            XCTAssertEqual("\(error)", "\(path): no SMILES column (none named \"smiles\"); found columns: \"id\", \"structure\", \"score, final\"; pick one with --column")
        }
        XCTAssertThrowsError(try SmilesFileReader(path: path, column: "mol")) { error in
            XCTAssertEqual("\(error)", "\(path): no column \"mol\"; found columns: \"id\", \"structure\", \"score, final\"")
        }
        let empty = try dir.write("empty.csv", "")
        XCTAssertThrowsError(try SmilesFileReader(path: empty)) { error in
            XCTAssertEqual("\(error)", "\(empty): no SMILES column (none named \"smiles\"); the file has no header row; pick one with --column")
        }
    }

    func testGzippedFilesStream() throws {
        let dir = try ScratchDirectory()
        let csv = try dir.writeGzip("a.csv.gz", "smiles\nCCO\n\nCCN\n")
        XCTAssertEqual(try SmilesFileReader.readAll(path: csv), [SmilesRecord(smiles: "CCO", line: 2), SmilesRecord(smiles: "CCN", line: 4)])
        let smi = try dir.writeGzip("a.smi.gz", "CCO x\r\nCCN y\r\n")
        XCTAssertEqual(try SmilesFileReader.readAll(path: smi).map(\.smiles), ["CCO", "CCN"])
    }

    func testShippedMosesSampleReadsFully() throws {
        let records = try SmilesFileReader.readAll(path: datasetsDirectory.appendingPathComponent("moses-test-5k.csv.gz").path)
        XCTAssertEqual(records.count, 5000)
        XCTAssertEqual(records.first?.line, 2)
        XCTAssertEqual(records.last?.line, 5001)
        XCTAssertEqual(records.first?.smiles, "CN(C)S(=O)(=O)c1ccc(Cn2cnc(C3CCC3)cc2=O)o1")
    }

    func testMissingFileAndDirectoryErrorsNameThePath() throws {
        let dir = try ScratchDirectory()
        let missing = dir.url.appendingPathComponent("nope.smi").path
        XCTAssertThrowsError(try SmilesFileReader(path: missing)) { error in
            XCTAssertEqual("\(error)", "\(missing): cannot open: No such file or directory")
        }
        XCTAssertThrowsError(try SmilesFileReader(path: dir.url.path)) { error in
            XCTAssertEqual("\(error)", "\(dir.url.path): cannot open: is a directory")
        }
    }

    func testNonGzipFileNamedGzIsRejected() throws {
        let dir = try ScratchDirectory()
        let path = try dir.write("fake.smi.gz", "CCO\n")
        XCTAssertThrowsError(try SmilesFileReader(path: path)) { error in
            XCTAssertEqual("\(error)", "\(path): unreadable gzip: not in gzip format")
        }
    }

    func testTruncatedOrCorruptGzipIsAnErrorNotSilentData() throws {
        let dir = try ScratchDirectory()
        let text = (0..<20_000).map { "C\(String(repeating: "C", count: $0 % 50))O\n" }.joined()
        let gz = try dir.writeGzip("big.smi.gz", text)
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: gz)))
        let truncated = try dir.write("truncated.smi.gz", bytes: Array(bytes.prefix(bytes.count / 2)))
        XCTAssertThrowsError(try SmilesFileReader.readAll(path: truncated)) { error in
            guard case .unreadableGzip(let path, _)? = error as? SmilesFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, truncated)
        }
        var corrupt = bytes
        for i in stride(from: 20, to: corrupt.count - 8, by: 7) { corrupt[i] ^= 0x5A }
        let corruptPath = try dir.write("corrupt.smi.gz", bytes: corrupt)
        XCTAssertThrowsError(try SmilesFileReader.readAll(path: corruptPath)) { error in
            guard case .unreadableGzip? = error as? SmilesFileError else { return XCTFail("\(error)") }
        }
    }

    func testFractionDoneFollowsTheRecordsReturnedNotTheReadAhead() throws {
        let dir = try ScratchDirectory()
        let text = (0..<20_000).map { String(format: "C%05dO\n", $0) }.joined()  // equal-length lines
        for path in [try dir.write("plain.smi", text), try dir.writeGzip("packed.smi.gz", text)] {
            let reader = try SmilesFileReader(path: path)
            XCTAssertEqual(reader.fractionDone, 0, accuracy: 1e-9)
            _ = try reader.next(upTo: 5_000)
            XCTAssertEqual(reader.fractionDone, 0.25, accuracy: 1e-6, path)
            _ = try reader.next(upTo: 20_000)
            XCTAssertEqual(reader.fractionDone, 1, accuracy: 1e-9, path)
        }
    }

    func testFormatFollowsTheFileName() {
        XCTAssertEqual(SmilesFileFormat(path: "x.csv.gz"), .csv(column: nil))
        XCTAssertEqual(SmilesFileFormat(path: "x.CSV", column: "m"), .csv(column: "m"))
        XCTAssertEqual(SmilesFileFormat(path: "x.smi.gz", column: "m"), .lines)
        XCTAssertEqual(SmilesFileFormat(path: "x.txt"), .lines)
    }
}
