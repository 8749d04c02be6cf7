import ChemVAE
import Engine
import XCTest

/// `molgen export A B C`: checkpoints of one run averaged.
final class WeightAveragingTests: XCTestCase {
    func testAveragingTakesTheMeanOfEveryParameterAndStatistic() throws {
        let data = try makeDataset(try mosesSmiles(50), properties: false)
        let config = ChemVAEConfig.preset(.tiny, vocabularySize: data.vocabulary.count, maxLength: data.maxLength)
        let models = try [2, 3, 4].map { ChemVAEModel(model: try ChemVAE(config, seed: $0), codec: data.codec, normalization: nil) }
        // Batch-norm statistics are state too: give each model its own.
        for (k, bundle) in models.enumerated() {
            for buffer in bundle.model.buffers { buffer.tensor.assign([Float](repeating: Float(k + 1), count: buffer.tensor.count)) }
        }
        let averaged = try ChemVAEModel.averaging(models.enumerated().map { ("model\($0.offset).h5", $0.element) })
        let inputs = models.map { $0.model.state.map(\.tensor.scalars) }
        for (k, entry) in averaged.model.state.enumerated() {
            let expected = (0..<entry.tensor.count).map { i in inputs.map { Double($0[k][i]) }.reduce(0, +) / 3 }
            for (value, mean) in zip(entry.tensor.scalars, expected) {
                XCTAssertEqual(Double(value), mean, accuracy: 1e-6, entry.name)
            }
        }
        XCTAssertEqual(averaged.model.buffers.first?.tensor.scalars.first, 2)
        // The inputs are left as they were.
        XCTAssertEqual(models[0].model.buffers.first?.tensor.scalars.first, 1)
        XCTAssertNil(averaged.prior)
        XCTAssertNil(averaged.optimizer)
    }

    func testModelsOfDifferentRunsAreRefusedByName() throws {
        let data = try makeDataset(try mosesSmiles(50), properties: false)
        let config = ChemVAEConfig.preset(.tiny, vocabularySize: data.vocabulary.count, maxLength: data.maxLength)
        let first = ChemVAEModel(model: try ChemVAE(config, seed: 2), codec: data.codec, normalization: nil)
        var wider = config
        wider.latentSize += 2
        let other = ChemVAEModel(model: try ChemVAE(wider, seed: 2), codec: data.codec, normalization: nil)
        XCTAssertThrowsError(try ChemVAEModel.averaging([("a.h5", first), ("b.h5", other)])) { error in
            XCTAssertTrue("\(error)".contains("b.h5: its layers differ from a.h5's"), "\(error)")
        }
        let smaller = try makeDataset(try mosesSmiles(5), properties: false)
        let fewerTokens = ChemVAEModel(model: try ChemVAE(ChemVAEConfig.preset(.tiny, vocabularySize: smaller.vocabulary.count, maxLength: smaller.maxLength), seed: 2),
                                       codec: smaller.codec, normalization: nil)
        XCTAssertThrowsError(try ChemVAEModel.averaging([("a.h5", first), ("c.h5", fewerTokens)])) { error in
            XCTAssertTrue("\(error)".contains("c.h5: its vocabulary differs"), "\(error)")
        }
    }
}
