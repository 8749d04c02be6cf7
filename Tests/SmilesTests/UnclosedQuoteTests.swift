import Foundation
@testable import Smiles
import XCTest

/// An unclosed CSV quote used to swallow every following row into one field, silently.
final class UnclosedQuoteTests: XCTestCase {
    func testAnUnclosedQuoteIsAnErrorNamingItsLineAndTheLinesItWouldSwallow() throws {
        let dir = try ScratchDirectory()
        let path = try dir.write("q.csv", "smiles,name\nCCO,\"ethanol\nCCN,x\nCCC,y\n")
        let reader = try SmilesFileReader(path: path)
        XCTAssertThrowsError(try reader.next(upTo: 10)) { error in
            XCTAssertEqual(error as? SmilesFileError, .unclosedQuote(path: path, line: 2, linesAfter: 2, atEnd: true))
            XCTAssertTrue("\(error)".hasPrefix("\(path):2: a quote opened on this line is never closed; the 2 line(s) after it"), "\(error)")
        }
    }

    func testAQuoteThatNeverClosesStopsAtTheRecordLimitInsteadOfReadingTheWholeFile() throws {
        let dir = try ScratchDirectory()
        let rows = String(repeating: "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC,x\n", count: SmilesFileReader.maxQuotedRecordBytes / 40)
        let path = try dir.write("q.csv", "smiles,name\n\"CCO,y\n" + rows)
        let reader = try SmilesFileReader(path: path)
        XCTAssertThrowsError(try reader.next(upTo: 10)) { error in
            guard case .unclosedQuote(_, 2, _, false)? = error as? SmilesFileError else { return XCTFail("\(error)") }
        }
    }

    func testAQuotedLineBreakThatClosesIsStillOneRecord() throws {
        let dir = try ScratchDirectory()
        let path = try dir.write("q.csv", "name,smiles\n\"two\nlines\",CCO\nx,CCN\n")
        XCTAssertEqual(try SmilesFileReader.readAll(path: path).map(\.smiles), ["CCO", "CCN"])
    }
}
