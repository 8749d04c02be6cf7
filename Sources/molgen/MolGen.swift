import ArgumentParser
import Cluster
import Engine
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
            FitPropertiesCommand.self,
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
            FlowCommand.self,
            ToyCommand.self,
            HopfieldCommand.self,
        ]
    )

    /// ArgumentParser's `main`, plus a check that standard output was really written: a command
    /// whose results could not be written exits non-zero with an error.
    static func main() {
        if let message = misspelledSubcommandMessage(CommandLine.arguments, root: MolGen.self) {
            printError(message)
            Foundation.exit(64)  // EX_USAGE, as ArgumentParser's own usage errors
        }
        // Under mpirun (and only there) this starts MPI; the ranks on one machine share its cores.
        let group = ProcessGroup.world
        if group.usesMPI, ProcessInfo.processInfo.environment["MOLGEN_THREADS"] == nil {
            Parallelism.cores = group.threadsPerProcess()
        }
        do {
            var command = try parseAsRoot()
            if group.size > 1, !(command is RunsAcrossProcesses) {
                throw OptionError("\(type(of: command).configuration.commandName ?? "this command") runs as one process; under mpirun with several ranks only train, convert and bench train run")
            }
            try command.run()
            try finishStandardOutput()
            group.finish()
        } catch {
            // Results already buffered are flushed before the error, which goes to stderr.
            if !(error is StandardOutputError) { _ = fflush(stdout) }
            if group.size > 1, !(error is ExitCode || error is CleanExit) {
                // One rank failing ends the job: the others would wait for it forever.
                printError("rank \(group.rank) of \(group.size): \(fullMessage(for: error))")
                group.abort(code: exitCode(for: error).rawValue == 0 ? 1 : exitCode(for: error).rawValue)
            }
            group.finish()
            exit(withError: error)
        }
    }
}

/// A command that runs under `mpirun` with several ranks (the others refuse: each rank would do
/// the whole job and write the same files).
protocol RunsAcrossProcesses {}

extension TrainCommand: RunsAcrossProcesses {}
extension ConvertCommand: RunsAcrossProcesses {}
extension BenchCommand.Train: RunsAcrossProcesses {}
