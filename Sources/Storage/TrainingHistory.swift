/// Per-epoch training records as a table of named `Double` columns (loss, KL, accuracy, ...).
///
/// Columns keep the order in which they first appeared; a record that lacks a column gets NaN
/// there, so every column always has `count` entries. In a checkpoint the table is stored as one
/// float64 dataset per column under `/history`, which pandas and h5py read directly.
public struct TrainingHistory: Equatable, Sendable {
    /// Column names in the order they first appeared.
    public private(set) var columnNames: [String] = []
    private var columns: [String: [Double]] = [:]
    /// The number of records (rows).
    public private(set) var count = 0

    public init() {}

    /// A table from whole columns, in the given order; throws `invalidArgument` if their lengths
    /// differ or a name repeats.
    public init(columns: [(name: String, values: [Double])]) throws {
        for (name, values) in columns {
            guard self.columns[name] == nil else {
                throw StorageError.invalidArgument("history column '\(name)' appears twice")
            }
            guard self.columns.isEmpty || values.count == count else {
                throw StorageError.invalidArgument(
                    "history column '\(name)' has \(values.count) entries but the others have \(count)")
            }
            columnNames.append(name)
            self.columns[name] = values
            count = values.count
        }
    }

    public var isEmpty: Bool { count == 0 }

    /// Appends one record. Names not seen before become new columns (in sorted order, so the
    /// result does not depend on dictionary order), filled with NaN for earlier records.
    public mutating func append(_ record: [String: Double]) {
        for name in record.keys.sorted() where columns[name] == nil {
            columnNames.append(name)
            columns[name] = [Double](repeating: .nan, count: count)
        }
        for name in columnNames {
            columns[name]!.append(record[name] ?? .nan)
        }
        count += 1
    }

    /// All values of column `name`, or nil if there is no such column.
    public func column(_ name: String) -> [Double]? { columns[name] }

    /// Record `index` as name → value (NaN where the record had no value).
    public func record(at index: Int) -> [String: Double] {
        precondition(index >= 0 && index < count, "TrainingHistory.record(at:): index \(index) outside 0..<\(count)")
        return columns.mapValues { $0[index] }
    }

    /// Why custom: NaN marks "no value" here, so two NaNs in the same place count as equal.
    public static func == (lhs: TrainingHistory, rhs: TrainingHistory) -> Bool {
        lhs.columnNames == rhs.columnNames && lhs.count == rhs.count
            && lhs.columnNames.allSatisfy { name in
                zip(lhs.columns[name]!, rhs.columns[name]!).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
            }
    }
}
