import CHDF5

// Internal building blocks shared by datasets and attributes: describing stored types, building
// dataspaces, and moving numbers and strings between Swift arrays and HDF5 buffers.

/// What a stored HDF5 datatype is, in the terms this module reads and writes.
struct StoredTypeInfo {
    enum Kind { case float, integer, string, other }
    let kind: Kind
    /// The matching element type, or nil if this module has no Swift counterpart for it.
    let element: HDF5ElementType?
    /// A short name for messages: "float32", "int16", "string", "compound", ...
    let name: String

    init(_ type: hid_t) {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_FLOAT:
            kind = .float
            element = size == 4 ? .float32 : size == 8 ? .float64 : nil
            name = "float\(size * 8)"
        case H5T_INTEGER:
            kind = .integer
            let signed = H5Tget_sign(type) != H5T_SGN_NONE
            switch (signed, size) {
            case (false, 1): element = .uint8
            case (true, 4): element = .int32
            case (true, 8): element = .int64
            default: element = nil
            }
            name = (signed ? "int" : "uint") + "\(size * 8)"
        case H5T_STRING:
            kind = .string
            element = .string
            name = "string"
        case H5T_COMPOUND: (kind, element, name) = (.other, nil, "compound records")
        case H5T_ENUM: (kind, element, name) = (.other, nil, "enum values")
        case H5T_ARRAY: (kind, element, name) = (.other, nil, "array elements")
        case H5T_VLEN: (kind, element, name) = (.other, nil, "variable-length sequences")
        case H5T_REFERENCE: (kind, element, name) = (.other, nil, "references")
        case H5T_OPAQUE: (kind, element, name) = (.other, nil, "opaque data")
        case H5T_BITFIELD: (kind, element, name) = (.other, nil, "bitfields")
        default: (kind, element, name) = (.other, nil, "an unknown type")
        }
    }
}

/// Creates a dataspace for `shape`: scalar for `[]`, simple otherwise. `maxShape` entries of nil
/// mean unlimited. Returns a negative id on failure.
func makeDataspace(_ shape: [Int], maxShape: [Int?]? = nil) -> hid_t {
    if shape.isEmpty { return H5Screate(H5S_SCALAR) }
    let dims = shape.map { hsize_t($0) }
    guard let maxShape else { return H5Screate_simple(Int32(dims.count), dims, nil) }
    let maxDims = maxShape.map { $0.map { hsize_t($0) } ?? chdf5_unlimited() }
    return H5Screate_simple(Int32(dims.count), dims, maxDims)
}

/// The current extent of a dataspace: `[]` for a scalar, `[0]` for a null dataspace.
func extent(of space: hid_t) -> [Int]? {
    switch H5Sget_simple_extent_type(space) {
    case H5S_SCALAR: return []
    case H5S_NULL: return [0]
    case H5S_SIMPLE:
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0 else { return nil }
        var dims = [hsize_t](repeating: 0, count: rank)
        guard H5Sget_simple_extent_dims(space, &dims, nil) >= 0 else { return nil }
        return dims.map { Int($0) }
    default: return nil
    }
}

/// A variable-length string type. Written strings are UTF-8; when reading, `characterSet` should
/// match the stored type because HDF5 1.10 does not convert between character sets.
func makeVariableStringType(characterSet: H5T_cset_t = H5T_CSET_UTF8) -> hid_t {
    let type = H5Tcopy(chdf5_cS1())
    guard type >= 0 else { return type }
    guard H5Tset_size(type, chdf5_variable()) >= 0, H5Tset_cset(type, characterSet) >= 0,
          H5Tset_strpad(type, H5T_STR_NULLTERM) >= 0
    else {
        _ = H5Tclose(type)
        return -1
    }
    return type
}

/// Thrown by the helpers below; callers turn it into a `StorageError` that names file and path.
struct HDF5CallFailed: Error {
    let reason: String
    init(_ reason: String = HDF5Library.lastErrorMessage()) { self.reason = reason }
}

