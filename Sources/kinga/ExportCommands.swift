import ArgumentParser
import Exports
import Figures
import Foundation
import Model
import Storage
import TUI
import Vault

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
            let (store, _) = try database.open(ToolAccess(user: user, purpose: "exported", allowed: { $0.can(.exportCases, demo: $1) }, refused: { account, store in
                try? store?.recordAudit(action: "export.cases.refused", detail: "\(account.name), role \(account.roleWords)")
                return CaseExport.Failure.notAllowed(role: account.roleWords).description
            }, before: { store in
                if FileManager.default.fileExists(atPath: target) { throw Failure(message: CaseExport.Failure.exists(target).description) }
                if identifying, let store, (try? store.districtKey()) == nil { throw Failure(message: CaseExport.Failure.noDistrictKey.description) }
                // Where the file goes is checked before the PIN is asked, so a typo costs nothing.
                let folder = (out as NSString).deletingLastPathComponent.isEmpty ? "." : (out as NSString).deletingLastPathComponent
                var isDir: ObjCBool = false
                guard !out.isEmpty, !out.hasSuffix("/") else { throw Failure(message: "--out needs a file name, for example --out cases.json.") }
                guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
                    throw Failure(message: "The folder \(folder) does not exist. Make it first, or choose another place for --out.")
                }
                guard access(folder, W_OK) == 0 else { throw Failure(message: "Kinga may not write in \(folder). Choose a folder of your own for --out.") }
            }))
            // On an encrypted kiosk the district key can only be read once the PIN has unlocked the database.
            if identifying, (try? store.districtKey()) == nil { throw Failure(message: CaseExport.Failure.noDistrictKey.description) }
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
                if case .cancelled = f { writeToStandardError((f.description + "\n")); throw ExitCode(130) }
                throw Failure(message: f.description)
            }
            bar.clear()
            if identifying {
                writeToStandardError("\(n) case\(n == 1 ? "" : "s") WITH names and contacts written to \(target), sealed for the district office: only the office's recovery key opens it (kinga office open). Carry it to the office, and delete it when it has arrived.\n")
            } else {
                writeToStandardError("\(n) case\(n == 1 ? "" : "s") written to \(target) (no names, contacts or stories). It is about children: keep it safe, share it only as agreed, and delete it when done.\n")
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
        @OptionGroup var reader: ReaderChoice

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
            do { _ = try StatisticsRequest(from: from, to: to, format: format) } catch let e as StatisticsRequest.Invalid {
                throw ValidationError(e.description)
            }
        }

        func run() throws {
            let store = try database.openToRead(user: reader.user, purpose: "exported")
            let request = try StatisticsRequest(from: from, to: to, format: format)
            let start = request.from, end = request.to
            let env = ProcessInfo.processInfo.environment
            let profileID = ((try? store.setting("profile")) ?? nil) ?? "generic"
            let profile = Seeds.locate(explicit: seeds, environment: env, executablePath: CommandLine.arguments[0])
                .flatMap { try? Seeds.profile(id: profileID, seeds: $0) }
            let threshold = profile?.smallCellThreshold ?? 5
            let stats = try store.statistics(from: start, to: end, threshold: threshold) { $0.exportWords(profile: profile) }
            let data = format == "csv" ? Data(try StatisticsExport.csv(stats).utf8) : try StatisticsExport.json(stats)
            if let path = out {
                do { try StatisticsExport.writeWhole(data, to: path) } catch {
                    throw Failure(message: "Could not write \(path): \(error.localizedDescription)")
                }
            } else {
                try? FileHandle.standardOutput.write(contentsOf: data)
            }
            try store.recordAudit(action: "export.stats", detail: "\(start.iso)..\(end.iso) \(format)")
            if let path = out { writeToStandardError("Statistics for \(start.iso) to \(end.iso) written to \(path) (counts below \(threshold) shown as <\(threshold), counts that would give one away as x).\n") }
        }
    }
}
