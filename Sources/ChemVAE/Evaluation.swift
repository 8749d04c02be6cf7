import Chem
import Datasets
import Engine
import Foundation
import Smiles

/// Figures `molgen evaluate` reports, in a fixed order.
public struct EvaluationReport: Sendable {
    public var figures: [(name: String, value: Double)] = []
    public var notes: [String] = []

    mutating func add(_ name: String, _ value: Double) { figures.append((name, value)) }

    public subscript(name: String) -> Double? { figures.first { $0.name == name }?.value }
}

extension ChemVAEModel {
    /// SMILES strings of decoded token sequences.
    public func smiles(_ sequences: [[UInt8]]) -> [String] { sequences.map { codec.decode($0) } }

    /// Measures the model on held-out molecules and on prior samples:
    /// - reconstruction: greedy decode of each test molecule's latent mean, counted when its
    ///   canonical SMILES equals the input's; token accuracy under teacher forcing at z = μ;
    /// - prior samples z ~ N(0, I) decoded with `method`: validity, uniqueness, novelty against
    ///   `trainingSmiles` (canonical), internal diversity, SNN to the test molecules;
    /// - per property: MAE and R² of the property head on the test molecules.
    /// Decoding is constrained by the SMILES grammar unless `constrained` is false; the same prior
    /// points are then also decoded the other way, for `unconstrained_*` (or `constrained_*`)
    /// validity, uniqueness and novelty.
    public func evaluate(test: MoleculeDataset, testLimit: Int = 1000, samples: Int = 10000, method: DecodingMethod = .greedy,
                         constrained: Bool = true, trainingSmiles: Set<String>?, seed: UInt64 = 1,
                         progress: (String) -> Void = { _ in }) -> EvaluationReport {
        var report = EvaluationReport()
        let rng = RandomGenerator(seed: seed)
        let grammar = SmilesGrammar(codec: codec)
        let n = min(test.count, testLimit)
        let width = test.maxLength, p = test.propertyNames.count
        var exact = 0, correctTokens = 0, tokens = 0
        var predicted: [Float] = []
        var inputCanonical: [String] = []
        progress("reconstructing \(n) test molecules")
        Tape.withoutRecording {
            for start in stride(from: 0, to: n, by: 250) {
                let range = start..<min(start + 250, n)
                let rows = Array(test.tokens[(range.lowerBound * width)..<(range.upperBound * width)])
                let lengths = Array(test.lengths[range])
                let mean = model.encode(rows).mean
                let decoded = smiles(model.decode(mean, method: .greedy, grammar: constrained ? grammar : nil, using: rng))
                for (k, i) in range.enumerated() {
                    let truth = canonicalSMILES(test.smiles[i]) ?? test.smiles[i]
                    inputCanonical.append(truth)
                    if canonicalSMILES(decoded[k]) == truth { exact += 1 }
                }
                let terms = model.loss(TokenBatch(rows: rows, lengths: lengths, properties: nil), beta: 0, training: false, using: rng)
                correctTokens += terms.correctTokens; tokens += terms.tokens
                if let values = model.predictProperties(mean), let normalization { predicted += normalization.denormalize(values.scalars) }
            }
        }
        report.add("test_molecules", Double(n))
        report.add("reconstruction_accuracy", Double(exact) / Double(max(n, 1)))
        report.add("token_accuracy", Double(correctTokens) / Double(max(tokens, 1)))

        progress("decoding \(samples) prior samples")
        var generated: [String] = [], otherWay: [String] = []
        Tape.withoutRecording {
            for start in stride(from: 0, to: samples, by: 500) {
                let count = min(500, samples - start)
                let z = Tensor.randomNormal([count, config.latentSize], using: rng)
                generated += smiles(model.decode(z, method: method, grammar: constrained ? grammar : nil, using: rng))
                otherWay += smiles(model.decode(z, method: method, grammar: constrained ? nil : grammar, using: rng))
            }
        }
        progress("scoring samples with RDKit")
        let reference = inputCanonical.compactMap { try? Fingerprint.morgan(smiles: $0) }
        let metrics = GenerationMetrics.evaluate(generated, trainingSet: trainingSmiles, reference: reference)
        report.add("samples", Double(samples))
        report.add("validity", metrics.validity)
        report.add("uniqueness", metrics.uniqueness)
        if let novelty = metrics.novelty { report.add("novelty", novelty) } else { report.notes.append("novelty needs --train") }
        report.add("internal_diversity", metrics.internalDiversity)
        if let snn = metrics.nearestNeighborSimilarity { report.add("snn_to_test", snn) }
        // The same points decoded the other way (with or without the grammar's mask).
        let other = constrained ? "unconstrained" : "constrained"
        let otherCanonical = Self.canonicalize(otherWay).compactMap { $0 }
        let otherDistinct = Set(otherCanonical)
        report.add("\(other)_validity", Double(otherCanonical.count) / Double(samples))
        report.add("\(other)_uniqueness", otherCanonical.isEmpty ? 0 : Double(otherDistinct.count) / Double(otherCanonical.count))
        if let trainingSmiles, !otherDistinct.isEmpty {
            report.add("\(other)_novelty", Double(otherDistinct.subtracting(trainingSmiles).count) / Double(otherDistinct.count))
        }

        // Property head against the test file's own property columns, matched by name.
        if let normalization, !predicted.isEmpty {
            for (j, name) in normalization.names.enumerated() {
                guard let column = test.propertyNames.firstIndex(of: name) else {
                    report.notes.append("the test molecules have no '\(name)' column; convert them with --properties")
                    continue
                }
                var absolute = 0.0, squared = 0.0, mean = 0.0
                for i in 0..<n { mean += Double(test.properties[i * p + column]) }
                mean /= Double(n)
                var total = 0.0
                for i in 0..<n {
                    let truth = Double(test.properties[i * p + column]), guess = Double(predicted[i * normalization.names.count + j])
                    absolute += abs(guess - truth); squared += (guess - truth) * (guess - truth); total += (truth - mean) * (truth - mean)
                }
                report.add("\(name)_mae", absolute / Double(n))
                report.add("\(name)_r2", total > 0 ? 1 - squared / total : 0)
            }
        }
        return report
    }
}

/// Canonical SMILES of a training file's molecules, for novelty (canonicalized here unless the
/// file says they already are).
public func canonicalTrainingSet(_ data: MoleculeDataset) -> Set<String> {
    if data.isCanonical { return Set(data.smiles) }
    var canonical = [String?](repeating: nil, count: data.count)
    canonical.withUnsafeMutableBufferPointer { out in
        let chunk = 1024
        DispatchQueue.concurrentPerform(iterations: (data.count + chunk - 1) / chunk) { c in
            for i in (c * chunk)..<min(data.count, (c + 1) * chunk) { out[i] = canonicalSMILES(data.smiles[i]) }
        }
    }
    return Set(canonical.compactMap { $0 })
}
