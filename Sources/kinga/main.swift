import ArgumentParser
import Exports
import Foundation
import Model
import Storage
import TUI
import Vault

/// `kinga`: open Kinga on the real database (or the demo with `--demo`).
struct Kinga: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinga",
        abstract: "Case management for community-based child protection, in the terminal.",
        discussion: """
            kinga [--db PATH] [--demo [--reset]] [--profile ID] [--seeds PATH]
                Open Kinga full screen (see: kinga open --help).
            kinga audit verify [--db PATH | --demo] [--user NAME | --recovery-key FILE]
                Check that no audit log entry was changed or removed.
            kinga check [--db PATH | --demo] [--user NAME | --recovery-key FILE]
                Check the whole database (SQLite integrity, links, search index, audit chain) and list the backups.
            kinga backup FILE --user NAME [--db PATH | --demo]
                Make a consistent copy of the database now (Kinga may stay open).
            kinga restore FILE [--db PATH | --demo] [--user NAME | --recovery-key FILE] --yes
                Replace the database with a backup (the current one is kept as a backup first).
            kinga export stats --from DATE --to DATE [--format csv|json] [--out FILE] [--db PATH | --demo] [--user NAME]
                Anonymised statistics for the social welfare office (small counts shown as <5 or hidden as x).
            kinga export cases --user NAME --out FILE [--format json|csv] [--identifying] [--db PATH | --demo]
                Every case, for supervisors and administrators (asks for the PIN); no names unless --identifying,
                and then the file is sealed so that only the district office can open it.
            kinga scenarios check [--seeds PATH]
                Check the practice scenarios (seeds/scenarios/*.yaml) a trainer wrote: every problem, with its file.
            kinga directory import FILE [--yes --user NAME] [--db PATH | --demo]
                Add service providers from a CSV file: first a preview with every rejected row, then --yes (an
                administrator, after their PIN).
            kinga district-key set FILE --user NAME [--db PATH | --demo]   |   kinga district-key show
                The district office's public key: exports with names are sealed to it.
            kinga office new-key --out FILE   |   kinga office open FILE --out FILE
                At the district office: make the office's key pair (the recovery key is shown once), open a
                sealed export with the recovery key.

            The real database is encrypted (the demo is not): on it, every command asks who you are (--user NAME,
            then your PIN), or takes the district office's recovery key (--recovery-key FILE).
            Kinga opens the real database at $XDG_DATA_HOME/kinga/kinga.sqlite (or ~/.local/share/kinga/kinga.sqlite).
            The demo (--demo) uses its own file, filled with fictional cases, and never touches real data.
            Environment: KINGA_NOW pins the clock (ISO 8601, for tests and screenshots); NO_COLOR turns colours off;
            KINGA_SEEDS points to the seeds folder.
            """,
        version: KingaVersion.string,
        subcommands: [Open.self, Audit.self, Check.self, Backup.self, Restore.self, Export.self, Directory.self, Scenarios.self,
                      DistrictKey.self, Office.self, Enroll.self],
        defaultSubcommand: Open.self
    )
}

