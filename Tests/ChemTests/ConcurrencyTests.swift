import Chem
import Dispatch
import XCTest

final class ConcurrencyTests: XCTestCase {
    /// The converter calls `analyze` from several threads: results must equal a serial run.
    func testConcurrentAnalysisMatchesSerial() throws {
        let smiles = try Fixture.rows("rdkit-reference").compactMap { $0["smiles"] } + ["C1CC", "Xx", "c1cccc1"]
        let properties: [MolecularProperty] = [.logP, .qed, .sas, .molecularWeight, .penalizedLogP]
        func run(_ s: String) -> String {
            do {
                let a = try analyze(smiles: s, properties: properties, fingerprint: true)
                return "\(a.canonicalSMILES ?? "") \(a.properties) \(a.fingerprint?.onBits ?? [])"
            } catch {
                return "\(error)"
            }
        }
        let serial = smiles.map(run)
        var parallel = [String](repeating: "", count: smiles.count)
        parallel.withUnsafeMutableBufferPointer { out in
            DispatchQueue.concurrentPerform(iterations: 4) { worker in
                for i in stride(from: worker, to: smiles.count, by: 4) { out[i] = run(smiles[i]) }
            }
        }
        XCTAssertEqual(parallel, serial)
    }
}
