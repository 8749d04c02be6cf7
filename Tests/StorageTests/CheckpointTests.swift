import Foundation
import Storage
import XCTest

/// Checkpoints save atomically, load bit-exactly and explain mismatches with the model.
final class CheckpointTests: XCTestCase {
    static func sample() throws -> Checkpoint {
        var history = TrainingHistory()
        history.append(["loss": 2.5, "kl": 0.25])
        history.append(["loss": 1.75, "kl": 0.5, "accuracy": 0.8])
        let weirdFloats: [Float] = [-0.0, Float(bitPattern: 0x7FC0_0BAD), .infinity, .leastNonzeroMagnitude]
        return Checkpoint(
            kind: "test",
            config: #"{"preset":"tiny","latent":56,"gru":[488,488,488]}"#,
            parameters: [
                "encoder.conv0.weight": StoredArray(shape: [9, 35, 9], values: (0..<2835).map { Float($0) * 0.001 }),
                "encoder.conv0.bias": StoredArray(shape: [9], values: [Float](repeating: 0, count: 9)),
                "decoder.gru.0.weight_hh": StoredArray(shape: [2, 2], values: weirdFloats),
                "head.scale": StoredArray(shape: [], values: [3]),
            ],
            state: [
                "encoder.bn.running_mean": StoredArray(shape: [2], values: [0.5, -0.5]),
                "properties.mean": StoredArray(shape: [3], values: [2.5, 0.7, 3.1]),
                "properties.std": StoredArray(shape: [3], values: [1.2, 0.1, 0.8]),
            ],
            optimizers: [
                "generator": OptimizerState(name: "adam", step: 1234, moments: [
                    "m": ["encoder.conv0.bias": StoredArray(shape: [9], values: (0..<9).map(Float.init))],
                    "v": ["encoder.conv0.bias": StoredArray(shape: [9], values: (0..<9).map { Float($0) / 3 })],
                ]),
                "discriminator": OptimizerState(name: "adam", step: 7, moments: [
                    "m": ["head.scale": StoredArray(shape: [], values: [0.25])], "v": ["head.scale": StoredArray(shape: [], values: [0.5])],
                ]),
            ],
            position: TrainingPosition(completedEpochs: 3, batchesDone: 17, steps: 400, seed: .max, randomState: [1, .max, 3, 4],
                                       bestValidationLoss: 1.5, extras: ["validation_fraction": 0.05]),
            history: history)
    }

