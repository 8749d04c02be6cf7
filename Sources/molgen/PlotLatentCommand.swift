import ArgumentParser
import ChemVAE
import Foundation

/// `molgen plot-latent`: a 2-D PCA map of encoded molecules coloured by a property.
struct PlotLatentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot-latent",
        abstract: "Plot encoded molecules on the first two principal components of the latent space (SVG).",
        discussion: """
            Encodes up to --limit molecules (a random subset from --seed when there are more), \
            projects their latent means on the two principal components of their covariance and \
            colours each point by the property: the dataset's own column when it has one, else \
            computed by RDKit (logp, qed, sas, mw, plogp). Axes show the explained variance.
            """)

    @Argument(help: "Molecules: a dataset file converted with the model's vocabulary, or a SMILES file.") var data: String
    @Option(help: "The property to colour by.") var colorBy: String
    @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String
    @Option(help: "Plot at most this many molecules.") var limit = 2000
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var standardizeOptions: StandardizeOptions

    func validate() throws {
        try OptionLimits.require(limit, in: 2...1_000_000, "--limit")
    }

    func run() throws {
        try Outputs.check(output, "--output", against: [(data, "input"), (modelOptions.model, "--model")], extensions: ["svg"])
        let bundle = try modelOptions.load()
        standardizeOptions.apply(to: bundle)
        let map: LatentMap
        do { map = try bundle.latentMap(of: data, colorBy: colorBy, limit: limit, seed: modelOptions.seed) } catch let error as ChemVAEError {
            if case .incompatibleData(let m) = error, m.contains("no '\(colorBy)' column") { throw OptionError("--color-by: \(m)") }
            throw error
        }
        try map.chart.write(to: output)
        var domain = DomainTally(model: bundle)
        domain.check(smiles: map.smiles, file: data)
        if domain.outside > domain.shown { printError("... \(domain.outside) molecules outside the model's domain in all") }
        print("molecules=\(map.x.count)")
        print("outside_domain=\(domain.summary)")
        print("explained_pc1=\(fixed(map.explained.0, 4))")
        print("explained_pc2=\(fixed(map.explained.1, 4))")
        print("output=\(output)")
    }
}
