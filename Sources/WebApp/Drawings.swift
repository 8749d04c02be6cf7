import Chem
import Foundation
import Hummingbird

/// RDKit drawings for the pages (`GET /api/depict`).
enum Drawing {
    /// An SVG of `smiles`, with what differs from `reference` highlighted when one is given.
    static func svg(smiles: String, size: Int, highlightingAgainst reference: String?) throws -> String {
        let molecule: Molecule
        do { molecule = try Molecule(smiles: smiles) } catch { throw BadRequest("smiles: '\(smiles)' is not a valid molecule") }
        guard let reference else { return try Depiction.svg(molecule, width: size, height: size) }
        let other: Molecule
        do { other = try Molecule(smiles: reference) } catch { throw BadRequest("highlight_against: '\(reference)' is not a valid molecule") }
        return try Depiction.svg(molecule, highlightingDifferenceFrom: other, width: size, height: size)
    }
}

/// Structure files for the downloads.
enum StructureFile {
    /// The valid samples as an SD file: a 2-D mol block each, with SMILES and properties as data fields.
    static func sdf(_ response: SampleResponse) throws -> String {
        var out = ""
        for (i, sample) in response.samples.enumerated() {
            guard let canonical = sample.canonical, let molecule = try? Molecule(smiles: canonical) else { continue }
            let block = try Depiction.molBlock(molecule)
            // The mol block's first line is its title: the sample's index.
            out += "sample \(i + 1)" + block.drop(while: { $0 != "\n" })
            out += "> <smiles>\n\(canonical)\n\n"
            for name in sample.properties.keys.sorted() {
                out += "> <\(name)>\n\(String(format: "%.4f", sample.properties[name]!))\n\n"
            }
            out += "$$$$\n"
        }
        return out
    }
}

/// The pages, loaded once from the target's resources into memory: a request names one of these
/// files and nothing else, so no request can reach any other path.
enum StaticPages {
    static let files: [String: (type: String, body: ByteBuffer)] = {
        var out: [String: (String, ByteBuffer)] = [:]
        let types = ["html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"]
        guard let folder = Bundle.module.url(forResource: "Pages", withExtension: nil),
              let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [:] }
        for name in names {
            guard let type = types[(name as NSString).pathExtension],
                  let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { continue }
            out[name] = (type, ByteBuffer(bytes: data))
        }
        return out
    }()

    static func response(for name: String) throws -> Response {
        guard let file = files[name] else {
            return json(["error": "no page named '\(name)'"], status: .notFound)
        }
        var headers = HTTPFields()
        headers[.contentType] = file.type
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: file.body))
    }
}
