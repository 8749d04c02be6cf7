import Foundation
import XCTest

/// Reads the CSV files in `Fixtures/` (written by tools/make-chem-fixtures.py from RDKit's Python).
enum Fixture {
    /// Rows of `name` as dictionaries keyed by the header line.
    static func rows(_ name: String) throws -> [[String: String]] {
        guard let url = Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fixtures/\(name).csv"])
        }
        let records = parseCSV(try String(contentsOf: url, encoding: .utf8))
        guard let header = records.first else { return [] }
        return records.dropFirst().map { record in
            Dictionary(uniqueKeysWithValues: zip(header, record))
        }
    }

    /// RFC 4180 CSV: fields may be quoted, with `""` for a quote inside.
    static func parseCSV(_ text: String) -> [[String]] {
        let chars = Array(text)
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var i = 0
        while i < chars.count {
            let c = chars[i]
            i += 1
            switch c {
            case "\"":
                while i < chars.count {
                    if chars[i] == "\"" {
                        if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 2; continue }
                        i += 1
                        break
                    }
                    field.append(chars[i])
                    i += 1
                }
            case ",":
                record.append(field)
                field = ""
            case "\n":
                record.append(field)
                records.append(record)
                record = []
                field = ""
            default:
                field.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}
