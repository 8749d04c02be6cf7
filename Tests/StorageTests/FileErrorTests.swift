import Foundation
import Storage
import XCTest

/// Files that are missing, not HDF5, damaged or of the wrong kind give one-line, named errors.
final class FileErrorTests: XCTestCase {
    func testAMissingFileIsReportedAsSuch() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("absent.h5")
        let error = storageError { try Checkpoint.load(from: path) }
        XCTAssertEqual(error, .fileNotFound(file: path))
        XCTAssertEqual(error?.description, "\(path) does not exist: check the path")
    }

    func testATextFileIsNotHDF5() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("molecules.h5")
        try "smiles\nCCO\nc1ccccc1\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(storageError { try HDF5File.open(at: path) }, .notHDF5(file: path))
        XCTAssertEqual(storageError { try Checkpoint.load(from: path) }, .notHDF5(file: path))
        XCTAssertFalse(HDF5File.isHDF5(at: path))
        XCTAssertEqual(storageError { try HDF5File.open(at: directory.path) }, .notHDF5(file: directory.path))
    }

    func testATruncatedCheckpointFailsItsChecksum() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.h5")
        try CheckpointTests.sample().save(to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        let error = storageError { try Checkpoint.load(from: path) }
        guard case .damaged(path, let reason)? = error else { return XCTFail("unexpected \(String(describing: error))") }
        XCTAssertTrue(reason.contains("truncated"), reason)
        XCTAssertEqual(error?.description.contains("\n"), false)
    }

    /// A file without MolGen's checksum (an older MolGen's, or h5py's) still gets HDF5's own verdict.
    func testATruncatedFileWithoutAChecksumIsReportedAsTruncatedOrCorrupt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.h5")
        let file = try HDF5File.create(at: path)
        try file.setAttribute("format", "molgen-checkpoint")
        try file.write("parameters/weight", values: [Float](repeating: 1, count: 10_000))
        try file.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        XCTAssertTrue(HDF5File.isHDF5(at: path), "the signature survives, so only opening can tell")

        let error = storageError { try Checkpoint.load(from: path) }
        guard case let .unreadable(file, reason)? = error else { return XCTFail("unexpected \(String(describing: error))") }
        XCTAssertEqual(file, path)
        XCTAssertFalse(reason.isEmpty)
        let description = error!.description
        XCTAssertTrue(description.hasPrefix("\(path) is truncated or corrupt (HDF5: "), description)
        XCTAssertTrue(description.hasSuffix("): write it again or restore a good copy"), description)
        XCTAssertFalse(description.contains("\n"))
    }

    func testACheckpointWithDamagedBytesIsAnErrorNotACrash() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.h5")
        try CheckpointTests.sample().save(to: path)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for index in stride(from: 200, to: bytes.count, by: 7) { bytes[index] ^= 0x5A }
        try bytes.write(to: URL(fileURLWithPath: path))
        switch storageError({ try Checkpoint.load(from: path) }) {
        case .damaged?: break
        case let other: XCTFail("unexpected \(String(describing: other))")
        }
    }

    func testAFileWithoutTheCheckpointLayoutNamesWhatIsMissing() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("partial.h5")
        try HDF5File.writeAtomically(to: path) { file in
            try file.setAttribute("format", "molgen-checkpoint")
            try file.setAttribute("version", 1)
            try file.setAttribute("config", "{}")
        }
        let error = storageError { try Checkpoint.load(from: path) }
        XCTAssertEqual(error, .missingGroup(path: "/parameters", file: path))
        XCTAssertEqual(error?.description,
                       "\(path) has no group '/parameters': the file is incomplete or was written for another purpose")

        try HDF5File.writeAtomically(to: path) { file in
            try file.setAttribute("format", "molgen-checkpoint")
            try file.setAttribute("version", 1)
            try file.createGroup("parameters")
        }
        XCTAssertEqual(storageError { try Checkpoint.load(from: path) }, .missingAttribute(name: "config", owner: "/", file: path))
    }

    func testADatasetFileIsNotACheckpoint() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("x.h5")
        try HDF5File.writeAtomically(to: path) { file in
            try file.setAttribute("format", "molgen-dataset")
            try file.setAttribute("version", 1)
            try file.write("smiles", values: ["CCO"])
        }
        let error = storageError { try Checkpoint.load(from: path) }
        XCTAssertEqual(error, .wrongFormat(file: path, found: "molgen-dataset", expected: "molgen-checkpoint"))
        XCTAssertEqual(error?.description, "\(path) is a molgen-dataset, not a molgen-checkpoint: pass a molgen-checkpoint file")
    }

    func testAnHDF5FileWithoutAFormatIsNotACheckpoint() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("plain.h5")
        try HDF5File.writeAtomically(to: path) { try $0.write("x", values: [Float(1)]) }
        XCTAssertEqual(storageError { try Checkpoint.load(from: path) },
                       .wrongFormat(file: path, found: nil, expected: "molgen-checkpoint"))
    }

    func testACheckpointFromANewerVersionAsksForAnUpdate() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("future.h5")
        try CheckpointTests.sample().save(to: path)
        let file = try HDF5File.open(at: path, mode: .readWrite)
        try file.setAttribute("version", .int(Checkpoint.currentVersion + 1))
        try file.close()
        let error = storageError { try Checkpoint.load(from: path) }
        XCTAssertEqual(error?.description,
                       "\(path) is molgen-checkpoint version \(Checkpoint.currentVersion + 1) but this MolGen reads versions up to "
                       + "\(Checkpoint.currentVersion): update MolGen")
    }

    func testParametersStoredAsAnotherTypeAreATypedError() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("doubles.h5")
        try HDF5File.writeAtomically(to: path) { file in
            try file.setAttribute("format", "molgen-checkpoint")
            try file.setAttribute("version", 1)
            try file.setAttribute("config", "{}")
            try file.write("parameters/encoder/weight", values: [Double(1), 2])
        }
        XCTAssertEqual(storageError { try Checkpoint.load(from: path) },
                       .typeMismatch(path: "/parameters/encoder/weight", file: path, stored: "float64", requested: "float32"))
    }

    func testWritingIntoAReadOnlyFileFailsWithAnExplanation() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("ro.h5")
        try HDF5File.writeAtomically(to: path) { try $0.write("x", values: [Float(1)]) }
        let file = try HDF5File.open(at: path)
        let error = storageError { try file.write("y", values: [Float(2)]) }
        XCTAssertTrue(error?.description.contains("opened read-only; open it with mode .readWrite") ?? false)
        XCTAssertNotNil(storageError { try file.setAttribute("a", 1) })
        XCTAssertFalse(file.contains("y"))
    }

    func testCreatingAFileInAMissingDirectoryNamesThePath() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("no/such/dir/model.h5")
        let error = storageError { try HDF5File.writeAtomically(to: path) { _ in } }
        XCTAssertEqual(error?.description,
                       "could not write \(path): the directory \(directory.file("no/such/dir")) does not exist")
        XCTAssertEqual(try directory.entries(), [])
    }
}
