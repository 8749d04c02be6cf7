/// The parser state of a SMILES prefix, as `SmilesGrammar` reads it: the atoms and bonds so far,
/// where the next bond attaches, open branches and rings, and a pending bond symbol.
public struct SmilesPrefix {
    struct Atom {
        var kind: AtomKind
        /// Bond orders counted against the valence (aromatic bonds as 1, open ring bonds included).
        var used = 0
        /// Aromatic bonds and the order sum of the others (closed bonds only).
        var aromaticBonds = 0, otherOrder = 0
        var degree = 0

        /// RDKit's largest valence minus stated hydrogens: what bonds may use.
        var capacity: Int { kind.element.maxValence - kind.explicitHydrogens }
        func canTake(_ order: Int) -> Bool { used + order <= capacity }
    }

    /// A bond: its atoms and order (1, 2, 3, or `aromatic`).
    struct Bond { var a: Int, b: Int, order: Int }
    static let aromatic = 4
    /// The most atoms a fused aromatic system may have (see `hasKekuleMatching`).
    static let largestAromaticSystem = 20

    struct OpenRing { var label: Int, atom: Int, order: Int }   // order 0: not written at the opening

    enum Last { case nothing, atom, bond, branchOpen, branchClose, ring }

    var atoms: [Atom] = []
    var bonds: [Bond] = []
    var current = -1
    var branches: [Int] = []
    var branchIsEmpty = false
    var pendingBond = 0
    /// Whether the pending bond was written right after an atom or ring digit (so a ring digit may follow).
    var bondFollowsAtom = false
    var openRings: [OpenRing] = []
    var last = Last.nothing
    /// Char tokenizer: the bytes of a bracket atom being spelled, from its `[`.
    var bracketBuffer: [UInt8]?
    /// Atoms written so far (bracket hydrogens included).
    public var atomCount: Int { atoms.count }
    /// Tokens taken so far (not counting `<end>`).
    public internal(set) var tokens = 0
    public internal(set) var ended = false
    /// The decoder asked to end while something was still open: from then on constrained
    /// decoding prefers the tokens that close it (`SmilesGrammar.choose`).
    public var finishing = false

    /// Nothing is left open: the string could end here (if its chemistry is right).
    public var isComplete: Bool {
        !atoms.isEmpty && bracketBuffer == nil && pendingBond == 0 && branches.isEmpty && openRings.isEmpty
    }

    /// Set once an aromatic atom is written (it stays).
    var hasAromaticAtom = false

    /// Tokens known to finish this prefix as a valid molecule, kept from the check that let its
    /// last token through: a decoder that goes on along them needs no new check (nil: not known).
    var witness: [Int]?
    /// The token `SmilesGrammar.choose` last let through and the completion found after it, for
    /// `append` to keep as the next witness.
    var verified: (token: Int, completion: [Int])?
    /// Whether a completion is kept (`witness`).
    public var hasWitness: Bool { witness != nil }

    var canStartAtom: Bool { atoms.isEmpty ? pendingBond == 0 : current >= 0 }

    // MARK: Tokens

    mutating func addAtom(_ kind: AtomKind) -> Bool {
        guard canStartAtom else { return false }
        let index = atoms.count
        atoms.append(Atom(kind: kind))
        guard atoms[index].capacity >= 0 else { return false }
        if kind.isAromatic { hasAromaticAtom = true }
        if index > 0 {
            let order = pendingBond > 0 ? pendingBond : (kind.isAromatic && atoms[current].kind.isAromatic ? Self.aromatic : 1)
            let counted = order == Self.aromatic ? 1 : order
            guard atoms[current].canTake(counted), atoms[index].canTake(counted) else { return false }
            atoms[current].used += counted
            atoms[index].used += counted
            guard connect(current, index, order) else { return false }
        }
        current = index
        pendingBond = 0
        branchIsEmpty = false
        last = .atom
        return true
    }

    mutating func addBond(_ order: Int) -> Bool {
        guard current >= 0, pendingBond == 0, bracketBuffer == nil, last != .bond, last != .nothing,
              atoms[current].canTake(order) else { return false }
        bondFollowsAtom = last == .atom || last == .ring
        pendingBond = order
        last = .bond
        return true
    }

