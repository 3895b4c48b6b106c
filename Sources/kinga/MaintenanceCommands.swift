import ArgumentParser
import Foundation
import Model
import Storage
import Vault

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
                if let (count, newest) = try store.auditReceipts() {
                    print(count == 1 ? "It matches the district server's signed receipt (for entry \(newest.seq), received \(newest.receivedAt))."
                          : "It matches the district server's \(count) signed receipts (the newest, for entry \(newest.seq), received \(newest.receivedAt)).")
                }
            case .broken(let seq, let checked):
                throw Failure(message: "The audit log is broken at entry \(seq) (\(checked) entries before it are intact). It was changed or an entry was removed. Tell your supervisor and keep this database as evidence.")
            }
        }
    }
}

/// `kinga check`: is the database sound? Exit status 0 when it is, 1 otherwise.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the database: SQLite integrity, links between records, the search index, the case counts and the audit chain.",
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
        print("  case counts on the home screen: \(r.caseCounts ? "ok" : "WRONG")")
        switch r.audit {
        case .intact(let n)?:
            // The chain was checked against the district server's receipts too (`verifyAudit`), when it has some.
            let receipts = ((try? store.auditReceipts()) ?? nil).map {
                $0.count == 1 ? ", matching the district server's signed receipt" : ", matching the district server's \($0.count) signed receipts"
            } ?? ""
            print("  audit chain: ok (\(n) entries\(receipts))")
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
