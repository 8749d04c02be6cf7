/// Which tokens may follow a SMILES prefix so that the string can still be finished as a molecule
/// RDKit accepts: the decoding mask of constrained decoding.
///
/// The rules are RDKit's own (parser and sanitizer), written out for the atoms MolGen's data uses:
/// - syntax: balanced, non-empty branches; no bond after a bond, before `(`/`)` or at the end;
///   bracket atoms whole; ring-closure digits opened and closed in pairs, never on the same atom or
///   between atoms already bonded, with bond symbols that agree;
/// - valence: every bond (ring bonds from the moment they open) is counted against RDKit's largest
///   allowed valence of both atoms (C 4, N 3, O 2, S 6, P 5, B 3, halogens and H 1; bracket atoms
///   count their hydrogens);
/// - aromaticity, checked on every finished molecule exactly as RDKit's sanitizer decides it:
///   every aromatic atom lies in a ring, valences with aromatic bonds counted 1.5 (RDKit's
///   rounding and tolerance), and a Kekulé structure exists: the atoms RDKit marks as needing a
///   double bond are perfectly matched over ring aromatic bonds (backtracking per ring system).
///
/// A prefix is allowed only when it can still be finished within the token budget: a short
/// deterministic completion (fill a pending bond with `C`, open a ring at a lone aromatic atom,
/// back out of side chains, close rings, close branches) must give a valid molecule, else a
/// bounded search over a few completion tokens (close a ring, open a ring, `=O` on an aromatic
/// carbon, `)`, `c`, `C`; three deep, at most 64 molecules checked) must find one. Every prefix
/// built by `append` keeps the completion found (its witness): its first token is allowed without
/// a check, so decoding can never paint itself into a corner and always ends before the budget
/// runs out, and a decoder that follows the witness costs nothing.
/// Tokens the grammar does not model (charged or unknown bracket atoms, `.`, `:`, `/`, `\`, `$`,
/// elements outside B C N O P S F Cl Br I H) are never allowed.
public struct SmilesGrammar {
    /// What a vocabulary token means to the grammar.
    enum Meaning: Equatable {
        case atom(AtomKind)
        case bond(Int)               // 1, 2, 3
        case branchOpen, branchClose
        case ring(Int)               // label
        case end
        case extendHalogen(AtomKind) // char tokenizer: `l` after `C`, `r` after `B`
        case bracketOpen             // char tokenizer: `[`
        case character(UInt8)        // char tokenizer: any other byte (inside brackets)
        case unsupported
    }

    let meanings: [Meaning]
    let tokenizer: SmilesTokenizer
    /// Tokens before `<end>`: the decoder's budget (the row width minus one).
    public let maxTokens: Int
    /// Atoms after which constrained decoding turns to finishing the molecule (nil: never before
    /// the token budget). A decoder pushed off its path by the mask can wander without ever
    /// choosing to end; the largest training molecule is where its data ended too.
    public var finishAfterAtoms: Int?
    /// Completion tokens the search tries, by index: `)`, `c`, `C`, and every ring label.
    let closeBranch: Int?, aromaticCarbon: Int?, carbon: Int?, doubleBond: Int?, oxygen: Int?
    /// The token of each ring label (-1: the vocabulary has none), by label: looked up on every
    /// step of a completion walk.
    private var ringTokens = [Int](repeating: -1, count: 100)
    /// The ring labels the vocabulary can write, smallest first.
    var ringLabels: [Int] = []
    /// Bracket atoms the char tokenizer may spell (the atom tokenizer takes its own vocabulary's).
    static let charBracketAtoms = ["[nH]", "[H]", "[C@@H]", "[C@H]", "[C@@]", "[C@]", "[S@@]", "[S@]", "[N@@]", "[N@]",
                                   "[NH]", "[CH]", "[CH2]", "[cH]", "[SH]", "[2H]"]
    let bracketAtoms: [(text: [UInt8], kind: AtomKind)]
    /// The completion after each first token (nil: refused): the same for every molecule.
    private var startCompletions: [ArraySlice<Int>?] = []
    /// For each aromatic atom token, the completion after `C` and that token (as `1ccc1` after
    /// `Cc`): the ring it starts, whatever aliphatic atom it hangs from (`substituentCompletion`).
    private var ringTails: [ArraySlice<Int>?] = []
    /// How deep the completion search goes beyond the deterministic completion.
    public static let searchDepth = 3

