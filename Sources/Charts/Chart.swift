import Foundation
import Storage

/// An x–y chart written as a self-contained SVG file: lines (loss curves, a property along a
/// path), dots (samples), or dots coloured by a value on the viridis scale with a colour bar (a
/// latent map). Every picture of the project is drawn by this one type.
///
/// ```swift
/// var chart = Chart(title: "loss", xLabel: "epoch", yLabel: "nats")
/// chart.series = [.init(name: "train", points: [(1, 3.2), (2, 2.9)])]
/// try chart.write(to: "loss.svg")
/// ```
public struct Chart: Sendable {
    public enum Style: Sendable {
        /// Points joined in order; a non-finite y breaks the line (a missing value is a gap).
        case line
        /// One dot per point.
        case dots
        /// One dot per point coloured by `values` (same count as the points) on the viridis
        /// scale, with the chart's colour bar; NaN values are grey and drawn underneath.
        case colored(values: [Double])
    }

    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var style: Style
        /// A hover label per point (`<title>`), e.g. the molecule a dot stands for.
        public var labels: [String]?

        public init(name: String, points: [(x: Double, y: Double)], style: Style = .line, labels: [String]? = nil) {
            self.name = name; self.points = points; self.style = style; self.labels = labels
        }

        /// Values at x = 0, 1, 2, … (nil leaves a gap).
        public init(name: String, values: [Double?], style: Style = .line) {
            self.init(name: name, points: values.enumerated().map { (Double($0.offset), $0.element ?? .nan) }, style: style)
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series] = []
    /// Plot log10(y) (non-positive values are dropped).
    public var logY = false
    /// Axis limits at the 0.5th and 99.5th percentiles instead of the extremes; points beyond
    /// them are drawn on the edge as hollow marks, so one outlier cannot squash the rest.
    public var robustLimits = false
    /// The colour bar's caption (for `.colored` series).
    public var colorLabel = ""
    public var width = 760.0, height = 420.0

    public init(title: String, xLabel: String, yLabel: String, logY: Bool = false) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.logY = logY
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

