import Charts
import Engine
import Training
import Foundation
import Storage

/// The generator's gradient norm early in GAN training under each generator loss, from the same
/// initial weights and the same batches: the minimax loss log(1 - D(G(z))) saturates once D
/// rejects the fakes (its gradient σ(l) → 0), the non-saturating -log D(G(z)) does not.
public enum SaturationExperiment {
    public struct Result {
        /// Per step: generator gradient norm and the mean D(G(z)) the generator saw.
        public var gradientNorms: [GeneratorLoss: [Double]]
        public var discriminatorOnFakes: [GeneratorLoss: [Double]]
    }

    /// Runs `steps` MLP-GAN steps on MNIST under each loss. A discriminator warm-up of
    /// `discriminatorWarmup` steps (generator frozen) first lets D win, as it does early in real runs.
    public static func run(datasets: String, steps: Int, seed: UInt64 = 1, discriminatorWarmup: Int = 0) throws -> Result {
        var result = Result(gradientNorms: [:], discriminatorOnFakes: [:])
        for kind in GeneratorLoss.allCases {
            var config = ImageModelConfig.defaults(for: .gan, data: .mnist)
            config.generatorLoss = kind
            config.seed = seed
            let data = try ImageTrainingData(config: config, datasets: datasets)
            guard let gan = try makeImageModel(config) as? GAN else { preconditionFailure("gan model expected") }
            let rng = RandomGenerator(seed: seed)
            var norms: [Double] = [], fooled: [Double] = []
            for step in 0..<(discriminatorWarmup + steps) {
                let indices = (0..<config.batchSize).map { _ in rng.index(below: data.train.count) }
                let batch = TrainingBatch(images: data.train.batch(indices), labels: indices.map { data.train.labels[$0] })
                if step < discriminatorWarmup {
                    let real = toSigned(batch.images).reshaped([config.batchSize, config.pixels])
                    let fake = Tape.withoutRecording { gan.fakes(.randomNormal([config.batchSize, config.latent], using: rng), labels: batch.labels, training: true, using: rng) }
                    backpropagate {
                        let l = discriminatorLoss(real: gan.discriminator(real, training: true, using: rng), fake: gan.discriminator(fake, training: true, using: rng))
                        return (l, [:])
                    }
                    gan.discriminatorOptimizer.adam.update(gan.discriminatorOptimizer.parameters)
                    continue
                }
                // D(G(z)) before the step, on fresh noise (G's batch norm on batch statistics, as in training).
                let probe = Tape.withoutRecording {
                    gan.discriminator(gan.fakes(.randomNormal([config.batchSize, config.latent], using: rng), labels: batch.labels, training: true, using: rng),
                                      training: false, using: rng).sigmoid().mean().item
                }
                let terms = gan.trainStep(batch, using: rng)
                norms.append(terms["g_grad_norm"] ?? .nan)
                fooled.append(Double(probe))
            }
            result.gradientNorms[kind] = norms
            result.discriminatorOnFakes[kind] = fooled
        }
        return result
    }

    /// The plot: gradient norm against step, one line per loss, log scale.
    public static func plot(_ result: Result, discriminatorWarmup: Int = 0) -> Chart {
        let title = "MLP GAN on MNIST: generator gradient norm early in training"
            + (discriminatorWarmup > 0 ? " (after \(discriminatorWarmup) D-only steps)" : "")
        var plot = Chart(title: title, xLabel: "generator step", yLabel: "‖∇θ_G loss‖", logY: true)
        for kind in GeneratorLoss.allCases {
            let norms = result.gradientNorms[kind] ?? []
            let name = kind == .minimax ? "minimax log(1 - D(G(z)))" : "non-saturating -log D(G(z))"
            plot.series.append(.init(name: name, points: norms.enumerated().map { (Double($0.offset + 1), $0.element) }))
        }
        return plot
    }
}

/// Loss curves of a model file's logged history: one line per term, against the step.
public func lossCurves(_ file: ImageModelFile, title: String) -> Chart {
    var plot = Chart(title: title, xLabel: "training step", yLabel: "value (mean over the logging interval)")
    guard let steps = file.history.column("step") else { return plot }
    for name in file.history.columnNames where !["step", "epoch", "g_grad_norm"].contains(name) {
        let values = file.history.column(name)!
        plot.series.append(.init(name: name, points: zip(steps, values).filter { $0.1.isFinite }.map { ($0.0, $0.1) }))
    }
    return plot
}

