import CPNG
import Foundation
import Storage

/// 8-bit grayscale or RGB pixels, read from and written to PNG with libpng.
public struct PNGImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// 1 (gray) or 3 (RGB).
    public let channels: Int
    /// Rows top to bottom, `width · channels` bytes each.
    public var bytes: [UInt8]

    public init(width: Int, height: Int, channels: Int = 1, bytes: [UInt8]) {
        precondition(channels == 1 || channels == 3, "PNGImage: channels must be 1 or 3, got \(channels)")
        precondition(bytes.count == width * height * channels, "PNGImage: \(bytes.count) bytes for \(width)x\(height)x\(channels)")
        self.width = width; self.height = height; self.channels = channels; self.bytes = bytes
    }

    /// A gray image from values in [0, 1] (clamped), row-major height × width.
    public init(gray values: [Float], width: Int, height: Int) {
        self.init(width: width, height: height, bytes: values.map { UInt8((min(max($0, 0), 1) * 255).rounded()) })
    }

    /// Writes the image atomically (a temporary file renamed into place).
    public func write(to path: String) throws {
        let temporary = TemporaryFiles.make(for: path)
        var message = [CChar](repeating: 0, count: 128)
        let ok = bytes.withUnsafeBufferPointer { px in
            molgen_png_write(temporary, Int32(width), Int32(height), Int32(channels), px.baseAddress, &message, Int32(message.count))
        }
        guard ok == 1 else {
            TemporaryFiles.remove(temporary)
            throw ImageModelError.badFile(path: path, reason: "cannot write PNG: \(String(cString: message))")
        }
        do { try TemporaryFiles.moveIntoPlace(temporary, at: path) } catch {
            throw ImageModelError.badFile(path: path, reason: "cannot move the PNG into place: \(error)")
        }
    }

    /// Reads a PNG as gray (`channels` 1) or RGB (3), converting whatever format the file holds.
    public init(contentsOf path: String, channels: Int = 1) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw ImageModelError.fileNotFound(path) }
        var message = [CChar](repeating: 0, count: 128)
        var w: Int32 = 0, h: Int32 = 0
        guard molgen_png_read(path, Int32(channels), &w, &h, nil, 0, &message, Int32(message.count)) == 1 else {
            throw ImageModelError.badFile(path: path, reason: "not a readable PNG: \(String(cString: message))")
        }
        var bytes = [UInt8](repeating: 0, count: Int(w) * Int(h) * channels)
        let ok = bytes.withUnsafeMutableBufferPointer { px in
            molgen_png_read(path, Int32(channels), &w, &h, px.baseAddress, Int32(px.count), &message, Int32(message.count))
        }
        guard ok == 1 else { throw ImageModelError.badFile(path: path, reason: "not a readable PNG: \(String(cString: message))") }
        self.init(width: Int(w), height: Int(h), channels: channels, bytes: bytes)
    }

    /// Pixel values scaled to [0, 1] (gray images).
    public var grayValues: [Float] { bytes.map { Float($0) / 255 } }
}

/// Tiles images into one picture: `rows` × `columns` cells of height × width pixels with a
/// `gap`-pixel border between cells. Images fill row by row; missing cells stay at `background`.
public func imageGrid(_ pixels: [Float], count: Int, height: Int, width: Int, rows: Int, columns: Int,
                      gap: Int = 2, background: Float = 0.5) -> PNGImage {
    precondition(count <= rows * columns, "imageGrid: \(count) images do not fit \(rows)x\(columns)")
    let outW = columns * width + (columns + 1) * gap, outH = rows * height + (rows + 1) * gap
    var values = [Float](repeating: background, count: outW * outH)
    for n in 0..<count {
        let r = n / columns, c = n % columns
        let top = gap + r * (height + gap), left = gap + c * (width + gap)
        for y in 0..<height {
            for x in 0..<width { values[(top + y) * outW + left + x] = pixels[(n * height + y) * width + x] }
        }
    }
    return PNGImage(gray: values, width: outW, height: outH)
}