/// `kinga` (the default): open Kinga full screen.
struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Open Kinga full screen (the default when no command is given).")

    @Option(name: .long, help: ArgumentHelp("Open this database file instead of the default.", valueName: "path"))
    var db: String?

    @Flag(name: .long, help: "Open the demo database with fictional cases (marked DEMO on every screen).")
    var demo = false

    @Flag(name: .long, help: "With --demo: rebuild the demo database from seeds/demo before opening it.")
    var reset = false

    /// Opens a database made before encryption at rest as it is, instead of encrypting it at this start: for
    /// `kinga-bench`, which times the same archive plaintext and encrypted side by side (issue #17). Hidden from
    /// --help: a kiosk never needs it.
    @Flag(name: .customLong("keep-plaintext"), help: .hidden)
    var keepPlaintext = false

    @Option(name: .long, help: ArgumentHelp("Country profile id from seeds/profiles (generic, indonesia, zambia).", valueName: "id"))
    var profile: String?

    @Option(name: .long, help: ArgumentHelp("Folder with profiles/ and demo/ (default: found beside the program).", valueName: "path"))
    var seeds: String?

    func validate() throws {
        if reset && !demo { throw ValidationError("--reset only works together with --demo (it rebuilds the demo database).") }
    }

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        let clock: Clock
        do { clock = try Clock.fromEnvironment(env) } catch { throw Failure(message: "\(error)") }
        guard let seedsPath = Seeds.locate(explicit: seeds, environment: env, executablePath: CommandLine.arguments[0]) else {
            throw Failure(message: "Kinga could not find its seeds folder (profiles and demo data). Use --seeds PATH or set KINGA_SEEDS.")
        }
        let paths = DataPaths(environment: env)
        let dbPath: String
        if let d = db { dbPath = d } else { dbPath = demo ? paths.demoDatabase : paths.realDatabase }
        if demo && db == nil && dbPath == paths.realDatabase {
            throw Failure(message: "The demo must not use the real database.")
        }
        // The demo flag lives in the database: --demo and --reset refuse any file that is not a demo.
        let exists = FileManager.default.fileExists(atPath: dbPath)
        if demo && exists {
            let probe: KingaStore
            do { probe = try KingaStore(path: dbPath, clock: clock) } catch { throw Failure(message: "\(error)") }
            let isDemoFile = (try? probe.isDemoDatabase()) ?? false
            let empty = ((try? probe.caseCount(viewer: .systemMaintenance)) ?? 1) == 0 && ((try? probe.needsSetup()) ?? false)
            guard isDemoFile || empty else {
                throw Failure(message: "\(dbPath) holds real data, not the demo. --demo and --reset only work on the demo database.")
            }
        }
        if demo && reset { DataPaths.removeDatabase(at: dbPath) }
        // A real kiosk's database is encrypted (issue #17): new ones are made so, and an encrypted one stays
        // locked until a PIN opens its key slot on the login screen. The demo holds fictional data only and stays
        // plain, so a trainer can reset it in one key.
        var opened: KingaStore?
        var locked: LockedKiosk?
        do {
            if demo {
                opened = try KingaStore(path: dbPath, clock: clock)
            } else {
                switch try KingaStore.openKiosk(path: dbPath, clock: clock, encryptPlaintext: !keepPlaintext) {
                case .firstRun(let s), .plaintext(let s): opened = s
                case .locked(let l): locked = l
                }
            }
        } catch {
            throw Failure(message: Self.cannotOpen(error, dbPath, encrypted: false))
        }
        // Printouts live in memory while Kinga runs when the system gives this user a private tmpfs, and are
        // removed when Kinga closes (issue #17); whatever a crash left is removed now.
        let memoryFolder = DataPaths.sessionFilesFolder(environment: env)
        KingaStore.removePrintouts(besideDatabase: dbPath, sessionFolder: memoryFolder)
        if let store = opened {
            store.sessionFilesFolder = memoryFolder
            store.isDemo = demo
            if demo, try store.caseCount(viewer: .systemMaintenance) == 0 {
                do { try Seeds.fillDemo(store, seeds: seedsPath) } catch { throw Failure(message: "\(error)") }
            }
        }
        // The profile: --profile, else the one chosen at first run, else generic.
        let profileID = profile ?? opened.flatMap { (try? $0.setting("profile")) ?? nil } ?? locked?.setting("profile") ?? "generic"
        let countryProfile: CountryProfile
        do { countryProfile = try Seeds.profile(id: profileID, seeds: seedsPath) } catch {
            throw Failure(message: "\(error)\nProfiles available: \(Seeds.profileIDs(seeds: seedsPath).joined(separator: ", "))")
        }
        let ids = Seeds.profileIDs(seeds: seedsPath)
        let names = Dictionary(uniqueKeysWithValues: ids.map { id in (id, (try? Seeds.profile(id: id, seeds: seedsPath).name) ?? id) })
        let app: App
        if let store = opened {
            app = App(store: store, profile: countryProfile, clock: clock, demo: demo, session: nil, profiles: ids, profileNames: names)
        } else {
            app = App(locked: locked!, profile: countryProfile, clock: clock, profiles: ids, profileNames: names)
        }
        app.profileLoader = { try? Seeds.profile(id: $0, seeds: seedsPath) }
        if demo {
            // Trainer mode: the practice scenarios, and a reset in one key that rebuilds the demo file.
            let loaded = Seeds.scenarios(seeds: seedsPath, concerns: Set(countryProfile.concerns.map(\.id)))
            app.scenarios = loaded.scenarios
            app.scenarioProblems = loaded.problems
            app.scenariosFolder = seedsPath + "/scenarios"
            app.fillDemo = { fresh in try Seeds.fillDemo(fresh, seeds: seedsPath) }
        }
        // Joining the district from the Users screen (issue #18); never on the demo.
        if !demo {
            app.enrolInDistrict = { [weak app] url, code, fingerprint in
                guard let store = app?.store else { return .failed("the database is not open") }
                return enrolFromScreen(store, url: url, code: code, fingerprint: fingerprint)
            }
        }
        // Idle lock: the profile's minutes; KINGA_IDLE_SECONDS overrides (tests, training).
        app.idleLockSeconds = env["KINGA_IDLE_SECONDS"].flatMap(Int.init) ?? countryProfile.idleLockMinutes * 60
        let terminal: NcursesTerminal
        do { terminal = try NcursesTerminal(noColor: env["NO_COLOR"].map { !$0.isEmpty } ?? false) } catch {
            throw Failure(message: "\(error)")
        }
        // The daily backup (issue #7), in the background so the first screen is not kept waiting; on a locked
        // kiosk, once a PIN has opened the database.
        if !demo {
            let backup = { (store: KingaStore) in Thread.detachNewThread { _ = try? store.backupIfDue() } }
            if let store = opened { backup(store) } else { app.onUnlock = backup }
        }
        if opened == nil {
            let then = app.onUnlock
            app.onUnlock = { store in
                store.sessionFilesFolder = memoryFolder
                then?(store)
            }
        }
        let signal = app.run(on: terminal)
        terminal.end()
        if let error = app.openFailure { throw Failure(message: Self.cannotOpen(error, dbPath, encrypted: true)) }
        app.store?.optimize()
        KingaStore.removePrintouts(besideDatabase: dbPath, sessionFolder: memoryFolder)
        if let s = signal { throw ExitCode(128 + s) }
    }

    /// What to print when the database at `dbPath` cannot be opened: the reason, and the newest backup with the
    /// command that goes back to it (on an encrypted kiosk the restore asks who you are).
    static func cannotOpen(_ error: Error, _ dbPath: String, encrypted: Bool) -> String {
        var message = "\(error)"
        if let newest = KingaStore.backups(for: dbPath).first {
            let who = encrypted ? " --user \"YOUR NAME\"" : ""
            message += "\nThe newest backup is from \(ISO8601.format(newest.madeAt).prefix(16).replacingOccurrences(of: "T", with: " ")) UTC. To go back to it:\n  kinga restore \(newest.path)\(who) --yes"
        }
        return message
    }
}

