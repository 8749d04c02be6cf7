import ChemVAE
import Engine
import Foundation
import NN
import Smiles

/// Training and sampling speed of the chemical VAE on synthetic token rows, so the figures depend
/// only on the architecture (the same work `tools/bench/chemvae_torch.py` gives PyTorch).
public enum ChemVAEBenchmarks {
    static func model(_ preset: ChemVAEConfig.Preset, vocabulary: Int, length: Int, properties: Int) throws -> ChemVAE {
        try ChemVAE(.preset(preset, vocabularySize: vocabulary, maxLength: length,
                            propertyNames: (0..<properties).map { "p\($0)" }), seed: 1)
    }

    /// Full-length random molecules: `length - 1` tokens then the end token.
    static func batch(size: Int, length: Int, vocabulary: Int, properties: Int, using rng: RandomGenerator) -> TokenBatch {
        var rows = [UInt8](repeating: 0, count: size * length)
        for b in 0..<size {
            for t in 0..<(length - 1) { rows[b * length + t] = UInt8(4 + rng.index(below: vocabulary - 4)) }
            rows[b * length + length - 1] = 2
        }
        let values = (0..<(size * properties)).map { _ in rng.normal() }
        return TokenBatch(rows: rows, lengths: Array(repeating: Int32(length - 1), count: size), properties: properties > 0 ? values : nil)
    }

    /// One training step of `vae` on `batch`: forward, backward, gradient clipping and an Adam update.
    static func trainingStep(_ vae: ChemVAE, on batch: TokenBatch, parameters: [NamedParameter], adam: Adam, using rng: RandomGenerator) {
        let tape = Tape()
        let terms = tape.record { vae.loss(batch, beta: 0.5, training: true, using: rng) }
        tape.backward(terms.total)
        clipGradientNorm(parameters, maxNorm: vae.config.gradientClip)
        adam.update(parameters)
    }

    /// One training step = forward, backward, gradient clipping and an Adam update.
    public static func train(preset: ChemVAEConfig.Preset, batch size: Int, length: Int, vocabulary: Int, steps: Int) throws -> [Figure] {
        let rng = RandomGenerator(seed: 3)
        let vae = try model(preset, vocabulary: vocabulary, length: length, properties: 3)
        let data = batch(size: size, length: length, vocabulary: vocabulary, properties: 3, using: rng)
        let adam = Adam(learningRate: vae.config.learningRate)
        let parameters = vae.parameters
        func step() { trainingStep(vae, on: data, parameters: parameters, adam: adam, using: rng) }
        step()   // warm-up: buffers reach their steady-state pool
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<steps { step() }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return [Figure("preset_\(preset.rawValue)", 1), Figure("batch", Double(size)), Figure("length", Double(length)),
                Figure("parameters", Double(vae.parameterCount)), Figure("seconds_per_step", seconds / Double(steps)),
                Figure("molecules_per_s", Double(size * steps) / seconds), Figure("peak_rss_mb", peakResidentMegabytes())]
    }

