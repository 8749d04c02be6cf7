import Chem
import XCTest

/// Each expected value is worked out by hand in the comment beside it.
final class MetricsTests: XCTestCase {
    // Hand-made fingerprints: tanimoto(a, b) = |{2,3}| / |{1,2,3,4,100}| = 2/5; c shares nothing.
    let a = Fingerprint(bitCount: 128, onBits: [1, 2, 3])
    let b = Fingerprint(bitCount: 128, onBits: [2, 3, 4, 100])
    let c = Fingerprint(bitCount: 128, onBits: [64])

    func testValidityCountsParseableSamples() {
        // CCO and benzene parse; an unclosed ring and the empty string do not: 2 of 4.
        XCTAssertEqual(GenerationMetrics.validity(["CCO", "C1CC", "", "c1ccccc1"]), 0.5)
        XCTAssertEqual(GenerationMetrics.validity(["CCO"]), 1)
        XCTAssertEqual(GenerationMetrics.validity([]), 0)
    }

    func testUniquenessComparesCanonicalForms() {
        // Valid in order: CCO, CCO (OCC), c1ccccc1, CCO (C(O)C): 2 distinct of 4.
        let samples = ["CCO", "OCC", "C1CC", "c1ccccc1", "C(O)C"]
        XCTAssertEqual(GenerationMetrics.uniqueness(samples), 0.5)
        // First two valid: CCO, CCO: 1 of 2. First three: CCO, CCO, benzene: 2 of 3.
        XCTAssertEqual(GenerationMetrics.uniqueness(samples, firstValid: 2), 0.5)
        XCTAssertEqual(GenerationMetrics.uniqueness(samples, firstValid: 3), 2.0 / 3.0)
        // k beyond the valid count uses all valid samples.
        XCTAssertEqual(GenerationMetrics.uniqueness(samples, firstValid: 100), 0.5)
    }

    func testNoveltyIsOverDistinctValidSamples() {
        // Distinct valid: {CCO, c1ccccc1, CCN}; CCO is in training: 2 of 3 novel.
        let samples = ["CCO", "OCC", "C1=CC=CC=C1", "CCN", "C(("]
        XCTAssertEqual(GenerationMetrics.novelty(samples, trainingSet: ["CCO"]), 2.0 / 3.0)
        XCTAssertEqual(GenerationMetrics.novelty(samples, trainingSet: []), 1)
        XCTAssertEqual(GenerationMetrics.novelty(samples, trainingSet: ["CCO", "c1ccccc1", "CCN"]), 0)
    }

    func testInternalDiversityAveragesTheFullSimilarityMatrix() {
        // {a, b}: matrix [[1, .4], [.4, 1]], mean 2.8/4 = 0.7, IntDiv 0.3.
        XCTAssertEqual(GenerationMetrics.internalDiversity(of: [a, b]), 0.3, accuracy: 1e-12)
        // {a, b, c}: off-diagonal sum 2 * 0.4, diagonal 3: mean 3.8/9, IntDiv 5.2/9.
        XCTAssertEqual(GenerationMetrics.internalDiversity(of: [a, b, c]), 5.2 / 9, accuracy: 1e-12)
        XCTAssertEqual(GenerationMetrics.internalDiversity(of: [a]), 0)
        XCTAssertEqual(GenerationMetrics.internalDiversity(of: []), 0)
    }

    func testInternalDiversityOfSMILESUsesDistinctValidMolecules() throws {
        // OCC and CCO are one molecule, C1CC is invalid: only {CCO, c1ccccc1} remain.
        let ethanol = try Fingerprint.morgan(smiles: "CCO"), benzene = try Fingerprint.morgan(smiles: "c1ccccc1")
        let expected = 1 - (2 + 2 * tanimoto(ethanol, benzene)) / 4
        XCTAssertEqual(GenerationMetrics.internalDiversity(["CCO", "OCC", "C1CC", "c1ccccc1"]), expected, accuracy: 1e-12)
        // Ethanol and benzene share no Morgan environment, so that is 1 - 2/4.
        XCTAssertEqual(expected, 0.5)
    }

    func testInternalDiversityOfManyMoleculesMatchesAPairwiseLoop() throws {
        // Large enough to take the multi-threaded path; checked against a plain double loop.
        let smiles = try Fixture.rows("rdkit-reference").prefix(300).compactMap { $0["smiles"] }
        let fingerprints = try smiles.map { try Fingerprint.morgan(smiles: $0) }
        var sum = 0.0
        for x in fingerprints { for y in fingerprints { sum += tanimoto(x, y) } }
        let expected = 1 - sum / Double(fingerprints.count * fingerprints.count)
        XCTAssertEqual(GenerationMetrics.internalDiversity(of: fingerprints), expected, accuracy: 1e-9)
    }

    func testNearestNeighborSimilarityTakesTheBestReferenceMatch() throws {
        // a's best match is itself (1), c matches nothing (0): mean 0.5.
        XCTAssertEqual(GenerationMetrics.nearestNeighborSimilarity(of: [a, c], reference: [b, a]), 0.5)
        // b's best is a at 0.4.
        XCTAssertEqual(GenerationMetrics.nearestNeighborSimilarity(of: [b], reference: [a, c]), 0.4, accuracy: 1e-12)
        XCTAssertEqual(GenerationMetrics.nearestNeighborSimilarity(of: [], reference: [a]), 0)
        // Both valid samples are ethanol, which is in the reference: SNN 1.
        let reference = try ["CCO", "c1ccccc1"].map { try Fingerprint.morgan(smiles: $0) }
        XCTAssertEqual(GenerationMetrics.nearestNeighborSimilarity(["CCO", "OCC", "C1CC"], reference: reference), 1)
    }

    func testEvaluateAgreesWithTheSingleMeasures() throws {
        let samples = ["CCO", "OCC", "C1CC", "c1ccccc1", "CCN", "", "CC(=O)O", "CCN"]
        let training: Set<String> = ["CCO", "CC(=O)O"]
        let reference = try ["CCC", "c1ccncc1"].map { try Fingerprint.morgan(smiles: $0) }
        let report = GenerationMetrics.evaluate(samples, uniquenessK: 4, trainingSet: training, reference: reference)
        // 6 valid of 8; distinct valid {CCO, c1ccccc1, CCN, CC(=O)O}: 4.
        XCTAssertEqual(report.sampleCount, 8)
        XCTAssertEqual(report.validCount, 6)
        XCTAssertEqual(report.uniqueValidCount, 4)
        XCTAssertEqual(report.validity, 0.75)
        // First 4 valid: CCO, CCO, benzene, CCN: 3 of 4.
        XCTAssertEqual(report.uniqueness, 0.75)
        // Novel: benzene and CCN: 2 of 4.
        XCTAssertEqual(report.novelty, 0.5)
        XCTAssertEqual(report.internalDiversity, GenerationMetrics.internalDiversity(samples), accuracy: 1e-12)
        XCTAssertEqual(report.nearestNeighborSimilarity!,
                       GenerationMetrics.nearestNeighborSimilarity(samples, reference: reference), accuracy: 1e-12)
        XCTAssertNil(GenerationMetrics.evaluate(samples).novelty)
        XCTAssertNil(GenerationMetrics.evaluate(samples).nearestNeighborSimilarity)
    }
}
