import ArgumentParser
import Foundation
import Toys

/// `molgen toy ...`: the source material's small demonstrations.
struct ToyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "toy",
        abstract: "The material's demonstrations: a ring map, a VAE on a 2-D manifold, a zero-sum game, GAN theory.",
        subcommands: [ToyRingCommand.self, ToyManifoldCommand.self, ToyZeroSumCommand.self, ToyGANTheoryCommand.self])
}

/// Runs a library call, turning its option errors into one-line option errors.
func withToyErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as ToyError { throw OptionError(error.description) }
}

struct ToyRingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ring",
        abstract: "z ~ N(0, I) in 2-D mapped by G(z) = z/10 + z/|z|: both scatter plots side by side (SVG); prints the ring's radius.")

    @Option(help: "Points.") var count = 2000
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String

    func validate() throws { try OptionLimits.require(count, in: 2...1_000_000, "--count") }

    func run() throws {
        try Outputs.check(output, "--output", against: [], extensions: ["svg"])
        let ring = try withToyErrors { try RingDemo(count: count, seed: seed) }
        try withToyErrors { try writePanels(ring.plots, to: output) }
        printFigures([("count", Double(count)), ("mean_radius", ring.meanRadius), ("expected_mean_radius", RingDemo.expectedMeanRadius),
                      ("radius_std", ring.radiusStd), ("expected_radius_std", RingDemo.expectedRadiusStd)])
        printError("wrote \(output)")
    }
}

struct ToyManifoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifold",
        abstract: "A small VAE on points in p dimensions lying on a 2-D manifold with four modes; prints the ELBO terms.",
        discussion: """
            Squared-error reconstruction plus KL to N(0, I) (the negative ELBO up to the decoder's constant); prints \
            reconstruction=, kl=, elbo= (means over the points, 20 z draws each), data_variance= (what a decoder ignoring \
            z would pay) and latent_mode_accuracy= (points whose latent mean is nearest their own mode's centroid). \
            The SVG shows the data in its manifold coordinates, the latent means, and decoded prior samples over the \
            data on its first two principal components. --model is the shared model file (--resume continues it).
            """)

    @Option(help: "The model file to write (and read with --resume).") var model: String
    @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String
    @Flag(help: "Continue the run saved in --model.") var resume = false
    @Option(help: "Points N.") var points = 100
    @Option(help: "Dimensions p.") var dimension = 32
    @Option(help: "Hidden units.") var hidden = 64
    @Option(help: "Points per batch.") var batchSize = 20
    @Option(help: "Epochs.") var epochs = 300
    @Option(help: "Adam's learning rate.") var learningRate = 3e-3
    @Option(help: "Random seed.") var seed: UInt64 = 1

    func config() -> ManifoldConfig {
        var c = ManifoldConfig()
        c.points = points; c.dimension = dimension; c.hidden = hidden; c.batchSize = batchSize
        c.epochs = epochs; c.learningRate = learningRate; c.seed = seed
        return c
    }

    func validate() throws {
        do { try config().validate() } catch let error as ToyError { throw ValidationError(error.description) }
    }

    func run() throws {
        try Outputs.check(output, "--output", against: [(model, "--model")], extensions: ["svg"])
        let trainer = try withToyErrors { try ManifoldTrainer(config: resume ? nil : config(), outputPath: model, resume: resume) }
        try trainReporting(trainer.loop, model: model)
        let result = ManifoldReport(trainer, seed: trainer.config.seed &+ 29)
        try withToyErrors { try writePanels(try result.plots(trainer.data), to: output) }
        printFigures([("points", Double(trainer.data.count)), ("dimension", Double(trainer.data.dimension)),
                      ("reconstruction", result.reconstruction), ("kl", result.kl), ("elbo", result.elbo),
                      ("data_variance", result.dataVariance), ("latent_mode_accuracy", result.latentModeAccuracy)])
        printError("wrote \(model) and \(output)")
    }
}

