import Foundation

/// A line chart written as a self-contained SVG file (loss curves, gradient norms); a series may
/// instead be drawn as dots (samples in a scatter plot).
public struct LinePlot {
    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// Draw each point as a small dot instead of joining them with a line.
        public var dots: Bool
        public init(name: String, points: [(x: Double, y: Double)], dots: Bool = false) {
            self.name = name; self.points = points; self.dots = dots
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series] = []
    /// Plot log10(y) (non-positive values are dropped).
    public var logY = false
    public var width = 760.0, height = 420.0

    public init(title: String, xLabel: String, yLabel: String, logY: Bool = false) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.logY = logY
    }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

    /// The SVG document.
    public var svg: String {
        // The legend sits right of the plot; make room for its longest name (about 7 px a character).
        let longest = series.map(\.name.count).max() ?? 0
        let left = 72.0, right = max(120.0, 52.0 + 6.3 * Double(longest)), top = 40.0, bottom = 52.0
        let plotW = width - left - right, plotH = height - top - bottom
        let cleaned = series.map { s -> [(Double, Double)] in
            s.points.compactMap { p in
                guard p.x.isFinite, p.y.isFinite, !logY || p.y > 0 else { return nil }
                return (p.x, logY ? log10(p.y) : p.y)
            }
        }
        let xs = cleaned.flatMap { $0.map(\.0) }, ys = cleaned.flatMap { $0.map(\.1) }
        var (x0, x1) = (xs.min() ?? 0, xs.max() ?? 1), (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
        if x1 <= x0 { x1 = x0 + 1 }
        if y1 <= y0 { y0 -= 0.5; y1 += 0.5 }
        let pad = (y1 - y0) * 0.05
        y0 -= pad; y1 += pad
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotW }
        func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * plotH }
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        func num(_ v: Double) -> String { String(format: "%.1f", v) }
        func label(_ v: Double) -> String {
            let value = logY ? pow(10, v) : v
            return abs(value) >= 1e4 || (abs(value) < 1e-2 && value != 0) ? String(format: "%.1e", value) : String(format: "%.3g", value)
        }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(num(left + plotW / 2))" y="22" text-anchor="middle" font-size="15">\(esc(title))</text>

            """
        for i in 0...5 {  // grid and tick labels
            let fy = y0 + (y1 - y0) * Double(i) / 5, fx = x0 + (x1 - x0) * Double(i) / 5
            out += "<line x1=\"\(num(left))\" y1=\"\(num(py(fy)))\" x2=\"\(num(left + plotW))\" y2=\"\(num(py(fy)))\" stroke=\"#e5e5e5\"/>\n"
            out += "<text x=\"\(num(left - 6))\" y=\"\(num(py(fy) + 4))\" text-anchor=\"end\">\(label(fy))</text>\n"
            out += "<text x=\"\(num(px(fx)))\" y=\"\(num(top + plotH + 16))\" text-anchor=\"middle\">\(String(format: "%.4g", fx))</text>\n"
        }
        out += "<rect x=\"\(num(left))\" y=\"\(num(top))\" width=\"\(num(plotW))\" height=\"\(num(plotH))\" fill=\"none\" stroke=\"#444\"/>\n"
        out += "<text x=\"\(num(left + plotW / 2))\" y=\"\(num(height - 12))\" text-anchor=\"middle\">\(esc(xLabel))</text>\n"
        out += "<text transform=\"translate(16,\(num(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(esc(yLabel + (logY ? " (log scale)" : "")))</text>\n"
        for (k, points) in cleaned.enumerated() where !points.isEmpty {
            let color = Self.colors[k % Self.colors.count]
            let ly = top + 14 + Double(k) * 18
            if series[k].dots {
                out += "<g fill=\"\(color)\" fill-opacity=\"0.45\">"
                for p in points { out += "<circle cx=\"\(num(px(p.0)))\" cy=\"\(num(py(p.1)))\" r=\"1.6\"/>" }
                out += "</g>\n<circle cx=\"\(num(left + plotW + 22))\" cy=\"\(num(ly - 4))\" r=\"3\" fill=\"\(color)\"/>\n"
            } else {
                let path = points.map { "\(num(px($0.0))),\(num(py($0.1)))" }.joined(separator: " ")
                out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(path)\"/>\n"
                out += "<line x1=\"\(num(left + plotW + 12))\" y1=\"\(num(ly - 4))\" x2=\"\(num(left + plotW + 32))\" y2=\"\(num(ly - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            }
            out += "<text x=\"\(num(left + plotW + 38))\" y=\"\(num(ly))\">\(esc(series[k].name))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Writes the SVG atomically.
    public func write(to path: String) throws {
        do { try Data(svg.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw ImageModelError.badFile(path: path, reason: "cannot write SVG: \(error.localizedDescription)")
        }
    }
}
