import ArgumentParser
import Foundation
import ImageModels
import Training

/// `molgen image train MODEL`: trains one of the image models and writes its model file.
struct ImageTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an image model (vae, cvae, ssvae, gan, cgan, infogan, dcgan, cyclegan, rbm, dbn, an autoencoder, or the FID classifier).",
        discussion: """
            Writes FILE.h5 after every epoch (atomically); Ctrl-C or SIGTERM stops after saving, and \
            --resume continues exactly. Epoch figures go to stdout as name=value lines, progress to \
            stderr. cyclegan translates between the 8x8 digits upscaled to 28x28 (domain A) and MNIST \
            (domain B) whatever --data says. The shipped FID classifiers are trained with \
            `molgen image train classifier --data mnist --weights-only --output models/mnist-classifier.h5` \
            and the same with `--data digits28 --output models/digits28-classifier.h5`. rbm (a \
            Bernoulli restricted Boltzmann machine on binarised images) takes --hidden, --cd-steps, \
            --persistent, --momentum and --weight-decay; dbn (a deep belief net: RBMs stacked and \
            trained greedily, layer by layer) takes the same with --layers 500,500,2000 instead of \
            --hidden, and --epochs per layer. The autoencoders (ae, dae, sae, cae, rae, linear-ae, \
            swap) take --latent (code units), --channels (cae), --noise and --noise-level (dae) and \
            --pretrain-epochs (sae); swap always pairs digits28 (style A) with mnist (style B).
            """)

    @Argument(help: ArgumentHelp("vae, cvae, ssvae, gan, cgan, infogan, dcgan, cyclegan, rbm, dbn, ae, dae, sae, cae, rae, linear-ae, swap or classifier.", valueName: "model")) var modelName: ImageTrainModel
    @Option(help: "mnist (28x28), digits (8x8) or digits28 (8x8 upscaled).") var data: ImageDataSource = .mnist
    @Option(name: .shortAndLong, help: "The model file to write (.h5).") var output: String
    @Option(help: "Total epochs (with --resume: the new total).") var epochs: Int?
    @Option(help: "ssvae: labelled training images (balanced over digits).") var labels: Int?
    @Option(help: "Random seed: the same seed gives the same run.") var seed: UInt64 = 1
    @Option(help: "Images per batch.") var batchSize: Int?
    @Option(help: "Adam learning rate.") var learningRate: Float?
    @Option(help: "Latent / noise dimensions (vae with --latent 2 can draw its latent grid).") var latent: Int?
    @Option(help: "vae, cvae, ssvae: bernoulli (BCE) or gaussian (squared error).") var likelihood: Likelihood?
    @Option(help: "gan, cgan, dcgan, infogan: nonsaturating (-log D(G(z))) or minimax (log(1 - D(G(z)))).") var generatorLoss: GeneratorLoss?
    @Option(help: "Base convolution channels of convolutional models.") var channels: Int?
    @Option(help: "ssvae: weight of the shift-consistency term (0: plain M2).") var consistencyWeight: Float?
    @OptionGroup var dataOptions: ImageDataOptions
    @Flag(help: "Continue the run saved in --output.") var resume = false
    @OptionGroup var rbmOptions: RBMTrainOptions
    @OptionGroup var autoencoderOptions: AutoencoderTrainOptions
    @Flag(help: "After the last epoch, rewrite --output with the weights only (smaller, for shipping; cannot be resumed).") var weightsOnly = false

    /// The image model to train (rbm and dbn take their own path: `runRBM`, `runDBN`).
    var model: ImageModelKind { modelName.imageModel ?? .vae }

    func validate() throws {
        if modelName.isEnergyModel { return try validateEnergyModel() }
        if case .autoencoder(let kind) = modelName { return try validateAutoencoder(kind) }
        try rbmOptions.rejectUnlessRBM()
        try autoencoderOptions.rejectUnlessAutoencoder()
        if let epochs, epochs < 1 { throw ValidationError("--epochs: \(epochs) must be at least 1") }
        try OptionLimits.require(epochs, in: 1...OptionLimits.epochs, "--epochs")
        try OptionLimits.require(batchSize, in: 2...OptionLimits.batchSize, "--batch-size")
        try OptionLimits.require(latent, in: 1...OptionLimits.latentSize, "--latent")
        try OptionLimits.require(channels, in: 1...1024, "--channels")
        if let learningRate, !learningRate.isFinite { throw ValidationError("--learning-rate: must be a finite number") }
        if let batchSize, batchSize < 2 { throw ValidationError("--batch-size: \(batchSize) must be at least 2") }
        if let latent, latent < 1 { throw ValidationError("--latent: \(latent) must be at least 1") }
        if let channels, channels < 1 { throw ValidationError("--channels: \(channels) must be at least 1") }
        if let learningRate, !(learningRate > 0) { throw ValidationError("--learning-rate: must be positive") }
        if labels != nil && model != .ssvae { throw ValidationError("--labels: only ssvae trains with a labelled subset") }
        if model == .cyclegan && data != .mnist { throw ValidationError("--data: cyclegan always translates digits28 <-> mnist; leave --data out") }
        if [ImageModelKind.dcgan, .infogan].contains(model) && data == .digits28 {
            throw ValidationError("--data: \(model.rawValue) needs sides divisible by 4 (mnist or digits)")
        }
        if resume && (labels != nil || batchSize != nil || learningRate != nil || latent != nil || likelihood != nil
                      || generatorLoss != nil || channels != nil || consistencyWeight != nil) {
            throw ValidationError("only --epochs can change on --resume: the run continues with the settings saved in \(output)")
        }
        if !resume && FileManager.default.fileExists(atPath: output) == false {
            let dir = (output as NSString).deletingLastPathComponent
            if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) { throw ValidationError("--output: directory \(dir) does not exist") }
        }
    }

    func run() throws {
        if modelName == .rbm { return try runRBM() }
        if modelName == .dbn { return try runDBN() }
        if case .autoencoder(let kind) = modelName { return try runAutoencoder(kind) }
        var config: ImageModelConfig?
        if !resume {
            var c = ImageModelConfig.defaults(for: model, data: data)
            c.seed = seed
            if let epochs { c.epochs = epochs }
            if let labels { c.labels = labels }
            if let batchSize { c.batchSize = batchSize }
            if let learningRate { c.learningRate = learningRate }
            if let latent { c.latent = latent }
            if let likelihood { c.likelihood = likelihood }
            if let generatorLoss { c.generatorLoss = generatorLoss }
            if let channels { c.channels = channels }
            if let consistencyWeight { c.consistencyWeight = consistencyWeight }
            config = c
        }
        let trainer = try ImageTrainer(config: config, datasets: dataOptions.datasets, outputPath: output, resume: resume, epochs: epochs)
        let c = trainer.model.config
        printError("training \(c.model.rawValue) on \(c.data.rawValue)\(c.otherData.map { " <-> \($0.rawValue)" } ?? ""): "
            + "\(trainer.model.parameterCount) parameters, \(trainer.data.train.count) training images, batch \(c.batchSize), "
            + "\(trainer.epochs) epochs" + (c.model == .ssvae ? ", \(trainer.data.labelled.count) labelled" : "")
            + (resume ? ", resuming after epoch \(trainer.file.position?.completedEpochs ?? 0)" : ""))
        StopSignal.install()
        let report = TrainingReport(unit: "img", hiddenTerms: ["g_grad_norm"])
        let outcome = try trainer.run(progress: report.progress, epochFinished: report.epochFinished)
        report.finish()
        switch outcome {
        case .finished:
            if weightsOnly { try trainer.file.save(to: output, weightsOnly: true) }
            printError("done: \(output)\(weightsOnly ? " (weights only)" : "")")
        case .interrupted:
            printError("stopped: checkpoint saved in \(output); continue with --resume")
            throw ExitCode(130)
        }
    }
}
