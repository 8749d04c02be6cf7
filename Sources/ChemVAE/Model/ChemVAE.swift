import Dispatch
import Engine
import NN
import Smiles

/// Indices the vocabulary reserves (see `Vocabulary` in the Smiles target).
enum SpecialToken {
    static let pad: Int32 = 0, start: Int32 = 1, end: Int32 = 2, unknown: Int32 = 3
}

/// A batch of token rows as stored in dataset files: SMILES tokens, one end token, padding.
public struct TokenBatch {
    /// [B, maxLength] row-major.
    public let rows: [UInt8]
    /// SMILES tokens per row, without the end token.
    public let lengths: [Int32]
    /// Normalised properties [B, P], if the model predicts any.
    public let properties: [Float]?
    public let size: Int
    /// Decoder steps when these rows are one process's shard of a larger batch: the whole batch's
    /// (its longest molecule + 1), so random draws over time match one process (nil: this batch's).
    public var decoderSteps: Int?

    public init(rows: [UInt8], lengths: [Int32], properties: [Float]?) {
        self.rows = rows; self.lengths = lengths; self.properties = properties; size = lengths.count
    }
}

/// The losses of one batch. `total` carries the graph; the rest are plain numbers for reports.
public struct LossTerms {
    public let total: Tensor
    /// Token cross-entropy summed over each molecule, averaged over molecules (nats).
    public let reconstruction: Float
    /// KL(q(z|x) ‖ N(0, I)) per molecule (nats).
    public let kl: Float
    /// Mean squared error of the normalised properties (0 without a property head).
    public let property: Float
    public let correctTokens: Int
    public let tokens: Int
}

/// The chemical VAE: convolutional encoder, GRU decoder and a property head on the latent mean.
public final class ChemVAE: Layer {
    /// Settable inside the module only so a resumed run can change its KL schedule (`TrainingOptions`).
    public internal(set) var config: ChemVAEConfig
    let encoder: ConvEncoder
    let decoder: LatentDecoder
    let propertyHead: PropertyHead?

    public init(_ config: ChemVAEConfig, seed: UInt64) throws {
        try config.validate()
        self.config = config
        let rng = RandomGenerator(seed: seed)
        encoder = ConvEncoder(config, using: rng)
        switch config.decoder {
        case .paper: decoder = PaperDecoder(config, using: rng)
        case .autoregressive: decoder = AutoregressiveDecoder(config, using: rng)
        }
        propertyHead = config.propertyNames.isEmpty ? nil : PropertyHead(config, using: rng)
    }

    public var parameters: [NamedParameter] {
        prefixed("encoder", encoder.parameters) + prefixed("decoder", decoder.parameters)
            + (propertyHead.map { prefixed("property", $0.parameters) } ?? [])
    }

    public var buffers: [NamedParameter] {
        prefixed("encoder", encoder.buffers) + prefixed("decoder", decoder.buffers)
            + (propertyHead.map { prefixed("property", $0.buffers) } ?? [])
    }

    // MARK: Encoding

    /// Latent mean and log-variance of token rows [B, maxLength] -> [B, Z] each.
    public func encode(_ rows: [UInt8], training: Bool = false) -> (mean: Tensor, logVariance: Tensor) {
        let batch = rows.count / config.maxLength
        precondition(rows.count == batch * config.maxLength, "encode: \(rows.count) tokens are not rows of \(config.maxLength)")
        return encoder(rows.map { Int32($0) }, batch: batch, training: training)
    }

    /// Predicted (normalised) properties of latent points [B, Z] -> [B, P].
    public func predictProperties(_ z: Tensor) -> Tensor? {
        propertyHead?(z, training: false, using: RandomGenerator(seed: 0))
    }

    // MARK: Training loss

