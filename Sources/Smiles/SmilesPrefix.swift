/// The parser state of a SMILES prefix, as `SmilesGrammar` reads it: the atoms and bonds so far,
/// where the next bond attaches, open branches and rings, and a pending bond symbol.
public struct SmilesPrefix: Equatable {
    // Atoms and bonds keep their small numbers narrow (14 and 6 bytes instead of 72 and 32): a
    // completion walk copies both arrays when it first writes, and decoding walks every row's.
    struct Atom: Equatable {
        var kind: AtomKind
        private var storedUsed: Int8 = 0, storedAromaticBonds: Int8 = 0, storedOtherOrder: Int8 = 0, storedDegree: Int8 = 0
        private var storedParent: Int16 = -1, storedParentBond: Int16 = -1, storedDepth: Int16 = 0

        init(kind: AtomKind) { self.kind = kind }

        /// Bond orders counted against the valence (aromatic bonds as 1, open ring bonds included).
        var used: Int { get { Int(storedUsed) } set { storedUsed = Int8(newValue) } }
        /// Aromatic bonds and the order sum of the others (closed bonds only).
        var aromaticBonds: Int { get { Int(storedAromaticBonds) } set { storedAromaticBonds = Int8(newValue) } }
        var otherOrder: Int { get { Int(storedOtherOrder) } set { storedOtherOrder = Int8(newValue) } }
        var degree: Int { get { Int(storedDegree) } set { storedDegree = Int8(newValue) } }
        /// The atom this one was written after, its bond to it, and how many bonds from the first
        /// atom (the tree that ring closures add cycles to; -1 for the first atom).
        var parent: Int { get { Int(storedParent) } set { storedParent = Int16(newValue) } }
        var parentBond: Int { get { Int(storedParentBond) } set { storedParentBond = Int16(newValue) } }
        var depth: Int { get { Int(storedDepth) } set { storedDepth = Int16(newValue) } }

        /// RDKit's largest valence minus stated hydrogens: what bonds may use.
        var capacity: Int { kind.element.maxValence - kind.explicitHydrogens }
        func canTake(_ order: Int) -> Bool { used + order <= capacity }
    }

    /// A bond: its atoms and order (1, 2, 3, or `aromatic`), and the label of the ring-closure
    /// digit that made it (-1: none; RDKit numbers closure bonds by label).
    struct Bond: Equatable {
        private var storedA: Int16, storedB: Int16, storedOrder: Int8, storedLabel: Int8
        var a: Int { Int(storedA) }
        var b: Int { Int(storedB) }
        var order: Int { Int(storedOrder) }
        var ringLabel: Int { Int(storedLabel) }
        var closesRing: Bool { storedLabel >= 0 }

        init(a: Int, b: Int, order: Int, ringLabel: Int = -1) {
            storedA = Int16(a); storedB = Int16(b); storedOrder = Int8(order); storedLabel = Int8(ringLabel)
        }
    }
    static let aromatic = 4
    /// The most atoms a fused aromatic system may have (see `hasKekuleMatching`).
    static let largestAromaticSystem = 20

    struct OpenRing: Equatable { var label: Int, atom: Int, order: Int }   // order 0: not written at the opening

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

    /// Aromatic atoms written so far.
    var aromaticAtoms = 0
    var hasAromaticAtom: Bool { aromaticAtoms > 0 }

    /// Tokens known to finish this prefix as a valid molecule, kept from the check that let its
    /// last token through: a decoder that goes on along them needs no new check (nil: not known).
    var witness: ArraySlice<Int>?
    /// The token `SmilesGrammar.choose` last let through and the completion found after it, for
    /// `append` to keep as the next witness.
    var verified: Verified?
    struct Verified: Equatable { var token: Int, completion: ArraySlice<Int> }
    /// Whether a completion is kept (`witness`).
    public var hasWitness: Bool { witness != nil }

    var canStartAtom: Bool { atoms.isEmpty ? pendingBond == 0 : current >= 0 }

    // MARK: Tokens

    // Each change is checked before anything is written: a refused token leaves the prefix as it
    // was, so the completion walks feed without copying first.

