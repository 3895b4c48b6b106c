import Foundation
import I18n
import Model
import Storage

/// What a screen asks the app to do after a key.
public enum Action {
    case none
    case push(Screen)
    case pop
    /// Pop this many screens (a dialog and the screen under it).
    case popMany(Int)
    /// Replace the top screen.
    case replace(Screen)
    /// Back to the home screen, then push (or nothing).
    case home(then: Screen?)
    case quit
}

/// One screen: turns keys into state changes and state into cells. Screens reach data only through the
/// `App`'s store API (never SQL) and keep what the user typed when anything fails.
public protocol Screen: AnyObject {
    /// Title shown in the header bar.
    var title: String { get }
    /// Key hints for the footer: (key, what it does).
    func hints(_ app: App) -> [(String, String)]
    /// Draws the content area (between header and footer).
    func render(_ g: inout Grid, _ area: Rect, _ app: App)
    func handle(_ key: Key, _ app: App) -> Action
    func handlePaste(_ text: String, _ app: App) -> Action
    /// Called when the screen comes (back) to the top: reload data.
    func appear(_ app: App)
    /// Called about once a second while no key arrives (countdowns, clocks). Stored data that changed elsewhere
    /// arrives as `dataChanged`, not here.
    func tick(_ app: App)
    /// Called on the top screen when data changed outside it (`Event.dataChanged`): `cases` holds the ids of the
    /// cases that changed, empty when any may have. A screen showing one of them reloads it, keeping what the
    /// user typed, and says so when that is not obvious; a screen showing none of them does nothing.
    func dataChanged(_ cases: Set<UUID>, _ app: App)
    /// Called before Kinga stops or locks: save whatever is unfinished (drafts).
    func saveUnfinished(_ app: App)
    /// True while a text field has focus: `?` then types a question mark instead of opening help.
    var editingText: Bool { get }
    /// The help page F1 opens on this screen (a key of `locales/templates/help.pot`).
    var helpKey: String { get }
    /// A language this screen speaks whatever the user's (the child-friendly session's choice), or nil.
    var languageOverride: Language? { get }
}

public extension Screen {
    func handlePaste(_ text: String, _ app: App) -> Action { .none }
    func appear(_ app: App) {}
    func tick(_ app: App) {}
    func dataChanged(_ cases: Set<UUID>, _ app: App) {}
    func saveUnfinished(_ app: App) {}
    var editingText: Bool { false }
    var helpKey: String { "help.keys" }
    var languageOverride: Language? { nil }
}
