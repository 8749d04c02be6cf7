/// One SMILES string read from a file, with the 1-based line it starts on.
public struct SmilesRecord: Sendable, Hashable {
    /// The SMILES field as written (surrounding whitespace removed), possibly empty.
    public var smiles: String
    /// The 1-based line number in the file (for a CSV record spanning lines, its first line).
    public var line: Int
    /// Why the record holds no molecule though the file has one there (an SDF record RDKit could
    /// not read); nil for every record of a SMILES file.
    public var problem: String?
    /// The fields of the reader's `valueColumns`, in that order, as written (blanks trimmed); nil
    /// where the record has no such field (a short row, an SD record without that property).
    public var values: [String?]

    public init(smiles: String, line: Int, problem: String? = nil, values: [String?] = []) {
        self.smiles = smiles
        self.line = line
        self.problem = problem
        self.values = values
    }
}

/// Reads the molecule of one SD record (its mol block and data lines, without `$$$$`): its SMILES,
/// or why not. The reader stays free of RDKit: `Datasets.MoleculeFile` hands it RDKit's SD supplier.
public typealias SDFRecordParser = @Sendable (String) -> Result<String, SDFRecordError>

/// Why RDKit could not read the molecule of an SD record.
public struct SDFRecordError: Error, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// The title line and the data items (`> <NAME>` then value lines) of one SD record, in file order.
public struct SDFFields: Sendable, Equatable {
    public var name: String
    public var properties: [String: String]
    public var order: [String]

    /// Reads the fields of `record` (the record's text without `$$$$`). Values of several lines are
    /// joined with a newline; a repeated name keeps its first value.
    public init(record: String) {
        let lines = record.split(separator: "\n", omittingEmptySubsequences: false)
        name = lines.first.map { String($0).trimmingBlanks() } ?? ""
        properties = [:]
        order = []
        var i = 0
        while i < lines.count {
            let line = lines[i]
            i += 1
            guard line.hasPrefix(">"), let open = line.firstIndex(of: "<"), let close = line[open...].firstIndex(of: ">") else { continue }
            let key = String(line[line.index(after: open)..<close])
            var value: [Substring] = []
            while i < lines.count, !lines[i].allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
                value.append(lines[i])
                i += 1
            }
            if properties[key] == nil {
                properties[key] = value.joined(separator: "\n")
                order.append(key)
            }
        }
    }

    /// The value of column `name`: an SD property, else (for `name`, any case) the title line.
    public func value(of column: String) -> String? {
        properties[column] ?? (column.lowercased() == "name" ? name : nil)
    }
}

/// How a SMILES file is laid out.
public enum SmilesFileFormat: Sendable, Hashable {
    /// `.smi`, `.txt` and anything not `.csv`: one molecule per line, the SMILES being the first
    /// whitespace-separated field (a name or other fields may follow). Blank lines and lines
    /// starting with `#` are skipped. An optional header is recognised: if the first such line's
    /// first field is `smiles` (any case) it is skipped.
    case lines
    /// `.csv`: RFC 4180 comma-separated values with a header row. The SMILES column is `column`
    /// when given (exact match first, then ignoring case), otherwise the one named `smiles` in any
    /// case. Quoted fields may hold commas, doubled quotes and line breaks. Blank lines are skipped;
    /// a row too short to reach the column gives an empty SMILES.
    case csv(column: String?)
    /// `.tsv`: as CSV, with tabs between the fields.
    case tsv(column: String?)
    /// `.sdf`: MDL SD records ended by `$$$$`, read by RDKit (a ``SDFRecordParser``). The SMILES is
    /// the molecule's own, or with `column` the SD property of that name (`name`: the title line).
    case sdf(column: String?)

    /// The format a file name implies: `.csv` or `.csv.gz` is CSV, `.tsv` (or `.tab`) TSV,
    /// everything else is lines. `column` is used for CSV and TSV and ignored for line files.
    public init(path: String, column: String? = nil) {
        let name = (path.hasSuffix(".gz") ? String(path.dropLast(3)) : path).lowercased()
        if name.hasSuffix(".csv") { self = .csv(column: column) }
        else if name.hasSuffix(".tsv") || name.hasSuffix(".tab") { self = .tsv(column: column) }
        else if name.hasSuffix(".sdf") || name.hasSuffix(".sd") { self = .sdf(column: column) }
        else { self = .lines }
    }

