@testable import Engine
import XCTest

/// Tensor storage is pooled by size class, so buffers of nearly the same size are reused.
final class BufferPoolTests: XCTestCase {
    func testSizeClassesCoverTheRequestWithAtMostAQuarterUnused() {
        var previous = 0
        for count in Array(1...20_000) + [1 << 20, (1 << 20) + 1, 3_000_001] {
            let size = BufferPool.sizeClass(count)
            XCTAssertGreaterThanOrEqual(size, count)
            XCTAssertLessThanOrEqual(Double(size), Double(count) * 1.25 + 1, "\(count)")
            XCTAssertGreaterThanOrEqual(size, previous, "classes must not shrink as requests grow")
            if count <= 4096 { XCTAssertEqual(size, count) }
            previous = size
        }
        XCTAssertEqual(Set((4097...8192).map(BufferPool.sizeClass)), [5120, 6144, 7168, 8192])
    }

    /// A decoding batch that loses a few finished rows reuses the step's buffers.
    func testABufferFreedIsReusedForASlightlySmallerTensor() {
        var address: UnsafeMutablePointer<Float>?
        do {
            let step = Tensor(zeros: [500, 960])
            address = step.pointer
        }
        let smaller = Tensor(zeros: [497, 960])
        XCTAssertEqual(smaller.pointer, address)
        XCTAssertEqual(smaller.count, 497 * 960)
        XCTAssertTrue(smaller.scalars.allSatisfy { $0 == 0 })
    }
}
