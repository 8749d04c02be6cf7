import Engine
import Foundation

/// Max-cut as a Hopfield energy: split a graph's vertices into two sides (s_i = ±1) to cut as many
/// edges as possible. With W_ij = -1 on every edge, E(s) = -½ sᵀWs = Σ_edges s_i s_j, and
/// cut(s) = (|edges| - E(s)) / 2, so the network's descent to a local energy minimum is a local
/// search for a large cut.
public struct MaxCut: Sendable {
    public let vertices: Int
    public let edges: [(Int, Int)]

    /// A random graph G(n, p).
    public init(vertices: Int, edgeProbability: Double, seed: UInt64) throws {
        guard (2...24).contains(vertices) else { throw HopfieldError("--vertices: \(vertices) must be between 2 and 24 (the optimum is enumerated)") }
        guard edgeProbability.isFinite, (0...1).contains(edgeProbability) else {
            throw HopfieldError("--edge-probability: \(edgeProbability) must be between 0 and 1")
        }
        let rng = RandomGenerator(seed: seed)
        var edges: [(Int, Int)] = []
        for i in 0..<vertices { for j in (i + 1)..<vertices where Double(rng.uniform()) < edgeProbability { edges.append((i, j)) } }
        self.vertices = vertices; self.edges = edges
    }

    public var network: HopfieldNetwork {
        var w = [Double](repeating: 0, count: vertices * vertices)
        for (i, j) in edges { w[i * vertices + j] = -1; w[j * vertices + i] = -1 }
        return HopfieldNetwork(units: vertices, weights: w)
    }

    public func cut(_ s: [Double]) -> Int { edges.filter { s[$0.0] != s[$0.1] }.count }

    /// The best cut by enumerating every split (vertex 0 fixed on one side: a split and its mirror
    /// cut the same edges), one vertex moved per step in Gray-code order.
    public func optimum() -> (cut: Int, state: [Double]) {
        var neighbours = [[Int]](repeating: [], count: vertices)
        for (i, j) in edges { neighbours[i].append(j); neighbours[j].append(i) }
        var s = [Double](repeating: 1, count: vertices)
        var cut = 0, best = (cut: 0, state: s)
        for step in 1..<(1 << (vertices - 1)) {
            let v = step.trailingZeroBitCount + 1  // Gray code: move this vertex
            for u in neighbours[v] { cut += s[u] == s[v] ? 1 : -1 }
            s[v] = -s[v]
            if cut > best.cut { best = (cut, s) }
        }
        return best
    }

    /// The Hopfield network's answer: asynchronous descent from `restarts` random states, the best
    /// end kept; `endCuts` are the cuts where the restarts ended.
    public func solve(restarts: Int, seed: UInt64) throws -> (state: [Double], endCuts: [Int]) {
        guard (1...100_000).contains(restarts) else { throw HopfieldError("--restarts: \(restarts) must be between 1 and 100000") }
        let rng = RandomGenerator(seed: seed)
        let network = network
        let ends = (0..<restarts).map { _ in network.run(from: randomPattern(units: vertices, using: rng)).state }
        let cuts = ends.map(cut)
        return (ends[cuts.indices.max { cuts[$0] < cuts[$1] }!], cuts)
    }
}