    /// Reconstruction + β·KL + w·property MSE of a batch (a per-molecule ELBO plus the property term).
    public func loss(_ batch: TokenBatch, beta: Float, training: Bool, using rng: RandomGenerator) -> LossTerms {
        let b = batch.size, width = config.maxLength
        let (mean, logVariance) = encode(batch.rows, training: training)
        let z = training ? reparameterize(mean: mean, logVariance: logVariance, using: rng) : mean
        // Decode only as far as the longest molecule in the batch (+ its end token).
        let steps = batch.decoderSteps ?? min(width, Int(batch.lengths.max() ?? 0) + 1)
        var previous = [Int32](repeating: SpecialToken.start, count: steps * b)
        var targets = [Int32](repeating: SpecialToken.pad, count: steps * b)
        var mask = [Float](repeating: 0, count: steps * b)
        for r in 0..<b {
            let row = r * width
            for t in 0..<steps {
                targets[t * b + r] = Int32(batch.rows[row + t])
                if t > 0 { previous[t * b + r] = Int32(batch.rows[row + t - 1]) }
                mask[t * b + r] = t <= Int(batch.lengths[r]) ? 1 : 0
            }
        }
        let tokenCount = mask.reduce(0, +)
        let logits = decoder.logits(z, previous: previous, steps: steps, training: training, using: rng)
        let reconstruction = softmaxCrossEntropy(logits: logits, targets: targets, mask: mask).scaled(by: tokenCount / Float(b))
        let kl = gaussianKL(mean: mean, logVariance: logVariance)
        var total = reconstruction + kl.scaled(by: beta)
        var propertyError: Float = 0
        if let head = propertyHead, let properties = batch.properties {
            let predicted = head(mean, training: training, using: rng)
            let mse = meanSquaredError(predicted, Tensor(properties, shape: predicted.shape))
            propertyError = mse.item
            total = total + mse.scaled(by: config.propertyLossWeight)
        }
        let (correct, counted) = tokenAccuracy(logits: logits, targets: targets, mask: mask)
        return LossTerms(total: total, reconstruction: reconstruction.item, kl: kl.item, property: propertyError,
                         correctTokens: correct, tokens: counted)
    }

    // MARK: Decoding

    /// Turns latent points [B, Z] into token sequences (without the end token), at most
    /// `maxLength - 1` tokens each. With a `grammar` every token is chosen among those it allows
    /// (constrained decoding: the string stays completable into a valid molecule; DESIGN.md).
    /// `stopAtEnd: false` keeps stepping every row to the full length (benchmarks compare fixed work).
    public func decode(_ z: Tensor, method: DecodingMethod = .greedy, grammar: SmilesGrammar? = nil, stopAtEnd: Bool = true,
                       using rng: RandomGenerator) -> [[UInt8]] {
        precondition(z.rank == 2 && z.shape[1] == config.latentSize, "decode: latents \(z.shape) must be [B, \(config.latentSize)]")
        precondition(grammar == nil || grammar!.vocabularySize == config.vocabularySize, "decode: the grammar's vocabulary is not the model's")
        return Tape.withoutRecording {
            switch method {
            case .greedy: return decodeStepwise(z, temperature: 0, grammar: grammar, stopAtEnd: stopAtEnd, using: rng)
            case .sample(let temperature): return decodeStepwise(z, temperature: temperature, grammar: grammar, stopAtEnd: stopAtEnd, using: rng)
            case .beam(let width): return decodeBeam(z, width: width, grammar: grammar)
            }
        }
    }

    private var maxTokens: Int { config.maxLength - 1 }

    /// Tokens a decoder may emit: every real token and `end` (never pad, start or unknown).
    @inline(__always) private func isEmittable(_ token: Int) -> Bool {
        token == Int(SpecialToken.end) || token > Int(SpecialToken.unknown)
    }

