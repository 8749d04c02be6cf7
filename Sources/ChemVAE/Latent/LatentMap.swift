import Charts
import Chem
import Datasets
import Engine
import Foundation
import NN

/// Principal components of N points of D dimensions, from the eigen-decomposition of their
/// covariance matrix by LAPACK's `dsyevd` (NN's `symmetricEigen`, shared with FID and FCD).
public struct PrincipalComponents: Sendable {
    /// D, the width of the points.
    public let dimensions: Int
    /// The mean point (D values).
    public let mean: [Double]
    /// Unit eigenvectors of the covariance, largest variance first ([D][D]).
    public let components: [[Double]]
    /// Their eigenvalues (the variance along each component), descending.
    public let variances: [Double]

    /// Fits `points` [N, D] row-major.
    public init(points: [Float], dimensions d: Int) {
        precondition(d > 0 && points.count % d == 0 && points.count >= d, "PrincipalComponents: need at least one row of \(d) values")
        let n = points.count / d
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += Double(points[i * d + j]) } }
        mean = mean.map { $0 / Double(n) }
        // Covariance (divided by N − 1; by 1 for a single point).
        var covariance = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for j in 0..<d { centred[j] = Double(points[i * d + j]) - mean[j] }
            for a in 0..<d { let x = centred[a]; if x != 0 { for b in a..<d { covariance[a * d + b] += x * centred[b] } } }
        }
        let scale = 1 / Double(max(n - 1, 1))
        for a in 0..<d { for b in a..<d { covariance[a * d + b] *= scale; covariance[b * d + a] = covariance[a * d + b] } }
        let (values, vectors) = symmetricEigen(covariance, dimension: d)
        let order = (0..<d).sorted { values[$0] > values[$1] }
        self.dimensions = d
        self.mean = mean
        self.variances = order.map { max(values[$0], 0) }
        self.components = order.map { k in
            // Sign convention: the largest-magnitude entry is positive, so results are reproducible.
            let v = (0..<d).map { vectors[$0 * d + k] }
            let pivot = v.max { abs($0) < abs($1) } ?? 1
            return pivot < 0 ? v.map { -$0 } : v
        }
    }

    /// Fraction of the total variance along each component.
    public var explainedVarianceRatio: [Double] {
        let total = variances.reduce(0, +)
        return variances.map { total > 0 ? $0 / total : 0 }
    }

    /// Coordinates of `points` [N, D] on the first `count` components ([N, count] row-major).
    public func project(_ points: [Float], count: Int = 2) -> [Double] {
        let n = points.count / dimensions, k = min(count, dimensions)
        var out = [Double](repeating: 0, count: n * k)
        for i in 0..<n {
            for c in 0..<k {
                var s = 0.0
                for j in 0..<dimensions { s += (Double(points[i * dimensions + j]) - mean[j]) * components[c][j] }
                out[i * k + c] = s
            }
        }
        return out
    }
}

/// Encoded molecules projected on the first two principal components of their latent means,
/// each with a property value to colour it by.
public struct LatentMap: Sendable {
    /// PC1 and PC2 coordinates of each molecule.
    public var x: [Double], y: [Double]
    /// The property of each molecule (NaN when it could not be computed).
    public var values: [Double]
    public var property: String
    /// Fraction of the latent variance along PC1 and PC2.
    public var explained: (Double, Double)
    public var smiles: [String]
    /// Where the molecules came from (for the plot's title).
    public var source: String
}

extension ChemVAEModel {
    /// Encodes up to `limit` molecules of `path` (a dataset file with this model's vocabulary, or a
    /// SMILES file; a random subset from `seed` when there are more) and projects their latent means
    /// on the first two principal components. The colour comes from the dataset's `property`
    /// column when it has one, else RDKit computes it (for `logp`, `qed`, `sas`, `mw`, `plogp`).
    /// - Throws: for an unreadable input or a property neither stored nor computable.
    public func latentMap(of path: String, colorBy property: String, limit: Int = 2000, seed: UInt64 = 1) throws -> LatentMap {
        let known = MolecularProperty(name: property)
        let input = try MoleculeInput(path: path, model: self, properties: known.map { [$0.name] } ?? [])
        let data = input.dataset
        var indices = Array(0..<data.count)
        if indices.count > limit {
            RandomGenerator(seed: seed).shuffle(&indices)
            indices = Array(indices.prefix(limit)).sorted()
        }
        var values: [Double]
        if let column = data.propertyNames.firstIndex(where: { $0.lowercased() == property.lowercased() }) {
            values = indices.map { Double(data.properties[$0 * data.propertyNames.count + column]) }
        } else if let known {
            values = indices.map { (try? analyze(smiles: data.smiles[$0], canonicalize: false, properties: [known]))?.properties[0] ?? .nan }
        } else {
            throw ChemVAEError.incompatibleData(
                "\(path) has no '\(property)' column (its properties: \(data.propertyNames.isEmpty ? "none" : data.propertyNames.joined(separator: ", "))) and RDKit computes only \(MolecularProperty.allCases.map(\.name).joined(separator: ", "))")
        }
        let width = data.maxLength
        var rows = [UInt8](repeating: 0, count: indices.count * width)
        for (k, i) in indices.enumerated() { for t in 0..<width { rows[k * width + t] = data.tokens[i * width + t] } }
        let means = latentMoments(rows: rows).means
        guard indices.count >= 2 else {
            throw ChemVAEError.incompatibleData("\(path): a map needs at least 2 molecules, found \(indices.count)")
        }
        let pca = PrincipalComponents(points: means, dimensions: config.latentSize)
        let xy = pca.project(means, count: 2)
        let ratio = pca.explainedVarianceRatio
        return LatentMap(x: stride(from: 0, to: xy.count, by: 2).map { xy[$0] }, y: stride(from: 1, to: xy.count, by: 2).map { xy[$0] },
                         values: values, property: property, explained: (ratio[0], ratio.count > 1 ? ratio[1] : 0),
                         smiles: indices.map { data.smiles[$0] }, source: (path as NSString).lastPathComponent)
    }
}

extension LatentMap {
    /// A scatter plot (SVG): PC1 against PC2 with the explained variance on each axis, points
    /// coloured by the property on the viridis scale with a colour bar and the molecule as hover
    /// label; axes at the 0.5th–99.5th percentiles, so outliers sit on the edge as hollow marks.
    public var chart: Chart {
        var chart = Chart(title: "Latent space of \(x.count) molecules (\(source)), coloured by \(property)",
                          xLabel: String(format: "PC1 (%.1f%% of variance)", explained.0 * 100),
                          yLabel: String(format: "PC2 (%.1f%% of variance)", explained.1 * 100))
        chart.width = 760; chart.height = 600
        chart.robustLimits = true
        chart.colorLabel = property
        chart.series = [.init(name: "", points: Array(zip(x, y)), style: .colored(values: values),
                              labels: zip(smiles, values).map { "\($0) \(property)=\(String(format: "%.3f", $1))" })]
        return chart
    }
}
