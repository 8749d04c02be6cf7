import Foundation
import ImageModels
import Storage

/// An option a caller got wrong; the message names the option.
public struct ToyError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Several charts side by side in one SVG: each plot's own SVG nested at its offset.
public func sideBySide(_ plots: [LinePlot]) -> String {
    var x = 0.0
    var body = ""
    for plot in plots {
        body += plot.svg.replacingOccurrences(of: "<svg ", with: "<svg x=\"\(Int(x))\" y=\"0\" ", options: [.anchored])
        x += plot.width
    }
    let height = plots.map(\.height).max() ?? 0
    return """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(x))" height="\(Int(height))" viewBox="0 0 \(Int(x)) \(Int(height))">
        \(body)</svg>

        """
}

/// Writes `plots` side by side, atomically.
public func writePanels(_ plots: [LinePlot], to path: String) throws {
    do { try writeTextFileAtomically(sideBySide(plots), to: path) } catch {
        throw ToyError("\(path): cannot write SVG: \(error)")
    }
}

/// Points of a row-major [N, 2] array as plot points.
func planePoints(_ v: [Float]) -> [(x: Double, y: Double)] {
    stride(from: 0, to: v.count - 1, by: 2).map { (Double(v[$0]), Double(v[$0 + 1])) }
}

/// A square scatter panel.
func scatterPanel(_ title: String, x: String, y: String, _ series: [LinePlot.Series]) -> LinePlot {
    var plot = LinePlot(title: title, xLabel: x, yLabel: y)
    plot.width = 520; plot.height = 440
    plot.series = series
    return plot
}
