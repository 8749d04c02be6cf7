import ArgumentParser
import Autoencoders
import Foundation
import ImageModels
import Training

extension CorruptionNoise: ExpressibleByArgument {}

/// The options only the autoencoders take in `molgen image train`.
struct AutoencoderTrainOptions: ParsableArguments {
    @Option(help: "dae: masking (pixels set to 0) or gaussian (noise added) corruption (default masking).") var noise: CorruptionNoise?
    @Option(help: "dae: masking probability or Gaussian standard deviation (default 0.3).") var noiseLevel: Float?
    @Option(help: "sae: pre-training epochs per encoder/decoder pair before fine-tuning (default 2).") var pretrainEpochs: Int?

    var anyGiven: Bool { noise != nil || noiseLevel != nil || pretrainEpochs != nil }

    func rejectUnlessAutoencoder(_ kind: AutoencoderKind? = nil) throws {
        for (given, name, owner) in [(noise != nil, "--noise", AutoencoderKind.dae), (noiseLevel != nil, "--noise-level", .dae),
                                     (pretrainEpochs != nil, "--pretrain-epochs", .sae)] where given && kind != owner {
            throw ValidationError("\(name): only \(owner.rawValue) takes this option")
        }
    }
}

extension ImageTrainCommand {
    func validateAutoencoder(_ kind: AutoencoderKind) throws {
        try rbmOptions.rejectUnlessRBM()
        try autoencoderOptions.rejectUnlessAutoencoder(kind)
        for (given, name) in [(labels != nil, "--labels"), (likelihood != nil, "--likelihood"), (generatorLoss != nil, "--generator-loss"),
                              (consistencyWeight != nil, "--consistency-weight"), (weightsOnly, "--weights-only"),
                              (channels != nil && kind != .cae, "--channels")] where given {
            throw ValidationError("\(name): \(kind.rawValue) does not take this option")
        }
        try OptionLimits.require(epochs, in: 1...OptionLimits.epochs, "--epochs")
        if kind == .swap && data != .mnist { throw ValidationError("--data: swap always pairs digits28 (style A) with mnist (style B); leave --data out") }
        if resume && (autoencoderOptions.anyGiven || batchSize != nil || learningRate != nil || latent != nil || channels != nil) {
            throw ValidationError("only --epochs can change on --resume: the run continues with the settings saved in \(output)")
        }
        if !resume {
            do { try autoencoderConfig(kind).validate() } catch { throw ValidationError("\(error)") }
        }
        let dir = (output as NSString).deletingLastPathComponent
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) { throw ValidationError("--output: directory \(dir) does not exist") }
    }

    func autoencoderConfig(_ kind: AutoencoderKind) -> AutoencoderConfig {
        var c = AutoencoderConfig.defaults(for: kind, data: data)
        c.seed = seed
        if let epochs { c.epochs = epochs }
        if let batchSize { c.batchSize = batchSize }
        if let learningRate { c.learningRate = learningRate }
        if let latent { c.code = latent }
        if let channels { c.channels = channels }
        if let noise = autoencoderOptions.noise { c.noise = noise }
        if let level = autoencoderOptions.noiseLevel { c.noiseLevel = level }
        if let epochs = autoencoderOptions.pretrainEpochs { c.pretrainEpochs = epochs }
        return c
    }

    func runAutoencoder(_ kind: AutoencoderKind) throws {
        let trainer = try AutoencoderTrainer(config: resume ? nil : autoencoderConfig(kind), datasets: dataOptions.datasets,
                                             outputPath: output, resume: resume, epochs: epochs)
        let c = trainer.model.config
        guard c.kind == kind else {
            throw ValidationError("--resume: \(output) holds a \(c.kind.rawValue) model, not \(kind.rawValue)")
        }
        printError("training \(c.kind.rawValue) on \(c.otherData.map { "\($0.rawValue) <-> " } ?? "")\(c.data.rawValue): "
            + "\(trainer.model.parameterCount) parameters, code \(c.code), \(trainer.train.count) training images, batch \(c.batchSize), "
            + "\(trainer.loop.options.epochs) epochs"
            + (c.pretrainStages > 0 ? " (the first \(c.pretrainEpochs * c.pretrainStages) pre-train \(c.pretrainStages) pairs)" : "")
            + (resume ? ", resuming after epoch \(trainer.file.position?.completedEpochs ?? 0)" : ""))
        StopSignal.install()
        let report = TrainingReport(unit: "img")
        let outcome = try trainer.run(progress: report.progress, epochFinished: report.epochFinished)
        report.finish()
        switch outcome {
        case .finished: printError("done: \(output)")
        case .interrupted:
            printError("stopped: checkpoint saved in \(output); continue with --resume")
            throw ExitCode(130)
        }
    }
}

/// The options only autoencoders take in `molgen image score`.
struct AutoencoderScoreOptions: ParsableArguments {
    @Option(help: "autoencoders: write PREFIX-reconstructions.png (originals above reconstructions), and for linear-ae PREFIX-ae-codes.svg and PREFIX-pca-codes.svg, for swap PREFIX-swap.png.")
    var pictures: String?
}

extension ImageScoreCommand {
    func scoreAutoencoder() throws {
        if aisChains != nil || aisTemperatures != nil { throw ValidationError("--ais-chains, --ais-temperatures: only an rbm model is scored by AIS") }
        if let prefix = autoencoderScoreOptions.pictures {
            for suffix in ["-reconstructions.png", "-ae-codes.svg", "-pca-codes.svg", "-swap.png"] {
                try Outputs.check(prefix + suffix, "--pictures", against: [(model, "--model")])
            }
            let dir = (prefix as NSString).deletingLastPathComponent
            if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) { throw ValidationError("--pictures: directory \(dir) does not exist") }
        }
        let file = try AutoencoderFile.load(from: model)
        printFigures(try AutoencoderEvaluation.score(file, datasets: dataOptions.datasets, pictures: autoencoderScoreOptions.pictures, seed: seed) { data in
            let path = classifier ?? ImageEvaluation.classifierPath(for: data, modelsDirectory: modelsDirectory)
            do { return try ImageEvaluation.loadClassifier(path) } catch ImageModelError.fileNotFound(let p) {
                throw ImageModelError.invalidOption("--models-directory: \(p) not found (run from the repository root)")
            }
        })
    }
}

extension ImageSampleCommand {
    /// Decodes codes drawn from a Gaussian fitted to the training codes (swap: its swap grid).
    func sampleAutoencoder() throws {
        if label != nil || latentGrid || chain || gibbsSteps != nil {
            throw ValidationError("--label, --latent-grid, --chain, --gibbs-steps: an autoencoder draws unlabelled samples")
        }
        let file = try AutoencoderFile.load(from: model)
        let picture = try AutoencoderEvaluation.samples(file, count: n, datasets: dataOptions.datasets, seed: seed)
        try picture.write(to: output)
        printError("wrote \(output) (\(picture.width)x\(picture.height))")
    }
}