    func testACheckpointRoundTripsBitExactly() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.h5")
        let saved = try Self.sample()
        try saved.save(to: path)
        let loaded = try Checkpoint.load(from: path)
        XCTAssertEqual(loaded.sourcePath, path)
        XCTAssertEqual(loaded.version, Checkpoint.currentVersion)
        XCTAssertEqual(loaded.config, saved.config)
        XCTAssertEqual(loaded.parameterNames, saved.parameterNames)
        for name in saved.parameterNames {
            XCTAssertTrue(loaded.parameters[name]!.isBitwiseEqual(to: saved.parameters[name]!), name)
        }
        XCTAssertEqual(loaded.kind, "test")
        XCTAssertEqual(loaded.optimizers, saved.optimizers)
        XCTAssertEqual(loaded.state, saved.state)
        XCTAssertEqual(loaded.position, saved.position)
        XCTAssertEqual(loaded.history, saved.history)
        XCTAssertEqual(loaded.history.columnNames, ["kl", "loss", "accuracy"])
        XCTAssertTrue(loaded.history.column("accuracy")![0].isNaN)
        var withoutNaN = saved
        withoutNaN.parameters["decoder.gru.0.weight_hh"] = StoredArray(shape: [2, 2], values: [1, 2, 3, 4])
        try withoutNaN.save(to: path)
        XCTAssertEqual(try Checkpoint.load(from: path), withoutNaN)
    }

    func testExtraGroupsAreWrittenAndReadThroughThePlainAPI() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("extras.h5")
        try Self.sample().save(to: path) { file in
            try file.createGroup("vocabulary").write("tokens", values: ["<pad>", "C", "c", "(", ")", "Cl"])
        }
        var tokens: [String] = []
        let loaded = try Checkpoint.load(from: path) { file in
            tokens = try file.read("vocabulary/tokens", as: String.self).values
        }
        XCTAssertEqual(tokens, ["<pad>", "C", "c", "(", ")", "Cl"])
        XCTAssertEqual(loaded.parameterNames.count, 4, "extras do not leak into the parameters")
    }

    func testAnInferenceCheckpointHasNoOptimizerAndEmptyExtras() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("inference.h5")
        let checkpoint = Checkpoint(kind: "test", config: "{}", parameters: ["w": StoredArray(shape: [1], values: [1])])
        try checkpoint.save(to: path)
        let loaded = try Checkpoint.load(from: path)
        XCTAssertTrue(loaded.optimizers.isEmpty)
        XCTAssertNil(loaded.position)
        XCTAssertTrue(loaded.state.isEmpty)
        XCTAssertTrue(loaded.history.isEmpty)
        XCTAssertEqual(loaded, checkpoint)
    }

    func testSavingTheSameCheckpointTwiceGivesIdenticalBytes() throws {
        let directory = try TemporaryDirectory()
        let first = directory.file("first.h5"), second = directory.file("second.h5")
        try Self.sample().save(to: first)
        try Self.sample().save(to: second)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: first)), try Data(contentsOf: URL(fileURLWithPath: second)))
    }

    /// The first shipped layout (version 1: buffers under /parameters, /normalization, one
    /// /optimizer, a chemical /training group) still reads, mapped onto version 2's fields.
    func testAVersionOneFileIsRead() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("v1.h5")
        try HDF5File.writeAtomically(to: path) { file in
            try file.setAttribute("format", .string(Checkpoint.format))
            try file.setAttribute("version", .int(1))
            try file.setAttribute("config", .string("{}"))
            try file.createGroup("parameters").write("w", array: StoredArray<Float>(shape: [2], values: [1, 2]))
            try file.createGroup("normalization").write("properties/mean", array: StoredArray<Float>(shape: [1], values: [3]))
            let optimizer = try file.createGroup("optimizer")
            try optimizer.setAttribute("name", .string("adam"))
            try optimizer.setAttribute("step", .int(5))
            try optimizer.createGroup("m").write("w", array: StoredArray<Float>(shape: [2], values: [0.5, 0.25]))
            let training = try file.createGroup("training")
            try training.setAttribute("completed_epochs", .int(2))
            try training.setAttribute("batches_done", .int(9))
            try training.setAttribute("seed", .int(2018))
            try training.setAttribute("random_state", .ints([1, 2, 3, 4]))
            try training.setAttribute("best_validation_loss", .double(0.75))
            try training.setAttribute("validation_fraction", .double(0.1))
            try file.createGroup("history").setAttribute("columns", .strings([]))
        }
        let loaded = try Checkpoint.load(from: path)
        XCTAssertEqual(loaded.version, 1)
        XCTAssertEqual(loaded.kind, "")
        XCTAssertEqual(loaded.parameters["w"]?.values, [1, 2])
        XCTAssertEqual(loaded.state["properties.mean"]?.values, [3])
        XCTAssertEqual(loaded.optimizers["adam"]?.step, 5)
        XCTAssertEqual(loaded.optimizers["adam"]?.moments["m"]?["w"]?.values, [0.5, 0.25])
        XCTAssertEqual(loaded.position, TrainingPosition(completedEpochs: 2, batchesDone: 9, steps: 0, seed: 2018, randomState: [1, 2, 3, 4],
                                                         bestValidationLoss: 0.75, extras: ["validation_fraction": 0.1]))
    }

    func testNamesThatCannotBecomeGroupsAreRejectedBeforeAnythingIsWritten() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("names.h5")
        let one = StoredArray<Float>(shape: [1], values: [1])
        for parameters in [["a.b": one, "a.b.c": one], ["a..b": one], ["a/b": one], [".a": one]] {
            guard case .invalidArgument? = storageError({ try Checkpoint(kind: "test", config: "{}", parameters: parameters).save(to: path) }) else {
                return XCTFail("\(parameters.keys) accepted")
            }
        }
        XCTAssertEqual(try directory.entries(), [], "a rejected save leaves nothing behind")
        let mismatched = StoredArray<Float>(shape: [2, 2], values: [1])
        guard case .invalidArgument? = storageError({ try Checkpoint(kind: "test", config: "{}", parameters: ["w": mismatched]).save(to: path) }) else {
            return XCTFail("values that do not fill the shape were accepted")
        }
    }
}
