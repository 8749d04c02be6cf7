import ArgumentParser
import ChemVAE
import Foundation
import WebApp

/// `molgen serve`: the latent space in a browser (the pages and JSON API of the WebApp target).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the latent space as a web application (pages and a JSON API) at http://127.0.0.1:PORT/.",
        discussion: """
            Loads the model once and answers until Ctrl-C. Pages: molecule, neighbours, interpolation \
            (path and 2-D grid), optimisation, latent map and samples; every page keeps its state in \
            the URL. The JSON API under /api/ is listed in README.md. Listens on 127.0.0.1 only unless \
            --host says otherwise (with a warning: anyone who can reach the port can use the model).
            """)

    @Option(help: "The model file.") var model = ModelOptions.defaultModel
    @Option(help: "Address to listen on; anything but 127.0.0.1 exposes the server to the network.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port).") var port = 8080
    @Option(help: "Molecules for the latent map page (a SMILES or dataset file); default: the shipped MOSES test sample when present.")
    var mapData: String?
    @Option(help: "Seconds one request may compute before it is answered with an error (optimisations run as jobs, without limit).")
    var timeLimit: Double = 120

    static let defaultMapData = "datasets/moses-test-5k.csv.gz"

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port: \(port) is not a port number (0 to 65535)") }
        if !(timeLimit > 0) { throw ValidationError("--time-limit: must be a positive number of seconds") }
    }

    func run() throws {
        let loaded = try ModelOptions.parse(["--model", model]).load()
        var mapPath = mapData
        if let mapData, !FileManager.default.fileExists(atPath: mapData) { throw OptionError("--map-data: \(mapData) does not exist") }
        if mapPath == nil, FileManager.default.fileExists(atPath: Self.defaultMapData) { mapPath = Self.defaultMapData }
        var options = ServerOptions()
        options.host = host
        options.port = port
        options.timeLimit = timeLimit
        if !options.isLoopback {
            printError("warning: listening on \(host): anyone who can reach port \(port) can use this server and its CPU")
        }
        let server = WebServer(service: LatentService(model: loaded, modelPath: model, mapDataPath: mapPath), options: options)
        let host = self.host
        try server.runUntilStopped { port in
            print("url=http://\(host.contains(":") ? "[\(host)]" : host):\(port)/")
            fflush(stdout)
        }
    }
}
