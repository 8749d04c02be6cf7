import XCTest
@testable import Smiles

/// What the decoding mask allows after a few prefixes (the MOSES atom vocabulary).
/// SplitMix64: a small seeded generator for the random strings.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

final class SmilesGrammarTests: XCTestCase {
    static let tokens = ["C", "S", "(", "=", "O", ")", "c", "1", "2", "[nH]", "N", "Cl", "n", "3", "F", "-", "4", "#", "Br", "s", "o", "5", "[H]", "6"]

    func allows(_ prefix: String, _ next: String, maxTokens: Int = 119) throws -> Bool {
        let vocabulary = try Vocabulary(tokens: Vocabulary.specialTokens + Self.tokens)
        let grammar = SmilesGrammar(vocabulary: vocabulary, tokenizer: .atom, maxTokens: maxTokens)
        var p = grammar.start()
        for t in try vocabulary.encode(prefix, tokenizer: .atom) {
            XCTAssertTrue(grammar.allows(Int(t), after: p), "\(prefix): a token of the prefix is refused")
            grammar.append(Int(t), to: &p)
        }
        let token = next == "<end>" ? Int(Vocabulary.endIndex) : Int(vocabulary.index(of: next)!)
        return grammar.allows(token, after: p)
    }

    func testSyntaxRingsAndValence() throws {
        XCTAssertFalse(try allows("", "<end>"))            // no empty molecule
        XCTAssertFalse(try allows("", "("))
        XCTAssertFalse(try allows("C(", ")"))              // empty branch
        XCTAssertFalse(try allows("C=", "="))              // bond after bond
        XCTAssertFalse(try allows("C=", "<end>"))
        XCTAssertFalse(try allows("C1C", "1"))             // duplicates the C-C bond
        XCTAssertFalse(try allows("C1", "1"))              // ring onto the same atom
        XCTAssertTrue(try allows("C1CC", "1"))
        XCTAssertFalse(try allows("C1CC", "<end>"))        // ring left open
        XCTAssertFalse(try allows("C=1CC#", "1"))          // ring bond symbols disagree
        XCTAssertFalse(try allows("CF", "("))              // F has no valence left for a branch
        XCTAssertFalse(try allows("OC(C)(C)(C)", "C"))     // a fifth bond on carbon
        XCTAssertFalse(try allows("CN(C)(C)", "C"))         // neutral N takes three bonds
        XCTAssertTrue(try allows("CS(=O)(=O)", "C"))       // S up to six
        XCTAssertFalse(try allows("C#", "O"))              // O cannot take a triple bond
    }

    func testAromaticRingsMustKekulize() throws {
        XCTAssertTrue(try allows("CN", "c"))               // an aromatic atom may start a ring
        XCTAssertFalse(try allows("c1cccc1", "<end>"))     // five aromatic carbons: no Kekulé structure
        XCTAssertTrue(try allows("c1cccc1", "="))          // ... unless one carries =O (cyclopentadienone)
        XCTAssertTrue(try allows("c1ccccc", "1"))          // benzene
        XCTAssertFalse(try allows("c1cccn1", "<end>"))     // pyrrole needs [nH] (or a substituent on n)
        XCTAssertTrue(try allows("c1cccn1", "C"))
        XCTAssertTrue(try allows("c1cc[nH]c", "1"))
        XCTAssertTrue(try allows("Cn1c(=O)c2c(ncn2C)n(C)c", "1"))   // caffeine: "=O" follows
        XCTAssertTrue(try allows("CC(=O)Nc1ccc(O)cc1", "<end>"))    // paracetamol
        XCTAssertFalse(try allows("Cc1ccccc1c", "<end>"))  // an aromatic atom outside any ring
    }

    func testTheBudgetForcesAnEnd() throws {
        // With 6 tokens, "C1CCC" must close its ring now: nothing else fits.
        XCTAssertTrue(try allows("C1CCC", "1", maxTokens: 6))
        XCTAssertFalse(try allows("C1CCC", "C", maxTokens: 6))
        XCTAssertFalse(try allows("C(C", "C", maxTokens: 4))   // ")" is the only way out
        XCTAssertTrue(try allows("C(C", ")", maxTokens: 4))
    }

