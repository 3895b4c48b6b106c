import Foundation
import Testing
@testable import TUI

/// A terminal's colours as sRGB bytes: its 16-colour palette and its own foreground and background.
struct TerminalPalette: Sendable, CustomStringConvertible {
    let name: String
    let colours: [(r: Int, g: Int, b: Int)]
    let fg: (r: Int, g: Int, b: Int)
    let bg: (r: Int, g: Int, b: Int)
    var description: String { name }

    /// xterm's 16 standard colours: `*VT100*color0` … `color15` in xterm's app-defaults file
    /// `/etc/X11/app-defaults/XTerm-color` (black, red3, green3, yellow3, blue2, magenta3, cyan3, gray90,
    /// gray50, red, green, yellow, rgb:5c/5c/ff, magenta, cyan, white), with the values of X11's rgb.txt.
    static let xterm16: [(r: Int, g: Int, b: Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]
    /// Plain `xterm`: black text on white (its default foreground and background).
    static let xtermLight = TerminalPalette(name: "xterm, black on white", colours: xterm16, fg: (0, 0, 0), bg: (255, 255, 255))
    /// `xterm -rv`: white on black.
    static let xtermReverse = TerminalPalette(name: "xterm -rv, white on black", colours: xterm16, fg: (255, 255, 255), bg: (0, 0, 0))
    /// xterm's colour customisation (XTerm-color: `foreground: gray90`, `background: black`), light grey on black.
    static let xtermDark = TerminalPalette(name: "XTerm-color, gray90 on black", colours: xterm16, fg: (229, 229, 229), bg: (0, 0, 0))
    static let all = [xtermLight, xtermReverse, xtermDark]
}

/// WCAG 2.2 relative luminance of an sRGB colour (0 black … 1 white), https://www.w3.org/TR/WCAG22/#dfn-relative-luminance.
func relativeLuminance(_ c: (r: Int, g: Int, b: Int)) -> Double {
    func channel(_ v: Int) -> Double {
        let s = Double(v) / 255
        return s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
    }
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
}

/// WCAG 2.2 contrast ratio of two colours (1 … 21), https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio.
func contrastRatio(_ a: (r: Int, g: Int, b: Int), _ b: (r: Int, g: Int, b: Int)) -> Double {
    let la = relativeLuminance(a), lb = relativeLuminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

/// The text and background colours a terminal shows for `look`, every way it may draw it: bold as the
/// bright colour (xterm's default `boldColors`, Windows Terminal) or not (VTE), reverse video swapping the two.
func shownColours(_ look: Theme.Look, on p: TerminalPalette) -> [(fg: (r: Int, g: Int, b: Int), bg: (r: Int, g: Int, b: Int))] {
    var fgIndexes: [Int16] = [look.fg]
    if look.bold, (0...7).contains(look.fg) { fgIndexes.append(look.fg + 8) }
    return fgIndexes.map { i in
        let fg = i == Theme.terminalDefault ? p.fg : p.colours[Int(i)]
        let bg = look.bg == Theme.terminalDefault ? p.bg : p.colours[Int(look.bg)]
        return look.reverse ? (bg, fg) : (fg, bg)
    }
}

@Suite("Colours readable on light and dark terminals (WCAG 2.2 AA, 4.5:1)")
struct ThemeContrastTests {
    @Test("the formulas give WCAG's known values", arguments: [((0, 0, 0), (255, 255, 255), 21.0), ((118, 118, 118), (255, 255, 255), 4.54)])
    func formula(_ a: (Int, Int, Int), _ b: (Int, Int, Int), _ expected: Double) {
        #expect(abs(contrastRatio((a.0, a.1, a.2), (b.0, b.1, b.2)) - expected) < 0.01)
    }

    @Test("every style of every theme reads at 4.5:1 or more on xterm's light and dark palettes, with 8 and 16 colours, bold bright or not",
          arguments: Theme.Kind.allCases, [8, 16, 256])
    func everyStyleReads(kind: Theme.Kind, colours: Int) {
        for palette in TerminalPalette.all {
            for style in Style.allCases {
                let look = Theme.look(style, kind, colours: colours)
                for shown in shownColours(look, on: palette) {
                    let ratio = contrastRatio(shown.fg, shown.bg)
                    #expect(ratio >= 4.5, "\(kind) \(style) with \(colours) colours on \(palette): \(String(format: "%.2f", ratio)):1 (\(look))")
                }
            }
        }
    }

    @Test("colour comes only as a background with its own text colour; black text is never bold", arguments: Theme.Kind.allCases, [8, 16])
    func colourOnlyInPairs(kind: Theme.Kind, colours: Int) {
        for style in Style.allCases {
            let look = Theme.look(style, kind, colours: colours)
            #expect((look.fg == Theme.terminalDefault) == (look.bg == Theme.terminalDefault), "\(kind) \(style): \(look)")
            #expect(!(look.bold && look.fg == 0), "\(kind) \(style): bold black turns grey where bold is bright")
            #expect(look.fg < Int16(colours) && look.bg < Int16(colours), "\(kind) \(style): colour beyond the palette")
        }
    }

    @Test("danger, focus and the header are told apart without colour: in every theme danger is bold; mono marks focus and header by reverse video and danger by underline")
    func meaningWithoutColour() {
        for kind in Theme.Kind.allCases {
            #expect(Theme.look(.danger, kind, colours: 256).bold)
        }
        let mono = { Theme.look($0, .mono, colours: 256) }
        #expect(mono(.focus).reverse && mono(.header).reverse && mono(.danger).underline)
        #expect(Style.allCases.allSatisfy { mono($0).usesTerminalColours })
        // Fewer than 8 colours is monochrome whatever the theme.
        #expect(Style.allCases.allSatisfy { Theme.look($0, .standard, colours: 2) == mono($0) })
    }
}
