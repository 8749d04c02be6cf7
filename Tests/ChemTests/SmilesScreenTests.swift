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
        for smiles in ["[13CH4]", "[2H]O[2H]", "[NH4+]", "[Fe+2]", "[235U]", "C[C@@H](N)C(=O)O", "[CH2:12]C", "[O--]", "[U+6]",
                       "[Hg+2]", "[BH4-]", "c1cc[nH+]cc1", "c1cc[se]c1", "[2H+]", "F[C@TH1H](Cl)Br", "[CH4]", "[SiH4]", "[Cl-]"] {
            XCTAssertNil(SmilesScreen.problem(in: smiles), smiles)
            XCTAssertNoThrow(try analyze(smiles: smiles), smiles)
        }
        XCTAssertEqual(try analyze(smiles: "[13CH4]").canonicalSMILES, "[13CH4]")
    }

    /// RDKit keeps charges and hydrogen counts in 8 bits: these became other molecules.
    func testChargesAndHydrogenCountsRDKitWouldWrapAreRejected() {
        let cases: [(String, String)] = [
            ("[C+999999]", "charge +999999 out of range (at most 8) in the bracket atom at character 1"),  // RDKit read [C+63]
            ("C[U+128]", "charge +128 out of range (at most 8) in the bracket atom at character 2"),       // RDKit read [U-128]
            ("[C-129]", "charge -129 out of range"),                                                      // RDKit read [C+127]
            ("[C+9]", "charge +9 out of range"),
            ("[Fe+++++++++]", "charge +++++++++ out of range"),
            ("[N" + String(repeating: "-", count: 40) + "]", "charge - × 40 out of range"),
            ("[UH256]", "hydrogen count 256 out of range (at most 9)"),                                  // RDKit read [U]
            ("[C@@H99999999999999]", "hydrogen count 999999999999… out of range"),
            ("[13C@H10]", "hydrogen count 10 out of range"),
        ]
        for (smiles, reason) in cases {
            XCTAssertThrowsError(try analyze(smiles: smiles), smiles) { error in
                guard case let ChemError.invalidSMILES(_, found) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(found.hasPrefix(reason), "\(smiles): \(found)")
            }
        }
    }

    /// What makes RDKit slow (atoms: its time grows as their cube) or is no molecule (deep
    /// branches, a hundred fragments) is rejected before it parses.
    func testAtomsBranchDepthAndFragmentsHaveLimits() throws {
        let atoms = String(repeating: "C", count: 400) + String(repeating: "[CH2]", count: 101)
        XCTAssertEqual(SmilesScreen.atomCount(in: atoms), 501)
        XCTAssertEqual(SmilesScreen.problem(in: atoms), "501 atoms exceed the limit of 500 (--max-atoms)")
        XCTAssertNil(SmilesScreen.problem(in: atoms, maxAtoms: 501))
        XCTAssertEqual(SmilesScreen.atomCount(in: "ClC(Br)c1ccccc1[nH+]*"), 11, "Cl and Br are one atom each")
        XCTAssertNoThrow(try analyze(smiles: atoms, maxAtoms: nil))

        let nested = String(repeating: "C(", count: 101) + "C" + String(repeating: ")", count: 101)
        XCTAssertEqual(SmilesScreen.problem(in: nested), "branches nested more than 100 deep at character 202")
        let shallow = String(repeating: "C(", count: 100) + "C" + String(repeating: ")", count: 100)
        XCTAssertNil(SmilesScreen.problem(in: shallow))

        let salts = Array(repeating: "[Na+]", count: 101).joined(separator: ".")
        XCTAssertEqual(SmilesScreen.problem(in: salts), "101 fragments exceed the limit of 100")
        XCTAssertNil(SmilesScreen.problem(in: Array(repeating: "O", count: 100).joined(separator: ".")))
        for smiles in [atoms, nested, salts] {
            XCTAssertThrowsError(try Molecule(smiles: smiles))
            XCTAssertThrowsError(try Standardization().standardize(smiles))
        }
    }

    func testTheLengthLimitIsCheckedBeforeRDKitAndCanBeLifted() throws {
        let long = String(repeating: "C", count: SmilesScreen.defaultMaxLength + 1)
        XCTAssertThrowsError(try analyze(smiles: long)) { error in
            XCTAssertTrue("\(error)".contains("characters exceed the limit of \(SmilesScreen.defaultMaxLength)"), "\(error)")
        }
        XCTAssertNil(SmilesScreen.problem(in: long, maxLength: nil, maxAtoms: nil))
    }
}
