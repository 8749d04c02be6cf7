/// The rings RDKit 2022.09 perceives when it sanitizes a molecule: `MolOps::findSSSR` (a modified
/// Figueras search) followed by `MolOps::symmetrizeSSSR`, re-written here from
/// Code/GraphMol/FindRings.cpp at Release_2022_09_3 (BSD licence) for one connected molecule.
///
/// Why MolGen copies a defect: it links Debian 12's librdkit (2022.09), whose search returns, on
/// some bridged ring systems, a ring set that is not a cycle basis: a ring bond then lies in no
/// ring. Kekulize pairs double bonds only inside a fused system (rings sharing a bond), so such a
/// molecule can have a Kekulé structure and still fail with "Can't kekulize". RDKit replaced the
/// search in 2026.09 (fe346ab8f, PR #9105); until MolGen links that, the mask must refuse what
/// the linked RDKit refuses, so `SmilesPrefix` asks this copy which rings RDKit will see (RDKit
/// itself would cost a parse per completion the mask checks, and Smiles is pure Swift).
///
/// The result depends on order, so everything follows RDKit's: atoms as written, bonds by RDKit's
/// index (`SmilesPrefix.rdkitBonds`), each atom's neighbours by bond index, and the sets and maps
/// RDKit keeps (of atoms, of ring invariants) taken smallest first as `std::set` and `std::map` do.
/// Checked ring for ring against RDKit on 190,000 generated and MOSES molecules; the tests keep
/// 370 of them (RDKitRingSetTests).
struct RDKitRingSet {
    let atomCount: Int
    let ends: [(Int, Int)]
    /// Each atom's bonds and neighbours, by bond index.
    let neighbours: [[(bond: Int, atom: Int)]]

    /// `bonds` in RDKit's index order; the graph must be connected (SMILES without `.`).
    init(atomCount: Int, bonds: [(Int, Int)]) {
        self.atomCount = atomCount
        ends = bonds
        var neighbours = [[(bond: Int, atom: Int)]](repeating: [], count: atomCount)
        for (k, (a, b)) in bonds.enumerated() {
            neighbours[a].append((k, b))
            neighbours[b].append((k, a))
        }
        self.neighbours = neighbours
    }

    /// The rings `RingInfo` holds after sanitization (atom cycles in RDKit's order), or nil where
    /// RDKit throws (a search that outgrows its queue, a failed internal check, and, not modelled
    /// here, libstdc++'s sort falling back to heapsort): the molecule is refused either way.
    func rings() -> [[Int]]? {
        var search = Search(self)
        guard let (rings, extras) = search.smallestSetOfSmallestRings() else { return nil }
        return symmetrized(rings, extras: extras)
    }

    func bond(_ a: Int, _ b: Int) -> Int {
        neighbours[a].first { $0.atom == b }!.bond
    }

    /// A ring's bonds, from each atom to the next and from the last back to the first.
    func bonds(of ring: [Int]) -> [Int] {
        ring.indices.map { bond(ring[$0], ring[($0 + 1) % ring.count]) }
    }

    /// `symmetrizeSSSR`: an extra ring found by the search joins the set when it could replace one
    /// of the same size without losing a bond that ring alone provides.
    func symmetrized(_ rings: [[Int]], extras: [[Int]]) -> [[Int]] {
        var result = rings
        let ringBonds = rings.map(bonds(of:))
        var count = [Int](repeating: 0, count: ends.count)
        for ring in ringBonds { for k in ring { count[k] += 1 } }
        for extra in extras {
            let extraBonds = bonds(of: extra)
            for ring in ringBonds where ring.count == extraBonds.count {
                var shares = false, providesUnique = true
                for k in ring where count[k] == 1 || !shares {
                    if extraBonds.contains(k) { shares = true } else if count[k] == 1 { providesUnique = false }
                }
                if shares && providesUnique {
                    result.append(extra)
                    break
                }
            }
        }
        return result
    }

    /// The state of one `findSSSR` run: bonds still active, atom degrees over them, the rings found.
    struct Search {
        let graph: RDKitRingSet
        var active: [Bool]
        var degree: [Int]
        /// Bonds and atoms of the rings found from degree-2 atoms and by the path search (RDKit
        /// marks no others).
        var ringBond: [Bool], ringAtom: [Bool]
        var found: [[Int]] = []
        var keys = Set<Bits>()