/// Picture grids of samples.
public enum SampleGrids {
    /// A grid of `count` samples: for label-taking models without `label`, one row per digit
    /// (or code); with `label`, all of that label; a decoded latent grid for 2-D VAEs when
    /// `latentGrid`; CycleGAN: rows of domain-A inputs and their translations, then domain-B inputs
    /// and theirs (held-out images).
    public static func make(_ file: ImageModelFile, count: Int, label: Int?, latentGrid: Bool, datasets: String, seed: UInt64) throws -> PNGImage {
        let model = file.model, config = file.config
        let rng = RandomGenerator(seed: seed)
        if let label {
            guard config.model.takesLabel else {
                throw ImageModelError.invalidOption("--label: a \(config.model.rawValue) model does not take a label (cvae, ssvae, cgan and infogan do)")
            }
            guard label >= 0 && label < 10 else { throw ImageModelError.invalidOption("--label: \(label) must be 0-9") }
        }
        if latentGrid {
            guard let vae = model as? VAE, config.latent == 2 else {
                throw ImageModelError.invalidOption("--latent-grid: needs a vae or cvae with a 2-D latent (train with --latent 2)")
            }
            let side = max(2, Int(Double(count).squareRoot().rounded()))
            let images = vae.latentGrid(side: side, label: label, using: rng)
            return imageGrid(images.scalars, count: side * side, height: config.height, width: config.width, rows: side, columns: side)
        }
        if let cycle = model as? CycleGAN {
            let data = try ImageTrainingData(config: config, datasets: datasets)
            let columns = max(1, count)
            let a = data.otherHeldOut!.batch(Array(0..<min(columns, data.otherHeldOut!.count)))
            let b = data.heldOut.batch(Array(0..<min(columns, data.heldOut.count)))
            let rows = [a, cycle.translate(a, toB: true), b, cycle.translate(b, toB: false)]
            let pixels = rows.flatMap { $0.scalars }
            return imageGrid(pixels, count: rows.reduce(0) { $0 + $1.shape[0] }, height: 28, width: 28, rows: 4, columns: a.shape[0])
        }
        var labels: [Int]? = nil
        var rows: Int, columns: Int
        if config.model.takesLabel {
            if let label {
                labels = Array(repeating: label, count: count)
                columns = min(count, 10); rows = (count + columns - 1) / columns
            } else {
                columns = max(1, (count + 9) / 10); rows = 10
                labels = (0..<(rows * columns)).map { $0 / columns }
            }
        } else {
            columns = max(1, Int(Double(count).squareRoot().rounded(.up))); rows = (count + columns - 1) / columns
        }
        let n = labels?.count ?? count
        guard let images = model.generate(count: n, labels: labels, using: rng) else {
            throw ImageModelError.invalidOption("--model: a \(config.model.rawValue) model does not generate images")
        }
        return imageGrid(images.scalars, count: n, height: config.height, width: config.width, rows: rows, columns: columns)
    }
}

/// The table "held-out accuracy vs number of labelled images" for the semi-supervised VAE.
public enum SemiSupervisedTable {
    public struct Row { public var labels: Int; public var accuracy: Double; public var reference: Double? }

    /// Trains one SSVAE per labelled count (saving each as `<directory>/ssvae-<N>.h5` when a
    /// directory is given, else in a temporary directory) and scores it on the held-out images.
    public static func run(datasets: String, labelCounts: [Int], epochs: Int?, seed: UInt64, directory: String?,
                           progress: (Int, TrainingProgress) -> Void = { _, _ in },
                           epochFinished: (Int, [String: Double]) -> Void = { _, _ in }) throws -> [Row] {
        let dir = directory ?? NSTemporaryDirectory() + "molgen-ssvae-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: dir) } }
        var rows: [Row] = []
        for n in labelCounts {
            var config = ImageModelConfig.defaults(for: .ssvae, data: .mnist)
            config.labels = n
            config.seed = seed
            if let epochs { config.epochs = epochs }
            let path = dir + "/ssvae-\(n).h5"
            let resume = directory != nil && (try? ImageModelFile.load(from: path))?.position.map { $0.completedEpochs > 0 } == true
            let trainer = try ImageTrainer(config: config, datasets: datasets, outputPath: path, resume: resume, epochs: config.epochs)
            guard try trainer.run(progress: { progress(n, $0) }, epochFinished: { epochFinished(n, $0) }) == .finished,
                  let ssvae = trainer.model as? SemiSupervisedVAE else { throw ImageModelError.invalidOption("interrupted; rerun with the same --directory to resume") }
            rows.append(Row(labels: n, accuracy: accuracy(ssvae.classify(trainer.data.heldOut), trainer.data.heldOut.labels),
                            reference: ImageEvaluation.semiSupervisedReference[n]))
        }
        return rows
    }
}
