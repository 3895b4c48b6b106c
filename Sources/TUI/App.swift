import Foundation
import I18n
import Model
import Storage

/// The application: a stack of screens over one store, drawn into a grid each frame.
public final class App {
    /// The open database, as the handle of the person logged in (its `actor` is `session`), or the handle with
    /// nobody logged in on the first-run, login and lock screens (issue #16: a session is a value; locking drops
    /// it). Nil only on a locked kiosk before anyone typed their PIN (`lockedKiosk`, issue #17): then only the
    /// login screen and the child-friendly report are reachable, and neither reads it.
    public private(set) var store: KingaStore!
    /// The encrypted database before its first unlock: the names on the login screen come from its key slots.
    public private(set) var lockedKiosk: LockedKiosk?
    /// Called once when a PIN unlocks the database (the executable starts the daily backup then).
    public var onUnlock: ((KingaStore) -> Void)?
    public private(set) var profile: CountryProfile
    public let clock: Clock
    public let demo: Bool
    /// The person logged in; nil on the first-run, login and lock screens.
    public private(set) var session: User?
    /// Who is using Kinga: written as the author of events and audit entries.
    public var userName: String { session?.name ?? "nobody" }
    /// Whose eyes a screen's read of cases is for: the person logged in.
    /// - Throws: `StoreError.accessDenied` when nobody is: a screen never reads cases without a session.
    var viewer: Viewer {
        get throws {
            guard let s = session else { throw StoreError.accessDenied }
            return .user(s)
        }
    }
    public private(set) var stack: [Screen] = []
    /// Seconds without a key before Kinga locks itself (nil: never, as in headless tests).
    public var idleLockSeconds: Int?
    /// Monotonic seconds (system uptime) for the idle timer: pinned clocks do not stop it.
    public var uptime: () -> TimeInterval = { ProcessInfo.processInfo.systemUptime }
    var lastInput: TimeInterval = 0
    /// Each locked user's screens, kept while someone else uses the kiosk, so a half-written note or form
    /// is still there when its author logs back in (in memory only; report drafts are also on disk).
    private var lockedStacks: [UUID: [Screen]] = [:]
    /// Set when the screen must be wiped now (lock): the run loop tells the terminal.
    public internal(set) var wipeRequested = false
    /// Trainer mode (issue #8): the practice scenarios of `seeds/scenarios`, and the files that cannot be used.
    public var scenarios: [Scenario] = []
    public var scenarioProblems: [ScenarioProblem] = []
    /// The folder scenarios come from (shown when there are none).
    public var scenariosFolder = "seeds/scenarios"
    /// Talking steps the trainer ticked, per scenario id (in memory: a reset or a new start clears them).
    var practiceMarked: [String: Set<Int>] = [:]
    /// Hints shown, per scenario id and step (in memory, like the ticks).
    var practiceHints: [String: [Int: Int]] = [:]
    /// Fills a fresh demo database (the executable passes `Seeds.fillDemo`); set for `--demo` only. The reset
    /// copies it over the open demo (`KingaStore.resetDemo`).
    public var fillDemo: ((KingaStore) throws -> Void)?
    /// Loads another profile by id (first run); nil when it cannot be read.
    public var profileLoader: ((String) -> CountryProfile?)?
    /// The case list's search, filters and order, kept for the person logged in until they lock or quit, so
    /// going home and back does not lose them (issue 14). Never shown to anyone else.
    private var caseListQuery: (user: UUID, query: CaseQuery)?
    /// The case-list query remembered for the person logged in now (nil: none, or nobody logged in).
    var rememberedCaseQuery: CaseQuery? {
        get { session.flatMap { s in caseListQuery.flatMap { $0.user == s.id ? $0.query : nil } } }
        set {
            if let id = session?.id, let q = newValue { caseListQuery = (id, q) } else { caseListQuery = nil }
        }
    }
    public private(set) var quitRequested = false
    /// Why a locked kiosk's database could not be opened after a PIN (a damaged or read-only file, a damaged key
    /// file), when that ended the loop; the command prints it with what to do. Nil otherwise.
    public private(set) var openFailure: Error?
    /// A slow step a screen asked to run once the current frame is on screen (reaching the district server after
    /// its "Connecting…" line is shown): the run loop runs it right after drawing and applies the action it
    /// returns; headless tests call `runDeferredWork()`.
    var deferredWork: (() -> Action)?
    /// Joins the district server (issue #18): set by the `kinga` executable, which holds the network code, so the
    /// screens never link it. Arguments: the server's address, the enrolment code, the certificate fingerprint.
    public var enrolInDistrict: ((String, String, String) -> EnrolOutcome)?
    /// One sync with the district server for a person's handle (issue #18: send, then receive): set by the `kinga`
    /// executable, like `enrolInDistrict`. Called on a thread of its own (`startSync`), never on the loop's.
    public var syncWithDistrict: (@Sendable (KingaStore) -> SyncOutcome)?
    /// Seconds between syncs in the background while someone is logged in on a joined kiosk (nil: only when asked,
    /// as in headless tests). The first runs soon after a person logs in.
    public var backgroundSyncSeconds: Int?
    /// Runs a sync's work off the loop (a thread of its own); tests hold the work and run it when they choose.
    public var syncRunner: (@escaping @Sendable () -> Void) -> Void = { work in Thread.detachNewThread(work) }
    /// True from the moment a sync starts until its `.syncFinished` event is handled.
    public internal(set) var syncRunning = false
    /// How the last sync ended (shown on the Sync screen), and when (monotonic seconds, `uptime`).
    public internal(set) var lastSyncOutcome: SyncOutcome?
    var lastSyncEnded: TimeInterval?
    /// Events posted from outside the loop (`post(_:)`), handled on its next turn.
    public let mailbox = EventMailbox()
    /// Where the store stood when the screens last read it; nil until someone is logged in.
    private var watchToken: ChangeToken?
    /// A one-line message shown above the footer until the next key (for example "Note saved.").
    public var flash: (text: String, style: Style)?

