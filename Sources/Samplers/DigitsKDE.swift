import Engine
import Foundation
import ImageModels

/// scikit-learn's KDE example on the 8x8 digits: pixels 0–16 (as `load_digits` gives them), PCA to
/// 15 dimensions over all 1,797 digits, the bandwidth by 5-fold cross-validated log-likelihood over
/// `logspace(-1, 1, 20)`, then new digits sampled in PCA space and mapped back.
public struct DigitsKDE {
    public var components: Int
    public var explainedVariance: Double
    public var bandwidth: Double
    /// The mean log-likelihood of a held-out digit in PCA space: each digit scored by the KDE of the
    /// other folds at the chosen bandwidth.
    public var heldOutLogLikelihood: Double
    /// Seconds spent on the cross-validation (all candidate bandwidths and folds).
    public var crossValidationSeconds: Double
    /// Real digits (left) beside sampled ones (right), as one picture.
    public var picture: PNGImage

    public static func run(digits: ImageSet, components: Int = 15, bandwidths: [Double] = BandwidthSearch.exampleGrid,
                           folds: Int = 5, rows: Int = 6, seed: UInt64 = 0) throws -> DigitsKDE {
        guard (1...50).contains(rows) else { throw SamplerError("--rows: \(rows) must be between 1 and 50") }
        let d = digits.pixelsPerImage, n = digits.count
        let raw = digits.pixels.map { $0 * 16 }   // back to load_digits' 0–16 scale, which sets h
        let pca = try PrincipalComponents(rows: raw, count: n, dimension: d, components: components)
        let projected = pca.project(raw, count: n)
        let started = Date()
        let search = try BandwidthSearch(points: projected, dimension: components, bandwidths: bandwidths, folds: folds)
        let seconds = Date().timeIntervalSince(started)
        let best = search.best
        let kde = try KernelDensity(points: projected, dimension: components, bandwidth: best.bandwidth)

        // A grid of `rows` × 6 real digits, a blank column, then `rows` × 6 sampled digits.
        let perSide = 6, rng = RandomGenerator(seed: seed)
        let samples = pca.reconstruct(kde.sample(rows * perSide, using: rng), count: rows * perSide)
        var realOrder = Array(0..<n)
        rng.shuffle(&realOrder)
        var cells = [Float]()
        for r in 0..<rows {
            for c in 0..<perSide { cells += raw[(realOrder[r * perSide + c] * d)..<(realOrder[r * perSide + c] * d + d)].map { $0 / 16 } }
            cells += [Float](repeating: 0.5, count: d)
            for c in 0..<perSide { cells += samples[((r * perSide + c) * d)..<((r * perSide + c) * d + d)].map { Float(min(max($0 / 16, 0), 1)) } }
        }
        let columns = 2 * perSide + 1
        let grid = imageGrid(cells, count: rows * columns, height: 8, width: 8, rows: rows, columns: columns, gap: 1)
        return DigitsKDE(components: components, explainedVariance: pca.explainedVariance, bandwidth: best.bandwidth,
                         heldOutLogLikelihood: best.perPoint, crossValidationSeconds: seconds, picture: grid.scaledUp(by: 4))
    }
}

extension PNGImage {
    /// Each pixel repeated `factor` × `factor` times (8x8 digits are too small to see).
    public func scaledUp(by factor: Int) -> PNGImage {
        var out = [UInt8](repeating: 0, count: width * factor * height * factor * channels)
        let outWidth = width * factor
        for y in 0..<(height * factor) {
            for x in 0..<outWidth {
                for c in 0..<channels { out[(y * outWidth + x) * channels + c] = bytes[((y / factor) * width + x / factor) * channels + c] }
            }
        }
        return PNGImage(width: outWidth, height: height * factor, channels: channels, bytes: out)
    }
}
