@testable import Autoencoders
import Engine
import Foundation
import ImageModels
import Storage
import Training
import XCTest

/// The repository root (tests read the shipped data in datasets/ and classifiers in models/).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let datasetsDirectory = repositoryRoot.appendingPathComponent("datasets").path
let modelsDirectory = repositoryRoot.appendingPathComponent("models").path

/// A fresh directory per test, removed afterwards.
final class TemporaryDirectory {
    let path: String
    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("AutoencodersTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The error of the best constant guess: every held-out image reconstructed as the training
/// images' mean image. A model that learned nothing (or a decoder that ignores its code) cannot
/// beat it by much.
func meanImageError(_ train: ImageSet, _ heldOut: ImageSet) -> Double {
    let d = train.pixelsPerImage
    var mean = [Double](repeating: 0, count: d)
    for i in 0..<train.count { for j in 0..<d { mean[j] += Double(train.pixels[i * d + j]) / Double(train.count) } }
    var total = 0.0
    for i in 0..<heldOut.count { for j in 0..<d { let e = Double(heldOut.pixels[i * d + j]) - mean[j]; total += e * e } }
    return total / Double(heldOut.count * d)
}

/// Mean of (a - b)² over all values.
func squaredDistance(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(max(a.count, 1))
}

final class AutoencoderTests: XCTestCase {
    /// Trains `kind` on the first `limit` MNIST training images for `epochs` and returns its
    /// held-out reconstruction error beside the mean image's.
    func trainBriefly(_ kind: AutoencoderKind, epochs: Int, limit: Int = 2000, data: ImageDataSource = .mnist,
                      configure: (inout AutoencoderConfig) -> Void = { _ in }) throws -> (trainer: AutoencoderTrainer, error: Double, baseline: Double) {
        let dir = try TemporaryDirectory()
        var config = AutoencoderConfig.defaults(for: kind, data: data)
        config.epochs = epochs
        configure(&config)
        let trainer = try AutoencoderTrainer(config: config, datasets: datasetsDirectory, outputPath: dir.file("\(kind.rawValue).h5"),
                                             resume: false, trainingLimit: limit)
        let start = Date()
        try trainer.run()
        let error = reconstructionError(trainer.model, trainer.heldOut)
        let baseline = meanImageError(trainer.train, trainer.heldOut)
        print("\(kind.rawValue): reconstruction_mse=\(error) mean_image_mse=\(baseline) seconds=\(Date().timeIntervalSince(start))")
        return (trainer, error, baseline)
    }

    func testMLPAutoencoderReconstructs() throws {
        let (_, error, baseline) = try trainBriefly(.ae, epochs: 2, limit: 8000)
        XCTAssertLessThan(error, 0.45 * baseline)
    }

    func testConvolutionalAutoencoderReconstructs() throws {
        let (_, error, baseline) = try trainBriefly(.cae, epochs: 3, limit: 4000)
        XCTAssertLessThan(error, 0.5 * baseline)
    }

    func testRecurrentAutoencoderReconstructs() throws {
        let (_, error, baseline) = try trainBriefly(.rae, epochs: 4, limit: 4000)
        XCTAssertLessThan(error, 0.75 * baseline)
    }

    /// Both corruptions: the network removes much of the noise it was trained against.
    func testDenoisingAutoencoderRemovesNoise() throws {
        for noise in CorruptionNoise.allCases {
            let (trainer, error, baseline) = try trainBriefly(.dae, epochs: 2, limit: 8000) { $0.noise = noise; $0.noiseLevel = 0.4 }
            XCTAssertLessThan(error, 0.6 * baseline, "\(noise)")
            let heldOut = trainer.heldOut
            var corrupted = heldOut
            corrupted.pixels = corrupt(heldOut.tensor, noise: noise, level: 0.4, using: RandomGenerator(seed: 3)).scalars
            let noisyError = squaredDistance(heldOut.pixels, corrupted.pixels)
            let denoisedError = squaredDistance(heldOut.pixels, trainer.model.reconstruct(corrupted))
            print("dae \(noise): corrupted_input_mse=\(noisyError) denoised_mse=\(denoisedError)")
            XCTAssertLessThan(denoisedError, 0.8 * noisyError, "\(noise)")
            XCTAssertLessThan(denoisedError, 0.6 * baseline, "\(noise)")
        }
    }

    /// Pre-training touches only the pair of its stage; then fine-tuning trains the whole stack
    /// to a good reconstruction.
    func testStackedAutoencoderPretrainsPairByPair() throws {
        var config = AutoencoderConfig.defaults(for: .sae, data: .mnist)
        config.hidden = [128, 64]
        let model = try makeAutoencoder(config)
        let before = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0.tensor.scalars) })
        let images = try ImageDataSource.mnist.load(from: datasetsDirectory).train.batch(Array(0..<64))
        _ = model.trainStep(AutoencoderBatch(images: images), stage: 1, using: RandomGenerator(seed: 1))
        let changed = Set(model.parameters.filter { before[$0.name]! != $0.tensor.scalars }.map(\.name))
        XCTAssertEqual(changed, ["encoder.1.weight", "encoder.1.bias", "decoder.1.weight", "decoder.1.bias"])

