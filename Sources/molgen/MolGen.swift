import ArgumentParser
import Foundation

/// The `molgen` command: thin argument parsing over the library targets.
/// Each subcommand lives in its own file in this folder and only parses, calls a library function and prints.
@main
struct MolGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "molgen",
        abstract: "Generative molecular design: SMILES datasets, a chemical VAE, and its latent space.",
        version: versionText,
        subcommands: [
            DemoCommand.self,
            ConvertCommand.self,
            PropertiesCommand.self,
            TrainCommand.self,
            EvaluateCommand.self,
            ExportCommand.self,
            FitPriorCommand.self,
            EncodeCommand.self,
            DecodeCommand.self,
            SampleCommand.self,
            InterpolateCommand.self,
            NeighborsCommand.self,
            OptimizeCommand.self,
            PlotLatentCommand.self,
            ServeCommand.self,
            BenchCommand.self,
            ImageCommand.self,
            SamplerCommand.self,
            IsingCommand.self,
        ]
    )

    /// ArgumentParser's `main`, plus a check that standard output was really written: a command
    /// whose results could not be written exits non-zero with an error.
    static func main() {
        if let message = misspelledSubcommandMessage(CommandLine.arguments, root: MolGen.self) {
            printError(message)
            Foundation.exit(64)  // EX_USAGE, as ArgumentParser's own usage errors
        }
        do {
            var command = try parseAsRoot()
            try command.run()
            try finishStandardOutput()
        } catch {
            // Results already buffered are flushed before the error, which goes to stderr.
            if !(error is StandardOutputError) { _ = fflush(stdout) }
            exit(withError: error)
        }
    }
}
