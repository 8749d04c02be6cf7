import Chem
import Foundation

/// A self-contained HTML page: text, tables and inline SVG (RDKit drawings, charts), with no
/// scripts, style sheets or images loaded from elsewhere, so the one file can be mailed or archived.
///
/// ```swift
/// var report = HTMLReport(title: "Samples")
/// report.paragraph("100 prior samples")
/// report.moleculeGrid([ReportMolecule(smiles: "CCO", caption: ["logP 0.1"])])
/// try report.write(to: "samples.html")
/// ```
public struct HTMLReport {
    public var title: String
    private var body: [String] = []

    public init(title: String) { self.title = title }

    /// A heading of the page's second level.
    public mutating func heading(_ text: String) { body.append("<h2>\(escapeHTML(text))</h2>") }

    public mutating func paragraph(_ text: String) { body.append("<p>\(escapeHTML(text))</p>") }

    /// A warning shown first on the page (an input outside the model's applicability domain).
    public mutating func warning(_ text: String) {
        body.insert("<p class=\"warning\" style=\"background:#fff3cd;border:1px solid #e0c060;padding:6px\">⚠ \(escapeHTML(text))</p>", at: 0)
    }

    /// `name: value` pairs as a two-column table.
    public mutating func facts(_ pairs: [(String, String)]) {
        let rows = pairs.map { "<tr><th>\(escapeHTML($0.0))</th><td>\(escapeHTML($0.1))</td></tr>" }.joined()
        body.append("<table class=\"facts\">\(rows)</table>")
    }

    /// A table of text cells; `header` names the columns.
    public mutating func table(header: [String], rows: [[String]]) {
        let head = "<tr>" + header.map { "<th>\(escapeHTML($0))</th>" }.joined() + "</tr>"
        let cells = rows.map { "<tr>" + $0.map { "<td>\(escapeHTML($0))</td>" }.joined() + "</tr>" }.joined()
        body.append("<table>\(head)\(cells)</table>")
    }

    /// One RDKit drawing per valid molecule, each with its caption lines; invalid SMILES get a
    /// text cell instead of a drawing.
    public mutating func moleculeGrid(_ molecules: [ReportMolecule], size: Int = 220) {
        let cells = molecules.map { m -> String in
            let caption = ([m.smiles] + m.caption).map { "<div>\(escapeHTML($0))</div>" }.joined()
            let highlight = m.highlighted ? " highlighted" : ""
            if let svg = try? Depiction.svg(smiles: m.smiles, width: size, height: size) {
                return "<figure class=\"molecule\(highlight)\">\(inlineSVG(svg))<figcaption>\(caption)</figcaption></figure>"
            }
            return "<figure class=\"molecule invalid\(highlight)\"><div class=\"blank\" style=\"width:\(size)px;height:\(size)px\">invalid</div><figcaption>\(caption)</figcaption></figure>"
        }
        body.append("<div class=\"grid\">\(cells.joined())</div>")
    }

    /// Raw SVG (a chart) placed as it is.
    public mutating func svg(_ svg: String) { body.append("<div class=\"chart\">\(inlineSVG(svg))</div>") }

