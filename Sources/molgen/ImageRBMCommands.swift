import ArgumentParser
import Autoencoders
import EnergyModels
import Foundation
import ImageModels
import Training

/// What `molgen image train` trains: one of the image models, or the restricted Boltzmann machine
/// (its own target, EnergyModels).
enum ImageTrainModel: Equatable, ExpressibleByArgument {
    case image(ImageModelKind)
    case rbm
    /// An autoencoder (its own target, Autoencoders).
    case autoencoder(AutoencoderKind)

    init?(argument: String) {
        if argument == "rbm" { self = .rbm } else if let kind = ImageModelKind(rawValue: argument) { self = .image(kind) }
        else if let kind = AutoencoderKind(rawValue: argument) { self = .autoencoder(kind) } else { return nil }
    }

    static var allValueStrings: [String] { ImageModelKind.allCases.map(\.rawValue) + ["rbm"] + AutoencoderKind.allCases.map(\.rawValue) }

    var imageModel: ImageModelKind? { if case .image(let kind) = self { return kind } else { return nil } }
}

/// The options only `molgen image train rbm` takes.
struct RBMTrainOptions: ParsableArguments {
    @Option(help: "rbm: hidden units (default 500).") var hidden: Int?
    @Option(help: "rbm: Gibbs steps of the negative phase, CD-k (default 1).") var cdSteps: Int?
    @Flag(help: "rbm: persistent contrastive divergence (the negative chains carry over between batches).") var persistent = false
    @Option(help: "rbm: momentum of the SGD update (default 0.5).") var momentum: Float?
    @Option(help: "rbm: L2 weight decay on the weights (default 0.0002).") var weightDecay: Float?

    var anyGiven: Bool { hidden != nil || cdSteps != nil || persistent || momentum != nil || weightDecay != nil }

    func rejectUnlessRBM() throws {
        for (given, name) in [(hidden != nil, "--hidden"), (cdSteps != nil, "--cd-steps"), (persistent, "--persistent"),
                              (momentum != nil, "--momentum"), (weightDecay != nil, "--weight-decay")] where given {
            throw ValidationError("\(name): only rbm takes this option")
        }
    }
}

extension ImageTrainCommand {
    func validateRBM() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs: \(epochs) must be at least 1") }
        try autoencoderOptions.rejectUnlessAutoencoder()
        for (given, name) in [(labels != nil, "--labels"), (latent != nil, "--latent"), (likelihood != nil, "--likelihood"),
                              (generatorLoss != nil, "--generator-loss"), (channels != nil, "--channels"),
                              (consistencyWeight != nil, "--consistency-weight"), (weightsOnly, "--weights-only")] where given {
            throw ValidationError("\(name): rbm does not take this option")
        }
        if data == .digits28 { throw ValidationError("--data: rbm trains on mnist or digits") }
        if resume && (rbmOptions.anyGiven || batchSize != nil || learningRate != nil) {
            throw ValidationError("only --epochs can change on --resume: the run continues with the settings saved in \(output)")
        }
        if !resume {
            do { try rbmConfig().validate() } catch { throw ValidationError("\(error)") }
        }
        let dir = (output as NSString).deletingLastPathComponent
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) { throw ValidationError("--output: directory \(dir) does not exist") }
    }

    func rbmConfig() -> RBMConfig {
        var c = RBMConfig(data: data)
        c.seed = seed
        if let epochs { c.epochs = epochs }
        if let batchSize { c.batchSize = batchSize }
        if let learningRate { c.learningRate = learningRate }
        if let hidden = rbmOptions.hidden { c.hidden = hidden }
        if let cdSteps = rbmOptions.cdSteps { c.cdSteps = cdSteps }
        c.persistent = rbmOptions.persistent
        if let momentum = rbmOptions.momentum { c.momentum = momentum }
        if let weightDecay = rbmOptions.weightDecay { c.weightDecay = weightDecay }
        return c
    }

    func runRBM() throws {
        let trainer = try RBMTrainer(config: resume ? nil : rbmConfig(), datasets: dataOptions.datasets, outputPath: output,
                                     resume: resume, epochs: epochs)
        let c = trainer.rbm.config
        printError("training rbm on \(c.data.rawValue) (binarised): \(trainer.rbm.visible)-\(c.hidden), \(trainer.rbm.parameterCount) parameters, "
            + "\(c.persistent ? "PCD" : "CD")-\(c.cdSteps), \(trainer.train.count) training images, batch \(c.batchSize), "
            + "\(trainer.loop.options.epochs) epochs"
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
