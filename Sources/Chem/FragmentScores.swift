import CRDKit
import CZlib
import Foundation

/// The SAS fragment contribution table (`Resources/fpscores.tsv.gz`, converted from RDKit
/// Contrib `fpscores.pkl.gz`), handed to CRDKit once per process.
enum FragmentScores {
    /// Loads the table on first use; Swift runs a static initializer exactly once, even
    /// when two threads arrive together.
    static func ensureLoaded() { _ = loaded }

    private static let loaded: Bool = {
        guard let url = Bundle.module.url(forResource: "fpscores.tsv", withExtension: "gz", subdirectory: "Resources") else {
            preconditionFailure("Chem resource Resources/fpscores.tsv.gz is missing from the bundle")
        }
        let text = gunzip(path: url.path)
        var ids: [UInt32] = []
        var scores: [Double] = []
        parse(text, ids: &ids, scores: &scores)
        precondition(!ids.isEmpty, "\(url.path) holds no fragment scores")
        crd_set_fragment_scores(ids, scores, ids.count)
        return true
    }()

    /// Reads a whole gzip file.
    static func gunzip(path: String) -> [UInt8] {
        guard let file = gzopen(path, "rb") else { preconditionFailure("cannot open \(path)") }
        defer { gzclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            precondition(n >= 0, "cannot decompress \(path)")
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<Int(n)])
        }
        return bytes
    }

    /// Parses lines `score<TAB>id id id ...`; lines starting with `#` are comments.
    /// Hand-rolled because the file holds 700k numbers and this runs on first use.
    static func parse(_ text: [UInt8], ids: inout [UInt32], scores: inout [Double]) {
        let tab = UInt8(ascii: "\t"), newline = UInt8(ascii: "\n"), space = UInt8(ascii: " ")
        var i = 0
        let n = text.count
        while i < n {
            var end = i
            while end < n && text[end] != newline { end += 1 }
            defer { i = end + 1 }
            guard end > i, text[i] != UInt8(ascii: "#"), let tabAt = text[i..<end].firstIndex(of: tab) else { continue }
            guard let score = Double(String(decoding: text[i..<tabAt], as: UTF8.self)) else {
                preconditionFailure("bad fragment score line: \(String(decoding: text[i..<end], as: UTF8.self))")
            }
            var value: UInt64 = 0
            var inNumber = false
            for j in (tabAt + 1)..<end {
                let c = text[j]
                if c == space {
                    if inNumber { ids.append(UInt32(value)); scores.append(score) }
                    value = 0
                    inNumber = false
                } else {
                    value = value * 10 + UInt64(c &- UInt8(ascii: "0"))
                    inNumber = true
                }
            }
            if inNumber { ids.append(UInt32(value)); scores.append(score) }
        }
    }
}
