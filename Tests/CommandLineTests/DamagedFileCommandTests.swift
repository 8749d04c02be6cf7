import Foundation
import XCTest

/// Truncated and bit-flipped model, dataset and latents files through `molgen` (issue 15): a
/// clear error or a successful load, never a signal or a hang. MolGen's own files carry a
/// checksum and fail before HDF5 reads them (ChemVAETests.DamagedFileTests); these copies have
/// their checksum user block removed (h5unjam, as a file from h5py or an older MolGen has none),
/// so the damage reaches libhdf5 and our checks. Before `GlobalHeapCheck`, 5 of 300 such copies
/// killed `molgen` with SIGSEGV inside libhdf5's global heap, and one sent `decode` through a
/// million points. Not covered (README, "Hostile input"): damage to the reference of a
/// variable-length string still crashes libhdf5 (`H5HG_read`); the seeded damage here avoids none
/// of it on purpose, it simply does not hit one.
final class DamagedFileCommandTests: XCTestCase {
    /// A tiny model, a dataset and a latents file of five points, without checksums.
    private func makeFiles(in directory: URL) throws {
        let moses = repositoryRoot.appendingPathComponent("datasets/moses-test-5k.csv.gz").path
        try molgen(["convert", moses, "-o", "dataset-stamped.h5", "--limit", "200", "--max-length", "60", "--properties", "logp"], in: directory)
        let train = try molgen(["train", "--data", "dataset-stamped.h5", "-o", "model-stamped.h5", "--preset", "tiny", "--epochs", "1",
                                "--latent-size", "4"], in: directory)
        XCTAssertEqual(train.status, 0, train.stderr)
        // The first five molecules of the 200, so the tiny vocabulary knows their tokens.
        let five = ["CN(C)S(=O)(=O)c1ccc(Cn2cnc(C3CCC3)cc2=O)o1", "N#Cc1c(F)cccc1NCCNC(=O)COc1ccccc1Cl", "Cc1ccc(N)cc1-c1nnc(NC(=O)C(C)(C)C)s1",
                    "COc1ccc2oc(C(=O)Nc3ccccn3)c(C)c2c1", "Cc1cnc(C(=O)Nc2cc(Cl)ccc2F)cn1"]
        try (["smiles"] + five).joined(separator: "\n").write(to: directory.appendingPathComponent("five.csv"), atomically: true, encoding: .utf8)
        try molgen(["encode", "five.csv", "--model", "model-stamped.h5", "-o", "latents-stamped.h5"], in: directory)
        for name in ["dataset", "model", "latents"] {
            let unjam = Process()
            unjam.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            unjam.arguments = ["h5unjam", "-i", "\(name)-stamped.h5", "-o", "\(name).h5"]
            unjam.currentDirectoryURL = directory
            unjam.standardOutput = FileHandle.nullDevice
            try unjam.run()
            unjam.waitUntilExit()
            XCTAssertEqual(unjam.terminationStatus, 0, "h5unjam (hdf5-tools, installed by tools/bootstrap)")
        }
    }

    /// The command that loads each kind of file, given its path.
    private let commands: [String: (String) -> [String]] = [
        "model": { ["encode", "five.csv", "--model", $0, "-o", "z.csv"] },
        "dataset": { ["encode", $0, "--model", "model.h5", "-o", "z.csv"] },
        "latents": { ["decode", "--latents", $0, "--model", "model.h5", "-o", "out.csv"] },
    ]

