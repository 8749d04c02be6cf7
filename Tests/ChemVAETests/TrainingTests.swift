import Datasets
import Engine
import NN
import Training
import XCTest
@testable import ChemVAE

final class TrainingTests: XCTestCase {
    func tinyConfig() -> ChemVAEConfig {
        var c = ChemVAEConfig.preset(.tiny, vocabularySize: 40, maxLength: 60)
        c.latentSize = 32; c.decoderHidden = 128; c.encoderHidden = 128
        c.learningRate = 3e-3; c.klWeight = 1e-3; c.batchSize = 25
        return c
    }

    /// The brief's bar: a tiny model overfits 50 molecules to at least 95% exact reconstruction.
    func testTinyModelOverfitsFiftyMolecules() throws {
        let data = try makeDataset(try mosesSmiles(50), properties: false)
        let dir = try temporaryDirectory()
        var options = TrainingOptions(epochs: 200)
        options.reconstructionSamples = 50
        var config = tinyConfig()
        config.learningRate = 6e-3; config.batchSize = 10
        let trainer = try ChemVAETrainer(config: config, training: data, validation: data, options: options,
                                         outputPath: dir.appendingPathComponent("tiny.h5").path, resume: false)
        let start = Date()
        var epochs = 0
        // Stop as soon as the validation pass (the same 50 molecules) reconstructs 96% exactly.
        _ = try trainer.run(epochFinished: { record in
            epochs = Int(record["epoch"]!)
            if record["validation_reconstruction_accuracy"]! >= 0.96 { StopSignal.request() }
        })
        let exact = trainer.reconstructionMatches(Array(0..<50), from: data)
        print("overfit: \(exact)/50 exact after \(epochs) epochs in \(Date().timeIntervalSince(start)) s")
        XCTAssertGreaterThanOrEqual(exact, 48)
    }

    /// Two epochs straight, and one epoch + resume + one, give bit-identical parameters; so does
    /// an interruption in the middle of an epoch.
    func testResumeContinuesExactly() throws {
        let data = try makeDataset(try mosesSmiles(80))
        let dir = try temporaryDirectory()
        var c = tinyConfig()
        c.batchSize = 16
        c.klSchedule = .linear(warmupEpochs: 2)
        c.propertyDropout = 0.2
        func options(_ epochs: Int) -> TrainingOptions {
            var o = TrainingOptions(epochs: epochs)
            o.seed = 5; o.validationFraction = 0.1; o.reconstructionSamples = 4
            return o
        }
        let straight = dir.appendingPathComponent("straight.h5").path
        _ = try ChemVAETrainer(config: c, training: data, validation: nil, options: options(2), outputPath: straight, resume: false).run()

        let split = dir.appendingPathComponent("split.h5").path
        _ = try ChemVAETrainer(config: c, training: data, validation: nil, options: options(1), outputPath: split, resume: false).run()
        _ = try ChemVAETrainer(config: nil, training: data, validation: nil, options: options(2), outputPath: split, resume: true).run()

        let interrupted = dir.appendingPathComponent("interrupted.h5").path
        let first = try ChemVAETrainer(config: c, training: data, validation: nil, options: options(2), outputPath: interrupted, resume: false)
        let outcome = try first.run(progress: { p in if p.epoch == 2 && p.batch == 2 { StopSignal.request() } })
        XCTAssertEqual(outcome, .interrupted)
        XCTAssertEqual(try ChemVAEModel.load(from: interrupted).position?.batchesDone, 2)
        _ = try ChemVAETrainer(config: nil, training: data, validation: nil, options: options(2), outputPath: interrupted, resume: true).run()

        let a = try ChemVAEModel.load(from: straight), b = try ChemVAEModel.load(from: split), d = try ChemVAEModel.load(from: interrupted)
        XCTAssertEqual(a.model.snapshot(), b.model.snapshot())
        XCTAssertEqual(a.model.snapshot(), d.model.snapshot())
        XCTAssertEqual(a.optimizer?.step, d.optimizer?.step)
        XCTAssertEqual(a.history.count, 2)
        XCTAssertEqual(a.history.column("validation_loss"), b.history.column("validation_loss"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: ChemVAETrainer.bestPath(for: straight)))
    }

