import Testing
@testable import Harness

@Suite("The benchmark's table: labels and figures always apart")
struct TextTableTests {
    @Test("a label as long as the old 13-character column (\"PgDn deep p99\") is still separated from its figure")
    func longLabelKeepsItsSpace() {
        let table = textTable([["", "10000", "1000000"], ["PgDn top p99", "1.22", "0.95"], ["PgDn deep p99", "0.74", "1.16"],
                               ["a label longer than any before it", "12345.6", "–"]])
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[2].hasPrefix("PgDn deep p99  "))
        #expect(!table.contains("p990.74"))
        // Every figure ends at the same column: right-aligned under its heading.
        #expect(Set(lines.map(\.count)).count == 1, "\(table)")
        for line in lines {
            let cells = line.split(separator: " ", omittingEmptySubsequences: true)
            #expect(cells.last.map { ["1000000", "0.95", "1.16", "–"].contains(String($0)) } == true, "\(line)")
        }
    }
}
