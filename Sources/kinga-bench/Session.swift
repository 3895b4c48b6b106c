import ArgumentParser
import Foundation
import Harness
import I18n
import Model
import Storage
import TUI
import Vault

/// `kinga-bench session` (internal): one measured Kinga session, headless, in a process of its own (its own
/// memory, its own cold caches), spawned by `Run`. Writes a `SessionResult` as JSON to `--out` and every
/// per-keystroke sample (a JSON array of milliseconds) to `<out>.samples`.
///
/// Plaintext: the archive is opened as `KingaStore(path:)` and the bench user logs in (the PIN checked against
/// the stored Argon2id hash). `--encrypted`: the archive is opened as the full-screen app opens a kiosk
/// (`KingaStore.openKiosk`, which must find it `.locked`) and unlocked with the bench user's PIN; `unlockMs` is
/// that wait on its own. Everything measured after the PIN is accepted is the same code for both.
struct Session: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(internal) One measured Kinga session, headless.", shouldDisplay: false)

    @Option var db: String
    @Option var out: String
    /// `monotonicNanos()` in the parent just before it spawned this process.
    @Option var spawnedAt: UInt64
    @Flag var quick = false
    @Flag(help: "The archive is encrypted (it has a key-slot file): unlock it with the bench PIN.") var encrypted = false

    func run() throws {
        func sinceSpawn() -> Double { Double(monotonicNanos() - spawnedAt) / 1e6 }
        // Plaintext: the store opens now. Encrypted: only the key-slot file is read now; the store opens with the PIN.
        var plainStore: KingaStore?
        var locked: LockedKiosk?
        if encrypted {
            guard case .locked(let l) = try KingaStore.openKiosk(path: db, clock: benchClock) else {
                throw ValidationError("\(db) is not an encrypted kiosk (no key-slot file beside it)")
            }
            locked = l
        } else {
            plainStore = try KingaStore(path: db, clock: benchClock)
        }
        let opened = sinceSpawn()
        let catalogues = milliseconds { _ = Languages.shared.english }
        let rssStart = currentRSSMegabytes()
        guard let seeds = Seeds.locate(explicit: nil, environment: ProcessInfo.processInfo.environment, executablePath: CommandLine.arguments[0]) else {
            throw ValidationError("seeds folder not found (set KINGA_SEEDS)")
        }
        let profile = try Seeds.profile(id: "generic", seeds: seeds)
        // The PIN check (Argon2id, on purpose slow), and for an encrypted archive the key unwrap and the opening,
        // are the person's wait before the app, not the app's: reported on their own (`unlockMs`) and left out of
        // the start-up figures, which stay comparable with runs before sessions needed a PIN.
        let store: KingaStore
        let user: User
        var pinWait: Double = 0
        if let locked {
            guard let account = locked.users.first(where: { $0.name == benchUser }) else { throw ValidationError("no \(benchUser) in the slots of \(db)") }
            var result: UnlockResult = .failed
            pinWait = try milliseconds { result = try locked.unlock(userID: account.id, pin: benchPIN) }
            guard case .success(let s, let u) = result else { throw ValidationError("the bench PIN did not unlock \(db)") }
            (store, user) = (s, u)
        } else {
            let s = plainStore!
            guard let account = try s.users().first(where: { $0.name == benchUser }) else { throw ValidationError("no \(benchUser) in \(db)") }
            var login: LoginResult = .failed
            pinWait = try milliseconds { login = try s.login(userID: account.id, pin: benchPIN) }
            guard case .success(let session, let u) = login else { throw ValidationError("the bench PIN was refused") }
            (store, user) = (session, u)
        }
        let accepted = monotonicNanos()
        func sinceAccepted() -> Double { Double(monotonicNanos() - accepted) / 1e6 }
        let (w, h) = (80, 24)
        let app = App(store: store, profile: profile, clock: benchClock, demo: false, session: user)
        _ = app.render(width: w, height: h)
        let homeAfterPIN = sinceAccepted()
        let home = sinceSpawn() - pinWait
        app.handle(.key(.char("c")))
        let listGrid = app.render(width: w, height: h)
        let listAfterPIN = sinceAccepted()
        let list = sinceSpawn() - pinWait
        let rssFirst = currentRSSMegabytes()
        guard listGrid.contains("/ Search") else { throw ValidationError("the case list did not open:\n\(listGrid.text)") }

        func step(_ key: Key) -> Double {
            milliseconds {
                app.handle(.key(key))
                _ = app.render(width: w, height: h)
            }
        }
        let render = (0..<100).map { _ in milliseconds { _ = app.render(width: w, height: h) } }
        // Searches, one key at a time; the first pass warms caches and is not kept (as for sqlite3 and fzf).
        let queries = quick ? Array(benchQueries.prefix(6)) : benchQueries
        var results: [QueryResult] = []
        var all: [Double] = []
        for pass in 0..<2 {
            for q in queries {
                _ = step(.char("/"))
                let samples = q.text.map { step(.char($0)) }
                let said = app.render(width: w, height: h).row(1).trimmingCharacters(in: .whitespaces)
                _ = step(.escape)
                if pass == 1 {
                    results.append(QueryResult(kind: q.kind, query: q.text, kinga: Stats(samples), sqlite3: nil, fzf: nil, kingaSaid: said))
                    all += samples
                }
            }
        }
        // Page-down near the top, then deep: End, back up, and down again.
        let pages = quick ? 20 : 100
        _ = step(.home)
        let top = (0..<pages).map { _ in step(.pageDown) }
        let end = step(.end)
        for _ in 0..<pages { _ = step(.pageUp) }
        let deep = (0..<pages).map { _ in step(.pageDown) }
        let filterStats = try Self.filters(store: store, user: user, quick: quick)
        var result = SessionResult(firstFrameHomeMs: home, firstFrameCaseListMs: list, renderMs: Stats(render), queries: results,
                                   pageDownTopMs: Stats(top), pageDownDeepMs: Stats(deep), endKeyMs: end, filtersMs: filterStats,
                                   peakRSSMB: ownPeak(), storeOpenMs: opened, cataloguesMs: catalogues, rssAtStartMB: rssStart, rssAfterFirstFrameMB: rssFirst)
        result.encrypted = encrypted
        result.unlockMs = pinWait
        result.firstFrameHomeAfterPINMs = homeAfterPIN
        result.firstFrameCaseListAfterPINMs = listAfterPIN
        if encrypted {
            // Of the unlock, the Argon2id and key unwrap alone (the same slot opened once more, now that everything
            // else is measured); the rest is opening the database (with `quick_check` up to 256 MB) and the login.
            let slots = try KeySlotFile.load(from: KeySlotFile.url(forDatabase: URL(fileURLWithPath: db)))
            result.unlockKeyMs = try milliseconds { _ = try slots.unlock(userID: user.id, pin: benchPIN) }
        }
        try JSONEncoder().encode(result).write(to: URL(fileURLWithPath: out))
        try JSONEncoder().encode(all).write(to: URL(fileURLWithPath: out + ".samples"))
    }

    /// This process's own peak resident memory in MB (MiB): `VmHWM`, which starts afresh at `execve`. Not
    /// `getrusage`'s `ru_maxrss`, which on Linux carries the spawning benchmark's high-water mark into this
    /// process (it was started by `posix_spawn` on the parent's memory).
    func ownPeak() -> Double { peakRSSMegabytes(of: getpid()) ?? peakRSSMegabytes() }

    /// Filters as the list runs them (the count and the first page of `pageRows`), each timed 3 (`quick`) or
    /// 10 times, the first run dropped. - Returns: milliseconds per filter name.
    static func filters(store: KingaStore, user: User, quick: Bool) throws -> [String: Stats] {
        let today = benchClock.today
        let village = try store.caseList(CaseQuery(), after: nil, limit: 1, viewer: .user(user), today: today).first?.summary.village ?? ""
        let filters: [(String, CaseQuery)] = [
            ("open, by name", CaseQuery(filter: CaseFilter(status: .open), sort: .childName)),
            ("one village", CaseQuery(filter: CaseFilter(village: village))),
            ("urgent, high risk", CaseQuery(filter: CaseFilter(risk: .level(.high), urgent: true))),
            ("due or overdue", CaseQuery(filter: CaseFilter(overdueOnly: true))),
            ("search + open", CaseQuery(text: "banda", filter: CaseFilter(status: .open))),
        ]
        var stats: [String: Stats] = [:]
        for (name, q) in filters {
            let t = try (0..<(quick ? 3 : 10)).map { _ in
                try milliseconds {
                    _ = try store.caseMatchCount(q, viewer: .user(user), today: today)
                    _ = try store.caseList(q, after: nil, limit: pageRows, viewer: .user(user), today: today)
                }
            }
            stats[name] = Stats(Array(t.dropFirst()))
        }
        // The intake's check for possible duplicates (also run for each case a pull brings, issue #19), for a case
        // whose first name is common in the archive.
        if let common = try store.caseList(CaseQuery(text: "banda"), after: nil, limit: 1, viewer: .user(user), today: today).first?.summary.id {
            let t = try (0..<(quick ? 3 : 10)).map { _ in try milliseconds { _ = try store.possibleDuplicates(of: common, viewer: .user(user)) } }
            stats["possible duplicates of a case"] = Stats(Array(t.dropFirst()))
        }
        return stats
    }
}
