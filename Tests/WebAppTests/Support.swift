import ChemVAE
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import WebApp

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let defaultModelPath = repositoryRoot.appendingPathComponent("models/default.h5").path
let mapDataPath = repositoryRoot.appendingPathComponent("datasets/moses-test-5k.csv.gz").path

/// One real server for every test: the shipped model, listening on a free loopback port.
final class TestServer: @unchecked Sendable {
    static let shared = TestServer()

    let service: LatentService
    let port: Int

    private init() {
        service = LatentService(model: try! ChemVAEModel.load(from: defaultModelPath), modelPath: defaultModelPath, mapDataPath: mapDataPath)
        var options = ServerOptions()
        options.port = 0
        options.timeLimit = 60
        let server = WebServer(service: service, options: options)
        final class Bound: @unchecked Sendable { var port = 0 }
        let bound = Bound(), ready = DispatchSemaphore(value: 0)
        Task.detached {
            try await server.run { port in bound.port = port; ready.signal() }
        }
        precondition(ready.wait(timeout: .now() + 60) == .success, "the test server did not start within a minute")
        port = bound.port
    }
}

/// An HTTP answer: status, body and content type.
struct Reply {
    var status: Int
    var body: Data
    var contentType: String

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var error: String { json["error"] as? String ?? "" }
}

/// Sends one request to the test server and waits for the answer.
func call(_ method: String, _ path: String, json: Any? = nil, rawBody: String? = nil) -> Reply {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(TestServer.shared.port)\(path)")!)
    request.httpMethod = method
    request.timeoutInterval = 120
    if let json {
        request.httpBody = try! JSONSerialization.data(withJSONObject: json)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    } else if let rawBody {
        request.httpBody = Data(rawBody.utf8)
    }
    final class Box: @unchecked Sendable { var reply = Reply(status: 0, body: Data(), contentType: "") }
    let box = Box(), done = DispatchSemaphore(value: 0)
    URLSession.shared.dataTask(with: request) { data, response, error in
        let http = response as? HTTPURLResponse
        box.reply = Reply(status: http?.statusCode ?? -1, body: data ?? Data(error.map { "\($0)" }?.utf8 ?? "".utf8),
                          contentType: http?.value(forHTTPHeaderField: "Content-Type") ?? "")
        done.signal()
    }.resume()
    done.wait()
    return box.reply
}

/// Asserts an HTTP 400 whose JSON error names `field`.
func assertBadRequest(_ reply: Reply, naming field: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(reply.status, 400, reply.text, file: file, line: line)
    XCTAssertTrue(reply.contentType.hasPrefix("application/json"), reply.contentType, file: file, line: line)
    XCTAssertTrue(reply.error.hasPrefix(field + ":") || reply.error.hasPrefix(field + " "), "error '\(reply.error)' should name \(field)",
                  file: file, line: line)
}

/// Polls a job until it is no longer running.
func waitForJob(_ id: String, file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
    for _ in 0..<1200 {
        let reply = call("GET", "/api/jobs/\(id)")
        XCTAssertEqual(reply.status, 200, reply.text, file: file, line: line)
        if reply.json["state"] as? String != "running" { return reply.json }
        Thread.sleep(forTimeInterval: 0.1)
    }
    XCTFail("job \(id) still running after 2 minutes", file: file, line: line)
    return [:]
}