    public init(vocabulary: Vocabulary, tokenizer: SmilesTokenizer, maxTokens: Int) {
        self.tokenizer = tokenizer
        self.maxTokens = maxTokens
        var meanings: [Meaning] = []
        for (index, token) in vocabulary.tokens.enumerated() {
            if index == Int(Vocabulary.endIndex) { meanings.append(.end); continue }
            if index < 4 { meanings.append(.unsupported); continue }
            meanings.append(Self.meaning(of: token, tokenizer: tokenizer))
        }
        self.meanings = meanings
        closeBranch = meanings.firstIndex(of: .branchClose)
        aromaticCarbon = meanings.firstIndex { if case let .atom(k) = $0 { return k == .organic(.c) } else { return false } }
        carbon = meanings.firstIndex { if case let .atom(k) = $0 { return k == .organic(.C) } else { return false } }
        oxygen = meanings.firstIndex { if case let .atom(k) = $0 { return k == .organic(.O) } else { return false } }
        doubleBond = meanings.firstIndex(of: .bond(2))
        for (i, m) in meanings.enumerated() { if case let .ring(label) = m, ringTokens[label] < 0 { ringTokens[label] = i } }
        ringLabels = zip(ringTokens.indices, ringTokens).filter { $0.1 >= 0 }.map(\.0)
        bracketAtoms = Self.charBracketAtoms.compactMap { text in AtomKind.bracket(text).map { (Array(text.utf8), $0) } }
        // Walked once here (the tables are still empty, so these walks take no shortcut).
        let start = start()
        startCompletions = meanings.indices.map { completion(after: $0, start) }
        if let carbon {
            var attached = start
            append(carbon, to: &attached)
            ringTails = meanings.indices.map { token in
                guard case .atom(let kind) = meanings[token], kind.isAromatic else { return nil }
                return completion(after: token, attached)
            }
        }
    }

    static func meaning(of token: String, tokenizer: SmilesTokenizer) -> Meaning {
        switch token {
        case "(": return .branchOpen
        case ")": return .branchClose
        case "-": return .bond(1)
        case "=": return .bond(2)
        case "#": return .bond(3)
        default: break
        }
        let bytes = Array(token.utf8)
        if bytes.count == 1, let digit = bytes.first, (0x30...0x39).contains(digit) { return .ring(Int(digit - 0x30)) }
        if bytes.count == 3, bytes[0] == UInt8(ascii: "%"), let label = Int(token.dropFirst()) { return .ring(label) }
        if let element = OrganicElement(rawValue: token) { return .atom(.organic(element)) }
        if tokenizer == .character {
            switch token {
            case "l": return .extendHalogen(.organic(.Cl))
            case "r": return .extendHalogen(.organic(.Br))
            case "[": return .bracketOpen
            default: return bytes.count == 1 ? .character(bytes[0]) : .unsupported
            }
        }
        if let kind = AtomKind.bracket(token) { return .atom(kind) }
        return .unsupported
    }

    /// The token that writes ring label `label`, if the vocabulary has one.
    func ringToken(_ label: Int) -> Int? { ringTokens[label] >= 0 ? ringTokens[label] : nil }

    // MARK: The mask

    /// V, the vocabulary size the grammar was made for.
    public var vocabularySize: Int { meanings.count }

    /// The empty prefix.
    public func start() -> SmilesPrefix { SmilesPrefix() }

    /// Whether `token` may follow `prefix`: the result can still become a valid molecule in time.
    public func allows(_ token: Int, after prefix: SmilesPrefix) -> Bool { completion(after: token, prefix) != nil }

    /// A completion of `prefix` followed by `token` (empty after `<end>`), or nil when `token` may
    /// not follow. The prefix's witness answers at once for its own next token, and without a walk
    /// for a token that only adds or changes a terminal atom of its molecule (`substituentCompletion`).
    func completion(after token: Int, _ prefix: SmilesPrefix) -> ArraySlice<Int>? {
        if case .some(let answer) = answerWithoutWalk(token, prefix) { return answer }
        var next = prefix
        guard feed(token, to: &next) else { return nil }
        var effort = Self.searchEffort
        return completion(walking: &next, from: prefix, then: token, depth: Self.searchDepth, effort: &effort)
    }

    /// `completion(after:)`'s answer where no walk is needed (the end, the first token's table, the
    /// witness, a shortcut); nil where one is.
    private func answerWithoutWalk(_ token: Int, _ prefix: SmilesPrefix) -> ArraySlice<Int>?? {
        if meanings[token] == .end {
            return .some(prefix.witness?.isEmpty == true || (prefix.isComplete && prefix.isValidMolecule()) ? [] : nil)
        }
        if prefix.tokens == 0, !startCompletions.isEmpty { return .some(startCompletions[token]) }
        if let witness = prefix.witness, witness.first == token { return witness.dropFirst() }
        return substituentCompletion(after: token, prefix).map { .some($0) }
    }

