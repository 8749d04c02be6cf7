import ArgumentParser
import Foundation
import Autoencoders
import EnergyModels
import ImageModels

/// `molgen image score`: FID, 1-NN two-sample score and each model's own figures.
struct ImageScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score a model on the held-out images: fid=, knn_score= (and accuracy= for ssvae, ...).",
        discussion: """
            fid is the Fréchet distance between generated and held-out images on the 128-d features \
            of MolGen's own small digit classifier (models/*-classifier.h5), NOT the Inception FID: \
            its values are not comparable with published FIDs. knn_score is the leave-one-out 1-NN \
            accuracy on held-out + generated images in pixel space (0.5: indistinguishable, 1: \
            separable, 0: copies). *_real_floor lines give both figures for real training images. \
            For an rbm: ais_log_z= (annealed importance sampling from the base-rate model) and its \
            standard error, heldout_log_likelihood= in nats per binarised held-out image with its \
            standard error over images, pseudo_log_likelihood=, and exact_log_z= up to 20 hidden units. \
            For a dbn: layerK_pseudo_log_likelihood= for each layer (on the binarised activities of \
            the layer below), layer 1's AIS figures when --ais-chains is given, and the held-out \
            accuracy of a softmax regression on raw pixels and on each layer's hidden probabilities \
            (raw_pixel_accuracy=, layerK_feature_accuracy=, top_feature_accuracy=).
            For an autoencoder: reconstruction_mse= (per pixel, held-out images), and denoised_mse= \
            (dae), pca_reconstruction_mse= and largest_principal_angle_deg= (linear-ae), \
            class_kept_a_to_b= and class_kept_b_to_a= by the target style's classifier (swap).
            """)

    @Option(help: "The model file.") var model: String
    @Option(help: "Feature classifier (default: models/mnist-classifier.h5 or models/digits28-classifier.h5).") var classifier: String?
    @Option(help: "Directory of the shipped classifiers.") var modelsDirectory = "models"
    @Option(help: "Random seed for the samples.") var seed: UInt64 = 1
    @OptionGroup var dataOptions: ImageDataOptions
    @Option(help: "rbm: AIS chains (default 100); dbn: AIS of the first layer with this many chains (default: none).") var aisChains: Int?
    @Option(help: "rbm: AIS inverse temperatures from 0 to 1 (default 3000; dbn: 1000).") var aisTemperatures: Int?
    @OptionGroup var autoencoderScoreOptions: AutoencoderScoreOptions

    func run() throws {
        if AutoencoderFile.holdsAutoencoder(model) { return try scoreAutoencoder() }
        if autoencoderScoreOptions.pictures != nil { throw ValidationError("--pictures: only an autoencoder model writes these pictures") }
        if DBNFile.holdsDBN(model) {
            let dbn = try DBNFile.load(from: model).dbn
            printFigures(try DBNEvaluation.score(dbn, datasets: dataOptions.datasets, aisChains: aisChains,
                                                 aisTemperatures: aisTemperatures ?? 1000, seed: seed))
            return
        }
        if RBMFile.holdsRBM(model) {
            let rbm = try RBMFile.load(from: model).rbm
            printFigures(try RBMEvaluation.score(rbm, datasets: dataOptions.datasets, chains: aisChains ?? 100,
                                                 temperatures: aisTemperatures ?? 3000, seed: seed))
            return
        }
        if aisChains != nil || aisTemperatures != nil { throw ValidationError("--ais-chains, --ais-temperatures: only rbm and dbn models are scored by AIS") }
        let file = try ImageModelFile.load(from: model)
        let figures = try ImageEvaluation.score(file, datasets: dataOptions.datasets, seed: seed) { data in
            let path = classifier ?? ImageEvaluation.classifierPath(for: data, modelsDirectory: modelsDirectory)
            do { return try ImageEvaluation.loadClassifier(path) } catch ImageModelError.fileNotFound(let p) {
                throw ImageModelError.invalidOption("--classifier: \(p) not found (run from the repository root, or train it: molgen image train classifier --data \(data == .mnist ? "mnist" : "digits28") --output \(p))")
            }
        }
        if figures.contains(where: { $0.name == "fid" }) {
            printError("note: fid uses MolGen's digit-classifier features, not Inception; not comparable with published FIDs")
        }
        printFigures(figures)
    }
}
