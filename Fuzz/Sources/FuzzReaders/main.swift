import CFuzzer
import ChemVAE
import Datasets
import Foundation
import Smiles

// libFuzzer target: the molecule file readers (SMILES lines, CSV, TSV, each plain or gzipped is
// zlib's business, so plain here) and the latents CSV reader. The first byte picks the format;
// the rest is the file. Any thrown error is fine; a crash or a hang is a finding.

let directory = ProcessInfo.processInfo.environment["MOLGEN_FUZZ_SCRATCH"] ?? NSTemporaryDirectory() + "/molgen-fuzz-\(getpid())"
try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
/// The model whose latent width the latents reader checks against (MOLGEN_FUZZ_MODEL, default the shipped one).
let model: ChemVAEModel = try! ChemVAEModel.load(from: ProcessInfo.processInfo.environment["MOLGEN_FUZZ_MODEL"] ?? "models/default.h5")

func fuzzReaders(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let kinds = ["smi", "csv", "tsv", "latents.csv"]
    let kind = kinds[Int(data[0]) % kinds.count]
    let path = "\(directory)/input.\(kind)"
    FileManager.default.createFile(atPath: path, contents: Data(bytes: data + 1, count: size - 1))
    if kind == "latents.csv" {
        _ = try? LatentFile.read(path, for: model)
    } else {
        let values = data[0] & 0x80 != 0 ? ["value"] : []
        if let reader = try? MoleculeFile.open(path, column: data[0] & 0x40 != 0 ? "name" : nil, values: kind == "smi" ? [] : values) {
            while let record = try? reader.next() { _ = record.smiles.utf8.count }
        }
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzReaders))
