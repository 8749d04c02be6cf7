import Datasets
import Foundation
import Smiles
import Storage

/// Latent points on disk, as HDF5 (`.h5`) or CSV (anything else).
///
/// HDF5 (`format = "molgen-latents"`, version 1), N points of Z dimensions:
///
/// | path | type, shape | content |
/// | --- | --- | --- |
/// | `/latents` | float32 [N, Z] | latent means |
/// | `/log_variances` | float32 [N, Z] | the encoder's log σ², only with `--with-variance` |
/// | `/smiles` | UTF-8 string [N] | the (canonical) SMILES each point was encoded from |
/// | `/line` | int32 [N] | 1-based line of the SMILES file (row of a dataset file), 0 if unknown |
/// | `/vocabulary` | as in dataset files | the encoding model's codec |
///
/// Root attributes: `format`, `version`, `latent_size`, `architecture` (the encoding model's
/// sizes, see `ChemVAEConfig.architectureSummary`), `model` (the model file's path, informative),
/// `parameters_digest` (see `ChemVAEModel.parameterDigest`).
/// Decoding checks the width, the vocabulary and the architecture against the decoding model; a
/// different digest (another training run or checkpoint of the same architecture) is allowed,
/// and `encodedBySameParameters` tells callers so they can say so.
///
/// CSV: a header `line,smiles,z0,…,z{Z-1}` (then `lv0,…` with log-variances), one row per point.
/// Only the `z` columns are required when reading; a CSV says nothing of its model, so only the
/// width is checked.
public enum LatentFile {
    public static let format = "molgen-latents"
    public static let version = 1

    /// Whether `path` is written as HDF5 (by its extension).
    public static func isHDF5(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5")
    }

    /// Writes `points`, encoded by `model`, atomically: HDF5 for `.h5`/`.hdf5`, CSV otherwise.
    public static func write(_ points: LatentPoints, model: ChemVAEModel, modelPath: String = "", to path: String) throws {
        if isHDF5(path) {
            try HDF5File.writeAtomically(to: path) { file in
                try file.setAttribute("format", .string(format))
                try file.setAttribute("version", .int(version))
                try file.setAttribute("written_by", .string(MolGenRelease.writtenBy))
                try file.setAttribute("latent_size", .int(points.width))
                try file.setAttribute("architecture", .string(model.config.architectureSummary))
                try file.setAttribute("model", .string(modelPath))
                try file.setAttribute("parameters_digest", .string(model.parameterDigest))
                try file.write("latents", values: points.means, shape: [points.count, points.width])
                if let lv = points.logVariances { try file.write("log_variances", values: lv, shape: [points.count, points.width]) }
                try file.write("smiles", values: points.smiles)
                try file.write("line", values: points.lines.map { Int32(clamping: $0) })
                try model.codec.write(to: file)
            }
        } else {
            try writeTextAtomically(csv(points), to: path)
        }
    }