        init(_ graph: RDKitRingSet) {
            self.graph = graph
            active = [Bool](repeating: true, count: graph.ends.count)
            degree = graph.neighbours.map(\.count)
            ringBond = [Bool](repeating: false, count: graph.ends.count)
            ringAtom = [Bool](repeating: false, count: graph.atomCount)
        }

        var atomCount: Int { graph.atomCount }

        /// A ring's invariant: its atoms as a bit set (a ring is new when its atom set is).
        func key(_ ring: [Int]) -> Bits { Bits(count: atomCount, ring) }

        /// Adds a ring not seen before; `mark` also records its bonds and atoms as ring bonds and atoms.
        @discardableResult
        mutating func add(_ ring: [Int], mark: Bool = false) -> Bool {
            guard keys.insert(key(ring)).inserted else { return false }
            found.append(ring)
            if mark {
                for k in graph.bonds(of: ring) { ringBond[k] = true }
                for atom in ring { ringAtom[atom] = true }
            }
            return true
        }

        /// `findSSSR` for the one fragment: the rings and the extra rings `removeExtraRings` set aside.
        mutating func smallestSetOfSmallestRings() -> (rings: [[Int]], extras: [[Int]])? {
            let n = atomCount, m = graph.ends.count
            let expected = m - n + 1
            guard n >= 3, expected >= 1 else { return ([], []) }
            var changed = AtomSet(count: n)
            for atom in 0..<n where degree[atom] < 2 { changed.insert(atom) }
            var done = [Bool](repeating: false, count: n), doneCount = 0
            while doneCount < n {
                // Chains first: atoms left with fewer than two bonds are in no ring.
                while let atom = changed.popSmallest() {
                    guard !done[atom] else { continue }
                    done[atom] = true; doneCount += 1
                    trim(atom, &changed, &degree, &active)
                }
                let d2 = degreeTwoNodes()
                if !d2.isEmpty {
                    guard ringsThroughDegreeTwoNodes(d2) else { return nil }
                    for atom in d2 {
                        done[atom] = true; doneCount += 1
                        trim(atom, &changed, &degree, &active)
                    }
                } else if doneCount < n {
                    // No degree-2 atom left: the first of degree 3 (none: the search stops here).
                    guard let atom = (0..<n).first(where: { degree[$0] == 3 }) else { break }
                    guard ringsThroughDegreeThreeNode(atom) else { return nil }
                    done[atom] = true; doneCount += 1
                    trim(atom, &changed, &degree, &active)
                }
            }
            if found.count < expected {
                // Rings the search missed: a shortest new path between the ends of a bond that joins
                // two ring atoms without being a ring bond (RDKit issue 3514824).
                var dead = [Bool](repeating: false, count: m)
                while let k = (0..<m).first(where: { !ringBond[$0] && !dead[$0] && ringAtom[graph.ends[$0].0] && ringAtom[graph.ends[$0].1] }) {
                    switch pathSearch(from: graph.ends[k].0, to: graph.ends[k].1) {
                    case .ring(let ring): add(ring, mark: true)
                    case .noRing: dead[k] = true
                    case .overflow: return nil
                    }
                }
                // Still short: RDKit warns and takes the rings of a depth-first search instead.
                if found.count < expected { return (graph.fastFindRings(), []) }
            }
            if found.count > expected { return graph.removeExtraRings(found) }
            return (found, [])
        }

        /// `trimBonds`: deactivates an atom's bonds; neighbours left with at most one go to `changed`.
        func trim(_ atom: Int, _ changed: inout AtomSet, _ degree: inout [Int], _ active: inout [Bool]) {
            for (k, other) in graph.neighbours[atom] where active[k] {
                if degree[other] <= 2 { changed.insert(other) }
                active[k] = false
                degree[other] -= 1
                degree[atom] -= 1
            }
        }

        /// `pickD2Nodes`: degree-2 atoms, one per chain of them (the first in atom order).
        func degreeTwoNodes() -> [Int] {
            var nodes: [Int] = [], represented = [Bool](repeating: false, count: atomCount)
            func markChain(_ atom: Int) {
                for (k, other) in graph.neighbours[atom] where active[k] && !represented[other] && degree[other] == 2 {
                    represented[other] = true
                    markChain(other)
                }
            }
            while let root = (0..<atomCount).first(where: { degree[$0] == 2 && !represented[$0] }) {
                nodes.append(root)
                represented[root] = true
                markChain(root)
            }
            return nodes
        }