    /// Calls `body` with every prefix (before each token) of the first `count` MOSES molecules in
    /// `datasets/`, read with the MOSES atom vocabulary's grammar.
    func forEachMosesPrefix(_ count: Int, _ body: (_ smiles: String, _ prefix: SmilesPrefix, _ grammar: SmilesGrammar) -> Void) throws {
        let vocabulary = try Vocabulary(tokens: Vocabulary.specialTokens + Self.tokens)
        let grammar = SmilesGrammar(vocabulary: vocabulary, tokenizer: .atom, maxTokens: 119)
        var molecules = 0
        for path in mosesFiles() {
            let reader = try SmilesFileReader(path: path)
            while molecules < count, let record = try reader.next() {
                molecules += 1
                var p = grammar.start()
                for t in try vocabulary.encode(record.smiles, tokenizer: .atom).map(Int.init) {
                    body(record.smiles, p, grammar)
                    grammar.append(t, to: &p)
                }
            }
        }
    }

    /// The completion walks feed tokens to the prefix itself, without a copy first: a refused
    /// token must leave it exactly as it was (every token, at every step of 200 MOSES molecules).
    func testARefusedTokenLeavesThePrefixAsItWas() throws {
        let names = Vocabulary.specialTokens + Self.tokens
        var refusals = 0
        try forEachMosesPrefix(200) { smiles, p, grammar in
            for token in 0..<grammar.vocabularySize {
                var q = p
                if !grammar.feed(token, to: &q) {
                    refusals += 1
                    XCTAssertEqual(q, p, "\(smiles): token \(names[token])")
                }
            }
        }
        XCTAssertGreaterThan(refusals, 10_000)
    }

    /// The shortcut that answers without a walk (a token that only adds or changes a terminal
    /// aliphatic atom of the witness's molecule: `substituentCompletion`) gives only completions
    /// that finish the molecule, for tokens the walk allows too (every token, at every step of 300
    /// MOSES molecules).
    func testTheSubstituentShortcutGivesCompletionsThatFinishTheMolecule() throws {
        let names = Vocabulary.specialTokens + Self.tokens
        var shortcuts = 0
        try forEachMosesPrefix(300) { smiles, p, grammar in
            for token in 0..<grammar.vocabularySize {
                guard let rest = grammar.substituentCompletion(after: token, p) else { continue }
                shortcuts += 1
                var finished = p
                XCTAssertTrue(grammar.feed(token, to: &finished), "\(smiles): \(names[token]) refused")
                for t in rest { XCTAssertTrue(grammar.feed(t, to: &finished), "\(smiles): \(names[token]) then \(names[t]) refused") }
                XCTAssertTrue(finished.isComplete && finished.isValidMolecule(), "\(smiles): \(names[token]) then \(rest.map { names[$0] })")
                var walked = p
                walked.witness = nil   // no witness, no shortcut: the completion walks
                XCTAssertNotNil(grammar.completion(after: token, walked), "\(smiles): the walk refuses \(names[token])")
            }
        }
        XCTAssertGreaterThan(shortcuts, 1000)
    }

    /// A prefix of a molecule can always be finished (as that molecule): the check that lets the
    /// search give up at once never calls one final and failed (every prefix of 2,000 MOSES
    /// molecules).
    func testNoPrefixOfAMoleculeHasAFinalAromaticFailure() throws {
        var checked = 0
        try forEachMosesPrefix(2000) { smiles, p, _ in
            checked += 1
            XCTAssertFalse(p.hasFinalAromaticFailure(), "\(smiles) at \(p.tokens) tokens")
        }
        XCTAssertGreaterThan(checked, 50_000)
        // The same along 400 random strings the mask lets through (tokens drawn uniformly, so
        // far more unusual aromatic systems): each prefix has a completion, so none is final and failed.
        let vocabulary = try Vocabulary(tokens: Vocabulary.specialTokens + Self.tokens)
        var generator = SplitMix(seed: 11)
        var prefixes = 0
        for i in 0..<400 {
            let grammar = SmilesGrammar(vocabulary: vocabulary, tokenizer: .atom, maxTokens: i % 3 == 0 ? 20 + i % 40 : 119)
            var p = grammar.start(), text: [String] = []
            while true {
                // Up to 20 uniform draws, else the kept completion's next token (or the end).
                var token: Int?
                for _ in 0..<20 where token == nil {
                    let t = Int(generator.next() % UInt64(grammar.vocabularySize))
                    if t > Int(Vocabulary.unknownIndex) || t == Int(Vocabulary.endIndex), grammar.verify(t, after: &p) { token = t }
                }
                let chosen = token ?? p.witness?.first ?? Int(Vocabulary.endIndex)
                grammar.append(chosen, to: &p)
                if p.ended { break }
                text.append(vocabulary.tokens[chosen])
                prefixes += 1
                XCTAssertFalse(p.hasFinalAromaticFailure(), "\(text.joined())")
            }
        }
        XCTAssertGreaterThan(prefixes, 5_000)
    }

