import Foundation

// The JSON the API reads and writes. Keys are snake_case on the wire (`min_similarity`); every
// request type checks its own limits in `validate()` and names the field it rejects.

/// A request the client got wrong: answered with HTTP 400 and `{"error": message}`.
public struct BadRequest: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Limits on what one request may ask for, so no request can occupy the server for long.
public struct InputLimits: Sendable {
    public var smilesLength = 200
    public var neighbors = 50
    public var interpolationSteps = 40
    public var gridSize = 9
    public var optimizationSteps = 500
    public var samples = 500
    public var sampledDecodings = 100
    public var mapMolecules = 2000
    public init() {}
}

func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw BadRequest(message()) }
}

func checkSMILES(_ smiles: String, field: String, limits: InputLimits) throws {
    try require(!smiles.trimmingCharacters(in: .whitespaces).isEmpty, "\(field): a SMILES string is required")
    try require(smiles.count <= limits.smilesLength, "\(field): \(smiles.count) characters exceed the limit of \(limits.smilesLength)")
}

// MARK: Requests

struct EncodeRequest: Decodable {
    var smiles: String
    /// Sampled decodings of the latent mean (counted by molecule).
    var samples: Int?
    var beamWidth: Int?
    var seed: UInt64?

    func validate(_ limits: InputLimits) throws {
        try checkSMILES(smiles, field: "smiles", limits: limits)
        if let samples { try require((0...limits.sampledDecodings).contains(samples), "samples: \(samples) must be 0 to \(limits.sampledDecodings)") }
        if let beamWidth { try require((1...10).contains(beamWidth), "beam_width: \(beamWidth) must be 1 to 10") }
    }
}

struct NeighborsRequest: Decodable {
    var smiles: String
    var count: Int?
    var radius: Float?
    var shape: String?
    var seed: UInt64?

    func validate(_ limits: InputLimits) throws {
        try checkSMILES(smiles, field: "smiles", limits: limits)
        if let count { try require((1...limits.neighbors).contains(count), "count: \(count) must be 1 to \(limits.neighbors)") }
        if let radius { try require(radius.isFinite && radius > 0 && radius <= 10, "radius: must be a number above 0 and at most 10") }
        if let shape { try require(["gaussian", "sphere"].contains(shape), "shape: '\(shape)' is not gaussian or sphere") }
    }
}

struct InterpolateRequest: Decodable {
    var from: String
    var to: String
    var steps: Int?
    var spherical: Bool?

    func validate(_ limits: InputLimits) throws {
        try checkSMILES(from, field: "from", limits: limits)
        try checkSMILES(to, field: "to", limits: limits)
        if let steps { try require((2...limits.interpolationSteps).contains(steps), "steps: \(steps) must be 2 to \(limits.interpolationSteps)") }
    }
}

struct GridRequest: Decodable {
    /// Four molecules: top-left, top-right, bottom-left, bottom-right.
    var corners: [String]
    var size: Int?

    func validate(_ limits: InputLimits) throws {
        try require(corners.count == 4, "corners: give exactly 4 SMILES (top-left, top-right, bottom-left, bottom-right), not \(corners.count)")
        for (i, c) in corners.enumerated() { try checkSMILES(c, field: "corners[\(i)]", limits: limits) }
        if let size { try require((2...limits.gridSize).contains(size), "size: \(size) must be 2 to \(limits.gridSize)") }
    }
}

struct OptimizeRequest: Decodable {
    var objective: String
    var start: String?
    var minimize: Bool?
    var steps: Int?
    var minSimilarity: Double?
    var learningRate: Float?
    var seed: UInt64?

    func validate(_ limits: InputLimits) throws {
        if let start { try checkSMILES(start, field: "start", limits: limits) }
        if let steps { try require((1...limits.optimizationSteps).contains(steps), "steps: \(steps) must be 1 to \(limits.optimizationSteps)") }
        if let minSimilarity { try require((0...1).contains(minSimilarity), "min_similarity: \(minSimilarity) must be 0 to 1") }
        if let learningRate { try require(learningRate.isFinite && learningRate > 0 && learningRate <= 10, "learning_rate: must be above 0 and at most 10") }
    }
}

struct SampleRequest: Decodable {
    var count: Int?
    var seed: UInt64?
    var temperature: Float?

