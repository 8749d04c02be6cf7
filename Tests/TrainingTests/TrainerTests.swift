import Engine
import Foundation
import Storage
import Training
import XCTest

/// The shared loop, with the small task above: learning, exact resume after a signal stop, the
/// NaN guards, best copies, history and several optimizers in one file.
final class TrainerTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("molgen-trainer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The recall task is learned: this fails if any part of the forward/backward/optimizer chain
    /// or the loop's step order is wrong.
    func testTheLoopTrainsAGRUToRecall() throws {
        let task = DelayedCopyTask(seed: 3, batches: 50)
        var records: [[String: Double]] = []
        let trainer = Trainer(task: task, outputPath: path("copy.h5"), options: TrainerOptions(epochs: 8), position: TrainingPosition(seed: 3))
        XCTAssertEqual(try trainer.run(epochFinished: { records.append($0) }), .finished)
        XCTAssertGreaterThan(records.last!["validation_accuracy"]!, 0.97)
        XCTAssertEqual(records.map { $0["epoch"]! }, (1...8).map(Double.init))
        XCTAssertEqual(trainer.history.count, 8)
        XCTAssertEqual(try Checkpoint.load(from: path("copy.h5")).position?.completedEpochs, 8)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("copy.best.h5")))
    }

    /// Straight through, and stopped mid-epoch by a stop request then resumed from the file, give
    /// bit-identical parameters, optimizer moments and position.
    func testAStoppedRunResumesExactly() throws {
        let straight = DelayedCopyTask(seed: 5)
        let a = Trainer(task: straight, outputPath: path("a.h5"), options: TrainerOptions(epochs: 3), position: TrainingPosition(seed: 5))
        try a.run()

        let first = Trainer(task: DelayedCopyTask(seed: 5), outputPath: path("b.h5"), options: TrainerOptions(epochs: 3),
                            position: TrainingPosition(seed: 5))
        XCTAssertEqual(try first.run(progress: { p in if p.epoch == 2 && p.batch == 4 { StopSignal.request() } }), .interrupted)
        let (task, position, history) = try DelayedCopyTask.resumed(from: path("b.h5"))
        XCTAssertEqual(position.completedEpochs, 1)
        XCTAssertEqual(position.batchesDone, 4)
        XCTAssertEqual(position.steps, 14)
        let second = Trainer(task: task, outputPath: path("b.h5"), options: TrainerOptions(epochs: 3), position: position, history: history)
        XCTAssertEqual(try second.run(), .finished)

        XCTAssertEqual(task.parameters.map { $0.tensor.scalars }, straight.parameters.map { $0.tensor.scalars })
        let fileA = try Checkpoint.load(from: path("a.h5")), fileB = try Checkpoint.load(from: path("b.h5"))
        XCTAssertEqual(fileA.optimizers, fileB.optimizers)
        XCTAssertEqual(fileB.optimizers.keys.sorted(), ["body", "head"])
        XCTAssertEqual(fileA.position, fileB.position)
        XCTAssertEqual(fileA.history.count, 3)
        XCTAssertEqual(fileA.history.column("train_loss") ?? fileA.history.column("loss"), fileB.history.column("train_loss") ?? fileB.history.column("loss"))
    }

    /// A step whose terms are not finite stops the run before anything is saved.
    func testANonFiniteStepStopsWithTheLastCheckpointIntact() throws {
        let task = DelayedCopyTask(seed: 7)
        let trainer = Trainer(task: task, outputPath: path("nan.h5"), options: TrainerOptions(epochs: 2), position: TrainingPosition(seed: 7))
        var poisoned = false
        XCTAssertThrowsError(try trainer.run(progress: { p in
            if p.epoch == 2 && !poisoned { poisoned = true; task.head.weight.pointer[0] = .nan }
        })) { error in
            XCTAssertEqual(error as? TrainingError, .nonFinite(epoch: 2, step: 2, term: "loss"))
            XCTAssertTrue("\(error)".contains("last good checkpoint is intact"))
        }
        let saved = try Checkpoint.load(from: path("nan.h5"))
        XCTAssertEqual(saved.position?.completedEpochs, 1)
        XCTAssertTrue(saved.parameters.values.allSatisfy { $0.values.allSatisfy(\.isFinite) })
    }

    /// An infinite validation loss stops the run too (it used to be printed and ignored).
    func testANonFiniteValidationLossStopsTheRun() throws {
        let task = DelayedCopyTask(seed: 8)
        task.poisonValidation = true
        let trainer = Trainer(task: task, outputPath: path("v.h5"), options: TrainerOptions(epochs: 2), position: TrainingPosition(seed: 8))
        XCTAssertThrowsError(try trainer.run()) { error in
            XCTAssertEqual(error as? TrainingError, .nonFiniteValidation(epoch: 1, figure: "validation_loss"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("v.h5")), "no checkpoint of the failed epoch")
    }

    /// With `historyEvery`, the history holds a record of mean terms every N steps instead of one
    /// per epoch; a checkpoint interval of zero saves after every step within an epoch.
    func testStepHistoryAndMidEpochCheckpoints() throws {
        var options = TrainerOptions(epochs: 1)
        options.historyEvery = 4
        options.checkpointInterval = 0
        options.keepsBest = false
        var saved: [Int] = []
        let trainer = Trainer(task: DelayedCopyTask(seed: 9), outputPath: path("h.h5"), options: options, position: TrainingPosition(seed: 9))
        try trainer.run(progress: { _ in
            if let p = try? Checkpoint.load(from: self.path("h.h5")).position { saved.append(p.batchesDone) }
        })
        XCTAssertEqual(trainer.history.count, 2)
        XCTAssertEqual(trainer.history.column("step"), [4, 8])
        XCTAssertEqual(saved, Array(1...9), "a checkpoint after each step but the last of the epoch (seen at the next step)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("h.best.h5")))
    }
}