        /// `findRingsD2nodes`: the smallest rings through each degree-2 node; nodes that found the
        /// same ring are looked at again with the others cut off (`findSSSRforDupCands`).
        mutating func ringsThroughDegreeTwoNodes(_ nodes: [Int]) -> Bool {
            var nodesByRing: [Bits: [Int]] = [:]
            var duplicates: [Int: [Int]] = [:]
            var ringsByNode: [Int: [Bits]] = [:]
            for node in nodes {
                let rings = smallestRings(from: node, active: active)
                for ring in rings {
                    let key = key(ring)
                    add(ring, mark: true)
                    ringsByNode[node, default: []].append(key)
                    for other in ringsByNode.keys.sorted() where other != node && ringsByNode[other]!.contains(key) {
                        duplicates[node, default: []].append(other)
                        duplicates[other, default: []].append(node)
                    }
                    nodesByRing[key, default: []].append(node)
                }
                if rings.isEmpty {
                    // A node on no ring: its whole chain goes (RDKit keeps the bonds of nodes that found one).
                    var chain = AtomSet(count: atomCount)
                    chain.insert(node)
                    while let atom = chain.popSmallest() { trim(atom, &chain, &degree, &active) }
                }
            }
            for key in nodesByRing.keys.sorted() {
                let nodes = nodesByRing[key]!
                guard nodes.count > 1 else { continue }
                var rings: [[Int]] = [], smallest = Int.max
                for node in nodes {
                    guard let others = duplicates[node] else { return false }   // RDKit's CHECK_INVARIANT
                    var degree = self.degree, active = self.active, changed = AtomSet(count: atomCount)
                    for other in others { trim(other, &changed, &degree, &active) }
                    for ring in smallestRings(from: node, active: active) {
                        smallest = min(smallest, ring.count)
                        rings.append(ring)
                    }
                }
                for ring in rings where ring.count == smallest { add(ring) }
            }
            return true
        }

        /// `findRingsD3Node` (RDKit's own step, not Figueras's): the smallest rings through a
        /// degree-3 atom and, when fewer than three, the smallest that avoid one neighbour (the one
        /// two rings share, or each of the one ring's two in turn).
        mutating func ringsThroughDegreeThreeNode(_ atom: Int) -> Bool {
            let rings = smallestRings(from: atom, active: active)
            for ring in rings { add(ring) }
            guard rings.count < 3, !rings.isEmpty else { return true }
            let near = graph.neighbours[atom].filter { active[$0.bond] }.map(\.atom)
            guard near.count >= 3 else { return false }
            let (n1, n2, n3) = (near[0], near[1], near[2])
            var avoid: [Int]
            if rings.count == 2 {
                guard let shared = [n1, n2, n3].first(where: { rings[0].contains($0) && rings[1].contains($0) }) else { return false }
                avoid = [shared]
            } else if !rings[0].contains(n1) { avoid = [n3, n2] }
            else if !rings[0].contains(n2) { avoid = [n3, n1] }
            else if !rings[0].contains(n3) { avoid = [n2, n1] }
            else { return false }
            for forbidden in avoid {
                for ring in smallestRings(from: atom, active: active, forbidden: forbidden) { add(ring) }
            }
            return true
        }

        /// `smallestRingsBfs`: breadth first from `root` with one parent per atom; every ring closed
        /// by meeting an atom seen before, of the smallest size found, whose two paths meet only at
        /// the root. `forbidden` is an atom the rings may not contain.
        func smallestRings(from root: Int, active: [Bool], forbidden: Int? = nil) -> [[Int]] {
            let white: UInt8 = 0, grey: UInt8 = 1, black: UInt8 = 2
            var state = [UInt8](repeating: white, count: atomCount)
            var parent = [Int](repeating: -1, count: atomCount), depth = [Int](repeating: 0, count: atomCount)
            if let forbidden { state[forbidden] = black }
            var queue = [root], head = 0
            var rings: [[Int]] = [], smallest = Int.max
            while head < queue.count {
                let current = queue[head]
                head += 1
                state[current] = black
                let nextDepth = depth[current] + 1
                if nextDepth > smallest { break }
                for (k, other) in graph.neighbours[current] where active[k] {
                    if state[other] == black || parent[current] == other { continue }
                    if state[other] == white {
                        parent[other] = current; state[other] = grey; depth[other] = nextDepth
                        queue.append(other)
                        continue
                    }
                    // Two paths meet: root ... current, other ... (up to the root, excluded).
                    var back = [other], p = parent[other]
                    while p != -1 && p != root { back.append(p); p = parent[p] }
                    var forward = [current]
                    p = parent[current]
                    var disjoint = true
                    while p != -1 {
                        if forward.contains(p) || back.contains(p) { disjoint = false; break }
                        forward.append(p)
                        p = parent[p]
                    }
                    guard disjoint else { continue }
                    let ring = forward.reversed() + back
                    if ring.count > 1 {
                        if ring.count > smallest { return rings }
                        smallest = ring.count
                        rings.append(ring)
                    }
                }
            }
            return rings
        }