    /// Whether `completion(after:)` must walk for `token`: for benchmarks, which count the walks.
    public func walks(for token: Int, after prefix: SmilesPrefix) -> Bool {
        if case .none = answerWithoutWalk(token, prefix) { return true }
        return false
    }

    /// The completion after a token that changes the witness's molecule only where the change
    /// can be judged locally, found without a walk:
    /// - an atom in place of the witness's next atom (`substitution`);
    /// - an aromatic atom by a single bond from an aliphatic atom, as a ring of its own (`ringTails`);
    /// - an aliphatic atom, `(` (as `(C)`) or a bond symbol (as `=C`) at the current atom, when the
    ///   witness leaves that atom at once (it ends or closes a branch) and no ring is open at it,
    ///   so that its bonds are final: valid when the atoms take the bond and RDKit's verdict on
    ///   the current atom (valence, and for an aromatic atom whether it needs a ring double bond)
    ///   stays as it was;
    /// - `(C)` where the witness goes on from the current atom: at an aliphatic atom that takes
    ///   the extra bond, or at a `c` the witness takes on to the ring's next aromatic atom (a
    ///   substituted `c` still needs one double bond);
    /// - a bond symbol after `(` that the filling `C` then takes, when the current atom takes it.
    /// Nil: no shortcut (walk instead).
    func substituentCompletion(after token: Int, _ prefix: SmilesPrefix) -> ArraySlice<Int>? {
        guard let witness = prefix.witness, let closeBranch, let carbon, prefix.bracketBuffer == nil, prefix.current >= 0 else { return nil }
        let rest = witness.dropFirst()
        let room = maxTokens - prefix.tokens - 1   // tokens left after this one
        let current = prefix.atoms[prefix.current]
        let ringHere = prefix.openRings.contains { $0.atom == prefix.current }
        let fills = witness.first == carbon && (prefix.pendingBond > 0 || prefix.branchIsEmpty)
        let leaves = !fills && witness.first ?? closeBranch == closeBranch   // the witness leaves the current atom at once
        let afterAtom = prefix.last == .atom || prefix.last == .ring || prefix.last == .branchClose
        switch meanings[token] {
        case .atom(let kind):
            if let rest = substitution(kind, for: witness, prefix) { return rest }
            if kind.isAromatic {
                // A ring of its own, by a single bond from an aliphatic atom (or an explicit `-`):
                // the tail found once after `C` finishes it, then the witness goes on.
                guard !ringTails.isEmpty, let tail = ringTails[token] else { return nil }
                let singleBond = prefix.pendingBond == 1 || (prefix.pendingBond == 0 && !current.kind.isAromatic)
                if fills, singleBond, rest.first ?? closeBranch == closeBranch {   // in place of the filling `C`
                    return splice(tail, rest, room: room, prefix)
                }
                guard leaves, afterAtom, singleBond, prefix.pendingBond == 0, !ringHere, current.canTake(1) else { return nil }
                return splice(tail, witness, room: room, prefix)
            }
            guard leaves, !ringHere, prefix.pendingBond == 0, witness.count <= room, prefix.takesSubstituent(kind, order: 1) else { return nil }
            return witness
        case .branchOpen:
            // `(C)`, then the witness: a digit (or a bond and a digit) may not follow `)`.
            let resumes = witness.first.map { if case .bond = meanings[$0] { return witness.dropFirst().first } else { return $0 } } ?? nil
            guard afterAtom, !ringHere, witness.count + 2 <= room, !(resumes.map(closesRing) ?? false) else { return nil }
            if leaves { return prefix.takesSubstituent(.organic(.C), order: 1) ? ([carbon, closeBranch] + witness)[...] : nil }
            if current.kind.isAromatic {
                // A `c` the witness takes on to the ring's next aromatic atom keeps needing one
                // double bond with a substituent too.
                guard current.kind == .organic(.c), prefix.last == .atom, current.degree == 1, current.aromaticBonds == 1,
                      let next = witness.first, case .atom(let kind) = meanings[next], kind.isAromatic else { return nil }
                return ([carbon, closeBranch] + witness)[...]
            }
            guard let bonds = bondOrders(at: witness, incoming: current.used + 1, prefix), bonds <= current.capacity else { return nil }
            return ([carbon, closeBranch] + witness)[...]
        case .bond(let order) where prefix.pendingBond == 0 && !ringHere:
            if fills {   // the filling `C` of the empty branch now takes this bond
                if rest.allSatisfy({ $0 == closeBranch }) {   // and the current atom gets no other
                    guard witness.count <= room, prefix.takesSubstituent(.organic(.C), order: order) else { return nil }
                    return witness
                }
                guard !current.kind.isAromatic, rest.first == closeBranch, witness.count <= room,
                      let bonds = bondOrders(at: rest.dropFirst(), incoming: current.used + order, prefix), bonds <= current.capacity else { return nil }
                return witness
            }
            guard leaves, afterAtom, witness.count + 1 <= room, prefix.takesSubstituent(.organic(.C), order: order) else { return nil }
            return ([carbon] + witness)[...]
        default:
            return nil
        }
    }

