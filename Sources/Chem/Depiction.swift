import CRDKit
import Foundation

/// 2D drawings of molecules as SVG text, by RDKit's `MolDraw2DSVG` (coordinates from RDKit's depictor).
public enum Depiction {
    /// One molecule in a `width` × `height` picture, with `legend` beneath it when not empty. With
    /// `bondLength` (pixels) every bond is drawn that long as long as the molecule fits (see
    /// `commonBondLength`), so molecules drawn with the same length share one scale; without it
    /// RDKit fits the molecule to the picture.
    /// - Throws: `ChemError.drawingFailed` if RDKit cannot draw it.
    public static func svg(_ molecule: Molecule, width: Int = 300, height: Int = 300, legend: String = "",
                           bondLength: Double? = nil) throws -> String {
        guard let svg = takeString(crd_molecule_svg(molecule.handle, Int32(width), Int32(height), legend, bondLength ?? 0)) else {
            throw ChemError.drawingFailed(molecule.canonicalSMILES)
        }
        return svg
    }

    /// Parses `smiles` and draws it; see `svg(_:width:height:legend:bondLength:)`.
    public static func svg(smiles: String, width: Int = 300, height: Int = 300, legend: String = "",
                           bondLength: Double? = nil) throws -> String {
        try svg(Molecule(smiles: smiles), width: width, height: height, legend: legend, bondLength: bondLength)
    }

    /// `molecule` drawn with what differs from `reference` highlighted: the atoms outside their
    /// maximum common substructure (`Molecule.commonSubstructure(with:timeout:)`: RDKit FMCS,
    /// complete rings only, at most `timeout` seconds of search) and the bonds touching them.
    /// Nothing is highlighted when the two are the same. `bondLength` as in `svg(_:width:height:legend:bondLength:)`.
    public static func svg(_ molecule: Molecule, highlightingDifferenceFrom reference: Molecule, width: Int = 300, height: Int = 300,
                           timeout: Double = 1, bondLength: Double? = nil) throws -> String {
        guard let svg = takeString(crd_molecule_svg_difference(molecule.handle, reference.handle, Int32(width), Int32(height),
                                                               timeout, bondLength ?? 0)) else {
            throw ChemError.drawingFailed(molecule.canonicalSMILES)
        }
        return svg
    }

    /// The bond length (pixels) at which every one of `molecules` fits a `width` × `height`
    /// picture, at most `maximum` (so a grid of small molecules is not blown up): the shortest of
    /// the lengths RDKit picks when it fits each molecule alone, less 2% for rounding. Drawing them
    /// all with it (`bondLength:`) gives one scale for the whole grid.
    public static func commonBondLength(_ molecules: [Molecule], width: Int, height: Int, maximum: Double) -> Double {
        let fitted = molecules.map { crd_molecule_fitted_bond_length($0.handle, Int32(width), Int32(height)) }.filter { $0 > 0 }
        return min(maximum, 0.98 * (fitted.min() ?? maximum))
    }

    /// The atoms an RDKit SVG highlights (its `<ellipse ... class='atom-N'>` discs), increasing.
    public static func highlightedAtoms(inSVG svg: String) -> [Int] {
        let pattern = try! NSRegularExpression(pattern: "<ellipse [^>]*class='atom-(\\d+)'")
        let text = svg as NSString
        return pattern.matches(in: svg, range: NSRange(location: 0, length: text.length))
            .map { Int(text.substring(with: $0.range(at: 1)))! }.sorted()
    }

