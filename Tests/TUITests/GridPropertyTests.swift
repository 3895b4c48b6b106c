import Foundation
import PropertyBased
import Testing
@testable import Model
@testable import TUI

/// Text from the whole of Unicode with the pieces that break terminals (see ModelTests/PropertyTests.swift).
private let pieces: [String] = [
    "\u{1B}[2J", "\u{1B}]52;c;ZXZpbA==\u{07}", "\u{9B}31m", "\u{0}", "\u{7F}", "\u{202E}", "e\u{301}", "\u{301}", "王", "한",
    "👩🏽‍⚕️", "🇿🇲", "\u{200B}", "\u{200D}", "ليلى", "\n", "\r", "\t", "a", " ", "\u{FE0F}", "☺\u{FE0F}", "ｱ", "\u{FFFD}",
]
private let text = Gen.oneOf(
    Gen<String?>.element(of: pieces).map { $0 ?? "" },
    Gen<UnicodeScalar>.unicodeScalar(in: "\u{0}"..."\u{D7FF}").map { String($0) },
    Gen<UnicodeScalar>.unicodeScalar(in: "\u{E000}"..."\u{10FFFF}").map { String($0) }
).array(of: 0...50).map { $0.joined() }

@Suite("Properties of the cell grid: any text, anywhere, never breaks it")
struct GridPropertyTests {
    @Test("writing any text at any place, clipped or not, keeps every row exactly the grid's width, wide glyphs whole, no control character")
    func putKeepsInvariants() async {
        await propertyCheck(count: 500, input: text, Gen.int(in: -5...90), Gen.int(in: -2...30), Gen.int(in: 1...100), Gen.int(in: 1...30)) { s, x, y, w, h in
            var g = Grid(width: w, height: h)
            g.put("漢字漢字漢字", x: 0, y: 0)          // something wide underneath to overwrite halfway
            g.put(s, x: x, y: y, clip: Rect(x: x / 2, y: 0, width: max(0, w - x / 2), height: h))
            g.put(s, x: x, y: y)
            #expect(g.invariantViolation() == nil, "\(s.unicodeScalars.map { String($0.value, radix: 16) }) at \(x),\(y) in \(w)x\(h)")
        }
    }

    @Test("truncating and wrapping respect the width in columns")
    func truncateAndWrap() async {
        await propertyCheck(count: 500, input: text, Gen.int(in: 1...80)) { s, w in
            let clean = TextSafety.clean(s, multiline: false)
            #expect(DisplayWidth.of(DisplayWidth.truncate(clean, to: w)) <= w)
            for line in DisplayWidth.wrap(clean, width: w) { #expect(DisplayWidth.of(line) <= w) }
        }
    }

    @Test("a text field takes any paste within its limit and draws without breaking the grid")
    func textFieldTakesAnything() async {
        await propertyCheck(count: 300, input: text, Gen.bool, Gen.int(in: 1...60)) { s, multiline, w in
            var f = TextField("", multiline: multiline, limit: 40)
            f.insert(s)
            f.insert(s)
            #expect(f.chars.count <= 40)
            #expect(!f.text.unicodeScalars.contains { TextSafety.isUnsafe($0) && $0 != "\n" })
            var g = Grid(width: w + 2, height: 6)
            _ = f.render(into: &g, Rect(x: 1, y: 1, width: w, height: multiline ? 4 : 1), focused: true)
            #expect(g.invariantViolation() == nil)
        }
    }
}

@Suite("What the property tests found (kept as plain tests)")
struct PropertyRegressionTests {
    @Test("a wide character in a one-column wrap becomes a marker instead of overflowing")
    func wideGlyphInNarrowWrap() {
        #expect(DisplayWidth.wrap("王", width: 1) == ["…"])
        #expect(DisplayWidth.wrap("a王b", width: 1) == ["a", "…", "b"])
    }

    @Test("a text area one column wide with a wide character draws (it used to loop for ever and fill memory)")
    func wideGlyphInNarrowArea() {
        var f = TextField("", multiline: true, limit: 40)
        f.insert("王王a")
        var g = Grid(width: 3, height: 6)
        _ = f.render(into: &g, Rect(x: 1, y: 1, width: 1, height: 4), focused: true)
        #expect(g.invariantViolation() == nil)
    }
}