        /// `_atomSearchBFS`: the first path (breadth first, over every bond, through ring atoms
        /// only) from `start` to `end` that is not the bond itself and makes a ring not found yet.
        func pathSearch(from start: Int, to end: Int) -> PathSearch {
            // Paths as a tree of (atom, index of the path it extends).
            var paths = [(atom: start, parent: -1)], head = 0
            func path(_ i: Int) -> [Int] {
                var atoms: [Int] = [], i = i
                while i >= 0 { atoms.append(paths[i].atom); i = paths[i].parent }
                return atoms.reversed()
            }
            func contains(_ i: Int, _ atom: Int) -> Bool {
                var i = i
                while i >= 0 { if paths[i].atom == atom { return true }; i = paths[i].parent }
                return false
            }
            while head < paths.count {
                if paths.count - head >= 200_000 { return .overflow }
                let i = head, current = paths[head].atom
                head += 1
                for (_, other) in graph.neighbours[current] {
                    if other == end {
                        guard current != start else { continue }
                        let ring = path(i) + [end]
                        if !keys.contains(key(ring)) { return .ring(ring) }
                    } else if ringAtom[other] && !contains(i, other) {
                        paths.append((other, i))
                    }
                }
            }
            return .noRing
        }
    }

    /// What the path search found: a new ring, nothing, or more paths than RDKit queues (it throws).
    enum PathSearch { case ring([Int]), noRing, overflow }

    /// `removeExtraRings`: with more rings than the cyclomatic number, keep (smallest first, then
    /// among rings of one size the one sharing most bonds with those kept) each ring that adds a bond.
    func removeExtraRings(_ rings: [[Int]]) -> (rings: [[Int]], extras: [[Int]])? {
        var order = Array(rings.indices)
        guard Self.libstdcxxSort(&order, by: { rings[$0].count < rings[$1].count }) else { return nil }
        let sorted = order.map { rings[$0] }
        let bondSets = sorted.map { Bits(count: ends.count, bonds(of: $0)) }
        let size = sorted.map(\.count)
        var available = [Bool](repeating: true, count: sorted.count), keep = [Bool](repeating: false, count: sorted.count)
        var union = Bits(count: ends.count)
        for i in sorted.indices {
            if bondSets[i].isSubset(of: union) { available[i] = false }
            guard available[i] else { continue }
            union.formUnion(bondSets[i])
            keep[i] = true
            var consider = Set((i + 1..<sorted.count).filter { available[$0] && size[$0] == size[i] })
            while !consider.isEmpty {
                var best = i + 1, bestOverlap = -1
                var j = i + 1
                while j < sorted.count && size[j] == size[i] {
                    if consider.contains(j) && available[j] {
                        let overlap = bondSets[j].intersectionCount(union)
                        if overlap > bestOverlap { bestOverlap = overlap; best = j }
                    }
                    j += 1
                }
                consider.remove(best)
                available[best] = false
                if !bondSets[best].isSubset(of: union) {
                    keep[best] = true
                    union.formUnion(bondSets[best])
                }
            }
        }
        return (sorted.indices.filter { keep[$0] }.map { sorted[$0] }, sorted.indices.filter { !keep[$0] }.map { sorted[$0] })
    }

    /// `fastFindRings`: a ring for every back edge of a depth-first search (RDKit's fallback).
    func fastFindRings() -> [[Int]] {
        var color = [UInt8](repeating: 0, count: atomCount), order: [Int] = [], rings: [[Int]] = []
        func visit(_ atom: Int, from: Int) {
            color[atom] = 1
            order.append(atom)
            for (_, other) in neighbours[atom] {
                if color[other] == 0 {
                    if neighbours[other].count < 2 { color[other] = 2 } else { visit(other, from: atom) }
                } else if color[other] == 1 && from >= 0 && other != from {
                    rings.append(Array(order.reversed().prefix { $0 != other }) + [other])
                }
            }
            color[atom] = 2
            order.removeLast()
        }
        for atom in 0..<atomCount where color[atom] == 0 {
            if neighbours[atom].count < 2 { color[atom] = 2 } else { visit(atom, from: -1) }
        }
        return rings
    }