    /// The witness without its next atom, when an atom of `kind` can stand in its place:
    /// - an aliphatic atom for an aliphatic `C` that takes no more bonds than the atom can;
    /// - `n` for a `c` with two aromatic bonds and no other (both then need one double bond, so
    ///   the Kekulé structure stays).
    private func substitution(_ kind: AtomKind, for witness: ArraySlice<Int>, _ prefix: SmilesPrefix) -> ArraySlice<Int>? {
        guard let first = witness.first else { return nil }
        let rest = witness.dropFirst()
        if first == carbon, !kind.isAromatic {
            guard let bonds = bondOrders(at: rest, incoming: max(1, prefix.pendingBond), prefix),
                  bonds <= SmilesPrefix.Atom(kind: kind).capacity else { return nil }
            return rest
        }
        if first == aromaticCarbon, kind == .organic(.n), prefix.pendingBond == 0, prefix.atoms[prefix.current].kind.isAromatic,
           let next = rest.first, case .atom(let nextKind) = meanings[next], nextKind.isAromatic {
            return rest
        }
        return nil
    }

    /// The bond orders an aliphatic atom ends with, given `incoming` and the tokens written right
    /// after it (`tokens`): its ring closures, branches (their first bond) and next atom, until the
    /// string leaves it. Nil when a ring opens at it (its closure comes later) or `tokens` runs out
    /// inside a branch.
    func bondOrders(at tokens: ArraySlice<Int>, incoming: Int, _ prefix: SmilesPrefix) -> Int? {
        var total = incoming, pending = 0, i = tokens.startIndex
        while i < tokens.endIndex {
            switch meanings[tokens[i]] {
            case .bond(let order):
                pending = order
            case .ring(let label):
                guard let ring = prefix.openRings.first(where: { $0.label == label }) else { return nil }
                total += max(1, pending, ring.order)
                pending = 0
            case .branchOpen:
                var depth = 1
                i += 1
                if i < tokens.endIndex, case .bond(let order) = meanings[tokens[i]] { total += order } else { total += 1 }
                while depth > 0 {
                    guard i < tokens.endIndex else { return nil }
                    if meanings[tokens[i]] == .branchOpen { depth += 1 } else if meanings[tokens[i]] == .branchClose { depth -= 1 }
                    i += 1
                }
                continue
            case .atom:
                return total + max(1, pending)
            case .branchClose:
                return total
            default:
                return nil
            }
            i += 1
        }
        return total
    }

    /// `tail` then `rest`, when they fit in `room` tokens; the tail's ring labels are moved to
    /// labels `prefix` leaves free (its own closures then do not close the prefix's rings).
    private func splice(_ tail: ArraySlice<Int>, _ rest: ArraySlice<Int>, room: Int, _ prefix: SmilesPrefix) -> ArraySlice<Int>? {
        guard tail.count + rest.count <= room else { return nil }
        var free = ringLabels.lazy.filter { label in !prefix.openRings.contains { $0.label == label } }.makeIterator()
        var moved: [(from: Int, to: Int)] = []
        var result = Array(tail)
        for (i, token) in result.enumerated() {
            guard case .ring(let label) = meanings[token] else { continue }
            if let m = moved.first(where: { $0.from == label }) { result[i] = m.to; continue }
            guard let to = free.next().flatMap(ringToken) else { return nil }
            moved.append((label, to))
            result[i] = to
        }
        return (result + rest)[...]
    }

    /// `allows`, remembering the completion it found so that `append(token)` keeps it: the next
    /// step costs nothing while the decoder follows it.
    public func verify(_ token: Int, after prefix: inout SmilesPrefix) -> Bool {
        guard let rest = completion(after: token, prefix) else { return false }
        prefix.verified = .init(token: token, completion: rest)
        return true
    }

    /// Appends an allowed token (the caller checked `allows`). The prefix keeps a completion (its
    /// witness, whose first token is then always allowed): the one `verify` found for this token,
    /// or the rest of the previous witness, or (after a bare `allows`) the same one found again.
    public func append(_ token: Int, to prefix: inout SmilesPrefix) {
        if meanings[token] == .end { prefix.ended = true; return }
        var witness: ArraySlice<Int>?
        if let verified = prefix.verified, verified.token == token { witness = verified.completion }
        else if let old = prefix.witness, old.first == token { witness = old.dropFirst() }
        let fed = feed(token, to: &prefix)
        precondition(fed, "SmilesGrammar.append: token \(token) was not allowed")
        prefix.verified = nil
        prefix.witness = witness ?? completion(prefix)
    }

