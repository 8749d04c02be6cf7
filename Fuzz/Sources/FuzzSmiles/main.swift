import CFuzzer
import Chem
import Foundation
import Smiles

// libFuzzer target: the SMILES tokenizers (lossless on any bytes), vocabulary and codec (rows
// decode to what was encoded), the decoding grammar (no index out of range on any token path),
// and the screen in front of RDKit (whatever it lets through, RDKit parses without a crash).

/// A vocabulary of the tokens of a few molecules and every printable ASCII character.
let vocabulary: Vocabulary = {
    let molecules = ["CC(=O)Nc1ccc(O)cc1", "C[C@@H](N)C(=O)O", "[NH4+].[Cl-]", "c1ccc2[nH]ccc2c1", "C1CC%10CC1%10", "BrCCl", "[13CH4]"]
        + (0x21...0x7E).map { String(UnicodeScalar(UInt8($0))) }
    return try! Vocabulary(building: molecules, tokenizer: .atom)
}()
let codec = SmilesCodec(tokenizer: .atom, vocabulary: vocabulary, maxLength: 120)
let grammar = SmilesGrammar(vocabulary: vocabulary, tokenizer: .atom, maxTokens: 40)

func fuzzSmiles(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    var covered = 0
    for tokenizer in SmilesTokenizer.allCases {
        tokenizer.forEachTokenRange(in: bytes) { range in
            precondition(range.lowerBound == covered && range.upperBound > covered && range.upperBound <= size, "tokens tile the bytes")
            covered = range.upperBound
        }
        precondition(covered == size, "tokens cover the bytes")
        covered = 0
    }
    let text = String(decoding: bytes, as: UTF8.self)
    for tokenizer in SmilesTokenizer.allCases {
        precondition(tokenizer.tokenize(text).joined() == text, "tokenize is lossless")
    }
    if let row = try? codec.encode(text) {
        precondition(codec.decode(row) == text, "a row decodes to the SMILES encoded")
    }
    // The bytes as a path of token choices through the grammar.
    var prefix = grammar.start()
    for byte in bytes.prefix(40) where !prefix.ended {
        let token = Int(byte) % grammar.vocabularySize
        if grammar.allows(token, after: prefix) { grammar.append(token, to: &prefix) }
    }
    _ = grammar.closingTokens(prefix)
    _ = prefix.isValidMolecule()
    if SmilesScreen.problem(in: text) == nil {
        _ = try? analyze(smiles: text, properties: MolecularProperty.allCases, fingerprint: true)
        _ = try? Standardization(stripStereo: true).standardize(text)
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzSmiles))
