import Foundation
import XCTest

/// The molecules chemists bring (issue 15), through the built `molgen` with the shipped model:
/// salts, charges and stereo standardised by default, unknown tokens named, tables and SD files,
/// `--version` and misspelled commands.
final class ChemistInputTests: XCTestCase {
    let model = repositoryRoot.appendingPathComponent("models/default.h5").path

    /// Four approved drugs as supplied (a hydrochloride, a sodium salt, a stereocentre) and one with
    /// phosphorus, which the MOSES vocabulary never saw.
    let drugs = """
        smiles,name
        Cl.NCCc1ccc(O)c(O)c1,dopamine hydrochloride
        CC(C)Cc1ccc(cc1)[C@@H](C)C(=O)[O-].[Na+],(S)-ibuprofen sodium
        CC(C)NCC(O)COc1cccc2ccccc12.Cl,propranolol hydrochloride
        CN1C=NC2=C1C(=O)N(C(=O)N2C)C,caffeine
        CCOP(=S)(OCC)Oc1ccc([N+](=O)[O-])cc1,parathion

        """

    func testTheShippedModelStandardisesByDefaultAndNamesWhatIsLeft() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try drugs.write(to: directory.appendingPathComponent("drugs.csv"), atomically: true, encoding: .utf8)

        let encoded = try molgen(["encode", "drugs.csv", "--model", model, "-o", "z.csv"], in: directory)
        XCTAssertEqual(encoded.status, 0, encoded.stderr)
        XCTAssertTrue(encoded.stdout.contains("encoded=4\n"), encoded.stdout)
        XCTAssertTrue(encoded.stdout.contains("standardization=parent_no_stereo\nstandardized=3\n"), encoded.stdout)
        XCTAssertTrue(encoded.stderr.contains("drugs.csv:6: unknown_token: unknown tokens \"P\" (element P not in the model's training data)"), encoded.stderr)
        XCTAssertTrue(encoded.stderr.contains("standardisation cannot remove it"), encoded.stderr)

        let plain = try molgen(["encode", "drugs.csv", "--model", model, "-o", "z.csv", "--no-standardize"], in: directory)
        XCTAssertTrue(plain.stdout.contains("encoded=1\n"), plain.stdout)
        XCTAssertTrue(plain.stderr.contains("drugs.csv:2: unknown_token: unknown token \".\" (salt separator: the record holds several fragments); --standardize would fix it"),
                      plain.stderr)
        XCTAssertTrue(plain.stderr.contains("\"[C@@H]\" (stereocentre)"), plain.stderr)
        XCTAssertTrue(plain.stderr.contains("--standardize --strip-stereo would fix it"), plain.stderr)