    /// The whole page.
    public var html: String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escapeHTML(title))</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:2em;color:#222}
        table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.2em .6em;text-align:left;font-size:.9em}
        table.facts th{background:#f4f4f4}
        .grid{display:flex;flex-wrap:wrap;gap:.5em}
        figure.molecule{margin:0;border:1px solid #ddd;padding:.3em;font-size:.8em;max-width:240px;overflow-wrap:anywhere}
        figure.highlighted{border:2px solid #2a7}
        .blank{display:flex;align-items:center;justify-content:center;color:#a33;background:#fafafa}
        </style></head><body>
        <h1>\(escapeHTML(title))</h1>
        \(body.joined(separator: "\n"))
        </body></html>

        """
    }

    /// Writes the page atomically.
    public func write(to path: String) throws { try writeTextAtomically(html, to: path) }
}

/// A molecule for `HTMLReport.moleculeGrid`.
public struct ReportMolecule {
    public var smiles: String
    /// Lines under the drawing (values, similarity, step).
    public var caption: [String]
    /// Drawn with a coloured border (e.g. the first appearance of a molecule along a path).
    public var highlighted: Bool

    public init(smiles: String, caption: [String] = [], highlighted: Bool = false) {
        self.smiles = smiles; self.caption = caption; self.highlighted = highlighted
    }
}

/// SVG text without its XML declaration, ready to sit inside HTML.
func inlineSVG(_ svg: String) -> String {
    guard let start = svg.range(of: "<svg") else { return svg }
    return String(svg[start.lowerBound...])
}

/// Escapes text for HTML content and attribute values.
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

/// A small line chart as SVG: one or more series over a shared x axis, with axis labels.
/// Missing values (nil) leave gaps; series are drawn as lines, or as dots when `dots` is set.
public func lineChartSVG(title: String, xLabel: String, series: [(name: String, values: [Double?], color: String, dots: Bool)],
                         width: Double = 640, height: Double = 300) -> String {
    let left = 60.0, right = 20.0, top = 30.0, bottom = 45.0
    let all = series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite)
    let n = series.map(\.values.count).max() ?? 0
    guard n > 0, var low = all.min(), var high = all.max() else {
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"40\"><text x=\"10\" y=\"25\">\(escapeHTML(title)): no values</text></svg>"
    }
    if high - low < 1e-9 { low -= 0.5; high += 0.5 }
    let pad = (high - low) * 0.05
    low -= pad; high += pad
    func x(_ i: Int) -> Double { left + (width - left - right) * (n > 1 ? Double(i) / Double(n - 1) : 0.5) }
    func y(_ v: Double) -> Double { top + (height - top - bottom) * (1 - (v - low) / (high - low)) }
    var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">"
    out += "<text x=\"\(left)\" y=\"18\" font-size=\"13\">\(escapeHTML(title))</text>"
    out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(width - left - right)\" height=\"\(height - top - bottom)\" fill=\"none\" stroke=\"#999\"/>"
    for k in 0...4 {
        let v = low + (high - low) * Double(k) / 4
        out += "<text x=\"\(left - 5)\" y=\"\(format(y(v) + 4))\" text-anchor=\"end\">\(format(v, digits: 2))</text>"
    }
    out += "<text x=\"\(left)\" y=\"\(height - bottom + 15)\">0</text>"
    out += "<text x=\"\(width - right)\" y=\"\(height - bottom + 15)\" text-anchor=\"end\">\(n - 1)</text>"
    out += "<text x=\"\((left + width - right) / 2)\" y=\"\(height - 10)\" text-anchor=\"middle\">\(escapeHTML(xLabel))</text>"
    for (k, s) in series.enumerated() {
        if s.dots {
            for (i, v) in s.values.enumerated() { if let v, v.isFinite { out += "<circle cx=\"\(format(x(i)))\" cy=\"\(format(y(v)))\" r=\"2.5\" fill=\"\(s.color)\"/>" } }
        } else {
            var segments: [[String]] = [[]]
            for (i, v) in s.values.enumerated() {
                if let v, v.isFinite { segments[segments.count - 1].append("\(format(x(i))),\(format(y(v)))") } else { segments.append([]) }
            }
            for segment in segments where !segment.isEmpty {
                out += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.5\" points=\"\(segment.joined(separator: " "))\"/>"
            }
        }
        let ly = top + 14 + Double(k) * 14
        out += "<rect x=\"\(width - right - 150)\" y=\"\(ly - 8)\" width=\"10\" height=\"10\" fill=\"\(s.color)\"/>"
        out += "<text x=\"\(width - right - 135)\" y=\"\(ly + 1)\">\(escapeHTML(s.name))</text>"
    }
    return out + "</svg>"
}

func format(_ v: Double, digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