    /// The CSV text of `points`.
    public static func csv(_ points: LatentPoints) -> String {
        var header = ["line", "smiles"] + (0..<points.width).map { "z\($0)" }
        if points.logVariances != nil { header += (0..<points.width).map { "lv\($0)" } }
        var out = header.joined(separator: ",") + "\n"
        for i in 0..<points.count {
            var fields = [String(points.lines[i]), csvField(points.smiles[i])]
            fields += points.means[(i * points.width)..<((i + 1) * points.width)].map { "\($0)" }
            if let lv = points.logVariances { fields += lv[(i * points.width)..<((i + 1) * points.width)].map { "\($0)" } }
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }

    /// Reads a latents file written by `write` (or any CSV with `z0…` columns), checked against
    /// `model`: the width must be the model's latent size and every value finite; an HDF5 file must
    /// also come from a model with the same vocabulary and architecture.
    /// - Throws: errors naming the file and the problem.
    public static func read(_ path: String, for model: ChemVAEModel) throws -> LatentPoints {
        let points = isHDF5(path) ? try readHDF5(path, for: model) : try readCSV(path)
        guard points.count > 0 else { throw ChemVAEError.invalidLatent("\(path) holds no latent points") }
        try model.validate(points, source: path)
        return points
    }

    /// Whether the HDF5 latents file at `path` was encoded by a model with exactly `model`'s
    /// parameters; nil for CSV files and files without a digest.
    public static func encodedBySameParameters(_ path: String, as model: ChemVAEModel) -> Bool? {
        guard isHDF5(path), let file = try? HDF5File.open(at: path) else { return nil }
        defer { try? file.close() }
        guard let digest = try? file.stringAttribute("parameters_digest") else { return nil }
        return digest == model.parameterDigest
    }

    static func readHDF5(_ path: String, for model: ChemVAEModel) throws -> LatentPoints {
        let (file, n, z) = try openHDF5(path, for: model)
        defer { try? file.close() }
        let latents = try file.read("latents", as: Float.self)
        var logVariances: [Float]?
        if file.contains("log_variances") {
            logVariances = try file.dataset("log_variances").read(as: Float.self, expectedShape: [n, z])
        }
        let smiles = file.contains("smiles") ? try file.dataset("smiles").read(as: String.self, expectedShape: [n]) : nil
        let lines = file.contains("line") ? try file.dataset("line").read(as: Int32.self, expectedShape: [n]).map { Int($0) } : nil
        return LatentPoints(width: z, means: latents.values, logVariances: logVariances, smiles: smiles, lines: lines)
    }

    /// Reads the latent means of a latents file block by block (HDF5: `blockSize` rows at a time,
    /// so memory stays flat; CSV: read whole, then handed out in blocks), with the checks of
    /// `read(_:for:)`; `each` receives each block, the index of its first point and the number
    /// of points in the file.
    /// - Returns: the number of points.
    @discardableResult
    public static func readBlocks(_ path: String, for model: ChemVAEModel, blockSize: Int = ChemVAEModel.streamingBlockSize,
                                  each: (_ points: LatentPoints, _ firstIndex: Int, _ total: Int) throws -> Void) throws -> Int {
        guard isHDF5(path) else {
            let points = try read(path, for: model)
            let z = points.width
            for start in stride(from: 0, to: points.count, by: blockSize) {
                let end = min(start + blockSize, points.count)
                try each(LatentPoints(width: z, means: Array(points.means[(start * z)..<(end * z)])), start, points.count)
            }
            return points.count
        }
        let (file, n, z) = try openHDF5(path, for: model)
        defer { try? file.close() }
        guard n > 0 else { throw ChemVAEError.invalidLatent("\(path) holds no latent points") }
        let latents = try file.dataset("latents")
        for start in stride(from: 0, to: n, by: blockSize) {
            let means = try latents.read(rows: start..<min(start + blockSize, n), as: Float.self).values
            if let bad = means.firstIndex(where: { !$0.isFinite }) {
                throw ChemVAEError.invalidLatent(
                    "\(path): row \(start + bad / z + 1) holds a NaN or infinite value (z\(bad % z)); every latent value must be finite")
            }
            try each(LatentPoints(width: z, means: means), start, n)
        }
        return n
    }

    /// Opens an HDF5 latents file and checks its format, shape, vocabulary and architecture
    /// against `model`; returns the open file, the point count and the width.
    static func openHDF5(_ path: String, for model: ChemVAEModel) throws -> (HDF5File, Int, Int) {
        let file = try HDF5File.open(at: path)
        try file.requireFormat(format, newestVersion: version)
        let shape = try file.dataset("latents").shape
        guard shape.count == 2, shape[1] > 0 else {
            throw ChemVAEError.invalidLatent("\(path): /latents has shape \(shape), expected [N, Z]")
        }
        let (n, z) = (shape[0], shape[1])
        // Every per-point dataset must agree on N: one flipped bit in /latents' extent (200 rows
        // became 1,048,776) would otherwise send `decode` through a million points of zeros.
        for name in ["log_variances", "smiles", "line"] where file.contains(name) {
            let rows = try file.dataset(name).shape.first ?? 0
            guard rows == n else {
                throw ChemVAEError.invalidLatent("\(path): /\(name) holds \(rows) rows but /latents \(n); the file is damaged")
            }
        }
        guard z == model.config.latentSize else {
            throw ChemVAEError.invalidLatent(
                "\(path): latent points have \(z) dimensions but the model's latent space has \(model.config.latentSize); decode them with the model that encoded them")
        }
        if file.contains(SmilesCodec.vocabularyPath) {
            let codec = try SmilesCodec(readingFrom: file)
            guard codec == model.codec else {
                throw ChemVAEError.incompatibleData(
                    "\(path) was encoded by a model with another vocabulary (\(codec.vocabulary.count) tokens, rows of \(codec.maxLength)) than this one (\(model.codec.vocabulary.count), \(model.codec.maxLength)); decode it with the model that encoded it")
            }
        }
        if try file.hasAttribute("architecture") {
            let stored = try file.stringAttribute("architecture")
            guard stored == model.config.architectureSummary else {
                throw ChemVAEError.incompatibleData(
                    "\(path) was encoded by another model (\(stored)) than this one (\(model.config.architectureSummary)); decode it with the model that encoded it")
            }
        }
        return (file, n, z)
    }

    static func readCSV(_ path: String) throws -> LatentPoints {
        guard FileManager.default.fileExists(atPath: path) else { throw StorageError.fileNotFound(file: path) }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ChemVAEError.invalidLatent("\(path) is not a UTF-8 text file; latents are .h5 or .csv (line,smiles,z0,…)")
        }
        var rows = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
            .filter { !$0.element.trimmingCharacters(in: .whitespaces).isEmpty }.makeIterator()
        guard let (_, headerLine) = rows.next() else { throw ChemVAEError.invalidLatent("\(path) is empty") }
        let header = splitCSVLine(String(headerLine)).map { $0.trimmingCharacters(in: .whitespaces) }
        // A dictionary, not firstIndex(of:) per column: a header of 100,000 z columns took minutes.
        let columnIndex = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        func columns(_ prefix: String) -> [Int] {
            var indices: [Int] = []
            while let i = columnIndex["\(prefix)\(indices.count)"] { indices.append(i) }
            return indices
        }
        let zColumns = columns("z"), lvColumns = columns("lv")
        guard !zColumns.isEmpty else {
            throw ChemVAEError.invalidLatent("\(path): the header has no z0, z1, … columns; latents CSV files look like line,smiles,z0,z1,…")
        }
        let strays = header.filter { $0.count > 1 && $0.first == "z" && Int($0.dropFirst()) != nil }.count
        guard strays == zColumns.count else {
            throw ChemVAEError.invalidLatent("\(path): the z columns are not numbered z0…z\(strays - 1) without gaps")
        }
        let width = zColumns.count
        let withVariance = lvColumns.count == width
        let smilesColumn = header.firstIndex(of: "smiles"), lineColumn = header.firstIndex(of: "line")
        var means: [Float] = [], logVariances: [Float] = [], smiles: [String] = [], lines: [Int] = []
        while let (index, line) = rows.next() {
            let fields = splitCSVLine(String(line))
            func number(_ column: Int) throws -> Float {
                guard column < fields.count, let v = Float(fields[column].trimmingCharacters(in: .whitespaces)) else {
                    let found = column < fields.count ? "'\(fields[column])'" : "nothing"
                    throw ChemVAEError.invalidLatent("\(path):\(index + 1): column \(header[column]) holds \(found), not a number")
                }
                return v
            }
            for c in zColumns { means.append(try number(c)) }
            if withVariance { for c in lvColumns { logVariances.append(try number(c)) } }
            smiles.append(smilesColumn.flatMap { $0 < fields.count ? fields[$0] : nil } ?? "")
            // Points without a line column are numbered by their line in this file.
            lines.append(lineColumn.flatMap { $0 < fields.count ? Int(fields[$0]) : nil } ?? (lineColumn == nil ? index + 1 : 0))
        }
        return LatentPoints(width: width, means: means, logVariances: withVariance ? logVariances : nil, smiles: smiles, lines: lines)
    }
}

