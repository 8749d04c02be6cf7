import Chem
import Datasets
import Foundation
import XCTest
@testable import ChemVAE

/// A measured column of the user's table (`convert --property-column`) goes into /properties,
/// the property head learns it, and `optimize` climbs its surrogate without pretending to know
/// the truth. The "measured" value is the heavy-atom count RDKit gives, so the test knows it.
final class MeasuredPropertyTests: XCTestCase {
    func testAMeasuredColumnIsCarriedLearnedAndClimbedWithoutGroundTruth() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let molecules = try mosesSmiles(150)
        var lines = ["smiles,heavy"]
        for (i, smiles) in molecules.enumerated() {
            let atoms = try analyze(smiles: smiles).heavyAtomCount
            lines.append("\(smiles),\(i == 5 ? "n/a" : i == 9 ? "" : "\(atoms)")")  // two rows without a usable value
        }
        let table = directory.appendingPathComponent("measured.csv").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: table, atomically: true, encoding: .utf8)

        var options = ConversionOptions()
        options.canonicalize = true
        options.properties = [.logP]
        options.propertyColumns = ["heavy"]
        let data = directory.appendingPathComponent("measured.h5").path
        let summary = try DatasetConverter(options: options).convert(inputs: [table], output: data)
        XCTAssertEqual(summary.converted, 148)
        XCTAssertEqual(summary.badProperties, 2)
        let rejected = try String(contentsOfFile: summary.rejectedFile, encoding: .utf8)
        XCTAssertTrue(rejected.contains(",7,"), rejected)  // file line 7 is molecule 5
        XCTAssertTrue(rejected.contains("bad_property,column 'heavy': 'n/a' is not a number"), rejected)
        XCTAssertTrue(rejected.contains("bad_property,column 'heavy' has no value"), rejected)
        let dataset = try MoleculeDataset(contentsOf: data)
        XCTAssertEqual(dataset.propertyNames, ["logp", "heavy"])
        XCTAssertEqual(dataset.properties[1], Float(try analyze(smiles: molecules[0]).heavyAtomCount))

        // The head learns the column like any other property.
        var config = LatentFixtures.config(for: dataset)
        config.batchSize = 37
        var training = TrainingOptions(epochs: 2)
        training.reconstructionSamples = 0
        training.seed = 5
        let modelPath = directory.appendingPathComponent("m.h5").path
        _ = try ChemVAETrainer(config: config, training: dataset, validation: dataset, options: training, outputPath: modelPath, resume: false).run()
        let model = try ChemVAEModel.load(from: modelPath)
        XCTAssertEqual(model.normalization?.names, ["logp", "heavy"])

        var climb = OptimizationOptions(objective: "heavy")
        climb.start = dataset.smiles[0]
        climb.steps = 10
        climb.constrained = false  // the mask costs time and is not what is tested
        let result = try model.optimize(climb)
        XCTAssertFalse(result.hasGroundTruth)
        XCTAssertTrue(result.start.trueValue.isNaN)
        XCTAssertTrue(result.best.allSatisfy { $0.trueValue.isNaN })
        XCTAssertEqual(result.best.map(\.predicted), result.best.map(\.predicted).sorted(by: >), "ranked by the surrogate")
        climb.objective = "logp"
        climb.steps = 2
        XCTAssertTrue(try model.optimize(climb).hasGroundTruth)
    }
}
