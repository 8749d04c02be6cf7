import CRDKit
import Foundation

/// 2D drawings of molecules as SVG text, by RDKit's `MolDraw2DSVG` (coordinates from RDKit's depictor).
public enum Depiction {
    /// One molecule in a `width` × `height` picture, with `legend` beneath it when not empty.
    /// - Throws: `ChemError.drawingFailed` if RDKit cannot draw it.
    public static func svg(_ molecule: Molecule, width: Int = 300, height: Int = 300, legend: String = "") throws -> String {
        guard let svg = takeString(crd_molecule_svg(molecule.handle, Int32(width), Int32(height), legend)) else {
            throw ChemError.drawingFailed(molecule.canonicalSMILES)
        }
        return svg
    }

    /// Parses `smiles` and draws it; see `svg(_:width:height:legend:)`.
    public static func svg(smiles: String, width: Int = 300, height: Int = 300, legend: String = "") throws -> String {
        try svg(Molecule(smiles: smiles), width: width, height: height, legend: legend)
    }

    /// `molecule` drawn with what differs from `reference` highlighted: the atoms outside their
    /// maximum common substructure (RDKit FMCS, complete rings only, at most `timeout` seconds of
    /// search) and the bonds touching them. Nothing is highlighted when the two are the same.
    public static func svg(_ molecule: Molecule, highlightingDifferenceFrom reference: Molecule, width: Int = 300, height: Int = 300,
                           timeout: Double = 2) throws -> String {
        guard let svg = takeString(crd_molecule_svg_difference(molecule.handle, reference.handle, Int32(width), Int32(height), timeout)) else {
            throw ChemError.drawingFailed(molecule.canonicalSMILES)
        }
        return svg
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
