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
            kinga audit verify [--db PATH | --demo]
                Check that no audit log entry was changed or removed.
            kinga check [--db PATH | --demo]
                Check the whole database (SQLite integrity, links, search index, audit chain) and list the backups.
            kinga backup FILE --user NAME [--db PATH | --demo]
                Make a consistent copy of the database now (Kinga may stay open).
            kinga restore FILE [--db PATH | --demo] --yes
                Replace the database with a backup (the current one is kept as a backup first).
            kinga export stats --from DATE --to DATE [--format csv|json] [--out FILE] [--db PATH | --demo]
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

            Kinga opens the real database at $XDG_DATA_HOME/kinga/kinga.sqlite (or ~/.local/share/kinga/kinga.sqlite).
            The demo (--demo) uses its own file, filled with fictional cases, and never touches real data.
            Environment: KINGA_NOW pins the clock (ISO 8601, for tests and screenshots); NO_COLOR turns colours off;
            KINGA_SEEDS points to the seeds folder.
            """,
        version: KingaVersion.string,
        subcommands: [Open.self, Audit.self, Check.self, Backup.self, Restore.self, Export.self, Directory.self, Scenarios.self,
                      DistrictKey.self, Office.self],
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

    @Option(name: .long, help: ArgumentHelp("Country profile id from seeds/profiles (generic, indonesia, zambia).", valueName: "id"))
    var profile: String?

    @Option(name: .long, help: ArgumentHelp("Folder with profiles/ and demo/ (default: found beside the program).", valueName: "path"))
    var seeds: String?

    func validate() throws {
        if reset && !demo { throw ValidationError("--reset only works together with --demo (it rebuilds the demo database).") }
    }

    func run() throws {
        // A crash must not leave a core file holding children's records or (issue #17) the database key.
        _ = ProcessHardening.disableCoreDumps()
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
        let store: KingaStore
        do { store = try KingaStore(path: dbPath, clock: clock) } catch {
            var message = "\(error)"
            if let newest = KingaStore.backups(for: dbPath).first {
                message += "\nThe newest backup is from \(ISO8601.format(newest.madeAt).prefix(16).replacingOccurrences(of: "T", with: " ")) UTC. To go back to it:\n  kinga restore \(newest.path) --yes"
            }
            throw Failure(message: message)
        }
        store.isDemo = demo
        if demo, try store.caseCount(viewer: .systemMaintenance) == 0 {
            do { try Seeds.fillDemo(store, seeds: seedsPath) } catch { throw Failure(message: "\(error)") }
        }
        // The profile: --profile, else the one chosen at first run, else generic.
        let profileID = profile ?? (try? store.setting("profile")) ?? "generic"
        let countryProfile: CountryProfile
        do { countryProfile = try Seeds.profile(id: profileID, seeds: seedsPath) } catch {
            throw Failure(message: "\(error)\nProfiles available: \(Seeds.profileIDs(seeds: seedsPath).joined(separator: ", "))")
        }
        let ids = Seeds.profileIDs(seeds: seedsPath)
        let names = Dictionary(uniqueKeysWithValues: ids.map { id in (id, (try? Seeds.profile(id: id, seeds: seedsPath).name) ?? id) })
        let app = App(store: store, profile: countryProfile, clock: clock, demo: demo, session: nil, profiles: ids, profileNames: names)
        app.profileLoader = { try? Seeds.profile(id: $0, seeds: seedsPath) }
        if demo {
            // Trainer mode: the practice scenarios, and a reset in one key that rebuilds the demo file.
            let loaded = Seeds.scenarios(seeds: seedsPath, concerns: Set(countryProfile.concerns.map(\.id)))
            app.scenarios = loaded.scenarios
            app.scenarioProblems = loaded.problems
            app.scenariosFolder = seedsPath + "/scenarios"
            app.fillDemo = { fresh in try Seeds.fillDemo(fresh, seeds: seedsPath) }
        }
        // Idle lock: the profile's minutes; KINGA_IDLE_SECONDS overrides (tests, training).
        app.idleLockSeconds = env["KINGA_IDLE_SECONDS"].flatMap(Int.init) ?? countryProfile.idleLockMinutes * 60
        let terminal: NcursesTerminal
        do { terminal = try NcursesTerminal(noColor: env["NO_COLOR"].map { !$0.isEmpty } ?? false) } catch {
            throw Failure(message: "\(error)")
        }
        // The daily backup (issue #7), in the background so the first screen is not kept waiting.
        if !demo {
            Thread.detachNewThread { _ = try? store.backupIfDue() }
        }
        let signal = app.run(on: terminal)
        terminal.end()
        store.optimize()
        if let s = signal { throw ExitCode(128 + s) }
    }
}

/// `kinga audit verify`: check the audit log's HMAC chain.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Work with the audit log.", subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that no audit entry was changed or removed; name the first bad entry.",
            discussion: "Exit status: 0 when the chain is intact, 1 when it is broken or cannot be read.")

        @Option(name: .long, help: ArgumentHelp("The database to check (default: the real one).", valueName: "path"))
        var db: String?

        @Flag(name: .long, help: "Check the demo database.")
        var demo = false

        func run() throws {
            let env = ProcessInfo.processInfo.environment
            let clock: Clock
            do { clock = try Clock.fromEnvironment(env) } catch { throw Failure(message: "\(error)") }
            let paths = DataPaths(environment: env)
            let path = db ?? (demo ? paths.demoDatabase : paths.realDatabase)
            guard FileManager.default.fileExists(atPath: path) else { throw Failure(message: "There is no database at \(path).") }
            let store: KingaStore
            do { store = try KingaStore(path: path, clock: clock) } catch { throw Failure(message: "\(error)") }
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

    func open() throws -> KingaStore {
        let (path, clock) = try resolve()
        do { return try KingaStore(path: path, clock: clock) } catch { throw Failure(message: "\(error)") }
    }
}

/// `kinga check`: is the database sound? Exit status 0 when it is, 1 otherwise.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the database: SQLite integrity, links between records, the search index and the audit chain.",
        discussion: "Reads only. Lists the backups. Exit status: 0 when everything is sound, 1 otherwise.")

    @OptionGroup var database: DatabaseChoice

    func run() throws {
        let store = try database.open()
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
        let store = try database.open()
        store.isDemo = (try? store.isDemoDatabase()) ?? false
        _ = try logIn(store, user: user, purpose: "copied", allowed: { $0.can(.exportCases, demo: store.isDemo) }, refused: { account in
            try? store.recordAudit(action: "backup.refused", detail: "\(account.name), role \(account.roleWords)")
            return "Only a supervisor or an administrator may copy the database (\(account.name) is \(account.roleWords)). Nothing was copied."
        }, before: {
            if FileManager.default.fileExists(atPath: file) { throw Failure(message: "\(file) already exists. Choose another name; Kinga never writes over a file.") }
        })
        do { try store.backup(to: file) } catch { throw Failure(message: "\(error)") }
        try? store.recordAudit(action: "backup.manual", detail: file)
        print("Backup written to \(file). Keep it somewhere safe: it holds children's records.")
    }
}

/// `kinga restore FILE --yes`: go back to a backup.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replace the database with the backup FILE.",
        discussion: "Close Kinga everywhere first. The database being replaced is kept as a backup (or, when damaged, set aside beside it), so a restore can be undone.")

    @OptionGroup var database: DatabaseChoice

    @Argument(help: ArgumentHelp("The backup to go back to.", valueName: "file"))
    var file: String

    @Flag(name: .long, help: "Yes, replace the database (required: everything saved after the backup was made is set aside).")
    var yes = false

    func run() throws {
        let (path, clock) = try database.resolve(mustExist: false)
        guard FileManager.default.fileExists(atPath: file) else { throw Failure(message: "There is no backup at \(file).") }
        guard yes else {
            throw Failure(message: "Restoring replaces \(path) with \(file): what was saved after that backup is set aside. If you are sure, run the same command with --yes.")
        }
        let kept: String?
        do { kept = try KingaStore.restore(from: file, to: path, clock: clock) } catch { throw Failure(message: "\(error)") }
        print("Restored \(path) from \(file).")
        if let k = kept { print("The database it replaced is kept at \(k).") }
    }
}

/// `kinga export …`: files for the national system.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export data for the social welfare office.", subcommands: [Stats.self, Cases.self])

    /// `kinga export cases`: one record per case, for supervisors and administrators, pseudonymised by default.
    struct Cases: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export every case as JSON or CSV (supervisors and administrators only; asks for your PIN).",
            discussion: "Without --identifying the file has no names, contacts, dates of birth or the report's words: case number, status, risk, dates, sex, age in years, village, concerns, referrals. With --identifying those are added (narratives and referral reasons only for supervisors). Every export is written to the audit log. The file appears only when complete: Ctrl-C cancels and leaves nothing behind. The PIN is read from the keyboard without showing it (or, when the input is not a terminal, from the first line of the input). Trainers may export the demo only.")

        @OptionGroup var database: DatabaseChoice

        @Option(name: .long, help: ArgumentHelp("Your name as on the login screen.", valueName: "name"))
        var user: String

        @Option(name: .long, help: ArgumentHelp("The file to write (must not exist yet).", valueName: "file"))
        var out: String

        @Option(name: .long, help: "json or csv.")
        var format = "json"

        @Flag(name: .long, help: "Include names, contacts, dates of birth and the report's words. Only when the receiver needs them.")
        var identifying = false

        func validate() throws {
            guard CaseExport.Format(rawValue: format) != nil else { throw ValidationError("--format is json or csv.") }
        }

        func run() throws {
            // Identifying exports are sealed (issue #17): the name says so.
            let target = identifying && !out.hasSuffix("." + SealedFile.fileExtension) ? out + "." + SealedFile.fileExtension : out
            let store = try database.open()
            store.isDemo = (try? store.isDemoDatabase()) ?? false
            _ = try logIn(store, user: user, purpose: "exported", allowed: { $0.can(.exportCases, demo: store.isDemo) }, refused: { account in
                try? store.recordAudit(action: "export.cases.refused", detail: "\(account.name), role \(account.roleWords)")
                return CaseExport.Failure.notAllowed(role: account.roleWords).description
            }, before: {
                if FileManager.default.fileExists(atPath: target) { throw Failure(message: CaseExport.Failure.exists(target).description) }
                if identifying, (try? store.districtKey()) == nil { throw Failure(message: CaseExport.Failure.noDistrictKey.description) }
                // Where the file goes is checked before the PIN is asked, so a typo costs nothing.
                let folder = (out as NSString).deletingLastPathComponent.isEmpty ? "." : (out as NSString).deletingLastPathComponent
                var isDir: ObjCBool = false
                guard !out.isEmpty, !out.hasSuffix("/") else { throw Failure(message: "--out needs a file name, for example --out cases.json.") }
                guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
                    throw Failure(message: "The folder \(folder) does not exist. Make it first, or choose another place for --out.")
                }
                guard access(folder, W_OK) == 0 else { throw Failure(message: "Kinga may not write in \(folder). Choose a folder of your own for --out.") }
            })
            let cancel = CancelOnSignal()
            let bar = ProgressBar(label: "Exporting cases")
            let n: Int
            do {
                n = try store.exportCases(to: target, format: CaseExport.Format(rawValue: format)!, identifying: identifying) { p in
                    bar.show(p)
                    return !cancel.requested
                }
            } catch let f as CaseExport.Failure {
                bar.clear()
                if case .cancelled = f { FileHandle.standardError.write(Data((f.description + "\n").utf8)); throw ExitCode(130) }
                throw Failure(message: f.description)
            }
            bar.clear()
            if identifying {
                FileHandle.standardError.write(Data("\(n) case\(n == 1 ? "" : "s") WITH names and contacts written to \(target), sealed for the district office: only the office's recovery key opens it (kinga office open). Carry it to the office, and delete it when it has arrived.\n".utf8))
            } else {
                FileHandle.standardError.write(Data("\(n) case\(n == 1 ? "" : "s") written to \(target) (no names, contacts or stories). It is about children: keep it safe, share it only as agreed, and delete it when done.\n".utf8))
            }
        }
    }

    /// `kinga export stats`: anonymised aggregates, small counts suppressed.
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Anonymised statistics of a period as CSV (RFC 4180, UTF-8) or JSON.",
            discussion: """
                Counts from 1 to 4 (below the profile's threshold, default 5) are written as <5; a count from which a <5 could be \
                worked out is written as x; a rate or median is left empty unless its counts are published and at least 5. \
                No name, no story, no record. The export is written to the audit log.
                """)

        @OptionGroup var database: DatabaseChoice

        @Option(name: .long, help: ArgumentHelp("First day, YYYY-MM-DD.", valueName: "date"))
        var from: String

        @Option(name: .long, help: ArgumentHelp("Last day, YYYY-MM-DD (included).", valueName: "date"))
        var to: String

        @Option(name: .long, help: "csv or json.")
        var format = "csv"

        @Option(name: .long, help: ArgumentHelp("Write to this file (default: the screen).", valueName: "file"))
        var out: String?

        @Option(name: .long, help: ArgumentHelp("Folder with profiles/ (default: found beside the program).", valueName: "path"))
        var seeds: String?

        func validate() throws {
            guard ["csv", "json"].contains(format) else { throw ValidationError("--format is csv or json.") }
            guard (try? LocalDate.parse(from)) != nil else { throw ValidationError("--from \(from) is not a date like 2026-01-31.") }
            guard (try? LocalDate.parse(to)) != nil else { throw ValidationError("--to \(to) is not a date like 2026-12-31.") }
        }

        func run() throws {
            let store = try database.open()
            let start = try LocalDate.parse(from), end = try LocalDate.parse(to)
            guard start <= end else { throw Failure(message: "--from must be on or before --to.") }
            let env = ProcessInfo.processInfo.environment
            let profileID = ((try? store.setting("profile")) ?? nil) ?? "generic"
            let profile = Seeds.locate(explicit: seeds, environment: env, executablePath: CommandLine.arguments[0])
                .flatMap { try? Seeds.profile(id: profileID, seeds: $0) }
            let threshold = profile?.smallCellThreshold ?? 5
            let stats = try store.statistics(from: start, to: end, threshold: threshold) { label in
                switch label {
                case .concern(let c): return profile?.concernLabel(c) ?? c
                case .sex(.female): return "female"
                case .sex(.male): return "male"
                case .sex(.unknown): return "not known"
                case .ageGroup(.unknown): return "age not known"
                case .ageGroup(let a): return a.rawValue
                case .service(let s): return s.replacingOccurrences(of: "_", with: " ")
                }
            }
            let data = format == "csv" ? Data(try StatisticsExport.csv(stats).utf8) : try StatisticsExport.json(stats)
            if let path = out {
                do { try StatisticsExport.writeWhole(data, to: path) } catch {
                    throw Failure(message: "Could not write \(path): \(error.localizedDescription)")
                }
            } else {
                FileHandle.standardOutput.write(data)
            }
            try store.recordAudit(action: "export.stats", detail: "\(start.iso)..\(end.iso) \(format)")
            if let path = out { FileHandle.standardError.write(Data("Statistics for \(start.iso) to \(end.iso) written to \(path) (counts below \(threshold) shown as <\(threshold), counts that would give one away as x).\n".utf8)) }
        }
    }
}

/// `kinga directory …`: the service directory.
struct Directory: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Work with the service directory.", subcommands: [Import.self])

    /// `kinga directory import FILE`: a preview, then `--yes` adds the providers.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add service providers from a CSV file (columns: name, services, area, contact, hours, notes).",
            discussion: "Without --yes, shows what would be added and every row that cannot be, with its line and the reason; nothing changes. services: health;police;… (see the README).")

        @OptionGroup var database: DatabaseChoice

        @Argument(help: ArgumentHelp("The CSV file (UTF-8, with a header row).", valueName: "file"))
        var file: String

        @Flag(name: .long, help: "Add the accepted rows (after reading the preview).")
        var yes = false

        @Option(name: .long, help: ArgumentHelp("With --yes: your name as on the login screen (an administrator; asks for your PIN).", valueName: "name"))
        var user: String?

        func validate() throws {
            if yes && user == nil { throw ValidationError("--yes needs --user NAME: adding providers is an administrator's change, made after their PIN.") }
        }

        func run() throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw Failure(message: "Cannot read \(file).") }
            guard let text = String(data: data, encoding: .utf8) else { throw Failure(message: "\(file) is not UTF-8 text. Save it as \"CSV UTF-8\" and try again.") }
            let store = try database.open()
            let preview: DirectoryImport.Preview
            do { preview = try DirectoryImport.preview(text, existing: try store.providers(includeRetired: true)) } catch { throw Failure(message: "\(error)") }
            print("\(preview.accepted.count) provider\(preview.accepted.count == 1 ? "" : "s") can be added:")
            for p in preview.accepted { print("  + \(p.name) (\(p.services.map(\.rawValue).joined(separator: ", "))\(p.area.isEmpty ? "" : ", " + p.area))") }
            if !preview.rejected.isEmpty {
                print("\(preview.rejected.count) row\(preview.rejected.count == 1 ? "" : "s") cannot be added:")
                for r in preview.rejected { print("  line \(r.line)\(r.name.isEmpty ? "" : " (\(r.name))"): \(r.reason)") }
            }
            guard yes else {
                print("Nothing was changed. To add the \(preview.accepted.count) provider\(preview.accepted.count == 1 ? "" : "s") above, run the same command with --yes.")
                return
            }
            store.isDemo = (try? store.isDemoDatabase()) ?? false
            _ = try logIn(store, user: user ?? "", purpose: "added", allowed: { $0.can(.manageDirectory, demo: store.isDemo) }, refused: { account in
                try? store.recordAudit(action: "directory.import.refused", detail: "\(account.name), role \(account.roleWords)")
                return "Only an administrator may change the service directory (\(account.name) is \(account.roleWords)). Nothing was added."
            })
            do { try store.importProviders(preview) } catch { throw Failure(message: "\(error)") }
            print("Added \(preview.accepted.count) provider\(preview.accepted.count == 1 ? "" : "s") to the service directory.")
        }
    }
}

/// Logs a person in on `store` from the command line, as the login screen would: their name, a role check,
/// then their PIN (read without echo, or from the first line of a non-terminal input). From then on every
/// change and record of the command is theirs (issue #16).
/// - Parameters:
///   - user: the name as on the login screen (case and accents ignored).
///   - purpose: the past participle for "Nothing was …" ("exported", "added").
///   - allowed: whether the account's roles allow the command.
///   - refused: records the refusal and returns the message to print.
///   - before: checks to make before the PIN is asked (so a typo costs no PIN).
/// - Returns: the logged-in user.
/// - Throws: `Failure` with a plain message (no such user, not allowed, no PIN, wrong PIN, locked account).
func logIn(_ store: KingaStore, user: String, purpose: String, allowed: (User) -> Bool, refused: (User) -> String,
           before: () throws -> Void = {}) throws -> User {
    guard let account = try store.users().first(where: { $0.name.compare(user, options: [.caseInsensitive, .diacriticInsensitive]) == .orderedSame }) else {
        throw Failure(message: "There is no active user called \"\(user)\". Use your name as it appears on the login screen.")
    }
    guard allowed(account) else { throw Failure(message: refused(account)) }
    try before()
    guard let pin = PINInput.read(prompt: "PIN for \(account.name): ") else {
        throw Failure(message: "No PIN was typed. Nothing was \(purpose).")
    }
    switch try store.login(userID: account.id, pin: pin) {
    case .success(let me): return me
    case .locked(let until):
        throw Failure(message: "Too many wrong PINs: \(account.name)'s account is locked until \(ISO8601.format(until).prefix(16).replacingOccurrences(of: "T", with: " ")) UTC.")
    case .failed: throw Failure(message: "That PIN is not right. Nothing was \(purpose).")
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
    var demoDatabase: String { folder + "/demo.sqlite" }

    /// Deletes a database and its WAL and shared-memory files (demo reset only).
    static func removeDatabase(at path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

// Children's data: every file Kinga creates (database, WAL, shared memory, backups) is readable only by
// Kinga's user, even outside the private default folder.
umask(0o077)

do {
    var command = try Kinga.parseAsRoot()
    try command.run()
} catch let f as Failure {
    FileHandle.standardError.write(Data(("kinga: " + f.message + "\n").utf8))
    exit(1)
} catch {
    Kinga.exit(withError: error)
}