    /// The kiosk's language: set at first run (setting `language`), else from `LANG`/`LC_ALL`. The login, lock
    /// and first-run screens speak it.
    public var kioskLanguage: Language
    /// The logged-in user's own language (their `app_user.language`).
    public private(set) var userLanguage: Language?
    /// The colours: set from the kiosk setting `theme`; forced to monochrome by `NO_COLOR`.
    public private(set) var theme: Theme.Kind = .standard
    /// True when `NO_COLOR` is set or the terminal has no colours: the theme cannot be changed.
    public var colourForbidden = false
    /// Seconds without a key before the child-friendly session asks "Are you still there?" and, 30 s later,
    /// wipes and starts again (issue #5: 2 minutes).
    public var childIdleSeconds = 120

    /// The language of what is drawn now: the child-friendly session's choice, else the user's, else the kiosk's.
    public var language: Language { top.languageOverride ?? (session != nil ? userLanguage : nil) ?? kioskLanguage }

    /// Smallest size with the full interface; below it a calm message asks for a larger window.
    public static let minWidth = 40
    public static let minHeight = 12

    /// - Parameters:
    ///   - session: the user logged in on `store` (a headless test logs its fixture in first); nil, or a user
    ///     who is not the store's session, shows first run or login.
    public convenience init(store: KingaStore, profile: CountryProfile, clock: Clock, demo: Bool, session: User?, profiles: [String] = ["generic"],
                            profileNames: [String: String] = [:], language: Language? = nil) {
        self.init(store: store, locked: nil, profile: profile, clock: clock, demo: demo, session: session, profiles: profiles,
                  profileNames: profileNames, language: language)
    }

    /// An app on a locked kiosk (issue #17): the login screen lists the people in the key slots, and the
    /// database opens when one of them types their PIN.
    public convenience init(locked: LockedKiosk, profile: CountryProfile, clock: Clock, profiles: [String] = ["generic"],
                            profileNames: [String: String] = [:], language: Language? = nil) {
        self.init(store: nil, locked: locked, profile: profile, clock: clock, demo: false, session: nil, profiles: profiles,
                  profileNames: profileNames, language: language)
    }

