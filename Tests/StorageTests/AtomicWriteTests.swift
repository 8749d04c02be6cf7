import Foundation
import Storage
import XCTest

/// `HDF5File.writeAtomically` replaces a file all at once or not at all.
final class AtomicWriteTests: XCTestCase {
    struct BodyFailed: Error {}

    func testAThrowingBodyLeavesThePreviousFileIntactAndNoTemporary() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.h5")
        try HDF5File.writeAtomically(to: path) { file in
            try file.write("generation", values: [Int32(1)])
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        XCTAssertThrowsError(try HDF5File.writeAtomically(to: path) { file in
            try file.write("generation", values: [Int32(2)])
            try file.write("big", values: [Float](repeating: 1, count: 100_000))
            throw BodyFailed()
        }) { XCTAssertTrue($0 is BodyFailed) }

        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertEqual(try HDF5File.open(at: path).read("generation", as: Int32.self).values, [1])
        XCTAssertEqual(try directory.entries(), ["model.h5"])
    }

    func testTheTargetAppearsOnlyAfterTheBodyFinishes() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("fresh.h5")
        let result = try HDF5File.writeAtomically(to: path) { file -> Int in
            try file.write("x", values: [UInt8(9)])
            XCTAssertFalse(FileManager.default.fileExists(atPath: path), "nothing at the path while writing")
            let temporaries = try directory.entries()
            XCTAssertEqual(temporaries.count, 1)
            XCTAssertTrue(temporaries[0].hasPrefix(".fresh.h5.") && temporaries[0].hasSuffix(".tmp"), temporaries[0])
            return 42
        }
        XCTAssertEqual(result, 42)
        XCTAssertEqual(try directory.entries(), ["fresh.h5"])
        XCTAssertEqual(try HDF5File.open(at: path).read("x", as: UInt8.self).values, [9])
    }

    func testASuccessfulWriteReplacesThePreviousFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("replace.h5")
        try HDF5File.writeAtomically(to: path) { try $0.write("a", values: [Int64(1)]) }
        try HDF5File.writeAtomically(to: path) { try $0.write("b", values: [Int64(2)]) }
        let file = try HDF5File.open(at: path)
        XCTAssertEqual(try file.childNames(), ["b"])
    }

    func testTheFileAndItsObjectsAreClosedWhenTheBodyReturns() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("closed.h5")
        var kept: (HDF5File, HDF5Group)?
        try HDF5File.writeAtomically(to: path) { file in
            kept = (file, try file.createGroup("g"))
        }
        XCTAssertFalse(kept!.0.isOpen)
        XCTAssertEqual(storageError { try kept!.1.write("late", values: [Float(1)]) },
                       .fileClosed(file: kept!.0.filePath))
        XCTAssertEqual(try HDF5File.open(at: path).childNames(), ["g"])
    }
}