    /// libstdc++'s `std::sort` (introsort: median-of-three quicksort down to runs of 16, then one
    /// insertion sort), which is not stable: RDKit's `removeExtraRings` keeps rings in the order it
    /// leaves equal sizes in. False where libstdc++ would switch to heapsort (not modelled).
    static func libstdcxxSort(_ v: inout [Int], by less: (Int, Int) -> Bool) -> Bool {
        let n = v.count
        guard n > 1 else { return true }
        func medianToFirst(_ result: Int, _ a: Int, _ b: Int, _ c: Int) {
            if less(v[a], v[b]) {
                if less(v[b], v[c]) { v.swapAt(result, b) } else if less(v[a], v[c]) { v.swapAt(result, c) } else { v.swapAt(result, a) }
            } else if less(v[a], v[c]) { v.swapAt(result, a) }
            else if less(v[b], v[c]) { v.swapAt(result, c) }
            else { v.swapAt(result, b) }
        }
        func partition(_ first: Int, _ last: Int, _ pivot: Int) -> Int {
            var first = first, last = last
            while true {
                while less(v[first], v[pivot]) { first += 1 }
                last -= 1
                while less(v[pivot], v[last]) { last -= 1 }
                if first >= last { return first }
                v.swapAt(first, last)
                first += 1
            }
        }
        func introsort(_ first: Int, _ last: Int, _ depth: Int) -> Bool {
            var last = last, depth = depth
            while last - first > 16 {
                if depth == 0 { return false }
                depth -= 1
                medianToFirst(first, first + 1, first + (last - first) / 2, last - 1)
                let cut = partition(first + 1, last, first)
                guard introsort(cut, last, depth) else { return false }
                last = cut
            }
            return true
        }
        func linearInsert(_ i: Int) {
            let value = v[i]
            var j = i - 1
            while less(value, v[j]) { v[j + 1] = v[j]; j -= 1 }
            v[j + 1] = value
        }
        func insertionSort(_ first: Int, _ last: Int) {
            for i in first + 1..<last {
                if less(v[i], v[first]) {
                    let value = v[i]
                    for j in stride(from: i, to: first, by: -1) { v[j] = v[j - 1] }
                    v[first] = value
                } else {
                    linearInsert(i)
                }
            }
        }
        guard introsort(0, n, 2 * (Int.bitWidth - 1 - n.leadingZeroBitCount)) else { return false }
        if n > 16 {
            insertionSort(0, 16)
            for i in 16..<n { linearInsert(i) }
        } else {
            insertionSort(0, n)
        }
        return true
    }
}

/// A fixed-size bit set (`boost::dynamic_bitset`): ring invariants over atoms, ring bonds over
/// bonds. Ordered as RDKit's `std::set` orders its bitsets: as numbers, highest bit first.
struct Bits: Hashable, Comparable {
    var words: [UInt64]

    init(count: Int, _ members: [Int] = []) {
        words = [UInt64](repeating: 0, count: (count + 63) / 64)
        for i in members { words[i / 64] |= 1 << UInt64(i % 64) }
    }

    func isSubset(of other: Bits) -> Bool { zip(words, other.words).allSatisfy { $0 & ~$1 == 0 } }
    mutating func formUnion(_ other: Bits) { for i in words.indices { words[i] |= other.words[i] } }
    func intersectionCount(_ other: Bits) -> Int { zip(words, other.words).reduce(0) { $0 + ($1.0 & $1.1).nonzeroBitCount } }

    static func < (a: Bits, b: Bits) -> Bool {
        for i in a.words.indices.reversed() where a.words[i] != b.words[i] { return a.words[i] < b.words[i] }
        return false
    }
}

/// `std::set<int>` of atoms as the search uses it: insert, and take the smallest.
struct AtomSet {
    private var member: [Bool]
    private var count = 0

    init(count: Int) { member = [Bool](repeating: false, count: count) }

    mutating func insert(_ atom: Int) {
        if !member[atom] { member[atom] = true; count += 1 }
    }

    mutating func popSmallest() -> Int? {
        guard count > 0, let atom = member.firstIndex(of: true) else { return nil }
        member[atom] = false
        count -= 1
        return atom
    }
}
