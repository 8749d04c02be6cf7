import Foundation
import XCTest
@testable import WebApp

/// Requests answered at the same time must give exactly what they give one at a time: decoding
/// and optimisation share no mutable engine state (each thread has its own tape; the property
/// head's gradient slots are taken one request at a time).
final class ConcurrentRequestTests: XCTestCase {
    /// A route and its body; optimisations are followed to their end and their result compared.
    struct Call { var path: String; var body: [String: Any] }

    let calls: [Call] = {
        let molecules = ["CC(=O)Nc1ccc(O)cc1", "Cc1ccc(S(=O)(=O)N2CCOCC2)cc1", "COc1ccc(CC(=O)N2CCCC2)cc1", "O=C(Nc1ccccc1)c1ccco1"]
        var calls: [Call] = []
        for m in molecules {
            calls.append(Call(path: "/api/encode", body: ["smiles": m, "samples": 4]))
            calls.append(Call(path: "/api/neighbors", body: ["smiles": m, "count": 3, "radius": 0.8]))
        }
        calls.append(Call(path: "/api/interpolate", body: ["from": molecules[0], "to": molecules[1], "steps": 5]))
        calls.append(Call(path: "/api/interpolate", body: ["from": molecules[2], "to": molecules[3], "steps": 5, "spherical": true]))
        calls.append(Call(path: "/api/grid", body: ["corners": molecules, "size": 3]))
        calls.append(Call(path: "/api/grid", body: ["corners": Array(molecules.reversed()), "size": 2]))
        calls.append(Call(path: "/api/sample", body: ["count": 6, "seed": 1]))
        calls.append(Call(path: "/api/sample", body: ["count": 6, "seed": 2, "temperature": 0.8]))
        calls.append(Call(path: "/api/sample", body: ["count": 4, "seed": 3]))
        calls.append(Call(path: "/api/map", body: ["source": "dataset", "limit": 20]))
        calls.append(Call(path: "/api/map", body: ["source": "samples", "limit": 20, "property": "qed"]))
        calls.append(Call(path: "/api/optimize", body: ["objective": "qed", "start": molecules[0], "steps": 15]))
        calls.append(Call(path: "/api/optimize", body: ["objective": "logp", "start": molecules[1], "steps": 15, "minimize": true]))
        calls.append(Call(path: "/api/optimize", body: ["objective": "sas", "start": molecules[2], "steps": 10, "min_similarity": 0.3]))
        return calls
    }()

    /// The answer to compare: the body, or for an optimisation the finished job's result.
    func answer(_ call: Call) -> String {
        let reply = WebAppTests.call("POST", call.path, json: call.body)
        guard call.path == "/api/optimize" else { return "\(reply.status) \(reply.text)" }
        guard let id = reply.json["job"] as? String else { return "\(reply.status) \(reply.text)" }
        let finished = waitForJob(id)
        let result = try! JSONSerialization.data(withJSONObject: finished["result"] ?? [:], options: [.sortedKeys])
        return "\(finished["state"] ?? "") \(String(decoding: result, as: UTF8.self))"
    }

    func testTwentyMixedRequestsAtOnceGiveTheSameAnswersAsOneAtATime() {
        XCTAssertEqual(calls.count, 20)
        let serial = calls.map(answer)
        for (call, text) in zip(calls, serial) { XCTAssertTrue(text.hasPrefix("200 ") || text.hasPrefix("done "), "\(call.path): \(text.prefix(300))") }
        // One thread per request, all sent at once (concurrentPerform would run only one per core).
        final class Answers: @unchecked Sendable { var texts: [String]; let lock = NSLock(); init(_ n: Int) { texts = Array(repeating: "", count: n) } }
        let answers = Answers(calls.count), group = DispatchGroup(), go = DispatchSemaphore(value: 0)
        for i in calls.indices {
            group.enter()
            Thread.detachNewThread {
                go.wait()
                let text = self.answer(self.calls[i])
                answers.lock.withLock { answers.texts[i] = text }
                group.leave()
            }
        }
        for _ in calls.indices { go.signal() }
        group.wait()
        let concurrent = answers.texts
        for i in calls.indices { XCTAssertEqual(concurrent[i], serial[i], "\(calls[i].path) \(calls[i].body)") }
    }
}
