import Chem
import XCTest

/// Scaffolds, BRICS fragments and the MOSES metrics against RDKit 2022.09.5 Python values
/// written by tools/make-moses-fixtures.py (MOSES definitions spelled out there).
final class MosesMetricsTests: XCTestCase {
    func testScaffoldsAndFragmentsMatchRDKit() throws {
        let rows = try Fixture.rows("scaffolds-fragments")
        XCTAssertGreaterThan(rows.count, 1000)
        var mismatches: [String] = []
        for row in rows {
            let smiles = row["smiles"]!
            let molecule = try Molecule(smiles: smiles)
            let scaffold = molecule.murckoScaffold
            if scaffold.smiles != row["scaffold"] || scaffold.ringCount != Int(row["scaffold_rings"]!) {
                mismatches.append("\(smiles): scaffold \(scaffold) vs \(row["scaffold"]!) \(row["scaffold_rings"]!)")
            }
            if molecule.bricsFragments.joined(separator: ".") != row["fragments"] {
                mismatches.append("\(smiles): fragments \(molecule.bricsFragments) vs \(row["fragments"]!)")
            }
        }
        XCTAssertEqual(mismatches, [], "\(mismatches.count) mismatches")
    }

    func testMetricsOnTwoSetsMatchTheReferenceScript() throws {
        let sets = try Fixture.rows("moses-sets")
        let generated = MoleculeSetProfile(smiles: sets.filter { $0["set"] == "generated" }.map { $0["smiles"]! })
        let reference = MoleculeSetProfile(smiles: sets.filter { $0["set"] == "reference" }.map { $0["smiles"]! })
        let expected = Dictionary(uniqueKeysWithValues: try Fixture.rows("moses-metrics").map { ($0["name"]!, Double($0["value"]!)!) })
        func check(_ name: String, _ value: Double, accuracy: Double = 1e-9) {
            XCTAssertEqual(value, expected[name]!, accuracy: accuracy, name)
        }
        check("validity", Double(generated.validCount) / Double(generated.inputCount))
        check("unique_100", MosesMetrics.uniqueness(generated.canonicalSMILES, firstValid: 100))
        check("unique_300", MosesMetrics.uniqueness(generated.canonicalSMILES, firstValid: 300))
        check("unique_1000", MosesMetrics.uniqueness(generated.canonicalSMILES, firstValid: 1000))
        check("snn", MosesMetrics.nearestNeighborSimilarity(generated.fingerprints, reference: reference.fingerprints))
        check("intdiv1", MosesMetrics.internalDiversity(generated.fingerprints, p: 1))
        check("intdiv2", MosesMetrics.internalDiversity(generated.fingerprints, p: 2))
        check("frag", MosesMetrics.cosineSimilarity(generated.fragmentCounts, reference.fragmentCounts))
        check("scaf", MosesMetrics.cosineSimilarity(generated.scaffoldCounts, reference.scaffoldCounts))
        // SAS and QED are RDKit-exact to ~1e-12 here but Debian's RDKit differs from 2022.09.5 on
        // rare molecules (DESIGN.md, Chem), so the distances are compared to 1e-6.
        for property in MoleculeSetProfile.properties {
            check("\(property.name)_wasserstein",
                  MosesMetrics.wasserstein(reference.propertyValues[property]!, generated.propertyValues[property]!), accuracy: 1e-6)
        }
    }

    func testWassersteinOfHandMadeSamples() {
        // Shifting a sample by 2 moves it by exactly 2.
        XCTAssertEqual(MosesMetrics.wasserstein([0, 1, 3], [2, 3, 5]), 2, accuracy: 1e-12)
        // {0} against {0, 1}: the CDFs differ by 1/2 over [0, 1).
        XCTAssertEqual(MosesMetrics.wasserstein([0], [0, 1]), 0.5, accuracy: 1e-12)
        XCTAssertEqual(MosesMetrics.wasserstein([1, 2], [2, 1]), 0)
    }

    func testCosineOfCounts() {
        // (1, 1, 0)·(0, 2, 2) = 2; norms √2 and √8: 2 / 4 = 0.5.
        XCTAssertEqual(MosesMetrics.cosineSimilarity(["a": 1, "b": 1], ["b": 2, "c": 2]), 0.5, accuracy: 1e-12)
        XCTAssertTrue(MosesMetrics.cosineSimilarity([:], ["a": 1]).isNaN)
    }
}
