import ArgumentParser
import Foundation
import Training
import ImageModels

/// `molgen image table-semisupervised`: the SSVAE's held-out accuracy against the number of labels.
struct ImageTableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table-semisupervised",
        abstract: "Train the semi-supervised VAE with N labelled MNIST images for each N and print held-out accuracy (TSV).",
        discussion: "Trains one model per N (minutes each on 2 cores). With --directory the models are kept and an interrupted table resumes.")

    @Option(help: "Labelled counts, comma-separated.") var labels = "100,400,1000,4000"
    @Option(help: "Epochs per model (default: the ssvae default).") var epochs: Int?
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Keep the models here as ssvae-N.h5 (and resume from them).") var directory: String?
    @OptionGroup var dataOptions: ImageDataOptions

    func validate() throws {
        try OptionLimits.require(epochs, in: 1...OptionLimits.epochs, "--epochs")
    }

    func run() throws {
        let counts = try labels.split(separator: ",").map { part -> Int in
            guard let n = Int(part.trimmingCharacters(in: .whitespaces)), n >= 10 else {
                throw ValidationError("--labels: '\(part)' is not a count of at least 10")
            }
            return n
        }
        let bar = ProgressBar()
        let start = Date()
        let rows = try SemiSupervisedTable.run(
            datasets: dataOptions.datasets, labelCounts: counts, epochs: epochs, seed: seed, directory: directory,
            progress: { n, p in
                bar.update(fraction: Double(p.batch) / Double(p.batches), elapsed: Date().timeIntervalSince(start), count: p.batch,
                           unit: "batches", suffix: "N=\(n) epoch \(p.epoch)/\(p.epochs)")
            },
            epochFinished: { n, record in
                bar.finish()
                printError("N=\(n) epoch \(Int(record["epoch"] ?? 0)) heldout_accuracy=\(String(format: "%.4f", record["heldout_accuracy"] ?? .nan))")
            })
        print("labels\taccuracy\treference")
        for row in rows {
            print("\(row.labels)\t\(String(format: "%.3f", row.accuracy))\t\(row.reference.map { String(format: "%.3f", $0) } ?? "-")")
        }
    }
}
