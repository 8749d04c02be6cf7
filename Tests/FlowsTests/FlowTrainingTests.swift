import Engine
import Flows
import Foundation
import Storage
import Training
import XCTest

/// Training through the shared loop: maximum likelihood learns the moons, a stopped run resumes
/// bit for bit, the energy loss runs, bad options are named.
final class FlowTrainingTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("molgen-flows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func smallConfig(_ dataset: FlowConfig.Dataset) -> FlowConfig {
        var c = FlowConfig(dataset: dataset)
        c.layers = 6; c.hidden = 32; c.trainingSize = 2000; c.heldOutSize = 1000; c.batchSize = 200; c.epochs = 25
        c.learningRate = 3e-3; c.maximumLikelihoodEpochs = 1
        return c
    }

    /// The held-out likelihood of the trained flow beats the best Gaussian's by a wide margin
    /// (the moons are far from Gaussian), and the file reloads to the same likelihood.
    func testMaximumLikelihoodLearnsTheMoons() throws {
        let trainer = try FlowTrainer(config: smallConfig(.moons), outputPath: path("moons.h5"), resume: false)
        let before = heldOutNLL(trainer.flow, trainer.heldOut, dimension: 2)
        XCTAssertEqual(try trainer.loop.run(), .finished)
        let nll = heldOutNLL(trainer.flow, trainer.heldOut, dimension: 2)
        let gaussian = gaussianBaselineNLL(training: trainer.training, heldOut: trainer.heldOut)
        XCTAssertLessThan(nll, gaussian - 0.4, "flow \(nll) against Gaussian \(gaussian) (untrained \(before))")
        let loaded = try FlowFile.load(from: path("moons.h5"))
        XCTAssertEqual(heldOutNLL(loaded.flow, trainer.heldOut, dimension: 2), nll, accuracy: 1e-9)
        XCTAssertEqual(loaded.position?.completedEpochs, 25)
    }

    /// Stopped mid-epoch and resumed from the file, a Boltzmann generator run (both losses, the
    /// latent draws from the saved generator) ends bit-identical to an uninterrupted one.
    func testAStoppedBoltzmannGeneratorRunResumesExactly() throws {
        var c = smallConfig(.doubleWell)
        c.epochs = 3
        let straight = try FlowTrainer(config: c, outputPath: path("a.h5"), resume: false)
        try straight.loop.run()
        let first = try FlowTrainer(config: c, outputPath: path("b.h5"), resume: false)
        XCTAssertEqual(try first.loop.run(progress: { p in if p.epoch == 2 && p.batch == 4 { StopSignal.request() } }), .interrupted)
        let second = try FlowTrainer(config: nil, outputPath: path("b.h5"), resume: true)
        XCTAssertEqual(second.loop.position.batchesDone, 4)
        XCTAssertEqual(try second.loop.run(), .finished)
        XCTAssertEqual(second.flow.parameters.map { $0.tensor.scalars }, straight.flow.parameters.map { $0.tensor.scalars })
        let a = try Checkpoint.load(from: path("a.h5")), b = try Checkpoint.load(from: path("b.h5"))
        // The first epoch is maximum likelihood alone: no kl (NaN in the history's column).
        let kl = a.history.column("kl") ?? []
        XCTAssertTrue(kl.count == 3 && kl[0].isNaN && kl[1...].allSatisfy(\.isFinite), "\(kl)")
        XCTAssertEqual(kl.dropFirst(), b.history.column("kl")?.dropFirst())
        XCTAssertEqual(a.optimizers, b.optimizers)
    }

    func testBadOptionsAreNamed() {
        var cases: [(String, (inout FlowConfig) -> Void)] = []
        cases.append(("--temperature", { $0.temperature = 0 }))
        cases.append(("--sigma", { $0.sigma = -1 }))
        cases.append(("--training-size", { $0.trainingSize = -5 }))
        cases.append(("--batch-size", { $0.batchSize = 0 }))
        cases.append(("--noise", { $0.noise = -0.1 }))
        cases.append(("--learning-rate", { $0.learningRate = .nan }))
        for (option, change) in cases {
            var c = FlowConfig(dataset: .doubleWell)
            change(&c)
            XCTAssertThrowsError(try FlowTrainer(config: c, outputPath: path("x.h5"), resume: false)) { error in
                XCTAssertTrue("\(error)".hasPrefix(option), "\(error)")
                XCTAssertFalse("\(error)".contains("\n"))
            }
        }
        XCTAssertThrowsError(try FlowTrainer(config: nil, outputPath: path("missing.h5"), resume: true)) { error in
            XCTAssertTrue("\(error)".contains("missing.h5"), "\(error)")
        }
    }
}
