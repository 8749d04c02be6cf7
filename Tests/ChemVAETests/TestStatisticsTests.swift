import Chem
import ChemNet
import ChemVAE
import Foundation
import XCTest

/// The reference-set cache of `molgen evaluate --test` and the report `scoreSamples` writes.
final class TestStatisticsTests: XCTestCase {
    func testStatisticsAreCachedBesideTheFileAndRecomputedWhenItChanges() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("reference.smi").path
        let molecules = try mosesSmiles(120)
        try (["smiles"] + molecules).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)

        var computed = 0
        let first = try TestStatistics.load(for: path, smiles: try TestStatistics.readSmiles(path), chemNet: nil) { _ in computed += 1 }
        XCTAssertGreaterThan(computed, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: TestStatistics.cachePath(for: path)))
        XCTAssertEqual(first.profile.validCount, 120)

        // Second load: from the cache, nothing computed, the same statistics.
        computed = 0
        var readAgain = false
        let second = try TestStatistics.load(for: path, smiles: { readAgain = true; return [] }(), chemNet: nil) { _ in computed += 1 }
        XCTAssertFalse(readAgain)
        XCTAssertEqual(computed, 0)
        XCTAssertEqual(second.profile.fingerprints, first.profile.fingerprints)
        XCTAssertEqual(second.profile.fragmentCounts, first.profile.fragmentCounts)
        XCTAssertEqual(second.profile.scaffoldCounts, first.profile.scaffoldCounts)
        XCTAssertEqual(second.profile.propertyValues, first.profile.propertyValues)
        XCTAssertEqual(second.profile.canonicalSMILES, first.profile.canonicalSMILES)

        // The file changes: the cache no longer matches and is rebuilt from the new molecules.
        try (["smiles"] + molecules.prefix(50)).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let third = try TestStatistics.load(for: path, smiles: try TestStatistics.readSmiles(path), chemNet: nil)
        XCTAssertEqual(third.profile.validCount, 50)
    }

    func testScoreSamplesReportsTheMosesMetricsAgainstEachReference() throws {
        let molecules = try mosesSmiles(300)
        let reference = TestStatistics(profile: MoleculeSetProfile(smiles: Array(molecules[100...])), chemNet: nil)
        // 100 samples: 90 molecules, 5 of them twice, and 5 invalid strings.
        let samples = Array(molecules[0..<90]) + Array(molecules[0..<5]) + ["C1CC", "", "C(", "c1cc1", "N(C)(C)(C)(C)C"]
        var report = EvaluationReport()
        scoreSamples(samples, into: &report, trainingSmiles: Set(molecules[0..<45].compactMap(canonicalSMILES)),
                     references: [("test", reference), ("testsf", reference)], chemNet: nil)
        XCTAssertEqual(report["validity"], 0.95)
        XCTAssertEqual(report["unique_1k"]!, 90.0 / 95.0, accuracy: 1e-12)
        XCTAssertEqual(report["novelty"]!, 0.5, accuracy: 1e-12)   // 45 of 90 distinct are in training
        for name in ["intdiv1", "intdiv2", "snn_test", "frag_test", "scaf_test", "snn_testsf", "logp_wasserstein", "sa_wasserstein",
                     "qed_wasserstein", "mw_wasserstein"] {
            XCTAssertNotNil(report[name], name)
        }
        XCTAssertNil(report["fcd_test"], "no ChemNet given")
        XCTAssertTrue(report.notes.contains(ChemNet.howToGet))
        XCTAssertEqual(report["snn_test"], report["snn_testsf"])
    }
}