    /// Runs the loader of `kind` on `bytes` and checks it ends in an exit, not a signal or the CPU limit.
    @discardableResult
    private func load(_ kind: String, _ bytes: Data, _ what: String, in directory: URL) throws -> Run {
        let path = "damaged-\(kind).h5"
        try bytes.write(to: directory.appendingPathComponent(path))
        let run = try molgen(commands[kind]!(path), in: directory, shell: "ulimit -t 30")
        XCTAssertFalse(run.signalled, "\(kind) \(what): killed by signal \(run.status): \(run.stderr.suffix(400))")
        XCTAssertTrue(run.status == 0 || run.status == 1, "\(kind) \(what): exit \(run.status)")
        if run.status == 1 {
            let message = run.stderr.split(separator: "\n").last.map(String.init) ?? ""
            XCTAssertTrue(message.contains(path), "\(kind) \(what): \(message)")
        }
        return run
    }

    func testDamagedFilesWithoutAChecksumAreErrorsOrLoadsNeverSignals() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try makeFiles(in: directory)
        var state: UInt64 = 15  // SplitMix64: the same damage every run
        func random(below n: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(n))
        }
        var outcomes: [String: Int] = [:]
        for kind in ["model", "dataset", "latents"] {
            let bytes = try Data(contentsOf: directory.appendingPathComponent("\(kind).h5"))
            XCTAssertEqual(try load(kind, bytes, "undamaged", in: directory).status, 0)
            for variant in 0..<12 {
                var damaged = bytes
                let what: String
                if variant % 6 == 5 {
                    let cut = random(below: bytes.count)
                    damaged = bytes.prefix(cut)
                    what = "truncated at \(cut)"
                } else {
                    // Half the flips in the first 6 KB, where the superblock and object headers are.
                    let position = random(below: variant % 2 == 0 ? min(6000, bytes.count) : bytes.count)
                    damaged[position] ^= UInt8(1 << random(below: 8))
                    what = "bit flipped at \(position)"
                }
                let run = try load(kind, damaged, what, in: directory)
                outcomes[run.status == 0 ? "loaded" : "error", default: 0] += 1
            }
        }
        print("damaged files without a checksum: \(outcomes)")
        XCTAssertGreaterThan(outcomes["error", default: 0], 0)
    }

    /// The crash the damage found: a global heap object (where variable-length strings live)
    /// whose size runs past its collection made libhdf5 copy gigabytes past its buffer.
    func testAGlobalHeapObjectLargerThanItsCollectionIsAnErrorNotASegfault() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try makeFiles(in: directory)
        for kind in ["model", "dataset", "latents"] {
            var bytes = try Data(contentsOf: directory.appendingPathComponent("\(kind).h5"))
            guard let collection = bytes.range(of: Data("GCOL".utf8) + Data([1, 0, 0, 0]))?.lowerBound else {
                return XCTFail("\(kind).h5 has no global heap")
            }
            bytes[collection + 16 + 8 + 4] ^= 0x01  // bit 32 of the first object's size
            let run = try load(kind, bytes, "object size + 4 GiB", in: directory)
            XCTAssertEqual(run.status, 1)
            XCTAssertTrue(run.stderr.contains("past the collection's end"), "\(kind): \(run.stderr)")
        }
    }

    /// What `tools/fuzz hdf5` found: a global heap whose free space has size 0 sent libhdf5 into
    /// an endless loop reading a model's vocabulary.
    func testAGlobalHeapFreeSpaceOfSizeZeroIsAnErrorNotAHang() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try makeFiles(in: directory)
        var bytes = try Data(contentsOf: directory.appendingPathComponent("model.h5"))
        guard let collection = bytes.range(of: Data("GCOL".utf8) + Data([1, 0, 0, 0]))?.lowerBound else { return XCTFail("no global heap") }
        func number(_ at: Int, _ width: Int) -> Int { (0..<width).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        var object = collection + 16
        while number(object, 2) != 0 { object += 16 + (number(object + 8, 8) + 7) / 8 * 8 }  // to the free space
        bytes.replaceSubrange((object + 8)..<(object + 16), with: [UInt8](repeating: 0, count: 8))
        let run = try load("model", bytes, "free space of size 0", in: directory)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("the free space of the global heap collection at byte \(collection) has size 0"), run.stderr)
    }
}