    private func decodeStepwise(_ z: Tensor, temperature: Float, grammar: SmilesGrammar?, stopAtEnd: Bool,
                                using rng: RandomGenerator) -> [[UInt8]] {
        let b = z.shape[0], v = config.vocabularySize, end = Int(SpecialToken.end)
        let stepper = decoder.stepper(z, maxSteps: maxTokens + 1)
        var previous = [Int32](repeating: SpecialToken.start, count: b)
        var outputs = [[UInt8]](repeating: [], count: b)
        var finished = [Bool](repeating: false, count: b)
        var prefixes = grammar.map { [SmilesPrefix](repeating: $0.start(), count: b) } ?? []
        var choices = [Int](repeating: end, count: b)
        // Under the grammar the rows are chosen in parallel (its checks cost more than the step's
        // matrix products), so each row samples from its own generator, seeded in order from `rng`.
        let rowRandom = grammar != nil && temperature > 0 ? (0..<b).map { _ in RandomGenerator(seed: rng.next()) } : []
        var weights = [Float](repeating: 0, count: v)
        // The stepper's batch holds the unfinished rows only (`live[i]` is its row i), so a batch
        // costs its rows' lengths, not b times the longest.
        var live = Array(0..<b)
        for step in 0...maxTokens {
            // Scoped: the step's logits are a temporary whose buffer returns to the pool when freed.
            stepper.next(live.map { previous[$0] }).withMutableScalars { buffer in
                let logits = buffer.baseAddress!
                // Batch rows still decoding (all of the batch unless `stopAtEnd` is false).
                let active = live.indices.filter { !finished[live[$0]] }
                if let grammar, step < maxTokens {
                    // Rows cost unevenly (a token off the kept completion means a fresh walk): claimed in small chunks.
                    prefixes.withUnsafeMutableBufferPointer { prefixes in
                        choices.withUnsafeMutableBufferPointer { choices in
                            parallelClaiming(active.count, chunk: 4) { k in
                                let i = active[k], r = live[i]
                                let choice = grammar.choose(logits: logits + i * v, after: &prefixes[r], temperature: temperature,
                                                            using: temperature > 0 ? rowRandom[r] : rng)
                                grammar.append(choice, to: &prefixes[r])
                                choices[r] = choice
                            }
                        }
                    }
                }
                for i in active {
                    let r = live[i], row = logits + i * v
                    var choice = end
                    if step == maxTokens {
                        // The row is full: the sequence must end here (the grammar has made sure it can).
                    } else if grammar != nil {
                        choice = choices[r]
                    } else if temperature <= 0 {
                        var best = -Float.infinity
                        for j in 0..<v where isEmittable(j) && row[j] > best { best = row[j]; choice = j }
                    } else {
                        var m = -Float.infinity
                        for j in 0..<v where isEmittable(j) { m = max(m, row[j]) }
                        var total: Float = 0
                        for j in 0..<v { weights[j] = isEmittable(j) ? expf((row[j] - m) / temperature) : 0; total += weights[j] }
                        var u = rng.uniform() * total
                        for j in 0..<v where weights[j] > 0 {
                            choice = j
                            u -= weights[j]
                            if u <= 0 { break }
                        }
                    }
                    if choice == end { finished[r] = true }
                    else { outputs[r].append(UInt8(choice)) }
                    previous[r] = Int32(choice)
                }
            }
            if stopAtEnd {
                let kept = live.indices.filter { !finished[live[$0]] }
                if kept.isEmpty { break }
                if kept.count < live.count {
                    stepper.select(rows: kept)
                    live = kept.map { live[$0] }
                }
            }
        }
        return outputs
    }

