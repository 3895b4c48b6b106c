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
                      DistrictKey.self, Office.self, Enroll.self, Sync.self],
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
            // Runs on a thread of its own with the handle of the person logged in when it started (App.startSync).
            app.syncWithDistrict = { store in syncFromScreen(store) }
            app.backgroundSyncSeconds = env["KINGA_SYNC_SECONDS"].flatMap(Int.init) ?? 300
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
        return store.withoutSession
    }
}

/// `--user NAME` for a tool that only reads: needed on an encrypted kiosk (the PIN unlocks the database).
struct ReaderChoice: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("On an encrypted kiosk: your name as on the login screen (asks for your PIN).", valueName: "name"))
    var user: String?
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
    writeToStandardError(("kinga: " + f.message + "\n"))
    exit(1)
} catch {
    Kinga.exit(withError: error)
}
