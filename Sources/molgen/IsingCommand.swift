import ArgumentParser
import Foundation
import Samplers

/// `molgen ising`: variational mean field on the Ising model beside Metropolis Monte Carlo.
struct IsingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ising",
        abstract: "Mean-field Ising on an L x L periodic lattice beside Metropolis Monte Carlo (SVG of m against T).",
        discussion: """
            Mean field iterates m_i = tanh(β(Σ_j J_ij m_j + h_i)) to a fixed point and prints the variational \
            free energy F_q = <u>_q - T·H_q at --temperature (per spin), with both magnetisations there; \
            tc_mean_field= is where the solver's m = 0 fixed point loses stability (the largest eigenvalue \
            of J: 4 J/k), beside Onsager's exact 2.269 J/k. Temperatures are kT in units of J/k.
            """)

    @Option(help: "Lattice side L.") var size = 32
    @Option(help: "Coupling J (ferromagnetic, > 0).") var coupling = 1.0
    @Option(help: "Uniform field h.") var field = 0.0
    @Option(help: "The temperature of the printed figures (default T_c(mean field)/2).") var temperature = 2.0
    @Option(help: "Lowest temperature of the curve.") var tMin = 0.5
    @Option(help: "Highest temperature of the curve.") var tMax = 5.0
    @Option(help: "Temperatures on the curve.") var points = 46
    @Option(help: "Monte Carlo sweeps measured at each temperature.") var sweeps = 1000
    @Option(help: "Monte Carlo sweeps discarded at each temperature first.") var equilibration = 500
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String

    func validate() throws {
        if size < 2 || size > 256 { throw ValidationError("--size: \(size) must be between 2 and 256") }
        if !(coupling > 0 && coupling.isFinite) { throw ValidationError("--coupling: \(coupling) must be positive") }
        if !field.isFinite { throw ValidationError("--field: \(field) must be finite") }
        if !(temperature > 0 && temperature.isFinite) { throw ValidationError("--temperature: \(temperature) must be positive") }
        if !(tMin > 0 && tMin.isFinite) { throw ValidationError("--t-min: \(tMin) must be positive") }
        if !(tMax > tMin && tMax.isFinite) { throw ValidationError("--t-max: \(tMax) must be above --t-min \(tMin)") }
        try OptionLimits.require(points, in: 2...1000, "--points")
        try OptionLimits.require(sweeps, in: 1...100_000, "--sweeps")
        try OptionLimits.require(equilibration, in: 0...100_000, "--equilibration")
    }

    func run() throws {
        try Outputs.check(output, "--output", against: [], extensions: ["svg"])
        let temperatures = (0..<points).map { tMin + (tMax - tMin) * Double($0) / Double(points - 1) }
        let result = try withOptionErrors {
            try IsingExperiment.run(side: size, coupling: coupling, field: field, temperature: temperature, temperatures: temperatures,
                                    equilibration: equilibration, sweeps: sweeps, seed: seed)
        }
        try result.plot(side: size, coupling: coupling, field: field).write(to: output)
        let spins = Double(size * size)
        var figures: [(name: String, value: Double)] = [
            ("size", Double(size)), ("temperature", temperature),
            ("magnetization_mean_field", result.atTemperature.meanMagnetization),
            ("free_energy_per_spin", result.atTemperature.freeEnergy / spins),
            ("mean_field_sweeps", Double(result.atTemperature.sweeps)),
            ("magnetization_monte_carlo", result.monteCarloAtTemperature)]
        // Onsager's magnetisation holds without a field only.
        if field == 0 { figures.append(("magnetization_onsager", onsagerMagnetization(temperature: temperature, coupling: coupling))) }
        figures += [("tc_mean_field", result.meanFieldCriticalTemperature / coupling), ("tc_onsager", onsagerCriticalTemperature),
                    ("tc_monte_carlo_steepest", result.monteCarloSteepestTemperature / coupling)]
        printFigures(figures)
        printError("wrote \(output)")
    }
}