    /// Beam search keeping `width` hypotheses per latent point; returns each point's most probable
    /// finished sequence (length-unnormalised log-probability). With a grammar, hypotheses extend
    /// only by the tokens it allows: each point's candidates are checked in order of probability
    /// until `width` pass, so a step costs about `width` checks per point, not one per token and
    /// hypothesis (the most probable allowed sequences under the model itself).
    private func decodeBeam(_ z: Tensor, width k: Int, grammar: SmilesGrammar?) -> [[UInt8]] {
        let b = z.shape[0], v = config.vocabularySize
        precondition(k >= 1, "decode: beam width must be at least 1")
        let stepper = decoder.stepper(gatherRows(z, (0..<b).flatMap { Array(repeating: $0, count: k) }), maxSteps: maxTokens + 1)
        // The stepper holds the points still searching (`live[i]` is point i's index), hypothesis h
        // of live point i in row i·k + h; only one live hypothesis per point at first.
        var live = Array(0..<b)
        var beams = [Beam](repeating: Beam(), count: b)
        for p in 0..<b { beams[p].hypotheses = [Hypothesis(score: 0, tokens: [], prefix: grammar?.start(), previous: SpecialToken.start)] }
        for step in 0...maxTokens {
            let previous = live.flatMap { p in (0..<k).map { h in h < beams[p].hypotheses.count ? beams[p].hypotheses[h].previous : SpecialToken.end } }
            // Scoped: the step's log-probabilities are a temporary whose buffer returns to the pool when freed.
            stepper.next(previous).logSoftmax().withScalars { buffer in
                let logits = buffer.baseAddress!, current = live
                // Points are independent (their sorting and grammar checks outweigh the step's products): in parallel.
                beams.withUnsafeMutableBufferPointer { beams in
                    parallelClaiming(current.count, chunk: 2) { i in
                        beams[current[i]].extend(logits: logits + i * k * v, vocabulary: v, width: k, full: step == maxTokens,
                                                 grammar: grammar, emittable: isEmittable)
                    }
                }
            }
            let kept = live.indices.filter { !beams[live[$0]].hypotheses.isEmpty }
            if kept.isEmpty { break }
            // Each kept point's rows, in the order its new hypotheses came from.
            let rows = kept.flatMap { i in
                (0..<k).map { h in h < beams[live[i]].hypotheses.count ? i * k + beams[live[i]].parents[h] : i * k }
            }
            stepper.select(rows: rows)
            live = kept.map { live[$0] }
        }
        return beams.map { $0.best?.tokens ?? [] }
    }

    /// One beam hypothesis: its log-probability, tokens, grammar state and last token.
    private struct Hypothesis {
        var score: Float
        var tokens: [UInt8]
        var prefix: SmilesPrefix?
        var previous: Int32
    }

    /// One latent point's beam: its live hypotheses (each from row `parents[h]` of the last step)
    /// and the best finished sequence.
    private struct Beam {
        var hypotheses: [Hypothesis] = []
        var parents: [Int] = []
        var best: (score: Float, tokens: [UInt8])?

        /// One step: every extension of every hypothesis in order of log-probability; ends are
        /// finished sequences, the rest live on (at most `width`, if the grammar allows them) while
        /// they can still beat the best finished one (scores only fall). `full`: only ends remain.
        mutating func extend(logits: UnsafePointer<Float>, vocabulary v: Int, width k: Int, full: Bool, grammar: SmilesGrammar?,
                             emittable: (Int) -> Bool) {
            let end = Int(SpecialToken.end)
            var candidates: [(score: Float, hypothesis: Int, token: Int)] = []
            for (h, hypothesis) in hypotheses.enumerated() {
                for j in 0..<v where emittable(j) && (!full || j == end) {
                    candidates.append((hypothesis.score + logits[h * v + j], h, j))
                }
            }
            candidates.sort { $0.score > $1.score }
            var next: [Hypothesis] = [], nextParents: [Int] = []
            for c in candidates {
                if let best, c.score <= best.score { break }
                let parent = hypotheses[c.hypothesis]
                if c.token == end {
                    if grammar == nil || grammar!.allows(end, after: parent.prefix!) { best = (c.score, parent.tokens) }
                    continue
                }
                var prefix = parent.prefix
                if let grammar {
                    guard grammar.verify(c.token, after: &prefix!) else { continue }
                    grammar.append(c.token, to: &prefix!)
                }
                next.append(Hypothesis(score: c.score, tokens: parent.tokens + [UInt8(c.token)], prefix: prefix, previous: Int32(c.token)))
                nextParents.append(c.hypothesis)
                if next.count == k { break }
            }
            hypotheses = next
            parents = nextParents
        }
    }
}

/// How latent points become tokens.
public enum DecodingMethod: Equatable, Sendable {
    /// The most probable token at every step.
    case greedy
    /// Sampling from softmax(logits / temperature).
    case sample(temperature: Float)
    /// Beam search with this many hypotheses per point.
    case beam(width: Int)
}

import Foundation
