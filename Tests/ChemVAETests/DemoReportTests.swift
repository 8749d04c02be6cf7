import Chem
import Foundation
import XCTest
@testable import ChemVAE

/// The demo's report with the shipped model: every drug drawn beside what its latent mean
/// decodes to (what changed highlighted), one scale per grid, sortable tables.
final class DemoReportTests: XCTestCase {
    func testTheDemoDrawsEachDrugBesideItsDecodingAtOneScalePerGrid() throws {
        let path = repositoryRoot.appendingPathComponent("models/default.h5").path
        let demo = try MoleculeDemo(model: try ChemVAEModel.load(from: path), modelPath: path)
        let page = demo.report.html
        let sections = page.components(separatedBy: "<h2>").dropFirst()
        XCTAssertEqual(sections.count, 4, "encoding, sampling, interpolation, optimisation")
        let drugs = sections.first!
        let drawings = svgs(in: drugs)
        XCTAssertEqual(drawings.count, 2 * MoleculeDemo.drugs.count, "each drug, then its decoding")
        XCTAssertEqual(drugs.components(separatedBy: "decoded: ").count - 1, MoleculeDemo.drugs.count)
        // A decoding that differs from its drug shows the atoms it does not share with it.
        let table = demo.tables[0]
        for (k, row) in table.rows.enumerated() where row[4] == "no" {
            let decoded = try Molecule(smiles: canonicalSMILES(row[3])!), drug = try Molecule(smiles: row[1])
            XCTAssertEqual(Depiction.highlightedAtoms(inSVG: drawings[2 * k + 1]), try decoded.commonSubstructure(with: drug).differingAtoms, row[0])
        }
        for (k, row) in table.rows.enumerated() where row[4] == "yes" {
            XCTAssertEqual(Depiction.highlightedAtoms(inSVG: drawings[2 * k + 1]), [], row[0])
        }
        for section in sections {
            let lengths = svgs(in: section).map(Depiction.bondLength(inSVG:))
            XCTAssertTrue(lengths.allSatisfy { abs($0 - lengths[0]) <= 0.02 * lengths[0] }, "one scale per grid: \(lengths)")
        }
        XCTAssertEqual(page.components(separatedBy: "<table class=\"sortable\">").count - 1, 4)
        // The optimisation lists only molecules better than caffeine.
        XCTAssertTrue(demo.tables[3].rows.allSatisfy { $0[4].hasPrefix("+") && Double($0[4])! > 0 }, "\(demo.tables[3].rows)")
    }
}

/// The RDKit drawings of a report's molecule cells (not its charts), in page order.
func svgs(in html: String) -> [String] {
    html.components(separatedBy: "<figure class=\"molecule").dropFirst().compactMap { cell in
        guard let start = cell.range(of: "<svg"), let end = cell.range(of: "</svg>") else { return nil }
        return String(cell[start.lowerBound..<end.upperBound])
    }
}
