import Foundation
import I18n
import Model
import Storage

/// Shared drawing helpers for screens.
enum Draw {
    /// Draws wrapped text; returns the next free row.
    @discardableResult
    static func paragraph(_ g: inout Grid, _ text: String, x: Int, y: Int, width: Int, maxY: Int, style: Style = .normal) -> Int {
        var yy = y
        for line in DisplayWidth.wrap(text, width: width) {
            if yy >= maxY { break }
            g.put(line, x: x, y: yy, style: style, clip: Rect(x: x, y: yy, width: width, height: 1))
            yy += 1
        }
        return yy
    }

    /// A menu line: a marker and reverse video for the selected one (not colour alone).
    static func menuItem(_ g: inout Grid, key: String?, label: String, x: Int, y: Int, width: Int, selected: Bool) {
        let clip = Rect(x: x, y: y, width: width, height: 1)
        let style: Style = selected ? .focus : .normal
        if selected { g.fill(clip, style: .focus) }
        var text = selected ? "▸ " : "  "
        if let k = key { text += "\(k)  " }
        text += label
        g.put(DisplayWidth.truncate(text, to: width), x: x, y: y, style: style, clip: clip)
    }
}
