import Smiles
import XCTest

final class VocabularyTests: XCTestCase {
    func testSpecialTokensHaveFixedIndices() {
        let vocabulary = Vocabulary()
        XCTAssertEqual(vocabulary.tokens, ["<pad>", "<start>", "<end>", "<unk>"])
        XCTAssertEqual(vocabulary.index(of: "<pad>"), 0)
        XCTAssertEqual(vocabulary.index(of: "<start>"), 1)
        XCTAssertEqual(vocabulary.index(of: "<end>"), 2)
        XCTAssertEqual(vocabulary.index(of: "<unk>"), 3)
    }

    func testBuildingNumbersTokensInFirstSeenOrder() throws {
        let vocabulary = try Vocabulary(building: ["CCO", "c1ccccc1Cl", "CO"], tokenizer: .atom)
        XCTAssertEqual(Array(vocabulary.tokens.dropFirst(4)), ["C", "O", "c", "1", "Cl"])
        let again = try Vocabulary(building: ["CCO", "c1ccccc1Cl", "CO"], tokenizer: .atom)
        XCTAssertEqual(vocabulary, again)
        let characters = try Vocabulary(building: ["CCl"], tokenizer: .character)
        XCTAssertEqual(Array(characters.tokens.dropFirst(4)), ["C", "l"])
    }

    func testEncodeDecodeRoundTrip() throws {
        let vocabulary = try Vocabulary(building: ["C[C@@H](Cl)c1ccc[nH]1"], tokenizer: .atom)
        let indices = try vocabulary.encode("Clc1ccc[nH]1", tokenizer: .atom)
        XCTAssertEqual(indices.count, 8)
        XCTAssertEqual(vocabulary.decode(indices), "Clc1ccc[nH]1")
        // Start and pad are skipped, decoding stops at end.
        XCTAssertEqual(vocabulary.decode([1] + indices + [2, 4, 0, 0]), "Clc1ccc[nH]1")
    }

    func testUnknownTokenErrorNamesTokenAndPosition() throws {
        let vocabulary = try Vocabulary(building: ["CCO"], tokenizer: .atom)
        XCTAssertThrowsError(try vocabulary.encode("CC[nH]O", tokenizer: .atom)) { error in
            XCTAssertEqual(error as? VocabularyError, .unknownToken("[nH]", position: 3, smiles: "CC[nH]O"))
            XCTAssertEqual("\(error)", "unknown token \"[nH]\" at position 3 of CC[nH]O")
        }
        // Positions count characters, not bytes.
        XCTAssertThrowsError(try vocabulary.encode("éCN", tokenizer: .atom)) { error in
            XCTAssertEqual(error as? VocabularyError, .unknownToken("é", position: 1, smiles: "éCN"))
        }
        XCTAssertThrowsError(try vocabulary.encode("CéN", tokenizer: .atom)) { error in
            XCTAssertEqual(error as? VocabularyError, .unknownToken("é", position: 2, smiles: "CéN"))
        }
    }

    func testUnknownTokensCanMapToUnknown() throws {
        let vocabulary = try Vocabulary(building: ["CCO"], tokenizer: .atom)
        XCTAssertEqual(try vocabulary.encode("C[nH]O", tokenizer: .atom, unknownTokens: .mapToUnknown), [4, 3, 5])
        XCTAssertEqual(vocabulary.decode([4, 3, 5]), "C<unk>O")
    }

    func testVocabularyRefusesMoreThan256Tokens() throws {
        var vocabulary = Vocabulary()
        for i in 0..<252 { try vocabulary.insert("[\(i)C]") }
        XCTAssertEqual(vocabulary.count, 256)
        XCTAssertEqual(try vocabulary.insert("[5C]"), 9, "an existing token is found, not added")
        XCTAssertThrowsError(try vocabulary.insert("[999C]")) { error in
            XCTAssertEqual(error as? VocabularyError, .full(token: "[999C]"))
        }
    }

    func testStoredTokenListsAreChecked() throws {
        let stored = ["<pad>", "<start>", "<end>", "<unk>", "C", "O"]
        XCTAssertEqual(try Vocabulary(tokens: stored).tokens, stored)
        XCTAssertThrowsError(try Vocabulary(tokens: ["C", "O"]))
        XCTAssertThrowsError(try Vocabulary(tokens: stored + ["C"])) { error in
            XCTAssertEqual("\(error)", "invalid vocabulary: token \"C\" appears twice")
        }
        XCTAssertThrowsError(try Vocabulary(tokens: stored + [""]))
        XCTAssertThrowsError(try Vocabulary(tokens: stored + (0..<251).map { "[\($0)C]" }))
    }
}
