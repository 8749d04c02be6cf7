import Chem
import Foundation
import XCTest

final class MoleculeTests: XCTestCase {
    func testCanonicalSMILESIsIndependentOfInputOrder() throws {
        // Ethanol written three ways, and RDKit's canonical aromatic form of benzoic acid.
        let forms = try ["OCC", "C(O)C", "[CH3][CH2][OH]"].map { try Molecule(smiles: $0).canonicalSMILES }
        XCTAssertEqual(Set(forms), ["CCO"])
        XCTAssertEqual(try Molecule(smiles: "OC(=O)C1=CC=CC=C1").canonicalSMILES, "O=C(O)c1ccccc1")
        XCTAssertEqual(canonicalSMILES("C1=CC=CC=C1"), "c1ccccc1")
        XCTAssertNil(canonicalSMILES("C1CC"))
    }

    func testHeavyAtomCountIgnoresHydrogens() throws {
        XCTAssertEqual(try Molecule(smiles: "CCO").heavyAtomCount, 3)
        XCTAssertEqual(try Molecule(smiles: "[2H]C([2H])([2H])O").heavyAtomCount, 2)
        XCTAssertEqual(try Molecule(smiles: "[Na+].[Cl-]").heavyAtomCount, 2)
    }

    func testInvalidSMILESCarryRDKitsOwnMessage() throws {
        let rows = try Fixture.rows("invalid-smiles")
        XCTAssertGreaterThan(rows.count, 10)
        for row in rows {
            let smiles = try XCTUnwrap(row["smiles"])
            XCTAssertThrowsError(try Molecule(smiles: smiles), smiles) { error in
                XCTAssertEqual(error as? ChemError, .invalidSMILES(smiles, reason: row["rdkit_message"] ?? ""))
            }
            XCTAssertThrowsError(try analyze(smiles: smiles, properties: [.qed])) { error in
                XCTAssertEqual(error as? ChemError, .invalidSMILES(smiles, reason: row["rdkit_message"] ?? ""))
            }
        }
    }

    func testEmptySMILESIsInvalid() {
        XCTAssertThrowsError(try Molecule(smiles: "")) { error in
            XCTAssertEqual(error as? ChemError, .invalidSMILES("", reason: "empty SMILES"))
        }
    }

    func testErrorDescriptionNamesTheSMILESAndTheReason() {
        let error = ChemError.invalidSMILES("C1CC", reason: "SMILES Parse Error: unclosed ring for input: 'C1CC'")
        XCTAssertEqual(error.description, "invalid SMILES 'C1CC': SMILES Parse Error: unclosed ring for input: 'C1CC'")
        XCTAssertEqual(error.localizedDescription, error.description)
    }

    func testParseErrorsDoNotReachStandardError() throws {
        let written = try capturingStandardError {
            for smiles in ["C1CC", "Xx", "N(C)(C)(C)(C)C", "c1cccc1"] { _ = try? Molecule(smiles: smiles) }
        }
        XCTAssertEqual(written, "")
    }

    /// Runs `body` with file descriptor 2 redirected into a pipe and returns what was written.
    private func capturingStandardError(_ body: () -> Void) throws -> String {
        fflush(stderr)
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let saved = dup(2)
        dup2(fds[1], 2)
        body()
        fflush(stderr)
        dup2(saved, 2)
        close(saved)
        close(fds[1])
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let n = read(fds[0], &buffer, buffer.count), n > 0 { bytes += buffer[0..<n] }
        close(fds[0])
        return String(decoding: bytes, as: UTF8.self)
    }
}