    func testNonFiniteLossStopsWithAClearErrorAndKeepsTheLastCheckpoint() throws {
        let data = try makeDataset(try mosesSmiles(40))
        let path = try temporaryDirectory().appendingPathComponent("nan.h5").path
        var o = TrainingOptions(epochs: 1)
        o.reconstructionSamples = 0
        _ = try ChemVAETrainer(config: tinyConfig(), training: data, validation: nil, options: o, outputPath: path, resume: false).run()
        let good = try ChemVAEModel.load(from: path).model.snapshot()
        o.epochs = 2
        let trainer = try ChemVAETrainer(config: nil, training: data, validation: nil, options: o, outputPath: path, resume: true)
        trainer.bundle.model.parameters[0].tensor.pointer[0] = .nan
        XCTAssertThrowsError(try trainer.run()) { error in
            guard case TrainingError.nonFinite(epoch: 2, step: 1, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("last good checkpoint is intact"))
        }
        XCTAssertEqual(try ChemVAEModel.load(from: path).model.snapshot(), good)
    }

    /// One epoch of the tiny model on 30 MOSES molecules, saved for the resume tests.
    private func trainOneEpoch() throws -> (path: String, data: MoleculeDataset, options: TrainingOptions) {
        let path = try temporaryDirectory().appendingPathComponent("m.h5").path
        let data = try makeDataset(try mosesSmiles(30))
        var o = TrainingOptions(epochs: 1)
        o.reconstructionSamples = 0
        _ = try ChemVAETrainer(config: tinyConfig(), training: data, validation: nil, options: o, outputPath: path, resume: false).run()
        return (path, data, o)
    }

    func testResumeCanChangeTheKLScheduleAndSavesIt() throws {
        let (path, data, firstOptions) = try trainOneEpoch()
        var o = firstOptions
        XCTAssertLessThan(try ChemVAEModel.load(from: path).position!.bestValidationLoss, .infinity)
        o.epochs = 2; o.klWeight = 0.2; o.klSchedule = .linear(warmupEpochs: 1.5)
        var firstBeta = 0.0, lastBeta = 0.0
        _ = try ChemVAETrainer(config: nil, training: data, validation: nil, options: o, outputPath: path, resume: true)
            .run(progress: { if $0.batch == 1 { firstBeta = $0.terms["beta"]! } }, epochFinished: { lastBeta = $0["beta"]! })
        // Epoch 2 runs under the new schedule: β from 0.2 · 1/1.5 upwards, capped at 0.2.
        XCTAssertEqual(firstBeta, 0.2 / 1.5, accuracy: 1e-3)
        XCTAssertEqual(lastBeta, 0.2, accuracy: 1e-6)
        let saved = try ChemVAEModel.load(from: path)
        XCTAssertEqual(saved.config.klWeight, 0.2)
        XCTAssertEqual(saved.config.klSchedule, .linear(warmupEpochs: 1.5))
        XCTAssertEqual(saved.history.count, 2)
    }

    func testResumeCanLowerTheLearningRateAndKeepsAdamsMoments() throws {
        let (path, data, firstOptions) = try trainOneEpoch()
        var o = firstOptions
        let first = try ChemVAEModel.load(from: path)
        let steps = first.optimizer!.step
        XCTAssertEqual(first.config.learningRate, 3e-3)
        o.epochs = 2; o.learningRate = 1e-3
        let trainer = try ChemVAETrainer(config: nil, training: data, validation: nil, options: o, outputPath: path, resume: true)
        // The resumed optimizer carries its moments and step count, at the new rate.
        XCTAssertEqual(trainer.bundle.optimizer!.step, steps)
        XCTAssertEqual(trainer.bundle.optimizer!.learningRate, 1e-3)
        for (name, moment) in first.optimizer!.secondMoments {
            XCTAssertEqual(trainer.bundle.optimizer!.secondMoments[name]?.scalars, moment.scalars, name)
        }
        _ = try trainer.run()
        let saved = try ChemVAEModel.load(from: path)
        XCTAssertEqual(saved.config.learningRate, 1e-3)
        XCTAssertEqual(saved.optimizer!.learningRate, 1e-3)
        XCTAssertEqual(saved.optimizer!.step, 2 * steps)
        XCTAssertEqual(saved.history.count, 2)
    }

    func testResumeRejectsADatasetWithAnotherVocabulary() throws {
        let path = try temporaryDirectory().appendingPathComponent("m.h5").path
        var o = TrainingOptions(epochs: 1)
        o.reconstructionSamples = 0
        _ = try ChemVAETrainer(config: tinyConfig(), training: try makeDataset(try mosesSmiles(30)), validation: nil, options: o,
                               outputPath: path, resume: false).run()
        let other = try makeDataset(["C#N", "ClCCBr", "O=C=O", "c1ccccc1Cl"])
        XCTAssertThrowsError(try ChemVAETrainer(config: nil, training: other, validation: nil, options: o, outputPath: path, resume: true)) {
            XCTAssertTrue("\($0)".contains("another vocabulary"), "\($0)")
        }
    }
}