        let (trainer, error, baseline) = try trainBriefly(.sae, epochs: 6, limit: 8000) { $0.hidden = [128, 64]; $0.pretrainEpochs = 1 }
        XCTAssertEqual((0..<6).map { trainer.stage(epoch: $0) }, [0, 1, 2, nil, nil, nil])
        XCTAssertLessThan(error, 0.55 * baseline)
    }

    /// The linear autoencoder's decoder spans PCA's top-k subspace, and its reconstruction error
    /// is PCA's (the best any rank-k linear map can do).
    func testLinearAutoencoderMatchesPCA() throws {
        let (trainer, _, _) = try trainBriefly(.linearAE, epochs: 30, limit: 8000)
        let comparison = try LinearAutoencoderComparison(trainer.model as! MLPAutoencoder, train: trainer.train, heldOut: trainer.heldOut)
        print("linear-ae: largest_principal_angle_deg=\(comparison.anglesInDegrees.max()!) autoencoder_mse=\(comparison.autoencoderError) pca_mse=\(comparison.pcaError)")
        XCTAssertLessThan(comparison.anglesInDegrees.max()!, 8)
        XCTAssertEqual(comparison.autoencoderError, comparison.pcaError, accuracy: 0.02 * comparison.pcaError)
        XCTAssertGreaterThanOrEqual(comparison.autoencoderError, comparison.pcaError * 0.999)
    }

    /// The recurrent autoencoder reads rows: step t of example b is row t of image b, and the
    /// writer's rows go back to the same places.
    func testRecurrentAutoencoderReadsRowByRow() {
        let images = Tensor((0..<2 * 3 * 4).map(Float.init), shape: [2, 3, 4, 1])   // b, y, x -> 12b + 4y + x
        let rows = RecurrentAutoencoder.rows(of: images)
        XCTAssertEqual(rows.shape, [3, 2, 4])
        for t in 0..<3 { for b in 0..<2 { for x in 0..<4 { XCTAssertEqual(rows.scalars[(t * 2 + b) * 4 + x], Float(12 * b + 4 * t + x)) } } }
        XCTAssertEqual(RecurrentAutoencoder.images(fromRows: rows).scalars, images.scalars)
        XCTAssertEqual(RecurrentAutoencoder.images(fromRows: rows).shape, images.shape)
    }

    /// The recurrent autoencoder's row permutations (reshapes and transposes, [B, H, W] <-> [H, B, W])
    /// pass gradients back to the right pixels: backward against central finite differences.
    func testRecurrentAutoencoderGradientMatchesFiniteDifferences() throws {
        var config = AutoencoderConfig.defaults(for: .rae, data: .digits)
        config.height = 3; config.width = 4; config.code = 2; config.recurrentSize = 5
        let model = try makeAutoencoder(config)
        let rng = RandomGenerator(seed: 11)
        let images = Tensor.randomUniform([2, 3, 4, 1], low: 0, high: 1, using: rng)
        let target = Tensor.randomUniform([2, 3, 4, 1], low: 0, high: 1, using: rng)
        func loss(_ x: Tensor) -> Tensor { meanSquaredError(model.decode(model.encode(x)), target) }
        images.setRequiresGrad(true)
        let tape = Tape()
        tape.backward(tape.record { loss(images) })
        let analytic = images.grad!.scalars
        let epsilon: Float = 1e-2
        for i in 0..<images.count {
            var plus = images.scalars, minus = images.scalars
            plus[i] += epsilon; minus[i] -= epsilon
            let numeric = (loss(Tensor(plus, shape: images.shape)).item - loss(Tensor(minus, shape: images.shape)).item) / (2 * epsilon)
            XCTAssertEqual(analytic[i], numeric, accuracy: 2e-3 + 0.02 * abs(numeric), "pixel \(i)")
        }
        XCTAssertGreaterThan(analytic.map(abs).max()!, 1e-4, "the loss should depend on the pixels")
    }

    /// Principal angles of known subspaces: a plane against itself in another basis (0), against a
    /// plane sharing one axis and turned 30° on the other.
    func testPrincipalAnglesOfKnownPlanes() {
        let plane = [1.0, 0, 0, 0, 0, 1, 0, 0]
        let sameInAnotherBasis = [1.0, 1, 0, 0, 2, -1, 0, 0]
        let turned = [1.0, 0, 0, 0, 0, cos(Double.pi / 6), sin(Double.pi / 6), 0]
        XCTAssertEqual(principalAngles(plane, sameInAnotherBasis, count: 2, dimension: 4).max()!, 0, accuracy: 1e-6)
        let angles = principalAngles(plane, turned, count: 2, dimension: 4)
        XCTAssertEqual(angles[0], 0, accuracy: 1e-6)
        XCTAssertEqual(angles[1], Double.pi / 6, accuracy: 1e-6)
    }

    /// Swapping styles keeps the digit far more often than chance, by the target style's classifier.
    func testSwapKeepsTheClass() throws {
        let (trainer, error, baseline) = try trainBriefly(.swap, epochs: 3, limit: 4000)
        XCTAssertLessThan(error, 0.5 * baseline)
        let file = trainer.file
        let figures = Dictionary(uniqueKeysWithValues: try AutoencoderEvaluation.score(file, datasets: datasetsDirectory) { data in
            try ImageEvaluation.loadClassifier(ImageEvaluation.classifierPath(for: data, modelsDirectory: modelsDirectory))
        }.map { ($0.name, $0.value) })
        print("swap: \(figures)")
        XCTAssertGreaterThan(figures["class_kept_a_to_b"]!, 0.2)   // chance: 0.1
        XCTAssertGreaterThan(figures["class_kept_b_to_a"]!, 0.2)
    }

    /// A run stopped mid-epoch and resumed ends with the same weights as an uninterrupted run,
    /// across sae's change of stage; the saved file loads back bit for bit.
    func testResumeContinuesExactly() throws {
        let dir = try TemporaryDirectory()
        var config = AutoencoderConfig.defaults(for: .sae, data: .digits)
        config.hidden = [32]; config.pretrainEpochs = 1; config.epochs = 3; config.batchSize = 32
        let whole = dir.file("whole.h5"), parts = dir.file("parts.h5")
        try AutoencoderTrainer(config: config, datasets: datasetsDirectory, outputPath: whole, resume: false).run()

        var steps = 0
        let first = try AutoencoderTrainer(config: config, datasets: datasetsDirectory, outputPath: parts, resume: false)
        let outcome = try first.run(progress: { _ in steps += 1; if steps == 50 { StopSignal.request() } })
        XCTAssertEqual(outcome, .interrupted)
        XCTAssertEqual(try AutoencoderFile.load(from: parts).position?.completedEpochs, 1)
        XCTAssertEqual(try AutoencoderTrainer(config: nil, datasets: datasetsDirectory, outputPath: parts, resume: true).run(), .finished)

        let a = try AutoencoderFile.load(from: whole), b = try AutoencoderFile.load(from: parts)
        XCTAssertEqual(a.model.parameters.map(\.name), b.model.parameters.map(\.name))
        for (p, q) in zip(a.model.parameters, b.model.parameters) { XCTAssertEqual(p.tensor.scalars, q.tensor.scalars, p.name) }
        XCTAssertEqual(a.history.column("validation_loss"), b.history.column("validation_loss"))
        XCTAssertEqual(a.position?.completedEpochs, 3)

        // Saved and loaded again: the same arrays, the same Adam state.
        let copy = dir.file("copy.h5")
        try b.save(to: copy)
        XCTAssertEqual(try Checkpoint.load(from: copy), try Checkpoint.load(from: parts))
        XCTAssertTrue(AutoencoderFile.holdsAutoencoder(copy))
        XCTAssertEqual(try Checkpoint.load(from: copy).kind, "sae")
    }

    /// Every kind saves and loads to the same reconstructions.
    func testEveryKindRoundTripsThroughItsFile() throws {
        let dir = try TemporaryDirectory()
        let images = try ImageDataSource.mnist.load(from: datasetsDirectory).heldOut.subset(Array(0..<20))
        for kind in AutoencoderKind.allCases {
            let model = try makeAutoencoder(AutoencoderConfig.defaults(for: kind, data: .mnist))
            let path = dir.file("\(kind.rawValue).h5")
            try AutoencoderFile(model: model).save(to: path)
            let loaded = try AutoencoderFile.load(from: path)
            XCTAssertEqual(loaded.config, model.config)
            XCTAssertEqual(loaded.model.reconstruct(images), model.reconstruct(images), kind.rawValue)
        }
    }

    /// Bad settings and files are errors that name the option or file.
    func testBadSettingsAreNamedErrors() throws {
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        var c = AutoencoderConfig.defaults(for: .dae, data: .mnist)
        c.noiseLevel = 1.5
        XCTAssertTrue(message { try c.validate() }.hasPrefix("--noise-level"))
        var s = AutoencoderConfig.defaults(for: .sae, data: .mnist)
        s.epochs = 4
        XCTAssertTrue(message { try s.validate() }.hasPrefix("--epochs"))
        var l = AutoencoderConfig.defaults(for: .linearAE, data: .mnist)
        l.code = 785
        XCTAssertTrue(message { try l.validate() }.hasPrefix("--latent"))
        var k = AutoencoderConfig.defaults(for: .cae, data: .digits28)
        k.height = 30; k.width = 30
        XCTAssertTrue(message { try k.validate() }.hasPrefix("--data"))
        let dir = try TemporaryDirectory()
        let notAModel = dir.file("empty.h5")
        try Checkpoint(kind: "rbm", config: "{}", parameters: [:]).save(to: notAModel)
        XCTAssertTrue(message { _ = try AutoencoderFile.load(from: notAModel) }.contains(notAModel))
        XCTAssertFalse(AutoencoderFile.holdsAutoencoder(notAModel))
        XCTAssertTrue(message { _ = try AutoencoderTrainer(config: nil, datasets: datasetsDirectory, outputPath: dir.file("none.h5"), resume: true) }.contains("none.h5"))
    }
}
