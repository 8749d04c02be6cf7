import CHDF5
import Foundation
@testable import Storage
import XCTest

/// What `tools/fuzz hdf5` found in the checkpoint reader: a group linked into itself made the walk
/// over a model's parameter groups run until the names filled memory.
final class GroupCycleTests: XCTestCase {
    func testAGroupLinkedIntoItselfIsAnErrorNotAnEndlessWalk() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("cycle.h5")
        let checkpoint = Checkpoint(kind: "test", config: "{}", parameters: ["encoder.weight": StoredArray(shape: [2], values: [1, 2])])
        try checkpoint.save(to: path)
        XCTAssertEqual(try Checkpoint.load(from: path).parameters["encoder.weight"]?.values, [1, 2])

        let file = try HDF5File.open(at: path, mode: .readWrite)
        let encoder = try file.group("parameters/encoder")
        XCTAssertGreaterThanOrEqual(H5Lcreate_hard(encoder.id, ".", encoder.id, "loop", chdf5_default(), chdf5_default()), 0)
        try file.close()
        XCTAssertThrowsError(try Checkpoint.load(from: path)) { error in
            XCTAssertTrue("\(error)".contains("its groups nest more than 32 deep"), "\(error)")
        }
    }
}
