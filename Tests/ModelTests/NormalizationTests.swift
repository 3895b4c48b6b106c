import Foundation
import PropertyBased
import Testing
@testable import Model

/// The scalars of a text as hex, so a failure shows what differs (`==` on `String` is canonical equivalence
/// and would call 기 + ᆷ and 김 equal).
func scalars(_ s: String) -> [String] { s.unicodeScalars.map { String($0.value, radix: 16, uppercase: true) } }

/// Text typed one key (one scalar) at a time, normalised after every key as the text fields do.
func typedKeyByKey(_ keys: String) -> String {
    keys.unicodeScalars.reduce("") { TextSafety.nfc($0 + String($1)) }
}

/// Hangul syllable composition by the Unicode Standard's arithmetic (Unicode 15.0, §3.12 "Conjoining Jamo
/// Behavior", "Hangul Syllable Composition"): an independent oracle for the normaliser.
enum HangulArithmetic {
    static let sBase = 0xAC00, lBase = 0x1100, vBase = 0x1161, tBase = 0x11A7
    static let vCount = 21, tCount = 28, nCount = 21 * 28, sCount = 11_172

    /// The leading, vowel and (0 when none) trailing jamo of syllable number `sIndex` (0..<11172).
    static func jamo(_ sIndex: Int) -> (l: Int, v: Int, t: Int?) {
        let l = lBase + sIndex / nCount
        let v = vBase + (sIndex % nCount) / tCount
        let t = sIndex % tCount
        return (l, v, t == 0 ? nil : tBase + t)
    }

    static func string(_ codes: Int...) -> String {
        String(String.UnicodeScalarView(codes.compactMap(Unicode.Scalar.init)))
    }
}

@Suite("Unicode NFC: names and search words are stored and searched the same however they were typed")
struct NormalizationTests {
    @Test("Korean typed one jamo at a time becomes the syllable, for every one of the 11,172 Hangul syllables (§3.12)")
    func everyHangulSyllableKeyByKey() {
        var wrong: [String] = []
        for s in 0..<HangulArithmetic.sCount {
            let (l, v, t) = HangulArithmetic.jamo(s)
            let syllable = HangulArithmetic.string(HangulArithmetic.sBase + s)
            let keys = HangulArithmetic.string(l, v) + (t.map { HangulArithmetic.string($0) } ?? "")
            let typed = typedKeyByKey(keys)
            // Also the case that broke: the LV syllable already composed, then the final consonant.
            let lvThenT = t.map { TextSafety.nfc(HangulArithmetic.string(HangulArithmetic.sBase + s - (s % HangulArithmetic.tCount), $0)) } ?? syllable
            if scalars(typed) != scalars(syllable) || scalars(lvThenT) != scalars(syllable) { wrong.append(syllable) }
        }
        let notComposed = wrong.count
        #expect(notComposed == 0, "first not composed: \(wrong.prefix(5).map(scalars))")
    }

    @Test("김 typed as ᄀ ᅵ ᆷ is the one scalar U+AE40; a stray final jamo after a complete syllable stays apart")
    func kim() {
        #expect(scalars(typedKeyByKey("\u{1100}\u{1175}\u{11B7}")) == ["AE40"])
        #expect(scalars(TextSafety.nfc("\u{AE30}\u{11B7}")) == ["AE40"])
        #expect(scalars(TextSafety.clean("\u{AE30}\u{11B7} \u{1106}\u{1175}\u{11AB}", multiline: false)) == ["AE40", "20", "BBFC"])
        // 각 + ᆨ: the syllable already has a final consonant, so the second one cannot join (§3.12).
        #expect(scalars(TextSafety.nfc("\u{AC01}\u{11A8}")) == ["AC01", "11A8"])
    }

    @Test("Vietnamese with two combining marks typed one at a time becomes the precomposed letter, in either order")
    func vietnamese() {
        #expect(scalars(typedKeyByKey("Nguye\u{302}\u{303}n")) == scalars("Nguy\u{1EC5}n"))
        #expect(scalars(TextSafety.nfc("Nguy\u{EA}\u{303}n")) == scalars("Nguy\u{1EC5}n"))
        // Dot below (class 220) and circumflex (230) in either order: canonical ordering, then ệ.
        #expect(scalars(typedKeyByKey("Le\u{302}\u{323}")) == ["4C", "1EC7"])
        #expect(scalars(typedKeyByKey("Le\u{323}\u{302}")) == ["4C", "1EC7"])
    }

    @Test("Devanagari: vowel signs stay separate; nukta composes where Unicode composes it and not where it is excluded")
    func devanagari() {
        // कि (ka + vowel sign i) has no precomposed form.
        #expect(scalars(typedKeyByKey("\u{915}\u{93F}\u{930}\u{923}")) == ["915", "93F", "930", "923"])
        // न + ◌़ composes to ऩ (U+0929); क + ◌़ does not compose: U+0958 is a composition exclusion, so a
        // pasted U+0958 is decomposed, and both spellings end the same.
        #expect(scalars(typedKeyByKey("\u{928}\u{93C}")) == ["929"])
        #expect(scalars(typedKeyByKey("\u{915}\u{93C}")) == ["915", "93C"])
        #expect(scalars(TextSafety.nfc("\u{958}")) == ["915", "93C"])
    }

    @Test("search words and duplicate keys are NFC however the name was typed")
    func searchAndKeys() {
        let typed = "\u{AE30}\u{11B7} \u{1106}\u{1175}\u{11AB}\u{110C}\u{116E}"
        #expect(SearchTerms(typed).words.map(scalars) == [["AE40"], ["BBFC", "C8FC"]])
        #expect(scalars(DuplicateRule.key(typed)) == scalars(DuplicateRule.key("김 민주")))
        #expect(scalars(TextSafety.fold("Nguye\u{302}\u{303}n")) == scalars("nguyen"))
    }

    @Test("NFC is idempotent and canonically equivalent to its input, for any text")
    func nfcProperties() async {
        let pieces = ["\u{1100}", "\u{1175}", "\u{11B7}", "\u{AE30}", "e", "\u{302}", "\u{303}", "\u{323}", "\u{915}",
                      "\u{93C}", "\u{93F}", "\u{958}", "\u{212B}", "A", " ", "\u{301}", "ñ", "王"]
        let gen = Gen<String?>.element(of: pieces).map { $0 ?? "" }.array(of: 0...12).map { $0.joined() }
        await propertyCheck(count: 400, input: gen) { text in
            let n = TextSafety.nfc(text)
            #expect(scalars(TextSafety.nfc(n)) == scalars(n))
            #expect(n == text)  // canonical equivalence (String's ==)
            #expect(scalars(typedKeyByKey(text)) == scalars(n), "typed key by key: \(scalars(text))")
        }
    }
}
