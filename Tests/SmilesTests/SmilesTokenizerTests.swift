import Smiles
import XCTest

final class SmilesTokenizerTests: XCTestCase {
    func testAtomTokensKeepBracketAtomsWhole() {
        XCTAssertEqual(SmilesTokenizer.atom.tokenize("C[C@@H](N)c1cc[nH]c1"),
                       ["C", "[C@@H]", "(", "N", ")", "c", "1", "c", "c", "[nH]", "c", "1"])
        XCTAssertEqual(SmilesTokenizer.atom.tokenize("C[N+](=O)[O-]"),
                       ["C", "[N+]", "(", "=", "O", ")", "[O-]"])
        XCTAssertEqual(SmilesTokenizer.atom.tokenize("[13CH3][2H]"), ["[13CH3]", "[2H]"])
    }

    func testAtomTokensKeepChlorineAndBromineWhole() {
        XCTAssertEqual(SmilesTokenizer.atom.tokenize("ClCBrBCl"), ["Cl", "C", "Br", "B", "Cl"])
        // `Cs` is not organic-subset SMILES: C then aromatic s.
        XCTAssertEqual(SmilesTokenizer.atom.tokenize("Cs1cccc1"), ["C", "s", "1", "c", "c", "c", "c", "1"])
    }

    func testAtomTokensCoverEveryBondAndSeparator() {
        XCTAssertEqual(SmilesTokenizer.atom.tokenize("C-C=C#C$C:c/C\\C.O"),
                       ["C", "-", "C", "=", "C", "#", "C", "$", "C", ":", "c", "/", "C", "\\", "C", ".", "O"])
    }

    func testTwoDigitRingClosuresAreOneToken() {
        XCTAssertEqual(SmilesTokenizer.atom.tokenize("C%10CC%10"), ["C", "%10", "C", "C", "%10"])
        XCTAssertEqual(SmilesTokenizer.atom.tokenize("C%(123)C%(123)"), ["C", "%(123)", "C", "%(123)"])
        XCTAssertEqual(SmilesTokenizer.atom.tokenize("C12CC1C2"), ["C", "1", "2", "C", "C", "1", "C", "2"])
    }

    func testMalformedInputStillRoundTrips() {
        // An unmatched `[`, a lone `%`, a `%` with one digit and non-ASCII text are tokens of their own.
        let cases = ["C[NH", "C%1C", "C%", "C%(12", "C%()", "Cé", "C🧪C", "[", "]", "", "  C  ", "C\u{301}l"]
        for smiles in cases {
            for tokenizer in SmilesTokenizer.allCases {
                XCTAssertEqual(tokenizer.tokenize(smiles).joined(), smiles, "\(tokenizer) on \(smiles)")
            }
        }
        XCTAssertEqual(SmilesTokenizer.atom.tokenize("C[NH"), ["C", "[", "N", "H"])
        XCTAssertEqual(SmilesTokenizer.atom.tokenize("C%1C"), ["C", "%", "1", "C"])
        XCTAssertEqual(SmilesTokenizer.atom.tokenize("C🧪C"), ["C", "🧪", "C"])
    }

    func testCharacterTokensAreSingleCharacters() {
        XCTAssertEqual(SmilesTokenizer.character.tokenize("CCl[nH]%10"),
                       ["C", "C", "l", "[", "n", "H", "]", "%", "1", "0"])
    }

    func testRawValuesAreTheCommandLineNames() {
        XCTAssertEqual(SmilesTokenizer(rawValue: "atom"), .atom)
        XCTAssertEqual(SmilesTokenizer(rawValue: "char"), .character)
    }

    func testForEachTokenReportsByteOffsets() {
        var offsets: [Int] = []
        SmilesTokenizer.atom.forEachToken(in: "Cl[nH]c") { _, offset in offsets.append(offset) }
        XCTAssertEqual(offsets, [0, 2, 6])
    }

    /// Every MOSES molecule in `datasets/` decodes back to itself through both tokenizers, and the
    /// atom tokens are well formed (bracket atoms closed, no bracket inside another token).
    func testEveryMosesMoleculeRoundTrips() throws {
        var count = 0
        var atomTokens = Set<String>()
        for path in mosesFiles() {
            let reader = try SmilesFileReader(path: path)
            while let record = try reader.next() {
                count += 1
                let atoms = SmilesTokenizer.atom.tokenize(record.smiles)
                let characters = SmilesTokenizer.character.tokenize(record.smiles)
                // Plain comparisons first: XCTAssert on two million strings costs more than the work.
                if atoms.joined() != record.smiles || characters.joined() != record.smiles || characters.count != record.smiles.count {
                    XCTFail("\(path):\(record.line): \(record.smiles) does not round-trip: \(atoms) / \(characters)")
                }
                atomTokens.formUnion(atoms)
            }
        }
        XCTAssertGreaterThanOrEqual(count, 55_000)
        for token in atomTokens where token.contains("[") || token.contains("]") {
            XCTAssertTrue(token.hasPrefix("[") && token.hasSuffix("]") && token.count > 2, "malformed token \(token)")
        }
        XCTAssertTrue(atomTokens.isSuperset(of: ["C", "c", "Cl", "Br", "[nH]", "(", ")", "=", "1"]))
        XCTAssertFalse(atomTokens.contains("l"))
    }
}
