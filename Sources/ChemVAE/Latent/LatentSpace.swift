import Chem
import Datasets
import Engine
import Foundation
import Smiles
import Storage

// The latent space of a trained model: molecules in (encode), points out (decode), and the files
// that carry points between the two. Shapes: N points, Z latent dimensions.

/// Latent points with where they came from: the rows of a latents file.
public struct LatentPoints: Equatable, Sendable {
    /// Z, the width of every point.
    public let width: Int
    /// Latent means [N, Z], row-major.
    public var means: [Float]
    /// Log-variances [N, Z] of the encoder's posterior, when kept.
    public var logVariances: [Float]?
    /// The SMILES each point was encoded from ("" for points that came from elsewhere).
    public var smiles: [String]
    /// Where each molecule was read: the 1-based line of a SMILES file, the 1-based row of a
    /// dataset file, 0 when unknown.
    public var lines: [Int]

    /// N, the number of points.
    public var count: Int { smiles.count }

    public init(width: Int, means: [Float], logVariances: [Float]? = nil, smiles: [String]? = nil, lines: [Int]? = nil) {
        precondition(width > 0 && means.count % width == 0, "LatentPoints: \(means.count) values are not rows of \(width)")
        let n = means.count / width
        precondition(logVariances == nil || logVariances!.count == means.count, "LatentPoints: log-variances must match the means")
        self.width = width
        self.means = means
        self.logVariances = logVariances
        self.smiles = smiles ?? Array(repeating: "", count: n)
        self.lines = lines ?? Array(repeating: 0, count: n)
        precondition(self.smiles.count == n && self.lines.count == n, "LatentPoints: \(n) points need \(n) SMILES and lines")
    }

    /// The mean of point `i` (Z values).
    public func mean(_ i: Int) -> [Float] { Array(means[(i * width)..<((i + 1) * width)]) }

    /// The means as a [N, Z] tensor.
    public var tensor: Tensor { Tensor(means, shape: [count, width]) }
}

/// One decoded latent point.
public struct DecodedMolecule: Equatable, Sendable {
    /// The decoder's SMILES, as spelled by the tokens ("" when it ended at once).
    public var smiles: String
    /// RDKit's canonical SMILES when the string is a valid molecule, else nil.
    public var canonical: String?
    /// With several attempts per point: how many of them decoded to `canonical` (1 otherwise).
    public var votes: Int

    public var isValid: Bool { canonical != nil }

    public init(smiles: String, canonical: String?, votes: Int = 1) {
        self.smiles = smiles; self.canonical = canonical; self.votes = votes
    }
}

/// A molecule (SMILES string) that this model cannot encode, and why.
public struct UnencodableMolecule: Error, CustomStringConvertible, Equatable {
    public var smiles: String
    /// `invalid` (RDKit cannot parse it), `tooLong` or `unknownToken`, as in dataset conversion.
    public var reason: RejectionReason
    public var detail: String

    public var description: String {
        switch reason {
        case .invalid: return "'\(smiles)' is not a valid molecule (\(detail))"
        case .tooLong: return "'\(smiles)' is too long for this model (\(detail))"
        case .unknownToken: return "'\(smiles)' holds a token outside this model's vocabulary (\(detail))"
        case .badProperty: return "'\(smiles)' has no usable measured value (\(detail))"
        }
    }
}

/// The result of encoding a SMILES file: the points and the rows that were skipped.
public struct LatentEncoding: Sendable {
    public var points: LatentPoints
    /// Rows that could not be encoded (invalid, too long, unknown tokens), with file and line.
    public var rejected: [RejectedRecord]
    /// Records read from the input.
    public var read: Int
    /// Encoded molecules that standardisation changed (`ChemVAEModel.standardization`).
    public var standardized = 0
}

extension ChemVAEModel {
    // MARK: Encoding