    /// The SVG document.
    public var svg: String {
        let colorValues = series.flatMap { s -> [Double] in if case .colored(let v) = s.style { return v.filter(\.isFinite) } else { return [] } }
        let hasColorBar = series.contains { if case .colored = $0.style { return true } else { return false } }
        // The legend sits right of the plot: room for its longest name (about 6.3 px a character).
        let named = series.filter { !$0.name.isEmpty && !$0.isColored }
        let legendWidth = named.isEmpty ? 0 : 52.0 + 6.3 * Double(named.map(\.name.count).max() ?? 0)
        let left = 72.0, top = 40.0, bottom = 52.0
        let right = max(hasColorBar ? 110.0 : 40.0, legendWidth + (hasColorBar ? 70 : 0))
        let plotW = width - left - right, plotH = height - top - bottom

        // Points in plot units (log10 on a log axis); a point that cannot be drawn becomes nil.
        let cleaned = series.map { s in
            s.points.map { p -> (x: Double, y: Double)? in
                guard p.x.isFinite, p.y.isFinite, !logY || p.y > 0 else { return nil }
                return (p.x, logY ? log10(p.y) : p.y)
            }
        }
        let (x0, x1) = Self.limits(cleaned.flatMap { $0.compactMap { $0?.x } }, robust: robustLimits, pad: 0.02)
        let (y0, y1) = Self.limits(cleaned.flatMap { $0.compactMap { $0?.y } }, robust: robustLimits, pad: 0.05)
        func px(_ x: Double) -> Double { left + (min(max(x, x0), x1) - x0) / (x1 - x0) * plotW }
        func py(_ y: Double) -> Double { top + (1 - (min(max(y, y0), y1) - y0) / (y1 - y0)) * plotH }
        func outside(_ p: (x: Double, y: Double)) -> Bool { p.x < x0 || p.x > x1 || p.y < y0 || p.y > y1 }
        func tick(_ v: Double, log: Bool) -> String {
            let value = log ? pow(10, v) : v
            return abs(value) >= 1e4 || (abs(value) < 1e-2 && value != 0) ? String(format: "%.1e", value) : String(format: "%.3g", value)
        }

        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(n(left + plotW / 2))" y="22" text-anchor="middle" font-size="15">\(escapeHTML(title))</text>

            """
        for i in 0...5 {  // grid and tick labels
            let fy = y0 + (y1 - y0) * Double(i) / 5, fx = x0 + (x1 - x0) * Double(i) / 5
            out += "<line x1=\"\(n(left))\" y1=\"\(n(py(fy)))\" x2=\"\(n(left + plotW))\" y2=\"\(n(py(fy)))\" stroke=\"#e5e5e5\"/>\n"
            out += "<text x=\"\(n(left - 6))\" y=\"\(n(py(fy) + 4))\" text-anchor=\"end\">\(tick(fy, log: logY))</text>\n"
            out += "<text x=\"\(n(px(fx)))\" y=\"\(n(top + plotH + 16))\" text-anchor=\"middle\">\(tick(fx, log: false))</text>\n"
        }
        out += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(plotW))\" height=\"\(n(plotH))\" fill=\"none\" stroke=\"#444\"/>\n"
        out += "<text x=\"\(n(left + plotW / 2))\" y=\"\(n(height - 12))\" text-anchor=\"middle\">\(escapeHTML(xLabel))</text>\n"
        out += "<text transform=\"translate(16,\(n(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(escapeHTML(yLabel + (logY ? " (log scale)" : "")))</text>\n"

        let v0 = colorValues.min() ?? 0, v1 = max(colorValues.max() ?? 1, v0 + 1e-12)
        var legendRow = 0
        for (k, s) in series.enumerated() {
            let color = Self.palette[k % Self.palette.count]
            func dot(_ i: Int, _ p: (x: Double, y: Double), fill: String, radius: Double) -> String {
                let hollow = outside(p)
                let paint = hollow ? "fill=\"none\" stroke=\"\(fill)\"" : "fill=\"\(fill)\""
                let label = s.labels.map { "<title>\(escapeHTML($0[i]))</title>" } ?? ""
                return "<circle cx=\"\(n(px(p.x)))\" cy=\"\(n(py(p.y)))\" r=\"\(radius)\" \(paint)>\(label)</circle>"
            }
            switch s.style {
            case .line:
                var segment: [String] = []
                func flush() {
                    if !segment.isEmpty { out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(segment.joined(separator: " "))\"/>\n" }
                    segment = []
                }
                for p in cleaned[k] { if let p { segment.append("\(n(px(p.x))),\(n(py(p.y)))") } else { flush() } }
                flush()
            case .dots:
                out += "<g fill-opacity=\"0.55\">"
                for (i, p) in cleaned[k].enumerated() { if let p { out += dot(i, p, fill: color, radius: 1.8) } }
                out += "</g>\n"
            case .colored(let values):
                // Grey (NaN) dots first, so coloured ones stay on top.
                let order = cleaned[k].indices.sorted { (values[$0].isFinite ? 1 : 0) < (values[$1].isFinite ? 1 : 0) }
                out += "<g fill-opacity=\"0.8\">"
                for i in order { if let p = cleaned[k][i] { out += dot(i, p, fill: values[i].isFinite ? viridis((values[i] - v0) / (v1 - v0)) : "#bbbbbb", radius: 3) } }
                out += "</g>\n"
            }
            guard !s.name.isEmpty, !s.isColored else { continue }
            let lx = left + plotW + 12, ly = top + 14 + Double(legendRow) * 18
            legendRow += 1
            if case .line = s.style {
                out += "<line x1=\"\(n(lx))\" y1=\"\(n(ly - 4))\" x2=\"\(n(lx + 20))\" y2=\"\(n(ly - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            } else {
                out += "<circle cx=\"\(n(lx + 10))\" cy=\"\(n(ly - 4))\" r=\"3\" fill=\"\(color)\"/>\n"
            }
            out += "<text x=\"\(n(lx + 26))\" y=\"\(n(ly))\">\(escapeHTML(s.name))</text>\n"
        }
        if hasColorBar {
            let barX = width - 100, barW = 18.0
            out += "<defs><linearGradient id=\"colorbar\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
            for k in 0...10 { out += "<stop offset=\"\(Double(k) / 10)\" stop-color=\"\(viridis(Double(k) / 10))\"/>" }
            out += "</linearGradient></defs>\n"
            out += "<rect x=\"\(n(barX))\" y=\"\(n(top))\" width=\"\(n(barW))\" height=\"\(n(plotH))\" fill=\"url(#colorbar)\" stroke=\"#888\"/>\n"
            for k in 0...4 {
                let v = v0 + (v1 - v0) * Double(k) / 4
                out += "<text x=\"\(n(barX + barW + 5))\" y=\"\(n(top + plotH * (1 - Double(k) / 4) + 4))\">\(tick(v, log: false))</text>\n"
            }
            out += "<text x=\"\(n(barX))\" y=\"\(n(top - 8))\">\(escapeHTML(colorLabel))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Writes the SVG atomically.
    public func write(to path: String) throws { try writeTextFileAtomically(svg, to: path) }

    /// The axis range of `values`: their extremes, or their 0.5th and 99.5th percentiles, padded
    /// by a fraction of the width; a single value gets a unit-wide range.
    static func limits(_ values: [Double], robust: Bool, pad: Double) -> (Double, Double) {
        guard !values.isEmpty else { return (0, 1) }
        var lo: Double, hi: Double
        if robust && values.count >= 20 {
            let sorted = values.sorted()
            lo = sorted[Int(Double(sorted.count - 1) * 0.005)]
            hi = sorted[Int((Double(sorted.count - 1) * 0.995).rounded(.up))]
        } else {
            (lo, hi) = (values.min()!, values.max()!)
        }
        if hi - lo < 1e-12 { lo -= 0.5; hi += 0.5 }
        let margin = (hi - lo) * pad
        return (lo - margin, hi + margin)
    }
}

extension Chart {
    /// Several charts side by side in one SVG document (each chart's own SVG nested at its offset).
    public static func sideBySide(_ charts: [Chart]) -> String {
        var x = 0.0
        var body = ""
        for chart in charts {
            body += chart.svg.replacingOccurrences(of: "<svg ", with: "<svg x=\"\(Int(x))\" y=\"0\" ", options: [.anchored])
            x += chart.width
        }
        let height = charts.map(\.height).max() ?? 0
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(x))" height="\(Int(height))" viewBox="0 0 \(Int(x)) \(Int(height))">
            \(body)</svg>

            """
    }

    /// Writes `charts` side by side, atomically.
    public static func writeSideBySide(_ charts: [Chart], to path: String) throws {
        try writeTextFileAtomically(sideBySide(charts), to: path)
    }
}

extension Chart.Series {
    var isColored: Bool { if case .colored = style { return true } else { return false } }
}

private func n(_ v: Double) -> String { String(format: "%.1f", v) }

/// The viridis colour map at t in 0...1 (piecewise linear through 9 of its colours).
public func viridis(_ t: Double) -> String {
    let stops: [(Double, Double, Double)] = [
        (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
        (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
    ]
    let u = max(0, min(1, t.isFinite ? t : 0)) * Double(stops.count - 1)
    let i = min(Int(u), stops.count - 2), f = u - Double(i)
    let (a, b) = (stops[i], stops[i + 1])
    func mix(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * f).rounded()) }
    return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Escapes text for HTML and SVG content and attribute values.
public func escapeHTML(_ text: String) -> String {
    var out = ""
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
