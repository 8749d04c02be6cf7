// swift-tools-version:6.0
// MolGen: generative molecular design on a CPU. See DESIGN.md for the module map.
import PackageDescription

/// RDKit's headers live outside the default search path; a root package may say so directly.
let rdkitInclude: [CXXSetting] = [.unsafeFlags(["-I/usr/include/rdkit", "-std=c++17", "-Wno-deprecated-declarations"])]
let rdkitLibraries = [
    "RDKitSmilesParse", "RDKitGraphMol", "RDKitDescriptors", "RDKitFingerprints", "RDKitSubstructMatch",
    "RDKitMolDraw2D", "RDKitDepictor", "RDKitDataStructs", "RDKitRDGeneral", "RDKitFileParsers",
    "RDKitChemTransforms", "RDKitRDGeometryLib", "RDKitFMCS", "RDKitMolStandardize",
].map { LinkerSetting.linkedLibrary($0) }

/// Numeric targets skip runtime exclusivity checks in their hot loops and, on x86-64, compile for
/// AVX2 + FMA (Haswell, 2013, and later) instead of the SSE2 baseline, so SIMD8 code is one
/// instruction per operation rather than two.
#if arch(x86_64)
let fast: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked", "-target-cpu", "haswell"])]
#else
let fast: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
#endif