    mutating func openBranch() -> Bool {
        guard current >= 0, pendingBond == 0, last == .atom || last == .ring || last == .branchClose,
              atoms[current].canTake(1) else { return false }
        branches.append(current)
        branchIsEmpty = true
        last = .branchOpen
        return true
    }

    mutating func closeBranch() -> Bool {
        guard let top = branches.last, pendingBond == 0, !branchIsEmpty,
              last == .atom || last == .ring || last == .branchClose else { return false }
        branches.removeLast()
        current = top
        last = .branchClose
        return true
    }

    /// A ring-closure digit: closes the ring of that label if open, else opens it here.
    mutating func ringLabel(_ label: Int) -> Bool {
        guard current >= 0, last == .atom || last == .ring || (last == .bond && bondFollowsAtom) else { return false }
        if let r = openRings.firstIndex(where: { $0.label == label }) {
            let ring = openRings[r]
            guard let order = closingOrder(ring, written: pendingBond) else { return false }
            let counted = order == Self.aromatic ? 1 : order
            let reserved = ring.order > 0 ? ring.order : 1
            atoms[ring.atom].used += counted - reserved
            atoms[current].used += counted
            guard connect(ring.atom, current, order) else { return false }
            openRings.remove(at: r)
        } else {
            let reserved = pendingBond > 0 ? pendingBond : 1
            guard atoms[current].canTake(reserved) else { return false }
            atoms[current].used += reserved
            openRings.append(OpenRing(label: label, atom: current, order: pendingBond))
        }
        pendingBond = 0
        last = .ring
        return true
    }

    /// The order of the bond that closing `ring` at the current atom would make (with `written`,
    /// a bond symbol before the digit, or 0), or nil when RDKit would refuse it.
    func closingOrder(_ ring: OpenRing, written: Int) -> Int? {
        guard ring.atom != current, !areBonded(ring.atom, current) else { return nil }
        if ring.order > 0 && written > 0 && ring.order != written { return nil }
        let stated = max(ring.order, written)
        let order = stated > 0 ? stated : (atoms[ring.atom].kind.isAromatic && atoms[current].kind.isAromatic ? Self.aromatic : 1)
        let counted = order == Self.aromatic ? 1 : order
        let reserved = ring.order > 0 ? ring.order : 1
        guard atoms[ring.atom].used - reserved + counted <= atoms[ring.atom].capacity, atoms[current].canTake(counted) else { return nil }
        return order
    }

    func canClose(_ ring: OpenRing, order written: Int) -> Bool { closingOrder(ring, written: written) != nil }

    /// Char tokenizer: `l` after `C` makes `Cl`, `r` after `B` makes `Br`.
    mutating func extendToHalogen(_ kind: AtomKind) -> Bool {
        guard last == .atom, current == atoms.count - 1, bracketBuffer == nil else { return false }
        let expected: OrganicElement = kind == .organic(.Cl) ? .C : .B
        guard atoms[current].kind == .organic(expected), atoms[current].used <= 1,
              atoms[current].aromaticBonds == 0 else { return false }
        atoms[current].kind = kind
        return true
    }

    func areBonded(_ a: Int, _ b: Int) -> Bool {
        bonds.contains { ($0.a == a && $0.b == b) || ($0.a == b && $0.b == a) }
    }

    /// Records a bond; false when an aromatic atom leaves the ordinary valence states (bonds are
    /// never taken away, so that is final).
    private mutating func connect(_ a: Int, _ b: Int, _ order: Int) -> Bool {
        bonds.append(Bond(a: a, b: b, order: order))
        for i in [a, b] {
            atoms[i].degree += 1
            if order == Self.aromatic { atoms[i].aromaticBonds += 1 } else { atoms[i].otherOrder += order }
            if !Self.isOrdinaryAromatic(atoms[i]) { return false }
        }
        return true
    }

    // MARK: The finished molecule

