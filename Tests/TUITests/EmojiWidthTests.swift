import Foundation
import PropertyBased
import Testing
@testable import Model
@testable import TUI

// Issue #14, item 5: multi-codepoint emoji (ZWJ sequences, flags, skin tones, VS16) are drawn with a width
// every common terminal agrees on, and the grid never counts differently from what it sends.

/// The scalars terminals disagree on (DisplayWidth's table: tmux 3.3a, xterm 379): none may be sent.
private func terminalsDisagree(_ s: Unicode.Scalar) -> Bool {
    switch s.value {
    case 0x200C, 0x200D: return true               // joiners
    case 0xFE00...0xFE0F, 0xE0100...0xE01EF: return true  // variation selectors
    case 0x1F3FB...0x1F3FF: return true            // skin tones (tmux adds 2 columns, others 0)
    case 0x1F1E6...0x1F1FF: return true            // regional indicators (tmux pairs them, xterm does not)
    case 0xE0000...0xE007F: return true            // tags
    default: return DisplayWidth.cWidth(s) < 0     // unknown to the C library: tmux 0 columns, xterm 1
    }
}

/// Columns a terminal that counts per code point (tmux, xterm, VTE, and ncurses' own bookkeeping) gives the
/// text Kinga sends for one row.
private func terminalColumns(_ g: Grid, row y: Int) -> Int {
    (0..<g.width).reduce(0) { sum, x in
        sum + g[x, y].text.unicodeScalars.reduce(0) { $0 + max(0, DisplayWidth.cWidth($1)) }
    }
}

private let emojiBases = ["👩", "👨", "👧", "👦", "🧑", "👍", "✌", "☝", "❤", "☺", "🏳", "🏴", "⚕", "🌈", "🚀", "🐈", "1", "#"]
private let zwjSequence = Gen<String?>.element(of: emojiBases).map { $0 ?? "👩" }
    .array(of: 2...5).map { $0.joined(separator: "\u{200D}") }
private let regional = Gen<Int>.int(in: 0...25).map { String(Unicode.Scalar(UInt32(0x1F1E6 + $0))!) }
private let flags = regional.array(of: 1...5).map { $0.joined() }
private let skinTone = Gen<Int>.int(in: 0...4).map { String(Unicode.Scalar(UInt32(0x1F3FB + $0))!) }
private let withSkin = zip(Gen<String?>.element(of: emojiBases).map { $0 ?? "👍" }, skinTone).map { $0 + $1 }
private let withVS16 = Gen<String?>.element(of: emojiBases + ["a", "王", "e\u{301}"]).map { ($0 ?? "☺") + "\u{FE0F}" }
private let keycapOrTag = Gen<String?>.element(of: ["1\u{FE0F}\u{20E3}", "#\u{20E3}", "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
                                                  "🏳\u{FE0F}\u{200D}🌈", "👩🏽\u{200D}⚕\u{FE0F}", "\u{1FAE8}", "\u{200D}", "\u{FE0F}", "\u{1F3FD}"]).map { $0 ?? "" }
private let otherText = Gen<String?>.element(of: ["Nur", " ", "a", "王", "김", "\u{1100}\u{1175}\u{11B7}", "कि", "กำ", "e\u{301}", "\u{301}", "ليلى", "…"]).map { $0 ?? "" }
/// Text mixing every kind of emoji sequence with other scripts.
private let emojiText = Gen.oneOf(zwjSequence, flags, withSkin, withVS16, keycapOrTag, otherText).array(of: 0...12).map { $0.joined() }

