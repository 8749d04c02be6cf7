import Chem
@testable import Datasets
import Smiles
import XCTest

/// Standardisation in conversion and property tables, and unknown tokens named in chemical terms,
/// with a vocabulary built from real MOSES molecules (no salts, charges or stereo, as the shipped model).
final class StandardizationConversionTests: XCTestCase {
    /// The codec of 2,000 MOSES molecules, as a model trained on MOSES has.
    static let mosesCodec: SmilesCodec = {
        let dir = try! ScratchDirectory()
        let input = try! dir.write("moses.smi", try! mosesSample(2000).joined(separator: "\n") + "\n")
        var options = ConversionOptions()
        options.canonicalize = true
        _ = try! DatasetConverter(options: options).convert(inputs: [input], output: dir.path("moses.h5"))
        return try! SmilesCodec(contentsOf: dir.path("moses.h5"))
    }()

    func testAMosesVocabularyNeedsTheParentWithoutStereo() throws {
        let codec = Self.mosesCodec
        XCTAssertNil(codec.vocabulary.index(of: "."))
        XCTAssertEqual(codec.neededStandardization, Standardization(stripStereo: true))
        var withSalts = codec
        _ = try withSalts.vocabulary.insert(".")
        XCTAssertNil(withSalts.neededStandardization, "a vocabulary that has seen salts takes molecules as written")
    }

    func testConvertingSaltsWithStandardizationCountsWhatChanged() throws {
        let dir = try ScratchDirectory()
        // Rows: a hydrochloride, a sodium salt, a stereocentre, a clean molecule, a phosphine.
        let input = try dir.write("drugs.smi", "Cl.NCCc1ccc(O)c(O)c1\nCC(=O)[O-].[Na+]\nC[C@H](N)C(=O)O\nCCO\nCP(C)C\n")
        var options = ConversionOptions()
        options.fixedCodec = Self.mosesCodec
        options.canonicalize = true
        let plain = try DatasetConverter(options: options).convert(inputs: [input], output: dir.path("plain.h5"))
        XCTAssertEqual(plain.converted, 1)
        XCTAssertEqual(plain.unknownTokens, 4)
        XCTAssertEqual(plain.standardized, 0)

        options.standardization = Self.mosesCodec.neededStandardization
        let standard = try DatasetConverter(options: options).convert(inputs: [input], output: dir.path("standard.h5"))
        XCTAssertEqual(standard.converted, 4)
        XCTAssertEqual(standard.unknownTokens, 1, "P is not in MOSES's vocabulary whatever is done")
        XCTAssertEqual(standard.standardized, 3)
        XCTAssertEqual(standard.standardizationChanges[.largestFragment], 2)
        XCTAssertEqual(standard.standardizationChanges[.neutralized], 1)
        XCTAssertEqual(standard.standardizationChanges[.stereoRemoved], 1)
        let dataset = try MoleculeDataset(contentsOf: dir.path("standard.h5"))
        XCTAssertEqual(dataset.smiles, ["NCCc1ccc(O)c(O)c1", "CC(=O)O", "CC(N)C(=O)O", "CCO"])
    }

    func testUnknownTokensAreNamedInChemicalTermsWithWhatWouldFixThem() throws {
        let codec = Self.mosesCodec
        func detail(_ smiles: String, applied: Standardization? = nil) throws -> String {
            let canonical = try XCTUnwrap(canonicalSMILES(smiles))
            return codec.unknownTokenDetail(tokenized: canonical, original: smiles, applied: applied, canonicalize: true)
        }
        XCTAssertEqual(try detail("C[C@H](N)C(=O)O"),
                       "unknown token \"[C@H]\" (stereocentre); --standardize --strip-stereo would fix it")
        XCTAssertEqual(try detail("CC(=O)[O-].[Na+]"),
                       "unknown tokens \"[O-]\" (charge -1), \".\" (salt separator: the record holds several fragments), "
                       + "\"[Na+]\" (charge +1; element Na not in the model's training data); --standardize would fix it")
        XCTAssertEqual(try detail("CP(C)C"), "unknown token \"P\" (element P not in the model's training data); --standardize would not fix it")
        XCTAssertEqual(try detail("C[C@H](N)C(=O)O", applied: Standardization(stripStereo: false)),
                       "unknown token \"[C@H]\" (stereocentre); --strip-stereo would fix it")
        XCTAssertEqual(try detail("C[N+](C)(C)CCOC(C)=O", applied: Standardization(stripStereo: true)),
                       "unknown token \"[N+]\" (charge +1); standardisation cannot remove it"
                       + " (charge-separated groups such as nitro and N-oxides, and quaternary nitrogen, have no neutral form)")
        XCTAssertEqual(codec.meaning(ofUnknownToken: "[13CH3]"), "isotope label")
        XCTAssertEqual(codec.meaning(ofUnknownToken: "/"), "double-bond stereo")
        XCTAssertEqual(codec.meaning(ofUnknownToken: "[Fe+2]"), "charge +2; element Fe not in the model's training data")
    }

    func testElementsOfAtomTokens() {
        XCTAssertEqual(SmilesCodec.element(of: "Cl"), "Cl")
        XCTAssertEqual(SmilesCodec.element(of: "c"), "C")
        XCTAssertEqual(SmilesCodec.element(of: "[nH]"), "N")
        XCTAssertEqual(SmilesCodec.element(of: "[se]"), "Se")
        XCTAssertEqual(SmilesCodec.element(of: "[13C@@H]"), "C")
        XCTAssertEqual(SmilesCodec.element(of: "[Na+]"), "Na")
        XCTAssertNil(SmilesCodec.element(of: "="))
        XCTAssertNil(SmilesCodec.element(of: "%12"))
    }

    func testPropertiesOfTheStandardizedRecordAndOfTheParentBeside() throws {
        let dir = try ScratchDirectory()
        let input = try dir.write("in.smi", "C[NH+](C)CCC=C1c2ccccc2CCc2ccccc21.[Cl-]\nCCO\n")
        var calculator = PropertyCalculator(properties: [.logP, .molecularWeight])
        calculator.parent = Standardization()
        var rows: [MoleculePropertiesRow] = []
        try calculator.run(input: input) { rows.append($0) }
        let salt = try analyze(smiles: "C[NH+](C)CCC=C1c2ccccc2CCc2ccccc21.[Cl-]", properties: [.logP, .molecularWeight])
        let base = try analyze(smiles: "CN(C)CCC=C1c2ccccc2CCc2ccccc21", properties: [.logP, .molecularWeight])
        XCTAssertEqual(rows[0].values, salt.properties, "the record's own columns stay the whole record's")
        XCTAssertEqual(rows[0].parentSMILES, base.canonicalSMILES)
        XCTAssertEqual(rows[0].parentValues, base.properties)
        XCTAssertEqual(rows[0].changes, [])

        calculator.parent = nil
        calculator.standardization = Standardization()
        rows = []
        try calculator.run(input: input) { rows.append($0) }
        XCTAssertEqual(rows[0].canonicalSMILES, base.canonicalSMILES)
        XCTAssertEqual(rows[0].values, base.properties)
        XCTAssertEqual(rows[0].changes, [.largestFragment, .neutralized])
        XCTAssertEqual(rows[1].changes, [])
    }
}
