import Testing
@testable import TUI

@Suite("The cell grid keeps its shape whatever is written")
struct GridTests {
    static let names = ["王小明", "김민준", "Ελένη", "José Ñúñez", "Jose\u{301}", "ليلى", "👩🏽‍⚕️ Amani", "🇮🇩", "a\u{0}b\u{1B}[2Jc", "\u{202E}evil", "e\u{301}\u{302}\u{303}"]

    @Test("every row keeps its width and no wide glyph is split", arguments: names)
    func invariants(name: String) {
        for width in [1, 2, 3, 7, 12, 40] {
            for x in -3...width {
                var g = Grid(width: width, height: 2)
                g.put("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", x: 0, y: 0)
                g.put(name, x: x, y: 0)
                g.put(name, x: x, y: 1, clip: Rect(x: 1, y: 1, width: max(0, width - 2), height: 1))
                g.put("王", x: x + 1, y: 0)
                #expect(g.invariantViolation() == nil, "\(name) at \(x) in \(width): \(g.invariantViolation() ?? "")")
            }
        }
    }

    @Test func wideGlyphsTakeTwoColumnsAndNeverStartInTheLastColumn() {
        var g = Grid(width: 5, height: 1)
        g.put("王王王", x: 0, y: 0)
        #expect(g.row(0) == "王王 ")
        #expect(g[0, 0].width == 2 && g[1, 0].width == 0)
        #expect(g.invariantViolation() == nil)
    }

    @Test func overwritingHalfAWideGlyphBlanksBothHalves() {
        var g = Grid(width: 6, height: 1)
        g.put("王小明", x: 0, y: 0)
        g.put("a", x: 1, y: 0)   // right half of 王
        #expect(g.row(0) == " a小明")
        g.put("b", x: 2, y: 0)   // left half of 小
        #expect(g.row(0) == " ab 明")
        #expect(g.invariantViolation() == nil)
    }

    @Test func controlCharactersAreDrawnAsReplacement() {
        var g = Grid(width: 12, height: 1)
        g.put("a\u{1B}[2Jb", x: 0, y: 0)
        #expect(!g.row(0).contains("\u{1B}"))
        #expect(g.row(0).hasPrefix("a\u{FFFD}[2Jb"))
    }

    @Test func combiningMarksStayWithTheirLetter() {
        var g = Grid(width: 10, height: 1)
        let end = g.put("Jose\u{301}|", x: 0, y: 0)
        #expect(end == 5)
        #expect(DisplayWidth.of("José Ñúñez") == 10)
        #expect(DisplayWidth.of("王小明") == 6)
        #expect(DisplayWidth.of("👍") == 2)
    }

    @Test func truncateAndWrap() {
        #expect(DisplayWidth.truncate("Kampung Melati Rawa", to: 8) == "Kampung…")
        #expect(DisplayWidth.truncate("王小明王小明", to: 5) == "王小…")
        #expect(DisplayWidth.wrap("one two three four", width: 9) == ["one two", "three", "four"])
        #expect(DisplayWidth.wrap("abcdefghij", width: 4) == ["abcd", "efgh", "ij"])
        #expect(DisplayWidth.wrap("a\n\nb", width: 4) == ["a", "", "b"])
        for line in DisplayWidth.wrap("王小明王小明王小明 Ελένη José", width: 5) { #expect(DisplayWidth.of(line) <= 5) }
    }
}

@Suite("Input decoding: paste, Escape and control keys")
struct InputDecoderTests {
    func feed(_ s: String, flush: Bool = true) -> [Event] {
        var d = InputDecoder()
        var out: [Event] = []
        for u in s.unicodeScalars { out += d.feed(.scalar(u)) }
        if flush { out += d.flush() }
        return out
    }

    @Test func bracketedPasteIsOneEventAndNeverEnter() {
        let events = feed("\u{1B}[200~line one\nline two\r\u{1B}[2J\u{1B}[201~x")
        #expect(events == [.paste("line one\nline two\r\u{1B}[2J"), .key(.char("x"))])
    }

    @Test("a paste whose end marker never comes ends when input goes quiet, keeping what arrived")
    func unterminatedPaste() {
        #expect(feed("\u{1B}[200~Jos went home") == [.paste("Jos went home")])
        var d = InputDecoder()
        for u in "\u{1B}[200~abc".unicodeScalars { _ = d.feed(.scalar(u)) }
        #expect(d.flush() == [.paste("abc")])
        #expect(d.feed(.scalar("z")) == [.key(.char("z"))])
    }

    @Test func loneEscapeIsEscape() {
        #expect(feed("\u{1B}") == [.key(.escape)])
        #expect(feed("\u{1B}", flush: false) == [])
    }

    @Test func arrowSequencesAndAltKeys() {
        #expect(feed("\u{1B}[A\u{1B}OB\u{1B}[5~\u{1B}[Z") == [.key(.up), .key(.down), .key(.pageUp), .key(.backTab)])
        #expect(feed("\u{1B}x") == [.key(.escape), .key(.char("x"))])
        #expect(feed("\u{1B}[99;99;99R") == [.key(.unknown)])
    }

    @Test func controlKeysAreKeysNotSignals() {
        #expect(feed("\u{3}\u{1A}\u{13}\u{1C}\r\t\u{7F}") == [.key(.ctrl("c")), .key(.ctrl("z")), .key(.ctrl("s")), .key(.unknown), .key(.enter), .key(.tab), .key(.backspace)])
    }

    @Test func hugePastesAreBounded() {
        let big = String(repeating: "a", count: InputDecoder.maxPaste + 5000)
        let events = feed("\u{1B}[200~" + big + "\u{1B}[201~")
        guard case .paste(let text) = events.first else { Issue.record("no paste"); return }
        #expect(text.unicodeScalars.count == InputDecoder.maxPaste)
    }
}

@Suite("Text fields edit by grapheme and refuse what must not be stored")
struct TextFieldTests {
    @Test func typingAndEditing() {
        var t = TextField()
        for c in "Jose" { _ = t.handle(.char(c)) }
        t.insert("\u{301}")
        #expect(t.text == "José")
        _ = t.handle(.left)
        _ = t.handle(.backspace)
        #expect(t.text == "Joé")
        _ = t.handle(.home)
        _ = t.handle(.delete)
        #expect(t.text == "oé")
    }

    @Test func pastedNewlinesInOneLineFieldsBecomeSpaces() {
        var t = TextField()
        t.insert("Amani\nKampung\r\nFiksi\u{1B}[2J")
        #expect(t.text == "Amani Kampung Fiksi[2J")
        var area = TextField(multiline: true, limit: 100)
        area.insert("one\r\ntwo")
        #expect(area.text == "one\ntwo")
    }

    @Test func limitIsKept() {
        var t = TextField(limit: 5)
        t.insert("王小明王小明")
        #expect(t.text == "王小明王小")
        #expect(t.hitLimit)
    }

    @Test func renderingKeepsTheCursorVisible() {
        var t = TextField(String(repeating: "x", count: 50) + "END")
        var g = Grid(width: 20, height: 1)
        let c = t.render(into: &g, Rect(x: 0, y: 0, width: 10, height: 1), focused: true)
        #expect(g.row(0).contains("END"))
        #expect(c?.x == 9)
    }

    @Test func multilineMovesByVisualLine() {
        var t = TextField("aaaa bbbb cccc", multiline: true, limit: 100)
        let a = t.moveLine(-1, width: 5)
        let b = t.moveLine(-1, width: 5)
        let c = t.moveLine(-1, width: 5)
        #expect(a && b && !c)
    }
}
