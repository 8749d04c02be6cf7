import ChemNet
import Foundation
import XCTest

/// ChemNet on our engine against the PyPI `fcd` package (1.2.2, torch), whose values
/// tools/make-fcd-fixture.py wrote once into Fixtures/. The weights come from tools/fetch-chemnet,
/// which `make test` runs when they are missing, so these tests never skip.
final class ChemNetTests: XCTestCase {
    static let weightsPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../models/chemnet/chemnet.h5").standardized.path

    func loadChemNet() throws -> ChemNet {
        guard FileManager.default.fileExists(atPath: Self.weightsPath) else {
            XCTFail("\(Self.weightsPath) is missing: run tools/fetch-chemnet (make test does)")
            throw CocoaError(.fileNoSuchFile)
        }
        return try ChemNet(contentsOf: Self.weightsPath)
    }

    /// Rows of a fixture CSV without quoted fields, keyed by the header.
    func rows(_ name: String) throws -> [[String: String]] {
        let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "Fixtures"))
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }

    func testTokensFollowFcdsSplitting() {
        let index = { (token: String) in ChemNet.vocabulary.firstIndex(of: token)! }
        // Two-letter halogens and Si are one token; Zn is unknown "X" then aromatic "n"; "." ends.
        XCTAssertEqual(ChemNet.tokens("ClCBr"), ["Cl", "C", "Br", "."].map(index))
        XCTAssertEqual(ChemNet.tokens("[Zn]"), ["[", "X", "n", "]", "."].map(index))
        XCTAssertEqual(ChemNet.tokens("C[Si]c1ccsc1"), ["C", "[", "Si", "]", "c", "1", "c", "c", "s", "c", "1", "."].map(index))
    }

    func testActivationsMatchTheFcdPackage() throws {
        let chemNet = try loadChemNet()
        let reference = try rows("chemnet-activations")
        let smiles = reference.map { $0["smiles"]! }
        let ours = chemNet.activations(smiles)
        var worst = 0.0
        for (i, row) in reference.enumerated() {
            for j in 0..<ChemNet.activationSize {
                worst = max(worst, abs(Double(ours[i * ChemNet.activationSize + j]) - Double(row["a\(j)"]!)!))
            }
        }
        XCTAssertLessThan(worst, 1e-4, "largest difference from fcd's activations")
    }

    func testFCDOfTwoSetsMatchesTheFcdPackageWithinOnePercent() throws {
        let chemNet = try loadChemNet()
        let sets = try rows("fcd-sets")
        let expected = Double(try rows("fcd-reference").first { $0["name"] == "fcd" }!["value"]!)!
        let a = sets.filter { $0["set"] == "a" }.map { $0["smiles"]! }, b = sets.filter { $0["set"] == "b" }.map { $0["smiles"]! }
        let statisticsA = ActivationStatistics(activations: chemNet.activations(a), count: a.count)
        let statisticsB = ActivationStatistics(activations: chemNet.activations(b), count: b.count)
        let fcd = frechetChemNetDistance(statisticsA, statisticsB)
        XCTAssertEqual(fcd, expected, accuracy: 0.01 * expected)
        // A set against itself is at distance 0 (up to the square root's rounding).
        XCTAssertEqual(frechetChemNetDistance(statisticsA, statisticsA), 0, accuracy: 1e-3)
    }
}
