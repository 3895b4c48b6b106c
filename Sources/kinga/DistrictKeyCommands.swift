import ArgumentParser
import Foundation
import Storage
import Vault

/// `kinga district-key …`: the district office's public key on this kiosk (issue #17). Exports with names are
/// sealed to it; only the office's recovery key opens them.
struct DistrictKey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "district-key", abstract: "The district office's public key on this kiosk.", subcommands: [Set.self, Show.self])

    /// `kinga district-key set FILE --user NAME`: an administrator adds (or replaces) the office's public key.
    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add the district office's public key (a file of 64 hexadecimal digits, made by 'kinga office new-key').",
            discussion: "An administrator's change, made after their PIN, and written to the audit log.")

        @OptionGroup var database: DatabaseChoice

        @Argument(help: ArgumentHelp("The office's public-key file.", valueName: "file"))
        var file: String

        @Option(name: .long, help: ArgumentHelp("Your name as on the login screen (an administrator; asks for your PIN).", valueName: "name"))
        var user: String

        func run() throws {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw Failure(message: "Cannot read \(file).") }
            let key: DistrictPublicKey
            do { key = try DistrictPublicKey(text: text) } catch {
                throw Failure(message: "\(file) is not a district public key: it should hold 64 hexadecimal digits (0-9, a-f), as 'kinga office new-key' writes it.")
            }
            let (store, _) = try database.open(ToolAccess(user: user, purpose: "changed", allowed: { $0.can(.manageUsers, demo: $1) }, refused: { account, store in
                try? store?.recordAudit(action: "district_key.refused", detail: "\(account.name), role \(account.roleWords)")
                return "Only an administrator may set the district key (\(account.name) is \(account.roleWords)). Nothing was changed."
            }))
            do { try store.setDistrictKey(key) } catch { throw Failure(message: "\(error)") }
            print("The district office's key is set (\(key.text.prefix(8))…\(key.text.suffix(8))). Exports with names are now sealed to it.")
        }
    }

    /// `kinga district-key show`: which key this kiosk seals to.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the district office's public key on this kiosk.")

        @OptionGroup var database: DatabaseChoice
        @OptionGroup var reader: ReaderChoice

        func run() throws {
            let store = try database.openToRead(user: reader.user, purpose: "read")
            if let key = try store.districtKey() {
                print(key.text)
            } else {
                print("No district key yet. An administrator adds it with: kinga district-key set FILE --user NAME")
            }
        }
    }
}

/// `kinga office …`: what the district office does with its key pair (issue #17). Runs on the office's own
/// computer; touches no kiosk database.
struct Office: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "At the district office: make the office's key pair, open sealed exports.", subcommands: [NewKey.self, Open.self])

    /// `kinga office new-key --out FILE`: a new district key pair.
    struct NewKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new-key",
            abstract: "Make the district office's key pair: the public key goes to a file for the kiosks, the recovery key is shown once.",
            discussion: "Write the recovery key down on paper and keep it locked away at the office: it opens every sealed export (and, later, every kiosk's database). Kinga never stores it. Losing it means sealed exports can no longer be opened.")

        @Option(name: .long, help: ArgumentHelp("Where to write the public key (must not exist yet).", valueName: "file"))
        var out: String

        func run() throws {
            guard !FileManager.default.fileExists(atPath: out) else { throw Failure(message: "\(out) already exists. Choose another name; Kinga never writes over a key.") }
            let secret = try DistrictSecretKey.generate()
            do { try (secret.publicKey.text + "\n").write(toFile: out, atomically: true, encoding: .utf8) } catch {
                throw Failure(message: "Could not write \(out): \(error.localizedDescription)")
            }
            print("""
                The district's public key is in \(out): give that file to every kiosk's administrator
                (kinga district-key set \(out) --user NAME).

                The district's RECOVERY KEY — shown this once, stored nowhere. Write it on paper, check it, and keep it
                locked away at the office. It opens every sealed export:

                    \(secret.recoveryText)

                """)
        }
    }

    /// `kinga office open FILE --out FILE`: a sealed export, opened with the recovery key.
    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a sealed export with the district's recovery key (asked without showing it).",
            discussion: "The opened file appears only when the whole export checked: a cut or changed file is refused and nothing is written. The recovery key is read from the keyboard, or from the first line of the input when it is not a terminal.")

        @Argument(help: ArgumentHelp("The sealed export (.sealed).", valueName: "file"))
        var file: String

        @Option(name: .long, help: ArgumentHelp("Where to write the opened export (must not exist yet).", valueName: "file"))
        var out: String

        func run() throws {
            guard let input = FileHandle(forReadingAtPath: file) else { throw Failure(message: "Cannot read \(file).") }
            defer { try? input.close() }
            guard !FileManager.default.fileExists(atPath: out) else { throw Failure(message: "\(out) already exists. Choose another name; Kinga never writes over a file.") }
            guard let text = PINInput.read(prompt: "Recovery key: ") else { throw Failure(message: "No recovery key was typed. Nothing was opened.") }
            let secret: DistrictSecretKey
            do { secret = try DistrictSecretKey(recoveryText: text) } catch { throw Failure(message: "\(error)") }
            let tmp = out + ".part-\(getpid())"
            guard FileManager.default.createFile(atPath: tmp, contents: nil, attributes: [.posixPermissions: 0o600]),
                  let output = FileHandle(forWritingAtPath: tmp) else { throw Failure(message: "Could not write \(out).") }
            do {
                try SealedFile.open(read: { n in try input.read(upToCount: n) ?? Data() }, with: secret) { try output.write(contentsOf: $0) }
                try output.close()
                guard link(tmp, out) == 0 else { throw Failure(message: "Could not write \(out): \(String(cString: strerror(errno)))") }
                try? FileManager.default.removeItem(atPath: tmp)
            } catch let f as SealedFile.Failure {
                try? output.close()
                try? FileManager.default.removeItem(atPath: tmp)
                throw Failure(message: f.description + " Nothing was written.")
            } catch {
                try? output.close()
                try? FileManager.default.removeItem(atPath: tmp)
                throw error
            }
            print("Opened into \(out). It holds children's names and stories: keep it on the office's computer only, and delete it when done.")
        }
    }
}