    /// Whether the finished string is a molecule RDKit sanitizes: valences as RDKit computes them
    /// (aromatic bonds 1.5), aromatic atoms in rings, and a Kekulé structure for the aromatic part.
    public func isValidMolecule() -> Bool {
        guard isComplete else { return false }
        // Without aromatic atoms the valence checks made while feeding are RDKit's whole verdict.
        guard hasAromaticAtom else { return true }
        let n = atoms.count
        let inRingBond = ringBonds()
        var inRing = [Bool](repeating: false, count: n)
        for (k, bond) in bonds.enumerated() where inRingBond[k] { inRing[bond.a] = true; inRing[bond.b] = true }
        var candidate = [Bool](repeating: false, count: n)
        for i in 0..<n {
            guard let (_, needsDouble) = Self.rdkitValence(atoms[i]) else { return false }
            if atoms[i].kind.isAromatic && !inRing[i] { return false }
            candidate[i] = needsDouble
        }
        return hasKekuleMatching(candidate: candidate, inRingBond: inRingBond)
    }

    /// RDKit's valence of an atom (`calcExplicitValence`, `calcImplicitValence`) and whether its
    /// kekulizer would require a double bond on one of its aromatic bonds (`markDbondCands`);
    /// nil when RDKit rejects the valence.
    static func rdkitValence(_ atom: Atom) -> (implicitHydrogens: Int, needsDouble: Bool)? {
        guard isOrdinaryAromatic(atom) else { return nil }
        let valences = atom.kind.element.valences
        let defaultValence = valences[0], maxValence = valences.last!
        let aromatic = atom.kind.isAromatic
        let hydrogens = atom.kind.explicitHydrogens
        var accumulated = 1.5 * Double(atom.aromaticBonds) + Double(atom.otherOrder + hydrogens)
        if aromatic && accumulated > Double(defaultValence) {
            // RDKit takes the nearest allowed valence below when within 1.5 of it.
            var nearest = defaultValence
            for v in valences { if Double(v) > accumulated { break }; nearest = v }
            if accumulated - Double(nearest) <= 1.5 { accumulated = Double(nearest) }
        }
        let explicit = Int((accumulated + 0.1).rounded())
        guard explicit <= maxValence else { return nil }
        var implicit = 0
        if !atom.kind.isBracket {
            if aromatic {
                if explicit <= defaultValence { implicit = defaultValence - explicit } else if !valences.contains(explicit) { return nil }
            } else {
                implicit = valences.first { $0 >= explicit }! - explicit
            }
        }
        guard aromatic else { return (implicit, false) }
        let total = explicit + implicit
        var target = defaultValence, next = 1
        while total > target && next < valences.count { target = valences[next]; next += 1 }
        if atom.degree + implicit >= target { return (implicit, false) }
        let bondOrderSum = atom.aromaticBonds + atom.otherOrder + hydrogens + implicit
        return (implicit, bondOrderSum + 1 == target)
    }

    /// Aromatic atoms only in the valence states drug-like rings use, where RDKit's kekulizer is
    /// predictable: `c` with at most three neighbours and one exocyclic bond of order 1 or 2; `n`
    /// with at most one single exocyclic bond; `[nH]`, `o` and `s` with two single-or-aromatic
    /// bonds. (RDKit refuses some hypervalent aromatic S and their neighbours that a plain
    /// matching would accept.) Aliphatic atoms pass.
    static func isOrdinaryAromatic(_ atom: Atom) -> Bool {
        guard atom.kind.isAromatic else { return true }
        let others = atom.degree - atom.aromaticBonds
        switch (atom.kind.element, atom.kind.explicitHydrogens) {
        case (.C, _): return atom.degree <= 3 && others <= 1 && atom.otherOrder <= 2
            || atom.degree <= 3 && atom.otherOrder == others   // partly aromatic rings: single bonds only
        case (.N, 0): return atom.degree <= 3 && atom.otherOrder == others && atom.aromaticBonds + atom.otherOrder <= 3
        case (.N, 1), (.O, 0), (.S, 0): return atom.aromaticBonds + atom.otherOrder <= 2 && atom.otherOrder == others
        default: return false
        }
    }

