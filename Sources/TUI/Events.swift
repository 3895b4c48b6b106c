import Foundation

/// A key press, decoded from the terminal. Ctrl-C, Ctrl-\ and Ctrl-Z arrive as keys (raw mode): on a kiosk
/// they must not throw work away or drop anyone to a shell.
public enum Key: Equatable, Sendable {
    case char(Character)
    case enter, escape, tab, backTab, backspace, delete
    case up, down, left, right, pageUp, pageDown, home, end
    case function(Int)
    /// Ctrl plus a letter, lower case (`.ctrl("s")` for Ctrl-S).
    case ctrl(Character)
    case unknown
}

/// Everything the loop reacts to.
public enum Event: Equatable, Sendable {
    case key(Key)
    /// Text from a bracketed paste: never submits a form, whatever newlines it holds.
    case paste(String)
    /// The terminal changed size (columns, rows).
    case resize(width: Int, height: Int)
    /// About once a second, for countdowns and clocks.
    case tick
    /// Data on screen may have changed outside this screen: another Kinga on the same database file (the run
    /// loop posts it when the store's `ChangeToken` moves), or the district link (through `App.post(_:)`).
    /// The set holds the ids of the cases that changed; empty means any case may have changed.
    case dataChanged(Set<UUID>)
    /// A sync with the district server that ran on a thread of its own has ended (`App.startSync`), with its outcome.
    case syncFinished(SyncOutcome)
}

/// One unit read from the terminal: a character, or a special key code the backend already decoded.
public enum RawInput: Equatable, Sendable {
    case scalar(Unicode.Scalar)
    case key(Key)
}

/// Turns raw terminal input into events: decodes bracketed paste (`ESC [ 200 ~ … ESC [ 201 ~`), lone Escape,
/// control characters and the common escape sequences ncurses leaves undecoded.
///
/// It is a pure state machine so it can be tested without a terminal. Feed units with `feed`; call `flush`
/// when input has gone quiet (the backend's Esc delay ran out) to turn a pending lone ESC into `.escape`.
public struct InputDecoder: Sendable {
    private var pending: [Unicode.Scalar] = []
    private var pasting = false
    private var pasteBuffer: [Unicode.Scalar] = []
    /// The last scalars seen in a paste, to find the end marker even after the buffer is full.
    private var pasteTail: [Unicode.Scalar] = []
    /// Largest paste kept, in scalars; the rest is dropped so a runaway paste cannot exhaust memory.
    public static let maxPaste = 100_000

    public init() {}

    /// True while in the middle of an escape sequence or a paste (the backend should keep reading quickly).
    public var isMidSequence: Bool { !pending.isEmpty || pasting }
    /// True inside a bracketed paste.
    public var isPasting: Bool { pasting }

    public mutating func feed(_ unit: RawInput) -> [Event] {
        switch unit {
        case .key(let k):
            if pasting { return [] }
            var out = flush()
            out.append(.key(k))
            return out
        case .scalar(let s):
            return feedScalar(s)
        }
    }

    private mutating func feedScalar(_ s: Unicode.Scalar) -> [Event] {
        if pasting {
            let end: [Unicode.Scalar] = ["\u{1B}", "[", "2", "0", "1", "~"]
            pasteTail.append(s)
            if pasteTail.count > end.count { pasteTail.removeFirst() }
            if pasteBuffer.count < Self.maxPaste + end.count { pasteBuffer.append(s) }
            if pasteTail == end {
                // Drop the end marker (or what of it made it into a full buffer).
                let kept = pasteBuffer.count <= Self.maxPaste ? pasteBuffer.count - end.count : Self.maxPaste
                let text = String(String.UnicodeScalarView(pasteBuffer.prefix(max(0, kept))))
                pasteBuffer = []
                pasteTail = []
                pasting = false
                return [.paste(text)]
            }
            return []
        }
        if !pending.isEmpty {
            pending.append(s)
            return decodePending()
        }
        if s == "\u{1B}" {
            pending = [s]
            return []
        }
        return [.key(Self.plainKey(s))]
    }

    /// Interprets a single scalar outside any sequence.
    static func plainKey(_ s: Unicode.Scalar) -> Key {
        switch s.value {
        case 0x0D, 0x0A: return .enter
        case 0x09: return .tab
        case 0x7F, 0x08: return .backspace
        case 0x13: return .ctrl("s")
        case 0x01...0x1A: return .ctrl(Character(Unicode.Scalar(s.value + 0x60)!))
        case 0x00...0x1F: return .unknown
        case 0x80...0x9F: return .unknown
        default: return .char(Character(s))
        }
    }

    private mutating func decodePending() -> [Event] {
        let seq = String(String.UnicodeScalarView(pending.dropFirst()))
        let known: [String: Key] = [
            "[A": .up, "[B": .down, "[C": .right, "[D": .left, "[H": .home, "[F": .end,
            "OA": .up, "OB": .down, "OC": .right, "OD": .left, "OH": .home, "OF": .end,
            "[5~": .pageUp, "[6~": .pageDown, "[1~": .home, "[4~": .end, "[7~": .home, "[8~": .end,
            "[3~": .delete, "[Z": .backTab, "OP": .function(1), "OQ": .function(2), "OR": .function(3), "OS": .function(4),
            "[11~": .function(1), "[12~": .function(2), "[13~": .function(3), "[14~": .function(4),
        ]
        if seq == "[200~" {
            pending = []
            pasting = true
            return []
        }
        if let k = known[seq] {
            pending = []
            return [.key(k)]
        }
        // A CSI sequence (ESC [ params… final byte 0x40–0x7E) or SS3 (ESC O one byte): wait for its end.
        if seq.hasPrefix("[") {
            let last = pending.last!.value
            let complete = seq.count > 1 && (0x40...0x7E).contains(last)
            if !complete && seq.unicodeScalars.count < 32 && (0x20...0x3F).contains(last) || seq == "[" { return [] }
            pending = []
            return [.key(.unknown)]
        }
        if seq == "O" { return [] }
        if seq.hasPrefix("O") {
            // An unknown but complete sequence: swallow it, never type it into a field.
            pending = []
            return [.key(.unknown)]
        }
        // ESC followed by an ordinary key (Alt-key or a fast Esc then a key): Escape, then that key.
        let rest = pending.dropFirst()
        pending = []
        var out: [Event] = [.key(.escape)]
        for s in rest { out.append(contentsOf: feedScalar(s)) }
        return out
    }

    /// Input has gone quiet: a lone pending ESC is the Escape key; a half sequence is dropped; a paste whose
    /// end marker never came ends with what arrived.
    public mutating func flush() -> [Event] {
        if pasting {
            // The end marker never came (a lost byte, or the terminal dropped it): end the paste with what
            // arrived, so typing never freezes and nothing already pasted is lost.
            let text = String(String.UnicodeScalarView(pasteBuffer.prefix(Self.maxPaste)))
            pasteBuffer = []
            pasteTail = []
            pasting = false
            return text.isEmpty ? [] : [.paste(text)]
        }
        guard !pending.isEmpty else { return [] }
        let wasLoneEsc = pending.count == 1
        pending = []
        return wasLoneEsc ? [.key(.escape)] : [.key(.unknown)]
    }
}
