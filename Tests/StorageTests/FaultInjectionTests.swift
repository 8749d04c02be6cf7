import Foundation
import Storage
import XCTest

/// What fault injection found in the storage layer (issue 18): damaged files must fail loudly,
/// a full disk must give an error (not a crash), killed writers' temporaries must not pile up,
/// and an output must never replace an input.
final class FaultInjectionTests: XCTestCase {
    private func writeSample(_ path: String, rows: Int = 2000) throws {
        try HDF5File.writeAtomically(to: path) { file in
            try file.setAttribute("format", "molgen-test")
            try file.write("weights", values: (0..<rows).map { Float($0) * 0.25 }, deflateLevel: 4)
            try file.write("names", values: ["CCO", "c1ccccc1"])
        }
    }

    func testEveryFileWrittenCarriesAChecksumInItsUserBlock() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("a.h5")
        try writeSample(path)
        let head = try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)).prefix(80), as: UTF8.self)
        XCTAssertTrue(head.hasPrefix("MOLGEN-CHECKSUM 1 crc32="), head)
        XCTAssertEqual(try HDF5File.open(at: path).read("weights", as: Float.self).values.count, 2000)
    }

    func testAnyFlippedByteIsADamagedFileErrorBeforeHDF5ReadsIt() throws {
        let directory = try TemporaryDirectory()
        let good = directory.file("good.h5")
        try writeSample(good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let path = directory.file("bad.h5")
        // Positions in the stamp, in the rest of the user block, in HDF5's superblock, its
        // object headers, and the data.
        let positions = [5, 30, 300, 511, 512, 520, 600, 1000] + Array(stride(from: 1500, to: bytes.count, by: max(1, bytes.count / 40)))
        for position in positions {
            var damaged = bytes
            damaged[position] ^= 0x10
            try damaged.write(to: URL(fileURLWithPath: path))
            let error = storageError { try HDF5File.open(at: path) }
            guard case .damaged(path, _)? = error else { return XCTFail("byte \(position): \(String(describing: error))") }
            XCTAssertFalse(error!.description.contains("\n"))
        }
        // A zeroed block too.
        var zeroed = bytes
        zeroed.replaceSubrange(4096..<min(8192, bytes.count), with: [UInt8](repeating: 0, count: min(8192, bytes.count) - 4096))
        try zeroed.write(to: URL(fileURLWithPath: path))
        guard case .damaged? = storageError({ try HDF5File.open(at: path) }) else { return XCTFail("a zeroed block went unnoticed") }
    }

    func testAFileChangedInPlaceGetsANewChecksum() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("a.h5")
        try writeSample(path)
        let file = try HDF5File.open(at: path, mode: .readWrite)
        try file.setAttribute("format", "changed")
        try file.close()
        XCTAssertEqual(try HDF5File.open(at: path).stringAttribute("format"), "changed")
    }

    /// The shipped models were written before checksums: they must keep loading.
    func testShippedFilesWithoutAChecksumStillOpen() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for name in ["default.h5", "mnist-classifier.h5"] {
            let file = try HDF5File.open(at: root.appendingPathComponent("models/\(name)").path)
            XCTAssertTrue(try file.hasAttribute("format"), name)
        }
    }

    func testChunkedNumbersCarryFletcher32SoADamagedChunkIsAnErrorWithoutTheFileChecksum() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("plain.h5")
        let values = (0..<4096).map { Float($0) + 0.5 }
        // HDF5File.create writes no user block, as an older MolGen did: only Fletcher-32 can tell.
        let file = try HDF5File.create(at: path)
        // Chunked, uncompressed (deflate would catch it by its own Adler-32): only Fletcher-32 can.
        try file.createAppendableDataset("weights", of: Float.self, deflateLevel: nil).append(values)
        try file.close()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let pattern = withUnsafeBytes(of: values[2000]) { Data($0) }
        guard let found = bytes.range(of: pattern) else { return XCTFail("value not found in the file") }
        bytes[found.lowerBound] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try HDF5File.open(at: path).read("weights", as: Float.self)) { error in
            XCTAssertTrue("\(error)".contains("weights"), "\(error)")
        }
    }

    func testAFullDiskIsAnErrorLeavingNoTemporaryAndTheLibraryUsable() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("big.h5")
        // RLIMIT_FSIZE makes writes beyond 64 KiB fail with EFBIG, as a full disk fails with ENOSPC;
        // SIGXFSZ is ignored so the write returns an error instead of killing the process.
        var saved = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        let previousHandler = signal(SIGXFSZ, SIG_IGN)
        var limited = saved
        limited.rlim_cur = 64 * 1024
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limited), 0)
        let error = storageError {
            try HDF5File.writeAtomically(to: path) { file in
                let rows = try file.createAppendableDataset("x", of: Float.self, rowShape: [256], deflateLevel: nil)
                for _ in 0..<64 { try rows.append([Float](repeating: 1, count: 256 * 64)) }
            }
        }
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        signal(SIGXFSZ, previousHandler)
        XCTAssertNotNil(error)
        XCTAssertEqual(try directory.entries(), [], "the temporary is removed")
        XCTAssertTrue(TemporaryFiles.current.isEmpty)
        // Without closing every handle, HDF5 kept the failed file and crashed at process exit;
        // the library must also still work for the next file.
        try writeSample(path)
        XCTAssertEqual(try HDF5File.open(at: path).stringAttribute("format"), "molgen-test")
    }

    func testTheNextWriteRemovesTemporariesOfKilledWritersButNotOfLiveOnes() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.h5")
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let dead = directory.file(".model.h5.molgen-\(finished.processIdentifier)-3.tmp")
        let live = directory.file(".model.h5.molgen-\(getpid())-999.tmp")
        let unrelated = directory.file(".other.h5.molgen-\(finished.processIdentifier)-1.tmp")
        for stale in [dead, live, unrelated] { FileManager.default.createFile(atPath: stale, contents: Data([1, 2, 3])) }
        try writeSample(path)
        XCTAssertEqual(try directory.entries(), [".model.h5.molgen-\(getpid())-999.tmp", ".other.h5.molgen-\(finished.processIdentifier)-1.tmp", "model.h5"])
    }

    func testBeforeRenameRunsWhenTheFileIsCompleteAndStopsTheRenameWhenItThrows() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("out.h5")
        try writeSample(path)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        struct Refused: Error {}
        XCTAssertThrowsError(try HDF5File.writeAtomically(to: path, beforeRename: {
            XCTAssertEqual(try directory.entries().filter { $0.hasSuffix(".tmp") }.count, 1)
            throw Refused()
        }) { try $0.setAttribute("format", "new") })
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), original)
        XCTAssertEqual(try directory.entries(), ["out.h5"])
    }

    func testAnOutputIsRefusedWhenItIsAnInputByPathLinkOrInode() throws {
        let directory = try TemporaryDirectory()
        let input = directory.file("d.h5")
        try writeSample(input)
        try FileManager.default.createDirectory(atPath: directory.file("sub"), withIntermediateDirectories: true)
        try FileManager.default.linkItem(atPath: input, toPath: directory.file("hard.h5"))
        try FileManager.default.createSymbolicLink(atPath: directory.file("soft.h5"), withDestinationPath: input)
        for alias in [input, directory.file("sub/../d.h5"), directory.file("./d.h5"), directory.file("hard.h5"), directory.file("soft.h5")] {
            let error = storageError {
                try OutputPaths.check(NamedPath(alias, option: "--output"), against: [NamedPath(input, option: "--data")], extensions: ["h5"])
            }
            XCTAssertEqual(error, .outputIsInput(output: alias, option: "--output", input: input, inputOption: "--data"), alias)
        }
        XCTAssertNoThrow(try OutputPaths.check(NamedPath(directory.file("new.h5"), option: "--output"),
                                               against: [NamedPath(input, option: "--data")], extensions: ["h5"]))
        XCTAssertEqual(storageError { try OutputPaths.check(NamedPath(directory.file("e.csv"), option: "--output"), against: [], extensions: ["h5", "hdf5"]) },
                       .unsupportedOutputExtension(output: directory.file("e.csv"), option: "--output", supported: ["h5", "hdf5"]))
    }
}