@Suite("Emoji and other multi-codepoint clusters: drawn with a width every terminal agrees on")
struct EmojiWidthTests {
    @Test("the drawing rule, sequence by sequence")
    func rule() {
        func drawn(_ c: Character) -> [String] { DisplayWidth.drawn(c).map { "\($0.text)/\($0.width)" } }
        #expect(drawn("👩\u{200D}👩\u{200D}👧") == ["👩/2"])          // ZWJ family: its first emoji
        #expect(drawn("👩\u{200D}⚕\u{FE0F}") == ["👩/2"])
        #expect(drawn("🏳\u{FE0F}\u{200D}🌈") == ["🏳/1"])             // a text-default base stays one column
        #expect(drawn("👍🏽") == ["👍/2"])                               // skin tone dropped
        #expect(drawn("🏽") == ["\u{FFFD}/1"])                          // ... and a placeholder alone
        #expect(drawn("❤\u{FE0F}") == ["❤/1"])                          // VS16 dropped: the base's own width
        #expect(drawn("1\u{FE0F}\u{20E3}") == ["1\u{20E3}/1"])          // keycap: the enclosing mark stays
        #expect(drawn("🇿🇲") == ["Z/1", "M/1"])                          // a flag: its letters
        #expect(drawn("🇿") == ["Z/1"])
        #expect(drawn("\u{1FAE8}") == ["\u{FFFD}/1"])                    // newer than the C library: a placeholder
        #expect(drawn("\u{301}") == ["\u{25CC}\u{301}/1"])              // a mark without a base: on a dotted circle
        #expect(drawn("e\u{301}") == ["e\u{301}/1"])
        #expect(drawn("\u{1100}\u{1175}\u{11B7}") == ["\u{1100}\u{1175}\u{11B7}/2"])  // Hangul jamo: one wide cell
        #expect(drawn("कि") == ["क/1", "\u{93F}/1"])                     // two spacing characters: two cells
        #expect(DisplayWidth.of("👩\u{200D}👩\u{200D}👧 Nur") == 6)
    }

    @Test("writing any mix of ZWJ sequences, flags, skin tones and VS16 anywhere keeps each row exactly its width, and every cell drawable")
    func gridAccounting() async {
        await propertyCheck(count: 500, input: emojiText, Gen.int(in: -4...60), Gen.int(in: 1...60), Gen.int(in: 0...59)) { s, x, w, clipX in
            var g = Grid(width: w, height: 2)
            g.put("漢字🇿🇲👍🏽", x: 0, y: 0)
            g.put(s, x: x, y: 0, clip: Rect(x: min(clipX, w), y: 0, width: w - min(clipX, w), height: 2))
            g.put(s, x: x, y: 1)
            #expect(g.invariantViolation() == nil, "\(s.unicodeScalars.map { String($0.value, radix: 16) }) at \(x) in \(w)")
            for y in 0..<2 {
                #expect(g.rowWidth(y) == w)
                #expect(terminalColumns(g, row: y) == w, "the terminal would count row \(y) as \(terminalColumns(g, row: y)) columns, not \(w): \(s.unicodeScalars.map { String($0.value, radix: 16) })")
                for xx in 0..<w { #expect(!g[xx, y].text.unicodeScalars.contains(where: terminalsDisagree)) }
            }
        }
    }

    @Test("what is drawn takes exactly the width Kinga assumed (DisplayWidth.of), and truncation and padding hold")
    func drawnWidthIsAssumedWidth() async {
        await propertyCheck(count: 500, input: emojiText, Gen.int(in: 1...40)) { s, n in
            let assumed = DisplayWidth.of(s)
            var g = Grid(width: assumed + 3, height: 1)
            let end = g.put(s, x: 0, y: 0)
            #expect(end == assumed)
            #expect(terminalColumns(g, row: 0) == g.width)
            // Cells up to `end` are what the text drew; their per-code-point count is the assumed width.
            let drawn = (0..<end).reduce(0) { $0 + g[$1, 0].text.unicodeScalars.reduce(0) { $0 + max(0, DisplayWidth.cWidth($1)) } }
            #expect(drawn == assumed, "\(s.unicodeScalars.map { String($0.value, radix: 16) })")
            #expect(DisplayWidth.of(DisplayWidth.truncate(s, to: n)) <= n)
            #expect(DisplayWidth.of(DisplayWidth.pad(s, to: n)) == n)
        }
    }
}
