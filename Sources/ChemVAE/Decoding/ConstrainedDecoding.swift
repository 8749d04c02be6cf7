import Engine
import Foundation
import Smiles

extension ChemVAEModel {
    /// The grammar constrained decoding uses with this model: its vocabulary and row width, and
    /// finishing a few atoms past the largest training molecule's heavy-atom count when the model
    /// stores its applicability domain (at the count itself it cut the data's largest molecules
    /// short: a model about to close its last ring was made to close it elsewhere).
    public var grammar: SmilesGrammar {
        SmilesGrammar(codec: codec, finishAfterAtoms: domain.map { Int($0.heavyAtoms.upperBound.rounded()) + Self.finishingMargin })
    }

    /// Heavy atoms past the domain's largest molecule before decoding turns to finishing.
    public static let finishingMargin = 4
}

extension SmilesGrammar {
    /// The grammar of a model's vocabulary and row width; `finishAfterAtoms`: see the property.
    public init(codec: SmilesCodec, finishAfterAtoms: Int? = nil) {
        self.init(vocabulary: codec.vocabulary, tokenizer: codec.tokenizer, maxTokens: codec.maxLength - 1)
        self.finishAfterAtoms = finishAfterAtoms
    }

    /// One decoding step under the mask: the most probable allowed token (`temperature` 0) or a
    /// draw from softmax(logits / temperature) restricted to the allowed tokens.
    ///
    /// Tokens are tried one at a time, never the whole mask: greedy takes the first allowed token
    /// in order of logits; sampling draws, and a token the grammar refuses is removed and the draw
    /// repeated from the rest (which samples exactly the distribution renormalised over the
    /// allowed tokens). A trained model's first choice is nearly always allowed, so this usually
    /// costs one check.
    ///
    /// When the model chooses to end but something is still open (a ring, a branch, a bond), the
    /// prefix turns `finishing`: from then on the most probable token that closes something is
    /// taken, and the end as soon as it is allowed. Without this the mask's next choice is usually
    /// another atom, and strings the model meant to stop grow long (MW far above the data's).
    /// The prefix also turns `finishing` once it has `finishAfterAtoms` atoms.
    public func choose(logits row: UnsafeMutablePointer<Float>, after prefix: inout SmilesPrefix, temperature: Float,
                       using rng: RandomGenerator) -> Int {
        if let limit = finishAfterAtoms, prefix.atomCount >= limit { prefix.finishing = true }
        if prefix.finishing, let choice = finishingChoice(logits: row, after: &prefix) { return choice }
        let v = vocabularySize
        // Scratch on the stack: rows are chosen on several threads at once.
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: v) { weights in
            let emittable = { (j: Int) in j == Int(SpecialToken.end) || j > Int(SpecialToken.unknown) }
            var m = -Float.infinity
            for j in 0..<v where emittable(j) { m = max(m, row[j]) }
            var total: Float = 0
            for j in 0..<v {
                // Greedy keeps the logits themselves (shifted to stay positive) only to rank them.
                weights[j] = emittable(j) ? (temperature > 0 ? expf((row[j] - m) / temperature) : 1) : 0
                total += weights[j]
            }
            while total > 0 {
                var choice: Int
                if temperature > 0 {
                    choice = Self.draw(weights, total: total, using: rng)
                } else {
                    choice = -1
                    var best = -Float.infinity
                    for j in 0..<v where weights[j] > 0 && row[j] > best { best = row[j]; choice = j }
                }
                if verify(choice, after: &prefix) { return choice }
                if choice == Int(SpecialToken.end) && !prefix.finishing {
                    prefix.finishing = true
                    if let closing = finishingChoice(logits: row, after: &prefix) { return closing }
                }
                weights[choice] = 0
                total = weights.reduce(0, +)   // summed afresh: subtracting could leave rounding dust
                // Allowed tokens whose weight underflowed to 0 at a low temperature: the most probable one.
                if total <= 0 && temperature > 0 {
                    var best = -Float.infinity, fallback = Int(SpecialToken.end)
                    for j in 0..<v where emittable(j) && row[j] > best && allows(j, after: prefix) { best = row[j]; fallback = j }
                    _ = verify(fallback, after: &prefix)
                    return fallback
                }
            }
            return Int(SpecialToken.end)   // unreachable: the grammar always allows a token
        }
    }

    /// While finishing: the end if allowed, else the most probable allowed token that closes
    /// something (an open ring's digit before `)`; an atom after a pending bond), else the next
    /// token of the grammar's own completion (when, say, an aromatic ring cannot close yet: without
    /// this the model, off its path, can open ring after ring until the row is full); nil when
    /// none is allowed.
    func finishingChoice(logits row: UnsafeMutablePointer<Float>, after prefix: inout SmilesPrefix) -> Int? {
        let end = Int(SpecialToken.end)
        if allows(end, after: prefix) { return end }
        // Closing tokens come ring digits first (closing a ring here ends it soonest), then `)`.
        var best: Int?
        for token in closingTokens(prefix) where best == nil || (row[token] > row[best!] && closesRing(token) == closesRing(best!)) {
            if allows(token, after: prefix) { best = token }
        }
        if let choice = best ?? completion(prefix)?.first, verify(choice, after: &prefix) { return choice }
        return nil
    }

    private static func draw(_ weights: UnsafeMutableBufferPointer<Float>, total: Float, using rng: RandomGenerator) -> Int {
        var u = rng.uniform() * total
        var choice = Int(SpecialToken.end)
        for j in 0..<weights.count where weights[j] > 0 {
            choice = j
            u -= weights[j]
            if u <= 0 { break }
        }
        return choice
    }
}
