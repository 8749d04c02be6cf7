@testable import Chem
import Dispatch
import Foundation
import XCTest

/// CRDKit skips RDKit work that cannot change a result (pre-checked alert searches, Crippen
/// patterns that cannot type an untyped atom, a shared strict rotatable-bond pattern). These
/// tests compare every QED input with RDKit's plain entry points over the 5,000 MOSES test
/// molecules, so a shortcut that ever changed an answer would show here.
final class ShortcutTests: XCTestCase {
    func testQEDDescriptorsEqualRDKitsPlainEntryPointsOnMOSESTestSet() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../datasets/moses-test-5k.csv.gz").standardized.path
        let lines = String(decoding: FragmentScores.gunzip(path: path), as: UTF8.self).split(separator: "\n")
        let smiles = lines.dropFirst().map(String.init)
        XCTAssertEqual(smiles.count, 5_000)
        var mismatches = [String?](repeating: nil, count: smiles.count)
        mismatches.withUnsafeMutableBufferPointer { out in
            DispatchQueue.concurrentPerform(iterations: 2) { worker in
                for i in stride(from: worker, to: smiles.count, by: 2) {
                    guard let molecule = try? Molecule(smiles: smiles[i]) else {
                        out[i] = "\(smiles[i]): does not parse"
                        continue
                    }
                    let fast = molecule.qedDescriptors(reference: false)
                    let plain = molecule.qedDescriptors(reference: true)
                    if fast != plain { out[i] = "\(smiles[i]): \(fast) vs RDKit \(plain)" }
                }
            }
        }
        let failures = mismatches.compactMap { $0 }
        XCTAssertEqual(failures, [], "\(failures.count) molecules differ")
    }

    func testDescriptorsOfAspirinAreTheHandCountedOnes() throws {
        // Aspirin, CC(=O)Oc1ccccc1C(=O)O. Acceptors: the acid OH ([OH1;X2;v2]), the ester O
        // ([OH0;X2;v2]) and two C=O ([OH0;X1;v2]) = 4. Donor: the acid OH. One aromatic ring.
        // TPSA: 2 × C=O 17.07 + OH 20.23 + ester O 9.23 = 63.6. Rotatable (strict): ring–O and
        // ring–C(acid) = 2. Alerts: phenyl ester c1ccccc1OC(=O)[#6] and [#6,#8,#16][#6](=O)O[#6] = 2.
        let aspirin = try Molecule(smiles: "CC(=O)Oc1ccccc1C(=O)O")
        for reference in [false, true] {
            let d = aspirin.qedDescriptors(reference: reference)
            XCTAssertEqual([d[2], d[3], d[5], d[6], d[7]], [4, 1, 2, 1, 2], "reference: \(reference)")
            XCTAssertEqual(d[4], 63.6, accuracy: 1e-9)
        }
    }
}
