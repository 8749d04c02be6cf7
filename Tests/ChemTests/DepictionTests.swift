import Chem
import XCTest

final class DepictionTests: XCTestCase {
    func testSingleMoleculeSVGHasSizeAtomsAndLegend() throws {
        let svg = try Depiction.svg(smiles: "CC(=O)Nc1ccc(O)cc1", width: 320, height: 240, legend: "paracetamol")
        XCTAssertTrue(svg.contains("<svg"))
        XCTAssertTrue(svg.hasSuffix("</svg>\n") || svg.hasSuffix("</svg>"))
        XCTAssertTrue(svg.contains("width='320px'") && svg.contains("height='240px'"), String(svg.prefix(400)))
        // RDKit writes each legend glyph as a path and classes each bond's paths by index.
        XCTAssertEqual(svg.components(separatedBy: "class='legend'").count - 1, "paracetamol".count)
        XCTAssertTrue(svg.contains("bond-10 "), "paracetamol has 11 bonds")
        XCTAssertFalse(svg.contains("bond-11 "))
    }

    func testGridKeepsInvalidSamplesAsBlankCells() throws {
        let smiles = ["c1ccccc1", "C1CC", "CCO", "CC(=O)O", "CCN"]
        let svg = try Depiction.gridSVG(smiles: smiles, legends: ["a", "b & <c>", "c", "d", "e"], columns: 2,
                                        cellWidth: 150, cellHeight: 100)
        // Five cells in rows of two: a 300 x 300 picture.
        XCTAssertTrue(svg.contains("width='300px'") && svg.contains("height='300px'"), String(svg.prefix(400)))
        // Four one-glyph legends drawn by RDKit, and the invalid cell's legend as escaped text.
        XCTAssertEqual(svg.components(separatedBy: "class='legend'").count - 1, 5)
        XCTAssertTrue(svg.contains(">b &amp; &lt;c&gt;</text>"))
        // Benzene's 6 bonds, ethanol's 2: bond classes from the molecules in cells 1 and 3.
        XCTAssertTrue(svg.contains("bond-5 atom-5 atom-0"))
        XCTAssertEqual(svg.components(separatedBy: "<svg").count - 1, 1, "one SVG document")
    }
}
