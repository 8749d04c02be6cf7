import Engine
import Foundation
@testable import ImageModels
import XCTest

/// The shipped feature classifiers (models/*.h5) and the scores built on them.
final class EvaluationTests: XCTestCase {
    let models = repositoryRoot.appendingPathComponent("models").path

    func testShippedClassifiersReadHeldOutDigits() throws {
        let mnist = try ImageEvaluation.loadClassifier(ImageEvaluation.classifierPath(for: .mnist, modelsDirectory: models))
        let held = mnistSplit.heldOut
        XCTAssertGreaterThan(accuracy(mnist.classify(held.tensor), held.labels), 0.96)
        let digits = try ImageEvaluation.loadClassifier(ImageEvaluation.classifierPath(for: .digits, modelsDirectory: models))
        let digitsHeld = try ImageDataSource.digits28.load(from: datasetsDirectory).heldOut
        XCTAssertGreaterThan(accuracy(digits.classify(digitsHeld.tensor), digitsHeld.labels), 0.95)
    }

    func testFIDOnClassifierFeaturesRanksRealAboveBlurAboveNoise() throws {
        let classifier = try ImageEvaluation.loadClassifier(ImageEvaluation.classifierPath(for: .mnist, modelsDirectory: models))
        let held = mnistSplit.heldOut.tensor
        let train = mnistSplit.train.batch(Array(0..<2000))
        let rng = RandomGenerator(seed: 1)
        let noise = Tensor.randomUniform([2000, 28, 28, 1], low: 0, high: 1, using: rng)
        // A crude "generator": every held-out image averaged with its neighbour (ghosted digits).
        let blended = Tensor(zeros: [2000, 28, 28, 1])
        for i in 0..<2000 { for p in 0..<784 { blended.pointer[i * 784 + p] = 0.5 * (train.pointer[i * 784 + p] + train.pointer[((i + 1) % 2000) * 784 + p]) } }
        let real = ImageEvaluation.fid(train, held, data: .mnist, classifier: classifier)
        let ghost = ImageEvaluation.fid(blended, held, data: .mnist, classifier: classifier)
        let random = ImageEvaluation.fid(noise, held, data: .mnist, classifier: classifier)
        XCTAssertLessThan(real, ghost)
        XCTAssertLessThan(ghost, random)
        XCTAssertEqual(ImageEvaluation.fid(held, held, data: .mnist, classifier: classifier), 0, accuracy: 1e-6)
        XCTAssertLessThan(ImageEvaluation.knn(held, train), 0.6)
        XCTAssertGreaterThan(ImageEvaluation.knn(held, noise), 0.99)
    }

    func testScoreOfAnUntrainedGeneratorIsFarFromReal() throws {
        var config = ImageModelConfig.defaults(for: .dcgan, data: .digits)
        config.channels = 4
        let file = ImageModelFile(model: try makeImageModel(config))
        let figures = Dictionary(uniqueKeysWithValues: try ImageEvaluation.score(file, datasets: datasetsDirectory) {
            try ImageEvaluation.loadClassifier(ImageEvaluation.classifierPath(for: $0, modelsDirectory: self.models))
        }.map { ($0.name, $0.value) })
        XCTAssertGreaterThan(figures["knn_score"]!, 0.95)
        XCTAssertLessThan(figures["knn_score_real_floor"]!, 0.65)
        XCTAssertGreaterThan(figures["fid"]!, 5 * figures["fid_real_floor"]!)
    }
}
