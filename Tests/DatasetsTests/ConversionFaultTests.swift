import Chem
import Datasets
import Foundation
import Storage
import XCTest

/// Conversion faults found by fault injection (issue 18).
final class ConversionFaultTests: XCTestCase {
    /// A NUL byte used to abort the whole conversion (without --canonicalize) when the row's
    /// SMILES reached the HDF5 string writer; it is now one rejected row.
    func testBadCharactersAreRejectedRowsAndTheRestIsConverted() throws {
        let dir = try ScratchDirectory()
        let moses = try mosesSample(3)
        let input = try dir.write("in.smi", "smiles\n\(moses[0])\nCC\u{0}O\nC\u{2603}C\n[999999C]\n\(moses[1])\n\(moses[2])\n")
        let output = dir.path("out.h5")
        let summary = try DatasetConverter(options: ConversionOptions()).convert(inputs: [input], output: output)
        XCTAssertEqual(summary.converted, 3)
        XCTAssertEqual(summary.invalid, 3)
        XCTAssertEqual(try MoleculeDataset(contentsOf: output).smiles, moses)
        let report = try String(contentsOfFile: summary.rejectedFile, encoding: .utf8)
        XCTAssertTrue(report.contains("in.smi,3,CC\\x00O,invalid,NUL byte at character 3"), report)
        XCTAssertFalse(report.contains("\u{0}"))
    }

    func testOverlongSmilesAreRejectedAsTooLongBeforeRDKit() throws {
        let dir = try ScratchDirectory()
        let huge = "C" + String(repeating: "(C", count: 600) + String(repeating: ")", count: 600)
        let input = try dir.write("in.smi", "CCO\n\(huge)\n")
        var options = ConversionOptions()
        options.maxSmilesLength = 100
        let summary = try DatasetConverter(options: options).convert(inputs: [input], output: dir.path("out.h5"))
        XCTAssertEqual(summary.tooLong, 1)
        XCTAssertEqual(summary.examples.first?.detail, "1801 characters exceed --max-smiles-length 100")
    }

    /// The dataset records how many rows its report lists, and a conversion that cannot replace
    /// the old report never puts a new dataset beside it.
    func testADatasetIsNeverPairedWithAnotherRunsReport() throws {
        let dir = try ScratchDirectory()
        let moses = try mosesSample(4)
        let input = try dir.write("in.smi", (moses + ["C1CC"]).joined(separator: "\n") + "\n")
        let output = dir.path("out.h5")
        let summary = try DatasetConverter(options: ConversionOptions()).convert(inputs: [input], output: output)
        XCTAssertEqual(try HDF5File.open(at: output).intAttribute("rejected"), 1)
        XCTAssertEqual(try String(contentsOfFile: summary.rejectedFile, encoding: .utf8).split(separator: "\n").count, 2)

        // The old report cannot be removed (a non-empty directory stands at its path): the
        // conversion must fail before the new dataset is renamed into place.
        let before = try Data(contentsOf: URL(fileURLWithPath: output))
        try FileManager.default.removeItem(atPath: summary.rejectedFile)
        try FileManager.default.createDirectory(atPath: summary.rejectedFile + "/x", withIntermediateDirectories: true)
        try dir.write("in.smi", moses.joined(separator: "\n") + "\n")
        XCTAssertThrowsError(try DatasetConverter(options: ConversionOptions()).convert(inputs: [input], output: output))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: output)), before)
        XCTAssertFalse(try dir.listing().contains { $0.hasSuffix(".tmp") })
    }
}
