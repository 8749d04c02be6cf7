import Engine
import Foundation
import NN

/// Scores of trained image models: FID on the shipped digit classifier's features, the 1-NN
/// two-sample score in pixel space, and each model's own figures.
public enum ImageEvaluation {
    /// The shipped feature classifier for images of `data`: MNIST's for MNIST, the upscaled 8x8
    /// digits' for both digit sets (8x8 images are upscaled to 28x28 before it sees them).
    public static func classifierPath(for data: ImageDataSource, modelsDirectory: String) -> String {
        modelsDirectory + (data == .mnist ? "/mnist-classifier.h5" : "/digits28-classifier.h5")
    }

    /// Loads a classifier model file, checking it is one.
    public static func loadClassifier(_ path: String) throws -> DigitClassifier {
        let file = try ImageModelFile.load(from: path)
        guard let classifier = file.model as? DigitClassifier else {
            throw ImageModelError.notAModel(path: path, reason: "it is a \(file.config.model.rawValue) model, not a classifier")
        }
        return classifier
    }

    /// Images as the classifier for `data` expects them (8x8 digits upscaled to 28x28).
    static func classifierInput(_ images: Tensor, data: ImageDataSource) -> Tensor {
        guard data == .digits else { return images }
        let n = images.shape[0], h = images.shape[1], w = images.shape[2]
        return Tensor(resizeBilinear(images.scalars, count: n, height: h, width: w, toHeight: 28, toWidth: 28), shape: [n, 28, 28, 1])
    }

    /// FID between two image sets [N, H, W, 1] on the classifier's 128-d features.
    public static func fid(_ a: Tensor, _ b: Tensor, data: ImageDataSource, classifier: DigitClassifier) -> Double {
        let fa = classifier.featuresAndLogits(classifierInput(a, data: data)).features
        let fb = classifier.featuresAndLogits(classifierInput(b, data: data)).features
        return frechetDistance(fa, count: a.shape[0], fb, count: b.shape[0], dimension: DigitClassifier.featureSize)
    }

    /// The 1-NN two-sample score of two image sets in pixel space.
    public static func knn(_ real: Tensor, _ generated: Tensor) -> Double {
        let d = real.count / real.shape[0]
        return nearestNeighbourScore(real: real.scalars, count: real.shape[0], generated: generated.scalars, count: generated.shape[0], dimension: d)
    }

    /// Every figure for the model in `file`, in print order. `classifiers` loads a feature
    /// classifier for a data source (the shipped files). Samples: as many as held-out images.
    public static func score(_ file: ImageModelFile, datasets: String, seed: UInt64 = 1,
                             classifiers: (ImageDataSource) throws -> DigitClassifier) throws -> [(name: String, value: Double)] {
        let config = file.config, model = file.model
        let data = try ImageTrainingData(config: config, datasets: datasets)
        let heldOut = data.heldOut, real = heldOut.tensor
        let rng = RandomGenerator(seed: seed)
        var figures: [(String, Double)] = []
        // The floor FID and 1-NN reach for real images: a training subset as large as the held-out set.
        let floorIndices = Array(0..<min(heldOut.count, data.train.count))
        switch model {
        case let classifier as DigitClassifier:
            figures.append(("accuracy", accuracy(classifier.classify(real), heldOut.labels)))
            return figures
        case let cycle as CycleGAN:
            guard let otherHeld = data.otherHeldOut, let otherData = config.otherData else { return figures }
            let judgeB = try classifiers(config.data), judgeA = try classifiers(otherData)
            let aToB = cycle.translate(otherHeld.tensor, toB: true), bToA = cycle.translate(real, toB: false)
            figures.append(("fid", fid(aToB, real, data: config.data, classifier: judgeB)))
            figures.append(("knn_score", knn(real, aToB)))
            let floorSet = data.train.batch(floorIndices)   // B's floor, as for the models that sample B
            figures.append(("fid_real_floor", fid(floorSet, real, data: config.data, classifier: judgeB)))
            figures.append(("knn_score_real_floor", knn(real, floorSet)))
            figures.append(("retention_a_to_b", accuracy(judgeB.classify(aToB), otherHeld.labels)))
            figures.append(("retention_b_to_a", accuracy(judgeA.classify(bToA), heldOut.labels)))
            // Without translation: how well each judge reads the other domain's raw images.
            figures.append(("untranslated_accuracy_a_by_b_judge", accuracy(judgeB.classify(otherHeld.tensor), otherHeld.labels)))
            figures.append(("untranslated_accuracy_b_by_a_judge", accuracy(judgeA.classify(real), heldOut.labels)))
            figures.append(("fid_untranslated_a", fid(otherHeld.tensor, real, data: config.data, classifier: judgeB)))
            return figures
        default:
            break
        }
        let classifier = try classifiers(config.data)
        let labels = config.model.takesLabel && config.model != .infogan ? heldOut.labels : nil
        guard let generated = model.generate(count: heldOut.count, labels: labels, using: rng) else { return figures }
        figures.append(("fid", fid(generated, real, data: config.data, classifier: classifier)))
        figures.append(("knn_score", knn(real, generated)))
        let floorSet = data.train.batch(floorIndices)
        figures.append(("fid_real_floor", fid(floorSet, real, data: config.data, classifier: classifier)))
        figures.append(("knn_score_real_floor", knn(real, floorSet)))
        switch model {
        case let vae as VAE:
            figures.append(("heldout_elbo", vae.evidenceLowerBound(heldOut, using: rng)))
            if vae.conditional {   // does the decoded digit match its label? (the classifier's reading)
                figures.append(("label_accuracy", accuracy(classifier.classify(classifierInput(generated, data: config.data)), heldOut.labels)))
            }
        case let ssvae as SemiSupervisedVAE:
            figures.insert(("accuracy", accuracy(ssvae.classify(heldOut), heldOut.labels)), at: 0)
        case let info as InfoGAN:
            // Q's categorical code on real held-out digits, matched one-to-one to the digits.
            let purity = matchedClusterAccuracy(clusters: info.predictCodes(heldOut), classes: heldOut.labels, k: 10)
            figures.append(("code_purity", purity.accuracy))
            // The digit the classifier reads in images generated with each code, matched likewise.
            let codes = cyclingLabels(1000, classes: config.categories)
            let images = info.generate(categories: codes, continuous: .randomUniform([1000, config.continuousCodes], low: -1, high: 1, using: rng), using: rng)
            let read = classifier.classify(classifierInput(images, data: config.data))
            figures.append(("generated_code_accuracy", matchedClusterAccuracy(clusters: codes, classes: read, k: 10).accuracy))
        case is GAN where config.model == .cgan:
            // Does the generated digit match its label? (the classifier's reading)
            let read = classifier.classify(classifierInput(generated, data: config.data))
            figures.append(("label_accuracy", accuracy(read, heldOut.labels)))
        default:
            break
        }
        return figures
    }

    /// The reference accuracies the semi-supervised VAE must beat (issue 6), by labelled count.
    public static let semiSupervisedReference: [Int: Double] = [100: 0.257, 400: 0.358, 1000: 0.705, 4000: 0.929]
}