    /// Which bonds lie on a cycle (are not bridges), by depth-first search with low-links.
    /// Adjacency is one flat array (CSR): this runs on every completed prefix the mask checks.
    func ringBonds() -> [Bool] {
        let n = atoms.count
        let adjacency = Adjacency(atoms: n, bonds: bonds) { _ in true }
        var order = [Int](repeating: -1, count: n), low = [Int](repeating: 0, count: n)
        var isBridge = [Bool](repeating: false, count: bonds.count)
        var counter = 0
        func visit(_ v: Int, _ parentBond: Int) {
            order[v] = counter; low[v] = counter; counter += 1
            for e in adjacency.edges(of: v) where adjacency.bond[e] != parentBond {
                let u = adjacency.to[e], k = adjacency.bond[e]
                if order[u] < 0 {
                    visit(u, k)
                    low[v] = min(low[v], low[u])
                    if low[u] > order[v] { isBridge[k] = true }
                } else {
                    low[v] = min(low[v], order[u])
                }
            }
        }
        for v in 0..<n where order[v] < 0 { visit(v, -1) }
        return isBridge.map { !$0 }
    }

    /// The bonds kept by a filter, as each atom's neighbours in one flat array.
    struct Adjacency {
        var start: [Int], to: [Int], bond: [Int]

        init(atoms n: Int, bonds: [Bond], keep: (Int) -> Bool) {
            var degree = [Int](repeating: 0, count: n + 1)
            for (k, b) in bonds.enumerated() where keep(k) { degree[b.a + 1] += 1; degree[b.b + 1] += 1 }
            for i in 0..<n { degree[i + 1] += degree[i] }
            start = degree
            var fill = degree
            to = [Int](repeating: 0, count: degree[n]); bond = to
            for (k, b) in bonds.enumerated() where keep(k) {
                to[fill[b.a]] = b.b; bond[fill[b.a]] = k; fill[b.a] += 1
                to[fill[b.b]] = b.a; bond[fill[b.b]] = k; fill[b.b] += 1
            }
        }

        func edges(of v: Int) -> Range<Int> { start[v]..<start[v + 1] }
    }

    /// A perfect matching of the atoms that need a double bond, over aromatic ring bonds between
    /// two of them: a Kekulé structure. Each connected system is solved on its own by backtracking;
    /// a system that takes more than 10,000 steps counts as failed (a refusal, never a false yes).
    func hasKekuleMatching(candidate: [Bool], inRingBond: [Bool]) -> Bool {
        let n = atoms.count
        let neighbors = Adjacency(atoms: n, bonds: bonds) { k in
            bonds[k].order == Self.aromatic && inRingBond[k] && candidate[bonds[k].a] && candidate[bonds[k].b]
        }
        // RDKit's kekulizer backtracks a bounded number of times per fused system and gives up on
        // large ones that have a Kekulé structure (seen at 38 atoms): systems stay at most 20 atoms.
        let ringNeighbors = Adjacency(atoms: n, bonds: bonds) { k in bonds[k].order == Self.aromatic && inRingBond[k] }
        var inSystem = [Bool](repeating: false, count: n)
        var stack: [Int] = []
        for root in 0..<n where atoms[root].kind.isAromatic && !inSystem[root] {
            stack.append(root)
            var size = 0
            inSystem[root] = true
            while let v = stack.popLast() {
                size += 1
                for e in ringNeighbors.edges(of: v) where !inSystem[ringNeighbors.to[e]] {
                    inSystem[ringNeighbors.to[e]] = true; stack.append(ringNeighbors.to[e])
                }
            }
            if size > Self.largestAromaticSystem { return false }
        }
        var mate = [Int](repeating: -1, count: n)
        var seen = [Bool](repeating: false, count: n)
        var steps = 0
        for root in 0..<n where candidate[root] && !seen[root] {
            // The system's atoms in breadth-first order: neighbours come early, so dead ends show fast.
            var system = [root]
            seen[root] = true
            var head = 0
            while head < system.count {
                for e in neighbors.edges(of: system[head]) where !seen[neighbors.to[e]] { seen[neighbors.to[e]] = true; system.append(neighbors.to[e]) }
                head += 1
            }
            if system.count % 2 == 1 { return false }
            func solve(_ from: Int) -> Bool {
                steps += 1
                if steps > 10_000 { return false }
                var k = from
                while k < system.count && mate[system[k]] >= 0 { k += 1 }
                if k == system.count { return true }
                let v = system[k]
                for e in neighbors.edges(of: v) where mate[neighbors.to[e]] < 0 {
                    let u = neighbors.to[e]
                    mate[v] = u; mate[u] = v
                    if solve(k + 1) { return true }
                    mate[v] = -1; mate[u] = -1
                }
                return false
            }
            if !solve(0) { return false }
        }
        return true
    }
}
