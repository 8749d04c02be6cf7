import Chem
import ChemNet
import Datasets
import Foundation
import Smiles
import Storage

/// Everything the MOSES metrics need from a reference set (the test set, or the scaffold test
/// set), computed once and cached in a file beside it (`<file>.stats.h5`), so that evaluating
/// samples costs only the samples' own work.
public struct TestStatistics: Sendable {
    /// Fingerprints, fragment and scaffold counts, property values of the valid molecules.
    public var profile: MoleculeSetProfile
    /// ChemNet mean and covariance of the valid molecules' canonical SMILES; nil without ChemNet.
    public var chemNet: ActivationStatistics?

    public init(profile: MoleculeSetProfile, chemNet: ActivationStatistics?) {
        self.profile = profile; self.chemNet = chemNet
    }

    /// Where the cache of `path` lives.
    public static func cachePath(for path: String) -> String { path + ".stats.h5" }

    /// One stage of the work, for progress display.
    public struct Progress: Sendable {
        public var stage: String
        public var done: Int
        public var total: Int
    }

    /// The statistics of `smiles` (the molecules of `path`), read from `cachePath(for: path)` when
    /// it was made from the same file (size and modification time) and holds ChemNet statistics
    /// if `chemNet` is given; otherwise computed and written there (atomically). When the cache
    /// cannot be written (a read-only folder), `note` hears why and the statistics are still returned.
    public static func load(for path: String, smiles: @autoclosure () throws -> [String], chemNet: ChemNet?,
                            note: (String) -> Void = { _ in }, progress: (Progress) -> Void = { _ in }) throws -> TestStatistics {
        let cache = cachePath(for: path)
        let stamp = try fileStamp(path)
        if let cached = try? read(cache, stamp: stamp), chemNet == nil || cached.chemNet != nil { return cached }
        let molecules = try smiles()
        let profile = MoleculeSetProfile(smiles: molecules) { progress(Progress(stage: "test molecules (RDKit)", done: $0, total: molecules.count)) }
        var activations: ActivationStatistics?
        if let chemNet {
            let canonical = profile.canonicalSMILES
            let rows = chemNet.activations(canonical) { progress(Progress(stage: "test molecules (ChemNet)", done: $0, total: canonical.count)) }
            activations = ActivationStatistics(activations: rows, count: canonical.count)
        }
        let statistics = TestStatistics(profile: profile, chemNet: activations)
        do { try statistics.write(to: cache, stamp: stamp) } catch {
            note("statistics of \(path) not cached (\(error)); the next evaluation computes them again")
        }
        return statistics
    }

    /// SMILES of a reference file: the `/smiles` of a dataset file, or the molecules of a SMILES file.
    public static func readSmiles(_ path: String) throws -> [String] {
        if path.hasSuffix(".h5") || path.hasSuffix(".hdf5") { return try MoleculeDataset(contentsOf: path).smiles }
        let reader = try MoleculeFile.open(path)
        var smiles: [String] = []
        while let record = try reader.next() { smiles.append(record.smiles) }
        return smiles
    }

    // MARK: - File

    static let format = "molgen-test-statistics"

    /// Size and modification time of `path`, which the cache must match.
    static func fileStamp(_ path: String) throws -> String {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(size) \(modified)"
    }

    func write(to path: String, stamp: String) throws {
        try HDF5File.writeAtomically(to: path) { file in
            try file.setAttribute("format", .string(Self.format))
            try file.setAttribute("version", .int(1))
            try file.setAttribute("source", .string(stamp))
            try file.setAttribute("molecules", .int(profile.inputCount))
            let bits = MoleculeSetProfile.fingerprintBits, words = bits / 64
            try file.write("fingerprints", values: profile.fingerprints.flatMap { $0.words.map { Int64(bitPattern: $0) } },
                           shape: [profile.fingerprints.count, words], deflateLevel: 4)
            try file.write("canonical_smiles", values: profile.canonicalSMILES, deflateLevel: 4)
            for (name, counts) in [("fragments", profile.fragmentCounts), ("scaffolds", profile.scaffoldCounts)] {
                let keys = counts.keys.sorted()
                try file.write("\(name)/smiles", values: keys, deflateLevel: 4)
                try file.write("\(name)/counts", values: keys.map { Int64(counts[$0]!) }, deflateLevel: 4)
            }
            for property in MoleculeSetProfile.properties {
                try file.write("properties/\(property.name)", values: profile.propertyValues[property]!)
            }
            if let chemNet {
                let d = chemNet.mean.count
                let group = try file.createGroup("chemnet")
                try group.setAttribute("count", .int(chemNet.count))
                try file.write("chemnet/mean", values: chemNet.mean)
                try file.write("chemnet/covariance", values: chemNet.covariance, shape: [d, d])
            }
        }
    }

    static func read(_ path: String, stamp: String) throws -> TestStatistics? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let file = try HDF5File.open(at: path)
        defer { try? file.close() }
        try file.requireFormat(format, newestVersion: 1)
        guard try file.stringAttribute("source") == stamp else { return nil }
        let bits = MoleculeSetProfile.fingerprintBits
        let words = try file.read("fingerprints", as: Int64.self)
        let perRow = bits / 64, rows = words.shape[0]
        let fingerprints = (0..<rows).map { r in
            Fingerprint(bitCount: bits, words: words.values[(r * perRow)..<((r + 1) * perRow)].map { UInt64(bitPattern: $0) })
        }
        func counts(_ name: String) throws -> [String: Int] {
            let keys = try file.read("\(name)/smiles", as: String.self).values
            let values = try file.read("\(name)/counts", as: Int64.self).values
            return Dictionary(uniqueKeysWithValues: zip(keys, values.map { Int($0) }))
        }
        var properties: [MolecularProperty: [Double]] = [:]
        for property in MoleculeSetProfile.properties {
            properties[property] = try file.read("properties/\(property.name)", as: Double.self).values
        }
        let profile = MoleculeSetProfile(
            canonicalSMILES: try file.read("canonical_smiles", as: String.self).values, fingerprints: fingerprints,
            fragmentCounts: try counts("fragments"), scaffoldCounts: try counts("scaffolds"),
            propertyValues: properties, inputCount: try file.intAttribute("molecules"))
        var chemNet: ActivationStatistics?
        if file.contains("chemnet/mean") {
            chemNet = ActivationStatistics(count: try file.group("chemnet").intAttribute("count"),
                                           mean: try file.read("chemnet/mean", as: Double.self).values,
                                           covariance: try file.read("chemnet/covariance", as: Double.self).values)
        }
        return TestStatistics(profile: profile, chemNet: chemNet)
    }
}
