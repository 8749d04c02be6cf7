import ArgumentParser
import ChemVAE
import Foundation

/// `molgen decode`: SMILES of the latent points in a latents file.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode latent points (Z.h5 or Z.csv) into molecules.",
        discussion: """
            Writes OUT.csv with the columns index,smiles,valid,canonical (valid: RDKit parses it). \
            With --attempts N every point is decoded N times by sampling and the most frequent valid \
            molecule is kept, as in the 2018 paper. The latents must come from a model with this \
            model's latent size (and, for .h5 files, its vocabulary and architecture).
            """)

    @Option(help: "Latent points: a file from molgen encode (.h5 or .csv with z0,z1,… columns).") var latents: String
    @Option(name: .shortAndLong, help: "The CSV file to write.") var output: String
    @Option(help: "Decode each point this many times by sampling and keep the most frequent valid molecule.") var attempts = 1
    @OptionGroup var decoding: DecodingOptions
    @OptionGroup var modelOptions: ModelOptions

    func validate() throws {
        if attempts < 1 { throw ValidationError("--attempts: \(attempts) must be at least 1") }
    }

    func run() throws {
        let bundle = try modelOptions.load()
        let method = try decoding.decodingMethod(attempts: attempts)
        let points = try LatentFile.read(latents, for: bundle)
        if LatentFile.encodedBySameParameters(latents, as: bundle) == false {
            printError("note: \(latents) was encoded by a model of the same architecture but other weights (another run or checkpoint); its points may decode differently")
        }
        let molecules = bundle.decode(points, method: method, attempts: attempts, constrained: !decoding.unconstrained,
                                     seed: modelOptions.seed)
        try emitCSV(decodedCSV(molecules), to: output)
        printDecodingSummary(molecules)
        print("output=\(output)")
    }
}
