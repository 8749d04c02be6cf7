import Chem
import Foundation
import XCTest

/// The maximum common substructure behind the reports' highlighting, against RDKit's Python
/// (Fixtures/mcs-pairs.csv, tools/make-mcs-fixture.py), and the drawings built on it.
final class CommonSubstructureTests: XCTestCase {
    func testCommonAtomsMatchRDKitsPythonAndTheTimeLimitHolds() throws {
        let rows = try Fixture.rows("mcs-pairs")
        XCTAssertEqual(rows.count, 13)
        for row in rows {
            let molecule = try Molecule(smiles: row["molecule"]!), reference = try Molecule(smiles: row["reference"]!)
            let expected = row["common_atoms"]!.split(separator: " ").map { Int($0)! }
            XCTAssertEqual(expected.count, Int(row["mcs_atoms"]!)!)
            let started = Date()
            let common = try molecule.commonSubstructure(with: reference, timeout: 1)
            let seconds = Date().timeIntervalSince(started)
            XCTAssertEqual(common.atomCount, molecule.atomCount)
            if row["over_1s"] == "0" {
                XCTAssertTrue(common.completed, row["molecule"]!)
                XCTAssertEqual(common.atoms, expected, "\(row["molecule"]!) vs \(row["reference"]!)")
                XCTAssertEqual(common.differingAtoms, Array(Set(0..<molecule.atomCount).subtracting(expected)).sorted())
            } else {
                // RDKit needs more than a second for this pair: the search stops at the limit with
                // a common substructure no larger than the maximum one.
                XCTAssertLessThan(seconds, 1.8, "the 1 s limit holds for \(row["molecule"]!)")
                XCTAssertLessThanOrEqual(common.atoms.count, expected.count)
                if common.completed { XCTAssertEqual(common.atoms, expected) }
            }
        }
    }

    func testTheDrawingHighlightsExactlyTheAtomsOutsideTheCommonPart() throws {
        // Phenacetin against paracetamol: the ethyl group (atoms 0 and 1) is what differs.
        let phenacetin = try Molecule(smiles: "CCOc1ccc(NC(C)=O)cc1"), paracetamol = try Molecule(smiles: "CC(=O)Nc1ccc(O)cc1")
        let svg = try Depiction.svg(phenacetin, highlightingDifferenceFrom: paracetamol, width: 220, height: 220)
        XCTAssertEqual(Depiction.highlightedAtoms(inSVG: svg), [0, 1])
        XCTAssertEqual(Depiction.highlightedAtoms(inSVG: try Depiction.svg(paracetamol, highlightingDifferenceFrom: paracetamol)), [], "nothing differs from itself")
        XCTAssertEqual(Depiction.highlightedAtoms(inSVG: try Depiction.svg(phenacetin, width: 220, height: 220)), [])
    }

    func testOneBondLengthGivesOneScaleForSmallAndLargeMolecules() throws {
        let smiles = ["CCO", "CC(=O)Nc1ccc(O)cc1", "Cn1cnc2c1c(=O)n(C)c(=O)n2C", "OCC(O)C(O)C(O)C(O)C=O", "CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21", "CCCCCCCCCCCCCCCCCC",
                      "CC(=O)N1CCC(N2CCN3C(=O)N(c4ccccn4)CC3C2)CC1"]
        let molecules = try smiles.map { try Molecule(smiles: $0) }
        // Fitted alone, ethanol is drawn with bonds several times longer than the C18 chain.
        let alone = try molecules.map { Depiction.bondLength(inSVG: try Depiction.svg($0, width: 220, height: 220)) }
        XCTAssertGreaterThan(alone.max()! / alone.min()!, 3, "\(alone)")
        let length = Depiction.commonBondLength(molecules, width: 220, height: 220, maximum: 30)
        XCTAssertLessThanOrEqual(length, 30)
        let shared = try molecules.map { Depiction.bondLength(inSVG: try Depiction.svg($0, width: 220, height: 220, bondLength: length)) }
        for (s, l) in zip(smiles, shared) { XCTAssertEqual(l, length, accuracy: 0.01 * length, "\(s): \(shared)") }
        // Highlights widen a drawing; the common length leaves room for them.
        for molecule in molecules.dropFirst() {
            let highlighted = try Depiction.svg(molecule, highlightingDifferenceFrom: molecules[0], width: 220, height: 220, bondLength: length)
            XCTAssertFalse(Depiction.highlightedAtoms(inSVG: highlighted).isEmpty)
            XCTAssertEqual(Depiction.bondLength(inSVG: highlighted), length, accuracy: 0.01 * length, molecule.canonicalSMILES)
        }
        // A grid of small molecules is not blown up beyond the maximum.
        let small = try ["CCO", "CC(C)O"].map { try Molecule(smiles: $0) }
        XCTAssertEqual(Depiction.commonBondLength(small, width: 220, height: 220, maximum: 25), 25)
    }
}
