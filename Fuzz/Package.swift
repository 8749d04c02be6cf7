// swift-tools-version:6.0
// libFuzzer targets for MolGen's readers (README, "Hostile input"). Their own package, so
// `make build` and `make test` never build them; `tools/fuzz` builds them with
// `-sanitize=fuzzer` (libFuzzer's driver, called from each target's main) and runs them.
import PackageDescription

let package = Package(
    name: "MolGenFuzz",
    dependencies: [.package(name: "MolGen", path: "..")],
    targets: [
        // The declaration of libFuzzer's driver, which each target's main calls.
        .target(name: "CFuzzer"),
        // The SMILES tokenizers, vocabulary, codec and decoding grammar; the screen and RDKit.
        .executableTarget(name: "FuzzSmiles", dependencies: [
            "CFuzzer", .product(name: "Smiles", package: "MolGen"), .product(name: "Chem", package: "MolGen"),
        ]),
        // The SMILES/CSV/TSV line readers and the latents CSV reader.
        .executableTarget(name: "FuzzReaders", dependencies: [
            "CFuzzer", .product(name: "Smiles", package: "MolGen"), .product(name: "Datasets", package: "MolGen"),
            .product(name: "ChemVAE", package: "MolGen"),
        ]),
        // The HDF5 readers: datasets, latents, model files (ChemVAE checkpoints).
        .executableTarget(name: "FuzzHDF5", dependencies: [
            "CFuzzer", .product(name: "Datasets", package: "MolGen"), .product(name: "ChemVAE", package: "MolGen"),
            .product(name: "Storage", package: "MolGen"),
        ]),
    ],
    swiftLanguageModes: [.v5]
)
