import Chem
import XCTest

/// Every molecule of `Fixtures/rdkit-reference.csv` (1,200 MOSES test molecules plus hand-picked
/// edge cases) must match RDKit's Python: canonical SMILES and heavy atoms exactly, logP, QED
/// and MW within 1e-3, SAS and penalized logP within 1e-2.
final class PropertyAccuracyTests: XCTestCase {
    static let properties: [MolecularProperty] = [.logP, .qed, .sas, .molecularWeight, .penalizedLogP]
    static let columns = ["logp", "qed", "sas", "mw", "plogp"]
    static let tolerances = [1e-3, 1e-3, 1e-2, 1e-3, 1e-2]

    func testEveryFixtureMoleculeMatchesRDKitPython() throws {
        let rows = try Fixture.rows("rdkit-reference")
        XCTAssertGreaterThan(rows.count, 1_000)
        var maxError = [Double](repeating: 0, count: Self.columns.count)
        var canonicalMismatches = 0
        for row in rows {
            let smiles = try XCTUnwrap(row["smiles"])
            let analysis = try analyze(smiles: smiles, properties: Self.properties)
            if analysis.canonicalSMILES != row["canonical"] {
                canonicalMismatches += 1
                XCTFail("\(smiles): canonical \(analysis.canonicalSMILES ?? "nil") != RDKit \(row["canonical"] ?? "")")
            }
            XCTAssertEqual(analysis.heavyAtomCount, Int(row["heavy_atoms"] ?? ""), smiles)
            for (k, column) in Self.columns.enumerated() {
                let expected = try XCTUnwrap(Double(row[column] ?? ""), "\(smiles) \(column)")
                let error = abs(analysis.properties[k] - expected)
                maxError[k] = max(maxError[k], error.isNaN ? .infinity : error)
                XCTAssertLessThanOrEqual(error, Self.tolerances[k], "\(smiles) \(column): \(analysis.properties[k]) vs RDKit \(expected)")
            }
        }
        let summary = zip(Self.columns, maxError).map { "\($0)=\($1)" }.joined(separator: " ")
        print("max |error| vs RDKit Python over \(rows.count) molecules: \(summary) canonical_mismatches=\(canonicalMismatches)")
    }

    func testMoleculeAndOneShotAnalysisAgree() throws {
        for row in try Fixture.rows("rdkit-reference").prefix(50) {
            let smiles = try XCTUnwrap(row["smiles"])
            let molecule = try Molecule(smiles: smiles)
            let oneShot = try analyze(smiles: smiles, properties: Self.properties)
            XCTAssertEqual(molecule.canonicalSMILES, oneShot.canonicalSMILES)
            XCTAssertEqual(molecule.properties(Self.properties), oneShot.properties, smiles)
            XCTAssertEqual(molecule.value(of: .qed), oneShot.properties[1], smiles)
            // Asking again gives the same answers: cached state on the molecule must not drift.
            XCTAssertEqual(molecule.properties(Self.properties.reversed()), oneShot.properties.reversed(), smiles)
            XCTAssertEqual(molecule.canonicalSMILES, oneShot.canonicalSMILES)
        }
    }

    func testPenalizedLogPSubtractsLargeRings() throws {
        // Cyclododecane: one 12-ring, so the cycle term is 12 - 6 = 6.
        let values = try Molecule(smiles: "C1CCCCCCCCCCC1").properties([.logP, .sas, .penalizedLogP])
        XCTAssertEqual(values[2], values[0] - values[1] - 6, accuracy: 1e-12)
        // Benzene: no ring above six atoms, no cycle term.
        let benzene = try Molecule(smiles: "c1ccccc1").properties([.logP, .sas, .penalizedLogP])
        XCTAssertEqual(benzene[2], benzene[0] - benzene[1], accuracy: 1e-12)
    }

    func testPropertyNamesRoundTrip() {
        for property in MolecularProperty.allCases {
            XCTAssertEqual(MolecularProperty(name: property.name.uppercased()), property)
        }
        XCTAssertEqual(MolecularProperty.allCases.map(\.name), ["logp", "qed", "sas", "mw", "plogp"])
        XCTAssertNil(MolecularProperty(name: "tpsa"))
    }
}