    mutating func addAtom(_ kind: AtomKind) -> Bool {
        guard canStartAtom else { return false }
        let index = atoms.count
        var atom = Atom(kind: kind)
        guard atom.capacity >= 0 else { return false }
        if index > 0 {
            let order = pendingBond > 0 ? pendingBond : (kind.isAromatic && atoms[current].kind.isAromatic ? Self.aromatic : 1)
            let counted = order == Self.aromatic ? 1 : order
            var parent = atoms[current]
            guard parent.canTake(counted), atom.canTake(counted) else { return false }
            parent.used += counted
            atom.used += counted
            guard Self.bond(&parent, &atom, order) else { return false }
            atom.parent = current; atom.parentBond = bonds.count; atom.depth = parent.depth + 1
            atoms[current] = parent
            bonds.append(Bond(a: current, b: index, order: order))
        }
        atoms.append(atom)
        if kind.isAromatic { aromaticAtoms += 1 }
        current = index
        pendingBond = 0
        branchIsEmpty = false
        last = .atom
        return true
    }

    /// Whether an aliphatic atom of `kind` can join the current atom by a bond of `order` without
    /// changing RDKit's verdict on the current atom: both take the bond (as `addAtom` checks), and
    /// the current atom's valence stays allowed and, if aromatic, whether it needs a ring double
    /// bond stays the same. The prefix is not changed (`SmilesGrammar`'s substituent shortcut).
    func takesSubstituent(_ kind: AtomKind, order: Int) -> Bool {
        guard current >= 0, !kind.isAromatic, Atom(kind: kind).canTake(order), atoms[current].canTake(order) else { return false }
        let before = atoms[current]
        var after = before
        after.used += order
        guard Self.count(order, on: &after) else { return false }
        guard before.kind.isAromatic else { return true }
        guard let old = Self.rdkitValence(before), let new = Self.rdkitValence(after) else { return false }
        return old.needsDouble == new.needsDouble
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
            var opening = atoms[ring.atom], closing = atoms[current]
            opening.used += counted - reserved
            closing.used += counted
            guard Self.bond(&opening, &closing, order) else { return false }
            atoms[ring.atom] = opening; atoms[current] = closing
            bonds.append(Bond(a: ring.atom, b: current, order: order, ringLabel: label))
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

    /// Whether closing `ring` (the only open one) at the current atom would make an isolated
    /// cycle of an odd number of plain aromatic carbons (`c` with single exocyclic bonds, no other
    /// aromatic bond): every one of them needs a double bond and an odd cycle has no perfect
    /// matching, so no completion through that closure is a molecule RDKit accepts. Typical: a
    /// side chain off a benzene ring being written (`c1ccc(N` closes as `...)c1` only after one
    /// more `c`), where the completion would otherwise check the 5-ring first at every step.
    func closingMakesOddCarbonCycle(_ ring: OpenRing) -> Bool {
        guard openRings.count == 1, ring.order == 0, pendingBond == 0 else { return false }
        // The atoms on the written tree's path between the ring's two atoms, which the closure makes a cycle.
        func plain(_ i: Int) -> Bool {
            let atom = atoms[i], pathBonds = i == ring.atom || i == current ? 1 : 2
            return atom.kind == .organic(.c) && atom.aromaticBonds == pathBonds && atom.otherOrder == atom.degree - atom.aromaticBonds
        }
        var count = 1
        guard let top = walkPath(ring.atom, current, { a in
            count += 1
            return bonds[atoms[a].parentBond].order == Self.aromatic && plain(a)
        }) else { return false }
        return plain(top) && count % 2 == 1
    }

    /// Calls `body` with each atom on the written tree's path between atoms `a` and `b` except the
    /// one where the two sides meet (so with each bond of the path, as `parentBond` of the atom
    /// given), and returns that meeting atom; nil as soon as `body` returns false. Ring closures
    /// make cycles of these paths.
    func walkPath(_ a: Int, _ b: Int, _ body: (Int) -> Bool) -> Int? {
        var a = a, b = b
        while a != b {
            if atoms[a].depth < atoms[b].depth { swap(&a, &b) }
            guard body(a) else { return nil }
            a = atoms[a].parent
        }
        return a
    }

    /// The ring that closing `ring` at the current atom would make: its size (the written tree's
    /// path between the two atoms, plus the closure), and whether one of its atoms gives the ring
    /// two electrons of its own (`o`, `s`, `[nH]`, or `n` with a third bond), as in the
    /// five-membered aromatic rings.
    func ringClosedAt(_ ring: OpenRing) -> (size: Int, hasLonePairAtom: Bool) {
        func lonePair(_ i: Int) -> Bool {
            let atom = atoms[i]
            switch (atom.kind.element, atom.kind.isAromatic) {
            case (.O, true), (.S, true): return true
            case (.N, true): return atom.kind.explicitHydrogens > 0 || atom.degree >= 3
            default: return false
            }
        }
        var size = 1, found = false
        let top = walkPath(ring.atom, current) { a in
            size += 1
            found = found || lonePair(a)
            return true
        }!
        return (size, found || lonePair(top))
    }

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

    /// Counts a bond on both its atoms; false when an aromatic atom leaves the ordinary valence
    /// states (bonds are never taken away, so that is final).
    private static func bond(_ a: inout Atom, _ b: inout Atom, _ order: Int) -> Bool {
        guard count(order, on: &a) else { return false }
        return count(order, on: &b)
    }

    private static func count(_ order: Int, on atom: inout Atom) -> Bool {
        atom.degree += 1
        if order == aromatic { atom.aromaticBonds += 1 } else { atom.otherOrder += order }
        return isOrdinaryAromatic(atom)
    }

    // MARK: The finished molecule

    /// Whether the finished string is a molecule RDKit sanitizes: valences as RDKit computes them
    /// (aromatic bonds 1.5), aromatic atoms in rings, and a Kekulé structure for the aromatic part,
    /// with the rings the linked RDKit 2022.09 perceives where they may differ from the molecule's.
    public func isValidMolecule() -> Bool { isValidMolecule(rings: .whereRDKitMayDiffer) }

    /// Where `isValidMolecule` takes its ring bonds from RDKit 2022.09's ring perception
    /// (`RDKitRingSet`): only where those may miss one (the default), always, or never (the
    /// written tree's cycles alone; for tests).
    enum RingPerception { case whereRDKitMayDiffer, always, never }

    func isValidMolecule(rings perception: RingPerception) -> Bool {
        guard isComplete else { return false }
        // Without aromatic atoms the valence checks made while feeding are RDKit's whole verdict.
        guard hasAromaticAtom else { return true }
        let n = atoms.count, m = bonds.count
        // One scratch buffer for the whole check, as it runs on every completion the mask tries.
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 10 * n + 3 * m + 2) { buffer in
            let inRingBond = buffer.baseAddress!, scratch = inRingBond + m
            markRingBonds(inRingBond)
            if perception == .always { return markRDKitFusedBonds(inRingBond) && kekulizes(inRingBond, scratch: scratch) }
            guard kekulizes(inRingBond, scratch: scratch) else { return false }
            // RDKit's rings can only take ring bonds away, so they are asked only about a molecule
            // that passed (3% of those the gate lets through, in the completions of MOSES prefixes).
            guard perception == .whereRDKitMayDiffer, mayMissRingBonds(inRingBond, scratch: scratch) else { return true }
            return markRDKitFusedBonds(inRingBond) && kekulizes(inRingBond, scratch: scratch)
        }
    }