/// Hands `write` a memory type and a buffer holding `values` in HDF5's in-memory layout.
/// Strings become an array of C-string pointers into one contiguous byte buffer.
func withHDF5Buffer<T: HDF5Element>(
    _ values: [T], _ write: (_ memoryType: hid_t, _ buffer: UnsafeRawPointer) -> herr_t
) throws {
    if T.elementType != .string {
        let status = values.withUnsafeBytes { write(T.elementType.memoryType, $0.baseAddress!) }
        if status < 0 { throw HDF5CallFailed() }
        return
    }
    let strings = values as! [String]
    // Why one buffer: millions of SMILES as separate allocations would cost more than the write.
    var offsets: [Int] = []
    offsets.reserveCapacity(strings.count)
    var bytes: [CChar] = []
    bytes.reserveCapacity(strings.reduce(0) { $0 + $1.utf8.count + 1 })
    for (index, string) in strings.enumerated() {
        offsets.append(bytes.count)
        for byte in string.utf8 {
            guard byte != 0 else {
                throw StorageError.invalidArgument(
                    "string \(index) contains a NUL character, which HDF5 strings cannot hold")
            }
            bytes.append(CChar(bitPattern: byte))
        }
        bytes.append(0)
    }
    let memoryType = makeVariableStringType()
    guard memoryType >= 0 else { throw HDF5CallFailed() }
    defer { _ = H5Tclose(memoryType) }
    let status = bytes.withUnsafeBufferPointer { base -> herr_t in
        let pointers: [UnsafePointer<CChar>?] = offsets.map { base.baseAddress! + $0 }
        return pointers.withUnsafeBytes { write(memoryType, $0.baseAddress!) }
    }
    if status < 0 { throw HDF5CallFailed() }
}

/// Reads `count` elements of `storedType` through `read`, converting to `T`.
/// The caller has already checked that the stored type matches `T` (or is convertible, for
/// attributes); strings may be stored as variable- or fixed-length.
func readHDF5Values<T: HDF5Element>(
    count: Int, storedType: hid_t, as _: T.Type,
    _ read: (_ memoryType: hid_t, _ buffer: UnsafeMutableRawPointer) -> herr_t
) throws -> [T] {
    guard count > 0 else { return [] }
    if T.elementType != .string {
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            // Numeric elements are trivial types, so a failed read leaves nothing to clean up.
            guard read(T.elementType.memoryType, UnsafeMutableRawPointer(buffer.baseAddress!)) >= 0 else {
                throw HDF5CallFailed()
            }
            initialized = count
        }
    }
    return try readStrings(count: count, storedType: storedType, read) as! [T]
}

private func readStrings(
    count: Int, storedType: hid_t,
    _ read: (_ memoryType: hid_t, _ buffer: UnsafeMutableRawPointer) -> herr_t
) throws -> [String] {
    if H5Tis_variable_str(storedType) > 0 {
        let memoryType = makeVariableStringType(characterSet: H5Tget_cset(storedType))
        guard memoryType >= 0 else { throw HDF5CallFailed() }
        defer { _ = H5Tclose(memoryType) }
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        let status = pointers.withUnsafeMutableBytes { read(memoryType, $0.baseAddress!) }
        guard status >= 0 else { throw HDF5CallFailed() }
        let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
        // Why: HDF5 allocated every string; it must free them with the type and shape it used.
        let space = makeDataspace([count])
        pointers.withUnsafeMutableBytes { _ = H5Dvlen_reclaim(memoryType, space, chdf5_default(), $0.baseAddress!) }
        _ = H5Sclose(space)
        return strings
    }
    let memoryType = H5Tcopy(storedType)
    guard memoryType >= 0 else { throw HDF5CallFailed() }
    defer { _ = H5Tclose(memoryType) }
    let size = H5Tget_size(memoryType)
    let spacePadded = H5Tget_strpad(memoryType) == H5T_STR_SPACEPAD
    var bytes = [UInt8](repeating: 0, count: count * size)
    let status = bytes.withUnsafeMutableBytes { read(memoryType, $0.baseAddress!) }
    guard status >= 0 else { throw HDF5CallFailed() }
    return (0..<count).map { index in
        var field = bytes[index * size ..< (index + 1) * size]
        if let end = field.firstIndex(of: 0) { field = field[..<end] }
        if spacePadded { while field.last == 0x20 { field = field.dropLast() } }
        return String(decoding: field, as: UTF8.self)
    }
}
