import ChemVAE
import Datasets
import Foundation
import Training
import XCTest

/// An infinite validation loss was printed at epoch 12 and training went on with exit 0.
final class ValidationGuardTests: XCTestCase {
    func testANonFiniteValidationFigureStopsTrainingWithoutSavingTheEpoch() throws {
        let training = try makeDataset(try mosesSmiles(40))
        var validation = training
        validation.properties[0] = .nan
        var config = ChemVAEConfig.preset(.tiny, vocabularySize: 40, maxLength: 60)
        config.latentSize = 16; config.decoderHidden = 64; config.encoderHidden = 64; config.batchSize = 20
        let path = try temporaryDirectory().appendingPathComponent("m.h5").path
        var options = TrainingOptions(epochs: 1)
        options.reconstructionSamples = 0
        let trainer = try ChemVAETrainer(config: config, training: training, validation: validation, options: options,
                                         outputPath: path, resume: false)
        XCTAssertThrowsError(try trainer.run()) { error in
            guard case TrainingError.nonFiniteValidation(epoch: 1, let figure) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(figure.hasPrefix("validation_"), figure)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "the bad epoch is not saved")
    }
}
