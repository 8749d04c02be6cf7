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
            config: #"{"preset":"tiny","latent":56,"gru":[488,488,488]}"#,
            parameters: [
                "encoder.conv0.weight": StoredArray(shape: [9, 35, 9], values: (0..<2835).map { Float($0) * 0.001 }),
                "encoder.conv0.bias": StoredArray(shape: [9], values: [Float](repeating: 0, count: 9)),
                "decoder.gru.0.weight_hh": StoredArray(shape: [2, 2], values: weirdFloats),
                "head.scale": StoredArray(shape: [], values: [3]),
            ],
            optimizer: OptimizerState(name: "adam", step: 1234, moments: [
                "m": ["encoder.conv0.bias": StoredArray(shape: [9], values: (0..<9).map(Float.init))],
                "v": ["encoder.conv0.bias": StoredArray(shape: [9], values: (0..<9).map { Float($0) / 3 })],
            ]),
            normalization: [
                "properties.mean": StoredArray(shape: [3], values: [2.5, 0.7, 3.1]),
                "properties.std": StoredArray(shape: [3], values: [1.2, 0.1, 0.8]),
            ],
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
        XCTAssertEqual(loaded.optimizer, saved.optimizer)
        XCTAssertEqual(loaded.normalization, saved.normalization)
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
        let checkpoint = Checkpoint(config: "{}", parameters: ["w": StoredArray(shape: [1], values: [1])])
        try checkpoint.save(to: path)
        let loaded = try Checkpoint.load(from: path)
        XCTAssertNil(loaded.optimizer)
        XCTAssertTrue(loaded.normalization.isEmpty)
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

    func testAShapeMismatchNamesTheParameterTheFileAndBothShapes() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.h5")
        let parameters = ["decoder.gru.0.weight_hh": StoredArray(shape: [1464, 488], values: [Float](repeating: 0, count: 1464 * 488))]
        try Checkpoint(config: "{}", parameters: parameters).save(to: path)
        let loaded = try Checkpoint.load(from: path)
        XCTAssertEqual(try loaded.parameter("decoder.gru.0.weight_hh", expectedShape: [1464, 488]).count, 1464 * 488)
        let error = storageError { try loaded.parameter("decoder.gru.0.weight_hh", expectedShape: [1464, 400]) }
        XCTAssertEqual(error?.description,
                       "parameter 'decoder.gru.0.weight_hh' has shape [1464, 488] in \(path) but the model expects [1464, 400]: "
                       + "build the model with the configuration the checkpoint was trained with")
    }

    func testMissingAndUnexpectedParameterNamesAreListed() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.h5")
        try Self.sample().save(to: path)
        let loaded = try Checkpoint.load(from: path)
        XCTAssertNoThrow(try loaded.requireParameterNames(Self.sample().parameterNames))
        let error = storageError {
            try loaded.requireParameterNames(["encoder.conv0.weight", "encoder.conv0.bias", "decoder.gru.0.weight_hh", "decoder.gru.1.weight_hh"])
        }
        XCTAssertEqual(error, .parameterNamesMismatch(file: path, missing: ["decoder.gru.1.weight_hh"], unexpected: ["head.scale"]))
        XCTAssertEqual(error?.description,
                       "\(path) does not match the model's parameters (missing 'decoder.gru.1.weight_hh'; unexpected 'head.scale'): "
                       + "load it into the model it was saved from")
        XCTAssertEqual(storageError { try loaded.parameter("nope", expectedShape: [1]) },
                       .parameterNamesMismatch(file: path, missing: ["nope"], unexpected: []))
    }

    func testNamesThatCannotBecomeGroupsAreRejectedBeforeAnythingIsWritten() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("names.h5")
        let one = StoredArray<Float>(shape: [1], values: [1])
        for parameters in [["a.b": one, "a.b.c": one], ["a..b": one], ["a/b": one], [".a": one]] {
            guard case .invalidArgument? = storageError({ try Checkpoint(config: "{}", parameters: parameters).save(to: path) }) else {
                return XCTFail("\(parameters.keys) accepted")
            }
        }
        XCTAssertEqual(try directory.entries(), [], "a rejected save leaves nothing behind")
        let mismatched = StoredArray<Float>(shape: [2, 2], values: [1])
        guard case .invalidArgument? = storageError({ try Checkpoint(config: "{}", parameters: ["w": mismatched]).save(to: path) }) else {
            return XCTFail("values that do not fill the shape were accepted")
        }
    }
}
