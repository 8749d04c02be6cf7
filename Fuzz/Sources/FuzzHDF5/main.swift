import CFuzzer
import ChemVAE
import Datasets
import Foundation
import Storage

// libFuzzer target: the HDF5 readers of dataset, latents and model files. The first byte picks the
// reader; the rest is the file, written to a scratch file and opened as a user's file would be. Seed it
// with real files without a checksum (`tools/fuzz` strips the user block with h5unjam), or every
// mutation stops at the checksum. A thrown error is fine; a crash or a hang is a finding.

let directory = ProcessInfo.processInfo.environment["MOLGEN_FUZZ_SCRATCH"] ?? NSTemporaryDirectory() + "/molgen-fuzz-\(getpid())"
try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
let model: ChemVAEModel = try! ChemVAEModel.load(from: ProcessInfo.processInfo.environment["MOLGEN_FUZZ_MODEL"] ?? "models/default.h5")

func fuzzHDF5(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let path = "\(directory)/input.h5"
    FileManager.default.createFile(atPath: path, contents: Data(bytes: data + 1, count: size - 1))
    switch data[0] % 4 {
    case 0: _ = try? MoleculeDataset(contentsOf: path)
    case 1: _ = try? ChemVAEModel.load(from: path)
    case 2: _ = try? LatentFile.read(path, for: model)
    default: _ = try? Checkpoint.load(from: path)
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzHDF5))
