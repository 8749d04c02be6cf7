import Chem
import ChemNet
import Datasets
import Engine
import Foundation
import Smiles

/// Figures `molgen evaluate` reports, in a fixed order.
public struct EvaluationReport: Sendable {
    public var figures: [(name: String, value: Double)] = []
    public var notes: [String] = []

    public init() {}

    mutating func add(_ name: String, _ value: Double) { figures.append((name, value)) }

    public subscript(name: String) -> Double? { figures.first { $0.name == name }?.value }
}

/// Where `evaluate` is: a stage, and how much of it is done.
public struct EvaluationProgress: Sendable {
    public var stage: String
    public var done: Int
    public var total: Int

    public init(stage: String, done: Int, total: Int) { self.stage = stage; self.done = done; self.total = total }
}

/// The MOSES metrics of `smiles` (Polykovskiy et al. 2020, `moses.get_all_metrics`), added to
/// `report`: validity, unique_1k, unique_10k, novelty (with `trainingSmiles`), intdiv1,
/// intdiv2, and against each reference set R (named e.g. "test", "testsf"): fcd_R (when ChemNet
/// is given and R has ChemNet statistics), snn_R, frag_R, scaf_R; then the Wasserstein-1
/// distances of logP, SA, QED and MW to the first reference. Every metric but validity is over
/// the valid samples, duplicates kept, as MOSES computes them.
public func scoreSamples(_ smiles: [String], into report: inout EvaluationReport, trainingSmiles: Set<String>?,
                         references: [(name: String, statistics: TestStatistics)], chemNet: ChemNet?,
                         progress: (EvaluationProgress) -> Void = { _ in }) {
    let profile = MoleculeSetProfile(smiles: smiles) { progress(EvaluationProgress(stage: "samples (RDKit)", done: $0, total: smiles.count)) }
    let valid = profile.canonicalSMILES
    report.add("validity", smiles.isEmpty ? 0 : Double(valid.count) / Double(smiles.count))
    report.add("unique_1k", MosesMetrics.uniqueness(valid, firstValid: 1000))
    report.add("unique_10k", MosesMetrics.uniqueness(valid, firstValid: 10000))
    if valid.count < 10000 { report.notes.append("unique_10k is over \(valid.count) valid samples (fewer than 10,000)") }
    if let trainingSmiles {
        let unique = Set(valid)
        report.add("novelty", unique.isEmpty ? 0 : Double(unique.subtracting(trainingSmiles).count) / Double(unique.count))
    } else {
        report.notes.append("novelty needs --train")
    }
    progress(EvaluationProgress(stage: "internal diversity", done: 0, total: 1))
    report.add("intdiv1", MosesMetrics.internalDiversity(profile.fingerprints, p: 1))
    report.add("intdiv2", MosesMetrics.internalDiversity(profile.fingerprints, p: 2))
    var sampleActivations: ActivationStatistics?
    if let chemNet, valid.count >= 2, references.contains(where: { $0.statistics.chemNet != nil }) {
        let rows = chemNet.activations(valid) { progress(EvaluationProgress(stage: "samples (ChemNet)", done: $0, total: valid.count)) }
        sampleActivations = ActivationStatistics(activations: rows, count: valid.count)
    }
    for (name, reference) in references {
        if let sampleActivations, let test = reference.chemNet {
            report.add("fcd_\(name)", frechetChemNetDistance(sampleActivations, test))
        }
        progress(EvaluationProgress(stage: "nearest neighbours in \(name)", done: 0, total: 1))
        report.add("snn_\(name)", MosesMetrics.nearestNeighborSimilarity(profile.fingerprints, reference: reference.profile.fingerprints))
        report.add("frag_\(name)", MosesMetrics.cosineSimilarity(profile.fragmentCounts, reference.profile.fragmentCounts))
        report.add("scaf_\(name)", MosesMetrics.cosineSimilarity(profile.scaffoldCounts, reference.profile.scaffoldCounts))
    }
    if chemNet == nil && !references.isEmpty { report.notes.append(ChemNet.howToGet) }
    if let reference = references.first {
        for property in MoleculeSetProfile.properties {
            let name = property == .sas ? "sa" : property.name
            report.add("\(name)_wasserstein", MosesMetrics.wasserstein(reference.statistics.profile.propertyValues[property]!,
                                                                       profile.propertyValues[property]!))
        }
    }
}

extension ChemVAEModel {
    /// SMILES strings of decoded token sequences.
    public func smiles(_ sequences: [[UInt8]]) -> [String] { sequences.map { codec.decode($0) } }