    /// Latent means and log-variances of token rows [N, T] (N·T bytes), in batches of 256 with no
    /// tape. The encoder runs in inference mode, so a row's point does not depend on its batch.
    public func latentMoments(rows: [UInt8]) -> (means: [Float], logVariances: [Float]) {
        let width = config.maxLength, n = rows.count / width
        var means: [Float] = [], logVariances: [Float] = []
        means.reserveCapacity(n * config.latentSize); logVariances.reserveCapacity(n * config.latentSize)
        Tape.withoutRecording {
            for start in stride(from: 0, to: n, by: 256) {
                let end = min(start + 256, n)
                let (m, lv) = model.encode(Array(rows[(start * width)..<(end * width)]))
                means += m.scalars; logVariances += lv.scalars
            }
        }
        return (means, logVariances)
    }

    /// The token row this model would see for `smiles`: standardised as `standardization` says,
    /// then RDKit's canonical SMILES (as the training data was converted), tokenized with the
    /// model's codec; `changes` says what standardisation changed.
    /// - Throws: `UnencodableMolecule` naming the molecule and the reason.
    public func tokenRow(smiles: String) throws -> (row: [UInt8], canonical: String, changes: StandardizationChanges) {
        let canonical: String
        var changes: StandardizationChanges = []
        do {
            let parent = try standardization?.standardize(smiles)
            changes = parent?.changes ?? []
            guard let c = try analyze(smiles: parent?.smiles ?? smiles).canonicalSMILES else {
                throw ChemError.invalidSMILES(smiles, reason: "no canonical SMILES")
            }
            canonical = c
        } catch let error as ChemError {
            let reason: String
            if case let .invalidSMILES(_, r) = error { reason = r } else { reason = "\(error)" }
            throw UnencodableMolecule(smiles: smiles, reason: .invalid, detail: Self.oneLine(reason.isEmpty ? "RDKit cannot parse it" : reason))
        }
        do {
            return (try codec.encode(canonical), canonical, changes)
        } catch let error as SmilesEncodingError {
            guard case let .tooLong(_, tokens, maxLength) = error else { throw error }
            throw UnencodableMolecule(smiles: smiles, reason: .tooLong, detail: "\(tokens) tokens + end exceed max length \(maxLength)")
        } catch VocabularyError.unknownToken {
            throw UnencodableMolecule(smiles: smiles, reason: .unknownToken,
                                      detail: codec.unknownTokenDetail(tokenized: canonical, original: smiles, applied: standardization, canonicalize: true))
        }
    }

    /// The latent mean (and log-variance) of one molecule.
    /// - Throws: `UnencodableMolecule` for an invalid SMILES, one too long or with unknown tokens.
    public func encode(smiles: String) throws -> LatentPoints {
        let (row, canonical, _) = try tokenRow(smiles: smiles)
        let (m, lv) = latentMoments(rows: row)
        return LatentPoints(width: config.latentSize, means: m, logVariances: lv, smiles: [canonical], lines: [0])
    }

