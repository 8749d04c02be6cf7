import Chem
import Datasets
import XCTest

final class PropertyCalculatorTests: XCTestCase {
    func testOneRowPerRecordInInputOrderWithInvalidRowsKept() throws {
        let dir = try ScratchDirectory()
        let moses = try mosesSample(300)
        var lines = ["id,smiles"] + moses.map { "m,\($0)" }
        lines.insert("bad,C1CC", at: 101)  // line 102
        lines.insert("empty,", at: 201)    // line 202: an empty field is still a record (a blank line is not)
        let input = try dir.write("in.csv", lines.joined(separator: "\n") + "\n")

        var calculator = PropertyCalculator()
        calculator.batchSize = 16  // many batches, finishing out of order on the workers
        var rows: [MoleculePropertiesRow] = []
        try calculator.run(input: input) { rows.append($0) }

        XCTAssertEqual(rows.count, 302)
        XCTAssertEqual(rows.map(\.record.line), Array(2...303))
        XCTAssertEqual(rows.filter { !$0.isValid }.map(\.record.line), [102, 202])
        XCTAssertTrue(rows[100].error?.contains("unclosed ring") ?? false, "\(rows[100])")
        XCTAssertEqual(rows[200].error, "empty SMILES")
        XCTAssertNil(rows[100].canonicalSMILES)
        let valid = rows.filter(\.isValid)
        XCTAssertEqual(valid.map(\.record.smiles), moses)
        for row in valid.prefix(50) {
            let expected = try Chem.analyze(smiles: row.record.smiles, canonicalize: true, properties: MolecularProperty.allCases)
            XCTAssertEqual(row.canonicalSMILES, expected.canonicalSMILES)
            XCTAssertEqual(row.values, expected.properties)
        }
    }

    func testAnUnreadableInputIsAnError() throws {
        let dir = try ScratchDirectory()
        let input = try dir.write("fake.smi.gz", "CCO\n")
        XCTAssertThrowsError(try PropertyCalculator().run(input: input) { _ in XCTFail("no rows expected") })
    }
}