/// `kinga audit verify`: check the audit log's HMAC chain.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Work with the audit log.", subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that no audit entry was changed or removed; name the first bad entry.",
            discussion: "Exit status: 0 when the chain is intact, 1 when it is broken or cannot be read.")

        @OptionGroup var database: DatabaseChoice
        @OptionGroup var reader: ReaderChoice

        func run() throws {
            let store = try database.openToRead(user: reader.user, purpose: "checked")
            let path = store.path
            switch try store.verifyAudit() {
            case .intact(let n):
                print("Audit log intact: \(n) entries checked in \(path).")
            case .broken(let seq, let checked):
                throw Failure(message: "The audit log is broken at entry \(seq) (\(checked) entries before it are intact). It was changed or an entry was removed. Tell your supervisor and keep this database as evidence.")
            }
        }
    }
}

/// `--db PATH` or `--demo`: which database a maintenance command works on.
struct DatabaseChoice: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The database (default: the real one).", valueName: "path"))
    var db: String?

    @Flag(name: .long, help: "The demo database.")
    var demo = false

    @Option(name: .customLong("recovery-key"),
            help: ArgumentHelp("On an encrypted kiosk, when no user's PIN is at hand: the district office's recovery-key file.", valueName: "file"))
    var recoveryKey: String?

    /// The path, and the clock (KINGA_NOW) to stamp what the command writes.
    func resolve(mustExist: Bool = true) throws -> (path: String, clock: Clock) {
        let env = ProcessInfo.processInfo.environment
        let clock: Clock
        do { clock = try Clock.fromEnvironment(env) } catch { throw Failure(message: "\(error)") }
        let paths = DataPaths(environment: env)
        let path = db ?? (demo ? paths.demoDatabase : paths.realDatabase)
        if mustExist && !FileManager.default.fileExists(atPath: path) { throw Failure(message: "There is no database at \(path).") }
        return (path, clock)
    }

    /// Opens the database for a tool that only reads: on a plaintext database as it is; on an encrypted one
    /// (issue #17) after `user`'s PIN or with `--recovery-key`. The tool then reads as Kinga's upkeep, with
    /// nobody's session open.
    /// - Throws: `Failure` (see `open(_:)`).
    func openToRead(user: String?, purpose: String) throws -> KingaStore {
        let (store, _) = try open(ToolAccess(user: user, purpose: purpose))
        store.endSession()
        return store
    }
}

