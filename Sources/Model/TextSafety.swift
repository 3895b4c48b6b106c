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
        return String(out).precomposedStringWithCanonicalMapping
    }

    /// Folds text for matching: lower case, accents removed (José = jose), NFC. Used for duplicates and search.
    public static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
            .precomposedStringWithCanonicalMapping
    }
}
