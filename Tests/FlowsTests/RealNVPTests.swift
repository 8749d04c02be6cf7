import Engine
import Flows
import Foundation
import XCTest

/// The coupling layer and the flow: exact inverse, log-determinant against a finite-difference
/// Jacobian, backward against finite differences, the identity at initialisation.
final class RealNVPTests: XCTestCase {
    /// A flow with every weight random (a fresh one is the identity, which would test nothing).
    func randomFlow(layers: Int = 6, hidden: Int = 16, seed: UInt64 = 3) -> RealNVP {
        let flow = RealNVP(dimension: 2, layers: layers, hidden: hidden, using: RandomGenerator(seed: seed))
        let rng = RandomGenerator(seed: seed &+ 1)
        for (_, p) in flow.parameters { p.withMutableScalars { v in for i in v.indices { v[i] += 0.4 * rng.normal() } } }
        return flow
    }

    func randomPoints(_ n: Int, seed: UInt64) -> Tensor { Tensor.randomNormal([n, 2], std: 1.5, using: RandomGenerator(seed: seed)) }

    func testTheFlowInvertsToOneInHundredThousand() {
        let flow = randomFlow()
        let x = randomPoints(500, seed: 11)
        let (z, forwardLogDet) = flow.encode(x)
        let (back, inverseLogDet) = flow.generate(z)
        XCTAssertNotEqual(z.scalars, x.scalars, "the random flow must move the points")
        let worst = zip(back.scalars, x.scalars).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 1e-5)
        let logDetError = zip(forwardLogDet.scalars, inverseLogDet.scalars).map { abs($0 + $1) }.max()!
        XCTAssertLessThan(logDetError, 1e-5, "log|det ∂G/∂z| = −log|det ∂f/∂x|")
    }

    /// log|det ∂y/∂x| of one coupling, and of the whole flow, against the determinant of the
    /// Jacobian taken by finite differences (in Double, from Float evaluations).
    func testLogDeterminantMatchesAFiniteDifferenceJacobian() {
        let flow = randomFlow()
        let points = randomPoints(8, seed: 12).scalars
        let maps: [(String, (Tensor) -> (Tensor, Tensor))] = [
            ("coupling 0", { flow.couplings[0].forward($0) }), ("coupling 1", { flow.couplings[1].forward($0) }),
            ("flow", { flow.encode($0) }), ("inverse flow", { flow.generate($0) }),
        ]
        for (name, f) in maps {
            for k in 0..<8 {
                let p = [points[2 * k], points[2 * k + 1]]
                let logDet = Double(f(Tensor(p, shape: [1, 2])).1.scalars[0])
                // Five-point central differences: truncation O(h⁴) lets h stay large against Float rounding.
                let h: Float = 5e-3
                func at(_ j: Int, _ steps: Float) -> [Float] {
                    var q = p
                    q[j] += steps * h
                    return f(Tensor(q, shape: [1, 2])).0.scalars
                }
                var jacobian = [[Double]](repeating: [0, 0], count: 2)
                for j in 0..<2 {
                    let (p1, m1, p2, m2) = (at(j, 1), at(j, -1), at(j, 2), at(j, -2))
                    for i in 0..<2 {
                        jacobian[i][j] = (8 * (Double(p1[i]) - Double(m1[i])) - (Double(p2[i]) - Double(m2[i]))) / (12 * Double(h))
                    }
                }
                let numeric = log(abs(jacobian[0][0] * jacobian[1][1] - jacobian[0][1] * jacobian[1][0]))
                XCTAssertEqual(logDet, numeric, accuracy: 2e-3, "\(name), point \(k)")
            }
        }
    }

    /// The backward of the coupling's output and log-determinant (and of the flow's log-likelihood)
    /// against central finite differences, for the input and every parameter.
    func testGradientsMatchFiniteDifferences() {
        let flow = randomFlow(layers: 2, hidden: 8)
        let x = randomPoints(6, seed: 13)
        x.setRequiresGrad(true)
        let projection = Tensor.randomNormal([6, 2], using: RandomGenerator(seed: 14))
        let weights = Tensor.randomNormal([6], using: RandomGenerator(seed: 15))
        let losses: [(String, () -> Tensor)] = [
            ("coupling output and log-det", { let (y, d) = flow.couplings[0].forward(x); return (y * projection).sum() + (d * weights).sum() }),
            ("inverse coupling", { let (y, d) = flow.couplings[1].inverse(x); return (y * projection).sum() + (d * weights).sum() }),
            ("log-likelihood", { (flow.logLikelihood(x) * weights).sum() }),
            ("generator", { let (y, d) = flow.generate(x); return (y * projection).sum() + (d * weights).sum() }),
        ]
        let inputs = [("x", x)] + flow.parameters
        for (name, loss) in losses {
            for (_, t) in inputs { t.zeroGrad() }
            let tape = Tape()
            tape.backward(tape.record(loss))
            let analytic = inputs.map { $0.tensor.grad?.scalars ?? [Float](repeating: 0, count: $0.tensor.count) }
            for ((parameter, t), gradient) in zip(inputs, analytic) {
                for i in stride(from: 0, to: t.count, by: max(1, t.count / 6)) {
                    func value(_ delta: Float) -> Double {
                        t.withMutableScalars { $0[i] += delta }
                        defer { t.withMutableScalars { $0[i] -= delta } }
                        return Double(Tape.withoutRecording(loss).scalars[0])
                    }
                    let h: Float = 1e-2
                    let numeric = (value(h) - value(-h)) / Double(2 * h)
                    XCTAssertEqual(Double(gradient[i]), numeric, accuracy: 2e-2 * max(1, abs(numeric)), "\(name): \(parameter)[\(i)]")
                }
            }
        }
    }

    /// A new flow is the identity, so its log-likelihood is the standard normal's.
    func testANewFlowIsTheIdentityWithTheStandardNormalDensity() {
        let flow = RealNVP(dimension: 2, layers: 4, hidden: 8, using: RandomGenerator(seed: 5))
        let x = randomPoints(20, seed: 16)
        XCTAssertEqual(flow.encode(x).z.scalars, x.scalars)
        let v = x.scalars
        for (k, l) in flow.logLikelihood(x).scalars.enumerated() {
            let expected = -0.5 * (Double(v[2 * k]) * Double(v[2 * k]) + Double(v[2 * k + 1]) * Double(v[2 * k + 1])) - log(2 * Double.pi)
            XCTAssertEqual(Double(l), expected, accuracy: 1e-5)
        }
    }
}
