import Charts
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
