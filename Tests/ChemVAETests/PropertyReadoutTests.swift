import Datasets
import Engine
import Foundation
import XCTest
@testable import ChemVAE

/// `refitPropertyReadout` (molgen fit-properties) on the small trained latent-space model.
final class PropertyReadoutTests: XCTestCase {
    func testTheRefitReadoutIsTheLeastSquaresOneAndTravelsWithTheModel() throws {
        let path = try temporaryDirectory().appendingPathComponent("readout.h5").path
        try LatentFixtures.trained.save(to: path)   // a copy: the shared fixture stays as it is
        let bundle = try ChemVAEModel.load(from: path)
        let z = Tensor.randomNormal([7, bundle.config.latentSize], using: RandomGenerator(seed: 2))
        let old = Tape.withoutRecording { bundle.model.predictProperties(z)!.scalars }
        let fit = try bundle.refitPropertyReadout(data: LatentFixtures.dataset, molecules: 200, seed: 3)
        XCTAssertEqual(fit.trainingPoints, 180)
        XCTAssertEqual(fit.heldOutPoints, 20)
        // Least squares is the best linear readout of the fitted molecules' features: never worse
        // than the trained one there (and a trained one is not exactly it).
        XCTAssertLessThan(fit.trainingMSEAfter, fit.trainingMSEBefore)
        let new = Tape.withoutRecording { bundle.model.predictProperties(z)!.scalars }
        if fit.replaced {
            XCTAssertNotEqual(new, old)
            try bundle.save(to: path)
            let loaded = try ChemVAEModel.load(from: path)
            XCTAssertEqual(Tape.withoutRecording { loaded.model.predictProperties(z)!.scalars }, new)
        } else {
            XCTAssertEqual(new, old, "a readout that does not predict the held-out molecules better is not kept")
        }
    }

    func testADatasetWithOtherPropertiesIsRefused() throws {
        let plain = try makeDataset(LatentFixtures.molecules, maxLength: LatentFixtures.dataset.maxLength, properties: false)
        XCTAssertThrowsError(try LatentFixtures.fresh.refitPropertyReadout(data: plain, molecules: 200)) {
            XCTAssertTrue("\($0)".contains("properties"), "\($0)")
        }
    }
}