/// `--user NAME` for a tool that only reads: needed on an encrypted kiosk (the PIN unlocks the database).
struct ReaderChoice: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("On an encrypted kiosk: your name as on the login screen (asks for your PIN).", valueName: "name"))
    var user: String?
}

/// `kinga check`: is the database sound? Exit status 0 when it is, 1 otherwise.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the database: SQLite integrity, links between records, the search index and the audit chain.",
        discussion: "Reads only. Lists the backups. Exit status: 0 when everything is sound, 1 otherwise.")

    @OptionGroup var database: DatabaseChoice
    @OptionGroup var reader: ReaderChoice

    func run() throws {
        let store = try database.openToRead(user: reader.user, purpose: "checked")
        let r: CheckReport
        do { r = try store.check() } catch { throw Failure(message: "The check could not finish: \(error). Keep this file as it is and ask for help.") }
        print("Database: \(store.path)")
        print("  \(r.cases) cases, \(r.events) timeline entries")
        print("  SQLite integrity: \(r.integrity ? "ok" : "DAMAGED")")
        print("  links between records: \(r.foreignKeys ? "ok" : "BROKEN")")
        print("  search index: \(r.searchIndex ? "ok" : "INCOMPLETE")")
        switch r.audit {
        case .intact(let n)?: print("  audit chain: ok (\(n) entries)")
        case .broken(let seq, _)?: print("  audit chain: BROKEN at entry \(seq)")
        case nil: print("  audit chain: not checked")
        }
        print("  writes: \(r.synchronous == 2 ? "synchronous=FULL (a saved record survives a power cut)" : "synchronous=\(r.synchronous)")")
        let backups = store.backups()
        print("Backups in \(store.backupsFolder): \(backups.count)")
        for b in backups { print("  \(b.path)  (\(b.reason), \(b.bytes / 1024) KB)") }
        if !r.ok {
            throw Failure(message: "Problems found:\n" + r.problems.map { "- " + $0 }.joined(separator: "\n")
                          + (backups.first.map { "\nThe newest backup is \($0.path). To go back to it: kinga restore \($0.path) --yes" } ?? ""))
        }
        print("Everything is sound.")
    }
}

