import ArgumentParser
import Crypto
import Figures
import Foundation
import KingaServer
import Logging
import Model
import Yams

/// `kinga-server`: the district server of Kinga (issue #18). See `kinga-server --help` and the README's "The
/// district server".
@main
struct KingaServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinga-server",
        abstract: "The district server of Kinga: kiosks push and pull their changes over HTTPS; PostgreSQL keeps them.",
        subcommands: [Init.self, Serve.self, Migrate.self, Kiosk.self, Case.self, Export.self, Audit.self])
}

/// A kiosk code typed on the command line (`K07`).
/// - Throws: `ValidationError` saying what a kiosk code looks like.
func parsedKioskCode(_ text: String) throws -> KioskCode {
    guard let code = KioskCode(text) else { throw ValidationError("A kiosk code is K and 2 to 4 letters or digits, like K07.") }
    return code
}

/// Options every command that talks to PostgreSQL takes.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "PostgreSQL URL: postgres://USER:PASSWORD@127.0.0.1:5432/DB, or postgres://USER@/DB?host=/socket/folder.")
    var postgres: String

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    /// The logger of the command (swift-log's standard error handler).
    func logger() -> Logger {
        var logger = Logger(label: "kinga-server")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        return logger
    }

    /// Runs `body` with a migrated database.
    func withDatabase<T: Sendable>(_ body: (PostgresClientType) async throws -> T) async throws -> T {
        try await PostgresSession.with(try configuration(), logger: logger(), body)
    }

    /// The PostgreSQL configuration of `--postgres`.
    /// - Throws: `ValidationError` with what is wrong with the URL.
    func configuration() throws -> PostgresClientConfiguration {
        do { return try PostgresURL.configuration(postgres) } catch { throw ValidationError("\(error)") }
    }
}

extension KingaServerCommand {
    /// `kinga-server init`: the certificate and the schema.
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the server's certificate and key in the data folder (0600) and create the schema; prints the fingerprint kiosks pin.")

        @Option(help: "The server's data folder (certificate and key).")
        var data: String

