import Chem
import ChemVAE
import Foundation

/// What the API does, as plain functions over one loaded model: each takes a decoded request and
/// returns the response, throwing `BadRequest` for input the model cannot take. Safe to call from
/// many threads at once (tapes are per thread; the model is only read).
public final class LatentService: @unchecked Sendable {
    public let model: ChemVAEModel
    public let modelPath: String
    /// The molecules of the "dataset" latent map (`serve --map-data`), if any.
    public let mapDataPath: String?
    public let limits: InputLimits

    public init(model: ChemVAEModel, modelPath: String, mapDataPath: String?, limits: InputLimits = InputLimits()) {
        self.model = model
        self.modelPath = modelPath
        self.mapDataPath = mapDataPath
        self.limits = limits
    }

    var info: ModelInfo {
        ModelInfo(model: (modelPath as NSString).lastPathComponent, latentSize: model.config.latentSize, maxLength: model.config.maxLength,
                  properties: MolecularProperty.allCases.map(\.name), predictedProperties: model.normalization?.names ?? [],
                  mapData: mapDataPath.map { ($0 as NSString).lastPathComponent },
                  limits: ["smiles_length": limits.smilesLength, "neighbors": limits.neighbors, "interpolation_steps": limits.interpolationSteps,
                           "grid_size": limits.gridSize, "optimization_steps": limits.optimizationSteps, "samples": limits.samples,
                           "map_molecules": limits.mapMolecules],
                  domain: model.domain?.summary)
    }

    /// The latent mean of `smiles`, or a `BadRequest` naming `field` and why the model cannot take it.
    func encoded(_ smiles: String, field: String) throws -> LatentPoints {
        do { return try model.encode(smiles: smiles) } catch let error as UnencodableMolecule { throw BadRequest("\(field): \(error)") }
    }

    /// `field`'s molecule (encoded at `point`) outside the model's applicability domain: one sentence, or none.
    func domainWarnings(_ point: LatentPoints, field: String) -> [String] {
        model.domainWarning(field, smiles: point.smiles[0], mean: point.mean(0)).map { [$0] } ?? []
    }

    /// RDKit's values of every property it computes (empty for an invalid molecule).
    static func properties(of smiles: String) -> [String: Double] {
        guard let a = try? analyze(smiles: smiles, canonicalize: false, properties: MolecularProperty.allCases) else { return [:] }
        var out: [String: Double] = [:]
        for (p, v) in zip(MolecularProperty.allCases, a.properties) where v.isFinite { out[p.name] = v }
        return out
    }

    static func decoding(_ m: DecodedMolecule) -> Decoding { Decoding(smiles: m.smiles, canonical: m.canonical, valid: m.isValid) }

    // MARK: Routes