    /// Encodes the molecules of a SMILES file (.smi/.txt/.csv, optionally .gz) or of a dataset
    /// file converted with this model's vocabulary. SMILES are canonicalized by RDKit first (as
    /// `molgen convert --canonicalize` does); molecules that cannot be encoded are skipped and
    /// listed in `rejected` with their line, so the result may hold no points at all. `lines` are
    /// the SMILES file's 1-based lines, or the dataset's 1-based rows.
    /// - Throws: when the file cannot be read (missing, not SMILES, a dataset of another vocabulary).
    public func encode(file path: String, column: String? = nil, keepVariances: Bool = true) throws -> LatentEncoding {
        let lower = path.lowercased()
        if lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") {
            let data = try MoleculeInput(path: path, model: self, column: column, properties: []).dataset
            let (m, lv) = latentMoments(rows: data.tokens)
            let points = LatentPoints(width: config.latentSize, means: m, logVariances: keepVariances ? lv : nil,
                                      smiles: data.smiles, lines: Array(1...data.count))
            return LatentEncoding(points: points, rejected: [], read: data.count)
        }
        var all = LatentPoints(width: config.latentSize, means: [], logVariances: keepVariances ? [] : nil, smiles: [], lines: [])
        var rejected: [RejectedRecord] = [], read = 0
        var standardized = 0
        try encode(smilesFile: path, column: column, keepVariances: keepVariances) { points, rejects, total, _, changed in
            standardized += changed
            all.means += points.means
            if keepVariances { all.logVariances! += points.logVariances! }
            all.smiles += points.smiles
            all.lines += points.lines
            rejected += rejects
            read = total
        }
        return LatentEncoding(points: all, rejected: rejected, read: read, standardized: standardized)
    }

    /// Encodes the molecules of a SMILES file block by block in flat memory: `each` receives each
    /// block's points, the block's rejected rows, the records read so far, the share of the
    /// file done (0...1) and how many of the block's points standardisation changed, in file order.
    public func encode(smilesFile path: String, column: String? = nil, keepVariances: Bool = true, blockSize: Int = 10_000,
                       each: (_ points: LatentPoints, _ rejected: [RejectedRecord], _ read: Int, _ fractionDone: Double,
                              _ standardized: Int) throws -> Void) throws {
        let reader = try MoleculeFile.open(path, column: column)
        var read = 0
        while true {
            let records = try reader.next(upTo: blockSize)
            if records.isEmpty { return }
            read += records.count
            let (points, rejected, standardized) = encode(records, file: path, keepVariances: keepVariances)
            try each(points, rejected, read, reader.fractionDone, standardized)
        }
    }

    /// One block of records: token rows built on every core, then the encoder.
    private func encode(_ records: [SmilesRecord], file path: String, keepVariances: Bool) -> (LatentPoints, [RejectedRecord], Int) {
        var results = [Result<(row: [UInt8], canonical: String, changes: StandardizationChanges), UnencodableMolecule>?](
            repeating: nil, count: records.count)
        results.withUnsafeMutableBufferPointer { out in
            // RDKit work on every core; the model only reads its codec here.
            let chunk = 64
            DispatchQueue.concurrentPerform(iterations: (records.count + chunk - 1) / chunk) { c in
                for i in (c * chunk)..<min(records.count, (c + 1) * chunk) {
                    if let problem = records[i].problem {
                        out[i] = .failure(UnencodableMolecule(smiles: records[i].smiles, reason: .invalid, detail: problem))
                        continue
                    }
                    do { out[i] = .success(try tokenRow(smiles: records[i].smiles)) } catch let error as UnencodableMolecule {
                        out[i] = .failure(error)
                    } catch {
                        out[i] = .failure(UnencodableMolecule(smiles: records[i].smiles, reason: .invalid, detail: "\(error)"))
                    }
                }
            }
        }
        var rows: [UInt8] = [], smiles: [String] = [], lines: [Int] = [], rejected: [RejectedRecord] = [], standardized = 0
        for (record, result) in zip(records, results) {
            switch result! {
            case .success(let encoded):
                rows += encoded.row; smiles.append(encoded.canonical); lines.append(record.line)
                if !encoded.changes.isEmpty { standardized += 1 }
            case .failure(let error):
                rejected.append(RejectedRecord(file: path, line: record.line, smiles: record.smiles, reason: error.reason, detail: error.detail))
            }
        }
        let (m, lv) = latentMoments(rows: rows)
        return (LatentPoints(width: config.latentSize, means: m, logVariances: keepVariances ? lv : nil, smiles: smiles, lines: lines),
                rejected, standardized)
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    // MARK: Decoding

    /// Checks that `points` can be decoded by this model: the right width and finite values.
    /// - Throws: `ChemVAEError.invalidLatent` naming `source` and the first bad row.
    public func validate(_ points: LatentPoints, source: String) throws {
        guard points.width == config.latentSize else {
            throw ChemVAEError.invalidLatent(
                "\(source): latent points have \(points.width) dimensions but the model's latent space has \(config.latentSize); decode them with the model that encoded them")
        }
        if let bad = points.means.firstIndex(where: { !$0.isFinite }) {
            let row = bad / points.width
            let place = points.lines[row] > 0 ? "row \(row + 1) (line \(points.lines[row]))" : "row \(row + 1)"
            throw ChemVAEError.invalidLatent("\(source): \(place) holds a NaN or infinite value (z\(bad % points.width)); every latent value must be finite")
        }
    }

    /// Decodes latent points [N, Z] in batches of 500.
    ///
    /// With `attempts` > 1 each point is decoded that many times by sampling (at the temperature of
    /// `method` when it samples, else 1) and the most frequent valid molecule is kept, as the 2018
    /// paper does; a point with no valid decoding keeps its first attempt.
    /// `constrained` (the default) decodes under the SMILES grammar's mask (`SmilesGrammar`), so
    /// every decoded string is a valid molecule; false lets the decoder emit any token.
    public func decode(_ points: LatentPoints, method: DecodingMethod = .greedy, attempts: Int = 1, constrained: Bool = true,
                       seed: UInt64 = 1) -> [DecodedMolecule] {
        decode(points, method: method, attempts: attempts, constrained: constrained, using: RandomGenerator(seed: seed))
    }

    /// `decode(_:method:attempts:constrained:seed:)` drawing from `rng`, so a stream of blocks
    /// (`decodeInBlocks`) continues one random sequence.
    func decode(_ points: LatentPoints, method: DecodingMethod, attempts: Int, constrained: Bool = true, using rng: RandomGenerator) -> [DecodedMolecule] {
        precondition(points.width == config.latentSize, "decode: points of width \(points.width) for a latent space of \(config.latentSize)")
        precondition(attempts >= 1, "decode: attempts must be at least 1")
        let grammar = constrained ? self.grammar : nil
        let z = config.latentSize, n = points.count
        var out: [DecodedMolecule] = []
        out.reserveCapacity(n)
        if attempts == 1 {
            for start in stride(from: 0, to: n, by: 500) {
                let end = min(start + 500, n)
                let batch = Tensor(Array(points.means[(start * z)..<(end * z)]), shape: [end - start, z])
                let strings = smiles(model.decode(batch, method: method, grammar: grammar, using: rng))
                out += Self.canonicalize(strings).enumerated().map { DecodedMolecule(smiles: strings[$0.offset], canonical: $0.element) }
            }
            return out
        }
        var temperature: Float = 1
        if case let .sample(t) = method { temperature = t }
        let pointsPerBatch = max(1, 500 / attempts)
        for start in stride(from: 0, to: n, by: pointsPerBatch) {
            let end = min(start + pointsPerBatch, n)
            var repeated = [Float]()
            repeated.reserveCapacity((end - start) * attempts * z)
            for i in start..<end { for _ in 0..<attempts { repeated += points.means[(i * z)..<((i + 1) * z)] } }
            let strings = smiles(model.decode(Tensor(repeated, shape: [(end - start) * attempts, z]),
                                              method: .sample(temperature: temperature), grammar: grammar, using: rng))
            let canonical = Self.canonicalize(strings)
            for k in 0..<(end - start) {
                let range = (k * attempts)..<((k + 1) * attempts)
                out.append(Self.mostFrequentValid(Array(strings[range]), canonical: Array(canonical[range])))
            }
        }
        return out
    }

    /// The most frequent valid molecule among several decodings of one point (ties go to the one
    /// seen first); when none is valid, the first decoding with no canonical form.
    /// `canonical[i]` is the canonical SMILES of `strings[i]` or nil.
    public static func mostFrequentValid(_ strings: [String], canonical: [String?]) -> DecodedMolecule {
        precondition(!strings.isEmpty && strings.count == canonical.count, "mostFrequentValid: one canonical form per string")
        var counts: [String: Int] = [:], firstSeen: [String: Int] = [:]
        for (i, c) in canonical.enumerated() {
            guard let c else { continue }
            counts[c, default: 0] += 1
            if firstSeen[c] == nil { firstSeen[c] = i }
        }
        guard let best = counts.max(by: { a, b in a.value < b.value || (a.value == b.value && firstSeen[a.key]! > firstSeen[b.key]!) }) else {
            return DecodedMolecule(smiles: strings[0], canonical: nil, votes: 0)
        }
        return DecodedMolecule(smiles: strings[firstSeen[best.key]!], canonical: best.key, votes: best.value)
    }

    /// Convenience: the most frequent valid molecule among SMILES strings (canonicalized here).
    public static func mostFrequentValid(_ strings: [String]) -> DecodedMolecule {
        mostFrequentValid(strings, canonical: canonicalize(strings))
    }

    /// RDKit's canonical SMILES of each string (nil when invalid or empty), on all cores.
    public static func canonicalize(_ strings: [String]) -> [String?] {
        var out = [String?](repeating: nil, count: strings.count)
        out.withUnsafeMutableBufferPointer { buffer in
            let chunk = 64
            DispatchQueue.concurrentPerform(iterations: (strings.count + chunk - 1) / chunk) { c in
                for i in (c * chunk)..<min(strings.count, (c + 1) * chunk) where !strings[i].isEmpty {
                    buffer[i] = canonicalSMILES(strings[i])
                }
            }
        }
        return out
    }

    // MARK: Prior samples

    /// The prior used when none is named: the fitted mixture when the model has one.
    public var defaultPrior: PriorChoice { prior == nil ? .normal : .fitted }

    /// The temperature a prior is drawn at when none is given: the fitted prior's stored one
    /// (`molgen fit-prior --temperature`), 1 for N(0, I).
    public func defaultTemperature(of choice: PriorChoice) -> Double { choice == .fitted ? priorTemperature : 1 }

    /// `count` latent points [count, Z] drawn from `choice` (N(0, I), or the fitted mixture), with
    /// every spread scaled by `temperature` (N(0, T²I); each mixture component's likewise; nil:
    /// `defaultTemperature(of: choice)`).
    public func priorPoints(count: Int, from choice: PriorChoice, temperature: Double? = nil, using rng: RandomGenerator) throws -> [Float] {
        let temperature = temperature ?? defaultTemperature(of: choice)
        switch choice {
        case .normal: return Tensor.randomNormal([count, config.latentSize], using: rng).scalars.map { Float(temperature) * $0 }
        case .fitted:
            guard let prior else {
                throw ChemVAEError.invalidLatent("--prior fitted: this model has no fitted prior (make one with molgen fit-prior, or use --prior normal)")
            }
            return prior.sample(count: count, temperature: temperature, using: rng)
        }
    }

    /// `count` points from the prior (`choice`, by default `defaultPrior`, at `priorTemperature`)
    /// from `seed`, decoded with `method` (and `attempts`; see `decode`).
    public func samplePrior(count: Int, method: DecodingMethod = .greedy, attempts: Int = 1, constrained: Bool = true, seed: UInt64 = 1,
                            prior choice: PriorChoice? = nil, priorTemperature: Double? = nil)
        throws -> (points: LatentPoints, molecules: [DecodedMolecule])
    {
        let rng = RandomGenerator(seed: seed)
        let points = LatentPoints(width: config.latentSize,
                                  means: try priorPoints(count: count, from: choice ?? defaultPrior, temperature: priorTemperature, using: rng))
        return (points, decode(points, method: method, attempts: attempts, constrained: constrained, seed: seed &+ 1))
    }
}