    // MARK: Completion

    /// The tokens that close what `prefix` leaves open: an atom after a pending bond, else the
    /// digits of the open rings and `)` (none inside a char-tokenizer bracket atom).
    public func closingTokens(_ prefix: SmilesPrefix) -> [Int] {
        guard prefix.bracketBuffer == nil else { return [] }
        if prefix.pendingBond > 0 {
            return meanings.indices.filter { if case .atom = meanings[$0] { return true } else { return false } }
        }
        var tokens = prefix.openRings.compactMap { ringToken($0.label) }
        if !prefix.branches.isEmpty, let closeBranch { tokens.append(closeBranch) }
        return tokens
    }

    /// Whether `token` is a ring-closure digit.
    public func closesRing(_ token: Int) -> Bool { if case .ring = meanings[token] { return true } else { return false } }

    /// The completion tokens the search tries: close the newest ring, open a ring, `=O` on an
    /// aromatic carbon, close a branch, `c`, `C`
    /// (inside a char-tokenizer bracket: the next character of each bracket atom that fits).
    func searchTokens(_ prefix: SmilesPrefix) -> [Int] {
        if let buffer = prefix.bracketBuffer {
            return bracketContinuations(buffer)
        }
        var tokens: [Int] = []
        if let ring = prefix.openRings.last, let t = ringToken(ring.label) { tokens.append(t) }
        // Open a ring at the current atom: an aromatic atom needs one to lie in.
        if prefix.last == .atom || prefix.last == .ring,
           let t = ringLabels.first(where: { label in !prefix.openRings.contains { $0.label == label } }).flatMap(ringToken) {
            tokens.append(t)
        }
        // An exocyclic `=O` frees an aromatic carbon from needing a ring double bond (`c(=O)`).
        if let double = doubleBond, let oxygen, prefix.current >= 0 {
            if prefix.pendingBond == 2 { tokens.append(oxygen) }
            else if prefix.pendingBond == 0, prefix.last == .atom || prefix.last == .ring,
                    prefix.atoms[prefix.current].kind == .organic(.c) { tokens.append(double) }
        }
        if let closeBranch { tokens.append(closeBranch) }
        if let aromaticCarbon { tokens.append(aromaticCarbon) }
        if let carbon { tokens.append(carbon) }
        return tokens
    }

    /// Char tokenizer: tokens that continue a bracket atom being spelled (`buffer` starts with `[`).
    func bracketContinuations(_ buffer: [UInt8]) -> [Int] {
        var tokens: [Int] = []
        for (text, _) in bracketAtoms where text.count > buffer.count && Array(text.prefix(buffer.count)) == buffer {
            let byte = text[buffer.count]
            if let t = meanings.firstIndex(where: { m in
                switch m {
                case .character(let b): return b == byte
                case .branchClose: return byte == UInt8(ascii: ")")
                case .bond(let o): return (o == 1 && byte == UInt8(ascii: "-")) || (o == 2 && byte == UInt8(ascii: "=")) || (o == 3 && byte == UInt8(ascii: "#"))
                case .ring(let l): return l < 10 && byte == UInt8(ascii: "0") + UInt8(l)
                case .atom(.organic(let e)): return e.rawValue.utf8.count == 1 && e.rawValue.utf8.first == byte
                default: return false
                }
            }), !tokens.contains(t) { tokens.append(t) }
        }
        return tokens
    }

    /// The tokens of a completion of `prefix` within the budget (empty for a complete valid
    /// prefix), nil when there is none: the deterministic completion (`complete`), else the first
    /// that a search over the completion tokens finds within `depth` more tokens.
    public func completion(_ prefix: SmilesPrefix, depth: Int = searchDepth) -> ArraySlice<Int>? {
        if let witness = prefix.witness { return witness }
        var effort = Self.searchEffort, walk = prefix
        return completion(walking: &walk, from: prefix, then: nil, depth: depth, effort: &effort)
    }

    /// Molecules one completion may check, the search's included. A search that runs out refuses:
    /// the rare prefixes that need more are not worth what a failing search costs (every step).
    public static let searchEffort = 64

