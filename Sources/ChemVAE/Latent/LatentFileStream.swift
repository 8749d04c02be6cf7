import Datasets
import Foundation
import Storage

extension LatentFile {
    /// Writes a latents file block by block, in flat memory, all or nothing: the same layout as
    /// `write(_:model:modelPath:to:)` (HDF5 for `.h5`/`.hdf5`, CSV otherwise), with the HDF5
    /// datasets growing as blocks arrive. `produce` is called once with an `append` function for
    /// each block; nothing reaches `path` unless it returns and at least one point was appended.
    ///
    /// - Returns: the number of points written.
    /// - Throws: what `produce` throws; `ChemVAEError.invalidLatent` when no point was appended.
    @discardableResult
    public static func write(to path: String, model: ChemVAEModel, modelPath: String = "", withVariances: Bool,
                             _ produce: (_ append: (LatentPoints) throws -> Void) throws -> Void) throws -> Int {
        let width = model.config.latentSize
        var count = 0
        let nothing = ChemVAEError.invalidLatent("\(path): no molecule could be encoded; nothing was written")
        if isHDF5(path) {
            try HDF5File.writeAtomically(to: path) { file in
                try file.setAttribute("format", .string(format))
                try file.setAttribute("version", .int(version))
                try file.setAttribute("written_by", .string(MolGenRelease.writtenBy))
                try file.setAttribute("latent_size", .int(width))
                try file.setAttribute("architecture", .string(model.config.architectureSummary))
                try file.setAttribute("model", .string(modelPath))
                try file.setAttribute("parameters_digest", .string(model.parameterDigest))
                let latents = try file.createAppendableDataset("latents", of: Float.self, rowShape: [width])
                let logVariances = withVariances ? try file.createAppendableDataset("log_variances", of: Float.self, rowShape: [width]) : nil
                let smiles = try file.createAppendableDataset("smiles", of: String.self)
                let lines = try file.createAppendableDataset("line", of: Int32.self)
                try produce { points in
                    try latents.append(points.means)
                    if let logVariances { try logVariances.append(points.logVariances ?? []) }
                    try smiles.append(points.smiles)
                    try lines.append(points.lines.map { Int32(clamping: $0) })
                    count += points.count
                }
                guard count > 0 else { throw nothing }
                try model.codec.write(to: file)
            }
        } else {
            let file = try AtomicTextFile(path: path)
            var header = ["line", "smiles"] + (0..<width).map { "z\($0)" }
            if withVariances { header += (0..<width).map { "lv\($0)" } }
            try file.write(header.joined(separator: ",") + "\n")
            try produce { points in
                // csv(_:) of a block is its rows after the header line.
                let text = csv(points)
                try file.write(String(text[text.index(after: text.firstIndex(of: "\n")!)...]))
                count += points.count
            }
            guard count > 0 else { throw nothing }
            try file.commit()
        }
        return count
    }
}