    /// The byte between fields of a table (`,` or tab); nil for line files.
    var separator: UInt8? {
        switch self {
        case .csv: return UInt8(ascii: ",")
        case .tsv: return 0x09
        case .lines, .sdf: return nil
        }
    }
}

/// A file that could not be read as SMILES; every message names the file.
public enum SmilesFileError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case cannotRead(path: String, reason: String)
    case unreadableGzip(path: String, reason: String)
    /// No column is called `smiles`; `columns` lists the header that was found.
    case noSmilesColumn(path: String, columns: [String])
    /// The requested column is not in the header; `columns` lists the header that was found.
    case columnNotFound(path: String, column: String, columns: [String])
    /// An SD file was opened without RDKit's supplier (open it through `Datasets.MoleculeFile`).
    case noSDFParser(path: String)
    /// Value columns were asked of a file of SMILES lines, which has no columns.
    case noColumns(path: String, columns: [String])
    /// A quoted field opened on `line` is never closed: the `linesAfter` lines after it, to the
    /// end of the file (or the record size limit), would have been read as one field.
    case unclosedQuote(path: String, line: Int, linesAfter: Int, atEnd: Bool)

    public var description: String {
        func list(_ columns: [String]) -> String {
            columns.isEmpty ? "the file has no header row" : "found columns: " + columns.map { "\"\($0)\"" }.joined(separator: ", ")
        }
        switch self {
        case let .cannotOpen(path, reason): return "\(path): cannot open: \(reason)"
        case let .cannotRead(path, reason): return "\(path): cannot read: \(reason)"
        case let .unreadableGzip(path, reason): return "\(path): unreadable gzip: \(reason)"
        case let .noSmilesColumn(path, columns): return "\(path): no SMILES column (none named \"smiles\"); \(list(columns)); pick one with --column"
        case let .columnNotFound(path, column, columns): return "\(path): no column \"\(column)\"; \(list(columns))"
        case let .noSDFParser(path): return "\(path): an SD file needs RDKit's reader; open it through Datasets.MoleculeFile"
        case let .noColumns(path, columns):
            return "\(path): a file of SMILES lines has no column \(columns.map { "'\($0)'" }.joined(separator: ", ")): use a CSV, TSV or SD file"
        case let .unclosedQuote(path, line, linesAfter, atEnd):
            return "\(path):\(line): a quote opened on this line is never closed; the \(linesAfter) line(s) after it"
                + (atEnd ? " (to the end of the file)" : " (up to the 1 MiB record limit)")
                + " would be lost inside one field: close the quote or remove it"
        }
    }
}

/// Streams the SMILES records of a `.smi`/`.txt`/`.csv` file, gzipped (`.gz`) or not, with a
/// fixed-size buffer whatever the file size. Handles CRLF line ends, a UTF-8 byte-order mark and
/// blank lines; see ``SmilesFileFormat`` for the layouts.
///
/// ```swift
/// let reader = try SmilesFileReader(path: "train.csv.gz")
/// while let record = try reader.next() { print(record.line, record.smiles) }
/// ```
/// A reader is not thread-safe; use it from one thread at a time.
public final class SmilesFileReader {
    /// The file being read.
    public let path: String
    /// The layout the reader uses.
    public let format: SmilesFileFormat
    /// For CSV and TSV, the header name of the SMILES column.
    public private(set) var columnName: String?
    /// For CSV and TSV, every name of the header row.
    public private(set) var header: [String] = []

    /// The size of the file on disk (compressed size for gzip), in bytes.
    public var fileSize: Int64 { lines.fileSize }
    /// How much of the file on disk has been read (compressed bytes for gzip; reading runs a
    /// buffer ahead of the records returned).
    public var bytesConsumed: Int64 { lines.bytesConsumed }
    /// How much of the file the records returned so far cover, 0...1 (an estimate for gzip), for
    /// progress reports.
    public var fractionDone: Double { lines.fractionDone }

