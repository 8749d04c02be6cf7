import ChemVAE
import Chem
import Foundation
import Hummingbird
import Logging
import NIOCore

/// How `molgen serve` runs.
public struct ServerOptions: Sendable {
    /// Address to listen on. Anything but loopback exposes the model to the network.
    public var host = "127.0.0.1"
    /// Port; 0 takes any free one (tests).
    public var port = 8080
    /// Seconds one request may compute before it is answered with HTTP 503 (jobs have no limit).
    public var timeLimit: Double = 120
    public var limits = InputLimits()
    public init() {}

    /// Whether `host` only accepts connections from this machine.
    public var isLoopback: Bool { ["127.0.0.1", "localhost", "::1"].contains(host) }
}

/// The web application: JSON API under `/api/`, pages under `/`.
public struct WebServer: Sendable {
    public let service: LatentService
    public let options: ServerOptions
    let jobs = JobStore()

    public init(service: LatentService, options: ServerOptions) {
        self.service = service
        self.options = options
    }

    /// Runs until the process is stopped (Ctrl-C). `onRunning` receives the port actually bound.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        guard StaticPages.files["index.html"] != nil else { throw PagesMissing() }
        var logger = Logger(label: "molgen-serve")
        logger.logLevel = .warning
        let app = Application(
            router: router(),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "molgen"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? options.port) },
            logger: logger)
        try await app.runService()
    }

    // MARK: Routes

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        let service = self.service, jobs = self.jobs, limit = options.timeLimit, limits = service.limits

        router.get("/") { _, _ in try StaticPages.response(for: "index.html") }
        router.get("/static/:name") { _, context in try StaticPages.response(for: context.parameters.get("name") ?? "") }

        router.get("/api/model") { _, _ in json(service.info) }
        router.post("/api/encode") { request, _ in
            try await answer(request, EncodeRequest.self, limits, limit) { try service.encode($0) }
        }
        router.post("/api/neighbors") { request, _ in
            try await answer(request, NeighborsRequest.self, limits, limit) { try service.neighbors($0) }
        }
        router.post("/api/interpolate") { request, _ in
            try await answer(request, InterpolateRequest.self, limits, limit) { try service.interpolate($0) }
        }
        router.post("/api/grid") { request, _ in
            try await answer(request, GridRequest.self, limits, limit) { try service.grid($0) }
        }
        router.post("/api/sample") { request, _ in
            try await answer(request, SampleRequest.self, limits, limit) { try service.sample($0) }
        }
        router.post("/api/map") { request, _ in
            try await answer(request, MapRequest.self, limits, limit) { try service.map($0) }
        }
        router.get("/api/sample.csv") { request, _ in
            try await guarded {
                let parameters = request.uri.queryParameters
                let query = try SampleRequest { parameters[Substring($0)].map(String.init) }
                try query.validate(limits)
                let response = try await offloaded(limit) { try service.sample(query) }
                return download(LatentService.csv(response), type: "text/csv", name: "samples-seed\(response.seed).csv")
            }
        }
        router.get("/api/sample.sdf") { request, _ in
            try await guarded {
                let parameters = request.uri.queryParameters
                let query = try SampleRequest { parameters[Substring($0)].map(String.init) }
                try query.validate(limits)
                let response = try await offloaded(limit) { try service.sample(query) }
                return download(try StructureFile.sdf(response), type: "chemical/x-mdl-sdfile", name: "samples-seed\(response.seed).sdf")
            }
        }
        router.get("/api/depict") { request, _ in
            try await guarded {
                let query = request.uri.queryParameters
                let smiles = String(query["smiles"] ?? "")
                try checkSMILES(smiles, field: "smiles", limits: limits)
                let size = try query["size"].map { try integer(String($0), field: "size", in: 80...600) } ?? 250
                let against = query["highlight_against"].map(String.init)
                if let against { try checkSMILES(against, field: "highlight_against", limits: limits) }
                let svg = try await offloaded(limit) { try Drawing.svg(smiles: smiles, size: size, highlightingAgainst: against) }
                var headers = HTTPFields()
                headers[.contentType] = "image/svg+xml"
                headers[.cacheControl] = "max-age=3600"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: svg)))
            }
        }
        router.post("/api/optimize") { request, _ in
            try await guarded {
                let input = try await decodeBody(request, OptimizeRequest.self)
                try input.validate(limits)
                var options = OptimizationOptions(objective: input.objective)
                do { options.objective = service.model.normalization!.names[try service.model.propertyIndex(input.objective)] } catch {
                    throw BadRequest("objective: \(error)")
                }
                if let start = input.start { _ = try service.encoded(start, field: "start") }
                options.start = input.start
                options.maximize = !(input.minimize ?? false)
                options.steps = input.steps ?? 100
                options.minSimilarity = input.minSimilarity ?? 0
                if let rate = input.learningRate { options.learningRate = rate }
                options.seed = input.seed ?? 1
                options.top = 20
                let job = jobs.start(options, service: service)
                return json(["job": job.id], status: .accepted)
            }
        }
        router.get("/api/jobs/:id") { _, context in
            try await guarded { json(try jobNamed(context.parameters.get("id"), in: jobs).snapshot) }
        }
        router.post("/api/jobs/:id/cancel") { _, context in
            try await guarded {
                let job = try jobNamed(context.parameters.get("id"), in: jobs)
                job.cancel()
                return json(job.snapshot)
            }
        }
        router.get("/api/jobs/:id/events") { _, context in
            try await guarded {
                let job = try jobNamed(context.parameters.get("id"), in: jobs)
                var headers = HTTPFields()
                headers[.contentType] = "text/event-stream"
                headers[.cacheControl] = "no-cache"
                return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                    try await streamEvents(of: job, to: &writer)
                })
            }
        }
        return router
    }
}

