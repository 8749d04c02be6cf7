import ArgumentParser
import ChemVAE
import Cluster
import Datasets
import Engine
import Foundation
import Training

extension ChemVAEConfig.Preset: ExpressibleByArgument {}
extension ChemVAEConfig.DecoderKind: ExpressibleByArgument {}

/// `molgen train`: trains a chemical VAE on a dataset file from `molgen convert`.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a chemical VAE on a dataset file.",
        discussion: """
            Writes MODEL.h5 after every epoch (and every --checkpoint-minutes within long epochs), and \
            MODEL.best.h5 with the lowest validation loss. Ctrl-C or SIGTERM stops after saving a \
            checkpoint; --resume continues exactly where it stopped. Epoch figures go to stdout as \
            name=value lines; progress to stderr.
            """)

    @Option(help: "Training dataset (from molgen convert).") var data: String
    @Option(help: "Validation dataset with the same vocabulary (convert it with --vocab TRAIN.h5).") var validation: String?
    @Option(help: "Fraction of --data held out for validation when --validation is not given.") var validationFraction = 0.05
    @Option(name: .shortAndLong, help: "The model file to write.") var output: String
    @Option(help: "Hyper-parameter preset: paper (the 2018 paper's ZINC settings), cpu (sized for a 2-core CPU), tiny.") var preset: ChemVAEConfig.Preset = .cpu
    @Option(help: "Total epochs to train (with --resume: the new total).") var epochs: Int?
    @Option(help: "Molecules per batch.") var batchSize: Int?
    @Option(help: "Adam learning rate (may change on --resume, e.g. to anneal a long run).") var learningRate: Float?
    @Option(help: "Latent dimensions.") var latentSize: Int?
    @Option(help: "Decoder: paper or autoregressive.") var decoder: ChemVAEConfig.DecoderKind?
    @Option(help: "Decoder GRU width.") var decoderHidden: Int?
    @Option(help: "Decoder GRU layers.") var decoderLayers: Int?
    @Option(help: "Final weight of the KL term (may change on --resume).") var klWeight: Float?
    @Option(help: "Raise the KL weight linearly from 0 over this many epochs, counted from the run's start (may change on --resume).") var klWarmupEpochs: Double?
    @Option(help: "Weight of the property loss.") var propertyWeight: Float?
    @Option(help: "Random seed: the same seed gives the same run.") var seed: UInt64 = 1
    @Option(help: "Train on at most this many molecules of --data.") var limit: Int?
    @Option(help: "Write a checkpoint at least this often within an epoch (minutes).") var checkpointMinutes = 10.0
    @Flag(help: "Continue the run saved in --output.") var resume = false
    @Option(help: "Start a new run from this model file's parameters, architecture and vocabulary (a fresh optimizer; training settings from the options).") var initFrom: String?

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs: \(epochs) must be at least 1") }
        try OptionLimits.require(epochs, in: 1...OptionLimits.epochs, "--epochs")
        try OptionLimits.require(batchSize, in: 2...OptionLimits.batchSize, "--batch-size")
        try OptionLimits.require(latentSize, in: 1...OptionLimits.latentSize, "--latent-size")
        try OptionLimits.require(decoderHidden, in: 1...OptionLimits.hiddenWidth, "--decoder-hidden")
        try OptionLimits.require(decoderLayers, in: 1...OptionLimits.layers, "--decoder-layers")
        if let learningRate, !learningRate.isFinite { throw ValidationError("--learning-rate: must be a finite number") }
        if let propertyWeight, !(propertyWeight >= 0 && propertyWeight.isFinite) { throw ValidationError("--property-weight: \(propertyWeight) must be a finite number >= 0") }
        if let limit, limit < 1 { throw ValidationError("--limit: \(limit) must be at least 1") }
        if !(checkpointMinutes > 0 && checkpointMinutes.isFinite) { throw ValidationError("--checkpoint-minutes: \(checkpointMinutes) must be a positive number") }
        if let klWeight, !(klWeight >= 0 && klWeight.isFinite) { throw ValidationError("--kl-weight: \(klWeight) must be a finite number >= 0") }
        if let klWarmupEpochs, !(klWarmupEpochs >= 0 && klWarmupEpochs.isFinite) { throw ValidationError("--kl-warmup-epochs: \(klWarmupEpochs) must be a finite number >= 0") }
        if let batchSize, batchSize < 2 { throw ValidationError("--batch-size: \(batchSize) must be at least 2") }
        if let learningRate, !(learningRate > 0) { throw ValidationError("--learning-rate: must be positive") }
        if !(validationFraction > 0 && validationFraction < 0.5) { throw ValidationError("--validation-fraction: \(validationFraction) must be in (0, 0.5)") }
        if resume, initFrom != nil { throw ValidationError("--init-from starts a new run; it cannot be combined with --resume") }
        if initFrom != nil {
            let fixed: [(String, Bool)] = [("--latent-size", latentSize != nil), ("--decoder", decoder != nil),
                                           ("--decoder-hidden", decoderHidden != nil), ("--decoder-layers", decoderLayers != nil),
                                           ("--property-weight", propertyWeight != nil)]
            if let (name, _) = fixed.first(where: { $0.1 }) {
                throw ValidationError("\(name) cannot be set with --init-from: the architecture is the initial model's")
            }
        }
        if resume {
            let fixed: [(String, Bool)] = [("--batch-size", batchSize != nil),
                                           ("--latent-size", latentSize != nil), ("--decoder", decoder != nil),
                                           ("--decoder-hidden", decoderHidden != nil), ("--decoder-layers", decoderLayers != nil),
                                           ("--property-weight", propertyWeight != nil)]
            if let (name, _) = fixed.first(where: { $0.1 }) {
                throw ValidationError("\(name) cannot change on --resume: the run continues with the settings saved in \(output)")
            }
        }
    }

    func run() throws {
        let sources: [(String?, String)] = [(data, "--data"), (validation, "--validation"), (initFrom, "--init-from")]
        try Outputs.check(output, "--output", against: sources, extensions: ["h5", "hdf5"])
        try Outputs.check(ChemVAETrainer.bestPath(for: output), "the best-model file of --output", against: sources + [(output, "--output")])
        let training = try MoleculeDataset(contentsOf: data)
        let validationSet = try validation.map { try MoleculeDataset(contentsOf: $0) }
        var config: ChemVAEConfig?
        let warmStart = try initFrom.map { try ChemVAEModel.load(from: $0) }
        if !resume {
            var c = warmStart?.config ?? ChemVAEConfig.preset(preset, vocabularySize: training.vocabulary.count, maxLength: training.maxLength,
                                         tokenizer: training.tokenizer.rawValue, propertyNames: training.propertyNames)
            if let batchSize { c.batchSize = batchSize }
            if let learningRate { c.learningRate = learningRate }
            if let latentSize { c.latentSize = latentSize }
            if let decoder { c.decoder = decoder }
            if let decoderHidden { c.decoderHidden = decoderHidden }
            if let decoderLayers { c.decoderLayers = decoderLayers }
            if let klWeight { c.klWeight = klWeight }
            if let klWarmupEpochs { c.klSchedule = .linear(warmupEpochs: klWarmupEpochs) }
            if let propertyWeight { c.propertyLossWeight = propertyWeight }
            if let epochs { c.epochs = epochs }
            config = c
        }
        let savedEpochs = resume ? (try? ChemVAEModel.load(from: output))?.config.epochs : nil
        var options = TrainingOptions(epochs: epochs ?? config?.epochs ?? savedEpochs ?? 1)
        options.seed = seed
        options.validationFraction = validationFraction
        options.checkpointInterval = checkpointMinutes * 60
        options.limit = limit
        if resume {
            options.klWeight = klWeight
            options.learningRate = learningRate
            options.klSchedule = klWarmupEpochs.map { .linear(warmupEpochs: $0) }
        }
        // Under mpirun every rank trains its shard of each batch; rank 0 alone writes and reports.
        let group = ProcessGroup.world
        let trainer = try ChemVAETrainer(config: config, training: training, validation: validationSet, options: options,
                                         outputPath: output, resume: resume, trainingPath: data,
                                         warmStart: warmStart, group: group)
        let c = trainer.bundle.config
        if group.isRoot { printError("training \(c.decoder) VAE: latent \(c.latentSize), decoder \(c.decoderLayers) x \(c.decoderHidden), "
            + "\(trainer.bundle.model.parameterCount) parameters, \(training.count) molecules in \(data), batch \(c.batchSize), learning rate \(c.learningRate), KL weight \(c.klWeight) \(c.klSchedule)"
            + (resume ? ", resuming after epoch \(trainer.bundle.position?.completedEpochs ?? 0)" : "")
            + (initFrom.map { ", starting from the parameters of \($0)" } ?? "")
            + (group.size > 1 ? ", \(group.size) processes of \(Parallelism.cores) threads (data parallel)" : "")) }
        StopSignal.install()
        let report = TrainingReport(unit: "mol", hiddenTerms: ["correct_tokens", "tokens"])
        let outcome = try group.isRoot ? trainer.run(progress: report.progress, epochFinished: report.epochFinished) : trainer.run()
        report.finish()
        switch outcome {
        case .finished:
            // The applicability domain goes into both files, so every latent command can warn.
            guard group.isRoot else { break }
            for path in [output, trainer.bestPath] where FileManager.default.fileExists(atPath: path) {
                let model = try ChemVAEModel.load(from: path)
                let stride = max(1, training.count / 20_000)
                model.domain = try? model.measureDomain(smiles: Swift.stride(from: 0, to: training.count, by: stride).prefix(20_000).map { training.smiles[$0] })
                try model.save(to: path)
                if path == output, let domain = model.domain { printError("applicability domain: \(domain.summary)") }
            }
            printError("done: \(output) (best: \(trainer.bestPath))")
        case .interrupted:
            if group.isRoot { printError("stopped: checkpoint saved in \(output); continue with --resume") }
            throw ExitCode(130)
        }
    }
}