    /// The bond length (pixels) of an RDKit SVG, read back from its bond strokes: the most common
    /// length among bonds between two unlabelled atoms (drawn whole; a bond to a labelled atom is
    /// shortened at the label), lengths within 2% counted together and a tie going to the longer,
    /// so that a macrocycle's few stretched bonds do not count. 0 when no bond joins two unlabelled
    /// atoms. Checks that a grid shares one scale.
    public static func bondLength(inSVG svg: String) -> Double {
        let text = svg as NSString
        let whole = NSRange(location: 0, length: text.length)
        // Atoms drawn with a label have glyph paths of their own class.
        let labels = try! NSRegularExpression(pattern: "<path class='atom-(\\d+)'")
        let labelled = Set(labels.matches(in: svg, range: whole).map { text.substring(with: $0.range(at: 1)) })
        let number = "([-\\d.]+)"
        let strokes = try! NSRegularExpression(pattern: "<path class='bond-(\\d+) atom-(\\d+) atom-(\\d+)' d='M \(number),\(number) L \(number),\(number)'")
        var longest: [String: Double] = [:]
        for match in strokes.matches(in: svg, range: whole) {
            guard !labelled.contains(text.substring(with: match.range(at: 2))), !labelled.contains(text.substring(with: match.range(at: 3))) else { continue }
            let v = (4...7).map { Double(text.substring(with: match.range(at: $0)))! }
            let bond = text.substring(with: match.range(at: 1))
            longest[bond] = max(longest[bond] ?? 0, ((v[2] - v[0]) * (v[2] - v[0]) + (v[3] - v[1]) * (v[3] - v[1])).squareRoot())
        }
        var groups: [[Double]] = []
        for length in longest.values.sorted() {
            if let first = groups.last?.first, length <= first * 1.02 { groups[groups.count - 1].append(length) } else { groups.append([length]) }
        }
        guard let common = groups.reversed().max(by: { $0.count < $1.count }) else { return 0 }
        return common[common.count / 2]
    }

    /// An MDL mol block (V2000) with 2D coordinates from RDKit's depictor, for SDF files.
    public static func molBlock(_ molecule: Molecule) throws -> String {
        guard let block = takeString(crd_molecule_molblock(molecule.handle)) else { throw ChemError.drawingFailed(molecule.canonicalSMILES) }
        return block
    }

    /// One SVG with the molecules in rows of `columns` cells of `cellWidth` × `cellHeight`.
    /// A nil molecule leaves a blank cell (its legend is still written), so invalid samples
    /// keep their place in the grid. `legends` is empty or has one entry per molecule.
    public static func gridSVG(
        _ molecules: [Molecule?], legends: [String] = [], columns: Int = 4, cellWidth: Int = 250, cellHeight: Int = 200
    ) throws -> String {
        precondition(legends.isEmpty || legends.count == molecules.count,
                     "gridSVG: \(legends.count) legends for \(molecules.count) molecules")
        precondition(columns > 0 && cellWidth > 0 && cellHeight > 0, "gridSVG: columns and cell sizes must be positive")
        let handles: [OpaquePointer?] = molecules.map { $0?.handle }
        let cLegends = legends.map { strdup($0) }
        defer { cLegends.forEach { free($0) } }
        let svg = handles.withUnsafeBufferPointer { handleBuffer in
            cLegends.map { UnsafePointer($0) }.withUnsafeBufferPointer { legendBuffer in
                crd_grid_svg(handleBuffer.baseAddress, legends.isEmpty ? nil : legendBuffer.baseAddress,
                             Int32(molecules.count), Int32(columns), Int32(cellWidth), Int32(cellHeight))
            }
        }
        guard let text = takeString(svg) else { throw ChemError.drawingFailed("a grid of \(molecules.count) molecules") }
        return text
    }

    /// Draws a grid from SMILES; invalid SMILES become blank cells. See `gridSVG(_:legends:columns:cellWidth:cellHeight:)`.
    public static func gridSVG(
        smiles: [String], legends: [String] = [], columns: Int = 4, cellWidth: Int = 250, cellHeight: Int = 200
    ) throws -> String {
        try gridSVG(smiles.map { try? Molecule(smiles: $0) }, legends: legends, columns: columns,
                    cellWidth: cellWidth, cellHeight: cellHeight)
    }
}
