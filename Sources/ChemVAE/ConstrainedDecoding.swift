import Engine
import Foundation
import Smiles

extension SmilesGrammar {
    /// The grammar of a model's vocabulary and row width.
    public init(codec: SmilesCodec) {
        self.init(vocabulary: codec.vocabulary, tokenizer: codec.tokenizer, maxTokens: codec.maxLength - 1)
    }

    /// One decoding step under the mask: the most probable allowed token (`temperature` 0) or a
    /// draw from softmax(logits / temperature) restricted to the allowed tokens.
    ///
    /// The unconstrained choice is tried first and kept when allowed; only otherwise is the whole
    /// mask computed. Both give exactly the masked argmax or the masked distribution (a rejected
    /// draw is redrawn from the distribution renormalised over the allowed tokens), and a trained
    /// model's first choice is nearly always allowed, which keeps the mask cheap.
    /// `weights` is scratch space of V floats.
    public func choose(logits row: UnsafeMutablePointer<Float>, after prefix: SmilesPrefix, temperature: Float,
                weights: inout [Float], using rng: RandomGenerator) -> Int {
        let v = vocabularySize
        let emittable = { (j: Int) in j == Int(SpecialToken.end) || j > Int(SpecialToken.unknown) }
        if temperature <= 0 {
            var first = Int(SpecialToken.end), best = -Float.infinity
            for j in 0..<v where emittable(j) && row[j] > best { best = row[j]; first = j }
            if allows(first, after: prefix) { return first }
            var choice = Int(SpecialToken.end)
            best = -Float.infinity
            for j in 0..<v where j != first && emittable(j) && row[j] > best && allows(j, after: prefix) { best = row[j]; choice = j }
            return choice
        }
        var m = -Float.infinity
        for j in 0..<v where emittable(j) { m = max(m, row[j]) }
        var total: Float = 0
        for j in 0..<v { weights[j] = emittable(j) ? expf((row[j] - m) / temperature) : 0; total += weights[j] }
        let draw = Self.draw(weights, total: total, using: rng)
        if allows(draw, after: prefix) { return draw }
        total = 0
        for j in 0..<v {
            if weights[j] > 0 && (j == draw || !allows(j, after: prefix)) { weights[j] = 0 }
            total += weights[j]
        }
        // Every allowed token can have a weight that underflows to 0 at a low temperature: then
        // the most probable allowed one.
        if total <= 0 { return choose(logits: row, after: prefix, temperature: 0, weights: &weights, using: rng) }
        return Self.draw(weights, total: total, using: rng)
    }

    private static func draw(_ weights: [Float], total: Float, using rng: RandomGenerator) -> Int {
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
