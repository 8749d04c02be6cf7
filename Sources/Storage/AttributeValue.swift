import CHDF5

/// The value of an HDF5 attribute: a scalar or a one-dimensional array of strings, integers or
/// doubles. Integers are stored as int64, doubles as float64 and strings as variable-length UTF-8,
/// which h5py reads back as `int`, `float` and `str` (arrays as NumPy arrays).
///
/// Literals work where a value is expected: `try file.setAttribute("version", 1)`.
public enum AttributeValue: Equatable, Sendable {
    case string(String)
    case int(Int)
    case double(Double)
    case strings([String])
    case ints([Int])
    case doubles([Double])

    /// The Swift type name of the value, used in type-mismatch messages.
    public var typeName: String {
        switch self {
        case .string: return "String"
        case .int: return "Int"
        case .double: return "Double"
        case .strings: return "[String]"
        case .ints: return "[Int]"
        case .doubles: return "[Double]"
        }
    }

    /// The file datatype (nil: a variable-length string type the caller builds) and the shape.
    var storage: (fileType: hid_t?, shape: [Int]) {
        switch self {
        case .string: return (nil, [])
        case let .strings(values): return (nil, [values.count])
        case .int: return (HDF5ElementType.int64.fileType, [])
        case let .ints(values): return (HDF5ElementType.int64.fileType, [values.count])
        case .double: return (HDF5ElementType.float64.fileType, [])
        case let .doubles(values): return (HDF5ElementType.float64.fileType, [values.count])
        }
    }
}

extension AttributeValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
}
