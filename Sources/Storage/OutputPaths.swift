import Foundation

/// A file a command reads, named for messages by the option (or argument) it came from.
public struct NamedPath: Sendable {
    public var path: String
    public var option: String
    public init(_ path: String, option: String) {
        self.path = path
        self.option = option
    }
}

/// Checks on output paths made before a command writes anything.
///
/// Why: an output that is one of the command's inputs replaces that input when the output is
/// renamed into place (`train --data d.h5 --output d.h5` turned the dataset into a model). Paths
/// are compared as files, not strings: resolved through symbolic links and `..`, and by device
/// and inode, so hard links, `./d.h5` and `dir/../d.h5` are all caught.
public enum OutputPaths {
    /// Throws `outputIsInput` if `output` is the same file as any of `inputs`, and
    /// `unsupportedOutputExtension` unless its extension (any case) is one of `extensions` (when given).
    public static func check(_ output: NamedPath, against inputs: [NamedPath], extensions: [String]? = nil) throws {
        if let extensions {
            let ext = URL(fileURLWithPath: output.path).pathExtension.lowercased()
            guard extensions.contains(ext) else {
                throw StorageError.unsupportedOutputExtension(output: output.path, option: output.option, supported: extensions)
            }
        }
        for input in inputs where sameFile(output.path, input.path) {
            throw StorageError.outputIsInput(output: output.path, option: output.option, input: input.path, inputOption: input.option)
        }
    }

    /// Whether `a` and `b` name the same file: the same device and inode when both exist, or the
    /// same resolved path (directory resolved through links, then the last component).
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        var statA = stat(), statB = stat()
        if stat(a, &statA) == 0, stat(b, &statB) == 0 {
            return statA.st_dev == statB.st_dev && statA.st_ino == statB.st_ino
        }
        return resolved(a) == resolved(b)
    }

    /// `path` made absolute with its directory resolved through symbolic links.
    static func resolved(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let directory = url.deletingLastPathComponent().path
        guard let real = realpath(directory, nil) else { return url.path }
        defer { free(real) }
        return (String(cString: real) as NSString).appendingPathComponent(url.lastPathComponent)
    }
}
