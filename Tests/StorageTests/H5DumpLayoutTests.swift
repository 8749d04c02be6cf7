import Foundation
import Storage
import XCTest

/// A saved checkpoint is plain HDF5: the reference `h5dump` tool shows the documented layout.
final class H5DumpLayoutTests: XCTestCase {
    private func h5dump(_ arguments: [String]) throws -> String {
        let tool = "/usr/bin/h5dump"
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            throw XCTSkip("h5dump is not installed (Debian package hdf5-tools)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "h5dump \(arguments.joined(separator: " "))")
        return String(decoding: data, as: UTF8.self)
    }

    func testH5DumpShowsTheCheckpointLayout() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.h5")
        try CheckpointTests.sample().save(to: path)
        let header = try h5dump(["-H", path])
        for expected in [
            #"ATTRIBUTE "format""#, #"ATTRIBUTE "version""#, #"ATTRIBUTE "config""#,
            #"GROUP "parameters""#, #"GROUP "encoder""#, #"GROUP "conv0""#, #"DATASET "weight""#,
            "H5T_IEEE_F32LE", "SIMPLE { ( 9, 35, 9 ) / ( 9, 35, 9 ) }",
            #"GROUP "decoder""#, #"GROUP "gru""#, #"GROUP "0""#, #"DATASET "weight_hh""#,
            #"ATTRIBUTE "kind""#, #"GROUP "optimizers""#, #"GROUP "generator""#, #"GROUP "discriminator""#,
            #"ATTRIBUTE "step""#, #"GROUP "m""#, #"GROUP "v""#,
            #"GROUP "state""#, #"GROUP "properties""#, #"DATASET "mean""#, #"DATASET "std""#,
            #"GROUP "training""#, #"ATTRIBUTE "completed_epochs""#, #"ATTRIBUTE "random_state""#,
            #"GROUP "history""#, #"ATTRIBUTE "columns""#, #"DATASET "loss""#, "H5T_IEEE_F64LE",
            "H5T_STR_NULLTERM", "H5T_CSET_UTF8", "H5T_VARIABLE",
        ] {
            XCTAssertTrue(header.contains(expected), "h5dump -H lacks \(expected)")
        }

        let format = try h5dump(["-a", "/format", path])
        XCTAssertTrue(format.contains(#"(0): "molgen-checkpoint""#), format)
        let mean = try h5dump(["-d", "/state/properties/mean", path])
        XCTAssertTrue(mean.contains("(0): 2.5, 0.7, 3.1"), mean)
        let step = try h5dump(["-a", "/optimizers/generator/step", path])
        XCTAssertTrue(step.contains("(0): 1234"), step)
    }
}