    /// Measures the model on held-out molecules and on prior samples:
    /// - reconstruction: each test molecule's latent mean decoded with `method` (greedily when
    ///   `method` samples), counted when its canonical SMILES equals the input's; token accuracy under teacher forcing at z = μ;
    /// - prior samples (`prior`, by default `defaultPrior`, at `priorTemperature`) decoded with `method`, scored by `scoreSamples` (the MOSES
    ///   metrics against each of `references`, e.g. "test" and "testsf");
    /// - per property: MAE and R² of the property head on the test molecules.
    /// Decoding is constrained by the SMILES grammar unless `constrained` is false; the same prior
    /// points are then also decoded the other way, for `unconstrained_*` (or `constrained_*`)
    /// validity, uniqueness and novelty.
    public func evaluate(test: MoleculeDataset, testLimit: Int = 1000, samples: Int = 10000, method: DecodingMethod = .greedy,
                         constrained: Bool = true, prior: PriorChoice? = nil, priorTemperature: Double? = nil,
                         trainingSmiles: Set<String>?, references: [(name: String, statistics: TestStatistics)] = [],
                         chemNet: ChemNet? = nil, seed: UInt64 = 1,
                         progress: (EvaluationProgress) -> Void = { _ in }) throws -> EvaluationReport {
        var report = EvaluationReport()
        let rng = RandomGenerator(seed: seed)
        let grammar = self.grammar
        let n = min(test.count, testLimit)
        let width = test.maxLength, p = test.propertyNames.count
        var exact = 0, correctTokens = 0, tokens = 0
        // Test molecules outside the model's applicability domain, and how many of them reconstruct:
        // a test set unlike the training set reads as a worse model unless this is said.
        var outside: [String] = [], outsideExact = 0
        var predicted: [Float] = []
        var inputCanonical: [String] = []
        // Test molecules decode as prior samples do, except that sampling reconstructs greedily
        // (a draw is not the model's reading of a point).
        let reconstructionMethod: DecodingMethod
        if case .sample = method { reconstructionMethod = .greedy } else { reconstructionMethod = method }
        progress(EvaluationProgress(stage: "reconstructing test molecules", done: 0, total: n))
        Tape.withoutRecording {
            for start in stride(from: 0, to: n, by: 250) {
                progress(EvaluationProgress(stage: "reconstructing test molecules", done: start, total: n))
                let range = start..<min(start + 250, n)
                let rows = Array(test.tokens[(range.lowerBound * width)..<(range.upperBound * width)])
                let lengths = Array(test.lengths[range])
                let mean = model.encode(rows).mean
                let decoded = smiles(model.decode(mean, method: reconstructionMethod, grammar: constrained ? grammar : nil, using: rng))
                for (k, i) in range.enumerated() {
                    let truth = canonicalSMILES(test.smiles[i]) ?? test.smiles[i]
                    inputCanonical.append(truth)
                    let reconstructs = canonicalSMILES(decoded[k]) == truth
                    if reconstructs { exact += 1 }
                    if domain != nil, !domainProblems(smiles: truth, mean: Array(mean.scalars[(k * config.latentSize)..<((k + 1) * config.latentSize)])).isEmpty {
                        outside.append(truth)
                        if reconstructs { outsideExact += 1 }
                    }
                }
                let terms = model.loss(TokenBatch(rows: rows, lengths: lengths, properties: nil), beta: 0, training: false, using: rng)
                correctTokens += terms.correctTokens; tokens += terms.tokens
                if let values = model.predictProperties(mean), let normalization { predicted += normalization.denormalize(values.scalars) }
            }
        }
        report.add("test_molecules", Double(n))
        report.add("reconstruction_accuracy", Double(exact) / Double(max(n, 1)))
        report.add("token_accuracy", Double(correctTokens) / Double(max(tokens, 1)))
        if domain != nil {
            report.add("test_outside_domain", Double(outside.count))
            if !outside.isEmpty {
                let inside = n - outside.count
                report.add("reconstruction_accuracy_inside_domain", inside > 0 ? Double(exact - outsideExact) / Double(inside) : .nan)
                report.notes.append("\(outside.count) of \(n) test molecules are outside the model's applicability domain (e.g. "
                    + outside.prefix(3).joined(separator: ", ") + String(format: "); %d of them reconstruct", outsideExact))
            }
        } else {
            report.notes.append("the model stores no applicability domain (molgen export --domain-from DATASET adds it): test molecules were not checked against it")
        }

        var generated: [String] = [], otherWay: [String] = []
        let priorChoice = prior ?? defaultPrior
        let priorTemperature = priorTemperature ?? defaultTemperature(of: priorChoice)
        report.notes.append("prior samples from \(priorChoice == .fitted ? "the fitted prior" : "N(0, I)")"
            + (priorTemperature == 1 ? "" : " at temperature \(priorTemperature)") + ", decoded \(constrained ? "under the grammar's mask" : "without the grammar's mask")")
        try Tape.withoutRecording {
            for start in stride(from: 0, to: samples, by: 500) {
                progress(EvaluationProgress(stage: "decoding prior samples", done: start, total: samples))
                let count = min(500, samples - start)
                let z = Tensor(try priorPoints(count: count, from: priorChoice, temperature: priorTemperature, using: rng), shape: [count, config.latentSize])
                generated += smiles(model.decode(z, method: method, grammar: constrained ? grammar : nil, using: rng))
                otherWay += smiles(model.decode(z, method: method, grammar: constrained ? nil : grammar, using: rng))
            }
        }
        report.add("samples", Double(samples))
        scoreSamples(generated, into: &report, trainingSmiles: trainingSmiles, references: references, chemNet: chemNet, progress: progress)
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
