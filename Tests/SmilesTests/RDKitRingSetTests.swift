import Foundation
import XCTest
@testable import Smiles

/// MolGen's copy of RDKit 2022.09's ring perception (`RDKitRingSet`) and the validity check built
/// on it, against the system's RDKit itself: `Fixtures/rdkit-ring-*.csv`, written by
/// tools/make-ring-fixtures.py under /usr/bin/python3.
final class RDKitRingSetTests: XCTestCase {
    /// The rows of a fixture as dictionaries keyed by its header (no field holds a comma or quote).
    static func rows(_ name: String) throws -> [[String: String]] {
        guard let url = Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fixtures/\(name).csv"])
        }
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    /// Each string fed to the grammar token by token (over a vocabulary of every token in them):
    /// the finished prefix, or nil where the grammar refuses a token or something is left open.
    static func parse(_ strings: [String]) throws -> [SmilesPrefix?] {
        let vocabulary = try Vocabulary(building: strings, tokenizer: .atom)
        let grammar = SmilesGrammar(vocabulary: vocabulary, tokenizer: .atom, maxTokens: 1000)
        return try strings.map { smiles in
            var p = grammar.start()
            for t in try vocabulary.encode(smiles, tokenizer: .atom) {
                guard grammar.feed(Int(t), to: &p) else { return nil }
            }
            return p.isComplete ? p : nil
        }
    }

    /// Bonds numbered as RDKit numbers them, and the rings RDKit's sanitization perceives, ring for
    /// ring and atom for atom in RDKit's order: MOSES molecules, polycyclic ones, random carbon
    /// cages (rings missed, extra rings the symmetrization adds, 17 or more rings, RDKit's fallback
    /// to its approximate search) and tangled aromatic molecules.
    func testRingSetsAreRDKits() throws {
        let rows = try Self.rows("rdkit-ring-sets")
        let prefixes = try Self.parse(rows.map { $0["smiles"]! })
        var kinds: [String: Int] = [:]
        for (row, p) in zip(rows, prefixes) {
            let smiles = row["smiles"]!
            guard let p else { XCTFail("\(smiles): the grammar does not read it"); continue }
            let bonds = p.rdkitBonds().map { "\($0.0)-\($0.1)" }.joined(separator: " ")
            XCTAssertEqual(bonds, row["bonds"]!, "\(smiles): bond order")
            let rings = RDKitRingSet(atomCount: p.atomCount, bonds: p.rdkitBonds()).rings()
            let text = rings?.map { $0.map(String.init).joined(separator: " ") }.joined(separator: "|")
            XCTAssertEqual(text, row["rings"]!, "\(smiles) (\(row["kind"]!))")
            kinds[row["kind"]!, default: 0] += 1
        }
        XCTAssertEqual(Set(kinds.keys), ["moses", "polycyclic", "cage-missed", "cage-symmetrized", "cage-many", "cage-fallback", "cage-plain", "tangle"])
        XCTAssertGreaterThan(rows.count, 300)
    }

    /// The grammar's verdict on a finished string is RDKit 2022.09's wherever its own rules (with the
    /// written tree's cycles as rings) accept the string; they accept every string here that RDKit
    /// refuses for its rings, so without RDKit's rings this test fails on 178 of them.
    func testTheGrammarRefusesExactlyWhatRDKitRefusesForItsRings() throws {
        let rows = try Self.rows("rdkit-ring-verdicts")
        let prefixes = try Self.parse(rows.map { $0["smiles"]! })
        var refusedForRings = 0, acceptedWithRDKitRings = 0
        for (row, p) in zip(rows, prefixes) {
            let smiles = row["smiles"]!, rdkit = row["accepted"]! == "1"
            guard let p else { XCTFail("\(smiles): the grammar does not read it"); continue }
            let treeRings = p.isValidMolecule(rings: .never)
            XCTAssertEqual(p.isValidMolecule(), rdkit && treeRings, "\(smiles) (\(row["kind"]!)): RDKit \(rdkit ? "accepts" : "refuses") it")
            if treeRings { XCTAssertEqual(p.isValidMolecule(rings: .always), rdkit, "\(smiles): RDKit's rings everywhere") }
            if treeRings && !rdkit { refusedForRings += 1 }
            if rdkit && p.gateOpens { acceptedWithRDKitRings += 1 }
        }
        XCTAssertEqual(refusedForRings, 178)
        XCTAssertEqual(acceptedWithRDKitRings, 173, "accepted molecules whose check asks RDKit's rings")
    }

    /// Only a ring system with four closures or more and an aromatic atom opens the gate: rare in
    /// MOSES (6 of the first 5,000 molecules, counted on the finished molecules).
    func testTheGateOpensOnFewMosesMolecules() throws {
        var strings: [String] = []
        for path in mosesFiles().prefix(2) {
            let reader = try SmilesFileReader(path: path)
            while strings.count < 5000, let record = try reader.next() { strings.append(record.smiles) }
        }
        let prefixes = try Self.parse(strings)
        XCTAssertEqual(prefixes.filter { $0 == nil }.count, 0)
        let opened = prefixes.filter { $0?.gateOpens == true }.count
        print("the ring gate opens on \(opened) of \(strings.count) MOSES molecules")
        XCTAssertGreaterThan(opened, 0)
        XCTAssertLessThan(opened, 25)
    }

    /// The three-closure systems stay on the fast path, a fourth closure in the same system opens
    /// the gate, and four closures spread over separate systems do not.
    func testTheGateCountsClosuresPerAromaticRingSystem() throws {
        let strings = ["c1ccc2c(c1)ccc1c2ccc2ccccc12",        // 4 fused aromatic rings: opens
                       "c1ccc2c(c1)ccc1ccccc12",                // phenanthrene, 3 rings: stays shut
                       "c1ccc(cc1)-c1ccc(cc1)-c1ccccc1C1CC1",   // 4 rings in 4 systems: stays shut
                       "c1ccc(cc1)C12C3C4C1C5C2C3C45",          // benzene on cubane (5 closures, aliphatic): stays shut
                       "C1CC2C3CCC4=CC(=O)CCC4C3CCC2(C)C1"]     // a steroid without aromatic atoms: stays shut
        let prefixes = try Self.parse(strings)
        XCTAssertEqual(prefixes.map { $0?.gateOpens }, [true, false, false, false, false])
    }
}

extension SmilesPrefix {
    /// Whether `isValidMolecule` would ask RDKit's rings about this molecule (once it passes).
    var gateOpens: Bool {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: bonds.count + 3 * atoms.count) { buffer in
            markRingBonds(buffer.baseAddress!)
            return mayMissRingBonds(buffer.baseAddress!, scratch: buffer.baseAddress! + bonds.count)
        }
    }
}
