import XCTest
@testable import Smiles

final class ScratchTests: XCTestCase {
    func testScratch() throws {
        let vocabulary = try Vocabulary(tokens: Vocabulary.specialTokens + SmilesGrammarTests.tokens)
        let grammar = SmilesGrammar(vocabulary: vocabulary, tokenizer: .atom, maxTokens: 119)
        for (prefix, next) in [("CN1C(=", "O"), ("CN1C(", "C"), ("CN1C", "("), ("CN1CC", "("), ("CC1CC", "("), ("C1CC(", "C"), ("CCN(C", ")"), ("CCC1CN(C", ")"), ("CC(", "C")] {
            var p = grammar.start()
            var trail = ""
            for t in try vocabulary.encode(prefix, tokenizer: .atom) {
                trail += grammar.allows(Int(t), after: p) ? "+" : "-"
                grammar.append(Int(t), to: &p)
            }
            print("SCRATCH", prefix, trail, next, grammar.allows(Int(vocabulary.index(of: next)!), after: p))
        }
    }
}
