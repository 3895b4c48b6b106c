import ArgumentParser
import Exports
import Foundation
import Model
import Storage
import TUI
import Vault

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

        @Option(name: .long, help: ArgumentHelp("Your name as on the login screen (an administrator; asks for your PIN). Needed with --yes, and on an encrypted kiosk.", valueName: "name"))
        var user: String?

        func validate() throws {
            if yes && user == nil { throw ValidationError("--yes needs --user NAME: adding providers is an administrator's change, made after their PIN.") }
        }

        func run() throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw Failure(message: "Cannot read \(file).") }
            guard let text = String(data: data, encoding: .utf8) else { throw Failure(message: "\(file) is not UTF-8 text. Save it as \"CSV UTF-8\" and try again.") }
            // An administrator's PIN comes first when given (on an encrypted kiosk it is what opens the database).
            let (store, _) = try database.open(ToolAccess(user: user, purpose: "added", allowed: { $0.can(.manageDirectory, demo: $1) }, refused: { account, store in
                try? store?.recordAudit(action: "directory.import.refused", detail: "\(account.name), role \(account.roleWords)")
                return "Only an administrator may change the service directory (\(account.name) is \(account.roleWords)). Nothing was added."
            }))
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
            do { try store.importProviders(preview) } catch { throw Failure(message: "\(error)") }
            print("Added \(preview.accepted.count) provider\(preview.accepted.count == 1 ? "" : "s") to the service directory.")
        }
    }
}