/// `kinga backup FILE --user NAME`: a consistent copy now, with SQLite's online backup API, made by a supervisor
/// or an administrator after their PIN (a backup holds every child's record; issue #16).
struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the database to FILE (consistent even while Kinga is in use). Supervisors and administrators; asks for the PIN.",
        discussion: "Kinga also keeps a daily backup by itself, in the backups folder beside the database. Every backup you make is written to the audit log.")

    @OptionGroup var database: DatabaseChoice

    @Argument(help: ArgumentHelp("Where to write the copy (must not exist yet).", valueName: "file"))
    var file: String

    @Option(name: .long, help: ArgumentHelp("Your name as on the login screen (a supervisor or an administrator).", valueName: "name"))
    var user: String

    func run() throws {
        let (store, _) = try database.open(ToolAccess(user: user, purpose: "copied", allowed: { $0.can(.exportCases, demo: $1) }, refused: { account, store in
            try? store?.recordAudit(action: "backup.refused", detail: "\(account.name), role \(account.roleWords)")
            return "Only a supervisor or an administrator may copy the database (\(account.name) is \(account.roleWords)). Nothing was copied."
        }, before: { _ in
            if FileManager.default.fileExists(atPath: file) { throw Failure(message: "\(file) already exists. Choose another name; Kinga never writes over a file.") }
        }))
        do { try store.backup(to: file) } catch { throw Failure(message: "\(error)") }
        try? store.recordAudit(action: "backup.manual", detail: file)
        print("Backup written to \(file). Keep it somewhere safe: it holds children's records.")
    }
}

/// `kinga restore FILE --yes`: go back to a backup.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replace the database with the backup FILE.",
        discussion: """
            Close Kinga everywhere first. The database being replaced is kept as a backup (or, when damaged, set aside \
            beside it), so a restore can be undone.

            On a new laptop (no kiosk at the database's place yet), an encrypted backup is restored with the district \
            office's recovery key: copy the backup and its .keys file, then run 'kinga restore FILE --recovery-key KEY \
            --yes'. Everyone's PIN as it was when the backup was made opens the new kiosk.
            """)

    @OptionGroup var database: DatabaseChoice

    @Argument(help: ArgumentHelp("The backup to go back to.", valueName: "file"))
    var file: String

    @Flag(name: .long, help: "Yes, replace the database (required: everything saved after the backup was made is set aside).")
    var yes = false

    @Option(name: .long, help: ArgumentHelp("On an encrypted kiosk: your name as on the login screen (asks for your PIN).", valueName: "name"))
    var user: String?

    @Option(name: .customLong("audit-key"),
            help: ArgumentHelp("On a new laptop, for a backup made before Kinga kept the audit key with it: the old kiosk's .audit-key file.", valueName: "file"))
    var auditKey: String?

    func run() throws {
        let (path, clock) = try database.resolve(mustExist: false)
        guard FileManager.default.fileExists(atPath: file) else { throw Failure(message: "There is no backup at \(file).") }
        let backupKeys = KeySlotFile.url(forDatabase: URL(fileURLWithPath: file)).path
        if KingaStore.isEmptyKiosk(at: path), FileManager.default.fileExists(atPath: backupKeys) {
            // A new laptop (issue #17): the encrypted backup of a kiosk that was lost, with the district's key.
            guard let keyFile = database.recoveryKey else {
                throw Failure(message: "There is no kiosk at \(path) yet. To make one from this encrypted backup, add --recovery-key FILE with the district office's recovery key.")
            }
            let secret = try DatabaseChoice.recoveryKey(keyFile)
            guard yes else {
                throw Failure(message: "This makes a kiosk at \(path) from \(file). It replaces the old laptop: never run both. If you are sure, run the same command with --yes.")
            }
            let people: Int
            do {
                people = try KingaStore.restoreOntoNewKiosk(from: file, to: path, recoveryKey: secret, clock: clock, auditKeyFile: auditKey)
            } catch { throw Failure(message: "\(error)") }
            print("Made a kiosk at \(path) from \(file). \(people) \(people == 1 ? "person" : "people") can log in with the PIN they had when the backup was made; ask anyone who changed their PIN since to use the old one, then change it.")
            return
        }
        guard yes else {
            throw Failure(message: "Restoring replaces \(path) with \(file): what was saved after that backup is set aside. If you are sure, run the same command with --yes.")
        }
        let kept: String?
        if let locked = LockedKiosk.at(path: path, clock: clock) {
            // An encrypted kiosk (issue #17): a user's PIN, or the district office's recovery key, opens the key.
            do {
                if let name = user {
                    let account = try DatabaseChoice.account(name, in: locked.users)
                    guard account.can(.exportCases, demo: false) else {
                        throw Failure(message: "Only a supervisor or an administrator may restore the database (\(account.name) is \(account.roleWords)). Nothing was restored.")
                    }
                    kept = try locked.restore(from: file, userID: account.id, pin: try DatabaseChoice.readPIN(for: account, purpose: "restored"))
                } else if let keyFile = database.recoveryKey {
                    kept = try locked.restore(from: file, recoveryKey: try DatabaseChoice.recoveryKey(keyFile))
                } else {
                    throw Failure(message: "This database is encrypted. Add --user NAME (you will be asked for your PIN), or --recovery-key FILE with the district office's recovery key.")
                }
            } catch let f as Failure { throw f } catch { throw Failure(message: "\(error)") }
        } else {
            do { kept = try KingaStore.restore(from: file, to: path, clock: clock) } catch { throw Failure(message: "\(error)") }
        }
        print("Restored \(path) from \(file).")
        if let k = kept { print("The database it replaced is kept at \(k).") }
    }
}

