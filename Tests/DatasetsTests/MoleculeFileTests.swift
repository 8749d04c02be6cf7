import Chem
import Datasets
import Foundation
import Smiles
import XCTest

/// TSV and SD files wherever SMILES files are read, and the hint for a file with no valid row.
final class MoleculeFileTests: XCTestCase {
    /// An SD file written from RDKit's own mol blocks, with a title line and SD properties per record.
    static func sdFile(_ molecules: [(smiles: String, name: String, logS: String)]) throws -> String {
        try molecules.map { m in
            var block = try Depiction.molBlock(try Molecule(smiles: m.smiles))
            block = m.name + block.drop { $0 != "\n" }  // RDKit leaves the title line empty
            return block + "> <logS>\n\(m.logS)\n\n> <smiles_kept>\n\(m.smiles)\n\n$$$$\n"
        }.joined()
    }

    func testSDFRecordsAreReadByRDKitWithNamesAndPropertiesAsColumns() throws {
        let dir = try ScratchDirectory()
        var text = try Self.sdFile([("CCO", "ethanol", "1.1"), ("c1ccccc1O", "phenol", "-0.04"), ("CC(=O)[O-].[Na+]", "sodium acetate", "0.5")])
        text += "broken\n  RDKit\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n    0.0 0.0 0.0 Xx  0  0\nM  END\n> <logS>\n2\n\n$$$$\n"
        let path = try dir.write("set.sdf", text)
        let records = try SmilesFileReaderCollect.all(MoleculeFile.open(path))
        XCTAssertEqual(records.map(\.smiles).prefix(3), ["CCO", "Oc1ccccc1", "CC(=O)[O-].[Na+]"])
        XCTAssertEqual(records.count, 4)
        XCTAssertEqual(records[0].line, 1)
        XCTAssertEqual(records.map(\.line), records.map(\.line).sorted(), "each record starts on its own later line")
        XCTAssertEqual(text.split(separator: "\n", omittingEmptySubsequences: false)[records[1].line - 1], "phenol")
        XCTAssertNil(records[0].problem)
        XCTAssertNotNil(records[3].problem, "an unreadable mol block is a per-record problem")
        XCTAssertEqual(records[3].smiles, "")

        let named = try SmilesFileReaderCollect.all(MoleculeFile.open(path, column: "smiles_kept"))
        XCTAssertEqual(named.map(\.smiles).prefix(3), ["CCO", "c1ccccc1O", "CC(=O)[O-].[Na+]"])
        XCTAssertEqual(named[3].problem, "the record has no SD property 'smiles_kept'")
        let titles = try SmilesFileReaderCollect.all(MoleculeFile.open(path, column: "name"))
        XCTAssertEqual(titles.map(\.smiles).prefix(2), ["ethanol", "phenol"])

        // Gzipped, through the converter, with standardisation.
        let gz = dir.path("set.sdf.gz")
        try gzip(path, to: gz)
        var options = ConversionOptions()
        options.standardization = Standardization()
        options.properties = [.molecularWeight]
        let summary = try DatasetConverter(options: options).convert(inputs: [gz], output: dir.path("set.h5"))
        XCTAssertEqual(summary.converted, 3)
        XCTAssertEqual(summary.invalid, 1)
        XCTAssertEqual(summary.standardized, 1)
        XCTAssertEqual(try MoleculeDataset(contentsOf: dir.path("set.h5")).smiles, ["CCO", "Oc1ccccc1", "CC(=O)O"])
    }

    func testSDFFieldsParseTitleAndMultiLineValues() {
        let fields = SDFFields(record: "aspirin\n  RDKit\n\nM  END\n>  <IC50>  (1)\n12.5\n\n> <note>\nline one\nline two\n\n")
        XCTAssertEqual(fields.name, "aspirin")
        XCTAssertEqual(fields.order, ["IC50", "note"])
        XCTAssertEqual(fields.value(of: "IC50"), "12.5")
        XCTAssertEqual(fields.value(of: "note"), "line one\nline two")
        XCTAssertEqual(fields.value(of: "Name"), "aspirin")
        XCTAssertNil(fields.value(of: "missing"))
    }

    func testTSVIsReadLikeCSV() throws {
        let dir = try ScratchDirectory()
        let path = try dir.write("in.tsv", "id\tSMILES\tnote\n1\tCCO\t\"a, b\"\n2\tc1ccccc1\tx\n\n3\t\"CC(=O)O\"\t\n")
        let reader = try MoleculeFile.open(path)
        XCTAssertEqual(reader.format, .tsv(column: nil))
        XCTAssertEqual(reader.header, ["id", "SMILES", "note"])
        XCTAssertEqual(try SmilesFileReaderCollect.all(reader).map(\.smiles), ["CCO", "c1ccccc1", "CC(=O)O"])
        XCTAssertEqual(try SmilesFileReaderCollect.all(MoleculeFile.open(path, column: "id")).map(\.smiles), ["1", "2", "3"])
    }

    func testAFileWithNoValidRowNamesTheColumnThatHoldsSMILES() throws {
        let dir = try ScratchDirectory()
        let path = try dir.write("drugs.csv", "iupac,smiles\nethanol,CCO\nphenol,Oc1ccccc1\nacetic acid,CC(=O)O\n")
        var options = ConversionOptions()
        options.column = "iupac"
        XCTAssertThrowsError(try DatasetConverter(options: options).convert(inputs: [path], output: dir.path("out.h5"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("no row of column 'iupac' of \(path) is a SMILES: did you mean --column smiles?"), "\(error)")
        }
        let names = try dir.write("names.csv", "iupac,cas\nethanol,64-17-5\n")
        XCTAssertEqual(noValidSMILESMessage(path: names, column: "iupac"),
                       "no row of column 'iupac' of \(names) is a SMILES; its columns are 'iupac', 'cas': pick the SMILES column with --column")
    }

    private func gzip(_ source: String, to destination: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -c '\(source)' > '\(destination)'"]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }
}

/// Every record of a reader.
enum SmilesFileReaderCollect {
    static func all(_ reader: SmilesFileReader) throws -> [SmilesRecord] {
        var records: [SmilesRecord] = []
        while let record = try reader.next() { records.append(record) }
        return records
    }
}