    /// Atoms stay narrow: a completion walk copies every atom of the prefix.
    func testAnAtomTakesAtMostSixteenBytes() {
        XCTAssertLessThanOrEqual(MemoryLayout<SmilesPrefix.Atom>.stride, 16)
        XCTAssertLessThanOrEqual(MemoryLayout<SmilesPrefix.Bond>.stride, 8)
    }

    /// The completion skips closing a ring that could only make an odd cycle of plain `c`: at every
    /// prefix of 300 MOSES molecules where the check says so, closing there (and then every
    /// branch) indeed gives a molecule the validity check refuses.
    func testAnOddCycleOfPlainAromaticCarbonsIsNeverAMolecule() throws {
        var skipped = 0
        try forEachMosesPrefix(300) { smiles, p, grammar in
            // (After `)` no digit may follow; a branch may not close yet: those are not checked.)
            var q = p
            guard let ring = p.openRings.last, p.closingMakesOddCarbonCycle(ring), grammar.feed(grammar.ringToken(ring.label)!, to: &q) else { return }
            while !q.branches.isEmpty, grammar.feed(grammar.closeBranch!, to: &q) {}
            if q.isComplete {
                skipped += 1
                XCTAssertFalse(q.isValidMolecule(), "\(smiles): an odd cycle of plain c passed")
            }
        }
        XCTAssertGreaterThan(skipped, 100)
    }

    /// The mask never refuses a real molecule: every MOSES molecule in `datasets/` is allowed
    /// token by token, its end included (a refused token on a valid path costs reconstruction).
    func testEveryMosesMoleculeIsAllowedTokenByToken() throws {
        let vocabulary = try Vocabulary(tokens: Vocabulary.specialTokens + Self.tokens)
        let grammar = SmilesGrammar(vocabulary: vocabulary, tokenizer: .atom, maxTokens: 119)
        let limit = Int(ProcessInfo.processInfo.environment["MOLGEN_GRAMMAR_MOLECULES"] ?? "") ?? 1000
        var checked = 0, refused: [String] = []
        for path in mosesFiles() {
            let reader = try SmilesFileReader(path: path)
            while checked < limit, let record = try reader.next() {
                checked += 1
                var p = grammar.start()
                for t in try vocabulary.encode(record.smiles, tokenizer: .atom).map(Int.init) + [Int(Vocabulary.endIndex)] {
                    guard grammar.allows(t, after: p) else {
                        refused.append("\(record.smiles) at \(vocabulary.decode(p.tokens == 0 ? [] : try vocabulary.encode(record.smiles, tokenizer: .atom).prefix(p.tokens))) + \(vocabulary.tokens[t])")
                        break
                    }
                    grammar.append(t, to: &p)
                }
            }
        }
        XCTAssertGreaterThan(checked, 0)
        print("refused \(refused.count) of \(checked) MOSES molecules somewhere on their own path")
        // Known gap: 2 of the first 1,000 and 464 of the first 100,000 (0.46%; 0.57% before the
        // completion skipped odd cycles of plain `c`, 7.6% before it opened rings at lone aromatic
        // atoms and backed out of aromatic side chains): the rest need a completion longer than
        // the bounded search finds.
        XCTAssertLessThanOrEqual(Double(refused.count), 0.01 * Double(checked),
                                 "refused \(refused.count) of \(checked), e.g.\n" + refused.prefix(60).joined(separator: "\n"))
    }
}
