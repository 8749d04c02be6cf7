import Cluster
import Engine
import Foundation
import Storage

/// What a model family supplies to be trained: its step, its validation and its file. The loop
/// around it (epochs, checkpoints, stop signals, resume, the NaN guard, history) is `Trainer`.
public protocol TrainingTask: AnyObject {
    /// Batches in epoch `epoch` (counted from 0). The task fixes their order from the run's seed
    /// and the epoch (see `epochPermutation`), so a resumed run sees the same batches.
    func batchCount(epoch: Int) -> Int
    /// Items (molecules, images) in batch `batch` of `epoch`, for the progress rate.
    func itemCount(epoch: Int, batch: Int) -> Int
    /// What an item is ("molecules", "images"): the epoch record's rate is `<itemName>_per_s`.
    var itemName: String { get }
    /// One optimisation step on batch `batch` of `epoch`; `epochPosition` is the fractional epoch
    /// (for schedules such as KL annealing). Returns the step's terms by name; every one must be
    /// finite or the run stops with the last checkpoint intact.
    func trainStep(epoch: Int, batch: Int, epochPosition: Double, using rng: RandomGenerator) throws -> [String: Double]
    /// The epoch's figures from the sums of each term over its `steps` steps; by default the means.
    func epochRecord(termSums: [String: Double], steps: Int) -> [String: Double]
    /// Figures on held-out data after each epoch; a `validation_loss` entry picks the best model.
    func validate() throws -> [String: Double]
    /// Writes the model file (atomically) with `position` (nil: for inference only) and `history`.
    func save(to path: String, position: TrainingPosition?, history: TrainingHistory) throws
}

extension TrainingTask {
    public func epochRecord(termSums: [String: Double], steps: Int) -> [String: Double] {
        termSums.mapValues { $0 / Double(max(steps, 1)) }
    }
}

/// Settings of the loop that are not part of any model.
public struct TrainerOptions: Sendable {
    /// Train until this many epochs are complete.
    public var epochs: Int
    /// A mid-epoch checkpoint is written at least this often (seconds).
    public var checkpointInterval: Double = 600
    /// nil: one history record per epoch (its figures and validation); N: a record of the mean
    /// terms every N steps instead (image models plot these curves).
    public var historyEvery: Int?
    /// Write `MODEL.best.h5` whenever the validation loss improves.
    public var keepsBest = true

    public init(epochs: Int) { self.epochs = epochs }
}

/// What the loop reports after every step.
public struct TrainingProgress: Sendable {
    public var epoch: Int, epochs: Int
    public var batch: Int, batches: Int
    /// Mean of each term over the epoch's steps so far.
    public var terms: [String: Double]
    public var itemsPerSecond: Double
}

public enum TrainingOutcome: Equatable, Sendable {
    case finished
    /// Stopped by SIGINT/SIGTERM (or `StopSignal.request()`) after saving a checkpoint that a
    /// resumed run continues from exactly.
    case interrupted
}

public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case nonFinite(epoch: Int, step: Int, term: String)
    case nonFiniteValidation(epoch: Int, figure: String)

    public var description: String {
        switch self {
        case let .nonFinite(epoch, step, term):
            return "training stopped: \(term) became NaN or infinite at epoch \(epoch), step \(step); the last good checkpoint is intact (try a lower --learning-rate)"
        case let .nonFiniteValidation(epoch, figure):
            return "training stopped: \(figure) became NaN or infinite at the end of epoch \(epoch); the epoch was not saved and the last good checkpoint is intact (check the validation data, or try a lower --learning-rate)"
        }
    }
}

/// The one training loop of every family: batches of each epoch in the task's order, progress
/// after every step, an atomic checkpoint after every epoch and every `checkpointInterval`, the
/// best model by validation loss beside it, a clean stop on SIGINT/SIGTERM, exact resume from a
/// `TrainingPosition`, and a stop with the last checkpoint intact when a term is not finite.
public final class Trainer {
    public let task: TrainingTask
    public let outputPath: String
    public var options: TrainerOptions
    public private(set) var position: TrainingPosition
    public var history: TrainingHistory
    /// The run's generator (dropout, latent noise), saved in every checkpoint.
    public let rng: RandomGenerator
    /// The processes training together (`DataParallel`): they stop at the same step, and rank 0
    /// alone validates and writes files.
    public let group: ProcessGroup

    /// The best model's file: `model.h5` -> `model.best.h5`.
    public var bestPath: String { Self.bestPath(for: outputPath) }

    public static func bestPath(for output: String) -> String {
        output.hasSuffix(".h5") ? String(output.dropLast(3)) + ".best.h5" : output + ".best.h5"
    }

    /// A run at `position` (a new one: `TrainingPosition(seed:)`; a resumed one: the file's).
    public init(task: TrainingTask, outputPath: String, options: TrainerOptions, position: TrainingPosition,
                history: TrainingHistory = TrainingHistory(), group: ProcessGroup = .single) {
        self.task = task; self.outputPath = outputPath; self.options = options; self.group = group
        self.position = position; self.history = history
        rng = position.randomState.isEmpty ? RandomGenerator(seed: position.seed &+ 0x5EED) : RandomGenerator(state: position.randomState)
    }

