import Foundation
import Storage
import XCTest

/// HDF5 serial is not thread-safe; Storage serializes its calls so separate files can be used
/// from separate threads.
final class ConcurrencyTests: XCTestCase {
    func testSeparateFilesOnSeparateThreadsDoNotInterfere() throws {
        let directory = try TemporaryDirectory()
        let failures = NSLock()
        var messages: [String] = []
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            do {
                for round in 0..<10 {
                    let path = directory.file("worker\(worker)-\(round).h5")
                    let values = (0..<2_000).map { Float(worker * 1_000_000 + round * 10_000 + $0) }
                    try HDF5File.writeAtomically(to: path) { file in
                        let rows = try file.createAppendableDataset("values", of: Float.self, rowShape: [10], deflateLevel: 1)
                        for block in stride(from: 0, to: values.count, by: 500) { try rows.append(Array(values[block..<block + 500])) }
                        try file.setAttribute("worker", .int(worker))
                    }
                    let file = try HDF5File.open(at: path)
                    guard try file.read("values", as: Float.self).values == values, try file.intAttribute("worker") == worker else {
                        throw StorageError.invalidArgument("worker \(worker) round \(round) read back other data")
                    }
                }
            } catch {
                failures.lock()
                messages.append("\(error)")
                failures.unlock()
            }
        }
        XCTAssertEqual(messages, [])
    }
}