let package = Package(
    name: "MolGen",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "molgen", targets: ["molgen"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Storage", targets: ["Storage"]),
        .library(name: "Charts", targets: ["Charts"]),
        .library(name: "Smiles", targets: ["Smiles"]),
        .library(name: "Chem", targets: ["Chem"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "ChemNet", targets: ["ChemNet"]),
        .library(name: "ChemVAE", targets: ["ChemVAE"]),
        .library(name: "ImageModels", targets: ["ImageModels"]),
        .library(name: "WebApp", targets: ["WebApp"]),
        .library(name: "Samplers", targets: ["Samplers"]),
        .library(name: "EnergyModels", targets: ["EnergyModels"]),
        .library(name: "Flows", targets: ["Flows"]),
        .library(name: "Toys", targets: ["Toys"]),
        .library(name: "Autoencoders", targets: ["Autoencoders"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
    ],
    targets: [
        // System libraries, installed by tools/bootstrap.
        .systemLibrary(name: "CBLAS", path: "Sources/C/CBLAS"),
        .systemLibrary(name: "CHDF5", path: "Sources/C/CHDF5"),
        .systemLibrary(name: "CZlib", path: "Sources/C/CZlib"),
        .systemLibrary(name: "CPNG", path: "Sources/C/CPNG"),
        .systemLibrary(name: "CLAPACK", path: "Sources/C/CLAPACK"),
        // Loops OpenBLAS lacks and Swift cannot vectorise: a GEMM against a matrix packed once
        // (the GRU's W_hh), Adam's update, sums of squares.
        .target(name: "CKernels", path: "Sources/C/CKernels", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]),
        // Open MPI (`mpirun -np N molgen train|convert`): its handles are macros Swift cannot
        // import, so a small C shim makes the calls and `Cluster` wraps it (DESIGN.md, Data parallelism).
        .systemLibrary(name: "CMPI", path: "Sources/C/CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .target(name: "MPIShim", dependencies: ["CMPI"], path: "Sources/C/MPIShim"),
        .target(name: "Cluster", dependencies: ["MPIShim"]),
        // The only C++ in the project: a small extern "C" API over RDKit.
        .target(name: "CRDKit", path: "Sources/C/CRDKit", cxxSettings: rdkitInclude, linkerSettings: rdkitLibraries),

        .target(name: "Engine", dependencies: ["CBLAS", "CKernels"], swiftSettings: fast),
        .target(name: "NN", dependencies: ["Engine", "CLAPACK"], swiftSettings: fast),
        .target(name: "Storage", dependencies: ["CHDF5", "CZlib"]),
        // The one SVG chart writer (lines, dots, coloured scatter) behind every picture and report chart.
        .target(name: "Charts", dependencies: ["Storage"]),
        .target(name: "Smiles", dependencies: ["CZlib"]),
        .target(name: "Chem", dependencies: ["CRDKit", "CZlib"], resources: [.copy("Resources")]),
        .target(name: "Datasets", dependencies: ["Smiles", "Chem", "Storage", "Cluster"]),
        // The one training loop and model file every model family plugs into.
        .target(name: "Training", dependencies: ["Engine", "NN", "Storage", "Cluster"], swiftSettings: fast),
        // ChemNet (the network behind FCD) on our engine, its weights converted by tools/fetch-chemnet.
        .target(name: "ChemNet", dependencies: ["Engine", "NN", "Storage"], swiftSettings: fast),
        .target(name: "ChemVAE", dependencies: ["Engine", "NN", "Storage", "Training", "Charts", "Smiles", "Chem", "Datasets", "ChemNet", "Cluster"], swiftSettings: fast),
        .target(name: "ImageModels", dependencies: ["Engine", "NN", "Storage", "Training", "Charts", "CZlib", "CPNG", "CLAPACK"], swiftSettings: fast),
        .target(name: "Benchmarks", dependencies: ["Engine", "NN", "Chem", "Datasets", "ChemNet", "ChemVAE", "ImageModels", "Training", "Cluster", "Charts"], swiftSettings: fast),
        // `molgen serve`: the latent space in a browser (JSON API + pages compiled in).
        .target(name: "WebApp", dependencies: [
            "ChemVAE", "Chem", "Engine", "Smiles", "Datasets", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], resources: [.copy("Pages")]),
        // Classical samplers (inverse transform, Metropolis-Hastings, KDE) and the mean-field Ising model.
        .target(name: "Samplers", dependencies: ["Engine", "NN", "Charts", "ImageModels"], swiftSettings: fast),
        // Energy-based models (the restricted Boltzmann machine) on the image data.
        .target(name: "EnergyModels", dependencies: ["Engine", "NN", "Storage", "Training", "Charts", "ImageModels"], swiftSettings: fast),
        // Normalizing flows (RealNVP) and the Boltzmann generator on the double well.
        .target(name: "Flows", dependencies: ["Engine", "NN", "Storage", "Training", "Charts", "Samplers", "ImageModels"], swiftSettings: fast),
        // The source material's small demonstrations (ring map, manifold VAE, zero-sum game, GAN theory).
        .target(name: "Toys", dependencies: ["Engine", "NN", "Storage", "Training", "Charts", "Samplers", "ImageModels"], swiftSettings: fast),
        // The autoencoder family (ae, dae, sae, cae, rae, linear-ae beside PCA, swap) on the image data.
        .target(name: "Autoencoders", dependencies: ["Engine", "NN", "Storage", "Training", "Charts", "ImageModels", "Samplers"], swiftSettings: fast),
        // tcmalloc (gperftools, minimal) replaces glibc malloc in the executable: RDKit allocates
        // and frees many small objects per molecule, and `molgen convert` spends a fifth less CPU
        // with it (DESIGN.md, Chem).
        .executableTarget(name: "molgen", dependencies: [
            "ChemVAE", "Benchmarks", "Datasets", "Smiles", "Chem", "ImageModels", "Training", "WebApp", "Samplers", "EnergyModels", "Flows", "Toys",
            "Autoencoders", "Cluster", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], linkerSettings: [.linkedLibrary("tcmalloc_minimal")]),

        .testTarget(name: "EngineTests", dependencies: ["Engine"], swiftSettings: fast),
        .testTarget(name: "NNTests", dependencies: ["NN", "Engine"], swiftSettings: fast),
        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        .testTarget(name: "ChartsTests", dependencies: ["Charts"]),
        .testTarget(name: "SmilesTests", dependencies: ["Smiles"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ChemTests", dependencies: ["Chem"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Chem", "Smiles", "Storage"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Engine", "NN", "Storage"], swiftSettings: fast),
        .testTarget(name: "ChemVAETests", dependencies: ["ChemVAE", "Training", "Charts", "Chem", "Datasets", "Engine", "NN", "Smiles", "Storage"], swiftSettings: fast),
        .testTarget(name: "ImageModelsTests", dependencies: ["ImageModels", "Training", "Charts", "CZlib", "Engine", "NN"], swiftSettings: fast),
        .testTarget(name: "SamplersTests", dependencies: ["Samplers", "ImageModels", "Engine"], swiftSettings: fast),
        .testTarget(name: "EnergyModelsTests", dependencies: ["EnergyModels", "ImageModels", "Training", "Engine", "Storage"], swiftSettings: fast),
        .testTarget(name: "FlowsTests", dependencies: ["Flows", "Samplers", "Training", "Engine", "Storage"], swiftSettings: fast),
        .testTarget(name: "ToysTests", dependencies: ["Toys", "Training", "Engine"], swiftSettings: fast),
        .testTarget(name: "AutoencodersTests", dependencies: ["Autoencoders", "ImageModels", "Training", "Engine", "Storage"], swiftSettings: fast),
        // Runs the built `molgen` (fault-injection regressions: exit codes, signals, stdout, a full disk).
        .testTarget(name: "CommandLineTests"),
        .testTarget(name: "ChemNetTests", dependencies: ["ChemNet", "Chem"], resources: [.copy("Fixtures")], swiftSettings: fast),
        .testTarget(name: "WebAppTests", dependencies: ["WebApp"]),
        // Runs the built `molgen` under `mpirun -np 2` against one process (training, resume, conversion).
        .testTarget(name: "DistributedTests", dependencies: ["ChemVAE", "Datasets", "Storage", "Engine", "NN", "Cluster"], swiftSettings: fast),
    ],
    swiftLanguageModes: [.v5]
)