    /// The deterministic completion walks `prefix` itself (its owner gives it up, so the walk
    /// copies nothing); the search, when needed, starts again from `base` followed by `token`
    /// (what `prefix` was before the walk).
    private func completion(walking prefix: inout SmilesPrefix, from base: SmilesPrefix, then token: Int?,
                            depth: Int, effort: inout Int) -> ArraySlice<Int>? {
        // Only aromatic rings (parity, Kekulé structures, ring membership) need more than the
        // deterministic completion; without aromatic atoms its failure is final.
        let searchable = depth > 0 && prefix.hasAromaticAtom && prefix.tokens < maxTokens
        var checks = min(24, effort), path: [Int] = []
        let budget = checks
        // First (at the top only) with small rings grown to the usual sizes: a completion the
        // decoder then follows costs no walk. Where that fails after growing, the plain one,
        // as if the first had not been tried (its checks are not counted against the search).
        var grew = false, found = false
        if depth == Self.searchDepth {
            found = complete(&prefix, checks: &checks, path: &path, growing: true, grew: &grew)
            if !found && grew {
                checks = budget
                prefix = base
                if let token { _ = feed(token, to: &prefix) }
            }
        }
        if !found && (grew || depth < Self.searchDepth) {
            found = complete(&prefix, checks: &checks, path: &path, growing: false, grew: &grew)
        }
        effort -= max(1, budget - max(checks, 0))
        if found { return path[...] }
        guard searchable else { return nil }
        var start = base
        if let token { _ = feed(token, to: &start) }
        // An aromatic system that is final and fails cannot be mended: no search (a refused
        // token otherwise runs it to its end).
        guard !start.hasFinalAromaticFailure() else { return nil }
        for next in searchTokens(start) where effort > 0 {
            var walk = start
            if feed(next, to: &walk), let rest = completion(walking: &walk, from: start, then: next, depth: depth - 1, effort: &effort) {
                return ([next] + rest)[...]
            }
        }
        return nil
    }

    /// The deterministic completion: finish a bracket atom, fill a pending bond with `C`, open a
    /// ring at an aromatic atom that has none, close every ring at the current atom (adding `C`
    /// atoms where the ring cannot close there, closing the branch first when the current atom is
    /// full), close every branch; true when that is a valid molecule within the budget. A ring
    /// between two aromatic atoms is closed at once or after one more `c` (the Kekulé structure may
    /// need the other parity), tried in that order, depth first, with at most 24 molecules checked.
    /// `path` receives the tokens fed (only those of the completion that worked). `p` is walked in
    /// place and left unspecified; a closure that fails is undone from a copy kept before it (in
    /// the searches behind refused tokens most closures fail, and feeding the walk again from its
    /// start cost more than the copy). `growing`: grow small rings first (`ringGrowth`); `grew`
    /// tells whether that happened.
    private func complete(_ p: inout SmilesPrefix, checks: inout Int, path: inout [Int], growing: Bool, grew: inout Bool) -> Bool {
        let start = path.count
        func fail() -> Bool { path.removeSubrange(start...); return false }
        var ringCarbons = 0   // `c` atoms added to reach a ring closure
        while true {
            // An aromatic atom that starts a new aromatic system (first atom, or bonded by a
            // non-aromatic bond) lies in no ring and can only get one from a digit right here.
            let needsRing = p.last == .atom && p.atoms[p.current].kind.isAromatic
                && (p.bonds.isEmpty || p.bonds[p.bonds.count - 1].order != SmilesPrefix.aromatic)
            if p.isComplete && !needsRing {
                checks -= 1
                return checks >= 0 && p.isValidMolecule() ? true : fail()
            }
            if p.tokens >= maxTokens || checks <= 0 { return fail() }
            var next: Int?
            if p.bracketBuffer != nil || p.pendingBond > 0 || p.branchIsEmpty {
                // Finish the bracket atom; fill the bond or the empty branch with `C`.
                let token = p.bracketBuffer.map { buffer in bracketContinuations(buffer).first { feeds($0, p) } } ?? carbon
                guard let token, feed(token, to: &p) else { return fail() }
                path.append(token)
                continue
            } else if let ring = p.openRings.last, p.atoms[ring.atom].kind.isAromatic, let top = p.branches.last, ring.atom <= top,
                      !p.atoms[p.current].kind.isAromatic || p.last == .ring, let b = closeBranch, feed(b, to: &p) {
                // An aromatic ring opened before the branch closes through aromatic atoms of its
                // own chain: back out of a side chain that is aliphatic or a ring just closed.
                path.append(b)
                continue
            } else if needsRing, let t = ringLabels.first(where: { label in !p.openRings.contains { $0.label == label } })
                        .flatMap(ringToken), feed(t, to: &p) {
                path.append(t)
                continue
            } else if growing, let ring = p.openRings.last, let grown = ringGrowth(p, ring), feed(grown, to: &p) {
                // The ring is smaller than the ones drug-like molecules have: one more atom first.
                path.append(grown)
                grew = true
                continue
            } else if let ring = p.openRings.last, let t = ringToken(ring.label) {
                if let c = aromaticCarbon, p.atoms[ring.atom].kind.isAromatic, p.atoms[p.current].kind.isAromatic {
                    // Close the ring here, or (the other Kekulé parity, or where no digit may
                    // follow, as after `)`) after one more `c`. A closure that can only make an
                    // odd cycle of plain `c` is not tried (it cannot kekulize).
                    if !p.closingMakesOddCarbonCycle(ring) {
                        let saved = p
                        if feed(t, to: &p) {
                            let mark = path.count
                            path.append(t)
                            if complete(&p, checks: &checks, path: &path, growing: growing, grew: &grew) { return true }
                            path.removeSubrange(mark...)
                            p = saved
                        }
                    }
                    // Parity and adjacency never need more than three: the walk stays short.
                    if ringCarbons == 3 { return fail() }
                    ringCarbons += 1
                    next = c
                } else if feed(t, to: &p) {
                    path.append(t)
                    continue
                }
            }
            if next == nil, !p.openRings.isEmpty, let c = carbon, feed(c, to: &p) {
                // The ring cannot close here (bonded already, after a branch): one more carbon.
                path.append(c)
                continue
            }
            // Else a full atom inside a branch: back to the branch point, then go on.
            guard let token = next ?? closeBranch, feed(token, to: &p) else { return fail() }
            path.append(token)
        }
    }