struct ToyZeroSumCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zero-sum",
        abstract: "Gradient play on v(a, b) = ab, simultaneous and alternating: distances from the equilibrium and the orbits (SVG).",
        discussion: """
            a descends v and b ascends it, each by SGD on its own loss. Simultaneous steps spiral out as \
            (1 + lr^2)^(N/2) (printed as distance_simultaneous_exact=); alternating steps circle for ever on the \
            ellipse a^2 + b^2 - lr·ab = const.
            """)

    @Option(help: "Steps N.") var steps = 100
    @Option(help: "Learning rate of both players.") var learningRate = 0.1
    @Option(help: "Starting a.") var startA = 1.0
    @Option(help: "Starting b.") var startB = 1.0
    @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String

    func validate() throws {
        try OptionLimits.require(steps, in: 1...1_000_000, "--steps")
        if !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--learning-rate: \(learningRate) must be positive") }
        if !startA.isFinite || !startB.isFinite { throw ValidationError("--start-a/--start-b: must be finite") }
    }

    func run() throws {
        try Outputs.check(output, "--output", against: [], extensions: ["svg"])
        let start = (a: startA, b: startB)
        let games = try withToyErrors {
            try ZeroSumGame.Updates.allCases.map { ($0, try ZeroSumGame(updates: $0, start: start, learningRate: learningRate, steps: steps)) }
        }
        try withToyErrors { try writePanels([ZeroSumGame.plot(games)], to: output) }
        printFigures([("steps", Double(steps)), ("learning_rate", learningRate), ("distance_start", hypot(startA, startB)),
                      ("distance_simultaneous", games[0].1.finalDistance),
                      ("distance_simultaneous_exact", ZeroSumGame.simultaneousDistance(start: start, learningRate: learningRate, steps: steps)),
                      ("distance_alternating", games[1].1.finalDistance)])
        printError("wrote \(output)")
    }
}

struct ToyGANTheoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gan-theory",
        abstract: "The optimal discriminator found numerically, and J(G, D*) = -log 4 + 2 JSD checked by integration (both sides printed).",
        discussion: """
            p_data = N(--data-mean, --data-std^2); p_g = an equal mixture of N(--generator-mean ± --generator-split/2, \
            --generator-std^2). D* maximises p_data log D + p_g log(1 - D) at each grid point (golden-section search); \
            prints max_discriminator_error= against p_data/(p_data + p_g), j_optimal= and minus_log4_plus_2jsd=.
            """)

    @Option(help: "Mean of the data density.") var dataMean = 0.0
    @Option(help: "Standard deviation of the data density.") var dataStd = 1.0
    @Option(help: "Centre of the generator's mixture.") var generatorMean = 1.0
    @Option(help: "Distance between the generator's two components.") var generatorSplit = 3.0
    @Option(help: "Standard deviation of each generator component.") var generatorStd = 0.8
    @Option(help: "Grid points of the integrals.") var points = 20_001
    @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String

    func validate() throws {
        for (name, v) in [("--data-mean", dataMean), ("--generator-mean", generatorMean), ("--generator-split", generatorSplit)] where !v.isFinite {
            throw ValidationError("\(name): \(v) must be finite")
        }
        if !(dataStd > 0 && dataStd.isFinite) { throw ValidationError("--data-std: \(dataStd) must be positive") }
        if !(generatorStd > 0 && generatorStd.isFinite) { throw ValidationError("--generator-std: \(generatorStd) must be positive") }
        try OptionLimits.require(points, in: 101...1_000_001, "--points")
    }

    func run() throws {
        try Outputs.check(output, "--output", against: [], extensions: ["svg"])
        let g = GANTheory.Normal.self
        let theory = try withToyErrors {
            try GANTheory(data: g.init(mean: dataMean, std: dataStd),
                          generator: [(1, g.init(mean: generatorMean - generatorSplit / 2, std: generatorStd)),
                                      (1, g.init(mean: generatorMean + generatorSplit / 2, std: generatorStd))], points: points)
        }
        try withToyErrors { try writePanels([theory.plot], to: output) }
        // Ten significant digits: the two sides agree far beyond printFigures' four decimals.
        for (name, value) in [("max_discriminator_error", theory.discriminatorError), ("jsd", theory.jensenShannon),
                              ("j_optimal", theory.objective), ("minus_log4_plus_2jsd", theory.rightHandSide),
                              ("difference", theory.objective - theory.rightHandSide)] {
            print("\(name)=\(String(format: "%.10g", value))")
        }
        printError("wrote \(output)")
    }
}
