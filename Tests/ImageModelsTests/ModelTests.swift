import Engine
import Foundation
@testable import ImageModels
import NN
import Training
import XCTest

final class ModelTests: XCTestCase {
    /// A small configuration of every model on 8x8 digits (CycleGAN: 28x28), quick to step.
    func smallConfig(_ kind: ImageModelKind) -> ImageModelConfig {
        var c = ImageModelConfig.defaults(for: kind, data: .digits)
        c.hidden = [32, 16]; c.channels = 4; c.batchSize = 8; c.latent = kind == .infogan ? 6 : 4; c.labels = 20
        return c
    }

    func testEveryModelTakesAFiniteStepAndGeneratesImagesInRange() throws {
        let digits = try ImageDataSource.digits.load(from: datasetsDirectory).train
        let big = try ImageDataSource.digits28.load(from: datasetsDirectory).train
        for kind in ImageModelKind.allCases {
            let config = smallConfig(kind)
            let model = try makeImageModel(config)
            let source = kind == .cyclegan ? big : digits
            let batch = TrainingBatch(images: source.batch(Array(0..<8)), labels: Array(source.labels.prefix(8)),
                                      extra: (source.batch(Array(8..<16)), Array(source.labels[8..<16])))
            let before = model.parameters.map { $0.tensor.scalars }
            let rng = RandomGenerator(seed: 1)
            let terms = model.trainStep(kind == .cyclegan ? TrainingBatch(images: mnistSplit.train.batch(Array(0..<8)), labels: [], extra: batch.extra) : batch,
                                        using: rng)
            XCTAssertFalse(terms.isEmpty, "\(kind)")
            for (name, value) in terms { XCTAssertTrue(value.isFinite, "\(kind) \(name) = \(value)") }
            let changed = zip(before, model.parameters.map { $0.tensor.scalars }).filter { $0 != $1 }.count
            XCTAssertEqual(changed, model.parameters.count, "\(kind): every parameter moves in a step")
            XCTAssertTrue(model.parameters.allSatisfy { $0.tensor.grad == nil }, "\(kind): gradients are cleared")
            if let images = model.generate(count: 10, labels: kind.takesLabel ? Array(0..<10) : nil, using: rng) {
                XCTAssertEqual(images.shape, [10, config.height, config.width, 1], "\(kind)")
                XCTAssertTrue(images.scalars.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(kind)")
            } else {
                XCTAssertTrue([.cyclegan, .classifier].contains(kind), "\(kind) should generate")
            }
        }
    }

    func testModelFileRoundTripsParametersOptimizerAndState() throws {
        let dir = try TemporaryDirectory()
        for kind in [ImageModelKind.cvae, .infogan, .cyclegan] {
            let config = smallConfig(kind)
            let trainer = try ImageTrainer(config: config, datasets: datasetsDirectory, outputPath: dir.file("\(kind).h5"), resume: false,
                                           epochs: 1, trainingLimit: 32)
            XCTAssertEqual(try trainer.run(), .finished)
            let loaded = try ImageModelFile.load(from: dir.file("\(kind).h5"))
            XCTAssertEqual(loaded.config, config)
            XCTAssertEqual(loaded.position, trainer.file.position)
            XCTAssertEqual(loaded.history, trainer.file.history)
            for ((n1, t1), (n2, t2)) in zip(trainer.model.state, loaded.model.state) {
                XCTAssertEqual(n1, n2)
                XCTAssertEqual(t1.scalars, t2.scalars, "\(kind) \(n1)")
            }
            for (a, b) in zip(trainer.model.optimizers, loaded.model.optimizers) {
                XCTAssertEqual(a.adam.step, b.adam.step)
                XCTAssertEqual(a.adam.firstMoments.keys.sorted(), b.adam.firstMoments.keys.sorted())
                for (name, m) in a.adam.secondMoments { XCTAssertEqual(m.scalars, b.adam.secondMoments[name]?.scalars) }
            }
            // Weights-only files load for use but carry nothing to resume.
            try trainer.file.save(to: dir.file("w.h5"), weightsOnly: true)
            let light = try ImageModelFile.load(from: dir.file("w.h5"))
            XCTAssertNil(light.position)
            XCTAssertEqual(light.model.state.map { $0.tensor.scalars }, trainer.model.state.map { $0.tensor.scalars })
            XCTAssertNotNil(imageModelError { try ImageTrainer(config: nil, datasets: datasetsDirectory, outputPath: dir.file("w.h5"), resume: true) })
        }
    }

    func testResumeAfterAnInterruptionContinuesExactly() throws {
        let dir = try TemporaryDirectory()
        var config = smallConfig(.vae)
        config.batchSize = 16
        // Straight through: 2 epochs of 4 batches.
        let straight = try ImageTrainer(config: config, datasets: datasetsDirectory, outputPath: dir.file("a.h5"), resume: false, epochs: 2, trainingLimit: 64)
        try straight.run()
        // Interrupted after 3 batches of epoch 1, resumed to 1 epoch, then to 2.
        let first = try ImageTrainer(config: config, datasets: datasetsDirectory, outputPath: dir.file("b.h5"), resume: false, epochs: 2, trainingLimit: 64)
        var seen = 0
        XCTAssertEqual(try first.run(progress: { _ in seen += 1; if seen == 3 { StopSignal.request() } }), .interrupted)
        XCTAssertEqual(try ImageModelFile.load(from: dir.file("b.h5")).position?.batchesDone, 3)
        let middle = try ImageTrainer(config: nil, datasets: datasetsDirectory, outputPath: dir.file("b.h5"), resume: true, epochs: 1, trainingLimit: 64)
        XCTAssertEqual(try middle.run(), .finished)
        let last = try ImageTrainer(config: nil, datasets: datasetsDirectory, outputPath: dir.file("b.h5"), resume: true, epochs: 2, trainingLimit: 64)
        XCTAssertEqual(try last.run(), .finished)
        XCTAssertEqual(last.model.state.map { $0.tensor.scalars }, straight.model.state.map { $0.tensor.scalars })
        XCTAssertEqual(last.file.position, straight.file.position)
    }

    func testVAELearnsTheDigits() throws {
        var config = ImageModelConfig.defaults(for: .vae, data: .digits)
        config.epochs = 8
        let dir = try TemporaryDirectory()
        let trainer = try ImageTrainer(config: config, datasets: datasetsDirectory, outputPath: dir.file("vae.h5"), resume: false)
        guard let vae = trainer.model as? VAE else { return XCTFail("not a VAE") }
        let before = vae.evidenceLowerBound(trainer.data.heldOut, using: RandomGenerator(seed: 1))
        var records: [[String: Double]] = []
        try trainer.run(epochFinished: { records.append($0) })
        let after = vae.evidenceLowerBound(trainer.data.heldOut, using: RandomGenerator(seed: 1))
        XCTAssertLessThan(before, -40)   // 64 pixels at ~0.69 nats each, untrained
        XCTAssertGreaterThan(after, before + 15, "held-out ELBO \(before) -> \(after)")
        XCTAssertEqual(records.count, 8)
        XCTAssertEqual(records.last?["heldout_elbo"] ?? 0, after, accuracy: 2)
    }

    func testSemiSupervisedLossMarginalisesTheDecoderOverClasses() throws {
        let config = smallConfig(.ssvae)
        guard let model = try makeImageModel(config) as? SemiSupervisedVAE else { return XCTFail("not an SSVAE") }
        let images = Tensor.randomUniform([3, 8, 8, 1], low: 0, high: 1, using: RandomGenerator(seed: 5))
        let terms = Tape.withoutRecording { model.unlabelledTerms(images, using: RandomGenerator(seed: 9)) }
        // The same z by hand (encode draws nothing; reparameterize draws ε from the same generator).
        let rng = RandomGenerator(seed: 9)
        let (mean, logVariance, logits) = model.encode(images, using: rng)
        let z = reparameterize(mean: mean, logVariance: logVariance, using: rng)
        let q = logits.softmax()
        var expected = 0.0, entropy = 0.0
        for y in 0..<10 {
            let rec = reconstructionLoss(logits: model.decodeLogits(z, labels: [y, y, y], using: rng), targets: images.reshaped([3, 64]), config: config)
            for b in 0..<3 {
                let p = Double(q.pointer[b * 10 + y])
                expected += p * Double(rec.pointer[b]) / 3
                entropy -= p * log(p) / 3
            }
        }
        XCTAssertEqual(Double(terms.rec.item), expected, accuracy: 1e-3 * expected)
        XCTAssertEqual(-Double(terms.negativeEntropy.item), entropy, accuracy: 1e-5)
    }

    func testBalancedLabelledSubset() throws {
        let labels = mnistSplit.train.labels
        let chosen = try ImageTrainingData.balancedLabelled(labels, count: 100, seed: 1)
        XCTAssertEqual(chosen.count, 100)
        var counts = [Int](repeating: 0, count: 10)
        for i in chosen { counts[labels[i]] += 1 }
        XCTAssertEqual(counts, [Int](repeating: 10, count: 10))
        XCTAssertEqual(try ImageTrainingData.balancedLabelled(labels, count: 100, seed: 1), chosen)
        XCTAssertNotEqual(try ImageTrainingData.balancedLabelled(labels, count: 100, seed: 2), chosen)
        XCTAssertEqual(try ImageTrainingData.balancedLabelled(labels, count: 105, seed: 1).count, 105)
        XCTAssertNotNil(imageModelError { try ImageTrainingData.balancedLabelled(labels, count: 5, seed: 1) })
    }

    func testSaturationExperimentShowsTheMinimaxGradientVanishingOnceDWins() throws {
        let result = try SaturationExperiment.run(datasets: datasetsDirectory, steps: 2, seed: 3, discriminatorWarmup: 30)
        let minimax = result.gradientNorms[.minimax]!, nonsaturating = result.gradientNorms[.nonsaturating]!
        XCTAssertEqual(minimax.count, 2)
        // Same weights and batches up to the first generator step: D rejects the fakes equally…
        XCTAssertEqual(result.discriminatorOnFakes[.minimax]![0], result.discriminatorOnFakes[.nonsaturating]![0], accuracy: 1e-6)
        XCTAssertLessThan(result.discriminatorOnFakes[.minimax]![0], 0.1)
        // …and only the minimax gradient has all but vanished.
        XCTAssertLessThan(minimax[0] * 10, nonsaturating[0])
        XCTAssertEqual(SaturationExperiment.plot(result).svg.components(separatedBy: "<polyline").count - 1, 2)
    }

    func testMinimaxGeneratorLossSaturatesWhereNonSaturatingDoesNot() {
        // D confidently rejects the fakes: logits far below zero.
        for (kind, expected) in [(GeneratorLoss.minimax, Float(1 / (1 + exp(8.0)))), (.nonsaturating, Float(-1 / (1 + exp(-8.0))))] {
            let logits = Tensor(repeating: -8, shape: [4, 1])
            logits.setRequiresGrad(true)
            let tape = Tape()
            tape.backward(tape.record { generatorLoss(logits, kind) })
            // d loss / d logit per example, times the batch size.
            XCTAssertEqual(logits.grad!.pointer[0] * 4, kind == .minimax ? -expected : expected, accuracy: 1e-5, "\(kind)")
        }
    }
}