    /// The atom that makes `ring` one atom larger before it closes, when closing it at the current
    /// atom would give fewer than six atoms (five when an atom brings a lone pair, as in furan or
    /// pyrrole) and the budget leaves ample room: `c` between aromatic atoms, `C` between
    /// aliphatic ones. Nil: close as soon as possible.
    func ringGrowth(_ p: SmilesPrefix, _ ring: SmilesPrefix.OpenRing) -> Int? {
        guard ring.order == 0, p.pendingBond == 0, p.tokens + 8 + 2 * (p.openRings.count + p.branches.count) <= maxTokens else { return nil }
        let aromatic = p.atoms[ring.atom].kind.isAromatic
        guard aromatic == p.atoms[p.current].kind.isAromatic else { return nil }
        let closed = p.ringClosedAt(ring)
        guard closed.size < (closed.hasLonePairAtom ? 5 : 6) else { return nil }
        return aromatic ? aromaticCarbon : carbon
    }

    // MARK: Feeding tokens

    /// Whether `token` may be fed to `p` (on a copy).
    func feeds(_ token: Int, _ p: SmilesPrefix) -> Bool {
        var q = p
        return feed(token, to: &q)
    }

    /// Applies `token` to `p` if the result breaks no rule of syntax or valence; false otherwise,
    /// and then `p` is as it was (the prefix checks before it writes).
    func feed(_ token: Int, to p: inout SmilesPrefix) -> Bool {
        guard !p.ended, p.tokens < maxTokens, apply(meanings[token], to: &p) else { return false }
        p.tokens += 1
        p.witness = nil   // it finished the prefix before this token
        return true
    }

    private func apply(_ meaning: Meaning, to p: inout SmilesPrefix) -> Bool {
        if var buffer = p.bracketBuffer {
            // Char tokenizer inside `[...]`: the byte must keep the buffer a prefix of a bracket atom.
            let byte: UInt8
            switch meaning {
            case .character(let b): byte = b
            case .branchClose: byte = UInt8(ascii: ")")
            case .bond(let o): byte = o == 1 ? UInt8(ascii: "-") : o == 2 ? UInt8(ascii: "=") : UInt8(ascii: "#")
            case .ring(let l) where l < 10: byte = UInt8(ascii: "0") + UInt8(l)
            case .atom(.organic(let e)) where e.rawValue.utf8.count == 1: byte = e.rawValue.utf8.first!
            default: return false
            }
            buffer.append(byte)
            guard let match = bracketAtoms.first(where: { $0.text.count >= buffer.count && Array($0.text.prefix(buffer.count)) == buffer }) else {
                return false
            }
            if match.text == buffer {
                guard p.addAtom(match.kind) else { return false }
                p.bracketBuffer = nil
                return true
            }
            p.bracketBuffer = buffer
            return true
        }
        switch meaning {
        case .atom(let kind): return p.addAtom(kind)
        case .bond(let order): return p.addBond(order)
        case .branchOpen: return p.openBranch()
        case .branchClose: return p.closeBranch()
        case .ring(let label): return p.ringLabel(label)
        case .extendHalogen(let kind): return p.extendToHalogen(kind)
        case .bracketOpen:
            guard p.canStartAtom else { return false }
            p.bracketBuffer = [UInt8(ascii: "[")]
            return true
        case .end, .character, .unsupported: return false
        }
    }
}

/// Elements written without brackets (the organic subset), aromatic ones in lower case.
enum OrganicElement: String {
    case B, C, N, O, P, S, F, Cl, Br, I
    case c, n, o, s