// MARK: Helpers

/// Server-sent events: `progress` with the new ascent steps every quarter second, then one
/// `done` with the whole snapshot (state done, failed or cancelled).
func streamEvents(of job: OptimizationJob, to writer: inout any ResponseBodyWriter) async throws {
    var sent = 0
    while true {
        let snapshot = job.snapshot
        if snapshot.progress.count > sent {
            let fresh = Array(snapshot.progress[sent...])
            sent = snapshot.progress.count
            try await writer.write(ByteBuffer(string: "event: progress\ndata: \(try encodeJSON(fresh))\n\n"))
        }
        if snapshot.state != .running {
            try await writer.write(ByteBuffer(string: "event: done\ndata: \(try encodeJSON(snapshot))\n\n"))
            break
        }
        try await Task.sleep(nanoseconds: 250_000_000)
    }
    try await writer.finish(nil)
}

func jobNamed(_ id: String?, in jobs: JobStore) throws -> OptimizationJob {
    guard let id, let job = jobs.job(id) else { throw NotFound("job \(id ?? ""): no such job (ids come from POST /api/optimize)") }
    return job
}

struct PagesMissing: Error, CustomStringConvertible {
    var description: String {
        "the web pages are missing: MolGen_WebApp.resources must sit next to the molgen binary (swift build puts it there)"
    }
}

struct NotFound: Error { var message: String; init(_ m: String) { message = m } }
struct TimeLimitExceeded: Error { var seconds: Double }

let jsonEncoder: JSONEncoder = {
    let e = JSONEncoder()
    e.keyEncodingStrategy = .convertToSnakeCase
    e.outputFormatting = [.sortedKeys]
    return e
}()

func encodeJSON<T: Encodable>(_ value: T) throws -> String { String(decoding: try jsonEncoder.encode(value), as: UTF8.self) }

func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "application/json; charset=utf-8"
    let body = (try? jsonEncoder.encode(value)) ?? Data(#"{"error":"the result could not be written as JSON"}"#.utf8)
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
}

func download(_ text: String, type: String, name: String) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = type
    headers[.contentDisposition] = "attachment; filename=\"\(name)\""
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
}

/// Turns what went wrong into a JSON error: 400 for the client's input, 404 for an unknown job,
/// 503 when the time limit ran out, 500 otherwise.
func guarded(_ body: () async throws -> Response) async throws -> Response {
    do { return try await body() } catch let error as BadRequest {
        return json(["error": error.message], status: .badRequest)
    } catch let error as NotFound {
        return json(["error": error.message], status: .notFound)
    } catch let error as TimeLimitExceeded {
        return json(["error": "the request took longer than \(Int(error.seconds)) s; ask for less (fewer steps, points or molecules)"],
                    status: .serviceUnavailable)
    } catch {
        return json(["error": "\(error)"], status: .internalServerError)
    }
}

