import Charts
import Chem
import Foundation

/// A self-contained HTML page: text, tables and inline SVG (RDKit drawings, charts), with no
/// scripts, style sheets or images loaded from elsewhere, so the one file can be mailed or archived.
/// Data tables sort by a click on a column's heading (a few lines of inline script); molecules of a
/// grid share one drawing scale; a molecule can show what differs from another (RDKit MCS).
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

    /// A table of text cells; `header` names the columns. A click on a heading sorts the rows by
    /// that column (numbers as numbers), a second click reverses the order.
    public mutating func table(header: [String], rows: [[String]]) {
        let head = "<thead><tr>" + header.map { "<th title=\"click to sort\">\(escapeHTML($0))</th>" }.joined() + "</tr></thead>"
        let cells = rows.map { "<tr>" + $0.map { "<td>\(escapeHTML($0))</td>" }.joined() + "</tr>" }.joined()
        body.append("<table class=\"sortable\">\(head)<tbody>\(cells)</tbody></table>")
    }

    /// One RDKit drawing per valid molecule, each with its caption lines; invalid SMILES get a
    /// text cell instead of a drawing. All are drawn with bonds `bondLength` pixels long (by
    /// default the common length of this grid's molecules, `bondLength(for:size:)`), so a small
    /// molecule is not blown up beside a large one; pass one length to several grids to share
    /// the scale between them. A molecule with `differenceFrom` set has the atoms it does not
    /// share with that molecule highlighted.
    public mutating func moleculeGrid(_ molecules: [ReportMolecule], size: Int = 220, bondLength: Double? = nil) {
        let length = bondLength ?? Self.bondLength(for: molecules.map(\.smiles), size: size)
        let cells = molecules.map { m -> String in
            let caption = ([m.smiles] + m.caption).map { "<div>\(escapeHTML($0))</div>" }.joined()
            let highlight = m.highlighted ? " highlighted" : ""
            if let svg = try? Self.drawing(m, size: size, bondLength: length) {
                return "<figure class=\"molecule\(highlight)\">\(inlineSVG(svg))<figcaption>\(caption)</figcaption></figure>"
            }
            return "<figure class=\"molecule invalid\(highlight)\"><div class=\"blank\" style=\"width:\(size)px;height:\(size)px\">invalid</div><figcaption>\(caption)</figcaption></figure>"
        }
        body.append("<div class=\"grid\">\(cells.joined())</div>")
    }

    /// The bond length (pixels) at which all of `smiles` (invalid ones ignored) fit `size` × `size`
    /// cells, at most an eighth of the cell so that a grid of small molecules keeps a normal scale.
    public static func bondLength(for smiles: [String], size: Int = 220) -> Double {
        Depiction.commonBondLength(smiles.compactMap { try? Molecule(smiles: $0) }, width: size, height: size, maximum: Double(size) / 8)
    }

    static func drawing(_ m: ReportMolecule, size: Int, bondLength: Double) throws -> String {
        let molecule = try Molecule(smiles: m.smiles)
        guard let other = m.differenceFrom, other != m.smiles, let reference = try? Molecule(smiles: other) else {
            return try Depiction.svg(molecule, width: size, height: size, bondLength: bondLength)
        }
        return try Depiction.svg(molecule, highlightingDifferenceFrom: reference, width: size, height: size, timeout: 1, bondLength: bondLength)
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
        table.sortable th{background:#eef3f8}table.sortable th[data-order=up]::after{content:" ▲"}table.sortable th[data-order=down]::after{content:" ▼"}
        .grid{display:flex;flex-wrap:wrap;gap:.5em}
        figure.molecule{margin:0;border:1px solid #ddd;padding:.3em;font-size:.8em;max-width:240px;overflow-wrap:anywhere}
        figure.highlighted{border:2px solid #2a7}
        .blank{display:flex;align-items:center;justify-content:center;color:#a33;background:#fafafa}
        </style></head><body>
        <h1>\(escapeHTML(title))</h1>
        \(body.joined(separator: "\n"))
        \(Self.sortScript)
        </body></html>

        """
    }

    /// Sorts a `table.sortable` by the clicked heading's column: numbers numerically (before
    /// text), text alphabetically; a second click on the same heading reverses the order.
    static let sortScript = """
        <script>
        document.querySelectorAll("table.sortable th").forEach(function (th) {
          th.style.cursor = "pointer";
          th.addEventListener("click", function () {
            var body = th.closest("table").tBodies[0], column = th.cellIndex, up = th.dataset.order !== "up";
            var key = function (row) { var t = row.cells[column].textContent.trim(); return t !== "" && !isNaN(t) ? Number(t) : t; };
            var rows = Array.prototype.slice.call(body.rows).sort(function (a, b) {
              var x = key(a), y = key(b);
              var c = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
              return up ? c : -c;
            });
            rows.forEach(function (row) { body.appendChild(row); });
            th.parentNode.querySelectorAll("th").forEach(function (h) { delete h.dataset.order; });
            th.dataset.order = up ? "up" : "down";
          });
        });
        </script>
        """

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
    /// The molecule this one is compared with (a query, a start): the atoms outside their maximum
    /// common substructure are highlighted in the drawing.
    public var differenceFrom: String?

    public init(smiles: String, caption: [String] = [], highlighted: Bool = false, differenceFrom: String? = nil) {
        self.smiles = smiles; self.caption = caption; self.highlighted = highlighted; self.differenceFrom = differenceFrom
    }
}

/// SVG text without its XML declaration, ready to sit inside HTML.
func inlineSVG(_ svg: String) -> String {
    guard let start = svg.range(of: "<svg") else { return svg }
    return String(svg[start.lowerBound...])
}