/// The terminal settings to put back if Ctrl-C comes while the PIN is typed (read by the signal handler).
nonisolated(unsafe) var pinTerminal = termios()

/// Reads a PIN: from the terminal without echo, or the first line of standard input when it is not a terminal.
/// Not `getpass(3)`: glibc's turns signals off too, so Ctrl-C could not stop the command at the prompt.
enum PINInput {
    /// - Returns: the PIN, or nil when nothing was typed (Enter on an empty line, Ctrl-D).
    static func read(prompt: String) -> String? {
        guard isatty(0) == 1 else { return readLine(strippingNewline: true).flatMap { $0.isEmpty ? nil : $0 } }
        FileHandle.standardError.write(Data(prompt.utf8))
        tcgetattr(0, &pinTerminal)
        var quiet = pinTerminal
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(0, TCSAFLUSH, &quiet)
        // Ctrl-C at the prompt: echo back on, a word, exit 130 (only async-signal-safe calls in the handler).
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            tcsetattr(0, TCSAFLUSH, &pinTerminal)
            let text = "\nCancelled. Nothing was exported.\n"
            _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
            _exit(130)
        }
        sigemptyset(&action.sa_mask)
        var previous = sigaction()
        sigaction(SIGINT, &action, &previous)
        let line = readLine(strippingNewline: true)
        sigaction(SIGINT, &previous, nil)
        tcsetattr(0, TCSAFLUSH, &pinTerminal)
        FileHandle.standardError.write(Data("\n".utf8))
        return line.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// Set by the signal handler of `CancelOnSignal` (only an async-signal-safe store happens there).
nonisolated(unsafe) var cancelSignalled: sig_atomic_t = 0

/// Ctrl-C (SIGINT) and SIGTERM ask a long command to stop at its next safe point instead of killing it.
///
/// A plain `sigaction` handler that sets a flag the command polls. Not a Dispatch signal source: on Linux
/// those read the signal through a `signalfd` and need it blocked in every thread; with the signal ignored
/// and not blocked (as it is when Kinga runs in a terminal) the kernel throws it away and Ctrl-C did nothing.
/// The end-to-end test only passed because the test runner's threads had the signal blocked (issue #14).
final class CancelOnSignal: @unchecked Sendable {
    init() {
        cancelSignalled = 0
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in cancelSignalled = 1 }
        sigemptyset(&action.sa_mask)
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for sig in [SIGINT, SIGTERM] {
            sigaction(sig, &action, nil)
            sigaddset(&unblock, sig)
        }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }
    var requested: Bool { cancelSignalled != 0 }
}

/// A one-line progress bar on standard error (only when it is a terminal): done of total, and an estimate.
final class ProgressBar {
    let label: String
    private let tty = isatty(2) == 1
    private var lastDraw = 0.0
    init(label: String) { self.label = label }

    func show(_ p: CaseExport.Progress) {
        guard tty, p.elapsed - lastDraw >= 0.1 || p.done == p.total else { return }
        lastDraw = p.elapsed
        let width = 24
        let filled = p.total == 0 ? width : min(width, p.done * width / p.total)
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let f = NumberFormatter()
        f.numberStyle = .decimal
        let count = "\(f.string(from: NSNumber(value: p.done)) ?? "\(p.done)") of \(f.string(from: NSNumber(value: p.total)) ?? "\(p.total)")"
        let left = p.remaining.map { $0 < 1 ? "less than a second left" : "about \(Int($0.rounded())) s left" } ?? "estimating…"
        FileHandle.standardError.write(Data("\r\u{1B}[K\(label) \(bar) \(count) · \(left) · Ctrl-C cancels".utf8))
    }