    private let lines: ByteLineReader
    /// The longest CSV record with a quoted line break that is accepted (1 MiB).
    static let maxQuotedRecordBytes = 1 << 20
    private var columnIndex = 0
    /// The field separator of a table (`,` or tab).
    private let separator: UInt8
    private var isFirstLine = true
    private var pending: [UInt8] = []

    /// Opens `path`; for CSV reads the header and finds the SMILES column now, so a bad file fails
    /// before any work is done.
    /// - Parameters:
    ///   - format: the layout; by default implied by the file name (see ``SmilesFileFormat/init(path:column:)``).
    /// - Parameter sdfParser: reads SD records (required for `.sdf`; see `Datasets.MoleculeFile`).
    /// - Parameter values: further columns (SD properties for an SD file) whose fields every record
    ///   carries in ``SmilesRecord/values``; a table without one of them is an error.
    public init(path: String, format: SmilesFileFormat? = nil, sdfParser: SDFRecordParser? = nil, values: [String] = []) throws {
        self.path = path
        self.format = format ?? SmilesFileFormat(path: path)
        self.sdfParser = sdfParser
        valueColumns = values
        if case .sdf = self.format, sdfParser == nil { throw SmilesFileError.noSDFParser(path: path) }
        if case .lines = self.format, !values.isEmpty { throw SmilesFileError.noColumns(path: path, columns: values) }
        separator = self.format.separator ?? UInt8(ascii: ",")
        lines = try ByteLineReader(path: path)
        switch self.format {
        case let .csv(column), let .tsv(column): try readHeader(column: column)
        case .lines, .sdf: break
        }
    }

    /// Opens `path` with the format its name implies, using `column` if it is a CSV file.
    public convenience init(path: String, column: String?, sdfParser: SDFRecordParser? = nil, values: [String] = []) throws {
        try self.init(path: path, format: SmilesFileFormat(path: path, column: column), sdfParser: sdfParser, values: values)
    }

    /// The columns whose fields records carry in ``SmilesRecord/values``.
    public let valueColumns: [String]
    /// Their indices in a table's header.
    private var valueIndices: [Int] = []

    /// Every record of the file (convenient for small files; large ones should stream with ``next()``).
    public static func readAll(path: String, column: String? = nil) throws -> [SmilesRecord] {
        let reader = try SmilesFileReader(path: path, column: column)
        var records: [SmilesRecord] = []
        while let record = try reader.next() { records.append(record) }
        return records
    }

    /// The next record, or `nil` at the end of the file.
    public func next() throws -> SmilesRecord? {
        switch format {
        case .lines: return try nextLineRecord()
        case .csv, .tsv: return try nextCSVRecord()
        case let .sdf(column): return try nextSDFRecord(column: column)
        }
    }

    /// Up to `count` further records (fewer only at the end of the file).
    public func next(upTo count: Int) throws -> [SmilesRecord] {
        var records: [SmilesRecord] = []
        records.reserveCapacity(count)
        while records.count < count, let record = try next() { records.append(record) }
        return records
    }

    // MARK: Lines

    private func nextLineRecord() throws -> SmilesRecord? {
        while true {
            guard let field = try lines.nextLine({ Self.firstField(of: $0) }) else { return nil }
            guard let field, field.first != UInt8(ascii: "#") else { continue }
            let smiles = String(decoding: field, as: UTF8.self)
            if isFirstLine {
                isFirstLine = false
                if smiles.lowercased() == "smiles" { continue }
            }
            return SmilesRecord(smiles: smiles, line: lines.lineNumber)
        }
    }

