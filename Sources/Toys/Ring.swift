import Charts
import Engine
import Foundation
import ImageModels

/// The material's ring: z ~ N(0, I) in 2-D mapped by G(z) = z/10 + z/‖z‖. A simple deterministic
/// map turns a Gaussian into a thin ring, the point being that a generator can give its samples
/// any shape. ‖G(z)‖ = 1 + ‖z‖/10, so the mean radius is 1 + √(π/2)/10 and its spread
/// √(2 − π/2)/10 (‖z‖ is Rayleigh-distributed).
public struct RingDemo {
    public var latent: [Float]
    public var mapped: [Float]

    public init(count: Int, seed: UInt64) throws {
        guard count >= 2 else { throw ToyError("--count: \(count) must be at least 2") }
        let z = Tensor.randomNormal([count, 2], using: RandomGenerator(seed: seed))
        latent = z.scalars
        mapped = latent
        for i in stride(from: 0, to: 2 * count, by: 2) {
            let r = (latent[i] * latent[i] + latent[i + 1] * latent[i + 1]).squareRoot()
            mapped[i] = latent[i] / 10 + latent[i] / r
            mapped[i + 1] = latent[i + 1] / 10 + latent[i + 1] / r
        }
    }

    var radii: [Double] { stride(from: 0, to: mapped.count, by: 2).map { Double(hypot(mapped[$0], mapped[$0 + 1])) } }

    public var meanRadius: Double { radii.reduce(0, +) / Double(radii.count) }
    public var radiusStd: Double {
        let m = meanRadius
        return (radii.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(radii.count - 1)).squareRoot()
    }

    public static let expectedMeanRadius = 1 + (Double.pi / 2).squareRoot() / 10
    public static let expectedRadiusStd = (2 - Double.pi / 2).squareRoot() / 10

    public var plots: [Chart] {
        [scatterPanel("z ~ N(0, I)", x: "z1", y: "z2", [.init(name: "z", points: planePoints(latent), style: .dots)]),
         scatterPanel("G(z) = z/10 + z/|z|", x: "x1", y: "x2", [.init(name: "G(z)", points: planePoints(mapped), style: .dots)])]
    }
}