    /// Every aromatic atom on a ring bond (`inRingBond`, 1 or 0) with a valence RDKit accepts, and
    /// a Kekulé matching over ring bonds. `scratch` holds 10 n + 2 m + 1 integers.
    /// `leavingOut` (1 or 0 per atom, optional): atoms neither checked nor matched, whole aromatic
    /// systems of them (`hasFinalAromaticFailure`).
    private func kekulizes(_ inRingBond: UnsafeMutablePointer<Int>, scratch: UnsafeMutablePointer<Int>,
                           leavingOut: UnsafePointer<Int>? = nil) -> Bool {
        let n = atoms.count, m = bonds.count
        let inRing = scratch, candidate = inRing + n
        inRing.update(repeating: 0, count: n)
        for k in 0..<m where inRingBond[k] != 0 { inRing[bonds[k].a] = 1; inRing[bonds[k].b] = 1 }
        candidate.update(repeating: 0, count: n)
        // Aliphatic atoms have no aromatic bonds: feeding already checked their valence as RDKit does.
        for i in 0..<n where atoms[i].kind.isAromatic && leavingOut?[i] ?? 0 == 0 {
            guard inRing[i] != 0, let (_, needsDouble) = Self.rdkitValence(atoms[i]) else { return false }
            candidate[i] = needsDouble ? 1 : 0
        }
        return hasKekuleMatching(candidate: candidate, inRingBond: inRingBond, scratch: candidate + n)
    }