    private init(store: KingaStore?, locked: LockedKiosk?, profile: CountryProfile, clock: Clock, demo: Bool, session: User?,
                 profiles: [String], profileNames: [String: String], language: Language?) {
        // The store's session is the one that counts: any other user gets the login screen.
        let session = session.flatMap { s in store?.actor.flatMap { $0.id == s.id ? $0 : nil } }
        self.store = session == nil ? store?.withoutSession : store
        lockedKiosk = locked
        let kioskSetting = { (key: String) -> String? in store.map { (try? $0.setting(key)) ?? nil } ?? locked?.setting(key) }
        let chosen = kioskSetting("language").flatMap { Languages.shared.language(code: $0) }
        kioskLanguage = language ?? chosen ?? Languages.shared.fromEnvironment(ProcessInfo.processInfo.environment)
        if let t = kioskSetting("theme").flatMap(Theme.Kind.init(rawValue:)) { theme = t }
        userLanguage = session.flatMap { Languages.shared.language(code: $0.language) }
        self.profile = profile
        store?.pinPolicy = profile.pinPolicy
        self.clock = clock
        self.demo = demo
        self.session = session
        lastInput = uptime()
        if session != nil {
            let home = HomeScreen()
            stack = [home]
            resyncWatch()
            home.appear(self)
        } else if let store, (try? store.needsSetup()) ?? false {
            stack = [LanguageScreen(purpose: .firstRun) { SessionScreens.setup(profiles: profiles, names: profileNames) }]
        } else {
            // Built in the kiosk's language: the login screen's words are fixed when it is made.
            stack = [loginScreen(locked: false)]
        }
        if session == nil { L10n.$current.withValue(self.language) { top.appear(self) } }
    }

    /// The login (or lock) screen, in the kiosk's language whoever was logged in: its words are fixed when it
    /// is made.
    func loginScreen(locked: Bool) -> Screen {
        let users = store.map { (try? $0.users()) ?? [] } ?? lockedKiosk?.users ?? []
        return L10n.$current.withValue(kioskLanguage) { SessionScreens.login(users: users, demo: demo, locked: locked) }
    }

    /// Checks a PIN typed on the login or lock screen: against the open store, or, on a locked kiosk, by opening
    /// the person's key slot, which unlocks the database (issue #17). On success the result carries the person's
    /// session handle; the caller then calls `signIn`.
    /// - Throws: the store's errors (a damaged key-slot file, a database that cannot be opened), with a plain reason.
    func logIn(userID: UUID, pin: String) throws -> LoginResult {
        if let store { return try store.login(userID: userID, pin: pin) }
        guard let locked = lockedKiosk else { return .failed }
        let result: UnlockResult
        do { result = try locked.unlock(userID: userID, pin: pin) } catch {
            // The PIN was not the problem: the database or its key file cannot be opened (damaged, read-only, …).
            // Nothing can be done on screen; the loop ends and the command says what to do, as at a plain start.
            openFailure = error
            quitRequested = true
            throw error
        }
        switch result {
        case .success(let opened, let user):
            opened.pinPolicy = profile.pinPolicy
            store = opened.withoutSession
            lockedKiosk = nil
            onUnlock?(opened.withoutSession)
            return .success(opened, user)
        case .failed: return .failed
        case .locked(let until): return .locked(until: until)
        }
    }

    /// Saves a child's report made with nobody logged in: into the store's intake queue, or, on a locked kiosk,
    /// sealed into its inbox until the next unlock (issue #17). Either way nothing can be read back.
    /// - Throws: the store's errors (the child's screen keeps the answers).
    func submitChildReport(_ report: Report, language: String) throws {
        if let store { try store.registerChildReport(report, language: language) } else {
            try lockedKiosk?.submitChildReport(report, language: language)
        }
    }

