import Smiles
import XCTest

final class SmilesCodecTests: XCTestCase {
    func testRowsHoldTokensThenEndThenPadding() throws {
        let vocabulary = try Vocabulary(building: ["CCO"], tokenizer: .atom)
        let codec = SmilesCodec(tokenizer: .atom, vocabulary: vocabulary, maxLength: 6)
        XCTAssertEqual(try codec.encode("CCO"), [4, 4, 5, 2, 0, 0])
        XCTAssertEqual(codec.decode([4, 4, 5, 2, 0, 0]), "CCO")
        XCTAssertEqual(codec.tokenCount("CCO"), 3)
    }

    func testTooLongMeansTokensPlusEndExceedMaxLength() throws {
        let vocabulary = try Vocabulary(building: ["C"], tokenizer: .atom)
        let codec = SmilesCodec(tokenizer: .atom, vocabulary: vocabulary, maxLength: 4)
        XCTAssertEqual(try codec.encode("CCC"), [4, 4, 4, 2], "three tokens and <end> fill four")
        XCTAssertThrowsError(try codec.encode("CCCC")) { error in
            XCTAssertEqual(error as? SmilesEncodingError, .tooLong(smiles: "CCCC", tokenCount: 4, maxLength: 4))
            XCTAssertEqual("\(error)", "too long: 4 tokens + <end> exceed max length 4: CCCC")
        }
        // Length is counted in tokens of the codec's tokenizer: Cl is one atom token, two characters.
        let atoms = SmilesCodec(tokenizer: .atom, maxLength: 4)
        let characters = SmilesCodec(tokenizer: .character, maxLength: 4)
        XCTAssertEqual(atoms.tokenCount("ClCCl"), 3)
        XCTAssertEqual(characters.tokenCount("ClCCl"), 5)
    }

    func testAddingTokensGrowsTheVocabularyInFirstSeenOrder() throws {
        var codec = SmilesCodec(tokenizer: .atom, maxLength: 8)
        var row = [UInt8](repeating: 9, count: 8)
        let count = try row.withUnsafeMutableBufferPointer { try codec.encodeAddingTokens("C[nH]Cl", into: $0) }
        XCTAssertEqual(count, 3)
        XCTAssertEqual(row, [4, 5, 6, 2, 0, 0, 0, 0])
        XCTAssertEqual(Array(codec.vocabulary.tokens.dropFirst(4)), ["C", "[nH]", "Cl"])
        // A string too long adds nothing.
        XCTAssertThrowsError(try row.withUnsafeMutableBufferPointer { try codec.encodeAddingTokens("OOOOOOOOO", into: $0) })
        XCTAssertEqual(codec.vocabulary.count, 7)
    }

    func testAFullVocabularyRejectsAWholeMoleculeAndAddsNothing() throws {
        var vocabulary = Vocabulary()
        for i in 0..<251 { try vocabulary.insert("[\(i)C]") }
        var codec = SmilesCodec(tokenizer: .atom, vocabulary: vocabulary, maxLength: 8)
        var row = [UInt8](repeating: 0, count: 8)
        XCTAssertThrowsError(try row.withUnsafeMutableBufferPointer { try codec.encodeAddingTokens("CO", into: $0) }) { error in
            XCTAssertEqual(error as? VocabularyError, .full(token: "O"))
        }
        XCTAssertEqual(codec.vocabulary.count, 255)
        XCTAssertEqual(try row.withUnsafeMutableBufferPointer { try codec.encodeAddingTokens("CC", into: $0) }, 2)
        XCTAssertEqual(codec.vocabulary.count, 256)
    }

    func testUnknownTokensInAFixedVocabulary() throws {
        let codec = SmilesCodec(tokenizer: .atom, vocabulary: try Vocabulary(building: ["CO"], tokenizer: .atom), maxLength: 5)
        XCTAssertThrowsError(try codec.encode("CBr")) { error in
            XCTAssertEqual("\(error)", "unknown token \"Br\" at position 2 of CBr")
        }
        XCTAssertEqual(try codec.encode("CBr", unknownTokens: .mapToUnknown), [4, 3, 2, 0, 0])
    }
}
