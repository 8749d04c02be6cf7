import Chem
import ChemVAE
import Foundation
import XCTest
@testable import WebApp

/// Every route of the real server, with good and bad input. Bad input is HTTP 400 with a JSON
/// error that starts with the field's name.
final class APIRouteTests: XCTestCase {
    let paracetamol = "CC(=O)Nc1ccc(O)cc1"
    let sulfonamide = "Cc1ccc(S(=O)(=O)N2CCOCC2)cc1"

    func testPagesAreServedFromMemoryAndNoOtherPathIs() {
        let index = call("GET", "/")
        XCTAssertEqual(index.status, 200)
        XCTAssertTrue(index.contentType.hasPrefix("text/html"))
        XCTAssertTrue(index.text.contains("/static/app.js"))
        for name in ["app.js", "style.css", "index.html"] { XCTAssertEqual(call("GET", "/static/\(name)").status, 200, name) }
        for path in ["/static/..%2FWebServer.swift", "/static/..%2F..%2F..%2FPackage.swift", "/static/%2Fetc%2Fpasswd", "/static/Pages", "/static/"] {
            let reply = call("GET", path)
            XCTAssertEqual(reply.status, 404, path)
            XCTAssertFalse(reply.text.contains("import"), path)
        }
    }

    func testModelInfo() {
        let reply = call("GET", "/api/model")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.json["latent_size"] as? Int, TestServer.shared.service.model.config.latentSize)
        XCTAssertEqual(reply.json["predicted_properties"] as? [String], TestServer.shared.service.model.normalization?.names)
    }

    func testEncodeGivesCanonicalFormLatentPropertiesAndDecodings() throws {
        let reply = call("POST", "/api/encode", json: ["smiles": "OC1=CC=C(NC(C)=O)C=C1", "samples": 5])
        XCTAssertEqual(reply.status, 200, reply.text)
        let json = reply.json
        XCTAssertEqual(json["canonical"] as? String, paracetamol)
        let model = TestServer.shared.service.model
        let latent = try XCTUnwrap(json["latent"] as? [Double])
        XCTAssertEqual(latent.map(Float.init), try model.encode(smiles: paracetamol).mean(0))
        let qed = try analyze(smiles: paracetamol, properties: [.qed]).properties[0]
        XCTAssertEqual((json["properties"] as? [String: Double])?["qed"] ?? -1, qed, accuracy: 1e-9)
        XCTAssertEqual(Set(((json["predicted"] as? [String: Double]) ?? [:]).keys), Set(model.normalization!.names))
        let greedy = try XCTUnwrap(json["greedy"] as? [String: Any])
        XCTAssertEqual(json["reconstructs"] as? Bool, greedy["canonical"] as? String == paracetamol)
        XCTAssertNotNil(json["beam"] as? [String: Any])
        let sampled = try XCTUnwrap(json["sampled"] as? [[String: Any]])
        XCTAssertEqual(sampled.reduce(0) { $0 + ($1["count"] as! Int) }, 5)
    }

    func testEncodeRejectsBadInputNamingTheField() {
        assertBadRequest(call("POST", "/api/encode", json: [:]), naming: "smiles")
        assertBadRequest(call("POST", "/api/encode", json: ["smiles": "C1CC"]), naming: "smiles")
        assertBadRequest(call("POST", "/api/encode", json: ["smiles": String(repeating: "C", count: 500)]), naming: "smiles")
        assertBadRequest(call("POST", "/api/encode", json: ["smiles": 42]), naming: "smiles")
        assertBadRequest(call("POST", "/api/encode", json: ["smiles": paracetamol, "samples": "many"]), naming: "samples")
        assertBadRequest(call("POST", "/api/encode", json: ["smiles": paracetamol, "samples": 100_000]), naming: "samples")
        let notJSON = call("POST", "/api/encode", rawBody: "smiles=CCO")
        XCTAssertEqual(notJSON.status, 400)
        XCTAssertTrue(notJSON.error.contains("JSON"), notJSON.error)
    }

    func testNeighbors() throws {
        let reply = call("POST", "/api/neighbors", json: ["smiles": paracetamol, "count": 3, "radius": 1])
        XCTAssertEqual(reply.status, 200, reply.text)
        let neighbors = try XCTUnwrap(reply.json["neighbors"] as? [[String: Any]])
        let expected = try TestServer.shared.service.model.neighbors(of: paracetamol, count: 3, radius: 1)
        XCTAssertEqual(neighbors.map { $0["smiles"] as! String }, expected.neighbors.map(\.smiles))
        XCTAssertNotNil(neighbors.first?["properties"] as? [String: Double])
        assertBadRequest(call("POST", "/api/neighbors", json: ["smiles": paracetamol, "radius": -1]), naming: "radius")
        assertBadRequest(call("POST", "/api/neighbors", json: ["smiles": paracetamol, "shape": "cube"]), naming: "shape")
        assertBadRequest(call("POST", "/api/neighbors", json: ["smiles": paracetamol, "count": 10_000]), naming: "count")
        assertBadRequest(call("POST", "/api/neighbors", json: ["smiles": "not a molecule"]), naming: "smiles")
    }

    func testInterpolate() throws {
        let reply = call("POST", "/api/interpolate", json: ["from": paracetamol, "to": sulfonamide, "steps": 4, "spherical": true])
        XCTAssertEqual(reply.status, 200, reply.text)
        let steps = try XCTUnwrap(reply.json["steps"] as? [[String: Any]])
        let expected = try TestServer.shared.service.model.interpolate(from: paracetamol, to: sulfonamide, steps: 4, spherical: true)
        XCTAssertEqual(steps.map { $0["smiles"] as! String }, expected.steps.map(\.molecule.smiles))
        XCTAssertEqual(steps.map { $0["t"] as! Double }, [0, 1.0 / 3, 2.0 / 3, 1])
        assertBadRequest(call("POST", "/api/interpolate", json: ["from": paracetamol]), naming: "to")
        assertBadRequest(call("POST", "/api/interpolate", json: ["from": paracetamol, "to": sulfonamide, "steps": 1000]), naming: "steps")
        assertBadRequest(call("POST", "/api/interpolate", json: ["from": paracetamol, "to": "C1CC"]), naming: "to")
    }

    func testAnswersWarnWhenAnInputIsOutsideTheModelsDomain() throws {
        let domain = try XCTUnwrap(TestServer.shared.service.model.domain, "the shipped model stores its applicability domain")
        XCTAssertEqual(call("GET", "/api/model").json["domain"] as? String, domain.summary)
        // Paracetamol (MW 151) is lighter than any MOSES molecule; a MOSES test molecule is inside.
        let moses = "CN(C)S(=O)(=O)c1ccc(Cn2cnc(C3CCC3)cc2=O)o1"
        let outside = call("POST", "/api/encode", json: ["smiles": paracetamol, "samples": 0])
        let warnings = try XCTUnwrap(outside.json["domain_warnings"] as? [String], outside.text)
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].hasPrefix("smiles \(paracetamol) is outside") && warnings[0].contains("MW 151.2"), warnings[0])
        XCTAssertEqual(call("POST", "/api/encode", json: ["smiles": moses, "samples": 0]).json["domain_warnings"] as? [String], [])
        XCTAssertEqual((call("POST", "/api/neighbors", json: ["smiles": paracetamol, "count": 2]).json["domain_warnings"] as? [String])?.count, 1)

        // Interpolation also says when an end does not decode back to itself.
        let reply = call("POST", "/api/interpolate", json: ["from": paracetamol, "to": moses, "steps": 3])
        let path = try TestServer.shared.service.model.interpolate(from: paracetamol, to: moses, steps: 3, spherical: false)
        let pathWarnings = try XCTUnwrap(reply.json["domain_warnings"] as? [String], reply.text)
        XCTAssertTrue(pathWarnings.first?.hasPrefix("from \(paracetamol) is outside") ?? false, "\(pathWarnings)")
        XCTAssertEqual(Array(pathWarnings.dropFirst()), path.endWarnings)
        XCTAssertEqual(path.endWarnings.contains { $0.contains("'from' molecule") }, path.steps.first!.molecule.canonical != paracetamol)
        let grid = call("POST", "/api/grid", json: ["corners": [moses, paracetamol, moses, moses], "size": 2])
        XCTAssertEqual((grid.json["domain_warnings"] as? [String])?.map { $0.hasPrefix("corners[1] ") }, [true])
    }

    func testGridDecodesTheBilinearPlaneWithTheCornersMeansAtItsCorners() throws {
        let corners = [paracetamol, sulfonamide, "COc1ccc(CC(=O)N2CCCC2)cc1", "O=C(Nc1ccccc1)c1ccco1"]
        let reply = call("POST", "/api/grid", json: ["corners": corners, "size": 3])
        XCTAssertEqual(reply.status, 200, reply.text)
        let rows = try XCTUnwrap(reply.json["rows"] as? [[[String: Any]]])
        XCTAssertEqual(rows.map(\.count), [3, 3, 3])
        // Each corner is the greedy decoding of that molecule's own mean.
        let model = TestServer.shared.service.model
        for (corner, (i, j)) in zip(corners, [(0, 0), (0, 2), (2, 0), (2, 2)]) {
            let own = model.decode(try model.encode(smiles: corner))[0]
            XCTAssertEqual(rows[i][j]["smiles"] as? String, own.smiles, corner)
        }
        assertBadRequest(call("POST", "/api/grid", json: ["corners": Array(corners.prefix(3))]), naming: "corners")
        assertBadRequest(call("POST", "/api/grid", json: ["corners": corners, "size": 50]), naming: "size")
        assertBadRequest(call("POST", "/api/grid", json: ["corners": [paracetamol, paracetamol, "C1CC", paracetamol]]), naming: "corners[2]")
    }

    func testSampleAndItsDownloads() throws {
        let reply = call("POST", "/api/sample", json: ["count": 8, "seed": 3])
        XCTAssertEqual(reply.status, 200, reply.text)
        let samples = try XCTUnwrap(reply.json["samples"] as? [[String: Any]])
        let expected = try TestServer.shared.service.model.samplePrior(count: 8, seed: 3).molecules
        XCTAssertEqual(samples.map { $0["smiles"] as! String }, expected.map(\.smiles))
        let valid = expected.filter(\.isValid).count
        XCTAssertEqual(reply.json["validity"] as? Double, Double(valid) / 8)

        let csv = call("GET", "/api/sample.csv?count=8&seed=3")
        XCTAssertEqual(csv.status, 200)
        XCTAssertTrue(csv.contentType.hasPrefix("text/csv"))
        let lines = csv.text.split(separator: "\n")
        XCTAssertEqual(lines.first, "index,smiles,valid,canonical,logp,qed,sas,mw,plogp")
        XCTAssertEqual(lines.count, 9)

        let sdf = call("GET", "/api/sample.sdf?count=8&seed=3")
        XCTAssertEqual(sdf.status, 200)
        XCTAssertEqual(sdf.text.components(separatedBy: "$$$$\n").count - 1, valid)
        XCTAssertEqual(sdf.text.components(separatedBy: "M  END").count - 1, valid)
        XCTAssertTrue(sdf.text.contains("> <qed>"))

        assertBadRequest(call("POST", "/api/sample", json: ["count": 0]), naming: "count")
        assertBadRequest(call("POST", "/api/sample", json: ["count": 10_000]), naming: "count")
        assertBadRequest(call("POST", "/api/sample", json: ["temperature": -1]), naming: "temperature")
        assertBadRequest(call("GET", "/api/sample.csv?count=abc"), naming: "count")
        assertBadRequest(call("GET", "/api/sample.sdf?count=100000"), naming: "count")
    }

    func testMapOfTheDatasetAndOfTheModelsSamples() throws {
        let reply = call("POST", "/api/map", json: ["source": "dataset", "property": "qed", "limit": 40])
        XCTAssertEqual(reply.status, 200, reply.text)
        let json = reply.json
        XCTAssertEqual((json["x"] as? [Double])?.count, 40)
        XCTAssertEqual((json["smiles"] as? [String])?.count, 40)
        let histograms = try XCTUnwrap(json["histograms"] as? [[String: Any]])
        XCTAssertEqual(histograms.count, 2)
        let density = try XCTUnwrap(histograms[0]["density"] as? [Double]), edges = try XCTUnwrap(histograms[0]["edges"] as? [Double])
        XCTAssertEqual(density.reduce(0, +) * (edges[1] - edges[0]), 1, accuracy: 1e-9)

        let samples = call("POST", "/api/map", json: ["source": "samples", "limit": 30])
        XCTAssertEqual(samples.status, 200, samples.text)
        XCTAssertGreaterThanOrEqual((samples.json["x"] as? [Double])?.count ?? 0, 2)

        assertBadRequest(call("POST", "/api/map", json: ["property": "colour"]), naming: "property")
        assertBadRequest(call("POST", "/api/map", json: ["source": "/etc/passwd"]), naming: "source")
        assertBadRequest(call("POST", "/api/map", json: ["limit": 1_000_000]), naming: "limit")
    }

    func testDepictionWithAndWithoutTheDifferenceHighlighted() {
        let plain = call("GET", "/api/depict?smiles=\(paracetamol)&size=200")
        XCTAssertEqual(plain.status, 200)
        XCTAssertEqual(plain.contentType, "image/svg+xml")
        XCTAssertTrue(plain.text.contains("<svg") && plain.text.contains("</svg>"))
        // Phenacetin against paracetamol: the ethyl differs, so something is highlighted (RDKit's #FF7F7F).
        let against = "CCOc1ccc(NC(C)=O)cc1".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let highlighted = call("GET", "/api/depict?smiles=\(against)&highlight_against=\(paracetamol)")
        XCTAssertEqual(highlighted.status, 200)
        XCTAssertTrue(highlighted.text.contains("#FF7F7F"), "no highlight in the drawing")
        XCTAssertFalse(plain.text.contains("#FF7F7F"))
        let same = call("GET", "/api/depict?smiles=\(paracetamol)&highlight_against=\(paracetamol)")
        XCTAssertFalse(same.text.contains("#FF7F7F"), "the same molecule has nothing to highlight")
        assertBadRequest(call("GET", "/api/depict?smiles=C1CC"), naming: "smiles")
        assertBadRequest(call("GET", "/api/depict"), naming: "smiles")
        assertBadRequest(call("GET", "/api/depict?smiles=CCO&size=5"), naming: "size")
        assertBadRequest(call("GET", "/api/depict?smiles=CCO&highlight_against=C1CC"), naming: "highlight_against")
    }

    func testOptimizationJobStreamsItsStepsAndEqualsTheLibrarysResult() throws {
        let started = call("POST", "/api/optimize", json: ["objective": "qed", "start": paracetamol, "steps": 10, "min_similarity": 0.2])
        XCTAssertEqual(started.status, 202, started.text)
        let id = try XCTUnwrap(started.json["job"] as? String)
        let finished = waitForJob(id)
        XCTAssertEqual(finished["state"] as? String, "done", "\(finished)")
        XCTAssertEqual((finished["progress"] as? [[String: Any]])?.map { $0["step"] as! Int }, Array(0..<10))
        let result = try XCTUnwrap(finished["result"] as? [String: Any])
        var options = OptimizationOptions(objective: "qed")
        options.start = paracetamol; options.steps = 10; options.minSimilarity = 0.2; options.top = 20
        let expected = try TestServer.shared.service.model.optimize(options)
        XCTAssertEqual((result["best"] as? [[String: Any]])?.map { $0["smiles"] as! String }, expected.best.map(\.smiles))
        for (found, truth) in zip(try XCTUnwrap(result["best"] as? [[String: Any]]), expected.best) {
            XCTAssertEqual(found["improvement"] as! Double, truth.improvement, accuracy: 1e-12)   // JSON keeps 15-17 digits
        }
        XCTAssertEqual((result["best"] as? [[String: Any]])?.map { $0["prediction_out_of_range"] as! Bool }, expected.best.map(\.predictionOutOfRange))
        XCTAssertEqual(result["domain_warnings"] as? [String], [try TestServer.shared.service.model.domainWarning(
            "start", smiles: paracetamol, mean: try TestServer.shared.service.model.encode(smiles: paracetamol).mean(0))!])
        XCTAssertEqual((result["path"] as? [[String: Any]])?.count, 11)

        let events = call("GET", "/api/jobs/\(id)/events")
        XCTAssertEqual(events.status, 200)
        XCTAssertTrue(events.contentType.hasPrefix("text/event-stream"))
        XCTAssertTrue(events.text.hasPrefix("event: progress\ndata: ["), events.text)
        XCTAssertTrue(events.text.contains("event: done\ndata: {"))

        assertBadRequest(call("POST", "/api/optimize", json: ["objective": "beauty"]), naming: "objective")
        assertBadRequest(call("POST", "/api/optimize", json: ["start": paracetamol]), naming: "objective")
        assertBadRequest(call("POST", "/api/optimize", json: ["objective": "qed", "steps": 0]), naming: "steps")
        assertBadRequest(call("POST", "/api/optimize", json: ["objective": "qed", "start": "C1CC"]), naming: "start")
        assertBadRequest(call("POST", "/api/optimize", json: ["objective": "qed", "min_similarity": 2]), naming: "min_similarity")
        XCTAssertEqual(call("GET", "/api/jobs/opt-999999").status, 404)
        XCTAssertEqual(call("GET", "/api/jobs/opt-999999/events").status, 404)
    }

    func testAnOptimizationCanBeCancelled() throws {
        let started = call("POST", "/api/optimize", json: ["objective": "logp", "start": paracetamol, "steps": 500])
        let id = try XCTUnwrap(started.json["job"] as? String)
        XCTAssertEqual(call("POST", "/api/jobs/\(id)/cancel").status, 200)
        let finished = waitForJob(id)
        XCTAssertEqual(finished["state"] as? String, "cancelled")
        XCTAssertNil(finished["result"])
    }
}