    /// The first space- or tab-separated field of a line, or `nil` for a blank line.
    private static func firstField(of line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer.SubSequence? {
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        guard let start = line.firstIndex(where: { !isBlank($0) }) else { return nil }
        let end = line[start...].firstIndex(where: isBlank) ?? line.endIndex
        return line[start..<end]
    }

    // MARK: SDF

    private let sdfParser: SDFRecordParser?
    /// The most lines one SD record may have: a mol block of about 1,000 atoms and bonds, far above
    /// any drug, so a hostile file cannot hand RDKit a huge molecule.
    static let maxSDFRecordLines = 2_000

    private func nextSDFRecord(column: String?) throws -> SmilesRecord? {
        var text = "", first = 0, count = 0
        while true {
            let line = try lines.nextLine { String(decoding: $0, as: UTF8.self) }
            guard let line else {
                // A last record without `$$$$` still counts, unless it is blank.
                guard count > 0, text.contains(where: { !$0.isWhitespace }) else { return nil }
                break
            }
            if first == 0 { first = lines.lineNumber }
            if line.hasPrefix("$$$$") { break }
            count += 1
            if count <= Self.maxSDFRecordLines { text += line + "\n" }
        }
        guard count <= Self.maxSDFRecordLines else {
            return SmilesRecord(smiles: "", line: first, problem: "SD record of \(count) lines exceeds the limit of \(Self.maxSDFRecordLines)")
        }
        let fields = column == nil && valueColumns.isEmpty ? nil : SDFFields(record: text)
        let values = valueColumns.map { fields!.value(of: $0)?.trimmingBlanks() }
        guard let column else {
            switch sdfParser!(text) {
            case let .success(smiles): return SmilesRecord(smiles: smiles, line: first, values: values)
            case let .failure(error): return SmilesRecord(smiles: "", line: first, problem: error.reason, values: values)
            }
        }
        // A SMILES kept in an SD property (or the title line): RDKit need not read the mol block.
        let value = fields!.value(of: column)
        return SmilesRecord(smiles: value?.trimmingBlanks() ?? "", line: first,
                            problem: value == nil ? "the record has no SD property '\(column)'" : nil, values: values)
    }

    // MARK: CSV

    private func readHeader(column: String?) throws {
        guard let header = try nextCSVFields() else {
            throw column.map { SmilesFileError.columnNotFound(path: path, column: $0, columns: []) }
                ?? SmilesFileError.noSmilesColumn(path: path, columns: [])
        }
        let names = header.fields.map { $0.trimmingBlanks() }
        self.header = names
        let found: Int?
        if let column {
            found = names.firstIndex(of: column) ?? names.firstIndex { $0.lowercased() == column.lowercased() }
            guard found != nil else { throw SmilesFileError.columnNotFound(path: path, column: column, columns: names) }
        } else {
            found = names.firstIndex { $0.lowercased() == "smiles" }
            guard found != nil else { throw SmilesFileError.noSmilesColumn(path: path, columns: names) }
        }
        columnIndex = found!
        columnName = names[columnIndex]
        valueIndices = try valueColumns.map { column in
            guard let index = names.firstIndex(of: column) ?? names.firstIndex(where: { $0.lowercased() == column.lowercased() }) else {
                throw SmilesFileError.columnNotFound(path: path, column: column, columns: names)
            }
            return index
        }
    }

    private func nextCSVRecord() throws -> SmilesRecord? {
        // Fast path: a line without quotes is a whole record, and the field is cut straight from
        // the read buffer. Lines with quotes go through the general parser.
        while true {
            let fast = try lines.nextLine { bytes -> (smiles: String?, values: [String?], isBlank: Bool)? in
                guard !bytes.contains(UInt8(ascii: "\"")) else {
                    pending.removeAll(keepingCapacity: true)
                    pending.append(contentsOf: bytes)
                    return nil
                }
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return (nil, [], true) }
                return (Self.unquotedField(columnIndex, of: bytes, separator: separator),
                        valueIndices.map { Self.unquotedField($0, of: bytes, separator: separator) }, false)
            }
            guard let fast else { return nil }  // end of file
            if let fast {
                if fast.isBlank { continue }
                return SmilesRecord(smiles: fast.smiles ?? "", line: lines.lineNumber, values: fast.values)
            }
            let line = lines.lineNumber
            guard let record = try nextCSVFields(only: valueIndices.isEmpty ? columnIndex : nil, continuing: true) else { return nil }
            func field(_ index: Int) -> String? { index < record.fields.count ? record.fields[index].trimmingBlanks() : nil }
            return SmilesRecord(smiles: field(columnIndex) ?? "", line: line, values: valueIndices.map(field))
        }
    }