    /// Whether an aromatic ring system of the prefix is already final and fails RDKit's checks
    /// (an aromatic atom in no ring, a valence RDKit refuses, no Kekulé structure): then no
    /// completion is a molecule, and none need be searched for. A system is final when none of its
    /// atoms can gain a bond or a ring bond any more. New atoms attach only to the current atom and
    /// to the open branches' atoms, and closures only join those, new atoms and the atoms of open
    /// rings: so only these anchors and the tree paths between them (which cycles yet to close run
    /// along) can still change, and all of those lie on the paths from the current atom to an anchor.
    func hasFinalAromaticFailure() -> Bool {
        guard hasAromaticAtom, current >= 0 else { return false }
        let n = atoms.count, m = bonds.count
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 14 * n + 3 * m + 2) { buffer in
            let inRingBond = buffer.baseAddress!, open = inRingBond + m, root = open + n, openSystem = root + n
            let leftOut = openSystem + n, scratch = leftOut + n
            func find(_ x: Int) -> Int { Self.root(of: x, in: root) }
            open.update(repeating: 0, count: n)
            open[current] = 1
            for anchor in branches + openRings.map(\.atom) {
                open[walkPath(anchor, current) { a in open[a] = 1; return true }!] = 1
            }
            // Aromatic systems: atoms joined by aromatic ring bonds; one with an open atom is left out.
            markRingBonds(inRingBond)
            for i in 0..<n { root[i] = i }
            for k in 0..<m where inRingBond[k] != 0 && bonds[k].order == Self.aromatic {
                let x = find(bonds[k].a), y = find(bonds[k].b)
                if x != y { root[x] = y }
            }
            openSystem.update(repeating: 0, count: n)
            for i in 0..<n where open[i] != 0 { openSystem[find(i)] = 1 }
            for i in 0..<n { leftOut[i] = openSystem[find(i)] }
            return !kekulizes(inRingBond, scratch: scratch, leavingOut: leftOut)
        }
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
        // RDKit sums bond orders in floating point (aromatic 1.5); counted here in halves, exactly.
        var halves = 3 * atom.aromaticBonds + 2 * (atom.otherOrder + hydrogens)
        if aromatic && halves > 2 * defaultValence {
            // RDKit takes the nearest allowed valence below when within 1.5 of it.
            var nearest = defaultValence
            for v in valences { if 2 * v > halves { break }; nearest = v }
            if halves - 2 * nearest <= 3 { halves = 2 * nearest }
        }
        let explicit = (halves + 1) / 2   // RDKit rounds the sum + 0.1: halves round up
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

    /// Marks (1) the bonds that lie on a cycle: every ring-closure bond, and the bonds of the
    /// written tree (each atom to the one it follows) on the path between a closure's two atoms.
    func markRingBonds(_ inRing: UnsafeMutablePointer<Int>) {
        for k in bonds.indices { inRing[k] = bonds[k].closesRing ? 1 : 0 }
        for bond in bonds where bond.closesRing {
            _ = walkPath(bond.a, bond.b) { a in inRing[atoms[a].parentBond] = 1; return true }
        }
    }