    func clear() { if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } }
}

/// `kinga scenarios …`: trainer mode's practice scenarios.
struct Scenarios: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Work with the practice scenarios of trainer mode.", subcommands: [CheckScenarios.self])

    /// `kinga scenarios check`: every scenario file read as Kinga reads it, every problem listed.
    struct CheckScenarios: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Read every practice scenario and list each problem with its file (exit status 1 when there is one).")

        @Option(name: .long, help: ArgumentHelp("Folder with profiles/ and scenarios/ (default: found beside the program).", valueName: "path"))
        var seeds: String?

        @Option(name: .long, help: ArgumentHelp("Profile whose concerns the scenarios may use.", valueName: "id"))
        var profile = "generic"

        func run() throws {
            let env = ProcessInfo.processInfo.environment
            guard let path = Seeds.locate(explicit: seeds, environment: env, executablePath: CommandLine.arguments[0]) else {
                throw Failure(message: "Kinga could not find its seeds folder. Use --seeds PATH.")
            }
            let concerns = (try? Seeds.profile(id: profile, seeds: path)).map { Set($0.concerns.map(\.id)) }
            let (found, problems) = Seeds.scenarios(seeds: path, concerns: concerns)
            print("\(found.count) scenario\(found.count == 1 ? "" : "s") ready in \(path)/scenarios:")
            for s in found {
                let missing = ["en", "id", "fr"].filter { s.title.byLanguage[$0]?.isEmpty ?? true }
                print("  \(s.id): \(s.title.text("en")) (\(s.steps.count) steps\(missing.isEmpty ? "" : "; English shown for " + missing.joined(separator: ", ")))")
            }
            guard problems.isEmpty else {
                throw Failure(message: "\(problems.count) file\(problems.count == 1 ? "" : "s") cannot be used yet:\n" + problems.map { "  \($0.file): \($0.problem)" }.joined(separator: "\n"))
            }
            print("No problems.")
        }
    }
}

/// A kind, one-paragraph message printed instead of a stack trace; exit status 1.
struct Failure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Where Kinga keeps its files (XDG base directories).
struct DataPaths {
    let folder: String
    init(environment env: [String: String]) {
        if let x = env["XDG_DATA_HOME"], x.hasPrefix("/") {
            folder = x + "/kinga"
        } else {
            folder = (env["HOME"] ?? NSHomeDirectory()) + "/.local/share/kinga"
        }
    }
    var realDatabase: String { folder + "/kinga.sqlite" }

    /// `<$XDG_RUNTIME_DIR>/kinga` when the system gives this user a private runtime folder (systemd-logind's
    /// tmpfs at /run/user/UID: in memory, owned by the user, mode 0700, emptied at logout), else nil.
    static func sessionFilesFolder(environment env: [String: String]) -> String? {
        guard let runtime = env["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") else { return nil }
        var st = stat()
        guard stat(runtime, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == getuid(), st.st_mode & 0o077 == 0 else { return nil }
        let folder = runtime + "/kinga"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return FileManager.default.fileExists(atPath: folder) ? folder : nil
    }
    var demoDatabase: String { folder + "/demo.sqlite" }

    /// Deletes a database and its WAL and shared-memory files (demo reset only).
    static func removeDatabase(at path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

// Children's data: every file Kinga creates (database, WAL, shared memory, backups) is readable only by
// Kinga's user, even outside the private default folder.
umask(0o077)
// A crash must not leave a core file holding children's records, a sealed export's key or (issue #17) the
// database key: off for every command, before anything is read.
_ = ProcessHardening.disableCoreDumps()

do {
    var command = try Kinga.parseAsRoot()
    try command.run()
} catch let f as Failure {
    FileHandle.standardError.write(Data(("kinga: " + f.message + "\n").utf8))
    exit(1)
} catch {
    Kinga.exit(withError: error)
}