    /// Field `index` of a record without quotes, blanks trimmed; `nil` if the record is too short.
    private static func unquotedField(_ index: Int, of bytes: UnsafeRawBufferPointer, separator: UInt8) -> String? {
        var start = 0
        for _ in 0..<index {
            guard let comma = bytes[start...].firstIndex(of: separator) else { return nil }
            start = comma + 1
        }
        var end = bytes[start...].firstIndex(of: separator) ?? bytes.endIndex
        while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
        while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// The fields of the next non-blank CSV record and its first line. With `only`, the other
    /// fields are left empty (not decoded), which keeps wide files cheap.
    /// With `continuing`, the record's first line is already in `pending`.
    private func nextCSVFields(only wanted: Int? = nil, continuing: Bool = false) throws -> (fields: [String], line: Int)? {
        var firstLine = 0
        var quotes = 0
        if continuing {
            firstLine = lines.lineNumber
            quotes = pending.lazy.filter { $0 == UInt8(ascii: "\"") }.count
        } else {
            pending.removeAll(keepingCapacity: true)
        }
        // Read lines until the record is non-blank and its quotes balance (an odd count means a
        // quoted field holds a line break).
        while firstLine == 0 || quotes % 2 == 1 {
            let more = try lines.nextLine { bytes -> Bool in
                if !pending.isEmpty { pending.append(0x0A) }
                pending.append(contentsOf: bytes)
                for byte in bytes where byte == UInt8(ascii: "\"") { quotes += 1 }
                return true
            }
            guard more != nil else {
                if pending.isEmpty { return nil }
                if quotes % 2 == 1 {
                    throw SmilesFileError.unclosedQuote(path: path, line: firstLine, linesAfter: lines.lineNumber - firstLine, atEnd: true)
                }
                break
            }
            if firstLine == 0 { firstLine = lines.lineNumber }
            // Why a limit: one stray quote would otherwise pull the rest of a large file into memory.
            if quotes % 2 == 1 && pending.count > Self.maxQuotedRecordBytes {
                throw SmilesFileError.unclosedQuote(path: path, line: firstLine, linesAfter: lines.lineNumber - firstLine, atEnd: false)
            }
            if quotes == 0 && pending.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                pending.removeAll(keepingCapacity: true)
                firstLine = 0
            }
        }
        return (Self.splitCSV(pending, only: wanted, separator: separator), firstLine)
    }

    /// Splits one CSV (or, with a tab `separator`, TSV) record into its fields, undoing quoting
    /// (`"a,b"` → `a,b`, `""` → `"`).
    static func splitCSV(_ record: [UInt8], only wanted: Int? = nil, separator: UInt8 = UInt8(ascii: ",")) -> [String] {
        var fields: [String] = []
        var field: [UInt8] = []
        var index = 0
        var i = 0
        let quote = UInt8(ascii: "\""), comma = separator
        while true {
            field.removeAll(keepingCapacity: true)
            let keep = wanted == nil || wanted == index
            // A field is quoted when its first non-blank byte is a quote.
            var j = i
            while j < record.count && (record[j] == 0x20 || (record[j] == 0x09 && separator != 0x09)) { j += 1 }
            if j < record.count && record[j] == quote {
                i = j + 1
                while i < record.count {
                    if record[i] == quote {
                        if i + 1 < record.count && record[i + 1] == quote {
                            if keep { field.append(quote) }
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    if keep { field.append(record[i]) }
                    i += 1
                }
                // Anything between the closing quote and the comma is kept, leniently.
                while i < record.count && record[i] != comma {
                    if keep { field.append(record[i]) }
                    i += 1
                }
            } else {
                while i < record.count && record[i] != comma {
                    if keep { field.append(record[i]) }
                    i += 1
                }
            }
            fields.append(keep ? String(decoding: field, as: UTF8.self) : "")
            index += 1
            if i >= record.count { return fields }
            i += 1  // the comma
            if let wanted, index > wanted { return fields }
        }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingBlanks() -> String {
        let utf8 = self.utf8
        guard let first = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        let last = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!
        return String(Substring(utf8[first...last]))
    }
}