    var element: Element {
        switch self {
        case .B: return .B
        case .C, .c: return .C
        case .N, .n: return .N
        case .O, .o: return .O
        case .P: return .P
        case .S, .s: return .S
        case .F: return .F
        case .Cl: return .Cl
        case .Br: return .Br
        case .I: return .I
        }
    }

    var isAromatic: Bool {
        switch self {
        case .c, .n, .o, .s: return true
        default: return false
        }
    }
}

/// The elements the grammar knows, with RDKit's allowed valences (smallest = default).
enum Element: UInt8 {
    case H, B, C, N, O, P, S, F, Cl, Br, I

    /// The largest of `valences`, without building the array (it is asked on every bond).
    var maxValence: Int {
        switch self {
        case .H, .F, .Cl, .Br, .I: return 1
        case .O: return 2
        case .B, .N: return 3
        case .C: return 4
        case .P: return 5
        case .S: return 6
        }
    }

    /// RDKit's allowed valences, smallest (the default) first.
    var valences: Valences {
        switch self {
        case .H, .F, .Cl, .Br, .I: return Valences(1)
        case .O: return Valences(2)
        case .B, .N: return Valences(3)
        case .C: return Valences(4)
        case .P: return Valences(3, 5)
        case .S: return Valences(2, 4, 6)
        }
    }

    /// At most three valences, kept inline: they are read for every aromatic atom of every
    /// validity check, where an array would cost a retain and a release each time.
    struct Valences: RandomAccessCollection {
        private let values: (Int8, Int8, Int8)
        let count: Int
        init(_ a: Int8, _ b: Int8 = 0, _ c: Int8 = 0) { values = (a, b, c); count = c > 0 ? 3 : b > 0 ? 2 : 1 }
        var startIndex: Int { 0 }
        var endIndex: Int { count }
        subscript(i: Int) -> Int { Int(i == 0 ? values.0 : i == 1 ? values.1 : values.2) }
    }

    static func named(_ symbol: String) -> (Element, aromatic: Bool)? {
        switch symbol {
        case "H": return (.H, false)
        case "B": return (.B, false)
        case "C": return (.C, false)
        case "N": return (.N, false)
        case "O": return (.O, false)
        case "P": return (.P, false)
        case "S": return (.S, false)
        case "F": return (.F, false)
        case "Cl": return (.Cl, false)
        case "Br": return (.Br, false)
        case "I": return (.I, false)
        case "c": return (.C, true)
        case "n": return (.N, true)
        case "o": return (.O, true)
        case "s": return (.S, true)
        default: return nil
        }
    }
}

/// An atom as written: organic (implicit hydrogens) or bracket (its hydrogens stated).
enum AtomKind: Equatable {
    case organic(OrganicElement)
    case bracketed(Element, aromatic: Bool, hydrogens: Int8)   // narrow: atoms are copied on every completion walk

    /// A neutral bracket atom: `[` isotope? symbol chirality? (`H` count?)? `]`; nil for anything
    /// else (charges, classes, elements the grammar does not know).
    static func bracket(_ token: String) -> AtomKind? {
        var chars = Array(token)
        guard chars.count >= 3, chars.first == "[", chars.last == "]" else { return nil }
        chars = Array(chars[1..<(chars.count - 1)])
        var i = 0
        while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1 }   // isotope
        guard i < chars.count else { return nil }
        var symbol = String(chars[i]); i += 1
        if i < chars.count, chars[i].isLowercase, chars[i] != "H", let (_, _) = Element.named(symbol + String(chars[i])) {
            symbol += String(chars[i]); i += 1
        }
        guard let (element, aromatic) = Element.named(symbol) else { return nil }
        while i < chars.count, chars[i] == "@" { i += 1 }                         // chirality
        var hydrogens = 0
        if i < chars.count, chars[i] == "H" {
            i += 1
            hydrogens = 1
            if i < chars.count, let digit = chars[i].wholeNumberValue { hydrogens = digit; i += 1 }
        }
        guard i == chars.count else { return nil }   // charges, atom classes: not modelled
        return .bracketed(element, aromatic: aromatic, hydrogens: Int8(hydrogens))
    }

    var element: Element {
        switch self {
        case .organic(let e): return e.element
        case .bracketed(let e, _, _): return e
        }
    }

    var isAromatic: Bool {
        switch self {
        case .organic(let e): return e.isAromatic
        case .bracketed(_, let aromatic, _): return aromatic
        }
    }

    var explicitHydrogens: Int {
        if case let .bracketed(_, _, h) = self { return Int(h) }
        return 0
    }

    var isBracket: Bool { if case .bracketed = self { return true } else { return false } }
}