    /// Decoding prior samples z ~ N(0, I) by sampling every token, always to the full length.
    public static func sample(preset: ChemVAEConfig.Preset, batch size: Int, length: Int, vocabulary: Int, repeats: Int) throws -> [Figure] {
        let rng = RandomGenerator(seed: 4)
        let vae = try model(preset, vocabulary: vocabulary, length: length, properties: 3)
        let z = Tensor.randomNormal([size, vae.config.latentSize], using: rng)
        _ = vae.decode(z, method: .sample(temperature: 1), stopAtEnd: false, using: rng)
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repeats { _ = vae.decode(z, method: .sample(temperature: 1), stopAtEnd: false, using: rng) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return [Figure("preset_\(preset.rawValue)", 1), Figure("batch", Double(size)), Figure("length", Double(length)),
                Figure("seconds_per_batch", seconds / Double(repeats)),
                Figure("molecules_per_s", Double(size * repeats) / seconds), Figure("peak_rss_mb", peakResidentMegabytes())]
    }
}

extension ChemVAEBenchmarks {
    /// Decoding `batch` prior samples of a trained model with and without the SMILES grammar's
    /// mask (the same points and random numbers both ways), greedily, by sampling at temperature 1
    /// and with a beam of 5 (the commands' default): molecules per second, their ratio, and the
    /// validity of each (RDKit).
    /// Points come from the prior `molgen sample` uses (the fitted one when the model has it).
    public static func constrainedSample(model: ChemVAEModel, batch: Int, repeats: Int) throws -> [Figure] {
        let z = Tensor(try model.priorPoints(count: batch, from: model.defaultPrior, using: RandomGenerator(seed: 4)),
                       shape: [batch, model.config.latentSize])
        let grammar = model.grammar
        var runs: [(label: String, method: DecodingMethod, mask: SmilesGrammar?)] = []
        for (name, method) in [("greedy", DecodingMethod.greedy), ("sample", .sample(temperature: 1)), ("beam5", .beam(width: 5))] {
            runs += [(name, method, nil), ("\(name)_constrained", method, grammar)]
        }
        // The runs take turns and each ratio is the median over repeats of the ratio of a pair
        // timed back to back (in alternating order): this machine's speed drifts by tens of
        // percent over seconds, which a ratio of separate bests would measure instead of the mask.
        var seconds = [[Double]](repeating: [], count: runs.count)
        var decoded = [[[UInt8]]](repeating: [], count: runs.count)
        for round in 0...repeats {
            for pair in stride(from: 0, to: runs.count, by: 2) {
                for k in round % 2 == 0 ? [pair, pair + 1] : [pair + 1, pair] {
                    let start = DispatchTime.now().uptimeNanoseconds
                    decoded[k] = model.model.decode(z, method: runs[k].method, grammar: runs[k].mask, using: RandomGenerator(seed: 5))
                    if round > 0 { seconds[k].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }   // the first warms up
                }
            }
        }
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted(), n = sorted.count
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        }
        let best = seconds.map { $0.min() ?? .nan }
        var figures = [Figure("batch", Double(batch)), Figure("fitted_prior", model.defaultPrior == .fitted ? 1 : 0)]
        for (k, run) in runs.enumerated() {
            let strings = model.smiles(decoded[k]), canonical = ChemVAEModel.canonicalize(strings)
            let valid = canonical.compactMap { $0 }.count
            if run.mask != nil { for (s, c) in zip(strings, canonical) where c == nil { FileHandle.standardError.write("invalid under the mask: \(s)\n".data(using: .utf8)!) } }
            figures += [Figure("\(run.label)_molecules_per_s", Double(batch) / best[k]),
                        Figure("\(run.label)_validity", Double(valid) / Double(batch)),
                        Figure("\(run.label)_mean_tokens", Double(decoded[k].map(\.count).reduce(0, +)) / Double(batch)),
                        Figure("\(run.label)_max_tokens", Double(decoded[k].map(\.count).max() ?? 0))]
            if run.mask != nil { figures.append(Figure("\(run.label)_speed_ratio", median(zip(seconds[k - 1], seconds[k]).map { $0 / $1 }))) }
        }
        let replay = grammarReplay(decoded[1], grammar: grammar, repeats: repeats)
        figures.append(Figure("greedy_grammar_us_per_token", replay.microseconds))
        figures.append(Figure("greedy_grammar_walks_per_token", replay.walks))
        return figures
    }

    /// The grammar's own cost on one thread: microseconds per token to check and append the
    /// tokens of `rows` (sequences the mask let through) and their end, and the share of tokens
    /// that cost a completion walk (no witness, table or shortcut answered). A lower bound of the
    /// mask's work in decoding: it misses the tokens the mask refuses (about 90 per 500 molecules
    /// of the shipped model, greedy, each a search of about 130 µs), and it runs each row start
    /// to end with its data in cache.
    static func grammarReplay(_ rows: [[UInt8]], grammar: SmilesGrammar, repeats: Int) -> (microseconds: Double, walks: Double) {
        let tokens = Double(rows.map { $0.count + 1 }.reduce(0, +))
        var walks = 0
        for row in rows {
            var prefix = grammar.start()
            for token in row.map(Int.init) {
                if grammar.walks(for: token, after: prefix) { walks += 1 }
                _ = grammar.verify(token, after: &prefix)   // as decoding does: `append` keeps the completion found
                grammar.append(token, to: &prefix)
            }
        }
        var best = Double.infinity
        for _ in 0...repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            for row in rows {
                var prefix = grammar.start()
                for token in row.map(Int.init) + [Int(Vocabulary.endIndex)] {
                    precondition(grammar.verify(token, after: &prefix), "grammarReplay: the mask refused its own output")
                    grammar.append(token, to: &prefix)
                }
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3)
        }
        return (best / tokens, Double(walks) / tokens)
    }
}
