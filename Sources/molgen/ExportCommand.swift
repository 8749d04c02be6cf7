import ArgumentParser
import ChemVAE
import Foundation

/// `molgen export`: an inference-only copy of a model (no optimizer moments, no resume state).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write an inference-only copy of a model (about a third of the size of a training checkpoint).")

    @Argument(help: ArgumentHelp("A model file written by molgen train; several checkpoints of one run are averaged.",
                                 discussion: "Averaging the checkpoints of a run's last, low-learning-rate stretch (weight averaging) made the shipped model, which reconstructs and samples better than the checkpoints measured alone (models/README.md)."))
    var models: [String]
    @Option(name: .shortAndLong, help: "The file to write.") var output: String
    @Option(help: "Measure the applicability domain on these training molecules (a dataset file or a molecule file) and store it in the copy.")
    var domainFrom: String?
    @Option(help: "With --domain-from, use at most this many molecules (spread evenly over the file).") var domainLimit = 20_000

    func validate() throws {
        try OptionLimits.require(domainLimit, in: 1...OptionLimits.samples, "--domain-limit")
        guard !models.isEmpty else { throw ValidationError("give the model file to export") }
    }

    func run() throws {
        try Outputs.check(output, "--output", against: models.map { (Optional($0), "model") } + [(domainFrom, "--domain-from")], extensions: ["h5", "hdf5"])
        let bundle = models.count == 1 ? try ChemVAEModel.load(from: models[0])
            : try ChemVAEModel.averaging(models.map { ($0, try ChemVAEModel.load(from: $0)) })
        bundle.optimizer = nil
        bundle.position = nil
        if let domainFrom {
            let all = try TestStatistics.readSmiles(domainFrom)
            let stride = max(1, all.count / domainLimit)
            let sample = Swift.stride(from: 0, to: all.count, by: stride).prefix(domainLimit).map { all[$0] }
            do { bundle.domain = try bundle.measureDomain(smiles: sample) } catch { throw OptionError("--domain-from: \(domainFrom): \(error)") }
        }
        try bundle.save(to: output)
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        print("output=\(output)")
        print("parameters=\(bundle.model.parameterCount)")
        if models.count > 1 { print("averaged_checkpoints=\(models.count)") }
        print("epochs=\(bundle.history.count)")
        print(String(format: "size_mb=%.1f", Double(size) / 1e6))
        if let domain = bundle.domain {
            print("domain_molecules=\(domain.molecules)")
            print(String(format: "domain_heavy_atoms=%.0f-%.0f", domain.heavyAtoms.lowerBound, domain.heavyAtoms.upperBound))
            print(String(format: "domain_mw=%.1f-%.1f", domain.molecularWeight.lowerBound, domain.molecularWeight.upperBound))
            print(String(format: "domain_logp=%.2f-%.2f", domain.logP.lowerBound, domain.logP.upperBound))
            for (level, value) in zip(ApplicabilityDomain.normLevels, domain.latentNormQuantiles) {
                print(String(format: "domain_latent_norm_q%g=%.3f", level * 100, value))
            }
        }
    }
}