extension ChemVAEModel {
    /// FNV-1a (64-bit) over the names and float bits of every parameter and buffer, in hex: equal
    /// for the same weights, different after any training step.
    public var parameterDigest: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        for (name, tensor) in model.state.sorted(by: { $0.name < $1.name }) {
            name.utf8.forEach(mix)
            for i in 0..<tensor.count {
                let bits = tensor.pointer[i].bitPattern
                mix(UInt8(bits & 0xff)); mix(UInt8(bits >> 8 & 0xff)); mix(UInt8(bits >> 16 & 0xff)); mix(UInt8(bits >> 24))
            }
        }
        return String(hash, radix: 16)
    }
}

extension ChemVAEConfig {
    /// The sizes that fix what a latent point means (vocabulary, row width, latent size, encoder and
    /// decoder shapes), as one line: latents from a model with another summary cannot be decoded.
    public var architectureSummary: String {
        "\(decoder) decoder \(decoderLayers)x\(decoderHidden), latent \(latentSize), encoder \(encoderChannels)/\(encoderKernels)/\(encoderHidden), "
            + "vocabulary \(vocabularySize), max length \(maxLength), \(tokenizer) tokens"
    }
}

/// Writes `text` to `path` all or nothing: a temporary file in the same directory is synced and
/// renamed over `path`, so an interrupted write leaves any previous file intact (see
/// `Storage.writeTextFileAtomically`, which names temporaries so a killed run's are cleaned up).
public func writeTextAtomically(_ text: String, to path: String) throws {
    try writeTextFileAtomically(text, to: path)
}
