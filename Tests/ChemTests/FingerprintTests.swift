import Chem
import XCTest

final class FingerprintTests: XCTestCase {
    func testMorganBitsMatchRDKitExactly() throws {
        let rows = try Fixture.rows("morgan-bits")
        XCTAssertGreaterThan(rows.count, 100)
        for row in rows {
            let smiles = try XCTUnwrap(row["smiles"])
            let expected = (row["on_bits"] ?? "").split(separator: " ").map { Int($0)! }
            let fingerprint = try Fingerprint.morgan(smiles: smiles)
            XCTAssertEqual(fingerprint.onBits, expected, smiles)
            XCTAssertEqual(try analyze(smiles: smiles, fingerprint: true).fingerprint, fingerprint, smiles)
        }
    }

    func testTanimotoMatchesRDKit() throws {
        for row in try Fixture.rows("tanimoto-reference") {
            let a = try Fingerprint.morgan(smiles: XCTUnwrap(row["smiles_a"]))
            let b = try Fingerprint.morgan(smiles: XCTUnwrap(row["smiles_b"]))
            let expected = try XCTUnwrap(Double(row["tanimoto"] ?? ""))
            XCTAssertEqual(tanimoto(a, b), expected, accuracy: 1e-12)
            XCTAssertEqual(tanimoto(b, a), expected, accuracy: 1e-12)
        }
    }

    func testTanimotoOnHandMadeBits() {
        // {1, 2, 3} vs {2, 3, 4, 100}: 2 in common, 5 in either.
        let a = Fingerprint(bitCount: 128, onBits: [1, 2, 3])
        let b = Fingerprint(bitCount: 128, onBits: [2, 3, 4, 100])
        XCTAssertEqual(tanimoto(a, b), 2.0 / 5.0)
        XCTAssertEqual(tanimoto(a, a), 1)
        XCTAssertEqual(tanimoto(a, Fingerprint(bitCount: 128, onBits: [64])), 0)
        // RDKit's convention for two empty fingerprints.
        XCTAssertEqual(tanimoto(Fingerprint(bitCount: 128, onBits: []), Fingerprint(bitCount: 128, onBits: [])), 1)
    }

    func testBitAccessors() {
        let f = Fingerprint(bitCount: 70, onBits: [0, 63, 64, 69])
        XCTAssertEqual(f.words, [1 | 1 << 63, 1 | 1 << 5])
        XCTAssertEqual(f.onBitCount, 4)
        XCTAssertEqual(f.onBits, [0, 63, 64, 69])
        XCTAssertTrue(f[69])
        XCTAssertFalse(f[68])
    }

    func testOtherRadiiAndLengths() throws {
        let molecule = try Molecule(smiles: "CC(=O)Oc1ccccc1C(=O)O")
        let r0 = molecule.fingerprint(radius: 0, bitCount: 1024)
        let r2 = molecule.fingerprint(radius: 2, bitCount: 1024)
        XCTAssertEqual(r0.bitCount, 1024)
        // Larger radius adds environments; radius 0 has one bit per distinct atom type.
        XCTAssertTrue(Set(r0.onBits).isSubset(of: Set(r2.onBits)))
        XCTAssertGreaterThan(r2.onBitCount, r0.onBitCount)
    }
}