final class ModelTests: XCTestCase {
    func testEveryPresetBuildsAndComputesAFiniteLoss() throws {
        let data = try makeDataset(try mosesSmiles(8))
        for preset in ChemVAEConfig.Preset.allCases {
            var c = ChemVAEConfig.preset(preset, vocabularySize: data.vocabulary.count, maxLength: 60, propertyNames: data.propertyNames)
            if preset == .paper { c.decoderHidden = 32 }   // keep the test quick; the shape logic is the same
            let model = try ChemVAE(c, seed: 1)
            let batch = TokenBatch(rows: data.tokens, lengths: data.lengths, properties: data.properties)
            let tape = Tape()
            let terms = tape.record { model.loss(batch, beta: 0.5, training: true, using: RandomGenerator(seed: 2)) }
            XCTAssertTrue(terms.total.item.isFinite, "\(preset)")
            tape.backward(terms.total)
            XCTAssertTrue(model.parameters.allSatisfy { $0.tensor.grad != nil }, "\(preset): every parameter gets a gradient")
        }
    }

    func testSaveAndLoadRoundTripDecodesTheSame() throws {
        let data = try makeDataset(try mosesSmiles(10))
        var c = ChemVAEConfig.preset(.tiny, vocabularySize: data.vocabulary.count, maxLength: 60, propertyNames: data.propertyNames)
        c.decoder = .paper
        let bundle = ChemVAEModel(model: try ChemVAE(c, seed: 3), codec: data.codec,
                                  normalization: PropertyNormalization(names: data.propertyNames, values: data.properties))
        let path = try temporaryDirectory().appendingPathComponent("model.h5").path
        try bundle.save(to: path)
        let loaded = try ChemVAEModel.load(from: path)
        XCTAssertEqual(loaded.model.snapshot(), bundle.model.snapshot())
        XCTAssertEqual(loaded.config, c)
        XCTAssertEqual(loaded.normalization, bundle.normalization)
        let z = Tensor.randomNormal([5, c.latentSize], using: RandomGenerator(seed: 4))
        XCTAssertEqual(loaded.model.decode(z, using: RandomGenerator(seed: 1)), bundle.model.decode(z, using: RandomGenerator(seed: 1)))
    }

    func testBeamOfWidthOneIsGreedyAndAWideBeamFindsTheMostProbableSequence() throws {
        // Vocabulary: 4 special tokens + 2 real ones; rows of 4 allow at most 3 tokens, so there
        // are 1 + 2 + 4 + 8 = 15 possible sequences and a beam of 16 must find the best exactly.
        for kind in ChemVAEConfig.DecoderKind.allCases {
            var c = ChemVAEConfig.preset(.tiny, vocabularySize: 6, maxLength: 4)
            c.decoder = kind
            c.encoderChannels = [8]; c.encoderKernels = [2]
            let model = try ChemVAE(c, seed: 6)
            let z = Tensor.randomNormal([5, c.latentSize], std: 2, using: RandomGenerator(seed: 7))
            let rng = RandomGenerator(seed: 1)
            let greedy = model.decode(z, method: .greedy, using: rng)
            XCTAssertEqual(model.decode(z, method: .beam(width: 1), using: rng), greedy, "\(kind)")
            let beam = model.decode(z, method: .beam(width: 16), using: rng)
            var all: [[UInt8]] = [[]]
            for length in 1...3 { all += allSequences(length, tokens: [4, 5]) }
            for i in 0..<5 {
                let best = all.max { logProbability(model, z, row: i, $0) < logProbability(model, z, row: i, $1) }!
                XCTAssertEqual(beam[i], best, "\(kind) row \(i)")
                XCTAssertGreaterThanOrEqual(logProbability(model, z, row: i, beam[i]), logProbability(model, z, row: i, greedy[i]))
            }
        }
    }

    func allSequences(_ length: Int, tokens: [UInt8]) -> [[UInt8]] {
        length == 0 ? [[]] : allSequences(length - 1, tokens: tokens).flatMap { s in tokens.map { s + [$0] } }
    }

    /// log p(tokens, end | z) under teacher forcing.
    func logProbability(_ model: ChemVAE, _ z: Tensor, row: Int, _ tokens: [UInt8]) -> Float {
        let stepper = model.decoder.stepper(gatherRows(z, [row]), maxSteps: model.config.maxLength)
        var previous: Int32 = SpecialToken.start, total: Float = 0
        for token in tokens.map(Int32.init) + [SpecialToken.end] {
            let logits = stepper.next([previous]).logSoftmax()
            total += logits.pointer[Int(token)]
            previous = token
        }
        return total
    }
}
