import Chem
import ChemNet
import Dispatch
import Foundation
import Smiles

/// The stages of `molgen evaluate`'s sample scoring, timed on real molecules.
public enum EvaluationBenchmarks {
    /// Takes the first `samples` molecules of `path` as the samples and the next `reference` ones
    /// as the reference set, and times each stage once (after a small warm-up):
    /// - `rdkit_molecules_per_s`: parse, canonical SMILES, 1,024-bit Morgan, BRICS, scaffold, logP/SA/QED/MW;
    /// - `chemnet_molecules_per_s`: ChemNet activations (only when `chemNetPath` exists);
    /// - `snn_molecules_per_s`: nearest neighbour of each sample among the reference fingerprints;
    /// - `intdiv_molecules_per_s`: IntDiv1 and IntDiv2 (all sample pairs, twice);
    /// - `frag_scaf_wasserstein_seconds`, `frechet_seconds` (512-d statistics and the distance).
    public static func evaluate(molecules path: String, samples: Int, reference: Int, chemNetPath: String) throws -> [Figure] {
        let all = try SmilesFileReader.readAll(path: path).map(\.smiles)
        guard all.count >= samples + reference, samples >= 2, reference >= 1 else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey:
                "\(path): \(all.count) molecules, need --samples + --reference = \(samples + reference)"])
        }
        let sampleSmiles = Array(all[0..<samples]), referenceSmiles = Array(all[samples..<(samples + reference)])
        _ = MoleculeSetProfile(smiles: Array(sampleSmiles.prefix(64)))   // warm-up: RDKit's lazy tables
        var figures = [Figure("samples", Double(samples)), Figure("reference", Double(reference))]

        var profile: MoleculeSetProfile!
        let rdkit = seconds { profile = MoleculeSetProfile(smiles: sampleSmiles) }
        let referenceProfile = MoleculeSetProfile(smiles: referenceSmiles)
        figures.append(Figure("rdkit_molecules_per_s", Double(samples) / rdkit))

        if FileManager.default.fileExists(atPath: chemNetPath) {
            let chemNet = try ChemNet(contentsOf: chemNetPath)
            _ = chemNet.activations(Array(sampleSmiles.prefix(8)))
            var rows: [Float] = []
            let forward = seconds { rows = chemNet.activations(profile.canonicalSMILES) }
            figures.append(Figure("chemnet_molecules_per_s", Double(profile.validCount) / forward))
            let other = ActivationStatistics(activations: chemNet.activations(Array(referenceProfile.canonicalSMILES.prefix(600))),
                                             count: min(600, referenceProfile.validCount))
            figures.append(Figure("frechet_seconds", seconds {
                _ = frechetChemNetDistance(ActivationStatistics(activations: rows, count: profile.validCount), other)
            }))
        } else {
            FileHandle.standardError.write(Data("note: no chemnet_molecules_per_s: \(ChemNet.howToGet)\n".utf8))
        }
        let snn = seconds { _ = MosesMetrics.nearestNeighborSimilarity(profile.fingerprints, reference: referenceProfile.fingerprints) }
        figures.append(Figure("snn_molecules_per_s", Double(profile.validCount) / snn))
        let intdiv = seconds {
            _ = MosesMetrics.internalDiversity(profile.fingerprints, p: 1)
            _ = MosesMetrics.internalDiversity(profile.fingerprints, p: 2)
        }
        figures.append(Figure("intdiv_molecules_per_s", Double(profile.validCount) / intdiv))
        figures.append(Figure("frag_scaf_wasserstein_seconds", seconds {
            _ = MosesMetrics.cosineSimilarity(profile.fragmentCounts, referenceProfile.fragmentCounts)
            _ = MosesMetrics.cosineSimilarity(profile.scaffoldCounts, referenceProfile.scaffoldCounts)
            for property in MoleculeSetProfile.properties {
                _ = MosesMetrics.wasserstein(profile.propertyValues[property]!, referenceProfile.propertyValues[property]!)
            }
        }))
        return figures
    }

    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