    /// Trains until `options.epochs` epochs are complete or a stop is requested.
    @discardableResult
    public func run(progress: (TrainingProgress) -> Void = { _ in },
                    epochFinished: ([String: Double]) -> Void = { _ in }) throws -> TrainingOutcome {
        StopSignal.clear()
        while position.completedEpochs < options.epochs {
            let epoch = position.completedEpochs
            let batches = task.batchCount(epoch: epoch)
            // A resumed epoch continues its sums, so its record equals an uninterrupted run's.
            var (sums, steps, items, earlierSeconds) = position.batchesDone > 0 ? savedEpochSums() : ([:], 0, 0, 0)
            var logSums: [String: Double] = [:], logSteps = 0
            let epochStart = Date(), itemsBefore = items   // the rate counts this sitting only
            func epochSeconds() -> Double { earlierSeconds + Date().timeIntervalSince(epochStart) }
            var lastSave = Date()
            while position.batchesDone < batches {
                // Every rank stops at the same step, whichever received the signal.
                if group.any(StopSignal.isRequested) {
                    try saveCheckpoint(epochSums: (sums, steps, items, epochSeconds()))
                    return .interrupted
                }
                let b = position.batchesDone
                let terms = try task.trainStep(epoch: epoch, batch: b, epochPosition: Double(epoch) + Double(b) / Double(batches), using: rng)
                // The step's update is never saved: the run ends here with the last checkpoint intact.
                if let bad = terms.keys.sorted().first(where: { !terms[$0]!.isFinite }) {
                    throw TrainingError.nonFinite(epoch: epoch + 1, step: b + 1, term: bad)
                }
                position.batchesDone += 1
                position.steps += 1
                for (name, value) in terms { sums[name, default: 0] += value; logSums[name, default: 0] += value }
                steps += 1; logSteps += 1; items += task.itemCount(epoch: epoch, batch: b)
                if let every = options.historyEvery, position.steps % every == 0 {
                    var record = logSums.mapValues { $0 / Double(logSteps) }
                    record["step"] = Double(position.steps)
                    record["epoch"] = Double(epoch) + Double(position.batchesDone) / Double(batches)
                    history.append(record)
                    logSums = [:]; logSteps = 0
                }
                progress(TrainingProgress(epoch: epoch + 1, epochs: options.epochs, batch: position.batchesDone, batches: batches,
                                          terms: sums.mapValues { $0 / Double(steps) },
                                          itemsPerSecond: Double(items - itemsBefore) / max(Date().timeIntervalSince(epochStart), 1e-9)))
                if Date().timeIntervalSince(lastSave) > options.checkpointInterval, position.batchesDone < batches {
                    try saveCheckpoint(epochSums: (sums, steps, items, epochSeconds()))
                    lastSave = Date()
                }
            }
            let seconds = epochSeconds()
            var record = task.epochRecord(termSums: sums, steps: steps)
            record["epoch"] = Double(epoch + 1)
            record["seconds"] = seconds
            record["\(task.itemName)_per_s"] = Double(items) / max(seconds, 1e-9)
            let validation = try group.isRoot ? task.validate() : [:]
            // The epoch is not saved: its model produced a NaN or infinite figure on held-out data.
            if let bad = validation.keys.sorted().first(where: { !validation[$0]!.isFinite }) {
                throw TrainingError.nonFiniteValidation(epoch: epoch + 1, figure: bad)
            }
            record.merge(validation) { a, _ in a }
            if options.historyEvery == nil { history.append(record) }
            position.completedEpochs += 1
            position.batchesDone = 0
            position.extras = position.extras.filter { !$0.key.hasPrefix(Self.epochPrefix) }
            let validationLoss = validation["validation_loss"] ?? .infinity
            let isBest = options.keepsBest && validationLoss < position.bestValidationLoss
            if isBest { position.bestValidationLoss = validationLoss }
            try saveCheckpoint()
            if isBest && group.isRoot { try task.save(to: bestPath, position: currentPosition, history: history) }
            epochFinished(record)
        }
        return .finished
    }

    /// The position with the generator as it stands now.
    public var currentPosition: TrainingPosition {
        var p = position
        p.randomState = rng.state
        return p
    }

    /// Saves the run; within an epoch, the sums of its terms so far go along in the position.
    func saveCheckpoint(epochSums: (sums: [String: Double], steps: Int, items: Int, seconds: Double)? = nil) throws {
        guard group.isRoot else { return }
        var p = currentPosition
        p.extras = p.extras.filter { !$0.key.hasPrefix(Self.epochPrefix) }
        if let (sums, steps, items, seconds) = epochSums {
            p.extras[Self.epochPrefix + "steps"] = Double(steps)
            p.extras[Self.epochPrefix + "items"] = Double(items)
            p.extras[Self.epochPrefix + "seconds"] = seconds
            for (name, value) in sums { p.extras[Self.epochPrefix + "sum." + name] = value }
        }
        try task.save(to: outputPath, position: p, history: history)
    }

    static let epochPrefix = "epoch."

    /// The interrupted epoch's sums, steps, items and seconds spent, from the checkpoint.
    func savedEpochSums() -> ([String: Double], Int, Int, Double) {
        var sums: [String: Double] = [:]
        for (key, value) in position.extras where key.hasPrefix(Self.epochPrefix + "sum.") {
            sums[String(key.dropFirst(Self.epochPrefix.count + 4))] = value
        }
        return (sums, Int(position.extras[Self.epochPrefix + "steps"] ?? 0), Int(position.extras[Self.epochPrefix + "items"] ?? 0),
                position.extras[Self.epochPrefix + "seconds"] ?? 0)
    }
}