        let convert = try molgen(["convert", "drugs.csv", "-o", "d.h5", "--vocab", model, "--canonicalize"], in: directory)
        XCTAssertEqual(convert.status, 0, convert.stderr)
        for line in ["converted=4", "standardization=parent_no_stereo", "standardized=3", "fragments_removed=3", "charges_neutralized=1", "stereo_removed=1"] {
            XCTAssertTrue(convert.stdout.contains(line + "\n"), "\(line) in \(convert.stdout)")
        }
    }

    func testTheShippedModelWarnsAboutMoleculesOutsideItsDomain() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Methane and a C40 alkane are far from MOSES (MW 250-350); caffeine's MW 194 is below it too; paroxetine is inside.
        try "smiles\nC\nCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC\nCN1C=NC2=C1C(=O)N(C(=O)N2C)C\nFc1ccc(cc1)C1CCNCC1COc1ccc2OCOc2c1\n"
            .write(to: directory.appendingPathComponent("m.csv"), atomically: true, encoding: .utf8)
        let run = try molgen(["encode", "m.csv", "--model", model, "-o", "z.h5"], in: directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("encoded=4\n"), run.stdout)
        XCTAssertTrue(run.stdout.contains("outside_domain=3\n"), run.stdout)
        XCTAssertTrue(run.stderr.contains("m.csv:2: outside the model's domain: heavy atoms 1 outside the training range 10–26; MW 16.0 outside"), run.stderr)
        XCTAssertFalse(run.stderr.contains("m.csv:5:"), run.stderr)

        // evaluate counts the test molecules outside the domain and scores reconstruction without them.
        let evaluation = try molgen(["evaluate", "--model", model, "--test", "m.csv", "--samples", "20"], in: directory)
        XCTAssertEqual(evaluation.status, 0, evaluation.stderr)
        XCTAssertTrue(evaluation.stdout.contains("test_outside_domain=3\n"), evaluation.stdout)
        XCTAssertTrue(evaluation.stdout.contains("reconstruction_accuracy_inside_domain="), evaluation.stdout)
        XCTAssertTrue(evaluation.stderr.contains("note: 3 of 4 test molecules are outside the model's applicability domain (e.g. C, "), evaluation.stderr)
    }

    func testPropertiesOfTheParentBesideTheRecord() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try drugs.write(to: directory.appendingPathComponent("drugs.csv"), atomically: true, encoding: .utf8)
        let run = try molgen(["properties", "drugs.csv", "--parent"], in: directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        let rows = run.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(rows[0], ["smiles", "canonical", "valid", "logp", "qed", "sas", "mw", "plogp",
                                 "parent", "parent_logp", "parent_qed", "parent_sas", "parent_mw", "parent_plogp"])
        XCTAssertEqual(rows[1][8], "NCCc1ccc(O)c(O)c1")
        XCTAssertLessThan(Double(rows[1][12])!, Double(rows[1][6])!, "the parent is lighter than the salt")
        XCTAssertEqual(rows[4][6], rows[4][12], "caffeine is its own parent")

        let standardized = try molgen(["properties", "drugs.csv", "--standardize"], in: directory)
        let table = standardized.stdout.split(separator: "\n")
        XCTAssertTrue(table[0].hasSuffix(",standardized"))
        XCTAssertTrue(table[2].hasSuffix(",fragments;charges"), String(table[2]))
        XCTAssertTrue(standardized.stderr.contains("standardized=3"), standardized.stderr)
    }

    func testAWrongColumnIsAnErrorWithAHint() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try drugs.write(to: directory.appendingPathComponent("drugs.csv"), atomically: true, encoding: .utf8)
        for arguments in [["properties", "drugs.csv", "--column", "name"], ["convert", "drugs.csv", "-o", "x.h5", "--column", "name"],
                          ["encode", "drugs.csv", "--model", model, "-o", "z.h5", "--column", "name"]] {
            let run = try molgen(arguments, in: directory)
            XCTAssertNotEqual(run.status, 0, arguments.joined(separator: " "))
            XCTAssertTrue(run.stderr.contains("no row of column 'name' of drugs.csv is a SMILES: did you mean --column smiles?"), run.stderr)
        }
        let txt = try molgen(["encode", "drugs.csv", "--model", model, "-o", "z.txt"], in: directory)
        XCTAssertEqual(txt.status, 1)
        XCTAssertTrue(txt.stderr.contains("z.txt"), txt.stderr)
    }

    /// Decoding defaults to a beam of 5 (the shipped model's best FCD and reconstruction); an
    /// explicit `--method beam` gives the same file, and greedy decoding stays one option away.
    func testSamplingDecodesWithABeamOfFiveByDefault() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = try molgen(["sample", "--model", model, "-n", "40", "-o", "default.csv"], in: directory)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(try molgen(["sample", "--model", model, "-n", "40", "-o", "beam.csv", "--method", "beam", "--beam-width", "5"], in: directory).status, 0)
        XCTAssertEqual(try molgen(["sample", "--model", model, "-n", "40", "-o", "greedy.csv", "--method", "greedy"], in: directory).status, 0)
        let read = { (name: String) in try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8) }
        XCTAssertEqual(try read("default.csv"), try read("beam.csv"))
        XCTAssertNotEqual(try read("default.csv"), try read("greedy.csv"), "40 points: beam and greedy decoding should differ somewhere")
        XCTAssertTrue(plain.stdout.contains("validity=1.0000"), plain.stdout)
        XCTAssertTrue(plain.stdout.contains("prior=fitted\nprior_temperature=0.97\n"), "the shipped prior's stored temperature: \(plain.stdout)")
    }

    /// `export` with several checkpoints averages them: two copies of one model give that model
    /// back (the same latent points), and a file that is not a model is named.
    func testExportAveragesCheckpoints() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "smiles\nCC(=O)Nc1ccc(O)cc1\nCc1ccc(S(N)(=O)=O)cc1\n".write(to: directory.appendingPathComponent("in.csv"), atomically: true, encoding: .utf8)
        let export = try molgen(["export", model, model, "--output", "averaged.h5"], in: directory)
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stdout.contains("averaged_checkpoints=2"), export.stdout)
        for (file, output) in [(model, "original.csv"), ("averaged.h5", "averaged.csv")] {
            let run = try molgen(["encode", "in.csv", "--model", file, "-o", output], in: directory)
            XCTAssertEqual(run.status, 0, run.stderr)
        }
        let read = { (name: String) in try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8) }
        XCTAssertEqual(try read("original.csv"), try read("averaged.csv"))
        try "not a model".write(to: directory.appendingPathComponent("notes.h5"), atomically: true, encoding: .utf8)
        let bad = try molgen(["export", model, "notes.h5", "--output", "bad.h5"], in: directory)
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("notes.h5"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("bad.h5").path))
    }

    func testVersionAndMisspelledCommands() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let version = try molgen(["--version"], in: directory)
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.hasPrefix("molgen "), version.stdout)
        XCTAssertTrue(version.stdout.contains("(RDKit 2022."), version.stdout)
        // The files MolGen writes name the release that wrote them.
        let release = version.stdout.split(separator: " ")[1]
        XCTAssertTrue(release.split(separator: ".").count == 3 && release.allSatisfy { $0.isNumber || $0 == "." }, String(release))
        try "CCO\nc1ccccc1\n".write(to: directory.appendingPathComponent("m.smi"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try molgen(["convert", "m.smi", "-o", "m.h5"], in: directory).status, 0)
        let dump = Process()
        dump.executableURL = URL(fileURLWithPath: "/usr/bin/h5dump")
        dump.arguments = ["-a", "/written_by", directory.appendingPathComponent("m.h5").path]
        let pipe = Pipe()
        dump.standardOutput = pipe
        try dump.run()
        let attribute = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        dump.waitUntilExit()
        XCTAssertTrue(attribute.contains("\"molgen \(release)\""), attribute)

        let typo = try molgen(["convrt", "x.smi"], in: directory)
        XCTAssertEqual(typo.status, 64)
        XCTAssertEqual(typo.stderr, "error: 'convrt' is not a molgen command; did you mean 'convert'?\n")
        let nested = try molgen(["image", "trian"], in: directory)
        XCTAssertEqual(nested.stderr, "error: 'trian' is not a molgen image command; did you mean 'train'?\n")
        let far = try molgen(["zzzzzzzz"], in: directory)
        XCTAssertTrue(far.stderr.hasPrefix("error: 'zzzzzzzz' is not a molgen command; the commands are demo, convert,"), far.stderr)
        XCTAssertEqual(try molgen(["help", "convert"], in: directory).status, 0)

        // Outside the repository, the image commands say which option finds the data.
        let image = try molgen(["image", "train", "vae", "--epochs", "1", "-o", "vae.h5"], in: directory)
        XCTAssertNotEqual(image.status, 0)
        XCTAssertTrue(image.stderr.contains("--datasets: datasets/mnist does not exist; pass --datasets with the path"), image.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("vae.h5").path))
    }
}
