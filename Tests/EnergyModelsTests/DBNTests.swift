import EnergyModels
import Engine
import Foundation
import ImageModels
import Training
import XCTest

final class DBNTests: XCTestCase {
    func tinyConfig(epochs: Int = 3) -> DBNConfig {
        var config = DBNConfig()
        config.hiddenLayers = [100, 100]
        config.rbm.epochs = epochs; config.rbm.batchSize = 50; config.rbm.learningRate = 0.1
        return config
    }

    /// A net of `trainer`'s shape as training starts it: small random weights, biases at the log-odds.
    func untrainedNet(like trainer: DBNTrainer) -> DBN {
        var layers: [RBM] = []
        var inputs = trainer.train
        for k in trainer.config.hiddenLayers.indices {
            let layer = RBM(config: trainer.config.layerConfig(k), training: inputs)
            layers.append(layer)
            inputs = ImageSet(pixels: layer.hiddenProbabilities(Tensor(inputs.pixels, shape: [inputs.count, inputs.pixelsPerImage])).scalars,
                              labels: inputs.labels, height: 1, width: layer.hidden)
        }
        return DBN(config: trainer.config, layers: layers)
    }

    /// A tiny 784-100-100 net trained briefly: every layer's held-out pseudo-likelihood rises while
    /// it trains, its top-layer features classify held-out digits far better than an untrained
    /// net's, and the file round-trips.
    func testTrainsClassifiesAndRoundTrips() throws {
        let dir = try TemporaryDirectory()
        let trainer = try DBNTrainer(config: tinyConfig(), datasets: datasetsDirectory, outputPath: dir.file("dbn.h5"), resume: false,
                                     trainingLimit: 2000)
        XCTAssertEqual(try trainer.run(), .finished)
        XCTAssertTrue(trainer.dbn.isComplete)
        XCTAssertEqual(trainer.dbn.layers.map(\.visible), [784, 100])
        let layers = trainer.loop.history.column("layer")!, pll = trainer.loop.history.column("heldout_pseudo_log_likelihood")!
        XCTAssertEqual(layers, [1, 1, 1, 2, 2, 2])
        XCTAssertGreaterThan(pll[2], pll[0], "layer 1 keeps improving")
        XCTAssertGreaterThan(pll[5], pll[3], "layer 2 keeps improving")

        // Scoring: the top layer's features against an untrained net of the same shape.
        let figures = Dictionary(uniqueKeysWithValues: try DBNEvaluation.score(trainer.dbn, datasets: datasetsDirectory, classifierEpochs: 20).map { ($0.name, $0.value) })
        print(figures)
        XCTAssertEqual(figures["layers_trained"], 2)
        XCTAssertGreaterThan(figures["top_feature_accuracy"]!, 0.7)
        XCTAssertEqual(figures["top_feature_accuracy"], figures["layer2_feature_accuracy"])
        for k in 1...2 { XCTAssertLessThan(figures["layer\(k)_pseudo_log_likelihood"]!, 0) }
        let untrained = Dictionary(uniqueKeysWithValues: try DBNEvaluation.score(untrainedNet(like: trainer), datasets: datasetsDirectory, classifierEpochs: 20).map { ($0.name, $0.value) })
        print("untrained", untrained)
        XCTAssertGreaterThan(figures["top_feature_accuracy"]!, untrained["top_feature_accuracy"]! + 0.3)

        let loaded = try DBNFile.load(from: dir.file("dbn.h5"))
        XCTAssertTrue(DBNFile.holdsDBN(dir.file("dbn.h5")))
        XCTAssertFalse(RBMFile.holdsRBM(dir.file("dbn.h5")))
        XCTAssertEqual(loaded.dbn.config, trainer.config)
        for (a, b) in zip(loaded.dbn.layers, trainer.dbn.layers) {
            XCTAssertEqual(a.weight.scalars, b.weight.scalars)
            XCTAssertEqual(a.visibleBias.scalars, b.visibleBias.scalars)
            XCTAssertEqual(a.hiddenBias.scalars, b.hiddenBias.scalars)
            XCTAssertEqual(a.baseRateBias.scalars, b.baseRateBias.scalars)
        }
        XCTAssertEqual(loaded.history, trainer.loop.history)

        // Samples carried down from the top RBM look like digits' pixel statistics, not noise.
        let means = loaded.dbn.sample(count: 20, steps: 100, using: RandomGenerator(seed: 2)).scalars
        XCTAssertLessThan(means.reduce(0, +) / Float(means.count), 0.3)
        let grid = DBNPictures.samples(loaded.dbn, count: 20, steps: 10, seed: 1)
        XCTAssertEqual(grid.width, 10 * 28 + 11 * 2)
        XCTAssertEqual(DBNPictures.chain(loaded.dbn, frames: 5, steps: 20, seed: 1).width, 5 * 28 + 6 * 2)
    }

    /// Stopped in the second layer's first epoch and resumed, the run ends bit for bit where an
    /// uninterrupted one does; layer 2's input is recomputed from the saved layer 1.
    func testResumeIsExact() throws {
        let dir = try TemporaryDirectory()
        var config = tinyConfig(epochs: 2)
        config.hiddenLayers = [32, 16]; config.rbm.persistent = true
        let straight = try DBNTrainer(config: config, datasets: datasetsDirectory, outputPath: dir.file("a.h5"), resume: false, trainingLimit: 500)
        try straight.run()
        let first = try DBNTrainer(config: config, datasets: datasetsDirectory, outputPath: dir.file("b.h5"), resume: false, trainingLimit: 500)
        var steps = 0
        let outcome = try first.run(progress: { _ in
            steps += 1
            if steps == 23 { StopSignal.request() }  // 10 batches an epoch: the third step of layer 2
        })
        XCTAssertEqual(outcome, .interrupted)
        XCTAssertEqual(try DBNFile.load(from: dir.file("b.h5")).dbn.layers.count, 2)
        let resumed = try DBNTrainer(config: nil, datasets: datasetsDirectory, outputPath: dir.file("b.h5"), resume: true, trainingLimit: 500)
        XCTAssertEqual(try resumed.run(), .finished)
        for (a, b) in zip(resumed.dbn.layers, straight.dbn.layers) {
            XCTAssertEqual(a.weight.scalars, b.weight.scalars)
            XCTAssertEqual(a.hiddenBias.scalars, b.hiddenBias.scalars)
            XCTAssertEqual(a.chains?.scalars, b.chains?.scalars)
        }
        for column in ["reconstruction_error", "heldout_pseudo_log_likelihood", "layer", "epoch"] {
            XCTAssertEqual(resumed.loop.history.column(column), straight.loop.history.column(column), column)
        }
    }

    func testOptionsAreValidated() {
        var config = DBNConfig()
        config.hiddenLayers = []
        XCTAssertThrowsError(try config.validate()) { XCTAssertTrue("\($0)".hasPrefix("--layers"), "\($0)") }
        config.hiddenLayers = [500, 0]
        XCTAssertThrowsError(try config.validate()) { XCTAssertTrue("\($0)".hasPrefix("--layers"), "\($0)") }
        config = DBNConfig(); config.rbm.cdSteps = 0
        XCTAssertThrowsError(try config.validate()) { XCTAssertTrue("\($0)".hasPrefix("--cd-steps"), "\($0)") }
    }
}
