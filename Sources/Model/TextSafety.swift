import Foundation

/// Rules for text that people type or paste and that Kinga stores and shows.
///
/// Kinga never writes control characters or escape sequences to the terminal and never stores them:
/// a name like `"\u{1B}]52;c;…"` could otherwise write to the kiosk's clipboard or clear the screen.
public enum TextSafety {
    /// True for a scalar that must not be stored or shown raw: C0 and C1 controls, DEL, and the bidi
    /// embedding, override and isolate controls (U+202A–202E, U+2066–2069) that can reorder what a
    /// reader sees (CVE-2021-42574 "Trojan Source" shows the harm).
    public static func isUnsafe(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// Cleans text for storage: NFC-normalised (DESIGN.md §4), unsafe scalars removed, newlines kept only
    /// when `multiline` (as `\n`; CR LF and CR become LF), tabs become spaces.
    public static func clean(_ text: String, multiline: Bool) -> String {
        var out = String.UnicodeScalarView()
        var lastWasCR = false
        for s in text.unicodeScalars {
            if s == "\r" {
                out.append(multiline ? "\n" : " ")
                lastWasCR = true
                continue
            }
            defer { lastWasCR = false }
            if s == "\n" {
                if lastWasCR { continue }
                out.append(multiline ? "\n" : " ")
            } else if s == "\t" {
                out.append(" ")
            } else if s.value == 0x200B || s.value == 0x2060 || s.value == 0xFEFF {
                // Invisible zero-width space, word joiner and byte-order mark: they only hide differences
                // between names. (ZWJ and ZWNJ stay: scripts and emoji need them.)
                continue
            } else if !isUnsafe(s) {
                out.append(s)
            }
        }
        return nfc(String(out))
    }

    /// Folds text for matching: lower case, accents removed (José = jose), NFC. Used for duplicates and search.
    public static func fold(_ text: String) -> String {
        nfc(nfc(text).folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil))
    }

    /// Unicode Normalization Form C (UAX #15, https://unicode.org/reports/tr15/) of `text`: canonical
    /// decomposition, canonical ordering of combining marks, then canonical composition, so every way of
    /// typing or pasting the same letters is stored as the same scalars (DESIGN.md §4), and SQLite, which
    /// compares bytes, finds them.
    ///
    /// Computed by the Swift standard library (`String._nfcCodeUnits`: the NFC that `String`'s own `==` and
    /// hashing use, with the standard library's current Unicode tables, checked against Unicode's
    /// NormalizationTest.txt in the Swift test suite; public in the standard library's ABI and also used by
    /// swift-foundation). Foundation's `precomposedStringWithCanonicalMapping` is not used: on Linux it
    /// leaves a precomposed Hangul LV syllable followed by a trailing consonant apart (기 + ᆷ stays two
    /// scalars instead of 김, Unicode §3.12 "Conjoining Jamo Behavior"), which is exactly what typing Korean
    /// one key at a time produces. `ModelTests` check all 11,172 Hangul syllables against §3.12's arithmetic.
    /// - Returns: the NFC text; ASCII text is returned as it is (it is always NFC).
    public static func nfc(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        return String(decoding: text._nfcCodeUnits, as: UTF8.self)
    }
}