    /// Called by the login, lock and first-run screens when a PIN was right, with the handle the PIN gave
    /// (`LoginResult.success`) and the person as the screen knows them (their language may be newer than the
    /// handle's copy). From now on the screens read and write through that handle.
    func signIn(_ handle: KingaStore, as pinChecked: User) {
        guard let actor = handle.actor, actor.id == pinChecked.id else { return }
        let user = pinChecked
        store = handle
        flash = nil
        if let saved = lockedStacks.removeValue(forKey: user.id) {
            stack = saved
        } else {
            stack = [HomeScreen()]
        }
        session = user
        userLanguage = Languages.shared.language(code: user.language) ?? kioskLanguage
        lastInput = uptime()
        resyncWatch()
        L10n.$current.withValue(language) { top.appear(self) }
    }

    /// Hands an event to the loop from anywhere, any thread (the district link posts `.dataChanged(ids)` after a
    /// pull): it is handled on the loop's next turn, within a second, as if it came from the terminal. Code that
    /// cannot hold the `App` across threads holds its `mailbox` instead and calls `mailbox.post(_:)`.
    public func post(_ event: Event) { mailbox.post(event) }

    /// Handles, in order, every event posted since the last turn. The run loop calls it on every turn; headless
    /// tests call it after `post(_:)`.
    public func handlePosted() {
        for e in mailbox.take() {
            handle(e)
            if quitRequested { return }
        }
    }

    /// Asks the store whether anything was committed since the screens last read it (one pragma when nothing
    /// was) and returns the event to post, or nil when no case changed. Nobody logged in: nothing is asked.
    func watchStore() -> Event? {
        guard session != nil else { return nil }
        guard let token = watchToken else {
            watchToken = try? store.changeToken()
            return nil
        }
        guard let change = try? store.changes(since: token) else { return nil }
        watchToken = change.token
        // Something was committed: if it deactivated the account of the person logged in, their session ends now.
        if endSessionIfClosed() { return nil }
        return change.touchesCases ? .dataChanged(change.everything ? [] : change.cases) : nil
    }

    /// The screen now on top reads the store afresh: what was committed until now needs no event, but a commit that
    /// deactivated the account of the person logged in is never absorbed unseen.
    /// - Returns: true when that ended the session (the screen is locked; the caller stops).
    @discardableResult
    private func resyncWatch() -> Bool {
        if session != nil, let token = watchToken, (try? store.changes(since: token)) != nil, endSessionIfClosed() { return true }
        watchToken = session == nil ? nil : try? store.changeToken()
        return false
    }

    /// Ends the session when its account was deactivated since it began (by an administrator in another session, or
    /// at another kiosk through the district link): locks, keeping what was being typed (drafts and unfinished
    /// forms are kept as typing, `Author.typing`), and says why. One indexed read; asked only after a commit.
    /// - Returns: true when it did.
    private func endSessionIfClosed() -> Bool {
        guard session != nil, (try? store.sessionAccountIsActive()) == false else { return false }
        lock()
        flash = (tr("session.deactivated"), .danger)
        return true
    }

    /// Sets the language of the person logged in (kept in their account), or of the kiosk when nobody is.
    func setLanguage(_ l: Language) {
        if let user = session {
            try? store.setLanguage(userID: user.id, code: l.code)
            userLanguage = l
            session?.language = l.code
        } else {
            kioskLanguage = l
        }
    }

    /// Sets the colours for this kiosk (kept in the setting `theme`).
    func setTheme(_ t: Theme.Kind) {
        theme = t
        if let store { try? store.setSetting("theme", t.rawValue) } else { lockedKiosk?.setSetting("theme", t.rawValue) }
    }

    /// Starts the child-friendly guided report from the login or lock screen (no PIN).
    func startChildSession() {
        guard session == nil else { return }
        apply(.push(ChildReportScreen()))
    }

    /// Ends the child-friendly session: back to the lock screen, screen wiped.
    func endChildSession() {
        stack.removeAll { $0 is ChildReportScreen }
        if stack.isEmpty { stack = [loginScreen(locked: true)] }
        wipeRequested = true
        top.appear(self)
    }

