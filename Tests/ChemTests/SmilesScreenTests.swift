import Chem
import XCTest

/// RDKit read these as other molecules and called them valid; the screen rejects them first.
final class SmilesScreenTests: XCTestCase {
    func testInputsRDKitWouldSilentlyChangeAreRejectedWithAReason() {
        let cases: [(String, String)] = [
            ("CC\u{0}O", "NUL byte at character 3"),            // RDKit read CC
            ("C\u{2603}C", "non-ASCII character at byte 2"),     // RDKit read C
            ("Cl\u{AD}C", "non-ASCII character at byte 3"),      // soft hyphen: RDKit read Cl
            ("[999999C]", "isotope 999999 out of range"),        // RDKit stored isotope 16959
            ("[1000C]", "isotope 1000 out of range"),
            ("CC\tO", "blank at character 3"),
            ("CC\u{7}O", "control character 0x07 at character 3"),
        ]
        for (smiles, reason) in cases {
            XCTAssertThrowsError(try analyze(smiles: smiles), smiles.debugDescription) { error in
                guard case let ChemError.invalidSMILES(_, found) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(found.hasPrefix(reason), "\(smiles.debugDescription): \(found)")
                XCTAssertFalse("\(error)".contains("\u{0}"), "messages stay printable")
            }
            XCTAssertThrowsError(try Molecule(smiles: smiles))
        }
    }

    func testOrdinaryIsotopesChargesAndHydrogenCountsPass() throws {
        for smiles in ["[13CH4]", "[2H]O[2H]", "[NH4+]", "[Fe+2]", "[235U]", "C[C@@H](N)C(=O)O", "[CH2:12]C"] {
            XCTAssertNil(SmilesScreen.problem(in: smiles), smiles)
            XCTAssertNoThrow(try analyze(smiles: smiles), smiles)
        }
        XCTAssertEqual(try analyze(smiles: "[13CH4]").canonicalSMILES, "[13CH4]")
    }

    func testTheLengthLimitIsCheckedBeforeRDKitAndCanBeLifted() throws {
        let long = String(repeating: "C", count: SmilesScreen.defaultMaxLength + 1)
        XCTAssertThrowsError(try analyze(smiles: long)) { error in
            XCTAssertTrue("\(error)".contains("characters exceed the limit of \(SmilesScreen.defaultMaxLength)"), "\(error)")
        }
        XCTAssertNil(SmilesScreen.problem(in: long, maxLength: nil))
    }
}