    /// Whether RDKit 2022.09's rings may leave out a ring bond of an aromatic ring system (see
    /// `RDKitRingSet`): taken to be only in a ring system (atoms joined by ring bonds) with an
    /// aromatic atom and four ring closures or more, its cyclomatic number (the written tree spans
    /// each system, so each closure adds one independent cycle). The bound is empirical: a copy of
    /// 2022.09's search in Python missed a ring bond in no graph whose systems have cyclomatic
    /// number 3 or less (300,000 random graphs in random bond orders; 190,000 generated and MOSES
    /// molecules), and the smallest system where it did has four. A system's missed bonds leave
    /// other systems' verdicts alone. Cheap by design: the closure count alone settles most checks;
    /// of those on the completions of MOSES prefixes, 1% count systems and 0.13% open the gate.
    /// `scratch` holds 3 n integers.
    func mayMissRingBonds(_ inRingBond: UnsafeMutablePointer<Int>, scratch: UnsafeMutablePointer<Int>) -> Bool {
        let n = atoms.count
        guard bonds.count - n + 1 >= 4 else { return false }
        let root = scratch, closures = root + n, aromatic = closures + n
        func find(_ x: Int) -> Int { Self.root(of: x, in: root) }
        for i in 0..<n { root[i] = i }
        for k in bonds.indices where inRingBond[k] != 0 {
            let a = find(bonds[k].a), b = find(bonds[k].b)
            if a != b { root[a] = b }
        }
        closures.update(repeating: 0, count: n)
        aromatic.update(repeating: 0, count: n)
        for bond in bonds where bond.closesRing { closures[find(bond.a)] += 1 }
        for i in 0..<n where atoms[i].kind.isAromatic { aromatic[find(i)] = 1 }
        return (0..<n).contains { root[$0] == $0 && closures[$0] >= 4 && aromatic[$0] != 0 }
    }

    /// Rewrites `inRingBond` as RDKit 2022.09's kekulizer sees the molecule: 1 where both atoms lie
    /// in one fused system of its rings (rings sharing a bond). That leaves out the ring bonds its
    /// ring set misses, and any atom they were the only ring bonds of. (An aromatic atom, with at
    /// most three bonds, lies in one system at most; other atoms' bonds are never matched.) False
    /// where RDKit's ring perception throws.
    func markRDKitFusedBonds(_ inRingBond: UnsafeMutablePointer<Int>) -> Bool {
        let graph = RDKitRingSet(atomCount: atoms.count, bonds: rdkitBonds())
        guard let rings = graph.rings() else { return false }
        var root = Array(rings.indices)
        func find(_ x: Int) -> Int { Self.root(of: x, in: &root) }
        var owner = [Int](repeating: -1, count: bonds.count)
        for (r, ring) in rings.enumerated() {
            for k in graph.bonds(of: ring) {
                if owner[k] < 0 { owner[k] = r } else { root[find(r)] = find(owner[k]) }
            }
        }
        var system = [Int](repeating: -1, count: atoms.count)
        for (r, ring) in rings.enumerated() { for atom in ring { system[atom] = find(r) } }
        for k in bonds.indices {
            let s = system[bonds[k].a]
            inRingBond[k] = s >= 0 && s == system[bonds[k].b] ? 1 : 0
        }
        return true
    }

    /// Union-find: the root of `x` in the forest `root` (each entry its parent), halving paths on
    /// the way. Ring systems, fused systems and Kekulé systems are all found this way.
    static func root(of x: Int, in root: UnsafeMutablePointer<Int>) -> Int {
        var x = x
        while root[x] != x { root[x] = root[root[x]]; x = root[x] }
        return x
    }

    static func root(of x: Int, in root: inout [Int]) -> Int {
        root.withUnsafeMutableBufferPointer { Self.root(of: x, in: $0.baseAddress!) }
    }

    /// The bonds as RDKit numbers them: first the bond to each atom from the atom it follows (bond
    /// j - 1 for atom j, added as the parser reads atoms), then the ring closures by label, a
    /// label's closures in the order written (RDKit closes rings after the whole string, label by
    /// label: `SmilesParseOps::CloseMolRings`). Atoms keep the order written.
    func rdkitBonds() -> [(Int, Int)] {
        var result = (1..<max(1, atoms.count)).map { (atoms[$0].parent, $0) }
        let closures = bonds.indices.filter { bonds[$0].closesRing }
            .sorted { (bonds[$0].ringLabel, $0) < (bonds[$1].ringLabel, $1) }
        for k in closures { result.append((bonds[k].b, bonds[k].a)) }
        return result
    }