    func switchProfile(_ id: String) {
        if let p = profileLoader?(id) {
            profile = p
            store?.pinPolicy = p.pinPolicy
        }
    }

    /// Locks now: saves drafts, hides everything, asks for a PIN. Logged in the audit.
    public func lock() {
        guard let user = session else { return }
        deferredWork = nil   // a slow step asked for before the lock (joining the district) never runs after it
        saveUnfinished()
        try? store.recordAudit(action: "session.lock")
        lockedStacks[user.id] = stack
        caseListQuery = nil
        session = nil
        watchToken = nil
        store = store.withoutSession
        flash = nil
        wipeRequested = true
        stack = [loginScreen(locked: true)]
    }

    public var top: Screen { stack[stack.count - 1] }

    /// Handles one event, in the language of whoever is using Kinga.
    public func handle(_ event: Event) {
        practiceCache = nil
        L10n.$current.withValue(language) { handleInLanguage(event) }
    }

    private func handleInLanguage(_ event: Event) {
        if case .key = event { lastInput = uptime() }
        if case .paste = event { lastInput = uptime() }
        switch event {
        case .key(let k):
            flash = nil
            if session != nil && (k == .ctrl("l") || (k == .char("l") && top is HomeScreen)) {
                lock()
                return
            }
            if (k == .function(1) || (k == .char("?") && !top.editingText)) && !(top is HelpScreen) {
                apply(.push(HelpScreen(page: top.helpKey)))
                return
            }
            if session == nil && !(top is ChildReportScreen) && (k == .function(3) || (k == .char("h") && !top.editingText)) {
                startChildSession()
                return
            }
            apply(top.handle(k, self))
        case .paste(let text):
            apply(top.handlePaste(text, self))
        case .tick:
            // The store is watched on the quiet second: a change elsewhere reaches the top screen as an event.
            if let changed = watchStore() { handleInLanguage(changed) }
            top.tick(self)
        case .dataChanged(let cases):
            guard session != nil else { return }
            top.dataChanged(cases, self)
        case .resize:
            break
        case .syncFinished(let outcome):
            syncFinished(outcome)
        }
    }

    func apply(_ action: Action) {
        switch action {
        case .none: break
        case .push(let s):
            stack.append(s)
            s.appear(self)
        case .pop:
            if stack.count > 1 { stack.removeLast() }
            if resyncWatch() { return }
            top.appear(self)
        case .popMany(let n):
            stack.removeLast(min(n, stack.count - 1))
            if resyncWatch() { return }
            top.appear(self)
        case .replace(let s):
            if stack.count > 1 { stack.removeLast() }
            stack.append(s)
            if resyncWatch() { return }
            s.appear(self)
        case .home(let then):
            stack = [stack[0]]
            if resyncWatch() { return }
            if let s = then { stack.append(s); stack[0].appear(self); s.appear(self) } else { top.appear(self) }
        case .quit:
            quitRequested = true
        }
    }

    typealias PracticeStatus = (scenario: Scenario, states: [StepState], evidence: PracticeEvidence?)
    /// The practice status read for the last frame; cleared by every event, so the banner costs a few indexed
    /// queries per key, not per frame.
    var practiceCache: PracticeStatus??

    /// Everyone logged out at once (a demo reset): no locked person's screens are kept, and the login screen
    /// is shown, wiped. The store goes back to the handle with nobody logged in.
    func logOutEveryone() {
        lockedStacks = [:]
        caseListQuery = nil
        session = nil
        store = store.withoutSession
        wipeRequested = true
        stack = [loginScreen(locked: false)]
        top.appear(self)
    }

    /// Set after a demo reset (tests and the executable read it).
    public internal(set) var isDemoReset = false
    /// Asks every open screen to save what is unfinished (signals, quit, lock).
    public func saveUnfinished() {
        guard session != nil else { return }
        for s in stack.reversed() { s.saveUnfinished(self) }
    }

}