        @Option(help: "Host names kiosks use to reach the server, comma-separated (the fingerprint is what they check).")
        var hostnames: String = ""

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let made: ServerCertificate.Made
            do {
                made = try ServerCertificate.make(in: data, names: hostnames.split(separator: ",").map(String.init))
            } catch let e as ServerCertificate.Exists {
                throw ServerFailure(e.description)
            }
            try await database.withDatabase { _ in }
            print("Certificate: \(made.certificatePath)")
            print("Key:         \(made.keyPath) (readable by this user only)")
            print("Fingerprint (SHA-256), which every kiosk must pin when it enrols:")
            print(made.fingerprint)
        }
    }

    /// `kinga-server serve`: HTTPS until SIGTERM or SIGINT.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve kiosks over HTTPS (POST /v1/push, GET /v1/pull, GET /v1/health).")

        @Option(help: "The server's data folder, made by init.")
        var data: String

        @Option(help: "The TCP port.")
        var port: Int = 8443

        @Option(help: "The address to listen on (0.0.0.0: all).")
        var host: String = "0.0.0.0"

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let logger = database.logger()
            let configuration = try database.configuration()
            let fingerprint: String
            do { fingerprint = try ServerCertificate.fingerprint(in: data) } catch {
                throw ServerFailure("No certificate in \(data): run kinga-server init --data \(data) --postgres … first.")
            }
            logger.info("starting", metadata: ["port": "\(port)", "fingerprint": "\(fingerprint)"])
            try await DistrictServer.serve(postgres: configuration, folder: data, host: host, port: port, logger: logger)
        }
    }

    /// `kinga-server migrate`.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Bring the PostgreSQL schema up to date (each migration once, in a transaction).")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await database.withDatabase { _ in }
            print("The schema is up to date (version \(Migrations.all.last?.version ?? 0)).")
        }
    }

    /// `kinga-server kiosk …`.
    struct Kiosk: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add or revoke a kiosk.", subcommands: [Add.self, Revoke.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a kiosk: prints its single-use enrolment code (expiring) and its bearer token, once; only their hashes are stored.")

            @Argument(help: "What people call the kiosk (\"Puskesmas Fiksi\").")
            var name: String

            @Option(help: "Its kiosk code, unique in the district: K and 2 to 4 letters or digits (K07).")
            var code: String

            @Option(help: "The villages of its catchment, comma-separated.")
            var villages: String = ""

            @Option(help: "Minutes the enrolment code stays valid.")
            var validMinutes: Int = 60

            @Flag(help: "A supervisor's kiosk: it receives every case of the district, not only its villages' and its own.")
            var wholeDistrict = false

            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                let code = try parsedKioskCode(code)
                guard (1...7 * 24 * 60).contains(validMinutes) else { throw ValidationError("--valid-minutes is 1 to 10080 (a week).") }
                let villages = self.villages.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                let logger = database.logger()
                let added: NewKiosk
                do {
                    added = try await database.withDatabase { db in
                        try await KioskRegistry(client: db, logger: logger)
                            .add(name: name, code: code, villages: villages, validFor: TimeInterval(validMinutes * 60), wholeDistrict: wholeDistrict)
                    }
                } catch let e as KioskRegistryError {
                    throw ServerFailure(e.description)
                }
                print("Kiosk \(added.code) added (\(name); villages: \(villages.isEmpty ? "none yet" : villages.joined(separator: ", "))"
                      + (wholeDistrict ? "; receives every case of the district" : "") + ").")
                print("Enrolment code (single use, until \(ISO8601DateFormatter().string(from: added.expiresAt))): \(added.enrolmentCode)")
                print("Bearer token (shown once; the kiosk sends it with Kinga-Kiosk: \(added.code)): \(added.token)")
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a kiosk: it can no longer push or pull.")

            @Argument(help: "The kiosk code.")
            var code: String

            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                let code = try parsedKioskCode(code)
                let logger = database.logger()
                let found = try await database.withDatabase { db in try await KioskRegistry(client: db, logger: logger).revoke(code) }
                guard found else { throw ServerFailure("No kiosk \(code) that is not already revoked.") }
                print("Kiosk \(code) revoked.")
            }
        }
    }

    /// `kinga-server case …`.
    struct Case: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decide where a case is held.", subcommands: [Pin.self])

        struct Pin: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Pin a case to a kiosk: the kiosk is sent the case whole at its next sync and keeps receiving its changes.",
                discussion: """
                    For a child who stays with relatives in another kiosk's village, or a case a focal point elsewhere must \
                    follow. Kiosks of the case's village, the kiosk that made it and whole-district kiosks hold it already.
                    """)

            @Argument(help: "The case number, as printed (KG-2026-K07-0042).")
            var caseNumber: String

            @Option(help: "The kiosk that is to hold it (its code, K07).")
            var kiosk: String

            @Option(help: "The supervisor who asks (a name; kept with the pin, and sent to the kiosk as the author of what it receives).")
            var by: String

            @Option(help: "The kiosk that made the case, when several cases carry the number (numbers given before a kiosk joined the district).")
            var madeBy: String?

            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                let code = try parsedKioskCode(kiosk)
                let maker = try madeBy.map(parsedKioskCode)
                let logger = database.logger()
                let outcome: PinOutcome
                do {
                    outcome = try await database.withDatabase { db in
                        try await DistrictStore(client: db, logger: logger).pin(caseNumber: caseNumber, to: code, by: by, madeBy: maker)
                    }
                } catch let e as PinRefusal {
                    throw ServerFailure(e.description)
                } catch StoreRefusal.unknownKiosk(let k) {
                    throw ServerFailure("No kiosk \(k) on this server (kinga-server kiosk add adds one).")
                } catch StoreRefusal.revoked(let k) {
                    throw ServerFailure("Kiosk \(k) was revoked: it can no longer receive cases.")
                }
                switch outcome {
                case .sent: print("Case \(caseNumber) pinned to kiosk \(code): it is sent there whole at the kiosk's next sync.")
                case .alreadyHeld: print("Kiosk \(code) holds case \(caseNumber) already; the pin keeps it there.")
                }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export the district's figures for the national system.", subcommands: [Stats.self])

        /// `kinga-server export stats`: the kiosk's `kinga export stats` over every kiosk of the district.
        struct Stats: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Anonymised statistics of the whole district for a period, as CSV (RFC 4180, UTF-8) or JSON.",
                discussion: """
                    Every kiosk's cases as the server holds them now, counted and suppressed exactly as a kiosk's own \
                    `kinga export stats`: counts from 1 to 4 (below the profile's threshold, default 5) are written as <5; a \
                    count from which a <5 could be worked out is written as x; a rate or median is left empty unless its \
                    counts are published and at least the threshold. No name, no story, no record.
                    """)

            @Option(help: ArgumentHelp("First day, YYYY-MM-DD.", valueName: "date"))
            var from: String

            @Option(help: ArgumentHelp("Last day, YYYY-MM-DD (included).", valueName: "date"))
            var to: String

            @Option(help: "csv or json.")
            var format = "csv"

            @Option(help: ArgumentHelp("Write to this file (default: the screen).", valueName: "file"))
            var out: String?

            @Option(help: ArgumentHelp("The district's country profile (seeds/profiles/NAME.yaml): its concern names and its threshold.",
                                       valueName: "file"))
            var profile: String?

            @Option(help: ArgumentHelp("Counts below this are hidden (default: the profile's, else 5; at least 2).", valueName: "n"))
            var threshold: Int?

            @Option(help: ArgumentHelp("The district's time zone, which decides the day a case was registered (default: this machine's).",
                                       valueName: "zone"))
            var timeZone: String?

            @OptionGroup var database: DatabaseOptions

            func validate() throws {
                do { _ = try StatisticsRequest(from: from, to: to, format: format) } catch let e as StatisticsRequest.Invalid {
                    throw ValidationError(e.description)
                }
                if let t = threshold, t < 2 { throw ValidationError("--threshold must be at least 2: a count of 1 would point at one child.") }
                if let z = timeZone, TimeZone(identifier: z) == nil { throw ValidationError("--time-zone \(z) is not a time zone like Africa/Lusaka.") }
            }

            func run() async throws {
                var countryProfile: CountryProfile?
                if let path = profile {
                    do {
                        countryProfile = try YAMLDecoder().decode(CountryProfile.self, from: String(contentsOfFile: path, encoding: .utf8))
                    } catch {
                        throw ServerFailure("Could not read the profile \(path): \(error.localizedDescription)")
                    }
                }
                let limit = threshold ?? countryProfile?.smallCellThreshold ?? 5
                let zone = timeZone.flatMap(TimeZone.init(identifier:)) ?? .current
                let request = try StatisticsRequest(from: from, to: to, format: format)
                let start = request.from, end = request.to
                let logger = database.logger()
                let counts = try await database.withDatabase { db in
                    try await DistrictStore(client: db, logger: logger).statisticsCounts(
                        from: start, to: end, today: LocalDate(Date(), in: zone), timeZone: zone) { $0.exportWords(profile: countryProfile) }
                }
                let stats = DisclosureControl.publish(counts, threshold: limit)
                let data = format == "csv" ? Data(try StatisticsExport.csv(stats).utf8) : try StatisticsExport.json(stats)
                if let path = out {
                    do { try StatisticsExport.writeWhole(data, to: path) } catch {
                        throw ServerFailure("Could not write \(path): \(error.localizedDescription)")
                    }
                    FileHandle.standardError.write(Data("District statistics for \(start.iso) to \(end.iso) written to \(path) (counts below \(limit) shown as <\(limit), counts that would give one away as x).\n".utf8))
                } else {
                    FileHandle.standardOutput.write(data)
                }
                logger.info("district statistics exported", metadata: ["from": "\(start.iso)", "to": "\(end.iso)", "format": "\(format)"])
            }
        }
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check the kiosks' audit chains.", subcommands: [Verify.self])

        /// `kinga-server audit verify`: every kiosk's chain whole, every receipt still holding (issue #19).
        struct Verify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Check that every kiosk's audit chain reached the server whole and that every signed receipt still holds.",
                discussion: """
                    For each kiosk: its audit entries run from 1 with no gap, and each receipt the server gave it (at each \
                    push, for the last entry it carried) still verifies — the kiosk's signature, the server's signature with \
                    the certificate in --data, and the entry the server holds. A kiosk's own `kinga audit verify` checks its \
                    chain against the receipts it keeps. Exit status: 0 when everything holds, 1 otherwise.
                    """)

            @Option(help: "The server's data folder (its certificate signs the receipts).")
            var data: String

            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                let key: P256.Signing.PublicKey
                do {
                    let pem = try String(contentsOfFile: "\(data)/\(ServerCertificate.keyFile)", encoding: .utf8)
                    key = try P256.Signing.PrivateKey(pemRepresentation: pem).publicKey
                } catch {
                    throw ServerFailure("Could not read the server's key in \(data) (\(ServerCertificate.keyFile)): \(error.localizedDescription)")
                }
                let logger = database.logger()
                let reports = try await database.withDatabase { db in
                    try await DistrictStore(client: db, logger: logger).verifyAudit(certificateKey: key)
                }
                var sound = true
                for r in reports {
                    let chain = r.entries == 0 ? "no audit entries yet"
                        : r.missing.isEmpty ? "\(r.entries) audit entries, 1 to \(r.lastSeq), none missing"
                        : "\(r.entries) audit entries up to \(r.lastSeq); missing: \(r.missing.map(String.init).joined(separator: ", "))"
                    let receipts = r.badReceipts.isEmpty ? (r.receipts == 1 ? "1 receipt, which holds" : "\(r.receipts) receipts, all hold")
                        : "\(r.receipts) receipt\(r.receipts == 1 ? "" : "s"), \(r.badReceipts.count) of them not holding"
                    print("\(r.kiosk.rawValue)  \(chain); \(receipts)")
                    for why in r.badReceipts { print("      \(why)") }
                    sound = sound && r.isSound
                }
                if reports.isEmpty { print("No kiosks on this server yet.") }
                guard sound else {
                    throw ExitCode.failure
                }
                print("Every kiosk's audit chain reached the server whole, and every receipt holds.")
            }
        }
    }
}

/// A command that could not do its work (no certificate, a kiosk code taken, a file that cannot be read): printed
/// as "Error: …" in plain words, without the usage that a mistyped command gets (`ValidationError`).
struct ServerFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
