@testable import Chem
import XCTest

/// `Standardization` against RDKit's Python MolStandardize (Fixtures/standardize-reference.csv,
/// written by tools/make-standardize-fixtures.py).
final class StandardizationTests: XCTestCase {
    func testParentsAndChangesMatchRDKitPython() throws {
        let rows = try Fixture.rows("standardize-reference")
        XCTAssertGreaterThan(rows.count, 30)
        for row in rows {
            let smiles = row["smiles"]!, strip = row["strip_stereo"] == "true"
            let result = try Standardization(stripStereo: strip).standardize(smiles)
            XCTAssertEqual(canonicalSMILES(result.smiles), row["parent"], "\(smiles) strip=\(strip)")
            XCTAssertEqual(result.changes.description, row["changes"], "\(smiles) strip=\(strip)")
            if result.changes.isEmpty { XCTAssertEqual(result.smiles, smiles, "an unchanged molecule keeps its spelling") }
            let parent = try analyze(smiles: result.smiles, properties: [.logP, .molecularWeight]).properties
            XCTAssertEqual(parent[0], Double(row["parent_logp"]!)!, accuracy: 1e-9, smiles)
            XCTAssertEqual(parent[1], Double(row["parent_mw"]!)!, accuracy: 1e-6, smiles)
        }
    }

    func testInvalidAndHostileInputAreRejectedWithAReason() {
        XCTAssertThrowsError(try Standardization().standardize("C1CC.[Na+]")) { error in
            guard case let ChemError.invalidSMILES(_, reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("unclosed ring"), reason)
        }
        XCTAssertThrowsError(try Standardization().standardize("CC\u{0}.O"))
        XCTAssertThrowsError(try Standardization().standardize(String(repeating: "C", count: 2000) + ".O"))
    }

    func testCleanMoleculesSkipRDKit() {
        XCTAssertFalse(Standardization.mightChange("CC(=O)Oc1ccccc1C(=O)O"))
        XCTAssertTrue(Standardization.mightChange("CC(=O)[O-].[Na+]"))
        XCTAssertTrue(Standardization.mightChange("C[C@H](N)C(=O)O"))
    }

    func testRDKitVersionIsTheLinkedLibrary() {
        XCTAssertTrue(rdkitVersion.hasPrefix("20"), rdkitVersion)
    }
}
