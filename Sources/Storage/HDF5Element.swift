import CHDF5

/// The element types a dataset or appendable dataset can hold.
public enum HDF5ElementType: String, Sendable, CaseIterable {
    case float32, float64, int32, int64, uint8
    /// Variable-length UTF-8 strings (h5py reads them as `str`).
    case string

    /// The little-endian standard type written to files. Why standard rather than native: files
    /// move between machines and the layout should not depend on where they were written.
    var fileType: hid_t {
        switch self {
        case .float32: return chdf5_ieeeF32LE()
        case .float64: return chdf5_ieeeF64LE()
        case .int32: return chdf5_stdI32LE()
        case .int64: return chdf5_stdI64LE()
        case .uint8: return chdf5_stdU8LE()
        case .string: preconditionFailure("strings use a variable-length string type built per call")
        }
    }

    /// The in-memory type matching the Swift element.
    var memoryType: hid_t {
        switch self {
        case .float32: return chdf5_nativeFloat()
        case .float64: return chdf5_nativeDouble()
        case .int32: return chdf5_nativeInt32()
        case .int64: return chdf5_nativeInt64()
        case .uint8: return chdf5_nativeUInt8()
        case .string: preconditionFailure("strings use a variable-length string type built per call")
        }
    }

    /// Bytes one element occupies in a chunk (a pointer-sized reference for strings).
    var storedSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        case .uint8: return 1
        case .string: return 16
        }
    }
}

/// A Swift type whose arrays can be stored in HDF5 datasets: `Float`, `Double`, `Int32`, `Int64`,
/// `UInt8` and `String`.
///
/// The conformances in this module are the complete set; numeric elements are copied to and from
/// HDF5 as raw memory, so a conformance elsewhere would be unsafe.
public protocol HDF5Element: Sendable {
    static var elementType: HDF5ElementType { get }
}

extension Float: HDF5Element { public static var elementType: HDF5ElementType { .float32 } }
extension Double: HDF5Element { public static var elementType: HDF5ElementType { .float64 } }
extension Int32: HDF5Element { public static var elementType: HDF5ElementType { .int32 } }
extension Int64: HDF5Element { public static var elementType: HDF5ElementType { .int64 } }
extension UInt8: HDF5Element { public static var elementType: HDF5ElementType { .uint8 } }
extension String: HDF5Element { public static var elementType: HDF5ElementType { .string } }

/// A dense row-major array as stored in a dataset: `values.count` is the product of `shape`
/// (an empty shape is a scalar holding one value).
public struct StoredArray<Element: HDF5Element>: Sendable {
    public var shape: [Int]
    public var values: [Element]

    /// Pairs `values` with `shape`; call `validate()` (or let a write do it) to check they agree.
    public init(shape: [Int], values: [Element]) {
        self.shape = shape
        self.values = values
    }

    /// The number of elements `shape` describes.
    public var elementCount: Int { shape.reduce(1, *) }

    /// Throws `StorageError.invalidArgument` unless the shape is non-negative and matches the values.
    public func validate(name: String = "array") throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw StorageError.invalidArgument("\(name): shape \(shape) has a negative dimension")
        }
        guard values.count == elementCount else {
            throw StorageError.invalidArgument(
                "\(name): \(values.count) values do not fill shape \(shape) (\(elementCount) elements)")
        }
    }
}

extension StoredArray: Equatable where Element: Equatable {}

extension StoredArray where Element == Float {
    /// Equality of every bit, so NaN payloads and the sign of zero count.
    /// Why: checkpoints must round-trip exactly, which `==` on floats cannot express.
    public func isBitwiseEqual(to other: StoredArray<Float>) -> Bool {
        shape == other.shape && values.count == other.values.count
            && zip(values, other.values).allSatisfy { $0.bitPattern == $1.bitPattern }
    }
}

extension StoredArray where Element == Double {
    /// Equality of every bit, so NaN payloads and the sign of zero count.
    public func isBitwiseEqual(to other: StoredArray<Double>) -> Bool {
        shape == other.shape && values.count == other.values.count
            && zip(values, other.values).allSatisfy { $0.bitPattern == $1.bitPattern }
    }
}
