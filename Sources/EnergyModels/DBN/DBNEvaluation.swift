import Engine
import Foundation
import ImageModels

/// `molgen image score` for a deep belief net.
public enum DBNEvaluation {
    /// On the held-out images: each layer's `layerK_pseudo_log_likelihood` (on the binarised
    /// activities of the layer below), layer 1's AIS log Z and held-out log-likelihood when
    /// `aisChains` is given, and the held-out accuracy of a softmax regression trained on the
    /// training images' raw pixels and on each layer's hidden probabilities (`layerK_feature_accuracy`;
    /// the last is the top layer's, also printed as `top_feature_accuracy`).
    public static func score(_ dbn: DBN, datasets: String, aisChains: Int? = nil, aisTemperatures: Int = 1000,
                             classifierEpochs: Int = 30, seed: UInt64 = 1) throws -> [(name: String, value: Double)] {
        guard !dbn.layers.isEmpty else { throw ImageModelError.invalidOption("--model: the deep belief net has no trained layer yet") }
        guard (1...10_000).contains(classifierEpochs) else {
            throw ImageModelError.invalidOption("--classifier-epochs: \(classifierEpochs) must be between 1 and 10000")
        }
        let (train, heldOut) = try dbn.config.data.load(from: datasets)
        let trainActivities = dbn.activities(binarized(train)), heldOutActivities = dbn.activities(binarized(heldOut))
        var figures: [(name: String, value: Double)] = [("layers_trained", Double(dbn.layers.count))]
        for (k, layer) in dbn.layers.enumerated() {
            figures.append(("layer\(k + 1)_pseudo_log_likelihood", layer.pseudoLogLikelihood(binarized(heldOutActivities[k]), bitsPerImage: 10)))
        }
        if let aisChains {
            let first = dbn.layers[0]
            let rbmFigures = try RBMEvaluation.score(first, heldOut: heldOutActivities[0], chains: aisChains, temperatures: aisTemperatures, seed: seed)
            for name in ["ais_log_z", "ais_log_z_std_error", "heldout_log_likelihood", "heldout_log_likelihood_std_error"] {
                figures.append(("layer1_\(name)", rbmFigures.first { $0.name == name }!.value))
            }
        }
        for (k, (trainSet, heldOutSet)) in zip(trainActivities, heldOutActivities).enumerated() {
            let classifier = LogisticRegression(features: trainSet.pixels, labels: trainSet.labels, dimensions: trainSet.pixelsPerImage,
                                                epochs: classifierEpochs, seed: seed)
            let heldOutAccuracy = accuracy(classifier.classify(heldOutSet.pixels, count: heldOutSet.count), heldOutSet.labels)
            figures.append((k == 0 ? "raw_pixel_accuracy" : "layer\(k)_feature_accuracy", heldOutAccuracy))
            if k == dbn.layers.count { figures.append(("top_feature_accuracy", heldOutAccuracy)) }
        }
        figures.append(("heldout_images", Double(heldOut.count)))
        return figures
    }
}

/// Pictures of a deep belief net's samples.
public enum DBNPictures {
    /// A grid of `count` samples: `steps` Gibbs steps in the top RBM, then one downward pass.
    public static func samples(_ dbn: DBN, count: Int, steps: Int, seed: UInt64) -> PNGImage {
        RBMPictures.grid(dbn.sample(count: count, steps: steps, using: RandomGenerator(seed: seed)).scalars, count: count, data: dbn.config.data)
    }

    /// One top-level chain over time: `frames` pictures evenly spaced over `steps` Gibbs steps,
    /// each the chain's state carried down to the pixels.
    public static func chain(_ dbn: DBN, frames: Int, steps: Int, seed: UInt64) -> PNGImage {
        RBMPictures.chain(dbn.layers.last!, frames: frames, steps: steps, seed: seed) { dbn.downward($0, using: $1) }
    }
}
