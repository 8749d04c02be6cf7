import ArgumentParser
import ChemVAE
import Foundation
import Training
import Storage

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
        try OptionLimits.require(attempts, in: 1...OptionLimits.attempts, "--attempts")
    }

    func run() throws {
        try Outputs.check(output, "--output", against: [(latents, "--latents"), (modelOptions.model, "--model")], extensions: ["csv"])
        let bundle = try modelOptions.load()
        let method = try decoding.decodingMethod(attempts: attempts)
        // Streamed: points are read and molecules written one block at a time, with progress.
        let file = try AtomicTextFile(path: output)
        try file.write("index,smiles,valid,canonical\n")
        var tally = DecodingTally()
        var progress: CountedProgress?
        let decodeBlock = bundle.blockDecoder(method: method, attempts: attempts, constrained: !decoding.unconstrained, seed: modelOptions.seed)
        StopSignal.install(grace: 2)
        try LatentFile.readBlocks(latents, for: bundle) { points, first, total in
            if StopSignal.isRequested { throw Interrupted() }
            if progress == nil {
                // The file passed its checks (they run before the first block).
                progress = CountedProgress(total: total, unit: "points")
                if LatentFile.encodedBySameParameters(latents, as: bundle) == false {
                    printError("note: \(latents) was encoded by a model of the same architecture but other weights (another run or checkpoint); its points may decode differently")
                }
            }
            let molecules = decodeBlock(points)
            try file.write(decodedCSVRows(molecules, firstIndex: first))
            tally.add(molecules)
            progress?.update(done: first + molecules.count)
        }
        progress?.finish()
        try file.commit()
        printDecodingSummary(tally)
        print("output=\(output)")
    }
}
