import Chem
import Datasets
import Foundation
import Smiles
import XCTest
@testable import ChemVAE

/// A dataset of `smiles` with RDKit's logP and QED as its properties (so the optimizer can score
/// decoded molecules with the same property the head predicts).
func makeChemDataset(_ smiles: [String], maxLength: Int = 60) throws -> MoleculeDataset {
    let plain = try makeDataset(smiles, maxLength: maxLength, properties: false)
    let values = try smiles.flatMap { s -> [Float] in
        try analyze(smiles: s, canonicalize: false, properties: [.logP, .qed]).properties.map { Float($0) }
    }
    return try MoleculeDataset(codec: plain.codec, smiles: smiles, tokens: plain.tokens, lengths: plain.lengths,
                               properties: values, propertyNames: ["logp", "qed"])
}

/// Latent-space tests share two models: a freshly initialised one (plumbing only) and one
/// trained for a few seconds on 200 canonical MOSES molecules with logP and QED.
enum LatentFixtures {
    static func config(for data: MoleculeDataset) -> ChemVAEConfig {
        var c = ChemVAEConfig.preset(.tiny, vocabularySize: data.vocabulary.count, maxLength: data.maxLength,
                                     propertyNames: data.propertyNames)
        c.latentSize = 24; c.decoderHidden = 96; c.encoderHidden = 96
        c.learningRate = 3e-3; c.klWeight = 1e-3; c.batchSize = 25
        return c
    }

    static let molecules: [String] = {
        // Canonical, so that encode(smiles:) (which canonicalizes) sees the training spelling.
        (try! mosesSmiles(200)).map { canonicalSMILES($0)! }
    }()

    static let dataset: MoleculeDataset = try! makeChemDataset(molecules)

    static let fresh: ChemVAEModel = {
        let data = dataset
        return ChemVAEModel(model: try! ChemVAE(config(for: data), seed: 11), codec: data.codec,
                            normalization: PropertyNormalization(names: data.propertyNames, values: data.properties))
    }()

    static let trained: ChemVAEModel = {
        let start = Date()
        let path = try! temporaryDirectory().appendingPathComponent("latent-tiny.h5").path
        var options = TrainingOptions(epochs: 12)
        options.reconstructionSamples = 0
        options.seed = 3
        let trainer = try! ChemVAETrainer(config: config(for: dataset), training: dataset, validation: dataset, options: options,
                                          outputPath: path, resume: false)
        _ = try! trainer.run()
        print("latent fixtures: trained a tiny model in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        return try! ChemVAEModel.load(from: path)
    }()
}

/// Writes `text` to a new file in a fresh temporary directory and returns its path.
func writeTemporary(_ name: String, _ text: String) throws -> String {
    let path = try temporaryDirectory().appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