    func validate(_ limits: InputLimits) throws {
        if let count { try require((1...limits.samples).contains(count), "count: \(count) must be 1 to \(limits.samples)") }
        if let temperature { try require(temperature.isFinite && temperature > 0 && temperature <= 5, "temperature: must be above 0 and at most 5") }
    }
}

struct MapRequest: Decodable {
    /// `dataset` (the file given to `serve --map-data`) or `samples` (the model's own prior samples).
    var source: String?
    var property: String?
    var limit: Int?
    var seed: UInt64?

    func validate(_ limits: InputLimits) throws {
        if let source { try require(["dataset", "samples"].contains(source), "source: '\(source)' is not dataset or samples") }
        if let limit { try require((10...limits.mapMolecules).contains(limit), "limit: \(limit) must be 10 to \(limits.mapMolecules)") }
    }
}

// MARK: Responses

/// A decoded molecule: what the decoder spelled, and RDKit's canonical form when it is valid.
struct Decoding: Codable, Equatable {
    var smiles: String
    var canonical: String?
    var valid: Bool
}

struct CountedMolecule: Codable, Equatable {
    var smiles: String
    var count: Int
}

struct EncodeResponse: Codable, Equatable {
    var canonical: String
    var latent: [Float]
    var latentNorm: Double
    /// RDKit's values (logp, qed, sas, mw, plogp).
    var properties: [String: Double]
    /// The property head's predictions at the latent mean.
    var predicted: [String: Double]
    /// Whether greedy decoding of the latent mean gives the molecule back.
    var reconstructs: Bool
    var greedy: Decoding
    var beam: Decoding
    /// Sampled decodings (temperature 1) of the mean, most frequent first; invalid ones count under "".
    var sampled: [CountedMolecule]
    var sampledValid: Int
    /// Why the molecule is outside the model's applicability domain (empty when it is inside).
    var domainWarnings: [String]
}

struct NeighborItem: Codable, Equatable {
    var smiles: String
    var similarity: Double
    var distance: Double
    var count: Int
    var properties: [String: Double]
}

struct NeighborsResponse: Codable, Equatable {
    var query: String
    var queryProperties: [String: Double]
    var neighbors: [NeighborItem]
    var pointsDecoded: Int
    var validDecodings: Int
    var queryDecodings: Int
    var domainWarnings: [String]
}

struct InterpolationItem: Codable, Equatable {
    var t: Double
    var smiles: String
    var canonical: String?
    var valid: Bool
    var new: Bool
}

struct InterpolateResponse: Codable, Equatable {
    var from: String
    var to: String
    var spherical: Bool
    var steps: [InterpolationItem]
    /// Ends outside the model's applicability domain, and ends that do not decode to themselves.
    var domainWarnings: [String]
}

struct GridResponse: Codable, Equatable {
    var corners: [String]
    var size: Int
    /// size x size decodings, row by row; the corners are the four molecules' own decodings.
    var rows: [[Decoding]]
    var domainWarnings: [String]
}

struct SampleItem: Codable, Equatable {
    var smiles: String
    var canonical: String?
    var valid: Bool
    var properties: [String: Double]
}

struct SampleResponse: Codable, Equatable {
    var count: Int
    var seed: UInt64
    var validity: Double
    var uniqueness: Double
    var samples: [SampleItem]
}

struct Histogram: Codable, Equatable {
    /// Bin edges (bins + 1 values) and the density of each bin (integrates to 1).
    var edges: [Double]
    var density: [Double]
}

struct MapResponse: Codable, Equatable {
    var source: String
    var property: String
    var x: [Double]
    var y: [Double]
    var values: [Double?]
    var smiles: [String]
    var explained: [Double]
    /// Histograms of the PC1 and PC2 coordinates; the page overlays the N(0, 1) density, which is
    /// the prior N(0, I) seen along any unit direction.
    var histograms: [Histogram]
}

struct ModelInfo: Codable, Equatable {
    var model: String
    var latentSize: Int
    var maxLength: Int
    var properties: [String]
    var predictedProperties: [String]
    var mapData: String?
    var limits: [String: Int]
    /// What the model was trained on (nil for a model file without a stored domain).
    var domain: String?
}
