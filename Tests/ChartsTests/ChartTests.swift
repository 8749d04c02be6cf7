import Charts
import Foundation
import XCTest

final class ChartTests: XCTestCase {
    private func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    /// The `points="..."` lists of the chart's polylines, in order.
    private func polylines(_ svg: String) -> [[String]] {
        svg.components(separatedBy: "<polyline").dropFirst().map {
            $0.components(separatedBy: "points=\"")[1].components(separatedBy: "\"")[0].split(separator: " ").map(String.init)
        }
    }

    func testOneLinePerSeriesAndNonPositiveValuesLeaveTheLogAxis() throws {
        var chart = Chart(title: "a < b", xLabel: "step", yLabel: "norm", logY: true)
        chart.series = [.init(name: "one", points: [(1, 1), (2, 10), (3, 100)]), .init(name: "two", points: [(1, 0), (2, 0.5), (3, 2)])]
        let svg = chart.svg
        XCTAssertTrue(svg.hasPrefix("<svg"))
        XCTAssertTrue(svg.contains("a &lt; b"))
        XCTAssertEqual(polylines(svg).map(\.count), [3, 2], "the zero of series two has no place on a log axis")
        XCTAssertTrue(svg.contains("norm (log scale)"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("charts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("p.svg").path
        try chart.write(to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), svg)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["p.svg"], "no temporary left behind")
        XCTAssertThrowsError(try chart.write(to: directory.appendingPathComponent("missing/p.svg").path)) {
            XCTAssertTrue("\($0)".contains("does not exist"), "\($0)")
        }
    }

    func testAMissingValueBreaksTheLineAndDotsAreDots() {
        var chart = Chart(title: "path", xLabel: "step", yLabel: "value")
        chart.series = [.init(name: "surrogate", values: [1, 2, nil, 4, 5, 6]), .init(name: "measured", values: [1, nil, 3], style: .dots)]
        let svg = chart.svg
        XCTAssertEqual(polylines(svg).map(\.count), [2, 3])
        // Two dots of the measured series, one legend mark.
        XCTAssertEqual(count("<circle", in: svg), 3)
        XCTAssertTrue(svg.contains(">surrogate<") && svg.contains(">measured<"))
    }

    func testColoredDotsUseTheViridisScaleWithAColourBarAndHoverLabels() {
        var chart = Chart(title: "map", xLabel: "PC1", yLabel: "PC2")
        chart.colorLabel = "qed"
        chart.series = [.init(name: "", points: [(0, 0), (1, 1), (2, 0.5)], style: .colored(values: [0.2, .nan, 0.9]),
                              labels: ["CCO", "c1ccccc1", "CC(=O)O"])]
        let svg = chart.svg
        XCTAssertEqual(count("<circle", in: svg), 3, "no legend mark for a coloured series")
        XCTAssertTrue(svg.contains("linearGradient") && svg.contains(">qed<"))
        XCTAssertTrue(svg.contains(viridis(0)) && svg.contains(viridis(1)), "lowest and highest values take the ends of the scale")
        XCTAssertTrue(svg.contains("#bbbbbb"), "NaN is grey")
        XCTAssertLessThan(svg.range(of: "#bbbbbb")!.lowerBound, svg.range(of: viridis(0))!.lowerBound, "grey drawn underneath")
        XCTAssertTrue(svg.contains("<title>CC(=O)O</title>"))
        XCTAssertEqual(viridis(0), "#440154")
        XCTAssertEqual(viridis(1), "#fde725")
    }

    func testRobustLimitsKeepTheBulkAndMarkOutliersOnTheEdge() {
        var points = (0..<200).map { (x: Double($0 % 20), y: Double($0 / 20)) }
        points.append((x: 10_000, y: 5))
        var chart = Chart(title: "outlier", xLabel: "x", yLabel: "y")
        chart.series = [.init(name: "", points: points, style: .dots)]
        XCTAssertTrue(chart.svg.contains("1e+04") || chart.svg.contains("1.0e+04"), "plain limits reach the outlier")
        XCTAssertEqual(count("fill=\"none\" stroke=\"#1f77b4\"", in: chart.svg), 0, "nothing beyond the limits")
        chart.robustLimits = true
        let svg = chart.svg
        XCTAssertFalse(svg.contains("e+04"), "the axis stops at the bulk")
        XCTAssertEqual(count("<circle", in: svg), 201, "every point is drawn")
        XCTAssertEqual(count("fill=\"none\" stroke=\"#1f77b4\"", in: svg), 1, "the outlier is hollow, on the edge")
    }

    func testChartsSideBySideSitAtTheirOffsetsInOneDocument() {
        var a = Chart(title: "left", xLabel: "x", yLabel: "y"), b = Chart(title: "right", xLabel: "x", yLabel: "y")
        a.width = 300; b.width = 500
        a.series = [.init(name: "a", values: [1, 2])]; b.series = [.init(name: "b", values: [3, 4])]
        let svg = Chart.sideBySide([a, b])
        XCTAssertTrue(svg.contains("width=\"800\""))
        XCTAssertTrue(svg.contains("<svg x=\"0\" y=\"0\" ") && svg.contains("<svg x=\"300\" y=\"0\" "))
        XCTAssertEqual(count("<polyline", in: svg), 2)
    }
}
