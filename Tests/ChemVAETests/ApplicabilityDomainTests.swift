import Chem
import Foundation
import XCTest
@testable import ChemVAE

/// The applicability domain measured on training molecules, stored in the model file, and the
/// molecules it flags.
final class ApplicabilityDomainTests: XCTestCase {
    func testTheDomainIsMeasuredStoredAndFlagsMoleculesOutsideIt() throws {
        let model = LatentFixtures.fresh
        let molecules = LatentFixtures.molecules
        let domain = try model.measureDomain(smiles: molecules)
        let figures = try molecules.map { try analyze(smiles: $0, properties: [.molecularWeight, .logP]) }
        XCTAssertEqual(domain.molecules, molecules.count)
        XCTAssertEqual(domain.heavyAtoms, Double(figures.map(\.heavyAtomCount).min()!)...Double(figures.map(\.heavyAtomCount).max()!))
        XCTAssertEqual(domain.molecularWeight.upperBound, figures.map { $0.properties[0] }.max()!)
        XCTAssertEqual(domain.logP.lowerBound, figures.map { $0.properties[1] }.min()!)
        XCTAssertEqual(domain.latentNormQuantiles, domain.latentNormQuantiles.sorted(), "quantiles rise with the level")

        // Inside: a training molecule; outside: methane and a long alkane chain.
        let inside = try model.encode(smiles: molecules[0])
        model.domain = domain
        defer { model.domain = nil }
        XCTAssertEqual(model.domainProblems(smiles: inside.smiles[0], mean: inside.mean(0)), [])
        let small = try model.encode(smiles: "C")
        let problems = model.domainProblems(smiles: small.smiles[0], mean: small.mean(0))
        XCTAssertTrue(problems.contains { $0.hasPrefix("heavy atoms 1 outside the training range") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.hasPrefix("MW 16.0 outside") }, "\(problems)")
        let far = domain.problems(heavyAtoms: 20, molecularWeight: 300, logP: 2, latentNorm: domain.latentNormLimit * 2)
        XCTAssertEqual(far.count, 1)
        XCTAssertTrue(far[0].hasPrefix("latent norm"), far[0])

        // The model file keeps it; a model saved without one loads without one.
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("with-domain.h5").path
        try model.save(to: path)
        XCTAssertEqual(try ChemVAEModel.load(from: path).domain, ApplicabilityDomain(
            heavyAtoms: domain.heavyAtoms, molecularWeight: Double(Float(domain.molecularWeight.lowerBound))...Double(Float(domain.molecularWeight.upperBound)),
            logP: Double(Float(domain.logP.lowerBound))...Double(Float(domain.logP.upperBound)),
            latentNormQuantiles: domain.latentNormQuantiles.map { Double(Float($0)) }, molecules: domain.molecules))
        model.domain = nil
        let plain = directory.appendingPathComponent("plain.h5").path
        try model.save(to: plain)
        XCTAssertNil(try ChemVAEModel.load(from: plain).domain)
    }
}