    func encode(_ request: EncodeRequest) throws -> EncodeResponse {
        let point = try encoded(request.smiles, field: "smiles")
        let canonical = point.smiles[0], mean = point.mean(0)
        let one = LatentPoints(width: point.width, means: mean)
        let greedy = model.decode(one, method: .greedy)[0]
        let beam = model.decode(one, method: .beam(width: request.beamWidth ?? 5))[0]
        let n = request.samples ?? 20
        var counts: [String: Int] = [:], valid = 0
        if n > 0 {
            let repeated = LatentPoints(width: point.width, means: (0..<n).flatMap { _ in mean })
            for m in model.decode(repeated, method: .sample(temperature: 1), seed: request.seed ?? 1) {
                counts[m.canonical ?? "", default: 0] += 1
                if m.isValid { valid += 1 }
            }
        }
        let sampled = counts.map { CountedMolecule(smiles: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.smiles < $1.smiles }
        var predicted: [String: Double] = [:]
        if let names = model.normalization?.names {
            for (name, value) in zip(names, model.predictedProperties(one)) where value.isFinite { predicted[name] = value }
        }
        return EncodeResponse(canonical: canonical, latent: mean, latentNorm: mean.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot(),
                              properties: Self.properties(of: canonical), predicted: predicted,
                              reconstructs: greedy.canonical == canonical, greedy: Self.decoding(greedy), beam: Self.decoding(beam),
                              sampled: sampled, sampledValid: valid, domainWarnings: domainWarnings(point, field: "smiles"))
    }

    func neighbors(_ request: NeighborsRequest) throws -> NeighborsResponse {
        let point = try encoded(request.smiles, field: "smiles")
        let found = try model.neighbors(of: request.smiles, count: request.count ?? 12, radius: request.radius ?? 1,
                                        shape: NeighborhoodShape(rawValue: request.shape ?? "gaussian")!, seed: request.seed ?? 1)
        return NeighborsResponse(
            query: found.query, queryProperties: Self.properties(of: found.query),
            neighbors: found.neighbors.map { NeighborItem(smiles: $0.smiles, similarity: $0.similarity, distance: $0.distance, count: $0.count,
                                                          properties: Self.properties(of: $0.smiles)) },
            pointsDecoded: found.pointsDecoded, validDecodings: found.validDecodings, queryDecodings: found.queryDecodings,
            domainWarnings: domainWarnings(point, field: "smiles"))
    }

    func interpolate(_ request: InterpolateRequest) throws -> InterpolateResponse {
        let from = try encoded(request.from, field: "from"), to = try encoded(request.to, field: "to")
        let path = try model.interpolate(from: request.from, to: request.to, steps: request.steps ?? 10, spherical: request.spherical ?? false)
        return InterpolateResponse(from: path.from, to: path.to, spherical: path.spherical, steps: path.steps.map {
            InterpolationItem(t: $0.t, smiles: $0.molecule.smiles, canonical: $0.molecule.canonical, valid: $0.molecule.isValid, new: $0.isFirstAppearance)
        }, domainWarnings: domainWarnings(from, field: "from") + domainWarnings(to, field: "to") + path.endWarnings)
    }

    /// The material's two-dimensional interpolation: z(u, v) = (1−u)(1−v)·a + u(1−v)·b + (1−u)v·c + uv·d
    /// for the latent means a, b, c, d of the four corners, on an N x N grid of (u, v) in [0, 1]².
    func grid(_ request: GridRequest) throws -> GridResponse {
        let corners = try request.corners.enumerated().map { try encoded($0.element, field: "corners[\($0.offset)]") }
        let (a, b, c, d) = (corners[0].mean(0), corners[1].mean(0), corners[2].mean(0), corners[3].mean(0))
        let n = request.size ?? 5, width = model.config.latentSize
        var means: [Float] = []
        means.reserveCapacity(n * n * width)
        for row in 0..<n {
            let v = Float(row) / Float(n - 1)
            for column in 0..<n {
                let u = Float(column) / Float(n - 1)
                for k in 0..<width {
                    means.append((1 - u) * (1 - v) * a[k] + u * (1 - v) * b[k] + (1 - u) * v * c[k] + u * v * d[k])
                }
            }
        }
        let decoded = model.decode(LatentPoints(width: width, means: means), method: .greedy).map(Self.decoding)
        return GridResponse(corners: corners.map { $0.smiles[0] }, size: n, rows: (0..<n).map { Array(decoded[($0 * n)..<(($0 + 1) * n)]) },
                            domainWarnings: corners.enumerated().flatMap { domainWarnings($0.element, field: "corners[\($0.offset)]") })
    }

    func sample(_ request: SampleRequest) throws -> SampleResponse {
        let count = request.count ?? 24, seed = request.seed ?? 1
        let method: DecodingMethod = request.temperature.map { .sample(temperature: $0) } ?? .greedy
        let molecules = try model.samplePrior(count: count, method: method, seed: seed).molecules
        let valid = molecules.compactMap(\.canonical)
        return SampleResponse(count: count, seed: seed, validity: Double(valid.count) / Double(count),
                              uniqueness: valid.isEmpty ? 0 : Double(Set(valid).count) / Double(valid.count),
                              samples: molecules.map { m in
                                  SampleItem(smiles: m.smiles, canonical: m.canonical, valid: m.isValid,
                                             properties: m.canonical.map(Self.properties(of:)) ?? [:])
                              })
    }

    /// Maps already drawn, by request: a dataset map reads and canonicalizes the whole file, so
    /// colouring the same molecules by another property should not do it again.
    private var mapCache: [String: MapResponse] = [:]
    private let mapCacheLock = NSLock()

    func map(_ request: MapRequest) throws -> MapResponse {
        let key = "\(request.source ?? "")|\(request.property ?? "")|\(request.limit ?? 0)|\(request.seed ?? 1)"
        if let cached = mapCacheLock.withLock({ mapCache[key] }) { return cached }
        let response = try drawMap(request)
        mapCacheLock.withLock {
            if mapCache.count >= 32 { mapCache.removeAll() }
            mapCache[key] = response
        }
        return response
    }

    private func drawMap(_ request: MapRequest) throws -> MapResponse {
        let property = request.property ?? "logp"
        try require(MolecularProperty(name: property) != nil,
                    "property: '\(property)' is not one of \(MolecularProperty.allCases.map(\.name).joined(separator: ", "))")
        let limit = request.limit ?? 1000, seed = request.seed ?? 1
        let source = request.source ?? (mapDataPath == nil ? "samples" : "dataset")
        var x: [Double], y: [Double], values: [Double], smiles: [String], explained: [Double], label: String
        if source == "dataset" {
            guard let mapDataPath else { throw BadRequest("source: this server has no dataset for the map (start it with --map-data FILE); use samples") }
            let map = try model.latentMap(of: mapDataPath, colorBy: property, limit: limit, seed: seed)
            (x, y, values, smiles) = (map.x, map.y, map.values, map.smiles)
            explained = [map.explained.0, map.explained.1]
            label = map.source
        } else {
            // The model's own sample: valid prior samples, encoded again (their latent means).
            let molecules = Array(Set(try model.samplePrior(count: limit, seed: seed).molecules.compactMap(\.canonical))).sorted()
            try require(molecules.count >= 2, "source: fewer than 2 valid prior samples to map; raise limit")
            var means: [Float] = []
            smiles = []
            for m in molecules { if let p = try? model.encode(smiles: m) { means += p.means; smiles.append(m) } }
            let pca = PrincipalComponents(points: means, dimensions: model.config.latentSize)
            let xy = pca.project(means, count: 2)
            x = stride(from: 0, to: xy.count, by: 2).map { xy[$0] }
            y = stride(from: 1, to: xy.count, by: 2).map { xy[$0] }
            explained = Array(pca.explainedVarianceRatio.prefix(2))
            values = smiles.map { Self.properties(of: $0)[property.lowercased()] ?? .nan }
            label = "\(smiles.count) distinct valid prior samples"
        }
        return MapResponse(source: label, property: property, x: x, y: y, values: values.map { $0.isFinite ? $0 : nil },
                           smiles: smiles, explained: explained, histograms: [Self.histogram(x), Self.histogram(y)])
    }

    static func histogram(_ values: [Double], bins: Int = 30) -> Histogram {
        let lo = min(values.min() ?? -3, -3), hi = max(values.max() ?? 3, 3)
        let width = (hi - lo) / Double(bins)
        var counts = [Double](repeating: 0, count: bins)
        for v in values { counts[min(bins - 1, max(0, Int((v - lo) / width)))] += 1 }
        let total = Double(max(values.count, 1)) * width
        return Histogram(edges: (0...bins).map { lo + Double($0) * width }, density: counts.map { $0 / total })
    }

    // MARK: Downloads

    /// Samples as CSV: index,smiles,valid,canonical and the RDKit properties.
    static func csv(_ response: SampleResponse) -> String {
        let names = MolecularProperty.allCases.map(\.name)
        var out = "index,smiles,valid,canonical," + names.joined(separator: ",") + "\n"
        for (i, s) in response.samples.enumerated() {
            let values = names.map { s.properties[$0].map { String(format: "%.4f", $0) } ?? "" }
            out += "\(i),\(csvField(s.smiles)),\(s.valid ? 1 : 0),\(csvField(s.canonical ?? "")),\(values.joined(separator: ","))\n"
        }
        return out
    }

    static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