/// Decodes a JSON body, checks it, runs `work` off the event loop within the time limit, answers JSON.
func answer<Input: Decodable & Validatable & Sendable, Output: Encodable & Sendable>(
    _ request: Request, _ type: Input.Type, _ limits: InputLimits, _ seconds: Double,
    _ work: @escaping @Sendable (Input) throws -> Output
) async throws -> Response {
    try await guarded {
        let input = try await decodeBody(request, type)
        try input.validate(limits)
        return json(try await offloaded(seconds) { try work(input) })
    }
}

protocol Validatable { func validate(_ limits: InputLimits) throws }
extension EncodeRequest: Validatable {}
extension NeighborsRequest: Validatable {}
extension InterpolateRequest: Validatable {}
extension GridRequest: Validatable {}
extension SampleRequest: Validatable {}
extension MapRequest: Validatable {}

/// The request body as `T`; a malformed body or field is a `BadRequest` naming the field.
func decodeBody<T: Decodable>(_ request: Request, _ type: T.Type) async throws -> T {
    var request = request
    let buffer = try await request.collectBody(upTo: 1 << 20)
    let data = Data(buffer.readableBytesView)
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    do { return try decoder.decode(T.self, from: data.isEmpty ? Data("{}".utf8) : data) } catch let error as DecodingError {
        throw BadRequest(describe(error))
    }
}

func snakeCase(_ name: String) -> String {
    name.reduce(into: "") { out, c in if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) } }
}

/// "count: expected an integer", "smiles: required" ... from a DecodingError.
func describe(_ error: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? snakeCase($0.stringValue) }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }
    switch error {
    case .keyNotFound(let key, let context):
        let parent = path(context.codingPath)
        return "\(parent.isEmpty ? "" : parent + ".")\(snakeCase(key.stringValue)): required"
    case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
        let expected = type == String.self ? "a string" : type == Bool.self ? "true or false"
            : (type == Int.self || type == UInt64.self) ? "an integer" : (type == Double.self || type == Float.self) ? "a number"
            : type is [Any].Type ? "a list" : "\(type)"
        return "\(path(context.codingPath)): expected \(expected)"
    case .dataCorrupted(let context):
        let p = path(context.codingPath)
        return p.isEmpty ? "the request body is not a JSON object" : "\(p): \(context.debugDescription)"
    @unknown default:
        return "the request body could not be read"
    }
}

func integer(_ text: String, field: String, in range: ClosedRange<Int>) throws -> Int {
    guard let n = Int(text), range.contains(n) else { throw BadRequest("\(field): '\(text)' must be an integer from \(range.lowerBound) to \(range.upperBound)") }
    return n
}

extension SampleRequest {
    /// From a query string (`?count=100&seed=2&temperature=1`), for the download links.
    init(query: (String) -> String?) throws {
        count = try query("count").map { try integer($0, field: "count", in: 1...Int.max) }
        seed = try parsed(query("seed"), field: "seed", "a non-negative integer") { UInt64($0) }
        temperature = try parsed(query("temperature"), field: "temperature", "a number") { Float($0) }
    }
}

func parsed<T>(_ text: String?, field: String, _ expected: String, _ convert: (String) -> T?) throws -> T? {
    guard let text else { return nil }
    guard let value = convert(text) else { throw BadRequest("\(field): '\(text)' must be \(expected)") }
    return value
}

/// A value set at most once, by whichever of two threads comes first.
final class FirstComer: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func claim() -> Bool { lock.withLock { defer { done = true }; return !done } }
}

/// Runs CPU work on a thread of its own so the event loops stay free and a long request (a map)
/// does not hold up short ones (a drawing), answering `TimeLimitExceeded` when it takes longer than
/// `seconds` (the work itself runs on to its end: inputs are limited so that it always ends).
func offloaded<T: Sendable>(_ seconds: Double, _ work: @escaping @Sendable () throws -> T) async throws -> T {
    let once = FirstComer()
    return try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            let result = Result { try work() }
            if once.claim() { continuation.resume(with: result) }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            if once.claim() { continuation.resume(throwing: TimeLimitExceeded(seconds: seconds)) }
        }
    }
}

extension WebServer {
    /// `run` for synchronous callers (the command line): blocks until the server stops.
    public func runUntilStopped(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws {
        final class Outcome: @unchecked Sendable { var error: Error? }
        let outcome = Outcome(), finished = DispatchSemaphore(value: 0)
        Task.detached {
            do { try await self.run(onRunning: onRunning) } catch { outcome.error = error }
            finished.signal()
        }
        finished.wait()
        if let error = outcome.error { throw error }
    }
}
