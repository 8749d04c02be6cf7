import EnergyModels
import Engine
import Foundation
import ImageModels
import Training
import XCTest

/// The repository root (tests read the shipped data in datasets/).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let datasetsDirectory = repositoryRoot.appendingPathComponent("datasets").path

/// A fresh directory per test, removed afterwards.
final class TemporaryDirectory {
    let path: String
    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("EnergyModelsTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

final class RBMTests: XCTestCase {
    /// The engine's public matrix product against a plain triple loop, for every transpose.
    func testMultiplyMatricesMatchesLoops() {
        let rng = RandomGenerator(seed: 3)
        let a = Tensor.randomNormal([5, 7], using: rng), b = Tensor.randomNormal([7, 4], using: rng)
        let at = Tensor.uninitialized([7, 5]), bt = Tensor.uninitialized([4, 7])
        for i in 0..<5 { for k in 0..<7 { at.pointer[k * 5 + i] = a.pointer[i * 7 + k] } }
        for k in 0..<7 { for j in 0..<4 { bt.pointer[j * 7 + k] = b.pointer[k * 4 + j] } }
        var expected = [Float](repeating: 0, count: 20)
        for i in 0..<5 { for j in 0..<4 { for k in 0..<7 { expected[i * 4 + j] += a.pointer[i * 7 + k] * b.pointer[k * 4 + j] } } }
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let c = Tensor(repeating: 1, shape: [5, 4])
            multiplyMatrices(ta ? at : a, tb ? bt : b, into: c, transposeA: ta, transposeB: tb, alpha: 2, beta: 0.5)
            for i in 0..<20 { XCTAssertEqual(c.pointer[i], 2 * expected[i] + 0.5, accuracy: 1e-4, "transposeA \(ta) transposeB \(tb)") }
        }
    }

    /// A small machine trained briefly on MNIST, so its distribution is far from uniform.
    func smallTrainedRBM(hidden: Int, epochs: Int = 2) throws -> RBM {
        var config = RBMConfig()
        config.hidden = hidden; config.learningRate = 0.1; config.batchSize = 50
        let train = binarized(try ImageDataSource.mnist.load(from: datasetsDirectory).train.subset(Array(0..<1000)))
        let rbm = RBM(config: config, training: train)
        let rng = RandomGenerator(seed: 5)
        for _ in 0..<epochs {
            for start in stride(from: 0, to: 1000, by: 50) {
                rbm.contrastiveDivergenceStep(Tensor(train.subset(Array(start..<start + 50)).pixels, shape: [50, 784]), using: rng)
            }
        }
        return rbm
    }

    /// AIS from the base-rate model agrees with log Z enumerated over all 2^12 hidden states.
    func testAISMatchesExactLogPartition() throws {
        let rbm = try smallTrainedRBM(hidden: 12, epochs: 10)
        let exact = AnnealedImportanceSampling.exactLogPartition(rbm)
        let estimate = AnnealedImportanceSampling.logPartition(rbm, chains: 100, temperatures: 2000, seed: 9)
        // The base-rate model's log Z alone is far off, so agreement is AIS's doing.
        let base = 12 * log(2.0) + rbm.baseRateBias.scalars.reduce(0) { $0 + log1p(exp(Double($1))) }
        print("exact_log_z=\(exact) ais_log_z=\(estimate.logZ) ais_std_error=\(estimate.standardError) base_rate_log_z=\(base)")
        XCTAssertGreaterThan(abs(exact - base), 5, "the trained machine should differ from the base rate")
        XCTAssertEqual(estimate.logZ, exact, accuracy: 0.1)
        XCTAssertLessThan(estimate.standardError, 0.1)
    }

    /// The exact log Z of a machine without weights is the closed form of independent units.
    func testExactLogPartitionOfIndependentUnits() throws {
        let rbm = try smallTrainedRBM(hidden: 3, epochs: 0)
        rbm.weight.assign([Float](repeating: 0, count: rbm.weight.count))
        rbm.hiddenBias.assign([0.5, -1, 2])
        let expected = rbm.visibleBias.scalars.reduce(0) { $0 + log1p(exp(Double($1))) } + [0.5, -1.0, 2].reduce(0) { $0 + log1p(exp($1)) }
        XCTAssertEqual(AnnealedImportanceSampling.exactLogPartition(rbm), expected, accuracy: 1e-6)
    }

    /// Training raises the held-out pseudo-likelihood well above the base-rate start, and persistent
    /// CD-k trains too.
    func testTrainingImprovesPseudoLikelihood() throws {
        let dir = try TemporaryDirectory()
        for persistent in [false, true] {
            var config = RBMConfig()
            config.hidden = 64; config.epochs = 2; config.batchSize = 50; config.cdSteps = persistent ? 2 : 1
            config.persistent = persistent; config.learningRate = 0.1
            let trainer = try RBMTrainer(config: config, datasets: datasetsDirectory, outputPath: dir.file("rbm.h5"), resume: false,
                                         trainingLimit: 2000)
            let before = trainer.rbm.pseudoLogLikelihood(trainer.heldOut, bitsPerImage: 4)
            var records: [[String: Double]] = []
            XCTAssertEqual(try trainer.run(epochFinished: { records.append($0) }), .finished)
            let after = records.last!["heldout_pseudo_log_likelihood"]!
            XCTAssertGreaterThan(after, before + 25, "persistent \(persistent): \(before) -> \(after)")
            XCTAssertLessThan(records.last!["reconstruction_error"]!, records.first!["reconstruction_error"]! + 1)
            let loaded = try RBMFile.load(from: dir.file("rbm.h5"))
            XCTAssertEqual(loaded.rbm.weight.scalars, trainer.rbm.weight.scalars)
            XCTAssertEqual(loaded.rbm.chains?.scalars, trainer.rbm.chains?.scalars)
            XCTAssertTrue(RBMFile.holdsRBM(dir.file("rbm.h5")))
        }
    }

    /// Stopped mid-epoch and resumed, a PCD run ends bit for bit where an uninterrupted one does.
    func testResumeIsExact() throws {
        let dir = try TemporaryDirectory()
        var config = RBMConfig()
        config.hidden = 16; config.epochs = 2; config.batchSize = 100; config.persistent = true; config.cdSteps = 2
        let straight = try RBMTrainer(config: config, datasets: datasetsDirectory, outputPath: dir.file("a.h5"), resume: false, trainingLimit: 500)
        try straight.run()

        let first = try RBMTrainer(config: config, datasets: datasetsDirectory, outputPath: dir.file("b.h5"), resume: false, trainingLimit: 500)
        var steps = 0
        let outcome = try first.run(progress: { _ in
            steps += 1
            if steps == 7 { StopSignal.request() }
        })
        XCTAssertEqual(outcome, .interrupted)
        let resumed = try RBMTrainer(config: nil, datasets: datasetsDirectory, outputPath: dir.file("b.h5"), resume: true, trainingLimit: 500)
        XCTAssertEqual(try resumed.run(), .finished)
        XCTAssertEqual(resumed.rbm.weight.scalars, straight.rbm.weight.scalars)
        XCTAssertEqual(resumed.rbm.hiddenBias.scalars, straight.rbm.hiddenBias.scalars)
        XCTAssertEqual(resumed.rbm.chains?.scalars, straight.rbm.chains?.scalars)
        for column in ["reconstruction_error", "heldout_pseudo_log_likelihood", "epoch"] {
            XCTAssertEqual(resumed.loop.history.column(column), straight.loop.history.column(column), column)
        }
    }

    func testOptionsAreValidated() throws {
        var config = RBMConfig()
        config.cdSteps = 0
        XCTAssertThrowsError(try config.validate()) { XCTAssertTrue("\($0)".hasPrefix("--cd-steps")) }
        config = RBMConfig(); config.momentum = 1
        XCTAssertThrowsError(try config.validate()) { XCTAssertTrue("\($0)".hasPrefix("--momentum")) }
        config = RBMConfig(); config.batchSize = 5000
        XCTAssertThrowsError(try RBMTrainer(config: config, datasets: datasetsDirectory, outputPath: "/tmp/unused.h5", resume: false, trainingLimit: 100)) {
            XCTAssertTrue("\($0)".hasPrefix("--batch-size"))
        }
    }

    /// Gibbs samples of a trained machine look like the data: their pixel mean is near the
    /// training set's, far from the uniform start's 0.5; the chain picture has one frame per step shown.
    func testGibbsSamplesAndPictures() throws {
        let rbm = try smallTrainedRBM(hidden: 32, epochs: 3)
        let means = rbm.gibbsSample(count: 20, steps: 200, using: RandomGenerator(seed: 2)).scalars
        let meanPixel = means.reduce(0, +) / Float(means.count)
        XCTAssertLessThan(meanPixel, 0.3)
        let grid = RBMPictures.samples(rbm, count: 20, steps: 10, seed: 1)
        XCTAssertEqual(grid.width, 10 * 28 + 11 * 2)
        XCTAssertEqual(grid.height, 2 * 28 + 3 * 2)
        let chain = RBMPictures.chain(rbm, frames: 5, steps: 50, seed: 1)
        XCTAssertEqual(chain.width, 5 * 28 + 6 * 2)
    }
}

final class RBMFeatureTests: XCTestCase {
    /// The digits example: both classifiers learn (chance is 0.1), and the RBM's features carry the
    /// digit (a machine that learned nothing would give features near constant).
    func testDigitsFeaturesClassify() throws {
        let dir = try TemporaryDirectory()
        let figures = Dictionary(uniqueKeysWithValues: try RBMFeatureExample.run(datasets: datasetsDirectory, modelPath: dir.file("digits.h5"), epochs: 5).map { ($0.name, $0.value) })
        print(figures)
        XCTAssertGreaterThan(figures["raw_pixel_accuracy"]!, 0.85)
        XCTAssertGreaterThan(figures["rbm_feature_accuracy"]!, 0.75)
        XCTAssertTrue(RBMFile.holdsRBM(dir.file("digits.h5")))
    }
}
