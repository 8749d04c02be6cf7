import Foundation
import ImageModels
import XCTest

final class PNGAndPlotTests: XCTestCase {
    func testGridWrittenWithLibpngReadsBackExactly() throws {
        let dir = try TemporaryDirectory()
        let images = mnistSplit.heldOut.subset(Array(0..<12))
        let grid = imageGrid(images.pixels, count: 12, height: 28, width: 28, rows: 3, columns: 4, gap: 2)
        XCTAssertEqual(grid.width, 4 * 28 + 5 * 2)
        XCTAssertEqual(grid.height, 3 * 28 + 4 * 2)
        let path = dir.file("grid.png")
        try grid.write(to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])   // PNG signature
        let back = try PNGImage(contentsOf: path)
        XCTAssertEqual(back, grid)
        // The first image sits at (2, 2): its pixels come back to within 8-bit rounding.
        for y in 0..<28 { for x in 0..<28 {
            XCTAssertEqual(back.grayValues[(2 + y) * grid.width + 2 + x], images.pixels[y * 28 + x], accuracy: 0.5 / 255 + 1e-6)
        } }
        // Read as RGB, gray expands to three equal channels.
        let rgb = try PNGImage(contentsOf: path, channels: 3)
        XCTAssertEqual(rgb.bytes[0], rgb.bytes[1])
        XCTAssertEqual(Array(stride(from: 0, to: rgb.bytes.count, by: 3).map { rgb.bytes[$0] }), grid.bytes)
    }

    func testNonPNGFileIsRejectedNamingIt() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("fake.png")
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: path))
        guard case .badFile(let p, let reason)? = imageModelError({ try PNGImage(contentsOf: path) }) else { return }
        XCTAssertEqual(p, path)
        XCTAssertTrue(reason.hasPrefix("not a readable PNG"), reason)
        XCTAssertEqual(imageModelError { try PNGImage(contentsOf: dir.file("none.png")) }, .fileNotFound(dir.file("none.png")))
    }
}
