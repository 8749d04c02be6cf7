import ArgumentParser
import Autoencoders
import EnergyModels
import Foundation
import ImageModels
import Training

/// What `molgen image train` trains: one of the image models, or an energy model of EnergyModels
/// (the restricted Boltzmann machine, the deep belief net).
enum ImageTrainModel: Equatable, ExpressibleByArgument {
    case image(ImageModelKind)
    case rbm
    case dbn
    /// An autoencoder (its own target, Autoencoders).
    case autoencoder(AutoencoderKind)

    init?(argument: String) {
        switch argument {
        case "rbm": self = .rbm
        case "dbn": self = .dbn
        default:
            if let kind = ImageModelKind(rawValue: argument) { self = .image(kind) }
            else if let kind = AutoencoderKind(rawValue: argument) { self = .autoencoder(kind) } else { return nil }
        }
    }

    static var allValueStrings: [String] { ImageModelKind.allCases.map(\.rawValue) + ["rbm", "dbn"] + AutoencoderKind.allCases.map(\.rawValue) }

    /// Trained by EnergyModels' RBM trainer (one machine, or a stack of them).
    var isEnergyModel: Bool { self == .rbm || self == .dbn }

    var imageModel: ImageModelKind? { if case .image(let kind) = self { return kind } else { return nil } }
}

/// The options only `molgen image train rbm` and `dbn` take.
struct RBMTrainOptions: ParsableArguments {
    @Option(help: "rbm: hidden units (default 500).") var hidden: Int?
    @Option(help: "dbn: hidden layer sizes, bottom up, comma-separated (default 500,500,2000); --epochs is per layer.") var layers: String?
    @Option(help: "rbm, dbn: Gibbs steps of the negative phase, CD-k (default 1).") var cdSteps: Int?
    @Flag(help: "rbm, dbn: persistent contrastive divergence (the negative chains carry over between batches).") var persistent = false
    @Option(help: "rbm, dbn: momentum of the SGD update (default 0.5).") var momentum: Float?
    @Option(help: "rbm, dbn: L2 weight decay on the weights (default 0.0002).") var weightDecay: Float?

    var anyGiven: Bool { hidden != nil || layers != nil || cdSteps != nil || persistent || momentum != nil || weightDecay != nil }

    func rejectUnlessRBM() throws {
        for (given, name) in [(hidden != nil, "--hidden"), (layers != nil, "--layers"), (cdSteps != nil, "--cd-steps"), (persistent, "--persistent"),
                              (momentum != nil, "--momentum"), (weightDecay != nil, "--weight-decay")] where given {
            throw ValidationError("\(name): only rbm and dbn take this option")
        }
    }

    /// The hidden layer sizes of --layers.
    func layerSizes() throws -> [Int]? {
        try layers.map { list in
            try list.split(separator: ",", omittingEmptySubsequences: false).map { item in
                guard let size = Int(item.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--layers: '\(item)' is not a number of units (e.g. 500,500,2000)")
                }
                return size
            }
        }
    }
}

extension ImageTrainCommand {
    func validateEnergyModel() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs: \(epochs) must be at least 1") }
        try autoencoderOptions.rejectUnlessAutoencoder()
        for (given, name) in [(labels != nil, "--labels"), (latent != nil, "--latent"), (likelihood != nil, "--likelihood"),
                              (generatorLoss != nil, "--generator-loss"), (channels != nil, "--channels"),
                              (consistencyWeight != nil, "--consistency-weight"), (weightsOnly, "--weights-only")] where given {
            throw ValidationError("\(name): \(modelName == .dbn ? "dbn" : "rbm") does not take this option")
        }
        if modelName == .rbm && rbmOptions.layers != nil { throw ValidationError("--layers: only dbn takes this option (rbm: --hidden)") }
        if modelName == .dbn && rbmOptions.hidden != nil { throw ValidationError("--hidden: dbn takes --layers (e.g. 500,500,2000)") }
        if data == .digits28 { throw ValidationError("--data: \(modelName == .dbn ? "dbn" : "rbm") trains on mnist or digits") }
        if resume && (rbmOptions.anyGiven || batchSize != nil || learningRate != nil) {
            throw ValidationError("only --epochs can change on --resume: the run continues with the settings saved in \(output)")
        }
        if resume && modelName == .dbn && epochs != nil {
            throw ValidationError("--epochs: a dbn resumes with the epochs per layer it started with; leave --epochs out")
        }
        if !resume {
            do { try modelName == .dbn ? dbnConfig().validate() : rbmConfig().validate() } catch let error as ValidationError { throw error } catch {
                throw ValidationError("\(error)")
            }
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

    /// Runs a training loop with the progress report; a stop leaves the checkpoint and exits 130.
    func train(_ run: (_ progress: (TrainingProgress) -> Void, _ epochFinished: ([String: Double]) -> Void) throws -> TrainingOutcome) throws {
        let report = TrainingReport(unit: "img")
        let outcome = try run(report.progress, report.epochFinished)
        report.finish()
        switch outcome {
        case .finished: printError("done: \(output)")
        case .interrupted:
            printError("stopped: checkpoint saved in \(output); continue with --resume")
            throw ExitCode(130)
        }
    }

    func dbnConfig() throws -> DBNConfig {
        var c = DBNConfig(data: data)
        c.rbm = rbmConfig()
        if let sizes = try rbmOptions.layerSizes() { c.hiddenLayers = sizes }
        return c
    }

    func runDBN() throws {
        let trainer = try DBNTrainer(config: resume ? nil : dbnConfig(), datasets: dataOptions.datasets, outputPath: output, resume: resume)
        let c = trainer.config
        printError("training dbn on \(c.data.rawValue) (binarised): \(trainer.dbn.shapeDescription(visible: trainer.train.pixelsPerImage)), "
            + "\(c.rbm.persistent ? "PCD" : "CD")-\(c.rbm.cdSteps), \(trainer.train.count) training images, batch \(c.rbm.batchSize), "
            + "\(c.rbm.epochs) epochs per layer"
            + (resume ? ", resuming after epoch \(trainer.file.position?.completedEpochs ?? 0) of \(c.totalEpochs)" : ""))
        StopSignal.install()
        try train { try trainer.run(progress: $0, epochFinished: $1) }
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
        try train { try trainer.run(progress: $0, epochFinished: $1) }
    }
}