    /// A perfect matching of the atoms that need a double bond (`candidate`, 1 or 0), over
    /// aromatic ring bonds between two of them: a Kekulé structure. Each connected system is solved
    /// on its own by backtracking; one that takes more than 10,000 steps counts as failed (a
    /// refusal, never a false yes). `scratch` holds 8 n + 2 m + 1 integers.
    func hasKekuleMatching(candidate: UnsafeMutablePointer<Int>, inRingBond: UnsafeMutablePointer<Int>,
                           scratch: UnsafeMutablePointer<Int>) -> Bool {
        let n = atoms.count, m = bonds.count
        let root = scratch, size = root + n, start = size + n, to = start + n + 1
        let mate = to + 2 * m, seen = mate + n, system = seen + n, framePosition = system + n, frameEdge = framePosition + n
        // RDKit's kekulizer backtracks a bounded number of times per fused system and gives up on
        // large ones that have a Kekulé structure (seen at 38 atoms): systems stay at most 20 atoms.
        func find(_ x: Int) -> Int { Self.root(of: x, in: root) }
        if aromaticAtoms > Self.largestAromaticSystem {
            for i in 0..<n { root[i] = i }
            for k in 0..<m where bonds[k].order == Self.aromatic && inRingBond[k] != 0 {
                let a = find(bonds[k].a), b = find(bonds[k].b)
                if a != b { root[a] = b }
            }
            size.update(repeating: 0, count: n)
            for i in 0..<n where atoms[i].kind.isAromatic {
                let r = find(i)
                size[r] += 1
                if size[r] > Self.largestAromaticSystem { return false }
            }
        }
        // The candidates' neighbours over the bonds a double bond may take, in one flat array.
        func matchable(_ bond: Bond, _ k: Int) -> Bool {
            bond.order == Self.aromatic && inRingBond[k] != 0 && candidate[bond.a] != 0 && candidate[bond.b] != 0
        }
        start.update(repeating: 0, count: n + 1)
        for k in 0..<m where matchable(bonds[k], k) { start[bonds[k].a + 1] += 1; start[bonds[k].b + 1] += 1 }
        for i in 0..<n { start[i + 1] += start[i] }
        let fill = size
        for i in 0..<n { fill[i] = start[i] }
        for k in 0..<m where matchable(bonds[k], k) {
            let a = bonds[k].a, b = bonds[k].b
            to[fill[a]] = b; fill[a] += 1
            to[fill[b]] = a; fill[b] += 1
        }
        mate.update(repeating: -1, count: n)
        seen.update(repeating: 0, count: n)
        var steps = 0
        for r in 0..<n where candidate[r] != 0 && seen[r] == 0 {
            // The system's atoms in breadth-first order: neighbours come early, so dead ends show fast.
            system[0] = r; seen[r] = 1
            var count = 1, head = 0
            while head < count {
                let v = system[head]
                for e in start[v]..<start[v + 1] where seen[to[e]] == 0 { seen[to[e]] = 1; system[count] = to[e]; count += 1 }
                head += 1
            }
            if count % 2 == 1 { return false }
            // Depth-first: frame d matches the atom at `framePosition[d]`, trying its edges from `frameEdge[d]`.
            var depth = 0
            framePosition[0] = 0; frameEdge[0] = start[r]
            while true {
                let v = system[framePosition[depth]]
                if mate[v] >= 0 { mate[mate[v]] = -1; mate[v] = -1 }   // undo this frame's last try
                var e = frameEdge[depth]
                while e < start[v + 1] && mate[to[e]] >= 0 { e += 1 }
                if e == start[v + 1] {
                    if depth == 0 { return false }
                    depth -= 1
                    continue
                }
                steps += 1
                if steps > 10_000 { return false }
                mate[v] = to[e]; mate[to[e]] = v
                frameEdge[depth] = e + 1
                var k = framePosition[depth] + 1
                while k < count && mate[system[k]] >= 0 { k += 1 }
                if k == count { break }
                depth += 1
                framePosition[depth] = k; frameEdge[depth] = start[system[k]]
            }
        }
        return true
    }
}
