import ArgumentParser
import Engine
import Flows
import Foundation
import Training

/// `molgen flow ...`: normalizing flows (RealNVP) and the Boltzmann generator.
struct FlowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flow",
        abstract: "Normalizing flows: RealNVP on two moons, a Boltzmann generator on a double well.",
        subcommands: [FlowTrainCommand.self])
}

struct FlowTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a RealNVP (moons: maximum likelihood; double-well: a Boltzmann generator) and report on it.",
        discussion: """
            moons: maximum likelihood on seeded two-moons points; prints the held-out nll= (nats per point) beside \
            a fitted Gaussian's, and writes flow samples over the data (SVG). double-well: u(x) = x1^4 - 6 x1^2 + x1 + \
            x2^2/2 at --temperature; maximum likelihood on Metropolis-Hastings samples from the wells (--wells; a \
            chain never crosses the barrier), then also the energy loss E_z[u(G(z))/kT - log|det dG/dz|]; \
            then --samples draws reweighted by exp(-u/kT)/q give free_energy_difference= (right minus left well, kT) \
            beside exact= (numerical integration), with the effective sample size, and the free-energy profile along \
            x1 (SVG). The model file is the shared checkpoint: --resume continues a stopped run exactly.
            """)

    @Argument(help: "moons or double-well.") var dataset: String
    @Option(help: "The model file to write (and read with --resume).") var model: String
    @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String
    @Flag(help: "Continue the run saved in --model (its settings; --epochs may extend it).") var resume = false
    @Option(help: "Coupling layers.") var layers = 8
    @Option(help: "Hidden units of each coupling's network.") var hidden = 64
    @Option(help: "Epochs (default: moons 60, double-well 40).") var epochs: Int?
    @Option(help: "Points per batch.") var batchSize = 256
    @Option(help: "Adam's learning rate.") var learningRate = 1e-3
    @Option(help: "Training points.") var trainingSize = 4000
    @Option(help: "Held-out points.") var heldoutSize = 2000
    @Option(help: "moons: noise of the points.") var noise = 0.05
    @Option(help: "double-well: kT.") var temperature = 1.0
    @Option(help: "double-well: Metropolis-Hastings proposal sigma.") var sigma = 0.5
    @Option(help: "double-well: the wells the sampling chains start in (left, right, both).") var wells = "both"
    @Option(help: "double-well: weight of the energy (KL) loss.") var klWeight = 1.0
    @Option(help: "double-well: epochs of maximum likelihood alone first.") var mlEpochs = 15
    @Option(help: "double-well: generator samples to reweight.") var samples = 200_000
    @Option(help: "Random seed.") var seed: UInt64 = 1

    func config() throws -> FlowConfig {
        guard let kind = FlowConfig.Dataset(rawValue: dataset) else {
            throw ValidationError("dataset: unknown '\(dataset)'; known: \(FlowConfig.Dataset.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var c = FlowConfig(dataset: kind)
        c.layers = layers; c.hidden = hidden; c.batchSize = batchSize; c.learningRate = learningRate
        if let epochs { c.epochs = epochs }
        c.trainingSize = trainingSize; c.heldOutSize = heldoutSize; c.noise = noise; c.temperature = temperature
        c.sigma = sigma; c.wells = try wellsOption(); c.klWeight = klWeight; c.maximumLikelihoodEpochs = mlEpochs; c.seed = seed
        return c
    }

    func wellsOption() throws -> FlowConfig.Wells {
        guard let w = FlowConfig.Wells(rawValue: wells) else {
            throw ValidationError("--wells: '\(wells)' must be \(FlowConfig.Wells.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return w
    }

    func validate() throws {
        do { try config().validate() } catch let error as FlowError { throw ValidationError(error.description) }
        try OptionLimits.require(samples, in: 100...10_000_000, "--samples")
    }

    func run() throws {
        try Outputs.check(output, "--output", against: [(model, "--model")], extensions: ["svg"])
        let trainer: FlowTrainer
        do { trainer = try FlowTrainer(config: resume ? nil : try config(), outputPath: model, resume: resume, epochs: resume ? epochs : nil) }
        catch let error as FlowError { throw OptionError(error.description) }
        let c = trainer.config
        if c.dataset.rawValue != dataset { throw OptionError("dataset: \(model) was trained on \(c.dataset.rawValue), not \(dataset)") }
        printError("training RealNVP on \(c.dataset.rawValue): \(c.layers) couplings of \(c.hidden) hidden units, "
            + "\(trainer.flow.parameterCount) parameters, \(trainer.training.count / 2) points, batch \(c.batchSize), \(trainer.loop.options.epochs) epochs"
            + (resume ? ", resuming after epoch \(trainer.file.position?.completedEpochs ?? 0)" : ""))
        try trainReporting(trainer.loop, model: model)
        let nll = heldOutNLL(trainer.flow, trainer.heldOut, dimension: c.dimension)
        switch c.dataset {
        case .moons:
            // At most 1,000 points of each: enough to see the shape, small enough for an SVG.
            let shown = Array(trainer.heldOut.prefix(2000))
            let drawn = trainer.flow.sample(shown.count / 2, using: RandomGenerator(seed: c.seed &+ 17)).x.scalars
            try FlowPlots.samples(data: shown, samples: drawn, title: "RealNVP on two moons: samples over held-out data").write(to: output)
            printFigures([("nll", nll), ("gaussian_nll", gaussianBaselineNLL(training: trainer.training, heldOut: trainer.heldOut)),
                          ("epochs", Double(trainer.loop.position.completedEpochs))])
        case .doubleWell:
            let estimate = reweight(trainer.flow, well: DoubleWell(temperature: c.temperature), samples: samples, seed: c.seed &+ 17)
            try FlowPlots.profile(estimate).write(to: output)
            if !estimate.freeEnergyDifference.isFinite {
                printError("note: the generator put no sample in one of the wells, so their free-energy difference cannot be estimated "
                    + "(the energy loss seeks modes and does not find a well the data never showed; train with --wells both)")
            }
            printFigures([("nll", nll), ("temperature", c.temperature),
                          ("free_energy_difference", estimate.freeEnergyDifference), ("exact", estimate.exact),
                          ("error", estimate.freeEnergyDifference - estimate.exact),
                          ("generated_free_energy_difference", estimate.generatedFreeEnergyDifference),
                          ("effective_sample_size", estimate.effectiveSampleSize), ("samples", Double(estimate.samples)),
                          ("epochs", Double(trainer.loop.position.completedEpochs))])
        }
        printError("wrote \(model) and \(output)")
    }
}

/// Runs a training loop with progress on stderr and epoch records on stdout; a stop by signal
/// leaves the checkpoint and exits 130.
func trainReporting(_ loop: Trainer, model: String, unit: String = "pt") throws {
    StopSignal.install()
    let report = TrainingReport(unit: unit)
    let outcome = try loop.run(progress: report.progress, epochFinished: report.epochFinished)
    report.finish()
    if outcome == .interrupted {
        printError("stopped: checkpoint saved in \(model); continue with --resume")
        throw ExitCode(130)
    }
}
