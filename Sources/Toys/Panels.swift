import Charts
import Foundation
import ImageModels
import Storage

/// An option a caller got wrong; the message names the option.
public struct ToyError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Writes `plots` side by side, atomically.
public func writePanels(_ plots: [Chart], to path: String) throws {
    do { try Chart.writeSideBySide(plots, to: path) } catch {
        throw ToyError("\(path): cannot write SVG: \(error)")
    }
}

/// Points of a row-major [N, 2] array as plot points.
func planePoints(_ v: [Float]) -> [(x: Double, y: Double)] {
    stride(from: 0, to: v.count - 1, by: 2).map { (Double(v[$0]), Double(v[$0 + 1])) }
}

/// A square scatter panel.
func scatterPanel(_ title: String, x: String, y: String, _ series: [Chart.Series]) -> Chart {
    var plot = Chart(title: title, xLabel: x, yLabel: y)
    plot.width = 520; plot.height = 440
    plot.series = series
    return plot
}
